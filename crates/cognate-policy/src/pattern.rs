//! Patterns: the strings of `Action`, `Resource` and condition values, with IAM's wildcards
//! (`*`, `?`) and policy variables (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`).
//!
//! A pattern is read once, with its policy. At evaluation [`Pattern::resolve`] substitutes
//! the variables from the request context; a variable that cannot be resolved makes the whole
//! value "null", which matches nothing (IAM: "there is no equal or like value"). The matchers
//! then compare a resolved pattern with a request value. Substituted text is always literal:
//! a `*` in a key's value is not a wildcard.

use crate::context::RequestContext;

/// One piece of a pattern as written in the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Star,
    Question,
    /// `${key}` or `${key, 'default'}`; `key` is stored case-folded.
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// One token of a resolved pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    Char(char),
    Star,
    Question,
}

/// A value from a policy: literal text, wildcards and (in `2012-10-17` policies) variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    raw: String,
    pieces: Vec<Piece>,
}

/// Where a `*` or `?` may stop: anywhere, or (ARNs) within one colon-separated segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `*` matches any run of characters and `?` any one character.
    Plain,
    /// The `Resource` element: `*` and `?` stay within a colon-separated segment of the ARN,
    /// except that a `*` ending a segment may run on across colons (IAM: "If the `*` wildcard
    /// is the last character of a resource ARN segment, it can expand to match beyond the
    /// colon boundaries").
    Arn,
}

impl Pattern {
    /// A value where `${...}` is plain text (policies without `"Version": "2012-10-17"`, and
    /// operators that take no variables).
    pub(crate) fn literal(raw: &str) -> Pattern {
        Pattern::build(raw, None)
    }

    /// A value where variables are substituted everywhere (string, ARN and Bool conditions).
    pub(crate) fn with_variables(raw: &str) -> Pattern {
        Pattern::build(raw, Some(0))
    }

    /// A `Resource`/`NotResource` entry. IAM substitutes variables only in the resource part
    /// of the ARN, after the fifth colon; a `${...}` before it is plain text.
    pub(crate) fn resource(raw: &str, variables: bool) -> Pattern {
        let after_fifth_colon = raw.match_indices(':').nth(4).map(|(at, _)| at + 1);
        Pattern::build(raw, if variables { after_fifth_colon } else { None })
    }

    /// The text as written in the policy.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    fn build(raw: &str, variables_from: Option<usize>) -> Pattern {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut resume_at = 0;
        for (at, c) in raw.char_indices() {
            if at < resume_at {
                continue;
            }
            if c == '$'
                && variables_from.is_some_and(|from| at >= from)
                && raw[at..].starts_with("${")
                && let Some((variable, length)) = read_variable(&raw[at + 2..])
            {
                resume_at = at + 2 + length;
                match variable {
                    Variable::Char(c) => text.push(c),
                    Variable::Key { key, default } => {
                        flush(&mut text, &mut pieces);
                        pieces.push(Piece::Variable { key, default });
                    }
                }
                continue;
            }
            match c {
                '*' => {
                    flush(&mut text, &mut pieces);
                    pieces.push(Piece::Star);
                }
                '?' => {
                    flush(&mut text, &mut pieces);
                    pieces.push(Piece::Question);
                }
                _ => text.push(c),
            }
        }
        flush(&mut text, &mut pieces);
        Pattern {
            raw: raw.to_string(),
            pieces,
        }
    }

    /// The pattern with its variables replaced from `context`, or `None` when a variable has
    /// no single value there and no default.
    pub(crate) fn resolve(&self, context: &RequestContext) -> Option<Vec<Token>> {
        let mut tokens = Vec::with_capacity(self.raw.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => tokens.extend(text.chars().map(Token::Char)),
                Piece::Star => tokens.push(Token::Star),
                Piece::Question => tokens.push(Token::Question),
                Piece::Variable { key, default } => {
                    // A multivalued key cannot be a variable; it falls back like a missing one.
                    let value = match context.get_folded(key) {
                        Some([one]) => one.as_str(),
                        _ => default.as_deref()?,
                    };
                    tokens.extend(value.chars().map(Token::Char));
                }
            }
        }
        Some(tokens)
    }

    /// Whether this `Action`/`NotAction` entry names `action` (case-insensitive).
    pub(crate) fn matches_action(&self, action: &str, context: &RequestContext) -> bool {
        self.resolve(context)
            .is_some_and(|tokens| glob(&fold_case(&tokens), &action.to_lowercase(), Mode::Plain))
    }

    /// Whether this `Resource`/`NotResource` entry names `resource` (case-sensitive).
    pub(crate) fn matches_resource(&self, resource: &str, context: &RequestContext) -> bool {
        self.resolve(context)
            .is_some_and(|tokens| glob(&tokens, resource, Mode::Arn))
    }
}

