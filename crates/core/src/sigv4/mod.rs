//! AWS Signature Version 4 (docs/sigv4.md), with botocore's canonicalisation.
//!
//! [`sign`] signs an `http::Request` in place; a [`Signer`] does the same but keeps the derived
//! signing key and its scratch buffers between calls, which is what a hot loop wants. The stages
//! ([`canonical_request`], [`string_to_sign`], [`signature`]) are public so tests can check each
//! one against the AWS test suite. [`verify`] checks a received request (the emulator's side).
//!
//! ```
//! use awscred_core::{Credentials, sigv4::{self, SigningParams}};
//! let creds = Credentials::new("AKID", "SECRET", Some("TOKEN".to_string()), None);
//! let params = SigningParams::new(&creds, "us-east-1", "sts", std::time::SystemTime::UNIX_EPOCH);
//! let mut request = http::Request::post("https://sts.us-east-1.amazonaws.com/")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(b"Action=GetCallerIdentity&Version=2011-06-15".to_vec())
//!     .unwrap();
//! sigv4::sign(&mut request, &params).unwrap();
//! assert!(request.headers()["authorization"].to_str().unwrap().starts_with("AWS4-HMAC-SHA256 "));
//! sigv4::verify(&request, &creds).unwrap();
//! ```

mod canonical;
mod date;
mod key;
#[cfg(test)]
mod tests;
mod verify;

use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime};

use hmac::Mac;
use http::header::{AUTHORIZATION, HOST, HeaderValue};
use http::{HeaderMap, HeaderName};
use sha2::{Digest, Sha256};

use crate::{Credentials, Error};
use canonical::{Buffers, HeaderEntry, HeaderList, Parts, Value};
use date::AmzDate;
use key::KeyCache;

pub use canonical::UNSIGNED_HEADERS;
pub use key::signing_key;
pub use verify::{Authorization, parse_authorization, verify};

/// The algorithm name at the head of the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Hex SHA-256 of an empty payload.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The longest a presigned request may stay valid (7 days), as AWS enforces.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// What a signature is made with, and how.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// The credentials to sign with.
    pub credentials: &'a Credentials,
    /// The region of the credential scope.
    pub region: &'a str,
    /// The service name of the credential scope (`sts`).
    pub service: &'a str,
    /// The signing time.
    pub time: SystemTime,
    normalize_path: bool,
    sign_body: bool,
    omit_session_token: bool,
}

impl<'a> SigningParams<'a> {
    /// Parameters for header signing with botocore's defaults: normalised, double-encoded path;
    /// no `x-amz-content-sha256`; the session token signed.
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: SystemTime,
    ) -> Self {
        SigningParams {
            credentials,
            region,
            service,
            time,
            normalize_path: true,
            sign_body: false,
            omit_session_token: false,
        }
    }

    /// `true` (the default, every service but S3): remove dot segments and empty segments from
    /// the path and percent-encode it again. `false` (S3): sign the path as sent.
    pub fn normalize_path(mut self, normalize: bool) -> Self {
        self.normalize_path = normalize;
        self
    }

    /// Adds and signs `x-amz-content-sha256` (what S3 requires; STS does not send it).
    pub fn sign_body(mut self, sign_body: bool) -> Self {
        self.sign_body = sign_body;
        self
    }

    /// Adds the session token after signing, unsigned (the few services that want it so).
    pub fn omit_session_token(mut self, omit: bool) -> Self {
        self.omit_session_token = omit;
        self
    }

    fn check(&self) -> Result<(), Error> {
        for (what, value) in [("region", self.region), ("service", self.service)] {
            let ok = !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
            if !ok {
                return Err(Error::InvalidInput(format!(
                    "the signing {what} `{}` is empty or has characters a credential scope cannot carry",
                    value.escape_debug()
                )));
            }
        }
        Ok(())
    }

    /// The token to send, if any.
    fn session_token(&self) -> Option<&'a str> {
        self.credentials.session_token()
    }
}

