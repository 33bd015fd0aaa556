//! Property tests: the SSO-OIDC operations and the PKCE helpers never panic, PKCE outputs keep
//! their shape for any randomness, and secrets never show in `Debug`.

use std::time::UNIX_EPOCH;

use awscred_core::oidc::{
    CreateToken, Grant, RegisterClient, StartDeviceAuthorization, oidc_error_kind, pkce,
};
use awscred_core::{Endpoint, Operation};
use proptest::prelude::*;

fn grant() -> impl Strategy<Value = Grant> {
    prop_oneof![
        "\\PC{0,30}".prop_map(|device_code| Grant::DeviceCode {
            device_code: device_code.into()
        }),
        "\\PC{0,30}".prop_map(|refresh_token| Grant::RefreshToken {
            refresh_token: refresh_token.into()
        }),
        ("\\PC{0,30}", "\\PC{0,30}", "\\PC{0,30}").prop_map(
            |(code, redirect_uri, code_verifier)| Grant::AuthorizationCode {
                code: code.into(),
                redirect_uri,
                code_verifier: code_verifier.into()
            }
        ),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        (any::<String>(), any::<i64>(), any::<f64>()).prop_map(|(s, i, f)| {
            serde_json::json!({
                "clientId": s, "clientSecret": s, "clientIdIssuedAt": f, "clientSecretExpiresAt": i,
                "deviceCode": s, "userCode": s, "verificationUri": s, "verificationUriComplete": s,
                "expiresIn": i, "interval": f, "accessToken": s, "tokenType": i, "refreshToken": s,
                "error": s, "error_description": s,
            })
            .to_string()
            .into_bytes()
        }),
    ]
}

proptest! {
    #[test]
    fn builders_and_parsers_never_panic(
        url in "\\PC{0,40}",
        strings in proptest::collection::vec("\\PC{0,20}", 4),
        scopes in proptest::collection::vec("\\PC{0,20}", 0..3),
        grant in grant(),
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(500), 100u16..600],
        error_type in any::<Option<String>>(),
        body in body(),
    ) {
        let endpoint = Endpoint { url, signing_region: "us-east-1".into() };
        let register = RegisterClient::for_authorization_code(endpoint.clone(), strings[0].clone(), scopes.clone(), strings[1].clone());
        let device = StartDeviceAuthorization {
            endpoint: endpoint.clone(), client_id: strings[0].clone(), client_secret: strings[1].clone().into(), start_url: strings[2].clone(),
        };
        let token = CreateToken { scopes: scopes.clone(), ..CreateToken::new(endpoint.clone(), strings[0].clone(), strings[1].clone(), grant) };
        let _ = register.request(UNIX_EPOCH);
        let _ = device.request(UNIX_EPOCH);
        let _ = token.request(UNIX_EPOCH);
        let mut r = http::Response::new(body);
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        if let Some(t) = error_type.and_then(|t| http::HeaderValue::from_str(&t).ok()) {
            r.headers_mut().insert("x-amzn-errortype", t);
        }
        for e in [register.parse(&r).err(), device.parse(&r).err(), token.parse(&r).err()].into_iter().flatten() {
            let _ = oidc_error_kind(&e);
            let _ = e.to_string();
        }
        let _ = pkce::authorize_url(&endpoint, &strings[0], &strings[1], &strings[2], &strings[3], &scopes);
        let _ = pkce::parse_callback(&strings[3], &strings[2]);
        let _ = pkce::is_callback(&strings[3]);
    }

    #[test]
    fn pkce_shapes_hold_for_any_randomness(random in proptest::collection::vec(any::<u8>(), 64), state in any::<[u8; 16]>()) {
        let random: [u8; 64] = random.try_into().unwrap();
        let verifier = pkce::code_verifier(&random);
        prop_assert_eq!(verifier.len(), 64);
        prop_assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        let challenge = pkce::code_challenge(&verifier);
        prop_assert_eq!(challenge.len(), 43);
        prop_assert!(challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let s = pkce::state_from_random(&state);
        prop_assert_eq!(s.len(), 36);
        prop_assert_eq!(s.as_bytes()[14], b'4');
        let query = format!("code=c0de&state={s}");
        prop_assert_eq!(pkce::parse_callback(&query, &s), Ok("c0de".to_string()));
    }

    #[test]
    fn debug_hides_secrets(secret in "[A-Z]{16,24}") {
        let endpoint = Endpoint { url: "https://oidc.us-east-1.amazonaws.com".into(), signing_region: "us-east-1".into() };
        let grants = [
            Grant::DeviceCode { device_code: secret.clone().into() },
            Grant::RefreshToken { refresh_token: secret.clone().into() },
            Grant::AuthorizationCode { code: secret.clone().into(), redirect_uri: "r".into(), code_verifier: secret.clone().into() },
        ];
        for grant in grants {
            let op = CreateToken::new(endpoint.clone(), "cid", secret.clone(), grant);
            let shown = format!("{op:?}");
            prop_assert!(!shown.contains(&secret), "{}", shown);
        }
        let device = StartDeviceAuthorization { endpoint, client_id: "c".into(), client_secret: secret.clone().into(), start_url: "u".into() };
        let shown = format!("{device:?}");
        prop_assert!(!shown.contains(&secret));
    }
}
