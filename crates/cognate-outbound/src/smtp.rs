//! Email over SMTP with lettre's pooled async transport.

use crate::{ConfigError, email_domain};
use async_trait::async_trait;
use cognate_core::model::{Channel, Message};
use cognate_core::ports::{DeliveryError, MessageSender};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Subject used when a message has none.
pub const DEFAULT_SUBJECT: &str = "Your verification code";

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SmtpTls {
    /// Plaintext only; for a trusted local relay or a test sink.
    #[serde(rename = "none")]
    None,
    /// Plaintext connect, then a mandatory STARTTLS upgrade (usually port 587).
    #[default]
    #[serde(rename = "starttls", alias = "start_tls")]
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    #[serde(rename = "tls", alias = "implicit")]
    Tls,
}

/// SMTP settings. Field names are snake_case; `host` and `from` are required.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default 587.
    #[serde(default = "default_port")]
    pub port: u16,
    /// `none`, `starttls` (default) or `tls`.
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The `From` mailbox: `no-reply@example.com` or `Example <no-reply@example.com>`.
    pub from: String,
    /// Per-command (and connect) timeout in seconds; default 10, at least 1.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_port() -> u16 {
    587
}

fn default_timeout() -> u64 {
    10
}

impl SmtpConfig {
    /// Settings with the defaults: port 587, STARTTLS, no credentials, 10 s timeout.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        SmtpConfig {
            host: host.into(),
            port: default_port(),
            tls: SmtpTls::default(),
            username: None,
            password: None,
            from: from.into(),
            timeout_secs: default_timeout(),
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// Sends `Channel::Email` messages through one pooled SMTP transport.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Builds the transport (and its connection pool) once. Must be called
    /// inside a Tokio runtime: the pool spawns its idle-cleanup task here.
    /// No connection is made until the first send (see [`SmtpSender::check`]).
    pub fn new(config: SmtpConfig) -> Result<Self, ConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError::NoRuntime);
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| ConfigError::InvalidFrom(config.from.clone()))?;
        let tls_params = || {
            TlsParameters::new(config.host.clone()).map_err(|e| ConfigError::SmtpTls {
                host: config.host.clone(),
                reason: e.to_string(),
            })
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_params()?),
            SmtpTls::Tls => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        match (config.username, config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password));
            }
            (None, None) => {}
            _ => return Err(ConfigError::PartialCredentials),
        }
        Ok(SmtpSender {
            transport: builder.build(),
            from,
            host: config.host,
            port: config.port,
        })
    }

    /// Opens (or reuses) a connection and checks the server answers, e.g. at startup.
    pub async fn check(&self) -> Result<(), DeliveryError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(DeliveryError(format!(
                "SMTP server {}:{} did not accept a connection check",
                self.host, self.port
            ))),
            Err(e) => Err(self.smtp_error(&e)),
        }
    }

    /// Describes a transport failure without the message or credentials:
    /// lettre errors carry only the kind, the server's reply code and text,
    /// or the underlying I/O / TLS error.
    fn smtp_error(&self, e: &lettre::transport::smtp::Error) -> DeliveryError {
        DeliveryError(format!("SMTP {}:{}: {e}", self.host, self.port))
    }

    fn build(&self, message: &Message) -> Result<lettre::Message, DeliveryError> {
        let to: Mailbox = message
            .destination
            .parse()
            .map_err(|_| DeliveryError("invalid destination email address".into()))?;
        let subject = message
            .subject
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(DEFAULT_SUBJECT);
        let content_type = if looks_like_html(&message.body) {
            ContentType::TEXT_HTML
        } else {
            ContentType::TEXT_PLAIN
        };
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(content_type)
            .body(message.body.clone())
            .map_err(|e| DeliveryError(format!("could not build the email: {e}")))
    }
}

#[async_trait]
impl MessageSender for SmtpSender {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        if message.channel != Channel::Email {
            return Err(DeliveryError(format!(
                "the SMTP sender cannot deliver {} messages",
                message.channel.as_str()
            )));
        }
        let email = self.build(message)?;
        let domain = email_domain(&message.destination);
        match self.transport.send(email).await {
            Ok(response) => {
                tracing::debug!(
                    domain = %domain,
                    code = %response.code(),
                    "email handed to the SMTP server"
                );
                Ok(())
            }
            Err(e) => {
                tracing::debug!(
                    domain = %domain,
                    code = ?e.status().map(|c| c.to_string()),
                    "SMTP delivery failed"
                );
                Err(self.smtp_error(&e))
            }
        }
    }
}