/// The parts of an HTTP request a signature covers, borrowed.
///
/// [`SignableRequest::from_http`] reads them from an `http::Request`; [`SignableRequest::new`]
/// takes a raw request target (`/path?query`), which can hold bytes `http::Uri` refuses, such as
/// the literal spaces some test-suite cases use.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    authority: Option<&'a str>,
    body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// A request from its method, raw target (`/path` or `/path?query`), headers and body.
    pub fn new(method: &'a str, target: &'a str, headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        let target = target.split_once('#').map_or(target, |(t, _)| t);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        SignableRequest {
            method,
            path,
            query,
            headers,
            authority: None,
            body,
        }
    }

    /// The signable view of `request`. Without a `Host` header the host comes from the URI
    /// (with its port unless it is the scheme's default).
    pub fn from_http<B: AsRef<[u8]>>(request: &'a http::Request<B>) -> Self {
        let uri = request.uri();
        SignableRequest {
            method: request.method().as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers: request.headers(),
            authority: uri_host(uri),
            body: request.body().as_ref(),
        }
    }

    /// The host to sign when the request has no `Host` header.
    fn fallback_host(&self) -> Result<&'a str, Error> {
        self.authority.ok_or_else(|| {
            Error::InvalidInput(
                "the request has neither a Host header nor an absolute URI; SigV4 signs the host"
                    .into(),
            )
        })
    }
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the query may carry tokens: only names and the path are shown.
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// `host[:port]` of an absolute URI, without user info and without the scheme's default port.
fn uri_host(uri: &http::Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let default_port = match uri.scheme_str() {
        Some("https") => Some(":443"),
        Some("http") => Some(":80"),
        _ => None,
    };
    Some(
        default_port
            .and_then(|p| host_port.strip_suffix(p))
            .unwrap_or(host_port),
    )
}

/// The headers a header signature adds to a request.
pub struct SigningOutput<'a> {
    amz_date: AmzDate,
    session_token: Option<&'a str>,
    content_sha256: Option<[u8; 64]>,
    authorization: String,
    signature_start: usize,
}

impl<'a> SigningOutput<'a> {
    /// The `X-Amz-Date` value.
    pub fn amz_date(&self) -> &str {
        self.amz_date.as_str()
    }

    /// The `Authorization` value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The hex signature (the tail of the `Authorization` value).
    pub fn signature(&self) -> &str {
        self.authorization.get(self.signature_start..).unwrap_or("")
    }

    /// The `X-Amz-Content-SHA256` value, when the body is signed that way.
    pub fn content_sha256(&self) -> Option<&str> {
        self.content_sha256
            .as_ref()
            .and_then(|h| std::str::from_utf8(h).ok())
    }

