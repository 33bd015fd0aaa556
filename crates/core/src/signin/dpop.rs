//! DPoP proofs (RFC 9449) for the Sign-In token endpoint, as botocore's `_build_dpop_header`
//! and aws-config's `login::dpop` build them: an ES256 JWT with header
//! `{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","x":…,"y":…,"crv":"P-256"}}` and claims
//! `htm` (`POST`), `htu` (the request URL), `iat` (seconds) and `jti` (a fresh UUID), compact
//! JSON, base64url without padding, signed with the login session's P-256 key.
//!
//! The signature is RFC 6979 deterministic ECDSA over SHA-256, so the proof is a pure function
//! of the key, the URL, the time and the `jti`; the `jti`'s randomness comes from the caller.
//!
//! `DpopKey` needs the crate's `login-session` feature (P-256, the p256 crate);
//! [`jwk_thumbprint`] and [`jti_from_random`] (hashing and formatting only) are in every build.

#[cfg(feature = "login-session")]
use std::fmt;
#[cfg(feature = "login-session")]
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
#[cfg(feature = "login-session")]
use base64::engine::general_purpose::STANDARD;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(feature = "login-session")]
use p256::ecdsa::signature::Signer as _;
#[cfg(feature = "login-session")]
use p256::ecdsa::{Signature, SigningKey};

#[cfg(feature = "login-session")]
use super::sec1;
#[cfg(feature = "login-session")]
use crate::{Error, Secret};

/// The login session's key: a P-256 private key. `Debug` never shows it.
#[cfg(feature = "login-session")]
#[cfg_attr(docsrs, doc(cfg(feature = "login-session")))]
#[derive(Clone)]
pub struct DpopKey {
    key: SigningKey,
}

