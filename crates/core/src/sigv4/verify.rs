//! The receiving side: parse an `Authorization` header and check its signature.

use hmac::Mac;
use http::header::AUTHORIZATION;

use super::canonical::{self, Buffers, HeaderEntry, HeaderList, Parts, Value};
use super::date::AmzDate;
use super::{ALGORITHM, X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN};
use super::{SignableRequest, hex_str, key, sha256_hex, signing_key, string_to_sign_pieces};
use crate::{Credentials, Error};

/// A parsed SigV4 `Authorization` header:
/// `AWS4-HMAC-SHA256 Credential=<akid>/<day>/<region>/<service>/aws4_request, SignedHeaders=<a;b>, Signature=<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id that signed.
    pub access_key_id: String,
    /// The `YYYYMMDD` day of the credential scope.
    pub date: String,
    /// The region of the credential scope.
    pub region: String,
    /// The service of the credential scope.
    pub service: String,
    /// The signed header names, lower case, sorted.
    pub signed_headers: Vec<String>,
    /// The hex signature (64 lower-case hex digits).
    pub signature: String,
}

fn bad(what: impl Into<String>) -> Error {
    Error::InvalidInput(format!(
        "malformed SigV4 Authorization header: {}",
        what.into()
    ))
}

/// Parses an `Authorization` header value. Only `AWS4-HMAC-SHA256` is understood.
pub fn parse_authorization(value: &str) -> Result<Authorization, Error> {
    let rest = value
        .trim()
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with([' ', '\t']))
        .ok_or_else(|| bad(format!("it does not start with `{ALGORITHM} `")))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| bad("expected `Credential=…, SignedHeaders=…, Signature=…`"))?;
        let slot = match k {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            other => return Err(bad(format!("unknown field `{}`", other.escape_debug()))),
        };
        if slot.replace(v).is_some() {
            return Err(bad(format!("`{k}` appears twice")));
        }
    }
    let credential = credential.ok_or_else(|| bad("no Credential"))?;
    let signed = signed.ok_or_else(|| bad("no SignedHeaders"))?;
    let signature = signature.ok_or_else(|| bad("no Signature"))?;

    let fields: Vec<&str> = credential.split('/').collect();
    let [akid, day, region, service, terminator] = fields.as_slice() else {
        return Err(bad(
            "Credential must be `<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request`",
        ));
    };
    if *terminator != "aws4_request" {
        return Err(bad("the credential scope must end with `aws4_request`"));
    }
    if akid.is_empty() || region.is_empty() || service.is_empty() {
        return Err(bad(
            "the credential has an empty access key id, region or service",
        ));
    }
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("the credential scope date must be YYYYMMDD"));
    }

    let names: Vec<String> = signed.split(';').map(str::to_string).collect();
    if names.iter().any(|n| {
        n.is_empty()
            || n.bytes()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
    }) {
        return Err(bad(
            "SignedHeaders must be non-empty lower-case names separated by `;`",
        ));
    }
    if names.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad("SignedHeaders must be sorted and without duplicates"));
    }
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad("Signature must be 64 lower-case hex digits"));
    }
    Ok(Authorization {
        access_key_id: (*akid).to_string(),
        date: (*day).to_string(),
        region: (*region).to_string(),
        service: (*service).to_string(),
        signed_headers: names,
        signature: signature.to_string(),
    })
}

fn mismatch(why: &str) -> Error {
    Error::InvalidInput(format!("signature does not match: {why}"))
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the SigV4 header signature of a received `request` against `credentials`: recomputes
/// it over exactly the headers the `Authorization` header lists (which must include `host` and
/// `x-amz-date`), with a normalised, double-encoded path, and compares in constant time. When the
/// credentials have a session token, the request must carry it in `x-amz-security-token`.
/// The request time is not checked against a clock: that is the caller's policy.
pub fn verify<B: AsRef<[u8]>>(
    request: &http::Request<B>,
    credentials: &Credentials,
) -> Result<Authorization, Error> {
    let headers = request.headers();
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(header), None) = (values.next(), values.next()) else {
        return Err(Error::InvalidInput(
            "the request must carry exactly one Authorization header".into(),
        ));
    };
    let header = header
        .to_str()
        .map_err(|_| bad("it is not visible ASCII"))?;
    let auth = parse_authorization(header)?;

    if !constant_time_eq(
        auth.access_key_id.as_bytes(),
        credentials.access_key_id().as_bytes(),
    ) {
        return Err(mismatch("the request is signed with another access key id"));
    }
    for required in ["host", X_AMZ_DATE] {
        if !auth.signed_headers.iter().any(|n| n == required) {
            return Err(mismatch(&format!(
                "`{required}` is not among the signed headers"
            )));
        }
    }
    let amz_date = headers
        .get(X_AMZ_DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(AmzDate::parse)
        .ok_or_else(|| {
            mismatch("the request has no valid x-amz-date header (YYYYMMDD'T'HHMMSS'Z')")
        })?;
    if amz_date.day() != auth.date {
        return Err(mismatch(
            "the credential scope date is not the day of x-amz-date",
        ));
    }
    if let Some(token) = credentials.session_token() {
        let sent = headers
            .get(X_AMZ_SECURITY_TOKEN)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !constant_time_eq(sent, token.as_bytes()) {
            return Err(mismatch(
                "the security token is missing or not the one issued with these credentials",
            ));
        }
    }

    let signable = SignableRequest::from_http(request);
    let payload_hash = sha256_hex(signable.body);
    if let Some(sent) = headers.get(X_AMZ_CONTENT_SHA256)
        && !constant_time_eq(sent.as_bytes(), &payload_hash)
    {
        return Err(mismatch(
            "x-amz-content-sha256 is not the SHA-256 of the body",
        ));
    }
    let mut list = HeaderList::new();
    for name in &auth.signed_headers {
        let value = if let Some(key) = headers.keys().find(|k| k.as_str() == name) {
            Value::Request(key)
        } else if name == "host" {
            Value::Fixed(signable.fallback_host()?)
        } else {
            return Err(mismatch(&format!(
                "signed header `{}` is not in the request",
                name.escape_debug()
            )));
        };
        list.push(HeaderEntry { name, value });
    }
    let mut buffers = Buffers::default();
    let parts = Parts {
        method: signable.method,
        path: signable.path,
        query: signable.query,
        normalize_path: true,
        extra_query: &[],
        headers,
        payload_hash: hex_str(&payload_hash),
    };
    canonical::write(&mut buffers, &parts, list.as_slice())?;
    let canonical_hash = sha256_hex(buffers.canonical.as_bytes());

    let key = signing_key(
        credentials.secret_access_key(),
        &auth.date,
        &auth.region,
        &auth.service,
    );
    let mut mac = key::mac_for(&key);
    for piece in string_to_sign_pieces(
        &amz_date,
        &auth.region,
        &auth.service,
        hex_str(&canonical_hash),
    ) {
        mac.update(piece.as_bytes());
    }
    let provided = hex::decode(&auth.signature).map_err(|_| bad("Signature is not hex"))?;
    mac.verify_slice(&provided).map_err(|_| {
        mismatch("the request signature we calculated does not match the signature provided; check the secret access key and signing method")
    })?;
    Ok(auth)
}