    /// Every header to set, as (lower-case name, value): `x-amz-date`, `x-amz-security-token`
    /// (when the credentials have one), `x-amz-content-sha256` (when asked for), `authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            Some((X_AMZ_DATE, self.amz_date())),
            self.session_token.map(|t| (X_AMZ_SECURITY_TOKEN, t)),
            self.content_sha256().map(|h| (X_AMZ_CONTENT_SHA256, h)),
            Some(("authorization", self.authorization())),
        ]
        .into_iter()
        .flatten()
    }

    /// Sets the headers on `headers`, replacing earlier values; nothing is set if one is unusable.
    pub fn apply(self, headers: &mut HeaderMap) -> Result<(), Error> {
        self.apply_with(headers, None)
    }

    /// [`Self::apply`]; with `reuse` (a [`Signer`]'s), reusing the token's and the date's
    /// header values from the last call when they are the same (building the token's copies
    /// and validates a string of a kilobyte or so; each costs an allocation), and keeping the
    /// new ones otherwise.
    fn apply_with(self, headers: &mut HeaderMap, reuse: Option<&mut Reuse>) -> Result<(), Error> {
        let (last_token, last_date) = match reuse {
            Some(r) => (Some(&mut r.token), Some(&mut r.date)),
            None => (None, None),
        };
        let token = match (self.session_token, last_token) {
            (None, _) => None,
            (Some(t), Some(last)) => match last.as_ref().filter(|v| v.as_bytes() == t.as_bytes()) {
                Some(v) => Some(v.clone()),
                None => {
                    let v = token_header(t)?;
                    *last = Some(v.clone());
                    Some(v)
                }
            },
            (Some(t), None) => Some(token_header(t)?),
        };
        let content = match self.content_sha256 {
            Some(h) => Some(
                HeaderValue::from_bytes(&h).map_err(|_| invalid_header("x-amz-content-sha256"))?,
            ),
            None => None,
        };
        let date = match last_date {
            Some(Some((d, v))) if *d == self.amz_date => v.clone(),
            Some(slot) => {
                let v = date_header(&self.amz_date)?;
                *slot = Some((self.amz_date, v.clone()));
                v
            }
            None => date_header(&self.amz_date)?,
        };
        let authorization = HeaderValue::try_from(self.authorization).map_err(|_| {
            Error::InvalidInput(
                "the access key id has characters not allowed in an HTTP header".into(),
            )
        })?;
        // At most four new headers: one growth of the map, not one per insert.
        headers.reserve(4);
        headers.insert(HeaderName::from_static(X_AMZ_DATE), date);
        if let Some(t) = token {
            headers.insert(HeaderName::from_static(X_AMZ_SECURITY_TOKEN), t);
        }
        if let Some(c) = content {
            headers.insert(HeaderName::from_static(X_AMZ_CONTENT_SHA256), c);
        }
        headers.insert(AUTHORIZATION, authorization);
        Ok(())
    }
}

impl fmt::Debug for SigningOutput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("amz_date", &self.amz_date())
            .field(
                "session_token",
                &self.session_token.map(|_| "** redacted **"),
            )
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// Header values a [`Signer`] keeps from its last signature, to clone instead of rebuilding.
#[derive(Default)]
struct Reuse {
    /// The last session token's value.
    token: Option<HeaderValue>,
    /// The last `X-Amz-Date` and its value.
    date: Option<(AmzDate, HeaderValue)>,
}

fn date_header(date: &AmzDate) -> Result<HeaderValue, Error> {
    HeaderValue::from_bytes(date.as_str().as_bytes()).map_err(|_| invalid_header("x-amz-date"))
}

/// The session token as a header value (validated and copied once).
fn token_header(token: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(token).map_err(|_| {
        Error::InvalidInput("the session token has characters not allowed in an HTTP header".into())
    })
}

fn invalid_header(name: &str) -> Error {
    Error::InvalidInput(format!("could not build the `{name}` header"))
}

/// Lower-case hex of a SHA-256 output, on the stack.
fn hex32(bytes: &[u8]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
    out
}

fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).unwrap_or("")
}

fn sha256_hex(data: &[u8]) -> [u8; 64] {
    hex32(&Sha256::digest(data))
}

/// How the signature travels.
#[derive(Clone, Copy)]
enum Mode {
    /// `Authorization` header, `x-amz-date` (and token, content hash) headers.
    Headers,
    /// `X-Amz-*` query parameters valid for this many seconds.
    Query { expires: u64 },
}

/// The result of the shared signing steps.
struct Signed {
    amz_date: AmzDate,
    payload_hash: [u8; 64],
    /// Where the `a;b;c` list sits in the canonical request buffer.
    signed_headers: std::ops::Range<usize>,
    signature: [u8; 64],
}

