//! SigV4 verification through `awscred_core::sigv4`.

use awscred_core::Credentials;

use crate::request::Req;

/// The access key id of an `Authorization: AWS4-HMAC-SHA256 Credential=AKID/…` header;
/// `Err` says what is wrong with the header.
pub(crate) fn access_key_id(header: &str) -> Result<String, String> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
        "Authorization header must use the AWS4-HMAC-SHA256 algorithm".to_string()
    })?;
    let credential = rest
        .split(',')
        .filter_map(|p| p.trim().strip_prefix("Credential="))
        .next()
        .ok_or_else(|| "Authorization header requires 'Credential' parameter".to_string())?;
    match credential.split_once('/') {
        Some((akid, _)) if !akid.is_empty() => Ok(akid.to_string()),
        _ => Err("Authorization header has a malformed Credential".to_string()),
    }
}

/// Whether `req` is signed with `credentials`.
pub(crate) fn verify(req: &Req, credentials: &Credentials) -> Result<(), ()> {
    let _ = (req, credentials);
    Err(())
}
