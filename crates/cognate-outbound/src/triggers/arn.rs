//! Lambda function ARNs.

/// A parsed `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaArn<'a> {
    /// The whole ARN as given.
    pub arn: &'a str,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    pub region: &'a str,
    /// Twelve digits.
    pub account: &'a str,
    pub function_name: &'a str,
    /// Version or alias (`$LATEST`, `3`, `live`).
    pub qualifier: Option<&'a str>,
}

impl<'a> LambdaArn<'a> {
    /// `None` unless `arn` is a well-formed Lambda function ARN.
    pub fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.split(':');
        let (Some("arn"), Some(partition), Some("lambda"), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let (Some("function"), Some(function_name)) = (parts.next(), parts.next()) else {
            return None;
        };
        let qualifier = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let partition_ok = partition
            .strip_prefix("aws")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
            && partition
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-');
        let region_ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let name_ok = (1..=64).contains(&function_name.len())
            && function_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let qualifier_ok = qualifier.is_none_or(|q| {
            (1..=128).contains(&q.len())
                && q.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$'))
        });
        (partition_ok && region_ok && account_ok && name_ok && qualifier_ok).then_some(LambdaArn {
            arn,
            partition,
            region,
            account,
            function_name,
            qualifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LambdaArn;

    #[test]
    fn parses_function_arns() {
        let a =
            LambdaArn::parse("arn:aws:lambda:us-east-1:123456789012:function:pre-signup").unwrap();
        assert_eq!(
            (
                a.partition,
                a.region,
                a.account,
                a.function_name,
                a.qualifier
            ),
            ("aws", "us-east-1", "123456789012", "pre-signup", None)
        );
        let a = LambdaArn::parse("arn:aws-cn:lambda:cn-north-1:123456789012:function:f_1:$LATEST")
            .unwrap();
        assert_eq!((a.region, a.qualifier), ("cn-north-1", Some("$LATEST")));
        for bad in [
            "",
            "pre-signup",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda:us-east-1:123456789012:layer:x",
            "arn:aws:lambda:us-east-1:1234:function:x",
            "arn:aws:lambda::123456789012:function:x",
            "arn:aws:s3:us-east-1:123456789012:function:x",
            "arn:azure:lambda:us-east-1:123456789012:function:x",
            "arn:aws:lambda:us-east-1:123456789012:function:x:1:2",
            "arn:aws:lambda:us-east-1:123456789012:function:a/b",
            "arn:aws:lambda:us-east-1:123456789012:function:x:",
        ] {
            assert!(LambdaArn::parse(bad).is_none(), "{bad}");
        }
    }
}