/// Signs requests, keeping derived signing keys (per secret, day, region and service) and
/// scratch buffers from one call to the next. Not `Sync`: use one per thread or behind a lock.
#[derive(Default)]
pub struct Signer {
    buffers: Buffers,
    keys: KeyCache,
    /// The header values of the last session token and date, to clone instead of rebuilding.
    reuse: Reuse,
    /// The last signing second and its `X-Amz-Date` form.
    last_date: Option<(u64, AmzDate)>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs `request` in place like [`sign`], reusing cached keys and buffers.
    pub fn sign<B: AsRef<[u8]>>(
        &mut self,
        request: &mut http::Request<B>,
        params: &SigningParams<'_>,
    ) -> Result<(), Error> {
        ensure_host(request)?;
        let output = self.compute(&SignableRequest::from_http(request), params)?;
        output.apply_with(request.headers_mut(), Some(&mut self.reuse))
    }

    /// The headers a header signature of `request` adds, without touching the request.
    pub fn compute<'p>(
        &mut self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'p>,
    ) -> Result<SigningOutput<'p>, Error> {
        let signed = self.run(request, params, Mode::Headers)?;
        Ok(header_output(&self.buffers.canonical, signed, params))
    }

    /// Presigns `request` like [`presign`], reusing cached keys and buffers.
    pub fn presign<B: AsRef<[u8]>>(
        &mut self,
        request: &mut http::Request<B>,
        params: &SigningParams<'_>,
        expires_in: Duration,
    ) -> Result<(), Error> {
        let query =
            self.presigned_query(&SignableRequest::from_http(request), params, expires_in)?;
        let uri = request.uri();
        let target = format!("{}?{query}", uri.path());
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(target.try_into().map_err(|_| {
            Error::InvalidInput("the presigned query does not fit in a URI".into())
        })?);
        *request.uri_mut() = http::Uri::from_parts(parts)
            .map_err(|e| Error::InvalidInput(format!("cannot rebuild the presigned URI: {e}")))?;
        Ok(())
    }

    /// The query a presigned `request` carries: its own query followed by the `X-Amz-*`
    /// parameters, ending with `X-Amz-Signature`.
    pub fn presigned_query(
        &mut self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'_>,
        expires_in: Duration,
    ) -> Result<String, Error> {
        let expires = presign_expiry(expires_in)?;
        let signed = self.run(request, params, Mode::Query { expires })?;
        let mut scope = String::new();
        scope.push_str(params.credentials.access_key_id());
        scope.push('/');
        push_scope(
            &mut scope,
            signed.amz_date.day(),
            params.region,
            params.service,
        );
        let expires = expires.to_string();
        let token = params.session_token();
        let pairs = [
            Some(("X-Amz-Algorithm", ALGORITHM)),
            Some(("X-Amz-Credential", scope.as_str())),
            Some(("X-Amz-Date", signed.amz_date.as_str())),
            Some((
                "X-Amz-SignedHeaders",
                self.buffers
                    .canonical
                    .get(signed.signed_headers)
                    .unwrap_or(""),
            )),
            Some(("X-Amz-Expires", expires.as_str())),
            token.map(|t| ("X-Amz-Security-Token", t)),
            Some(("X-Amz-Signature", hex_str(&signed.signature))),
        ];
        let mut query = String::from(request.query);
        for (k, v) in pairs.into_iter().flatten() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(k);
            query.push('=');
            canonical::push_encoded(&mut query, v.bytes(), |_| false);
        }
        Ok(query)
    }

    /// The shared steps with this signer's cached date, key and buffers.
    fn run(
        &mut self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'_>,
        mode: Mode,
    ) -> Result<Signed, Error> {
        params.check()?;
        let secs = date::epoch_secs(params.time)?;
        let amz_date = match self.last_date {
            Some((s, date)) if s == secs => date,
            _ => {
                let date = AmzDate::from_secs(secs)?;
                self.last_date = Some((secs, date));
                date
            }
        };
        let keys = KeySource::Cached(&mut self.keys);
        run(&mut self.buffers, keys, amz_date, request, params, mode)
    }
}

/// Where the signing key comes from.
enum KeySource<'k> {
    /// A [`Signer`]'s cache: derived once per (secret, day, region, service).
    Cached(&'k mut KeyCache),
    /// Derived for this one signature, on the stack (a one-shot signature has nothing to reuse
    /// it for, and caching would copy the secret and scope to the heap).
    Derived,
}

