//! RSA signing keys: generation, PKCS#8 persistence, JWK rendering, RS256 JWT signing and
//! verification.
//!
//! Tokens are signed directly with aws-lc-rs so the JOSE header is byte-for-byte the one
//! Cognito emits (`{"kid":"…","alg":"RS256"}`); verification against a JWKS goes through
//! `jsonwebtoken`, verification against one's own key ([`RsaSigningKey::verify_own_jwt`]) uses
//! the public key parsed once.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random::fill_random;

/// Smallest accepted modulus, in bytes (RSA-2048).
const MIN_MODULUS_LEN: usize = 256;

/// An RSA private key used to sign JWTs, with its key id.
///
/// Cheap to clone (the parsed key is shared). `Debug` shows the kid only.
#[derive(Clone)]
pub struct RsaSigningKey {
    kid: String,
    pkcs8: Zeroizing<Vec<u8>>,
    key_pair: Arc<KeyPair>,
    /// The public key, parsed once for [`RsaSigningKey::verify_own_jwt`] (aws-lc keeps its
    /// Montgomery context with it).
    verifier: Arc<ParsedPublicKey>,
    /// base64url (no padding) of the big-endian modulus without leading zero bytes.
    n: String,
    /// base64url (no padding) of the big-endian public exponent.
    e: String,
}

impl fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("kid", &self.kid)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// Big-endian bytes without leading zeros, as JWK requires.
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[first..]
}

