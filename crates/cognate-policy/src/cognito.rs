//! The scope-down policy Cognito applies to guest credentials.
//!
//! cognito-compat: for unauthenticated identities in the enhanced flow
//! (`GetCredentialsForIdentity`), Cognito passes a session policy to STS, so guests get the
//! intersection of the unauthenticated role's policies and a fixed list of services, whatever
//! the role allows. The basic flow (client calls `AssumeRoleWithWebIdentity` itself) applies
//! no scope-down. The list below is the one Cognito documents: services allowed with all
//! their actions, a few services restricted to some actions (KMS, SageMaker, Textract,
//! Sumerian), and `rum:PutRumEvents` from the `AmazonCognitoUnauthenticatedIdentities`
//! managed policy Cognito adds to the same session.

use std::sync::LazyLock;

use crate::policy::Policy;

/// The scope-down session policy for unauthenticated (guest) credentials, as JSON.
///
/// Service prefixes: AppSync (`appsync`), CloudWatch (`cloudwatch`), CloudWatch Logs
/// (`logs`), Cognito Identity, user pools and Sync (`cognito-identity`, `cognito-idp`,
/// `cognito-sync`), Comprehend, DynamoDB, API Gateway (`execute-api`), Kinesis Data
/// Firehose (`firehose`), GameLift, Location (`geo`), IoT, Kinesis Data Streams
/// (`kinesis`), Kinesis Data Analytics (`kinesisanalytics`), Lambda, Lex, Machine Learning
/// (`machinelearning`), Mobile Analytics (`mobileanalytics`), Pinpoint (`mobiletargeting`),
/// Personalize, Polly, Rekognition, S3, SimpleDB (`sdb`), SES, SNS, SQS, Transcribe,
/// Translate, CodeWhisperer; KMS only `Encrypt`, `Decrypt`, `ReEncrypt*` and
/// `GenerateDataKey*`; SageMaker only `InvokeEndpoint`; Textract only `DetectDocumentText`
/// and `AnalyzeDocument`; Sumerian only `View*`; CloudWatch RUM only `PutRumEvents`.
pub const COGNITO_UNAUTHENTICATED_SCOPE_DOWN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GuestServices",
      "Effect": "Allow",
      "Action": [
        "appsync:*",
        "cloudwatch:*",
        "codewhisperer:*",
        "cognito-identity:*",
        "cognito-idp:*",
        "cognito-sync:*",
        "comprehend:*",
        "dynamodb:*",
        "execute-api:*",
        "firehose:*",
        "gamelift:*",
        "geo:*",
        "iot:*",
        "kinesis:*",
        "kinesisanalytics:*",
        "lambda:*",
        "lex:*",
        "logs:*",
        "machinelearning:*",
        "mobileanalytics:*",
        "mobiletargeting:*",
        "personalize:*",
        "polly:*",
        "rekognition:*",
        "s3:*",
        "sdb:*",
        "ses:*",
        "sns:*",
        "sqs:*",
        "transcribe:*",
        "translate:*"
      ],
      "Resource": "*"
    },
    {
      "Sid": "GuestRestrictedActions",
      "Effect": "Allow",
      "Action": [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "sagemaker:InvokeEndpoint",
        "textract:DetectDocumentText",
        "textract:AnalyzeDocument",
        "sumerian:View*",
        "rum:PutRumEvents"
      ],
      "Resource": "*"
    }
  ]
}"#;

static SCOPE_DOWN: LazyLock<Policy> = LazyLock::new(|| {
    Policy::parse_session(COGNITO_UNAUTHENTICATED_SCOPE_DOWN)
        .expect("the built-in scope-down policy is a valid session policy (tested)")
});

