//! The STS side: the identity issuer's key, AssumeRoleWithWebIdentity,
//! temporary credentials (minted, stored, verified) and the authorization
//! check a resource server asks for.

use super::eval::{self, Decision};
use super::model::{CredentialGrant, IssuedCredentials, StoredCredentials};
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::identity::COGNITO_IDENTITY_PROVIDER;
use crate::ports::timestamp;
use crate::service::Cognate;
use cognate_crypto::sigv4::{self, SigV4Error};
use cognate_crypto::{MasterKey, RsaSigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

const IDENTITY_KEY_META: &str = "identity_signing_key";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The web identity a role is assumed for.
#[derive(Debug, Clone)]
pub struct WebIdentity {
    /// `cognito-identity.amazonaws.com` or the OIDC provider's key.
    pub provider: String,
    pub subject: String,
    pub audience: String,
    pub amr: Vec<String>,
    pub identity_id: Option<String>,
    pub identity_pool_id: Option<String>,
}

impl WebIdentity {
    /// The trust principal: Cognito's federated name, or the account's OIDC provider ARN.
    fn principal(&self, account_id: &str) -> String {
        if self.provider == COGNITO_IDENTITY_PROVIDER {
            COGNITO_IDENTITY_PROVIDER.to_string()
        } else {
            format!("arn:aws:iam::{account_id}:oidc-provider/{}", self.provider)
        }
    }

    /// Condition keys of the web identity (`<provider>:aud`, `:sub`, `:amr`).
    fn context(&self) -> BTreeMap<String, Vec<String>> {
        let p = &self.provider;
        let mut c = BTreeMap::new();
        c.insert(format!("{p}:aud"), vec![self.audience.clone()]);
        c.insert(format!("{p}:sub"), vec![self.subject.clone()]);
        if !self.amr.is_empty() {
            c.insert(format!("{p}:amr"), self.amr.clone());
        }
        c
    }
}

/// AssumeRoleWithWebIdentity input (STS).
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleInput {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub policy: Option<String>,
    pub duration_seconds: Option<i64>,
}

/// AssumeRoleWithWebIdentity result.
#[derive(Debug, Clone)]
pub struct AssumeRoleOutput {
    pub credentials: IssuedCredentials,
    pub subject: String,
    pub audience: String,
    pub provider: String,
}

/// The request a resource server received, as it hands it over.
#[derive(Debug, Clone)]
pub struct SignedParts {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    /// None: use the declared (signed) `x-amz-content-sha256`.
    pub body: Option<Vec<u8>>,
}

/// What the authorization check answers.
#[derive(Debug, Clone)]
pub struct AuthorizeOutcome {
    pub decision: Decision,
    pub grant: CredentialGrant,
    pub access_key_id: String,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn credentials_aad(access_key_id: &str) -> String {
    format!("sts-credentials:{access_key_id}")
}

fn sigv4_error(e: SigV4Error) -> CoreError {
    match e {
        SigV4Error::Missing => CoreError::new(
            ErrorKind::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ),
        SigV4Error::Incomplete(m) => CoreError::new(ErrorKind::IncompleteSignature, m),
        SigV4Error::BadDate => CoreError::new(
            ErrorKind::IncompleteSignature,
            "Date must be in ISO-8601 'basic format'. Got an invalid X-Amz-Date.",
        ),
        SigV4Error::Expired { request_time, now } => CoreError::new(
            ErrorKind::InvalidSignature,
            format!(
                "Signature expired: {request_time} is now earlier than {now} (5 min. skew allowed)."
            ),
        ),
        SigV4Error::InvalidSignature => CoreError::new(
            ErrorKind::InvalidSignature,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
    }
}

fn invalid_client_token() -> CoreError {
    CoreError::new(
        ErrorKind::InvalidClientTokenId,
        "The security token included in the request is invalid.",
    )
}

impl Cognate {
    /// The identity issuer's signing key: generated once per database and
    /// kept sealed in the store's settings.
    pub async fn identity_signing_key(&self) -> CoreResult<Arc<RsaSigningKey>> {
        self.identity_key
            .get_or_try_init(|| async {
                let load = |stored: &str, master: &MasterKey| -> CoreResult<RsaSigningKey> {
                    let doc: Value = serde_json::from_str(stored).map_err(CoreError::internal)?;
                    let kid = doc["kid"].as_str().unwrap_or_default().to_string();
                    let der = master.open_from_str(
                        doc["sealed"].as_str().unwrap_or_default(),
                        IDENTITY_KEY_META.as_bytes(),
                    )?;
                    Ok(RsaSigningKey::from_pkcs8_der(kid, &der)?)
                };
                if let Some(stored) = self.store.meta_get(IDENTITY_KEY_META).await? {
                    return load(&stored, &self.master).map(Arc::new);
                }
                let key = tokio::task::spawn_blocking(RsaSigningKey::generate)
                    .await
                    .map_err(CoreError::internal)??;
                let doc = json!({
                    "kid": key.kid(),
                    "sealed": self.master.seal_to_string(key.pkcs8_der(), IDENTITY_KEY_META.as_bytes()),
                });
                self.store
                    .meta_put_if_absent(IDENTITY_KEY_META, &doc.to_string())
                    .await?;
                // Another node may have won the race: use what the store holds.
                let stored = self
                    .store
                    .meta_get(IDENTITY_KEY_META)
                    .await?
                    .ok_or_else(|| CoreError::internal("identity key vanished"))?;
                load(&stored, &self.master).map(Arc::new)
            })
            .await
            .cloned()
    }

    /// The identity issuer's JWKS.
    pub async fn identity_jwks(&self) -> CoreResult<Value> {
        let key = self.identity_signing_key().await?;
        Ok(json!({ "keys": [key.public_jwk_rs512()] }))
    }

    /// Verifies the signature and issuer of an identity OpenID token (not its expiry).
    pub(crate) fn verify_identity_token_with(
        &self,
        key: &RsaSigningKey,
        token: &str,
    ) -> Option<Value> {
        let claims = RsaSigningKey::verify_external_jwt(token, &[key.public_jwk_rs512()]).ok()?;
        (claims.get("iss").and_then(Value::as_str) == Some(self.identity_issuer().as_str()))
            .then_some(claims)
    }

    pub(crate) async fn verify_identity_token(&self, token: &str) -> CoreResult<Value> {
        let key = self.identity_signing_key().await?;
        self.verify_identity_token_with(&key, token).ok_or_else(|| {
            CoreError::not_authorized("Invalid login token. Couldn't verify signed token.")
        })
    }

    /// Mints and stores temporary credentials for a grant.
    async fn mint_credentials(
        &self,
        grant: CredentialGrant,
        duration_seconds: i64,
    ) -> CoreResult<IssuedCredentials> {
        let now = self.now();
        let access_key_id = format!("ASIA{}", cognate_crypto::random_string(16, UPPER_ALNUM));
        let secret = cognate_crypto::random_string(40, SECRET_ALPHABET);
        let session_token = format!(
            "IQoJb3JpZ2luX2Vj{}",
            cognate_crypto::random_string(300, SECRET_ALPHABET)
        );
        let expiration = timestamp(now) + duration_seconds as f64;
        let stored = StoredCredentials {
            access_key_id: access_key_id.clone(),
            sealed_secret: self.master.seal(
                secret.as_bytes(),
                credentials_aad(&access_key_id).as_bytes(),
            ),
            session_token_hash: hash_token(&session_token),
            expires_at: expiration.floor(),
            created_at: timestamp(now),
            grant: grant.clone(),
        };
        self.store.put_credentials(&stored).await?;
        // Expired credentials are dropped now and then, on the issuing path.
        if rand::random::<u8>() == 0 {
            let _ = self.store.purge_credentials(timestamp(now) - 3600.0).await;
        }
        Ok(IssuedCredentials {
            access_key_id,
            secret_access_key: secret,
            session_token,
            expiration: expiration.floor(),
            assumed_role_arn: grant.assumed_role_arn(&self.identity.account_id),
            assumed_role_id: grant.assumed_role_id,
        })
    }

    /// Assumes a role of this server's role store for a web identity: the
    /// role must exist and its trust policy must allow the identity.
    pub(crate) async fn assume_role_with_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        web: &WebIdentity,
        session_policies: Vec<String>,
        duration_seconds: i64,
    ) -> CoreResult<IssuedCredentials> {
        let denied = || {
            CoreError::new(
                ErrorKind::AccessDenied,
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            )
        };
        let role = self.role_by_arn(role_arn).await?.ok_or_else(denied)?;
        let principal = web.principal(&self.identity.account_id);
        let context = web.context();
        if !eval::trust_allows(&role.assume_role_policy_document, &principal, &context) {
            return Err(denied());
        }
        if duration_seconds > role.max_session_duration {
            return Err(CoreError::new(
                ErrorKind::Validation,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let grant = CredentialGrant {
            role_arn: role.arn.clone(),
            role_name: role.role_name.clone(),
            session_name: session_name.to_string(),
            assumed_role_id: format!("{}:{session_name}", role.role_id),
            provider: web.provider.clone(),
            identity_id: web.identity_id.clone(),
            identity_pool_id: web.identity_pool_id.clone(),
            session_policies,
            context,
        };
        self.mint_credentials(grant, duration_seconds).await
    }

    /// STS AssumeRoleWithWebIdentity: the token is this server's identity token
    /// or an ID token of a configured OpenID Connect provider.
    pub async fn sts_assume_role_with_web_identity(
        &self,
        input: AssumeRoleInput,
    ) -> CoreResult<AssumeRoleOutput> {
        let duration = input.duration_seconds.unwrap_or(3600);
        if !(900..=43200).contains(&duration) {
            return Err(CoreError::new(
                ErrorKind::Validation,
                format!(
                    "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                ),
            ));
        }
        let mut session_policies = Vec::new();
        if let Some(policy) = &input.policy {
            eval::check_session_policy(policy)?;
            session_policies.push(policy.clone());
        }
        let web = self
            .web_identity_from_token(&input.web_identity_token)
            .await?;
        let credentials = self
            .assume_role_with_identity(
                &input.role_arn,
                &input.role_session_name,
                &web,
                session_policies,
                duration,
            )
            .await?;
        Ok(AssumeRoleOutput {
            credentials,
            subject: web.subject,
            audience: web.audience,
            provider: if web.provider == COGNITO_IDENTITY_PROVIDER {
                COGNITO_IDENTITY_PROVIDER.to_string()
            } else {
                format!(
                    "arn:aws:iam::{}:oidc-provider/{}",
                    self.identity.account_id, web.provider
                )
            },
        })
    }

    async fn web_identity_from_token(&self, token: &str) -> CoreResult<WebIdentity> {
        let invalid = |m: &str| CoreError::new(ErrorKind::InvalidIdentityToken, m.to_string());
        let unverified = crate::tokens::unverified_claims(token).ok_or_else(|| {
            invalid("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
        })?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let now = self.now().unix_timestamp();
        let check_exp = |claims: &Value| -> CoreResult<()> {
            let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
            if exp <= now {
                return Err(CoreError::new(
                    ErrorKind::ExpiredToken,
                    "Token expired: current date/time must be before the expiration date/time.",
                ));
            }
            Ok(())
        };
        if iss == self.identity_issuer() {
            let key = self.identity_signing_key().await?;
            let claims = self
                .verify_identity_token_with(&key, token)
                .ok_or_else(|| invalid("Incorrect token signature."))?;
            check_exp(&claims)?;
            let pool_id = claims
                .get("aud")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let pool = self.store.get_identity_pool(pool_id).await?;
            if pool.is_none_or(|p| p.pool.allow_classic_flow != Some(true)) {
                return Err(invalid(
                    "Basic (classic) flow is not enabled for this identity pool.",
                ));
            }
            let amr = claims
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let subject = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            return Ok(WebIdentity {
                provider: COGNITO_IDENTITY_PROVIDER.to_string(),
                identity_id: Some(subject.clone()),
                identity_pool_id: Some(pool_id.to_string()),
                subject,
                audience: pool_id.to_string(),
                amr,
            });
        }
        // A configured OpenID Connect provider whose issuer this is.
        let found = self.identity_settings.providers.iter().find(|(key, p)| {
            p.token_info_url.is_none()
                && p.issuer.clone().unwrap_or_else(|| format!("https://{key}")) == iss
        });
        let Some((key, provider)) = found else {
            return Err(invalid(&format!(
                "No OpenIDConnect provider found in your account for {iss}"
            )));
        };
        let jwks = self
            .provider_jwks(key, iss, provider.jwks_uri.as_deref())
            .await
            .map_err(|_| {
                CoreError::new(
                    ErrorKind::IdpCommunication,
                    "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
                )
            })?;
        let claims = RsaSigningKey::verify_external_jwt(token, &jwks)
            .map_err(|_| invalid("Incorrect token signature."))?;
        check_exp(&claims)?;
        let aud = match claims.get("aud") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a
                .first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            _ => String::new(),
        };
        if !provider.client_ids.is_empty() && !provider.client_ids.contains(&aud) {
            return Err(invalid("Incorrect token audience."));
        }
        Ok(WebIdentity {
            provider: key.clone(),
            subject: claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            audience: aud,
            amr: Vec::new(),
            identity_id: None,
            identity_pool_id: None,
        })
    }

    /// Finds stored credentials by access key id and checks the session token
    /// and expiry (not a signature).
    async fn credentials_for(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> CoreResult<(StoredCredentials, String)> {
        let stored = self
            .store
            .get_credentials(access_key_id)
            .await?
            .ok_or_else(invalid_client_token)?;
        let token = session_token.ok_or_else(invalid_client_token)?;
        if !cognate_crypto::constant_time_eq(
            hash_token(token).as_bytes(),
            stored.session_token_hash.as_bytes(),
        ) {
            return Err(invalid_client_token());
        }
        if timestamp(self.now()) >= stored.expires_at {
            return Err(CoreError::new(
                ErrorKind::ExpiredCredentials,
                "The security token included in the request is expired",
            ));
        }
        let secret = self
            .master
            .open(
                &stored.sealed_secret,
                credentials_aad(access_key_id).as_bytes(),
            )
            .map_err(|_| invalid_client_token())?;
        let secret = String::from_utf8(secret.to_vec()).map_err(CoreError::internal)?;
        Ok((stored, secret))
    }

    /// Verifies a request signed with temporary credentials: signature,
    /// session token, expiry. `service` restricts the credential scope.
    pub async fn verify_temporary_signature(
        &self,
        parts: &SignedParts,
        service: Option<&str>,
    ) -> CoreResult<StoredCredentials> {
        let header = |name: &str| {
            parts
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let authz = header("authorization").ok_or_else(|| sigv4_error(SigV4Error::Missing))?;
        let parsed = sigv4::parse_authorization(authz).map_err(sigv4_error)?;
        if let Some(service) = service
            && parsed.service != service
        {
            return Err(CoreError::new(
                ErrorKind::InvalidSignature,
                format!("Credential should be scoped to correct service: '{service}'."),
            ));
        }
        let (stored, secret) = self
            .credentials_for(&parsed.access_key_id, header("x-amz-security-token"))
            .await?;
        let now = self.now();
        match &parts.body {
            Some(body) => sigv4::verify(
                &parts.method,
                &parts.path_and_query,
                &parts.headers,
                body,
                &parsed,
                &secret,
                now,
            ),
            None => sigv4::verify_declared_payload(
                &parts.method,
                &parts.path_and_query,
                &parts.headers,
                &parsed,
                &secret,
                now,
            ),
        }
        .map_err(sigv4_error)?;
        Ok(stored)
    }

    /// The authorization check: is the request, signed with temporary
    /// credentials, allowed to perform `action` on `resource`?
    pub async fn authorize(
        &self,
        parts: &SignedParts,
        action: &str,
        resource: &str,
        extra_context: BTreeMap<String, Vec<String>>,
    ) -> CoreResult<AuthorizeOutcome> {
        let stored = self.verify_temporary_signature(parts, None).await?;
        let grant = stored.grant;
        let role_policies: Vec<String> = match self.role_by_arn(&grant.role_arn).await? {
            Some(role) => role.policies.into_values().collect(),
            // A deleted role grants nothing.
            None => Vec::new(),
        };
        let now = self.now();
        let mut context = grant.context.clone();
        context.insert("aws:userid".into(), vec![grant.assumed_role_id.clone()]);
        context.insert("aws:principalarn".into(), vec![grant.role_arn.clone()]);
        context.insert(
            "aws:currenttime".into(),
            vec![
                now.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ],
        );
        context.insert(
            "aws:epochtime".into(),
            vec![now.unix_timestamp().to_string()],
        );
        context.insert("aws:securetransport".into(), vec!["false".into()]);
        context.insert("aws:federatedprovider".into(), vec![grant.provider.clone()]);
        context.extend(extra_context);
        let decision = eval::decide(
            &role_policies,
            &grant.session_policies,
            action,
            resource,
            &context,
        );
        Ok(AuthorizeOutcome {
            decision,
            grant,
            access_key_id: stored.access_key_id,
        })
    }

    /// STS GetCallerIdentity for a request signed with temporary credentials:
    /// (UserId, Arn, Account).
    pub async fn caller_identity(
        &self,
        parts: &SignedParts,
    ) -> CoreResult<(String, String, String)> {
        let stored = self.verify_temporary_signature(parts, Some("sts")).await?;
        let account = self.identity.account_id.clone();
        Ok((
            stored.grant.assumed_role_id.clone(),
            stored.grant.assumed_role_arn(&account),
            account,
        ))
    }
}
