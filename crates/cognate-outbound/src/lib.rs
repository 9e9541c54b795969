//! Outbound message transports for Cognate's `MessageSender` port: SMTP for
//! email ([`SmtpSender`]) and an HTTP webhook for SMS ([`WebhookSmsSender`]).
//!
//! Message bodies carry verification codes and temporary passwords, so nothing
//! here logs a body, an SMTP password or a webhook header value, and no
//! `DeliveryError` text contains them. At most the destination's email domain
//! and transport status codes are logged, at debug level.

pub mod identity;
mod sms;
mod smtp;
pub mod triggers;

pub use sms::{SmsWebhookConfig, WebhookSmsSender};
pub use smtp::{SmtpConfig, SmtpSender, SmtpTls};
pub use triggers::{
    FunctionMapping, LambdaConfig, TriggerConfigError, TriggerRouter, TriggersConfig,
};

/// A sender could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `from` is not a valid mailbox (`addr@example.com` or `Name <addr@example.com>`).
    #[error("invalid sender address {0:?}")]
    InvalidFrom(String),
    /// Only one of `username` and `password` was given.
    #[error("SMTP username and password must be given together")]
    PartialCredentials,
    /// TLS parameters for the SMTP host could not be prepared.
    #[error("SMTP TLS setup for {host:?} failed: {reason}")]
    SmtpTls { host: String, reason: String },
    /// The webhook URL is not an absolute http(s) URL.
    #[error("invalid SMS webhook url")]
    InvalidUrl,
    /// A configured header name or value is not valid HTTP (the value is not shown).
    #[error("invalid SMS webhook header {0:?}")]
    InvalidHeader(String),
    /// The HTTP client could not be built.
    #[error("HTTP client setup failed: {0}")]
    HttpClient(String),
    /// The SMTP connection pool needs a Tokio runtime to run its cleanup task.
    #[error("the SMTP sender must be created inside a Tokio runtime")]
    NoRuntime,
}

/// `user@Example.COM` → `example.com`, for logs (never the full address).
pub(crate) fn email_domain(address: &str) -> String {
    let addr = address
        .rsplit_once('<')
        .map(|(_, rest)| rest.trim_end_matches('>'))
        .unwrap_or(address);
    match addr.rsplit_once('@') {
        Some((_, domain)) => domain.trim().to_ascii_lowercase(),
        None => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::email_domain;

    #[test]
    fn domain_only() {
        assert_eq!(email_domain("a.b@Example.COM"), "example.com");
        assert_eq!(email_domain("Jane <jane@mail.test>"), "mail.test");
        assert_eq!(email_domain("nope"), "?");
    }
}
