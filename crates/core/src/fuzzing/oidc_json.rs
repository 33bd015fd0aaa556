//! Fuzz body for the `oidc_json` target: every SSO-OIDC parser over an arbitrary body, answered
//! once as a success and once as an OAuth-style error; the redirect parser over the same bytes.

use http::{HeaderValue, Response, StatusCode};

use crate::oidc::{
    CreateToken, Grant, RegisterClient, StartDeviceAuthorization, oidc_error_kind, pkce,
};
use crate::{Endpoint, Operation};

/// Feeds `data` as the response body to every OIDC operation's parser.
pub fn run(data: &[u8]) {
    let endpoint = Endpoint {
        url: "https://oidc.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    };
    let register =
        RegisterClient::for_device_code(endpoint.clone(), "botocore-client-fuzz", Vec::new());
    let device = StartDeviceAuthorization {
        endpoint: endpoint.clone(),
        client_id: "cid".into(),
        client_secret: "sec".into(),
        start_url: "https://d-123.awsapps.com/start".into(),
    };
    let token = CreateToken::new(
        endpoint,
        "cid",
        "sec",
        Grant::DeviceCode {
            device_code: "dc".into(),
        },
    );
    for (status, error_type) in [
        (200, None),
        (400, None),
        (400, Some("AuthorizationPendingException:http://x/")),
        (401, Some("InvalidClientException")),
    ] {
        let mut response = Response::new(data.to_vec());
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        if let Some(t) = error_type {
            response
                .headers_mut()
                .insert("x-amzn-errortype", HeaderValue::from_static(t));
        }
        check(&register, &response);
        check(&device, &response);
        check(&token, &response);
    }
    let text = String::from_utf8_lossy(data);
    let _ = pkce::is_callback(&text);
    let _ = pkce::parse_callback(&text, "state");
}

fn check<O: Operation>(op: &O, response: &Response<Vec<u8>>) {
    if let Err(e) = op.parse(response) {
        let _ = oidc_error_kind(&e);
        let _ = e.to_string();
    }
}