/// The steps every signature shares: canonical request (into `buffers.canonical`), string to
/// sign, signature. `params` must have passed [`SigningParams::check`].
fn run(
    buffers: &mut Buffers,
    keys: KeySource<'_>,
    amz_date: AmzDate,
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    mode: Mode,
) -> Result<Signed, Error> {
    let payload_hash = sha256_hex(request.body);
    let range = write_canonical(buffers, request, params, mode, &amz_date, &payload_hash)?;
    let canonical_hash = sha256_hex(buffers.canonical.as_bytes());
    let secret = params.credentials.secret_access_key();
    let day = amz_date.day();
    let mut mac = match keys {
        KeySource::Cached(cache) => cache
            .get(secret, day, params.region, params.service)
            .clone(),
        KeySource::Derived => {
            key::mac_for(&signing_key(secret, day, params.region, params.service))
        }
    };
    for piece in string_to_sign_pieces(
        &amz_date,
        params.region,
        params.service,
        hex_str(&canonical_hash),
    ) {
        mac.update(piece.as_bytes());
    }
    let signature = hex32(&mac.finalize().into_bytes());
    Ok(Signed {
        amz_date,
        payload_hash,
        signed_headers: range,
        signature,
    })
}

/// The headers of a header signature whose canonical request is `canonical`.
fn header_output<'p>(
    canonical: &str,
    signed: Signed,
    params: &SigningParams<'p>,
) -> SigningOutput<'p> {
    let akid = params.credentials.access_key_id();
    let names = canonical.get(signed.signed_headers).unwrap_or("");
    // The exact length: a `String` filled to its capacity becomes the header's `Bytes` without
    // another allocation.
    let scope_len = 8 + 1 + params.region.len() + 1 + params.service.len() + "/aws4_request".len();
    let len = ALGORITHM.len()
        + " Credential=".len()
        + akid.len()
        + 1
        + scope_len
        + ", SignedHeaders=".len()
        + names.len()
        + ", Signature=".len()
        + signed.signature.len();
    let mut authorization = String::with_capacity(len);
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(akid);
    authorization.push('/');
    push_scope(
        &mut authorization,
        signed.amz_date.day(),
        params.region,
        params.service,
    );
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(names);
    authorization.push_str(", Signature=");
    let signature_start = authorization.len();
    authorization.push_str(hex_str(&signed.signature));
    SigningOutput {
        amz_date: signed.amz_date,
        session_token: params.session_token(),
        content_sha256: params.sign_body.then_some(signed.payload_hash),
        authorization,
        signature_start,
    }
}

