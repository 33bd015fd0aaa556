//! Property tests: the SSO portal operations never panic on any input or answer, and never
//! show the access token.

use std::time::UNIX_EPOCH;

use awscred_core::sso::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use awscred_core::{Endpoint, Operation};
use proptest::prelude::*;

fn response(status: u16, error_type: Option<&str>, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body);
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    if let Some(t) = error_type.and_then(|t| http::HeaderValue::from_str(t).ok()) {
        r.headers_mut().insert("x-amzn-errortype", t);
    }
    r
}

/// JSON-ish bodies: mostly near-valid shapes of the portal's answers, sometimes anything.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        (any::<String>(), any::<String>(), any::<i64>(), any::<Option<String>>()).prop_map(|(a, s, e, n)| {
            serde_json::json!({
                "roleCredentials": {"accessKeyId": a, "secretAccessKey": s, "sessionToken": a, "expiration": e},
                "accountList": [{"accountId": a, "accountName": s}],
                "roleList": [{"roleName": s, "accountId": a}],
                "nextToken": n,
            })
            .to_string()
            .into_bytes()
        }),
        "[{}\\[\\]\":,a-z0-9.eE+-]{0,80}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn builders_and_parsers_never_panic(
        url in "\\PC{0,40}",
        token in "\\PC{0,40}",
        account in "\\PC{0,20}",
        role in "\\PC{0,20}",
        max in any::<Option<u32>>(),
        next in any::<Option<String>>(),
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(403), Just(429), Just(500), 100u16..600],
        error_type in any::<Option<String>>(),
        body in body(),
    ) {
        let endpoint = Endpoint { url, signing_region: "us-east-1".into() };
        let get = GetRoleCredentials { endpoint: endpoint.clone(), access_token: token.clone().into(), account_id: account.clone(), role_name: role };
        let accounts = ListAccounts { max_results: max, next_token: next.clone(), ..ListAccounts::new(endpoint.clone(), token.clone()) };
        let roles = ListAccountRoles { max_results: max, next_token: next, ..ListAccountRoles::new(endpoint.clone(), token.clone(), account) };
        let logout = Logout { endpoint, access_token: token.into() };
        let r = response(status, error_type.as_deref(), body);
        let _ = get.request(UNIX_EPOCH);
        let _ = accounts.request(UNIX_EPOCH);
        let _ = roles.request(UNIX_EPOCH);
        let _ = logout.request(UNIX_EPOCH);
        let _ = get.parse(&r).map_err(|e| e.to_string());
        if let Ok(page) = accounts.parse(&r)
            && let Some(next) = accounts.next_page(&page) { let _ = next.request(UNIX_EPOCH); }
        if let Ok(page) = roles.parse(&r)
            && let Some(next) = roles.next_page(&page) { let _ = next.request(UNIX_EPOCH); }
        let _ = logout.parse(&r);
    }

    #[test]
    fn debug_hides_the_token(token in "[A-Za-z0-9]{12,40}") {
        let endpoint = Endpoint { url: "https://portal.sso.us-east-1.amazonaws.com".into(), signing_region: "us-east-1".into() };
        let get = GetRoleCredentials { endpoint: endpoint.clone(), access_token: token.clone().into(), account_id: "1".into(), role_name: "r".into() };
        for shown in [
            format!("{get:?}"),
            format!("{:?}", ListAccounts::new(endpoint.clone(), token.clone())),
            format!("{:?}", ListAccountRoles::new(endpoint.clone(), token.clone(), "1")),
            format!("{:?}", Logout { endpoint, access_token: token.clone().into() }),
        ] {
            prop_assert!(!shown.contains(&token), "{}", shown);
        }
    }

    #[test]
    fn parse_errors_never_quote_the_body(secret in "[A-Z]{16,24}") {
        let bodies = [
            format!(r#"{{"roleCredentials":{{"accessKeyId":"A","secretAccessKey":"{secret}","sessionToken":"T","expiration":"{secret}"}}}}"#),
            format!(r#"{{"roleCredentials":"{secret}"}}"#),
            format!(r#"{{"{secret}":1}}"#),
            secret.clone(),
        ];
        let get = GetRoleCredentials {
            endpoint: Endpoint { url: "https://x".into(), signing_region: "r".into() },
            access_token: "t".into(), account_id: "1".into(), role_name: "r".into(),
        };
        for b in bodies {
            let e = get.parse(&response(200, None, b.into_bytes())).unwrap_err();
            let (text, debug) = (e.to_string(), format!("{e:?}"));
            prop_assert!(!text.contains(&secret) && !debug.contains(&secret));
        }
    }
}