impl RsaSigningKey {
    /// Generates a fresh RSA-2048 key with a random kid (standard base64 of 32 random bytes,
    /// 44 characters, like Cognito's kids).
    pub fn generate() -> Result<RsaSigningKey, CryptoError> {
        let key_pair =
            KeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::KeyGeneration)?;
        let der = key_pair.as_der().map_err(|_| CryptoError::KeyGeneration)?;
        let pkcs8 = Zeroizing::new(der.as_ref().to_vec());
        // cognito-compat: Cognito kids are standard base64 (padded) of 32 bytes, 44 characters.
        let mut kid_bytes = [0u8; 32];
        fill_random(&mut kid_bytes);
        Self::from_parts(STANDARD.encode(kid_bytes), pkcs8, key_pair)
    }

    /// Loads a key from its unencrypted PKCS#8 DER encoding (as returned by
    /// [`RsaSigningKey::pkcs8_der`]). Keys below 2048 bits are rejected.
    pub fn from_pkcs8_der(kid: String, der: &[u8]) -> Result<RsaSigningKey, CryptoError> {
        let key_pair = KeyPair::from_pkcs8(der)
            .map_err(|e| CryptoError::InvalidKey(format!("not an RSA PKCS#8 private key ({e})")))?;
        Self::from_parts(kid, Zeroizing::new(der.to_vec()), key_pair)
    }

    fn from_parts(
        kid: String,
        pkcs8: Zeroizing<Vec<u8>>,
        key_pair: KeyPair,
    ) -> Result<RsaSigningKey, CryptoError> {
        if kid.is_empty() {
            return Err(CryptoError::InvalidKey("kid must not be empty".into()));
        }
        if key_pair.public_modulus_len() < MIN_MODULUS_LEN {
            return Err(CryptoError::InvalidKey(
                "RSA modulus must be at least 2048 bits".into(),
            ));
        }
        let public = key_pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(strip_leading_zeros(
            public.modulus().big_endian_without_leading_zero(),
        ));
        let e = URL_SAFE_NO_PAD.encode(strip_leading_zeros(
            public.exponent().big_endian_without_leading_zero(),
        ));
        let verifier = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public.as_ref())
            .map_err(|e| CryptoError::InvalidKey(format!("unusable RSA public key ({e})")))?;
        Ok(RsaSigningKey {
            kid,
            pkcs8,
            key_pair: Arc::new(key_pair),
            verifier: Arc::new(verifier),
            n,
            e,
        })
    }

    /// The private key as unencrypted PKCS#8 DER (secret: store it sealed).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key id placed in JWT headers and in the JWK.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, exactly as Cognito's `jwks.json` lists it:
    /// `{"alg":"RS256","e":…,"kid":…,"kty":"RSA","n":…,"use":"sig"}`.
    // cognito-compat: the same six members Cognito publishes, no `x5c`/`x5t`.
    pub fn public_jwk(&self) -> Value {
        serde_json::json!({
            "alg": "RS256",
            "e": self.e,
            "kid": self.kid,
            "kty": "RSA",
            "n": self.n,
            "use": "sig",
        })
    }

    /// Signs `claims` (a JSON object) as a compact RS256 JWS with header
    /// `{"kid":"<kid>","alg":"RS256"}`.
    pub fn sign_jwt(&self, claims: &Value) -> Result<String, CryptoError> {
        // cognito-compat: Cognito's JOSE header is exactly {"kid":…,"alg":"RS256"}, in that
        // order and without `typ`.
        self.sign_compact(claims, "", "RS256", &RSA_PKCS1_SHA256)
    }

    /// A compact JWS: header `{"kid":…<extra>,"alg":<alg>}`, `claims`, and the signature.
    fn sign_compact(
        &self,
        claims: &Value,
        extra_header: &str,
        alg: &str,
        padding: &'static dyn aws_lc_rs::signature::RsaEncoding,
    ) -> Result<String, CryptoError> {
        if !claims.is_object() {
            return Err(CryptoError::Signing(
                "JWT claims must be a JSON object".into(),
            ));
        }
        let kid_json = serde_json::to_string(&self.kid)
            .map_err(|_| CryptoError::Encoding("kid is not serialisable".into()))?;
        let header = format!(r#"{{"kid":{kid_json}{extra_header},"alg":"{alg}"}}"#);
        let payload = serde_json::to_vec(claims)
            .map_err(|_| CryptoError::Encoding("claims are not serialisable".into()))?;
        let mut token = URL_SAFE_NO_PAD.encode(header.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));

        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(
                padding,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| CryptoError::Signing("RSA signing failed".into()))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }

    /// The public key as a JWK for RS512 tokens (the identity issuer's keys).
    pub fn public_jwk_rs512(&self) -> Value {
        let mut jwk = self.public_jwk();
        jwk["alg"] = Value::from("RS512");
        jwk
    }

    /// Signs `claims` as a compact RS512 JWS with header
    /// `{"kid":"<kid>","typ":"JWS","alg":"RS512"}`, the shape of the identity
    /// issuer's OpenID tokens.
    pub fn sign_jwt_rs512(&self, claims: &Value) -> Result<String, CryptoError> {
        // cognito-compat: identity-pool OpenID tokens carry `typ: JWS` and RS512.
        self.sign_compact(claims, r#","typ":"JWS""#, "RS512", &RSA_PKCS1_SHA512)
    }

    /// Verifies a JWT signed by any OpenID provider's key in `jwks` (RS256/384/512,
    /// PS256/384/512, ES256/384) and returns its claims. As with
    /// [`RsaSigningKey::verify_jwt`], only the signature is checked. The key is
    /// picked by `kid`, or is the only key of the set when the token has none.
    pub fn verify_external_jwt(token: &str, jwks: &[Value]) -> Result<Value, CryptoError> {
        let invalid = |why: &str| CryptoError::InvalidToken(why.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token header"))?;
        let allowed = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
        ];
        if !allowed.contains(&header.alg) {
            return Err(invalid("token algorithm is not accepted"));
        }
        let jwk = match &header.kid {
            Some(kid) => jwks
                .iter()
                .find(|jwk| jwk.get("kid").and_then(Value::as_str) == Some(kid.as_str())),
            None if jwks.len() == 1 => jwks.first(),
            None => None,
        }
        .ok_or_else(|| invalid("no key matches the token's kid"))?;
        let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone())
            .map_err(|_| invalid("matching key is malformed"))?;
        let key =
            DecodingKey::from_jwk(&parsed).map_err(|_| invalid("matching key is malformed"))?;
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| match e
            .kind()
        {
            JwtErrorKind::InvalidSignature => invalid("signature does not verify"),
            JwtErrorKind::InvalidAlgorithm => invalid("token algorithm does not match the key"),
            _ => invalid("malformed token"),
        })?;
        if !data.claims.is_object() {
            return Err(invalid("claims are not a JSON object"));
        }
        Ok(data.claims)
    }

    /// Verifies an RS256 JWT against the JWK in `jwks` whose `kid` matches the token header and
    /// returns its claims.
    ///
    /// Only the signature is checked: `exp`, `nbf`, `aud`, `iss` and `token_use` are the caller's
    /// business (no claim is required, none is validated here).
    pub fn verify_jwt(token: &str, jwks: &[Value]) -> Result<Value, CryptoError> {
        let invalid = |why: &str| CryptoError::InvalidToken(why.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token header"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("token algorithm must be RS256"));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("token header has no kid"))?;
        let jwk = jwks
            .iter()
            .find(|jwk| jwk.get("kid").and_then(Value::as_str) == Some(kid.as_str()))
            .ok_or_else(|| invalid("no key matches the token's kid"))?;
        let field = |name: &str| jwk.get(name).and_then(Value::as_str);
        if field("kty") != Some("RSA") {
            return Err(invalid("matching key is not an RSA key"));
        }
        if field("alg").is_some_and(|alg| alg != "RS256")
            || field("use").is_some_and(|u| u != "sig")
        {
            return Err(invalid("matching key is not an RS256 signing key"));
        }
        let (Some(n), Some(e)) = (field("n"), field("e")) else {
            return Err(invalid("matching key lacks n or e"));
        };
        let key = DecodingKey::from_rsa_components(n, e)
            .map_err(|_| invalid("matching key is malformed"))?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| match e
            .kind()
        {
            JwtErrorKind::InvalidSignature => invalid("signature does not verify"),
            JwtErrorKind::InvalidAlgorithm => invalid("token algorithm must be RS256"),
            _ => invalid("malformed token"),
        })?;
        if !data.claims.is_object() {
            return Err(invalid("claims are not a JSON object"));
        }
        Ok(data.claims)
    }
}