/// [`COGNITO_UNAUTHENTICATED_SCOPE_DOWN`], parsed. Pass it as a session policy to
/// [`crate::evaluate`] for credentials issued to unauthenticated identities.
pub fn cognito_unauthenticated_scope_down() -> &'static Policy {
    &SCOPE_DOWN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::RequestContext;
    use crate::eval::{Decision, evaluate};
    use crate::limits::{check_role_inline_policies_size, check_session_policy_size};

    #[test]
    fn is_a_valid_session_policy_within_sts_limits() {
        assert_eq!(
            Policy::parse_session(COGNITO_UNAUTHENTICATED_SCOPE_DOWN).err(),
            None
        );
        assert_eq!(
            Policy::parse_managed(COGNITO_UNAUTHENTICATED_SCOPE_DOWN).err(),
            None
        );
        assert_eq!(
            check_session_policy_size(COGNITO_UNAUTHENTICATED_SCOPE_DOWN),
            Ok(())
        );
        assert_eq!(
            check_role_inline_policies_size("r", [COGNITO_UNAUTHENTICATED_SCOPE_DOWN]),
            Ok(())
        );
        assert_eq!(cognito_unauthenticated_scope_down().statement_count(), 2);
    }

    #[test]
    fn guests_keep_only_the_listed_services() {
        let role = Policy::parse_identity(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let scope_down = cognito_unauthenticated_scope_down();
        let cases = [
            ("s3:GetObject", Decision::Allow),
            ("S3:PutObject", Decision::Allow),
            ("dynamodb:Query", Decision::Allow),
            ("cognito-identity:GetId", Decision::Allow),
            ("cognito-sync:ListRecords", Decision::Allow),
            ("cognito-idp:GetUser", Decision::Allow),
            ("execute-api:Invoke", Decision::Allow),
            ("mobiletargeting:PutEvents", Decision::Allow),
            ("logs:PutLogEvents", Decision::Allow),
            ("geo:SearchPlaceIndexForText", Decision::Allow),
            ("kms:Encrypt", Decision::Allow),
            ("kms:ReEncryptFrom", Decision::Allow),
            ("kms:GenerateDataKeyWithoutPlaintext", Decision::Allow),
            ("kms:CreateKey", Decision::ImplicitDeny),
            ("kms:ScheduleKeyDeletion", Decision::ImplicitDeny),
            ("sagemaker:InvokeEndpoint", Decision::Allow),
            ("sagemaker:CreateEndpoint", Decision::ImplicitDeny),
            ("textract:AnalyzeDocument", Decision::Allow),
            ("textract:StartDocumentAnalysis", Decision::ImplicitDeny),
            ("sumerian:ViewRelease", Decision::Allow),
            ("sumerian:Login", Decision::ImplicitDeny),
            ("rum:PutRumEvents", Decision::Allow),
            ("rum:CreateAppMonitor", Decision::ImplicitDeny),
            ("iam:CreateUser", Decision::ImplicitDeny),
            ("sts:AssumeRole", Decision::ImplicitDeny),
            ("ec2:RunInstances", Decision::ImplicitDeny),
            ("secretsmanager:GetSecretValue", Decision::ImplicitDeny),
        ];
        for (action, expected) in cases {
            let request = RequestContext::new(action, "*");
            let scoped = evaluate(
                std::slice::from_ref(&role),
                std::slice::from_ref(scope_down),
                &request,
            );
            assert_eq!(scoped, expected, "{action}");
            // Without the scope-down the role alone allows everything.
            assert_eq!(
                evaluate(std::slice::from_ref(&role), &[], &request),
                Decision::Allow
            );
        }
    }

    #[test]
    fn scope_down_never_widens_the_role() {
        let role = Policy::parse_identity(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let scope_down = [cognito_unauthenticated_scope_down().clone()];
        let allowed = RequestContext::new("s3:GetObject", "arn:aws:s3:::public/a");
        let outside = RequestContext::new("s3:GetObject", "arn:aws:s3:::private/a");
        let other = RequestContext::new("dynamodb:GetItem", "*");
        assert_eq!(
            evaluate(std::slice::from_ref(&role), &scope_down, &allowed),
            Decision::Allow
        );
        assert_eq!(
            evaluate(std::slice::from_ref(&role), &scope_down, &outside),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(std::slice::from_ref(&role), &scope_down, &other),
            Decision::ImplicitDeny
        );
    }
}
