//! SSO-OIDC operations: golden requests against the botocore bodies of docs/sso-oidc-and-login.md §2 and parsing of
//! the success and error shapes of docs/sso-oidc-and-login.md §2–§3.

use std::time::{Duration, UNIX_EPOCH};

use awscred_core::oidc::{
    ClientRegistration, CreateToken, DeviceAuthorization, Grant, OidcErrorKind, RegisterClient,
    StartDeviceAuthorization, TokenResponse, oidc_error_kind,
};
use awscred_core::{Endpoint, Error, Operation};
use serde_json::{Value, json};

fn endpoint() -> Endpoint {
    Endpoint {
        url: "https://oidc.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

/// Checks method, URL, JSON headers, and the body as parsed JSON against botocore's capture.
fn assert_post(req: &http::Request<Vec<u8>>, path: &str, botocore_body: &str) {
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        format!("https://oidc.us-east-1.amazonaws.com{path}")
    );
    assert_eq!(req.headers()["content-type"], "application/json");
    assert_eq!(
        req.headers()["content-length"],
        req.body().len().to_string().as_str()
    );
    assert!(
        req.headers().get("authorization").is_none(),
        "SSO-OIDC calls are unsigned"
    );
    let got: Value = serde_json::from_slice(req.body()).unwrap();
    let want: Value = serde_json::from_str(botocore_body).unwrap();
    assert_eq!(got, want);
}

fn token_op(grant: Grant) -> CreateToken {
    CreateToken::new(endpoint(), "cid", "sec", grant)
}

#[test]
fn register_client_for_pkce_matches_botocore() {
    let op = RegisterClient::for_authorization_code(
        endpoint(),
        "botocore-client-x",
        vec![],
        "https://d-123.awsapps.com/start",
    );
    assert_post(
        &op.request(UNIX_EPOCH).unwrap(),
        "/client/register",
        r#"{"clientName": "botocore-client-x", "clientType": "public", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"], "redirectUris": ["http://127.0.0.1/oauth/callback"], "issuerUrl": "https://d-123.awsapps.com/start"}"#,
    );
}

#[test]
fn register_client_for_device_code_sends_scopes_only_when_configured() {
    let op = RegisterClient::for_device_code(endpoint(), "botocore-client-dev", vec![]);
    assert_post(
        &op.request(UNIX_EPOCH).unwrap(),
        "/client/register",
        r#"{"clientName": "botocore-client-dev", "clientType": "public"}"#,
    );
    let op = RegisterClient::for_device_code(
        endpoint(),
        "c",
        vec![
            "sso:account:access".into(),
            "codewhisperer:completions".into(),
        ],
    );
    let body: Value = serde_json::from_slice(op.request(UNIX_EPOCH).unwrap().body()).unwrap();
    assert_eq!(
        body["scopes"],
        json!(["sso:account:access", "codewhisperer:completions"])
    );
}

#[test]
fn start_device_authorization_matches_botocore() {
    let op = StartDeviceAuthorization {
        endpoint: endpoint(),
        client_id: "cid".into(),
        client_secret: "sec".into(),
        start_url: "https://d-123.awsapps.com/start".into(),
    };
    assert_post(
        &op.request(UNIX_EPOCH).unwrap(),
        "/device_authorization",
        r#"{"clientId": "cid", "clientSecret": "sec", "startUrl": "https://d-123.awsapps.com/start"}"#,
    );
}

#[test]
fn create_token_bodies_match_botocore() {
    let device = token_op(Grant::DeviceCode {
        device_code: "dc".into(),
    });
    assert_post(
        &device.request(UNIX_EPOCH).unwrap(),
        "/token",
        r#"{"grantType": "urn:ietf:params:oauth:grant-type:device_code", "clientId": "cid", "clientSecret": "sec", "deviceCode": "dc"}"#,
    );
    let refresh = token_op(Grant::RefreshToken {
        refresh_token: "rt".into(),
    });
    assert_post(
        &refresh.request(UNIX_EPOCH).unwrap(),
        "/token",
        r#"{"grantType": "refresh_token", "clientId": "cid", "clientSecret": "sec", "refreshToken": "rt"}"#,
    );
    let code = token_op(Grant::AuthorizationCode {
        code: "c".into(),
        redirect_uri: "http://127.0.0.1:1234/oauth/callback".into(),
        code_verifier: "v".into(),
    });
    assert_post(
        &code.request(UNIX_EPOCH).unwrap(),
        "/token",
        r#"{"grantType": "authorization_code", "clientId": "cid", "clientSecret": "sec", "redirectUri": "http://127.0.0.1:1234/oauth/callback", "codeVerifier": "v", "code": "c"}"#,
    );
    let scoped = CreateToken {
        scopes: vec!["sso:account:access".into()],
        ..refresh
    };
    let body: Value = serde_json::from_slice(scoped.request(UNIX_EPOCH).unwrap().body()).unwrap();
    assert_eq!(
        body["scope"],
        json!(["sso:account:access"]),
        "the wire name is singular"
    );
}

#[test]
fn empty_inputs_are_refused() {
    let device_without_url = StartDeviceAuthorization {
        endpoint: endpoint(),
        client_id: "c".into(),
        client_secret: "s".into(),
        start_url: "".into(),
    };
    let results = [
        RegisterClient::for_device_code(endpoint(), "", vec![]).request(UNIX_EPOCH),
        device_without_url.request(UNIX_EPOCH),
        CreateToken::new(
            endpoint(),
            "",
            "s",
            Grant::DeviceCode {
                device_code: "d".into(),
            },
        )
        .request(UNIX_EPOCH),
        CreateToken::new(
            endpoint(),
            "c",
            "",
            Grant::DeviceCode {
                device_code: "d".into(),
            },
        )
        .request(UNIX_EPOCH),
        token_op(Grant::DeviceCode {
            device_code: "".into(),
        })
        .request(UNIX_EPOCH),
        token_op(Grant::RefreshToken {
            refresh_token: "".into(),
        })
        .request(UNIX_EPOCH),
        token_op(Grant::AuthorizationCode {
            code: "c".into(),
            redirect_uri: "r".into(),
            code_verifier: "".into(),
        })
        .request(UNIX_EPOCH),
    ];
    for result in results {
        assert!(matches!(result, Err(Error::InvalidInput(_))), "{result:?}");
    }
}

#[test]
fn register_client_parses() {
    let body = r#"{"clientId":"cid-123","clientSecret":"SECRETVALUE","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1707776000,"authorizationEndpoint":null,"tokenEndpoint":null}"#;
    let reg = RegisterClient::for_device_code(endpoint(), "c", vec![])
        .parse(&response(200, &[], body))
        .unwrap();
    assert_eq!(
        reg,
        ClientRegistration {
            client_id: "cid-123".into(),
            client_secret: "SECRETVALUE".into(),
            client_id_issued_at: Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            client_secret_expires_at: UNIX_EPOCH + Duration::from_secs(1_707_776_000),
            authorization_endpoint: None,
            token_endpoint: None,
        }
    );
    let shown = format!("{reg:?}");
    assert!(
        !shown.contains("SECRETVALUE") && shown.contains("2024-02-12T22:13:20Z"),
        "{shown}"
    );
    let err = RegisterClient::for_device_code(endpoint(), "c", vec![])
        .parse(&response(
            200,
            &[],
            r#"{"clientId":"c","clientSecret":"SECRETVALUE"}"#,
        ))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`clientSecretExpiresAt` is missing")
            && !err.to_string().contains("SECRETVALUE")
    );
}