impl RsaSigningKey {
    /// Verifies an RS256 JWT signed with this key and returns its claims: the same checks and
    /// result as [`RsaSigningKey::verify_jwt`]`(token, &[self.public_jwk()])`, without
    /// rebuilding the JWK and the aws-lc key on every call (the per-request path of
    /// GetUser and the other access-token operations).
    pub fn verify_own_jwt(&self, token: &str) -> Result<Value, CryptoError> {
        let invalid = |why: &str| CryptoError::InvalidToken(why.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token header"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("token algorithm must be RS256"));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(invalid("no key matches the token's kid"));
        }
        // decode_header accepted `header.payload.signature` split at the last two dots; the
        // header part has no dot, so this is the same split.
        let (message, signature) = token
            .rsplit_once('.')
            .ok_or_else(|| invalid("malformed token"))?;
        let (_, payload) = message
            .rsplit_once('.')
            .ok_or_else(|| invalid("malformed token"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| invalid("malformed token"))?;
        self.verifier
            .verify_sig(message.as_bytes(), &signature)
            .map_err(|_| invalid("signature does not verify"))?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| invalid("malformed token"))?;
        let claims: Value =
            serde_json::from_slice(&payload).map_err(|_| invalid("malformed token"))?;
        if !claims.is_object() {
            return Err(invalid("claims are not a JSON object"));
        }
        Ok(claims)
    }
}

