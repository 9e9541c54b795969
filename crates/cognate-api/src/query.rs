//! The awsQuery services on `POST /`: the IAM role subset and STS. Form
//! parameters in (body or query string), XML out, AWS's `ErrorResponse` on
//! failure.

use crate::auth_sigv4::SignedRequest;
use crate::router::AppState;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cognate_core::iam::CreateRoleInput;
use cognate_core::iam::model::Role;
use cognate_core::iam::sts::{AssumeRoleInput, SignedParts};
use cognate_core::{CoreError, CoreResult, ErrorKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::BTreeMap;
use tracing::Instrument;

const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// RFC 3986 unreserved characters stay; everything else is encoded (IAM's
/// URL-encoded policy documents, which botocore decodes with `unquote`).
const POLICY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[derive(Clone, Copy, PartialEq, Eq)]
enum QueryService {
    Iam,
    Sts,
}

impl QueryService {
    fn namespace(self) -> &'static str {
        match self {
            QueryService::Iam => IAM_NS,
            QueryService::Sts => STS_NS,
        }
    }
}

fn service_of(action: &str) -> Option<QueryService> {
    match action {
        "AssumeRoleWithWebIdentity" | "GetCallerIdentity" => Some(QueryService::Sts),
        "CreateRole"
        | "GetRole"
        | "ListRoles"
        | "DeleteRole"
        | "UpdateAssumeRolePolicy"
        | "UpdateRole"
        | "PutRolePolicy"
        | "GetRolePolicy"
        | "DeleteRolePolicy"
        | "ListRolePolicies" => Some(QueryService::Iam),
        _ => None,
    }
}

/// Escapes text for an XML element.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn el(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", esc(value))
}

fn iso(ts: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts.floor() as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn encode_policy(doc: &str) -> String {
    utf8_percent_encode(doc, POLICY_ENCODE).to_string()
}

/// The form parameters of the request.
struct Params(BTreeMap<String, String>);

impl Params {
    fn parse(uri: &Uri, body: &[u8]) -> Params {
        let mut map = BTreeMap::new();
        if let Some(q) = uri.query() {
            map.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
        }
        map.extend(form_urlencoded::parse(body).into_owned());
        Params(map)
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    fn required(&self, name: &str) -> CoreResult<&str> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            CoreError::new(
                ErrorKind::Validation,
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(name)
                ),
            )
        })
    }
    fn int(&self, name: &str) -> CoreResult<Option<i64>> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    CoreError::new(
                        ErrorKind::Validation,
                        format!("Value '{v}' for parameter {name} is invalid."),
                    )
                })
            })
            .transpose()
    }
    /// `Name.member.N.Key` / `.Value` pairs.
    fn tags(&self, prefix: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for n in 1..=50 {
            let Some(k) = self.get(&format!("{prefix}.member.{n}.Key")) else {
                break;
            };
            let v = self
                .get(&format!("{prefix}.member.{n}.Value"))
                .unwrap_or_default();
            out.insert(k.to_string(), v.to_string());
        }
        out
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The code an awsQuery client sees for an error kind.
fn query_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation | ErrorKind::InvalidParameter | ErrorKind::Serialization => {
            "ValidationError"
        }
        ErrorKind::InvalidSignature => "SignatureDoesNotMatch",
        ErrorKind::UnrecognizedClient => "InvalidClientTokenId",
        ErrorKind::MissingAuthenticationToken => "MissingAuthenticationToken",
        ErrorKind::IncompleteSignature => "IncompleteSignature",
        ErrorKind::AccessDenied => "AccessDenied",
        ErrorKind::LimitExceeded => "LimitExceeded",
        ErrorKind::UnknownOperation => "InvalidAction",
        ErrorKind::Internal => "ServiceFailure",
        ErrorKind::ExpiredToken => "ExpiredTokenException",
        ErrorKind::ExpiredCredentials => "ExpiredToken",
        other => other.wire_name(),
    }
}

fn error_xml(service: QueryService, err: &CoreError, request_id: &str) -> Response {
    let status = match err.kind {
        ErrorKind::UnknownOperation => StatusCode::BAD_REQUEST,
        k => StatusCode::from_u16(k.status()).unwrap_or(StatusCode::BAD_REQUEST),
    };
    let kind = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        r#"<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{msg}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"#,
        ns = service.namespace(),
        code = query_code(err.kind),
        msg = esc(&err.message),
    );
    xml_response(status, body, request_id)
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    (status, headers, body).into_response()
}

