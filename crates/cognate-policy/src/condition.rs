//! The `Condition` element: operators, `...IfExists`, the `ForAnyValue:`/`ForAllValues:` set
//! qualifiers, and how a missing or multivalued key is judged.
//!
//! IAM's rules, as implemented here:
//! - a condition holds when any policy value matches the request value (values ORed);
//! - a negated operator (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...) holds when no
//!   policy value matches; a missing key makes positive operators false and negated ones true;
//! - `...IfExists` makes a missing key true; `Null` tests only presence;
//! - `ForAnyValue:` holds when some request value passes the operator, `ForAllValues:` when
//!   every one does; with no request values (missing key, empty set, or only empty strings)
//!   `ForAnyValue:` is false and `ForAllValues:` true;
//! - without a qualifier a multivalued key passes a positive operator when any of its values
//!   matches, and a negated one when none does;
//! - a policy value whose variable cannot be resolved is null and matches nothing.

use crate::context::{RequestContext, fold};
use crate::pattern::{self, Mode, Pattern, Token};
use crate::values::{base64_decode, ip_in_range, parse_bool, parse_date, parse_number};

/// A condition operator without qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASES: [(&str, Base); 27] = [
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

impl Base {
    fn named(name: &str) -> Option<Base> {
        BASES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, base)| *base)
    }

    /// The operator that this one negates, if it is a negated one.
    fn negates(self) -> Option<Base> {
        Some(match self {
            Base::StringNotEquals => Base::StringEquals,
            Base::StringNotEqualsIgnoreCase => Base::StringEqualsIgnoreCase,
            Base::StringNotLike => Base::StringLike,
            Base::NumericNotEquals => Base::NumericEquals,
            Base::DateNotEquals => Base::DateEquals,
            Base::NotIpAddress => Base::IpAddress,
            Base::ArnNotEquals => Base::ArnEquals,
            Base::ArnNotLike => Base::ArnLike,
            _ => return None,
        })
    }

    /// Date operators, whose values IAM checks when the policy is stored.
    pub(crate) fn is_date(self) -> bool {
        matches!(
            self,
            Base::DateEquals
                | Base::DateNotEquals
                | Base::DateLessThan
                | Base::DateLessThanEquals
                | Base::DateGreaterThan
                | Base::DateGreaterThanEquals
        )
    }

    /// Operators whose values may hold policy variables (string, ARN and Bool operators).
    pub(crate) fn takes_variables(self) -> bool {
        matches!(
            self,
            Base::StringEquals
                | Base::StringNotEquals
                | Base::StringEqualsIgnoreCase
                | Base::StringNotEqualsIgnoreCase
                | Base::StringLike
                | Base::StringNotLike
                | Base::ArnEquals
                | Base::ArnLike
                | Base::ArnNotEquals
                | Base::ArnNotLike
                | Base::Bool
        )
    }

    /// The positive comparison of one request value with one resolved policy value.
    fn compare(self, policy: &[Token], request: &str) -> bool {
        let text = || pattern::to_text(policy);
        let numbers = || parse_number(request).zip(parse_number(&text()));
        let dates = || parse_date(request).zip(parse_date(&text()));
        match self {
            Base::StringEquals => text() == request,
            Base::StringEqualsIgnoreCase => text().to_lowercase() == request.to_lowercase(),
            Base::StringLike => pattern::glob(policy, request, Mode::Plain),
            Base::NumericEquals => numbers().is_some_and(|(r, p)| r == p),
            Base::NumericLessThan => numbers().is_some_and(|(r, p)| r < p),
            Base::NumericLessThanEquals => numbers().is_some_and(|(r, p)| r <= p),
            Base::NumericGreaterThan => numbers().is_some_and(|(r, p)| r > p),
            Base::NumericGreaterThanEquals => numbers().is_some_and(|(r, p)| r >= p),
            Base::DateEquals => dates().is_some_and(|(r, p)| r == p),
            Base::DateLessThan => dates().is_some_and(|(r, p)| r < p),
            Base::DateLessThanEquals => dates().is_some_and(|(r, p)| r <= p),
            Base::DateGreaterThan => dates().is_some_and(|(r, p)| r > p),
            Base::DateGreaterThanEquals => dates().is_some_and(|(r, p)| r >= p),
            Base::Bool => parse_bool(request).is_some_and(|r| parse_bool(&text()) == Some(r)),
            Base::BinaryEquals => {
                base64_decode(request).is_some_and(|r| base64_decode(&text()) == Some(r))
            }
            Base::IpAddress => ip_in_range(&text(), request),
            Base::ArnEquals | Base::ArnLike => pattern::arn_like(policy, request),
            // Negated operators are judged through their positive form, and Null compares
            // no values (see `Condition::holds`).
            _ => false,
        }
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// A full operator name: qualifier, operator, `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) base: Base,
    pub(crate) qualifier: Option<SetQualifier>,
    pub(crate) if_exists: bool,
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`; `None` if IAM does
    /// not know it (names are case-sensitive; `Null` takes no `IfExists`).
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = Base::named(base)?;
        if if_exists && base == Base::Null {
            return None;
        }
        Some(Operator {
            base,
            qualifier,
            if_exists,
        })
    }
}

/// One key of one operator block, with its policy values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    operator: Operator,
    /// Case-folded condition key.
    key: String,
    values: Vec<Pattern>,
}

impl Condition {
    pub(crate) fn new(operator: Operator, key: &str, values: Vec<Pattern>) -> Condition {
        Condition {
            operator,
            key: fold(key),
            values,
        }
    }

    /// Whether the request satisfies this condition.
    pub(crate) fn holds(&self, context: &RequestContext) -> bool {
        let operator = self.operator;
        let values = context.get_folded(&self.key).filter(|v| !v.is_empty());

        if operator.base == Base::Null {
            let absent = values.is_none();
            return self
                .values
                .iter()
                .any(|v| parse_bool(v.raw()).is_some_and(|null| null == absent));
        }

        let (positive, negated) = match operator.base.negates() {
            Some(positive) => (positive, true),
            None => (operator.base, false),
        };
        let Some(values) = values else {
            return operator.if_exists
                || match operator.qualifier {
                    Some(SetQualifier::ForAnyValue) => false,
                    Some(SetQualifier::ForAllValues) => true,
                    None => negated,
                };
        };

        let policy: Vec<Vec<Token>> = self
            .values
            .iter()
            .filter_map(|v| v.resolve(context))
            .collect();
        let matches = |value: &str| policy.iter().any(|p| positive.compare(p, value));

        match operator.qualifier {
            None => values.iter().any(|v| matches(v)) != negated,
            Some(qualifier) => {
                // IAM: request values that resolve to an empty data set (for example, an
                // empty string) make ForAllValues true and ForAnyValue false.
                if values.iter().all(String::is_empty) {
                    return qualifier == SetQualifier::ForAllValues;
                }
                let passes = |v: &String| matches(v) != negated;
                match qualifier {
                    SetQualifier::ForAnyValue => values.iter().any(passes),
                    SetQualifier::ForAllValues => values.iter().all(passes),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (operator, policy values, request values (`None`: key missing), expected)
    type Case<'a> = (&'a str, &'a [&'a str], Option<&'a [&'a str]>, bool);

    /// Evaluates `operator: {key: values}` against a request whose `key` holds `request`
    /// (`None`: the key is missing).
    fn check(operator: &str, values: &[&str], request: Option<&[&str]>) -> bool {
        let operator = Operator::parse(operator).unwrap_or_else(|| panic!("unknown {operator}"));
        let values = values
            .iter()
            .map(|v| {
                if operator.base.takes_variables() {
                    Pattern::with_variables(v)
                } else {
                    Pattern::literal(v)
                }
            })
            .collect();
        let condition = Condition::new(operator, "test:Key", values);
        let mut context =
            RequestContext::new("s3:GetObject", "*").with_value("aws:username", "alice");
        if let Some(request) = request {
            context.set("Test:KEY", request.iter().copied());
        }
        condition.holds(&context)
    }

    #[test]
    fn operator_names() {
        let known = [
            ("StringEquals", Base::StringEquals, None, false),
            ("StringLikeIfExists", Base::StringLike, None, true),
            (
                "ForAnyValue:StringLike",
                Base::StringLike,
                Some(SetQualifier::ForAnyValue),
                false,
            ),
            (
                "ForAllValues:StringEqualsIfExists",
                Base::StringEquals,
                Some(SetQualifier::ForAllValues),
                true,
            ),
            ("NotIpAddressIfExists", Base::NotIpAddress, None, true),
            ("Null", Base::Null, None, false),
            (
                "ForAnyValue:Null",
                Base::Null,
                Some(SetQualifier::ForAnyValue),
                false,
            ),
        ];
        for (name, base, qualifier, if_exists) in known {
            assert_eq!(
                Operator::parse(name),
                Some(Operator {
                    base,
                    qualifier,
                    if_exists
                }),
                "{name}"
            );
        }
        for (name, _) in BASES {
            assert!(Operator::parse(name).is_some(), "{name}");
        }
        let unknown = [
            "StringEqualz",
            "stringequals",
            "ForAnyValue::StringEqualsIfExists",
            "ForSomeValues:StringEquals",
            "NullIfExists",
            "StringEqualsIfExistsIfExists",
            "IfExists",
            "",
        ];
        for name in unknown {
            assert_eq!(Operator::parse(name), None, "{name}");
        }
    }

    #[test]
    fn string_operators() {
        let cases: &[Case] = &[
            ("StringEquals", &["abc"], Some(&["abc"]), true),
            ("StringEquals", &["abc"], Some(&["ABC"]), false),
            ("StringEquals", &["a*"], Some(&["abc"]), false),
            ("StringEquals", &["a*"], Some(&["a*"]), true),
            ("StringEquals", &["x", "abc"], Some(&["abc"]), true),
            ("StringEquals", &[], Some(&["abc"]), false),
            ("StringEquals", &["abc"], None, false),
            ("StringNotEquals", &["abc"], Some(&["abc"]), false),
            ("StringNotEquals", &["abc"], Some(&["abd"]), true),
            ("StringNotEquals", &["x", "abc"], Some(&["abc"]), false),
            ("StringNotEquals", &["abc"], None, true),
            ("StringNotEquals", &[], Some(&["abc"]), true),
            ("StringEqualsIgnoreCase", &["AbC"], Some(&["aBc"]), true),
            ("StringEqualsIgnoreCase", &["AbC"], Some(&["aBd"]), false),
            ("StringNotEqualsIgnoreCase", &["AbC"], Some(&["aBc"]), false),
            ("StringNotEqualsIgnoreCase", &["AbC"], Some(&["aBd"]), true),
            ("StringLike", &["home/*"], Some(&["home/alice/x"]), true),
            ("StringLike", &["home/?"], Some(&["home/ab"]), false),
            ("StringLike", &["Home/*"], Some(&["home/alice"]), false),
            ("StringLike", &["", "home/"], Some(&[""]), true),
            ("StringNotLike", &["home/*"], Some(&["home/alice"]), false),
            ("StringNotLike", &["home/*"], Some(&["work/alice"]), true),
            ("StringNotLike", &["home/*"], None, true),
        ];
        for (operator, values, request, expected) in cases {
            assert_eq!(
                check(operator, values, *request),
                *expected,
                "{operator} {values:?} {request:?}"
            );
        }
    }

    #[test]
    fn typed_operators() {
        let cases: &[Case] = &[
            ("NumericEquals", &["10"], Some(&["10.0"]), true),
            ("NumericEquals", &["10"], Some(&["11"]), false),
            ("NumericEquals", &["10"], Some(&["ten"]), false),
            ("NumericNotEquals", &["10"], Some(&["11"]), true),
            ("NumericNotEquals", &["10"], Some(&["10"]), false),
            ("NumericLessThan", &["10"], Some(&["9.5"]), true),
            ("NumericLessThan", &["10"], Some(&["10"]), false),
            ("NumericLessThanEquals", &["10"], Some(&["10"]), true),
            ("NumericLessThanEquals", &["10"], Some(&["11"]), false),
            ("NumericGreaterThan", &["10"], Some(&["11"]), true),
            ("NumericGreaterThan", &["10"], Some(&["10"]), false),
            ("NumericGreaterThanEquals", &["10"], Some(&["10"]), true),
            ("NumericGreaterThanEquals", &["10"], Some(&["-10"]), false),
            ("NumericLessThan", &["10"], None, false),
            (
                "DateEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["1577836800"]),
                true,
            ),
            (
                "DateEquals",
                &["2020-01-01"],
                Some(&["2020-01-01T01:00:00+01:00"]),
                true,
            ),
            (
                "DateEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["2020-01-01T00:00:01Z"]),
                false,
            ),
            (
                "DateNotEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["2020-01-01T00:00:01Z"]),
                true,
            ),
            (
                "DateNotEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["1577836800"]),
                false,
            ),
            (
                "DateLessThan",
                &["2020-01-01T00:00:00Z"],
                Some(&["2019-12-31T23:59:59Z"]),
                true,
            ),
            (
                "DateLessThan",
                &["2020-01-01T00:00:00Z"],
                Some(&["2020-01-01T00:00:00Z"]),
                false,
            ),
            (
                "DateLessThanEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["2020-01-01T00:00:00Z"]),
                true,
            ),
            (
                "DateLessThanEquals",
                &["2020-01-01T00:00:00Z"],
                Some(&["2020-01-02"]),
                false,
            ),
            (
                "DateGreaterThan",
                &["2020-01-01T00:00:00Z"],
                Some(&["1577836801"]),
                true,
            ),
            (
                "DateGreaterThan",
                &["2020-01-01T00:00:00Z"],
                Some(&["1577836800"]),
                false,
            ),
            (
                "DateGreaterThanEquals",
                &["1577836800"],
                Some(&["2020-01-01T00:00:00Z"]),
                true,
            ),
            (
                "DateGreaterThanEquals",
                &["1577836800"],
                Some(&["2019-01-01"]),
                false,
            ),
            (
                "DateGreaterThan",
                &["2020-01-01"],
                Some(&["yesterday"]),
                false,
            ),
            ("Bool", &["true"], Some(&["true"]), true),
            ("Bool", &["true"], Some(&["TRUE"]), true),
            ("Bool", &["false"], Some(&["true"]), false),
            ("Bool", &["false"], None, false),
            ("Bool", &["false"], Some(&["no"]), false),
            (
                "BinaryEquals",
                &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
                Some(&["QmluYXJ5VmFsdWVJbkJhc2U2NA"]),
                true,
            ),
            (
                "BinaryEquals",
                &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
                Some(&["QUJD"]),
                false,
            ),
            (
                "IpAddress",
                &["203.0.113.0/24"],
                Some(&["203.0.113.9"]),
                true,
            ),
            (
                "IpAddress",
                &["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
                Some(&["2001:db8:1234:5678::1"]),
                true,
            ),
            (
                "IpAddress",
                &["203.0.113.0/24"],
                Some(&["198.51.100.1"]),
                false,
            ),
            ("IpAddress", &["203.0.113.0/24"], None, false),
            (
                "NotIpAddress",
                &["203.0.113.0/24"],
                Some(&["198.51.100.1"]),
                true,
            ),
            (
                "NotIpAddress",
                &["203.0.113.0/24"],
                Some(&["203.0.113.1"]),
                false,
            ),
            ("NotIpAddress", &["203.0.113.0/24"], None, true),
            (
                "ArnEquals",
                &["arn:aws:sns:us-east-1:123456789012:t"],
                Some(&["arn:aws:sns:us-east-1:123456789012:t"]),
                true,
            ),
            (
                "ArnEquals",
                &["arn:aws:sns:*:123456789012:t"],
                Some(&["arn:aws:sns:eu-west-1:123456789012:t"]),
                true,
            ),
            (
                "ArnLike",
                &["arn:aws:sns:*:123456789012:*"],
                Some(&["arn:aws:sns:eu-west-1:999999999999:t"]),
                false,
            ),
            (
                "ArnNotEquals",
                &["arn:aws:sns:*:123456789012:*"],
                Some(&["arn:aws:sns:eu-west-1:999999999999:t"]),
                true,
            ),
            (
                "ArnNotLike",
                &["arn:aws:sns:*:123456789012:*"],
                Some(&["arn:aws:sns:eu-west-1:123456789012:t"]),
                false,
            ),
            ("ArnNotLike", &["arn:aws:sns:*:123456789012:*"], None, true),
        ];
        for (operator, values, request, expected) in cases {
            assert_eq!(
                check(operator, values, *request),
                *expected,
                "{operator} {values:?} {request:?}"
            );
        }
    }

    #[test]
    fn if_exists_and_null() {
        let cases: &[Case] = &[
            ("StringEqualsIfExists", &["abc"], None, true),
            ("StringEqualsIfExists", &["abc"], Some(&[]), true),
            ("StringEqualsIfExists", &["abc"], Some(&["abc"]), true),
            ("StringEqualsIfExists", &["abc"], Some(&["abd"]), false),
            ("StringNotEqualsIfExists", &["abc"], None, true),
            ("StringNotEqualsIfExists", &["abc"], Some(&["abc"]), false),
            ("NumericLessThanIfExists", &["10"], None, true),
            ("NumericLessThanIfExists", &["10"], Some(&["20"]), false),
            ("BoolIfExists", &["false"], None, true),
            ("BoolIfExists", &["false"], Some(&["true"]), false),
            ("Null", &["true"], None, true),
            ("Null", &["true"], Some(&[]), true),
            ("Null", &["true"], Some(&["x"]), false),
            ("Null", &["false"], Some(&["x"]), true),
            ("Null", &["false"], Some(&[""]), true),
            ("Null", &["false"], None, false),
            ("Null", &["TRUE"], None, true),
            ("Null", &["maybe"], None, false),
            ("Null", &["true", "false"], Some(&["x"]), true),
        ];
        for (operator, values, request, expected) in cases {
            assert_eq!(
                check(operator, values, *request),
                *expected,
                "{operator} {values:?} {request:?}"
            );
        }
    }

    #[test]
    fn set_qualifiers() {
        let cases: &[Case] = &[
            // ForAnyValue: some request value matches some policy value.
            (
                "ForAnyValue:StringEquals",
                &["a", "b"],
                Some(&["x", "b"]),
                true,
            ),
            (
                "ForAnyValue:StringEquals",
                &["a", "b"],
                Some(&["x", "y"]),
                false,
            ),
            ("ForAnyValue:StringEquals", &["a"], None, false),
            ("ForAnyValue:StringEquals", &["a"], Some(&[]), false),
            ("ForAnyValue:StringEquals", &[""], Some(&[""]), false),
            ("ForAnyValue:StringEqualsIfExists", &["a"], None, true),
            (
                "ForAnyValue:StringLike",
                &["unauthenticated"],
                Some(&["unauthenticated"]),
                true,
            ),
            (
                "ForAnyValue:StringLike",
                &["authenticated"],
                Some(&["unauthenticated"]),
                false,
            ),
            (
                "ForAnyValue:StringLike",
                &["authenticated"],
                Some(&[
                    "authenticated",
                    "cognito-idp.us-east-1.amazonaws.com/us-east-1_A",
                ]),
                true,
            ),
            // ForAnyValue with a negated operator: some request value matches no policy value.
            (
                "ForAnyValue:StringNotEquals",
                &["a", "b"],
                Some(&["a", "c"]),
                true,
            ),
            (
                "ForAnyValue:StringNotEquals",
                &["a", "b"],
                Some(&["a", "b"]),
                false,
            ),
            ("ForAnyValue:StringNotEquals", &["a"], None, false),
            // ForAllValues: every request value matches some policy value.
            (
                "ForAllValues:StringEquals",
                &["a", "b", "c"],
                Some(&["a", "c"]),
                true,
            ),
            (
                "ForAllValues:StringEquals",
                &["a", "b"],
                Some(&["a", "x"]),
                false,
            ),
            ("ForAllValues:StringEquals", &["a"], None, true),
            ("ForAllValues:StringEquals", &["a"], Some(&[]), true),
            ("ForAllValues:StringEquals", &["a"], Some(&[""]), true),
            (
                "ForAllValues:StringLike",
                &["Created*"],
                Some(&["CreatedBy", "CreatedAt"]),
                true,
            ),
            (
                "ForAllValues:StringLike",
                &["Created*"],
                Some(&["CreatedBy", "Owner"]),
                false,
            ),
            // ForAllValues with a negated operator: no request value matches any policy value.
            (
                "ForAllValues:StringNotEquals",
                &["a", "b"],
                Some(&["c", "d"]),
                true,
            ),
            (
                "ForAllValues:StringNotEquals",
                &["a", "b"],
                Some(&["c", "a"]),
                false,
            ),
            ("ForAllValues:StringNotEquals", &["a"], None, true),
            (
                "ForAllValues:NumericLessThan",
                &["5"],
                Some(&["1", "2"]),
                true,
            ),
            (
                "ForAllValues:NumericLessThan",
                &["5"],
                Some(&["1", "7"]),
                false,
            ),
            // No qualifier on a multivalued key: any value for positive, none for negated.
            ("StringEquals", &["b"], Some(&["a", "b"]), true),
            ("StringEquals", &["z"], Some(&["a", "b"]), false),
            ("StringNotEquals", &["b"], Some(&["a", "b"]), false),
            ("StringNotEquals", &["z"], Some(&["a", "b"]), true),
            ("StringEquals", &["a"], Some(&[]), false),
            ("StringNotEquals", &["a"], Some(&[]), true),
        ];
        for (operator, values, request, expected) in cases {
            assert_eq!(
                check(operator, values, *request),
                *expected,
                "{operator} {values:?} {request:?}"
            );
        }
    }

    #[test]
    fn variables_in_condition_values() {
        let cases: &[Case] = &[
            ("StringEquals", &["${aws:username}"], Some(&["alice"]), true),
            ("StringEquals", &["${aws:username}"], Some(&["bob"]), false),
            (
                "StringLike",
                &["home/${aws:username}/*"],
                Some(&["home/alice/x"]),
                true,
            ),
            (
                "StringLike",
                &["home/${aws:username}/*"],
                Some(&["home/bob/x"]),
                false,
            ),
            // An unresolvable variable is null: positive operators fail, negated ones pass.
            (
                "StringEquals",
                &["${aws:missing}"],
                Some(&["${aws:missing}"]),
                false,
            ),
            (
                "StringLike",
                &["${aws:missing}*"],
                Some(&["anything"]),
                false,
            ),
            (
                "StringNotEquals",
                &["${aws:missing}"],
                Some(&["anything"]),
                true,
            ),
            (
                "StringNotLike",
                &["${aws:missing}"],
                Some(&["anything"]),
                true,
            ),
            ("StringEquals", &["${aws:missing}", "x"], Some(&["x"]), true),
            (
                "StringEquals",
                &["${aws:missing, 'anon'}"],
                Some(&["anon"]),
                true,
            ),
            (
                "ArnLike",
                &["arn:aws:iam::*:user/${aws:username}"],
                Some(&["arn:aws:iam::1:user/alice"]),
                true,
            ),
            (
                "ArnLike",
                &["arn:aws:iam::*:user/${aws:missing}"],
                Some(&["arn:aws:iam::1:user/alice"]),
                false,
            ),
            (
                "ArnNotLike",
                &["arn:aws:iam::*:user/${aws:missing}"],
                Some(&["arn:aws:iam::1:user/alice"]),
                true,
            ),
            // Numeric, Date, IP, Binary and Null take no variables: the text stays literal.
            ("NumericEquals", &["${aws:username}"], Some(&["1"]), false),
            (
                "IpAddress",
                &["${aws:username}"],
                Some(&["203.0.113.1"]),
                false,
            ),
        ];
        for (operator, values, request, expected) in cases {
            assert_eq!(
                check(operator, values, *request),
                *expected,
                "{operator} {values:?} {request:?}"
            );
        }
    }
}