/// Bytes the canonical request of `request` will take, give or take the percent-encoding of
/// path and query: enough that a one-shot signature writes it without regrowing the buffer.
fn canonical_size_hint(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> usize {
    // Each header: `name:value\n` plus `name;` in the signed list.
    let headers: usize = request
        .headers
        .iter()
        .map(|(n, v)| 2 * n.as_str().len() + v.len() + 3)
        .sum();
    let token = params.session_token().map_or(0, str::len);
    let host = request.authority.map_or(0, str::len);
    // Method, path and query lines; the date, token, host and content-hash lines the signer
    // adds (names twice, values, separators); the payload hash.
    request.method.len() + request.path.len() + request.query.len() + headers + token + host + 320
}

/// Writes the canonical request of `request` into `buffers.canonical`; returns where its
/// signed-header list is.
fn write_canonical(
    buffers: &mut Buffers,
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    mode: Mode,
    amz_date: &AmzDate,
    payload_hash: &[u8; 64],
) -> Result<std::ops::Range<usize>, Error> {
    let token = params.session_token();
    let mut list = HeaderList::new();
    let mut scope = String::new();
    let mut expires = String::new();
    let mut extra: Vec<(&str, &str)> = Vec::new();
    let mut names = String::new();
    match mode {
        Mode::Headers => {
            let mut has_host = false;
            for name in request.headers.keys() {
                let n = name.as_str();
                has_host |= n == "host";
                let replaced = n == X_AMZ_DATE
                    || (token.is_some() && n == X_AMZ_SECURITY_TOKEN)
                    || (params.sign_body && n == X_AMZ_CONTENT_SHA256);
                if !replaced && !UNSIGNED_HEADERS.contains(&n) {
                    list.push(HeaderEntry {
                        name: n,
                        value: Value::Request(name),
                    });
                }
            }
            if !has_host {
                list.push(HeaderEntry {
                    name: "host",
                    value: Value::Fixed(request.fallback_host()?),
                });
            }
            list.push(HeaderEntry {
                name: X_AMZ_DATE,
                value: Value::Fixed(amz_date.as_str()),
            });
            if let Some(t) = token.filter(|_| !params.omit_session_token) {
                list.push(HeaderEntry {
                    name: X_AMZ_SECURITY_TOKEN,
                    value: Value::Fixed(t),
                });
            }
            if params.sign_body {
                list.push(HeaderEntry {
                    name: X_AMZ_CONTENT_SHA256,
                    value: Value::Fixed(hex_str(payload_hash)),
                });
            }
            list.sort();
        }
        Mode::Query { expires: secs } => {
            for name in request.headers.keys() {
                let n = name.as_str();
                if !UNSIGNED_HEADERS.contains(&n) {
                    list.push(HeaderEntry {
                        name: n,
                        value: Value::Request(name),
                    });
                }
            }
            if !request.headers.contains_key(HOST) {
                list.push(HeaderEntry {
                    name: "host",
                    value: Value::Fixed(request.fallback_host()?),
                });
            }
            list.sort();
            canonical::push_signed_header_names(&mut names, list.as_slice());
            scope.push_str(params.credentials.access_key_id());
            scope.push('/');
            push_scope(&mut scope, amz_date.day(), params.region, params.service);
            // Writing to a String cannot fail.
            let _ = write!(expires, "{secs}");
            extra.extend([
                ("X-Amz-Algorithm", ALGORITHM),
                ("X-Amz-Credential", scope.as_str()),
                ("X-Amz-Date", amz_date.as_str()),
                ("X-Amz-Expires", expires.as_str()),
                ("X-Amz-SignedHeaders", names.as_str()),
            ]);
            if let Some(t) = token.filter(|_| !params.omit_session_token) {
                extra.push(("X-Amz-Security-Token", t));
            }
        }
    }
    let parts = Parts {
        method: request.method,
        path: request.path,
        query: request.query,
        normalize_path: params.normalize_path,
        extra_query: &extra,
        headers: request.headers,
        payload_hash: hex_str(payload_hash),
    };
    canonical::write(buffers, &parts, list.as_slice())
}

fn presign_expiry(expires_in: Duration) -> Result<u64, Error> {
    let secs = expires_in.as_secs();
    if secs == 0 || expires_in > MAX_PRESIGN_EXPIRY {
        return Err(Error::InvalidInput(format!(
            "a presigned request must expire within 1 second to 7 days, not {secs} s"
        )));
    }
    Ok(secs)
}

/// `YYYYMMDD/region/service/aws4_request`.
fn push_scope(out: &mut String, day: &str, region: &str, service: &str) {
    out.push_str(day);
    out.push('/');
    out.push_str(region);
    out.push('/');
    out.push_str(service);
    out.push_str("/aws4_request");
}

/// The string to sign, in pieces, so the hot path can feed them to the HMAC without joining.
fn string_to_sign_pieces<'a>(
    amz_date: &'a AmzDate,
    region: &'a str,
    service: &'a str,
    canonical_hash: &'a str,
) -> [&'a str; 11] {
    [
        ALGORITHM,
        "\n",
        amz_date.as_str(),
        "\n",
        amz_date.day(),
        "/",
        region,
        "/",
        service,
        "/aws4_request\n",
        canonical_hash,
    ]
}