fn flush(text: &mut String, pieces: &mut Vec<Piece>) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

enum Variable {
    /// `${*}`, `${?}`, `${$}`: the character itself, never a wildcard.
    Char(char),
    Key {
        key: String,
        default: Option<String>,
    },
}

/// Reads the inside of `${...}` from just after `${`; returns the variable and the bytes read
/// including the closing brace. `None` when there is no closing brace: the text stays literal.
fn read_variable(text: &str) -> Option<(Variable, usize)> {
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            // A doubled quote inside a default toggles twice and so stays quoted.
            '\'' => quoted = !quoted,
            '}' if !quoted => return Some((variable(&text[..at]), at + 1)),
            _ => {}
        }
    }
    None
}

fn variable(body: &str) -> Variable {
    let body = body.trim();
    match body {
        "*" => return Variable::Char('*'),
        "?" => return Variable::Char('?'),
        "$" => return Variable::Char('$'),
        _ => {}
    }
    if let Some((key, default)) = body.split_once(',')
        && let Some(default) = quoted_default(default.trim())
    {
        return Variable::Key {
            key: key.trim().to_lowercase(),
            default: Some(default),
        };
    }
    // Anything else (including a malformed default) is a key name no request carries.
    Variable::Key {
        key: body.to_lowercase(),
        default: None,
    }
}

/// `'text'`, where `''` stands for one quote.
fn quoted_default(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Lower-cases the literal characters of a resolved pattern.
fn fold_case(tokens: &[Token]) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        match token {
            Token::Char(c) => out.extend(c.to_lowercase().map(Token::Char)),
            other => out.push(*other),
        }
    }
    out
}

/// The resolved pattern as plain text, wildcards included as characters (for the operators
/// that do not take wildcards).
pub(crate) fn to_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|token| match token {
            Token::Char(c) => *c,
            Token::Star => '*',
            Token::Question => '?',
        })
        .collect()
}

/// Wildcard matching of a whole string.
pub(crate) fn glob(pattern: &[Token], text: &str, mode: Mode) -> bool {
    let text: Vec<char> = text.chars().collect();
    // matched[j]: the pattern read so far matches the first j characters of the text.
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    let mut next = vec![false; text.len() + 1];
    for (at, token) in pattern.iter().enumerate() {
        let crosses_colons = match mode {
            Mode::Plain => true,
            Mode::Arn => {
                *token == Token::Star
                    && matches!(pattern.get(at + 1), None | Some(Token::Char(':')))
            }
        };
        next[0] = *token == Token::Star && matched[0];
        for (j, &c) in text.iter().enumerate() {
            let may_take = crosses_colons || c != ':';
            next[j + 1] = match token {
                Token::Char(p) => matched[j] && *p == c,
                Token::Question => matched[j] && may_take,
                Token::Star => matched[j + 1] || (next[j] && may_take),
            };
        }
        std::mem::swap(&mut matched, &mut next);
    }
    matched[text.len()]
}

