//! SigV4 verification through `awscred_core::sigv4`.

use awscred_core::Credentials;
use awscred_core::sigv4::{self, Authorization};

use crate::request::Req;

/// The parsed `Authorization` header; `Err` says what is wrong with it (never a secret: the
/// header carries none).
pub(crate) fn parse(header: &str) -> Result<Authorization, String> {
    sigv4::parse_authorization(header).map_err(|e| match e {
        awscred_core::Error::InvalidInput(m) => m,
        other => other.to_string(),
    })
}

/// Whether `req` is signed with `credentials` (and carries their session token).
pub(crate) fn verify(req: &Req, credentials: &Credentials) -> Result<(), ()> {
    let mut request = http::Request::new(req.body.clone());
    *request.method_mut() = req.method.clone();
    *request.uri_mut() = req.uri.clone();
    *request.headers_mut() = req.headers.clone();
    sigv4::verify(&request, credentials)
        .map(|_| ())
        .map_err(|_| ())
}