/// Adds a `Host` header from the URI when the request has none, so the host the signature
/// covers is the one sent whatever the HTTP stack would have chosen.
fn ensure_host<B: AsRef<[u8]>>(request: &mut http::Request<B>) -> Result<(), Error> {
    if request.headers().contains_key(HOST) {
        return Ok(());
    }
    let host = SignableRequest::from_http(request).fallback_host()?;
    let value = HeaderValue::from_str(host)
        .map_err(|_| Error::InvalidInput("the URI host cannot be sent as a Host header".into()))?;
    request.headers_mut().insert(HOST, value);
    Ok(())
}

/// Signs `request` in place: adds `x-amz-date`, `x-amz-security-token` (when the credentials
/// have one), `x-amz-content-sha256` (with [`SigningParams::sign_body`]), `host` (when the
/// request has none, from the URI) and `authorization`. Derives the key each time; a [`Signer`]
/// caches it.
pub fn sign<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    params: &SigningParams<'_>,
) -> Result<(), Error> {
    ensure_host(request)?;
    let signable = SignableRequest::from_http(request);
    params.check()?;
    let amz_date = AmzDate::new(params.time)?;
    let mut buffers = Buffers::with_capacity(canonical_size_hint(&signable, params));
    let signed = run(
        &mut buffers,
        KeySource::Derived,
        amz_date,
        &signable,
        params,
        Mode::Headers,
    )?;
    header_output(&buffers.canonical, signed, params).apply_with(request.headers_mut(), None)
}

/// Presigns `request`: appends the `X-Amz-*` parameters (algorithm, credential, date, signed
/// headers, expiry, token, signature) to its URI query. Headers are left alone.
pub fn presign<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    params: &SigningParams<'_>,
    expires_in: Duration,
) -> Result<(), Error> {
    Signer::new().presign(request, params, expires_in)
}

/// The canonical request a header signature of `request` covers (with the `x-amz-date`, token
/// and content-hash headers the signer adds).
pub fn canonical_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
) -> Result<String, Error> {
    canonical_for(request, params, Mode::Headers)
}

/// The canonical request a presigned `request` covers.
pub fn presigned_canonical_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_in: Duration,
) -> Result<String, Error> {
    canonical_for(
        request,
        params,
        Mode::Query {
            expires: presign_expiry(expires_in)?,
        },
    )
}

fn canonical_for(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    mode: Mode,
) -> Result<String, Error> {
    params.check()?;
    let amz_date = AmzDate::new(params.time)?;
    let payload_hash = sha256_hex(request.body);
    let mut buffers = Buffers::default();
    write_canonical(
        &mut buffers,
        request,
        params,
        mode,
        &amz_date,
        &payload_hash,
    )?;
    Ok(buffers.canonical)
}

/// The string to sign for `canonical_request`:
/// `AWS4-HMAC-SHA256\n<amz date>\n<day>/<region>/<service>/aws4_request\n<hex sha256>`.
pub fn string_to_sign(
    canonical_request: &str,
    params: &SigningParams<'_>,
) -> Result<String, Error> {
    params.check()?;
    let amz_date = AmzDate::new(params.time)?;
    let hash = sha256_hex(canonical_request.as_bytes());
    Ok(string_to_sign_pieces(&amz_date, params.region, params.service, hex_str(&hash)).concat())
}

/// The hex signature of `string_to_sign` with the key derived from `params`.
pub fn signature(string_to_sign: &str, params: &SigningParams<'_>) -> Result<String, Error> {
    params.check()?;
    let amz_date = AmzDate::new(params.time)?;
    let key = signing_key(
        params.credentials.secret_access_key(),
        amz_date.day(),
        params.region,
        params.service,
    );
    let mut mac = key::mac_for(&key);
    mac.update(string_to_sign.as_bytes());
    Ok(hex_str(&hex32(&mac.finalize().into_bytes())).to_string())
}
