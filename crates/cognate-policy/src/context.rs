//! The request being authorised: action, resource, caller and condition keys.

use std::collections::BTreeMap;

use crate::principal::Principal;

/// What a policy is asked about: who does which action on which resource, and the request's
/// condition keys.
///
/// Condition keys are compared case-insensitively, as IAM does (`aws:CurrentTime` and
/// `AWS:currenttime` are the same key). A key may hold several values (multivalued keys such
/// as `aws:TagKeys` or `cognito-identity.amazonaws.com:amr`); a key recorded with no values
/// is an empty set, which IAM's operators treat like a missing key.
///
/// ```
/// use cognate_policy::{Principal, RequestContext};
///
/// let request = RequestContext::new("s3:GetObject", "arn:aws:s3:::photos/us-east-1:1234/cat.jpg")
///     .with_value("cognito-identity.amazonaws.com:sub", "us-east-1:1234")
///     .with_values("cognito-identity.amazonaws.com:amr", ["authenticated", "accounts.google.com"])
///     .with_principal(Principal::Federated("cognito-identity.amazonaws.com".into()));
/// assert_eq!(request.get("Cognito-Identity.amazonaws.com:SUB"), Some(&["us-east-1:1234".to_string()][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The action, `service:Action` (e.g. `s3:GetObject`); matched case-insensitively.
    pub action: String,
    /// The resource ARN, or `*` for actions without resource-level permissions; matched
    /// case-sensitively.
    pub resource: String,
    /// The caller. Only statements with a `Principal` or `NotPrincipal` element (trust
    /// policies) look at it; `None` is treated as [`Principal::Anonymous`].
    pub principal: Option<Principal>,
    /// Condition keys, case-folded, to their values.
    keys: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    /// A request for `action` on `resource`, with no caller and no condition keys.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> RequestContext {
        RequestContext {
            action: action.into(),
            resource: resource.into(),
            principal: None,
            keys: BTreeMap::new(),
        }
    }

    /// Sets the caller.
    #[must_use]
    pub fn with_principal(mut self, principal: Principal) -> RequestContext {
        self.principal = Some(principal);
        self
    }

    /// Adds one value to `key` (call again for a multivalued key).
    #[must_use]
    pub fn with_value(mut self, key: &str, value: impl Into<String>) -> RequestContext {
        self.push(key, value);
        self
    }

    /// Sets all the values of `key`; an empty list records the key as an empty set.
    #[must_use]
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> RequestContext
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set(key, values);
        self
    }

    /// Sets several keys at once (each as [`RequestContext::set`] does), e.g. from a map of
    /// key to values.
    #[must_use]
    pub fn with_keys<I, K, V, S>(mut self, keys: I) -> RequestContext
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for (key, values) in keys {
            self.set(key.as_ref(), values);
        }
        self
    }

    /// Adds one value to `key`.
    pub fn push(&mut self, key: &str, value: impl Into<String>) {
        self.keys.entry(fold(key)).or_default().push(value.into());
    }

    /// Replaces the values of `key`; an empty list records the key as an empty set.
    pub fn set<I, S>(&mut self, key: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys
            .insert(fold(key), values.into_iter().map(Into::into).collect());
    }

    /// Removes `key`, returning its values.
    pub fn remove(&mut self, key: &str) -> Option<Vec<String>> {
        self.keys.remove(&fold(key))
    }

    /// The values of `key` (any case), if the request has it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_folded(&fold(key))
    }

    /// All keys (case-folded) with their values.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Lookup by a key that is already case-folded.
    pub(crate) fn get_folded(&self, folded_key: &str) -> Option<&[String]> {
        self.keys.get(folded_key).map(Vec::as_slice)
    }
}

/// IAM compares condition key names without regard to case.
pub(crate) fn fold(key: &str) -> String {
    key.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let mut context = RequestContext::new("s3:GetObject", "*")
            .with_value("aws:CurrentTime", "2024-01-01T00:00:00Z")
            .with_value("AWS:TagKeys", "a")
            .with_value("aws:tagkeys", "b");
        assert_eq!(
            context.get("aws:currenttime"),
            Some(&["2024-01-01T00:00:00Z".to_string()][..])
        );
        assert_eq!(
            context.get("aws:TAGKEYS"),
            Some(&["a".to_string(), "b".to_string()][..])
        );
        assert_eq!(context.get("aws:missing"), None);

        context.set("aws:TagKeys", Vec::<String>::new());
        assert_eq!(context.get("aws:tagkeys"), Some(&[][..]));
        assert_eq!(context.remove("AWS:TAGKEYS"), Some(vec![]));
        assert_eq!(context.get("aws:tagkeys"), None);
        let keys: Vec<&str> = context.keys().map(|(k, _)| k).collect();
        assert_eq!(keys, ["aws:currenttime"]);
    }

    #[test]
    fn keys_from_a_map() {
        let mut map = BTreeMap::new();
        map.insert(
            "Cognito-Identity.amazonaws.com:AMR".to_string(),
            vec!["authenticated".to_string(), "x".to_string()],
        );
        map.insert(
            "cognito-identity.amazonaws.com:aud".to_string(),
            vec!["pool".to_string()],
        );
        let context = RequestContext::new("a:b", "*")
            .with_value("other", "kept")
            .with_keys(&map);
        assert_eq!(
            context.get("cognito-identity.amazonaws.com:amr"),
            Some(&["authenticated".to_string(), "x".to_string()][..])
        );
        assert_eq!(
            context.get("COGNITO-IDENTITY.amazonaws.com:aud"),
            Some(&["pool".to_string()][..])
        );
        assert_eq!(context.get("other"), Some(&["kept".to_string()][..]));
    }

    #[test]
    fn builder_sets_fields() {
        let context = RequestContext::new("sts:AssumeRoleWithWebIdentity", "arn:aws:iam::1:role/r")
            .with_principal(Principal::Anonymous);
        assert_eq!(context.action, "sts:AssumeRoleWithWebIdentity");
        assert_eq!(context.resource, "arn:aws:iam::1:role/r");
        assert_eq!(context.principal, Some(Principal::Anonymous));
    }
}