/// Signs `claims` as a compact ES256 JWS with header `{"kid":<kid>,"alg":"ES256"}`
/// using a PKCS#8 PEM P-256 key (Sign in with Apple's client secret).
pub fn sign_es256(private_key_pem: &str, kid: &str, claims: &Value) -> Result<String, CryptoError> {
    let key = jsonwebtoken::EncodingKey::from_ec_pem(private_key_pem.as_bytes())
        .map_err(|_| CryptoError::InvalidKey("not a PEM EC private key".into()))?;
    let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &key)
        .map_err(|_| CryptoError::Signing("ES256 signing failed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::OnceLock;

    /// Key generation takes a fraction of a second; share keys between tests.
    fn key_a() -> &'static RsaSigningKey {
        static KEY: OnceLock<RsaSigningKey> = OnceLock::new();
        KEY.get_or_init(|| RsaSigningKey::generate().expect("keygen"))
    }

    fn key_b() -> &'static RsaSigningKey {
        static KEY: OnceLock<RsaSigningKey> = OnceLock::new();
        KEY.get_or_init(|| RsaSigningKey::generate().expect("keygen"))
    }

    fn b64url(part: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(part).expect("base64url")
    }

    fn sample_claims() -> Value {
        json!({
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
            "token_use": "access",
            "exp": 1,
            "iat": 0,
            "scope": "aws.cognito.signin.user.admin",
        })
    }

    #[test]
    fn rs512_tokens_verify_with_the_external_verifier() {
        let token = key_a().sign_jwt_rs512(&sample_claims()).expect("sign");
        let header: Value =
            serde_json::from_slice(&b64url(token.split('.').next().expect("header")))
                .expect("json");
        assert_eq!(header["alg"], "RS512");
        assert_eq!(header["typ"], "JWS");
        let claims = RsaSigningKey::verify_external_jwt(&token, &[key_a().public_jwk_rs512()])
            .expect("verifies");
        assert_eq!(claims["token_use"], "access");
        assert!(
            RsaSigningKey::verify_external_jwt(&token, &[key_b().public_jwk_rs512()]).is_err(),
            "another key's kid must not match"
        );
        let mut other = key_b().public_jwk_rs512();
        other["kid"] = Value::from(key_a().kid());
        assert!(RsaSigningKey::verify_external_jwt(&token, &[other]).is_err());
        // RS256 tokens of the pools verify too.
        let rs256 = key_a().sign_jwt(&sample_claims()).expect("sign");
        assert!(RsaSigningKey::verify_external_jwt(&rs256, &[key_a().public_jwk()]).is_ok());
    }

    #[test]
    fn kid_looks_like_cognito() {
        let kid = key_a().kid();
        assert_eq!(kid.len(), 44);
        assert!(kid.ends_with('='));
        assert_eq!(STANDARD.decode(kid).expect("standard base64").len(), 32);
        assert_ne!(key_a().kid(), key_b().kid());
    }

    #[test]
    fn public_jwk_shape() {
        let jwk = key_a().public_jwk();
        let obj = jwk.as_object().expect("object");
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kid"], key_a().kid());
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["use"], "sig");
        let n = b64url(jwk["n"].as_str().expect("n"));
        assert_eq!(n.len(), 256);
        assert_ne!(n[0], 0);
        assert!(n[0] & 0x80 != 0, "2048-bit modulus has its top bit set");
    }

    #[test]
    fn jwt_round_trip_and_header() {
        let key = key_a();
        let claims = sample_claims();
        let token = key.sign_jwt(&claims).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = String::from_utf8(b64url(parts[0])).expect("utf8");
        assert_eq!(
            header,
            format!(r#"{{"kid":"{}","alg":"RS256"}}"#, key.kid())
        );
        assert_eq!(b64url(parts[2]).len(), 256);

        // `exp` is in 1970: verification must not care.
        let verified = RsaSigningKey::verify_jwt(&token, &[key_b().public_jwk(), key.public_jwk()])
            .expect("verify");
        assert_eq!(verified, claims);
    }

    #[test]
    fn claims_without_exp_verify() {
        let token = key_a().sign_jwt(&json!({"sub": "x"})).expect("sign");
        let claims = RsaSigningKey::verify_jwt(&token, &[key_a().public_jwk()]).expect("verify");
        assert_eq!(claims, json!({"sub": "x"}));
    }

    #[test]
    fn non_object_claims_are_refused() {
        assert!(matches!(
            key_a().sign_jwt(&json!([1, 2])),
            Err(CryptoError::Signing(_))
        ));
    }

    #[test]
    fn rejects_other_key_with_same_kid() {
        let token = key_b().sign_jwt(&sample_claims()).expect("sign");
        // A JWKS claiming key_b's kid but carrying key_a's modulus.
        let mut forged = key_a().public_jwk();
        forged["kid"] = json!(key_b().kid());
        let err = RsaSigningKey::verify_jwt(&token, &[forged]).expect_err("must fail");
        assert!(matches!(err, CryptoError::InvalidToken(_)), "{err}");
    }

    #[test]
    fn rejects_unknown_kid() {
        let token = key_b().sign_jwt(&sample_claims()).expect("sign");
        let err =
            RsaSigningKey::verify_jwt(&token, &[key_a().public_jwk()]).expect_err("must fail");
        assert!(matches!(err, CryptoError::InvalidToken(_)));
        assert!(RsaSigningKey::verify_jwt(&token, &[]).is_err());
    }

    #[test]
    fn rejects_tampered_payload() {
        let key = key_a();
        let token = key.sign_jwt(&sample_claims()).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims = sample_claims();
        claims["sub"] = json!("someone-else");
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
        let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        let err = RsaSigningKey::verify_jwt(&tampered, &[key.public_jwk()]).expect_err("must fail");
        assert!(matches!(err, CryptoError::InvalidToken(_)));

        // A flipped signature bit fails too.
        let mut sig = b64url(parts[2]);
        sig[100] ^= 1;
        let bad_sig = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert!(RsaSigningKey::verify_jwt(&bad_sig, &[key.public_jwk()]).is_err());
    }

    #[test]
    fn rejects_alg_none_and_garbage() {
        let key = key_a();
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"kid":"{}","alg":"none"}}"#, key.kid()));
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        assert!(
            RsaSigningKey::verify_jwt(&format!("{header}.{payload}."), &[key.public_jwk()])
                .is_err()
        );
        let hs = URL_SAFE_NO_PAD.encode(format!(r#"{{"kid":"{}","alg":"HS256"}}"#, key.kid()));
        assert!(
            RsaSigningKey::verify_jwt(&format!("{hs}.{payload}.AAAA"), &[key.public_jwk()])
                .is_err()
        );
        for junk in ["", "a.b", "a.b.c", "...."] {
            assert!(
                RsaSigningKey::verify_jwt(junk, &[key.public_jwk()]).is_err(),
                "{junk}"
            );
        }
    }

    /// verify_own_jwt agrees with verify_jwt against the key's own JWK, token by token.
    #[test]
    fn verify_own_jwt_matches_verify_jwt() {
        let key = key_a();
        let token = key.sign_jwt(&sample_claims()).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        let (h, p, s) = (parts[0], parts[1], parts[2]);
        let mut flipped = b64url(s);
        flipped[7] ^= 0x40;
        let flipped = URL_SAFE_NO_PAD.encode(flipped);
        let other = key_b().sign_jwt(&sample_claims()).expect("sign");
        let other_parts: Vec<&str> = other.split('.').collect();
        let enc = |v: &str| URL_SAFE_NO_PAD.encode(v);
        let kid = key.kid();
        let array_payload = key_a_signed(
            &enc(&format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#)),
            &enc("[1]"),
        );
        let mut cases = vec![
            token.clone(),
            key.sign_jwt(&json!({"sub": "x"})).expect("sign"),
            format!("{h}.{p}.{flipped}"),
            format!("{h}.{}.{s}", other_parts[1]),
            format!("{}.{p}.{s}", other_parts[0]),
            other.clone(),
            format!("{h}.{p}.{s}="),
            format!("{h}.{p}.{s}.{s}"),
            format!("{h}.{p}"),
            format!("{h}.{p}."),
            format!(
                "{}.{p}.{s}",
                enc(&format!(r#"{{"kid":"{kid}","alg":"none"}}"#))
            ),
            format!(
                "{}.{p}.{s}",
                enc(&format!(r#"{{"kid":"{kid}","alg":"RS512"}}"#))
            ),
            format!("{}.{p}.{s}", enc(r#"{"alg":"RS256"}"#)),
            array_payload,
        ];
        cases.extend(["", ".", "..", "a.b.c", "....", "é.é.é"].map(String::from));
        for (i, t) in cases.iter().enumerate() {
            let want = RsaSigningKey::verify_jwt(t, &[key.public_jwk()]).ok();
            let got = key.verify_own_jwt(t).ok();
            assert_eq!(got, want, "case {i}: {t}");
        }
        assert_eq!(key.verify_own_jwt(&token).ok(), Some(sample_claims()));
        assert!(key_b().verify_own_jwt(&token).is_err());
    }

    /// A token with the given encoded header and payload, correctly signed by key A.
    fn key_a_signed(header_b64: &str, payload_b64: &str) -> String {
        let message = format!("{header_b64}.{payload_b64}");
        let mut sig = vec![0u8; key_a().key_pair.public_modulus_len()];
        key_a()
            .key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message.as_bytes(),
                &mut sig,
            )
            .expect("sign");
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn pkcs8_round_trip_gives_same_jwk() {
        let key = key_a();
        let again =
            RsaSigningKey::from_pkcs8_der(key.kid().to_owned(), key.pkcs8_der()).expect("load");
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert_eq!(again.pkcs8_der(), key.pkcs8_der());
        // A token signed by the reloaded key verifies with the original JWK.
        let token = again.sign_jwt(&json!({"sub": "y"})).expect("sign");
        assert!(RsaSigningKey::verify_jwt(&token, &[key.public_jwk()]).is_ok());
    }

    #[test]
    fn from_pkcs8_rejects_garbage_and_empty_kid() {
        let err = RsaSigningKey::from_pkcs8_der("k".into(), b"not a key").expect_err("garbage");
        assert!(matches!(err, CryptoError::InvalidKey(_)));
        let err = RsaSigningKey::from_pkcs8_der(String::new(), key_a().pkcs8_der())
            .expect_err("empty kid");
        assert!(matches!(err, CryptoError::InvalidKey(_)));
    }

    #[test]
    fn interoperates_with_jsonwebtoken_pem_path() {
        // Independent check: jsonwebtoken signing from a PKCS#8 PEM of our key must verify
        // with our JWK, and our token must verify with jsonwebtoken's own JWK conversion.
        let key = key_a();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD
                .encode(key.pkcs8_der())
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).expect("ascii"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let enc = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem");
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.kid = Some(key.kid().to_owned());
        let theirs = jsonwebtoken::encode(&header, &sample_claims(), &enc).expect("encode");
        assert_eq!(
            RsaSigningKey::verify_jwt(&theirs, &[key.public_jwk()]).expect("verify"),
            sample_claims()
        );

        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk()).expect("jwk");
        let dec = DecodingKey::from_jwk(&jwk).expect("decoding key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        let ours = key.sign_jwt(&sample_claims()).expect("sign");
        let data =
            jsonwebtoken::decode::<Value>(&ours, &dec, &validation).expect("jsonwebtoken verifies");
        assert_eq!(data.claims, sample_claims());
        assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        assert_eq!(data.header.typ, None);
    }

    #[test]
    fn debug_redacts_private_key() {
        let shown = format!("{:?}", key_a());
        assert!(shown.contains(key_a().kid()));
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&STANDARD.encode(&key_a().pkcs8_der()[..24])));
    }

    #[test]
    fn es256_client_secret_verifies() {
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
            UnparsedPublicKey,
        };
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap();
        use base64::Engine as _;
        let b64 = STANDARD.encode(doc.as_ref());
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n");
        let claims = serde_json::json!({ "iss": "TEAM", "sub": "com.example.app" });
        let jwt = sign_es256(&pem, "KEY1", &claims).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "KEY1");
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref())
            .verify(signed.as_bytes(), &signature)
            .expect("the signature verifies with the key's public half");
        assert!(sign_es256("not a key", "KEY1", &claims).is_err());
    }
}
