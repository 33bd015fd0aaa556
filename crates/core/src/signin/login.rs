//! The pieces of `aws login` a login command needs beside the token call: the authorize URL,
//! the cross-device verification code, and the cache file of a new session
//! (awscli/customizations/login/utils.py: `_get_authorization_uri`,
//! `parse_verification_code`, `_exchange_auth_code_for_access_token`).

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

use super::{DpopKey, LoginToken, TokenOutput};
use crate::{Credentials, Endpoint, Error};

/// The redirect of a cross-device (`--remote`) login: Sign-In's own confirmation page, which
/// shows the code to paste.
pub fn cross_device_redirect_uri(endpoint: &Endpoint) -> String {
    format!(
        "{}/v1/sessions/confirmation",
        endpoint.url.trim_end_matches('/')
    )
}

/// `{endpoint}/v1/authorize?response_type=code&client_id=…&state=…&code_challenge_method=SHA-256
/// &scope=openid&redirect_uri=…&code_challenge=…`, the challenge being base64url of the
/// verifier's SHA-256 without padding ([`crate::oidc::pkce::code_challenge`]).
pub fn authorize_url(
    endpoint: &Endpoint,
    client_id: &str,
    state: &str,
    challenge: &str,
    redirect_uri: &str,
) -> String {
    let query = crate::encoding::encode_pairs([
        ("response_type", "code"),
        ("client_id", client_id),
        ("state", state),
        ("code_challenge_method", "SHA-256"),
        ("scope", "openid"),
        ("redirect_uri", redirect_uri),
    ]);
    format!(
        "{}/v1/authorize?{query}&code_challenge={challenge}",
        endpoint.url.trim_end_matches('/')
    )
}

/// The code pasted in a cross-device login: base64 of `code=…&state=…`. Returns the code,
/// after checking the state.
pub fn parse_verification_code(pasted: &str, expected_state: &str) -> Result<String, Error> {
    let decoded = STANDARD
        .decode(pasted.trim().as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Error::Login("the verification code could not be decoded; paste it exactly as the browser shows it".into()))?;
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(&decoded);
    let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let (Some(code), Some(state)) = (get("code"), get("state")) else {
        return Err(Error::Login(
            "the verification code holds no code and state".into(),
        ));
    };
    if state != expected_state {
        return Err(Error::Login(
            "the verification code belongs to another login (its state differs)".into(),
        ));
    }
    Ok(code)
}

fn form_urlencoded_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            Some((dec(k), dec(v)))
        })
        .collect()
}

/// The login session (the `sub` of the ID token, an ARN) and the cache file of a new login.
pub fn new_session(
    output: &TokenOutput,
    client_id: &str,
    key: &DpopKey,
    now: SystemTime,
) -> Result<(String, LoginToken), Error> {
    let id_token = output
        .id_token
        .as_ref()
        .ok_or_else(|| Error::malformed("CreateOAuth2Token", "it has no `idToken`"))?;
    let session = id_token_subject(id_token)?;
    let account = session
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    let credentials = Credentials::new(
        output.access_key_id.clone(),
        output.secret_access_key.expose(),
        Some(output.session_token.expose().to_string()),
        Some(now + std::time::Duration::from_secs(output.expires_in)),
    )
    .with_account_id(account);
    let token = LoginToken {
        credentials,
        token_type: output.token_type.clone(),
        client_id: client_id.to_string(),
        refresh_token: output.refresh_token.clone(),
        id_token: Some(id_token.clone()),
        dpop_key: key.to_pem(),
        unknown: Map::new(),
    };
    Ok((session, token))
}

/// The `sub` claim of a JWT, read without checking its signature (as the AWS CLI does: it only
/// names the session).
fn id_token_subject(jwt: &str) -> Result<String, Error> {
    let bad = |what: &str| Error::malformed("CreateOAuth2Token", format!("its `idToken` {what}"));
    let mut parts = jwt.split('.');
    let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(p), Some(_), None) => p,
        _ => return Err(bad("is not a JWT")),
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("payload is not base64url"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| bad("payload is not JSON"))?;
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if s.starts_with("arn:") => Ok(s.to_string()),
        _ => Err(bad("has no ARN `sub`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_code_and_url() {
        let pasted = STANDARD.encode("code=abc%2Fd&state=s1");
        assert_eq!(parse_verification_code(&pasted, "s1").unwrap(), "abc/d");
        assert!(parse_verification_code(&pasted, "s2").is_err());
        assert!(parse_verification_code("!!", "s1").is_err());
        let e = Endpoint {
            url: "https://us-east-1.signin.aws.amazon.com".into(),
            signing_region: "us-east-1".into(),
        };
        let url = authorize_url(
            &e,
            "arn:aws:signin:::devtools/same-device",
            "st",
            "CH",
            "http://127.0.0.1:5/oauth/callback",
        );
        assert!(url.starts_with("https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=st&code_challenge_method=SHA-256&scope=openid&redirect_uri="), "{url}");
        assert!(url.ends_with("&code_challenge=CH"));
    }
}
