//! Message delivery: templates, destinations and transports. A channel with no
//! transport configured records its messages in the outbox instead, so a local
//! set-up works without email or SMS.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{Channel, Message, User, UserPool};
use crate::ports::{MessageSender, timestamp};
use crate::service::Cognate;
use std::sync::Arc;

/// The configured transports; `None` means "record in the outbox".
#[derive(Clone, Default)]
pub struct Delivery {
    pub email: Option<Arc<dyn MessageSender>>,
    pub sms: Option<Arc<dyn MessageSender>>,
}

/// Where a code went, as `CodeDeliveryDetails` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: Channel,
    pub attribute: String,
}

pub const DEFAULT_EMAIL_SUBJECT: &str = "Your verification code";
pub const DEFAULT_EMAIL_MESSAGE: &str = "Your verification code is {####}. ";
pub const DEFAULT_SMS_MESSAGE: &str = "Your verification code is {####}. ";
pub const DEFAULT_INVITE_SUBJECT: &str = "Your temporary password";
pub const DEFAULT_INVITE_MESSAGE: &str =
    "Your username is {username} and temporary password is {####}. ";

/// `j***@e***` / `+*******1234`, as Cognito masks destinations.
pub fn mask(channel: Channel, destination: &str) -> String {
    match channel {
        Channel::Email => {
            let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
            let l: String = local.chars().take(1).collect();
            let d: String = domain.chars().take(1).collect();
            format!("{l}***@{d}***")
        }
        Channel::Sms => {
            let digits: Vec<char> = destination.chars().collect();
            let keep = digits.len().saturating_sub(4);
            digits
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 && *c == '+' {
                        '+'
                    } else if i < keep {
                        '*'
                    } else {
                        *c
                    }
                })
                .collect()
        }
    }
}

/// The template of a verification message (sign-up, forgot password, attribute
/// verification) for a channel, from the pool's settings; `{####}` unfilled.
pub fn verification_template(pool: &UserPool, channel: Channel) -> (Option<String>, String) {
    let t = pool
        .settings
        .verification_message_template
        .clone()
        .unwrap_or_default();
    match channel {
        Channel::Email => {
            let subject = t
                .email_subject
                .or_else(|| pool.settings.email_verification_subject.clone())
                .unwrap_or_else(|| DEFAULT_EMAIL_SUBJECT.into());
            let body = t
                .email_message
                .or_else(|| pool.settings.email_verification_message.clone())
                .unwrap_or_else(|| DEFAULT_EMAIL_MESSAGE.into());
            (Some(subject), body)
        }
        Channel::Sms => {
            let body = t
                .sms_message
                .or_else(|| pool.settings.sms_verification_message.clone())
                .unwrap_or_else(|| DEFAULT_SMS_MESSAGE.into());
            (None, body)
        }
    }
}

/// The invitation AdminCreateUser sends.
pub fn invitation_template(pool: &UserPool, channel: Channel) -> (Option<String>, String) {
    let t = pool
        .settings
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.invite_message_template.clone())
        .unwrap_or_default();
    let fill = |s: String| s;
    match channel {
        Channel::Email => (
            Some(
                t.email_subject
                    .unwrap_or_else(|| DEFAULT_INVITE_SUBJECT.into()),
            ),
            fill(
                t.email_message
                    .unwrap_or_else(|| DEFAULT_INVITE_MESSAGE.into()),
            ),
        ),
        Channel::Sms => (
            None,
            fill(
                t.sms_message
                    .unwrap_or_else(|| DEFAULT_INVITE_MESSAGE.into()),
            ),
        ),
    }
}

impl Cognate {
    /// Sends (or records) one message to the user's attribute for `channel`.
    pub async fn deliver(
        &self,
        pool: &UserPool,
        user: &User,
        channel: Channel,
        destination: &str,
        (subject, body): (Option<String>, String),
        reason: &str,
    ) -> CoreResult<CodeDelivery> {
        let message = Message {
            id: uuid::Uuid::new_v4().to_string(),
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            channel,
            destination: destination.to_string(),
            subject,
            body,
            reason: reason.to_string(),
            created: timestamp(self.now()),
        };
        let sender = match channel {
            Channel::Email => self.delivery.email.clone(),
            Channel::Sms => self.delivery.sms.clone(),
        };
        match sender {
            Some(sender) => sender.send(&message).await.map_err(|e| {
                tracing::warn!(transport = sender.name(), error = %e, "message delivery failed");
                CoreError::new(
                    ErrorKind::CodeDeliveryFailure,
                    format!("Unable to deliver the message by {}.", channel.as_str()),
                )
            })?,
            None => self.store.outbox_put(&message).await?,
        }
        Ok(CodeDelivery {
            destination: mask(channel, destination),
            medium: channel,
            attribute: channel.attribute().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(Channel::Email, "jane@example.com"), "j***@e***");
        assert_eq!(mask(Channel::Sms, "+15555551234"), "+*******1234");
    }
}