/// True when the body contains something shaped like an HTML tag
/// (`<p>`, `</b>`, `<br/>`, `<a href=…>`, `<!DOCTYPE html>`).
pub(crate) fn looks_like_html(body: &str) -> bool {
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let tag = rest.strip_prefix(['/', '!']).unwrap_or(rest);
        let name_len = tag
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len());
        if name_len == 0 || !tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let after = &tag[name_len..];
        let line = after.split('\n').next().unwrap_or("");
        if after.starts_with('>')
            || ((after.starts_with(char::is_whitespace) || after.starts_with('/'))
                && line.contains('>'))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_detection() {
        for html in [
            "<p>Your code is 123456</p>",
            "Code: <b>1</b>",
            "line<br/>next",
            "<a href=\"https://x\">link</a>",
            "<!DOCTYPE html><html></html>",
            "x <br> y",
        ] {
            assert!(looks_like_html(html), "{html}");
        }
        for text in [
            "Your code is 123456",
            "a < b and c > d",
            "1<2",
            "<3 thanks",
            "<",
            "use <{####}> here",
            "trailing <b",
        ] {
            assert!(!looks_like_html(text), "{text}");
        }
    }

    #[test]
    fn config_defaults_and_names() {
        let c: SmtpConfig =
            serde_json::from_str(r#"{"host":"mail.test","from":"no-reply@mail.test"}"#).unwrap();
        assert_eq!(c, SmtpConfig::new("mail.test", "no-reply@mail.test"));
        assert_eq!(c.port, 587);
        assert_eq!(c.tls, SmtpTls::StartTls);
        assert_eq!(c.timeout_secs, 10);

        let c: SmtpConfig = serde_json::from_str(
            r#"{"host":"h","port":465,"tls":"tls","username":"u","password":"p",
                "from":"f@h","timeout_secs":3}"#,
        )
        .unwrap();
        assert_eq!(c.tls, SmtpTls::Tls);
        assert_eq!(c.port, 465);
        for (s, t) in [
            ("none", SmtpTls::None),
            ("starttls", SmtpTls::StartTls),
            ("start_tls", SmtpTls::StartTls),
            ("tls", SmtpTls::Tls),
        ] {
            let c: SmtpConfig =
                serde_json::from_str(&format!(r#"{{"host":"h","from":"f@h","tls":"{s}"}}"#))
                    .unwrap();
            assert_eq!(c.tls, t);
        }
        assert!(
            serde_json::from_str::<SmtpConfig>(r#"{"host":"h","from":"f@h","pasword":"x"}"#)
                .is_err()
        );
    }

    #[test]
    fn debug_redacts_password() {
        let mut c = SmtpConfig::new("h", "f@h");
        c.username = Some("user".into());
        c.password = Some("hunter2-secret".into());
        let s = format!("{c:?}");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("<redacted>") && s.contains("user"), "{s}");
    }

    #[tokio::test]
    async fn construction_errors() {
        let mut c = SmtpConfig::new("localhost", "not an address");
        assert!(matches!(
            SmtpSender::new(c.clone()),
            Err(ConfigError::InvalidFrom(_))
        ));
        c.from = "Cognate <no-reply@localhost>".into();
        c.username = Some("u".into());
        assert!(matches!(
            SmtpSender::new(c.clone()),
            Err(ConfigError::PartialCredentials)
        ));
        c.password = Some("p".into());
        for tls in [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls] {
            c.tls = tls;
            SmtpSender::new(c.clone()).unwrap();
        }
    }

    #[test]
    fn needs_a_runtime() {
        assert!(matches!(
            SmtpSender::new(SmtpConfig::new("localhost", "a@b")),
            Err(ConfigError::NoRuntime)
        ));
    }

    #[tokio::test]
    async fn rejects_sms_and_bad_destination_without_echoing_the_body() {
        let mut c = SmtpConfig::new("127.0.0.1", "a@b.test");
        c.tls = SmtpTls::None;
        c.port = 9; // never contacted: both messages fail before connecting
        let sender = SmtpSender::new(c).unwrap();
        let mut m = Message {
            id: "m1".into(),
            pool_id: "p".into(),
            username: "u".into(),
            channel: Channel::Sms,
            destination: "+15550100".into(),
            subject: None,
            body: "secret code 424242".into(),
            reason: "SignUp".into(),
            created: 0.0,
        };
        let e = sender.send(&m).await.unwrap_err();
        assert!(e.0.contains("SMS"), "{e}");
        m.channel = Channel::Email;
        m.destination = "not an email".into();
        let e = sender.send(&m).await.unwrap_err();
        assert!(!e.to_string().contains("424242"), "{e}");
    }
}