#[test]
fn device_authorization_parses() {
    let op = StartDeviceAuthorization {
        endpoint: endpoint(),
        client_id: "cid".into(),
        client_secret: "sec".into(),
        start_url: "https://d-123.awsapps.com/start".into(),
    };
    let body = r#"{"deviceCode":"DEVICECODESECRET","userCode":"ABCD-EFGH","verificationUri":"https://device.sso.us-east-1.amazonaws.com/","verificationUriComplete":"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH","expiresIn":600,"interval":1}"#;
    let auth = op.parse(&response(200, &[], body)).unwrap();
    assert_eq!(
        auth,
        DeviceAuthorization {
            device_code: "DEVICECODESECRET".into(),
            user_code: "ABCD-EFGH".into(),
            verification_uri: "https://device.sso.us-east-1.amazonaws.com/".into(),
            verification_uri_complete:
                "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH".into(),
            expires_in: 600,
            interval: Some(1),
        }
    );
    assert_eq!(auth.poll_interval(), Duration::from_secs(1));
    assert!(!format!("{auth:?}").contains("DEVICECODESECRET"));
    let without_interval = body.replace(r#","interval":1"#, "");
    assert_eq!(
        op.parse(&response(200, &[], &without_interval))
            .unwrap()
            .poll_interval(),
        Duration::from_secs(5)
    );
    let err = op
        .parse(&response(200, &[], &body.replace("600", "\"600\"")))
        .unwrap_err();
    assert!(
        err.to_string().contains("`expiresIn` is not a number"),
        "{err}"
    );
}

#[test]
fn token_response_parses() {
    let op = token_op(Grant::RefreshToken {
        refresh_token: "rt".into(),
    });
    let body = r#"{"accessToken":"ACCESSSECRET","tokenType":"Bearer","expiresIn":28800,"refreshToken":"REFRESHSECRET","idToken":"IDSECRET"}"#;
    let token = op.parse(&response(200, &[], body)).unwrap();
    assert_eq!(
        token,
        TokenResponse {
            access_token: "ACCESSSECRET".into(),
            token_type: Some("Bearer".into()),
            expires_in: Some(28800),
            refresh_token: Some("REFRESHSECRET".into()),
            id_token: Some("IDSECRET".into()),
        }
    );
    let shown = format!("{token:?}");
    for secret in ["ACCESSSECRET", "REFRESHSECRET", "IDSECRET"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let minimal = op
        .parse(&response(200, &[], r#"{"accessToken":"a"}"#))
        .unwrap();
    assert_eq!((minimal.expires_in, minimal.refresh_token), (None, None));
    let err = op
        .parse(&response(200, &[], r#"{"tokenType":"Bearer"}"#))
        .unwrap_err();
    assert!(
        matches!(&err, Error::MalformedResponse { operation: "CreateToken", what } if what.contains("`accessToken` is missing"))
    );
}

#[test]
fn oauth_errors_keep_their_exception_codes() {
    let op = token_op(Grant::DeviceCode {
        device_code: "dc".into(),
    });
    // The real answer (docs/sso-oidc-and-login.md §3): the exception is in the header, the body is OAuth-style.
    let pending = response(
        400,
        &[
            ("content-type", "application/json"),
            ("x-amzn-requestid", "dbed108d-0000"),
            (
                "x-amzn-errortype",
                "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
            ),
        ],
        r#"{"error":"authorization_pending","error_description":"Authorization is still pending"}"#,
    );
    let err = op.parse(&pending).unwrap_err();
    assert_eq!(
        oidc_error_kind(&err),
        Some(OidcErrorKind::AuthorizationPending)
    );
    assert_eq!(err.code(), Some("AuthorizationPendingException"));
    assert!(matches!(&err, Error::Service(e) if e.status == 400));

    for (status, header, body_error, kind) in [
        (
            400,
            "SlowDownException",
            "slow_down",
            OidcErrorKind::SlowDown,
        ),
        (
            400,
            "ExpiredTokenException",
            "expired_token",
            OidcErrorKind::ExpiredToken,
        ),
        (
            400,
            "AccessDeniedException",
            "access_denied",
            OidcErrorKind::AccessDenied,
        ),
        (
            400,
            "InvalidGrantException",
            "invalid_grant",
            OidcErrorKind::InvalidGrant,
        ),
        (
            401,
            "InvalidClientException",
            "invalid_client",
            OidcErrorKind::InvalidClient,
        ),
        (
            400,
            "UnauthorizedClientException",
            "unauthorized_client",
            OidcErrorKind::UnauthorizedClient,
        ),
        (
            400,
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            OidcErrorKind::UnsupportedGrantType,
        ),
        (
            400,
            "InvalidScopeException",
            "invalid_scope",
            OidcErrorKind::InvalidScope,
        ),
        (
            400,
            "InvalidRequestException",
            "invalid_request",
            OidcErrorKind::InvalidRequest,
        ),
    ] {
        let body = format!(r#"{{"error":"{body_error}","error_description":"d"}}"#);
        let with_header = op
            .parse(&response(status, &[("x-amzn-errortype", header)], &body))
            .unwrap_err();
        assert_eq!(oidc_error_kind(&with_header), Some(kind), "{header}");
        assert!(
            !matches!(with_header, Error::LoginNeeded { .. }),
            "OIDC errors are not SSO login prompts"
        );
        // Through a proxy that drops the header, the body's OAuth code still tells the kind.
        let body_only = op.parse(&response(status, &[], &body)).unwrap_err();
        assert_eq!(oidc_error_kind(&body_only), Some(kind), "{body_error}");
    }

    let register = RegisterClient::for_device_code(endpoint(), "c", vec![]);
    let err = register
        .parse(&response(
            400,
            &[("x-amzn-errortype", "InvalidClientMetadataException")],
            r#"{"error":"invalid_client_metadata"}"#,
        ))
        .unwrap_err();
    assert_eq!(
        oidc_error_kind(&err),
        Some(OidcErrorKind::InvalidClientMetadata)
    );
    let err = register
        .parse(&response(
            500,
            &[("x-amzn-errortype", "InternalServerException")],
            "",
        ))
        .unwrap_err();
    assert_eq!(oidc_error_kind(&err), Some(OidcErrorKind::InternalServer));
    assert_eq!(oidc_error_kind(&Error::Login("x".into())), None);
}

#[test]
fn debug_never_shows_secrets() {
    let ops = [
        format!(
            "{:?}",
            token_op(Grant::DeviceCode {
                device_code: "SECRET1".into()
            })
        ),
        format!(
            "{:?}",
            token_op(Grant::RefreshToken {
                refresh_token: "SECRET2".into()
            })
        ),
        format!(
            "{:?}",
            token_op(Grant::AuthorizationCode {
                code: "SECRET3".into(),
                redirect_uri: "http://127.0.0.1:1/oauth/callback".into(),
                code_verifier: "SECRET4".into(),
            })
        ),
        format!(
            "{:?}",
            StartDeviceAuthorization {
                endpoint: endpoint(),
                client_id: "cid".into(),
                client_secret: "SECRET5".into(),
                start_url: "u".into()
            }
        ),
    ];
    for shown in ops {
        assert!(
            !shown.contains("SECRET") && !shown.contains("\"sec\""),
            "{shown}"
        );
        assert!(shown.contains("cid"), "{shown}");
    }
}
