//! Fuzz body for the `sts_xml` target: arbitrary bytes as the body of every STS answer, both as
//! a success (200) and as an error (400, 403, 503).

use crate::sts::{AssumeRole, AssumeRoleParams, AssumeRoleWithWebIdentity, GetCallerIdentity};
use crate::{Credentials, Endpoint, Operation};

/// Feeds `data` to the STS parsers.
pub fn run(data: &[u8]) {
    let endpoint = Endpoint {
        url: "https://sts.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    };
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None);
    let assume = AssumeRole::new(
        endpoint.clone(),
        creds.clone(),
        AssumeRoleParams::new("arn:aws:iam::123456789012:role/r", "session"),
    );
    let web = AssumeRoleWithWebIdentity::new(
        endpoint.clone(),
        "arn:aws:iam::123456789012:role/r",
        "session",
        "token",
    );
    let who = GetCallerIdentity::new(endpoint, creds);
    for status in [200u16, 400, 403, 503] {
        let mut response = http::Response::new(data.to_vec());
        if let Ok(s) = http::StatusCode::from_u16(status) {
            *response.status_mut() = s;
        }
        let _ = assume.parse(&response);
        let _ = web.parse(&response);
        let _ = who.parse(&response);
    }
}