fn success(service: QueryService, action: &str, result: &str, request_id: &str) -> Response {
    let body = format!(
        r#"<{action}Response xmlns="{ns}"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"#,
        ns = service.namespace(),
    );
    xml_response(StatusCode::OK, body, request_id)
}

fn role_xml(role: &Role) -> String {
    let mut s = String::from("<Role>");
    s += &el("Path", &role.path);
    s += &el("RoleName", &role.role_name);
    s += &el("RoleId", &role.role_id);
    s += &el("Arn", &role.arn);
    s += &el("CreateDate", &iso(role.create_date));
    s += &el(
        "AssumeRolePolicyDocument",
        &encode_policy(&role.assume_role_policy_document),
    );
    if let Some(d) = &role.description {
        s += &el("Description", d);
    }
    s += &el("MaxSessionDuration", &role.max_session_duration.to_string());
    if !role.tags.is_empty() {
        s += "<Tags>";
        for (k, v) in &role.tags {
            s += &format!("<member>{}{}</member>", el("Key", k), el("Value", v));
        }
        s += "</Tags>";
    }
    s += "</Role>";
    s
}

/// Whether a form-encoded `POST /` (or a `GET /?Action=`) is an awsQuery call.
pub fn is_query_request(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    if headers.contains_key("x-amz-target") {
        return false;
    }
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    form || (*method == Method::GET && uri.query().is_some_and(|q| q.contains("Action=")))
}

pub async fn handle(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let params = Params::parse(uri, body);
    let action = params.get("Action").unwrap_or_default().to_string();
    let span = tracing::info_span!("request", id = %request_id, op = %action);
    // The span wraps the whole future (never a guard held across an await).
    async move {
        let Some(service) = service_of(&action) else {
            let err = CoreError::new(
                ErrorKind::UnknownOperation,
                format!("Could not find operation {action} for version NO_VERSION_SPECIFIED"),
            );
            return error_xml(QueryService::Sts, &err, &request_id);
        };
        let header_list: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_string(), v.to_string()))
            })
            .collect();
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let parts = SignedParts {
            method: method.as_str().to_string(),
            path_and_query: path.clone(),
            headers: header_list.clone(),
            body: Some(body.to_vec()),
        };
        let result = async {
            match service {
                QueryService::Iam => {
                    let req = SignedRequest {
                        method: method.as_str(),
                        path_and_query: &path,
                        headers: &header_list,
                        body,
                    };
                    state.admin.verify(&req, "iam", state.core.now())?;
                    iam(state, &action, &params).await
                }
                QueryService::Sts => sts(state, &action, &params, &parts, &header_list).await,
            }
        }
        .await;
        match result {
            Ok(xml) => success(service, &action, &xml, &request_id),
            Err(err) => {
                tracing::info!(error = err.kind.wire_name(), "request failed");
                error_xml(service, &err, &request_id)
            }
        }
    }
    .instrument(span)
    .await
}