#[cfg(feature = "login-session")]
impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("jwk_x", &self.jwk_coordinates().0)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "login-session")]
impl DpopKey {
    /// The key in a cache file's `dpopKey`: a PEM `EC PRIVATE KEY` (SEC1 DER), read the way
    /// botocore's `_load_private_key` does (header and footer lines dropped, the rest base64).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
            .map(str::trim)
            .collect();
        let der = STANDARD.decode(body.as_bytes()).map_err(|_| {
            Error::InvalidInput("the DPoP key (`dpopKey`) is not base64 PEM".into())
        })?;
        let scalar = sec1::decode(&der)?;
        Self::from_scalar(&scalar).map_err(|_| {
            Error::InvalidInput("the DPoP key (`dpopKey`) is not a valid P-256 private key".into())
        })
    }

    /// A new key from 32 random bytes (the caller's randomness, as for PKCE). Fails only for
    /// the ~2^-128 of byte strings that are not a valid scalar: the caller draws again.
    pub fn from_random(random: &[u8; 32]) -> Result<Self, Error> {
        Self::from_scalar(random)
    }

    fn from_scalar(scalar: &[u8; 32]) -> Result<Self, Error> {
        SigningKey::from_slice(scalar)
            .map(|key| DpopKey { key })
            .map_err(|_| Error::InvalidInput("32 bytes that are not a P-256 private key".into()))
    }

    /// The key as the AWS CLI writes it: `-----BEGIN EC PRIVATE KEY-----`, the SEC1 DER in
    /// base64 lines of 64 characters, `-----END EC PRIVATE KEY-----` and a newline
    /// (awscli/customizations/login/utils.py, `_serialize_to_pem`).
    pub fn to_pem(&self) -> Secret {
        let scalar: [u8; 32] = self.key.to_bytes().into();
        let der = sec1::encode(&scalar, self.public_point().as_slice());
        let b64 = STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        Secret::new(pem)
    }

    fn public_point(&self) -> Vec<u8> {
        self.key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    /// The public key's `x` and `y`, base64url without padding, as in the proof's `jwk`.
    pub fn jwk_coordinates(&self) -> (String, String) {
        let point = self.public_point();
        (
            URL_SAFE_NO_PAD.encode(&point[1..33]),
            URL_SAFE_NO_PAD.encode(&point[33..65]),
        )
    }

    /// The RFC 7638 JWK thumbprint (base64url SHA-256 of the canonical JWK), the `cnf.jkt` a
    /// sign-in refresh token is bound to.
    pub fn thumbprint(&self) -> String {
        let (x, y) = self.jwk_coordinates();
        jwk_thumbprint(&x, &y)
    }

    /// The DPoP proof for a POST to `htu` at `now` with id `jti`.
    pub fn proof(&self, htu: &str, now: SystemTime, jti: &str) -> Result<String, Error> {
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::InvalidInput("the clock is before 1970".into()))?
            .as_secs();
        let (x, y) = self.jwk_coordinates();
        let header = format!(
            r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","x":"{x}","y":"{y}","crv":"P-256"}}}}"#
        );
        let claims = serde_json::json!({ "htm": "POST", "htu": htu, "iat": iat, "jti": jti });
        let claims = crate::cache_codec::py_json::dumps_ordered(
            [
                ("htm", &claims["htm"]),
                ("htu", &claims["htu"]),
                ("iat", &claims["iat"]),
                ("jti", &claims["jti"]),
            ],
            crate::cache_codec::py_json::Separators::Compact,
        );
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

/// RFC 7638's thumbprint of a P-256 JWK: `{"crv":"P-256","kty":"EC","x":…,"y":…}` hashed.
pub fn jwk_thumbprint(x: &str, y: &str) -> String {
    use sha2::Digest as _;
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

/// A `jti`: 16 random bytes written as a version-4 UUID (what botocore's `uuid.uuid4()` gives).
pub fn jti_from_random(random: &[u8; 16]) -> String {
    let mut b = *random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jti_is_a_version_4_uuid_and_thumbprint_is_rfc_7638() {
        assert_eq!(
            jti_from_random(&[0xab; 16]),
            "abababab-abab-4bab-abab-abababababab"
        );
        assert_eq!(
            jti_from_random(&[0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
        // SHA-256 of `{"crv":"P-256","kty":"EC","x":"x","y":"y"}` (RFC 7638: members sorted,
        // no whitespace), base64url without padding, computed apart with Python's hashlib.
        assert_eq!(
            jwk_thumbprint("x", "y"),
            "lTYYwPiOVLnEGn_2tedaJs97fsHfTdR0jdsLJVF2RuA"
        );
    }
}

#[cfg(all(test, feature = "login-session"))]
mod key_tests {
    use super::*;

    fn key() -> DpopKey {
        DpopKey::from_random(&[0x11; 32]).unwrap()
    }

    #[test]
    fn pem_round_trips_in_the_cli_layout() {
        let pem = key().to_pem();
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN EC PRIVATE KEY-----");
        assert_eq!(lines.last(), Some(&"-----END EC PRIVATE KEY-----"));
        assert!(pem.ends_with("-----\n"));
        assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
        let back = DpopKey::from_pem(&pem).unwrap();
        assert_eq!(back.jwk_coordinates(), key().jwk_coordinates());
        assert!(!format!("{:?}", key()).contains(pem.expose()));
        assert!(DpopKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nnot base64!\n").is_err());
        assert!(DpopKey::from_random(&[0xff; 32]).is_err());
        assert!(DpopKey::from_random(&[0; 32]).is_err());
    }

    #[test]
    fn proof_is_deterministic_and_verifies() {
        use p256::ecdsa::VerifyingKey;
        use p256::ecdsa::signature::Verifier as _;
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let jti = jti_from_random(&[0xab; 16]);
        assert_eq!(jti, "abababab-abab-4bab-abab-abababababab");
        let a = key()
            .proof(
                "https://us-east-1.signin.aws.amazon.com/v1/token",
                now,
                &jti,
            )
            .unwrap();
        let b = key()
            .proof(
                "https://us-east-1.signin.aws.amazon.com/v1/token",
                now,
                &jti,
            )
            .unwrap();
        assert_eq!(a, b);
        let parts: Vec<&str> = a.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            format!(
                r#"{{"htm":"POST","htu":"https://us-east-1.signin.aws.amazon.com/v1/token","iat":1800000000,"jti":"{jti}"}}"#
            )
        );
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert!(header.starts_with(r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","x":""#));
        let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let vk: VerifyingKey = *key().key.verifying_key();
        vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        assert!(vk.verify(b"other", &sig).is_err());
    }
}
