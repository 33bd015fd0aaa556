//! The pure pieces of the browser (authorization code + PKCE) login, docs/sso-oidc-and-login.md §6: the verifier and
//! its challenge (RFC 7636), the `state`, the `/authorize` URL, and reading the redirect's query.
//! Randomness comes in as bytes; nothing here draws any.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::DEFAULT_SCOPE;
use crate::{Endpoint, Error};

/// The verifier's alphabet, RFC 7636's unreserved characters, in botocore's order.
const VERIFIER_ALPHABET: &[u8; 66] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

/// The verifier's length, as the AWS CLI draws it.
pub const VERIFIER_LEN: usize = 64;

/// The message when the redirect reports an error or carries no code (botocore's wording).
pub const NO_CODE: &str = "Failed to retrieve an authorization code.";

/// The message when the redirect's `state` is not the one sent (botocore's wording).
pub const STATE_MISMATCH: &str = "State parameter does not match expected value.";

/// A 64-character PKCE code verifier from 64 random bytes.
///
/// The bytes are read as one 512-bit number and written in base 66, so every character is
/// uniform up to a bias below 2⁻¹²⁰ (66⁶⁴ < 2³⁸⁷), unlike a per-byte modulo.
pub fn code_verifier(random: &[u8; 64]) -> String {
    let mut number = *random;
    let mut out = String::with_capacity(VERIFIER_LEN);
    for _ in 0..VERIFIER_LEN {
        let mut remainder: u32 = 0;
        for byte in number.iter_mut() {
            let current = (remainder << 8) | u32::from(*byte);
            // current < 66 * 256, so the quotient fits a byte.
            *byte = (current / 66) as u8;
            remainder = current % 66;
        }
        let c = VERIFIER_ALPHABET
            .get(remainder as usize)
            .copied()
            .unwrap_or(b'a');
        out.push(char::from(c));
    }
    out
}

/// The S256 code challenge: base64url of the verifier's SHA-256, without padding (43 characters).
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The OAuth `state`: a UUID version 4 in its text form, as botocore's `uuid4()`.
pub fn state_from_random(random: &[u8; 16]) -> String {
    let mut b = *random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    // 32 ASCII hex digits, so the slices below cannot split a character.
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The browser's `/authorize` URL on the OIDC endpoint, parameters in botocore's order:
/// `response_type`, `client_id`, `redirect_uri`, `state`, `code_challenge_method`, `scopes`
/// (space-joined; [`DEFAULT_SCOPE`] when none), `code_challenge`.
pub fn authorize_url(
    oidc_endpoint: &Endpoint,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
    scopes: &[String],
) -> String {
    let scopes = if scopes.is_empty() {
        DEFAULT_SCOPE.to_string()
    } else {
        scopes.join(" ")
    };
    let query = crate::encoding::encode_pairs([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("scopes", scopes.as_str()),
        ("code_challenge", challenge),
    ]);
    format!(
        "{}/authorize?{query}",
        oidc_endpoint.url.trim_end_matches('/')
    )
}

/// The loopback redirect URI for a listener on `port` (registered without the port).
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/oauth/callback")
}

/// Whether a request to the loopback listener is the OAuth redirect: it carries `error`, or
/// both `code` and `state`. Other requests (a browser's `/favicon.ico`) are to be ignored while
/// waiting, as the AWS CLI does. `query` may be a bare query or a request target with `?`.
pub fn is_callback(query: &str) -> bool {
    let params = Params::new(query);
    params.first("error").is_some()
        || (params.first("code").is_some() && params.first("state").is_some())
}

/// The authorization code in the redirect's query, after checking its `state`.
///
/// An `error` parameter or a missing code gives [`Error::Login`] with [`NO_CODE`]; a different
/// state gives [`Error::Login`] with [`STATE_MISMATCH`] (a forged or stale redirect).
pub fn parse_callback(query: &str, expected_state: &str) -> Result<String, Error> {
    match super::callback::CallbackCheck::new(expected_state).verdict(query) {
        super::callback::CallbackVerdict::Authorized(code) => Ok(code.into_inner()),
        super::callback::CallbackVerdict::WrongState => Err(Error::Login(STATE_MISMATCH.into())),
        _ => Err(Error::Login(NO_CODE.into())),
    }
}

/// Decoded query parameters, read like Python's `parse_qs`: `+` is a space, blank values are
/// dropped, and the first value of a repeated name counts.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn new(query: &str) -> Self {
        let query = match query.split_once('?') {
            Some((_, q)) => q,
            None => query,
        };
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let pairs = query
            .split('&')
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let value = decode(value);
                (!value.is_empty()).then(|| (decode(name), value))
            })
            .collect();
        Params(pairs)
    }

    pub(crate) fn first(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}