/// `ArnEquals`/`ArnLike`: both sides split into the six colon-separated ARN components, each
/// compared on its own (the last one holds the rest of the ARN, colons included).
pub(crate) fn arn_like(pattern: &[Token], value: &str) -> bool {
    let values: Vec<&str> = value.splitn(6, ':').collect();
    let mut parts: Vec<Vec<Token>> = vec![Vec::new()];
    for token in pattern {
        if *token == Token::Char(':') && parts.len() < 6 {
            parts.push(Vec::new());
        } else if let Some(part) = parts.last_mut() {
            part.push(*token);
        }
    }
    values.len() == 6
        && parts.len() == 6
        && parts
            .iter()
            .zip(values)
            .all(|(part, value)| glob(part, value, Mode::Plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        Pattern::literal(text)
            .resolve(&RequestContext::new("a:b", "*"))
            .unwrap_or_default()
    }

    #[test]
    fn plain_glob() {
        let cases = [
            ("*", "", true),
            ("*", "anything:at/all", true),
            ("", "", true),
            ("", "a", false),
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("abc", "ABC", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*c", "ac", true),
            ("a*c", "a:b/c", true),
            ("a*c", "acb", false),
            ("*c*", "abcd", true),
            ("**", "x", true),
            ("?", "", false),
            ("s3:Get*", "s3:GetObject", true),
            ("s3:*Object", "s3:PutObject", true),
            ("s3:*Object", "s3:PutObjectAcl", false),
            ("home/*/file", "home/a/b/file", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                glob(&tokens(pattern), text, Mode::Plain),
                expected,
                "{pattern} ~ {text}"
            );
        }
    }

    #[test]
    fn arn_glob() {
        let cases = [
            ("*", "*", true),
            ("*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false),
            ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-2/x", true),
            (
                "arn:aws:dynamodb:*:*:table/T",
                "arn:aws:dynamodb:us-east-1:123456789012:table/T",
                true,
            ),
            (
                "arn:aws:dynamodb:*:*:table/T",
                "arn:aws:dynamodb:us-east-1:123456789012:table/U",
                false,
            ),
            // A `*` ending a segment runs on across colons.
            ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:*", "arn:aws:sqs:us-east-1:123456789012:q", true),
            // A `*` inside a segment does not.
            ("arn:aws:s3:::a*b", "arn:aws:s3:::a:xb", false),
            ("arn:aws:s3:::a*b", "arn:aws:s3:::axyzb", true),
            (
                "arn:aws:sqs:us-?ast-1:*:q",
                "arn:aws:sqs:us-east-1:1:q",
                true,
            ),
            (
                "arn:aws:sqs:us-east-1?:*:q",
                "arn:aws:sqs:us-east-1:1:q",
                false,
            ),
            ("arn:aws:s3:::bucket", "arn:aws:s3:::Bucket", false),
            ("arn:aws:s3:::bucket", "*", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                glob(&tokens(pattern), text, Mode::Arn),
                expected,
                "{pattern} ~ {text}"
            );
        }
    }

    #[test]
    fn arn_components() {
        let cases = [
            (
                "arn:aws:sns:us-east-1:123456789012:topic",
                "arn:aws:sns:us-east-1:123456789012:topic",
                true,
            ),
            (
                "arn:aws:sns:*:123456789012:*",
                "arn:aws:sns:eu-west-1:123456789012:topic",
                true,
            ),
            (
                "arn:aws:sns:*:123456789012:*",
                "arn:aws:sns:eu-west-1:999999999999:topic",
                false,
            ),
            (
                "arn:aws:lambda:*:*:function:*",
                "arn:aws:lambda:us-east-1:1:function:f:alias",
                true,
            ),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:s?:::b", "arn:aws:s3:::b", true),
            ("ARN:aws:s3:::b", "arn:aws:s3:::b", false),
            // The documented difference from StringLike: `*` stays inside its component.
            (
                "arn:aws:someservice:*:111122223333:finance/*",
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
                false,
            ),
            ("arn:aws:s3:::b", "not-an-arn", false),
            ("*", "arn:aws:s3:::b", false),
            ("arn:aws:s3:::b", "arn:aws:s3::b", false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                arn_like(&tokens(pattern), value),
                expected,
                "{pattern} ~ {value}"
            );
        }
        assert!(glob(
            &tokens("arn:aws:someservice:*:111122223333:finance/*"),
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            Mode::Plain
        ));
    }

    #[test]
    fn variables() {
        let context = RequestContext::new("s3:GetObject", "*")
            .with_value("aws:username", "alice")
            .with_value("Cognito-Identity.amazonaws.com:sub", "us-east-1:1234")
            .with_values("aws:TagKeys", ["a", "b"])
            .with_value("weird", "x*y");
        let cases: &[(&str, Option<&str>)] = &[
            ("home/${aws:username}/*", Some("home/alice/*")),
            ("${AWS:UserName}", Some("alice")),
            ("${ aws:username }", Some("alice")),
            (
                "${cognito-identity.amazonaws.com:sub}",
                Some("us-east-1:1234"),
            ),
            ("${aws:missing}", None),
            ("${aws:missing, 'anonymous'}", Some("anonymous")),
            ("${aws:missing,'anonymous'}", Some("anonymous")),
            ("${aws:username, 'anonymous'}", Some("alice")),
            ("${aws:missing, 'it''s'}", Some("it's")),
            ("${aws:missing, 'a}b'}", Some("a}b")),
            ("${aws:missing, ''}", Some("")),
            ("${aws:missing, unquoted}", None),
            ("${aws:missing, 'bad'x'y'}", None),
            // Unbalanced quotes never close the variable: the text stays literal.
            ("${aws:missing, 'it's'}", Some("${aws:missing, 'it's'}")),
            ("${aws:TagKeys}", None),
            ("${aws:TagKeys, 'many'}", Some("many")),
            ("${}", None),
            ("a${*}b${?}c${$}d", Some("a*b?c$d")),
            ("${weird}", Some("x*y")),
            ("cost ${", Some("cost ${")),
            ("$5 ${aws:username", Some("$5 ${aws:username")),
        ];
        for (raw, expected) in cases {
            let resolved = Pattern::with_variables(raw).resolve(&context);
            assert_eq!(
                resolved.as_deref().map(to_text).as_deref(),
                *expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn substituted_text_is_literal() {
        let context = RequestContext::new("a:b", "*").with_value("k", "x*y");
        let tokens = Pattern::with_variables("${k}")
            .resolve(&context)
            .unwrap_or_default();
        assert!(glob(&tokens, "x*y", Mode::Plain));
        assert!(!glob(&tokens, "xanythingy", Mode::Plain));
        let special = Pattern::with_variables("a${*}")
            .resolve(&context)
            .unwrap_or_default();
        assert!(glob(&special, "a*", Mode::Plain));
        assert!(!glob(&special, "ab", Mode::Plain));
    }

    #[test]
    fn literal_patterns_keep_dollar_braces() {
        let context = RequestContext::new("a:b", "*").with_value("aws:username", "alice");
        let tokens = Pattern::literal("${aws:username}")
            .resolve(&context)
            .unwrap_or_default();
        assert_eq!(to_text(&tokens), "${aws:username}");
        // `${*}` is plain text too, and its `*` is a wildcard again.
        let tokens = Pattern::literal("a${*}")
            .resolve(&context)
            .unwrap_or_default();
        assert!(glob(&tokens, "a${anything}", Mode::Plain));
    }

    #[test]
    fn resource_variables_only_after_the_fifth_colon() {
        let context = RequestContext::new("a:b", "*")
            .with_value("aws:username", "alice")
            .with_value("aws:RequestedRegion", "us-east-1");
        let cases = [
            (
                "arn:aws:s3:::bucket/${aws:username}/*",
                true,
                "arn:aws:s3:::bucket/alice/*",
            ),
            (
                "arn:aws:iam::*:user/${aws:username}",
                true,
                "arn:aws:iam::*:user/alice",
            ),
            ("arn:aws:s3:::${aws:username}", true, "arn:aws:s3:::alice"),
            (
                "arn:aws:dynamodb:${aws:RequestedRegion}:1:table/t",
                true,
                "arn:aws:dynamodb:${aws:RequestedRegion}:1:table/t",
            ),
            (
                "arn:aws:s3:::bucket/${aws:username}",
                false,
                "arn:aws:s3:::bucket/${aws:username}",
            ),
        ];
        for (raw, variables, expected) in cases {
            let tokens = Pattern::resource(raw, variables)
                .resolve(&context)
                .unwrap_or_default();
            assert_eq!(to_text(&tokens), expected, "{raw}");
        }
    }

    #[test]
    fn actions_ignore_case() {
        let context = RequestContext::new("a:b", "*");
        assert!(Pattern::literal("S3:getobject").matches_action("s3:GetObject", &context));
        assert!(Pattern::literal("s3:Get*").matches_action("S3:GETOBJECT", &context));
        assert!(Pattern::literal("*").matches_action("iam:CreateUser", &context));
        assert!(Pattern::literal("s3:?etObject").matches_action("s3:GetObject", &context));
        assert!(!Pattern::literal("s3:Get*").matches_action("s3:PutObject", &context));
        assert!(!Pattern::literal("s3:GetObject").matches_action("s3:GetObjectAcl", &context));
        assert!(!Pattern::literal("s3*").matches_action("sqs:SendMessage", &context));
    }
}