async fn iam(state: &AppState, action: &str, p: &Params) -> CoreResult<String> {
    let core = &state.core;
    match action {
        "CreateRole" => {
            let role = core
                .create_role(CreateRoleInput {
                    role_name: p.required("RoleName")?.to_string(),
                    path: p.get("Path").map(str::to_string),
                    assume_role_policy_document: p
                        .required("AssumeRolePolicyDocument")?
                        .to_string(),
                    description: p.get("Description").map(str::to_string),
                    max_session_duration: p.int("MaxSessionDuration")?,
                    tags: p.tags("Tags"),
                    policies: BTreeMap::new(),
                })
                .await?;
            Ok(role_xml(&role))
        }
        "GetRole" => Ok(role_xml(&core.get_role(p.required("RoleName")?).await?)),
        "DeleteRole" => {
            core.delete_role(p.required("RoleName")?).await?;
            Ok(String::new())
        }
        "UpdateRole" => {
            let name = p.required("RoleName")?;
            core.update_role_settings(
                name,
                p.get("Description").map(str::to_string),
                p.int("MaxSessionDuration")?,
            )
            .await?;
            Ok(String::new())
        }
        "ListRoles" => {
            let max = p.int("MaxItems")?.unwrap_or(100).clamp(1, 1000) as usize;
            let page = core
                .list_roles(p.get("PathPrefix"), max, p.get("Marker"))
                .await?;
            let mut s = String::from("<Roles>");
            for r in &page.items {
                s += &role_xml(r)
                    .replacen("<Role>", "<member>", 1)
                    .replace("</Role>", "</member>");
            }
            s += "</Roles>";
            s += &el("IsTruncated", &page.next_token.is_some().to_string());
            if let Some(m) = page.next_token {
                s += &el("Marker", &m);
            }
            Ok(s)
        }
        "UpdateAssumeRolePolicy" => {
            core.update_assume_role_policy(p.required("RoleName")?, p.required("PolicyDocument")?)
                .await?;
            Ok(String::new())
        }
        "PutRolePolicy" => {
            core.put_role_policy(
                p.required("RoleName")?,
                p.required("PolicyName")?,
                p.required("PolicyDocument")?,
            )
            .await?;
            Ok(String::new())
        }
        "GetRolePolicy" => {
            let role = p.required("RoleName")?;
            let name = p.required("PolicyName")?;
            let doc = core.get_role_policy(role, name).await?;
            Ok(format!(
                "{}{}{}",
                el("RoleName", role),
                el("PolicyName", name),
                el("PolicyDocument", &encode_policy(&doc))
            ))
        }
        "DeleteRolePolicy" => {
            core.delete_role_policy(p.required("RoleName")?, p.required("PolicyName")?)
                .await?;
            Ok(String::new())
        }
        "ListRolePolicies" => {
            let max = p.int("MaxItems")?.unwrap_or(100).clamp(1, 1000) as usize;
            let page = core
                .list_role_policies(p.required("RoleName")?, max, p.get("Marker"))
                .await?;
            let mut s = String::from("<PolicyNames>");
            for n in &page.items {
                s += &el("member", n);
            }
            s += "</PolicyNames>";
            s += &el("IsTruncated", &page.next_token.is_some().to_string());
            if let Some(m) = page.next_token {
                s += &el("Marker", &m);
            }
            Ok(s)
        }
        _ => Err(CoreError::new(
            ErrorKind::UnknownOperation,
            format!("Could not find operation {action}"),
        )),
    }
}

async fn sts(
    state: &AppState,
    action: &str,
    p: &Params,
    parts: &SignedParts,
    headers: &[(String, String)],
) -> CoreResult<String> {
    let core = &state.core;
    match action {
        "AssumeRoleWithWebIdentity" => {
            let session = p.required("RoleSessionName")?;
            let valid_session = (2..=64).contains(&session.len())
                && session
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
            if !valid_session {
                return Err(CoreError::new(
                    ErrorKind::Validation,
                    format!(
                        "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
                    ),
                ));
            }
            let out = core
                .sts_assume_role_with_web_identity(AssumeRoleInput {
                    role_arn: p.required("RoleArn")?.to_string(),
                    role_session_name: session.to_string(),
                    web_identity_token: p.required("WebIdentityToken")?.to_string(),
                    policy: p.get("Policy").map(str::to_string),
                    duration_seconds: p.int("DurationSeconds")?,
                })
                .await?;
            let c = &out.credentials;
            Ok(format!(
                "{}{}<AssumedRoleUser>{}{}</AssumedRoleUser><Credentials>{}{}{}{}</Credentials>{}",
                el("SubjectFromWebIdentityToken", &out.subject),
                el("Audience", &out.audience),
                el("Arn", &c.assumed_role_arn),
                el("AssumedRoleId", &c.assumed_role_id),
                el("AccessKeyId", &c.access_key_id),
                el("SecretAccessKey", &c.secret_access_key),
                el("SessionToken", &c.session_token),
                el("Expiration", &iso(c.expiration)),
                el("Provider", &out.provider),
            ))
        }
        "GetCallerIdentity" => {
            let signed_by_admin = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .and_then(|(_, v)| cognate_crypto::sigv4::parse_authorization(v).ok())
                .is_some_and(|a| state.admin.keys.contains_key(&a.access_key_id));
            let (user_id, arn, account) = if signed_by_admin {
                let req = SignedRequest {
                    method: &parts.method,
                    path_and_query: &parts.path_and_query,
                    headers,
                    body: parts.body.as_deref().unwrap_or_default(),
                };
                state.admin.verify(&req, "sts", core.now())?;
                let account = core.identity().account_id.clone();
                (
                    account.clone(),
                    format!("arn:aws:iam::{account}:root"),
                    account,
                )
            } else {
                core.caller_identity(parts).await?
            };
            Ok(format!(
                "{}{}{}",
                el("UserId", &user_id),
                el("Account", &account),
                el("Arn", &arn)
            ))
        }
        _ => Err(CoreError::new(
            ErrorKind::UnknownOperation,
            format!("Could not find operation {action}"),
        )),
    }
}
