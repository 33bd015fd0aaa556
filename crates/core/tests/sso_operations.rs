//! SSO portal operations: golden requests against the botocore captures of docs/sso-portal.md §2 and parsing
//! of every response shape of docs/sso-portal.md §3–§4.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::sso::{
    AccountInfo, GetRoleCredentials, ListAccountRoles, ListAccounts, Logout, RoleInfo,
};
use awscred_core::{Endpoint, Error, Operation};

fn endpoint() -> Endpoint {
    Endpoint {
        url: "https://portal.sso.eu-west-1.amazonaws.com".into(),
        signing_region: "eu-west-1".into(),
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

fn get_role(token: &str, account: &str, role: &str) -> GetRoleCredentials {
    GetRoleCredentials {
        endpoint: endpoint(),
        access_token: token.into(),
        account_id: account.into(),
        role_name: role.into(),
    }
}

fn query_set(req: &http::Request<Vec<u8>>) -> BTreeSet<String> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn get_role_credentials_request_matches_botocore() {
    let req = get_role("tok", "123456789012", "Admin Role")
        .request(UNIX_EPOCH)
        .unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri().to_string(),
        "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=Admin%20Role&account_id=123456789012"
    );
    assert_eq!(req.headers()["x-amz-sso_bearer_token"], "tok");
    assert!(
        req.headers().get("authorization").is_none(),
        "the portal is unsigned"
    );
    assert!(req.headers().get("content-type").is_none());
    assert!(req.body().is_empty());
}

#[test]
fn list_accounts_request_matches_botocore() {
    let op = ListAccounts {
        max_results: Some(10),
        next_token: Some("a/b+c=".into()),
        ..ListAccounts::new(endpoint(), "tok")
    };
    let req = op.request(UNIX_EPOCH).unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri().to_string(),
        "https://portal.sso.eu-west-1.amazonaws.com/assignment/accounts?max_result=10&next_token=a%2Fb%2Bc%3D"
    );
    assert_eq!(req.headers()["x-amz-sso_bearer_token"], "tok");
    let first = ListAccounts::new(endpoint(), "tok")
        .request(UNIX_EPOCH)
        .unwrap();
    assert_eq!(
        first.uri().to_string(),
        "https://portal.sso.eu-west-1.amazonaws.com/assignment/accounts"
    );
}

#[test]
fn list_account_roles_request() {
    let op = ListAccountRoles {
        max_results: Some(100),
        next_token: Some("n t".into()),
        ..ListAccountRoles::new(endpoint(), "tok", "123456789012")
    };
    let req = op.request(UNIX_EPOCH).unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(req.uri().path(), "/assignment/roles");
    let want: BTreeSet<String> = [
        "account_id=123456789012",
        "max_result=100",
        "next_token=n%20t",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(query_set(&req), want);
    assert_eq!(req.headers()["x-amz-sso_bearer_token"], "tok");
}

#[test]
fn logout_request_is_an_empty_post() {
    let req = Logout {
        endpoint: endpoint(),
        access_token: "tok".into(),
    }
    .request(UNIX_EPOCH)
    .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://portal.sso.eu-west-1.amazonaws.com/logout"
    );
    assert_eq!(req.headers()["content-length"], "0");
    assert_eq!(req.headers()["x-amz-sso_bearer_token"], "tok");
    assert!(req.body().is_empty());
}

#[test]
fn custom_endpoints_keep_their_scheme_and_path_and_lose_a_trailing_slash() {
    let mut op = get_role("t", "1", "r");
    op.endpoint.url = "http://127.0.0.1:8080/prefix/".into();
    let req = op.request(UNIX_EPOCH).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "http://127.0.0.1:8080/prefix/federation/credentials?role_name=r&account_id=1"
    );
}

#[test]
fn unusable_inputs_are_refused_without_echoing_the_token() {
    for op in [
        get_role("", "1", "r"),
        get_role("t", "", "r"),
        get_role("t", "1", ""),
    ] {
        assert!(
            matches!(op.request(UNIX_EPOCH), Err(Error::InvalidInput(_))),
            "{op:?}"
        );
    }
    let err = get_role("SECRET\nTOKEN", "1", "r")
        .request(UNIX_EPOCH)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert!(!err.to_string().contains("SECRET"), "{err}");
    for max in [0, 101] {
        let op = ListAccounts {
            max_results: Some(max),
            ..ListAccounts::new(endpoint(), "t")
        };
        assert!(matches!(
            op.request(UNIX_EPOCH),
            Err(Error::InvalidInput(_))
        ));
    }
    assert!(matches!(
        ListAccountRoles::new(endpoint(), "t", "").request(UNIX_EPOCH),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        Logout {
            endpoint: endpoint(),
            access_token: String::new().into()
        }
        .request(UNIX_EPOCH),
        Err(Error::InvalidInput(_))
    ));
    let mut op = get_role("t", "1", "r");
    op.endpoint.url = "portal.sso.eu-west-1.amazonaws.com".into();
    assert!(
        matches!(op.request(UNIX_EPOCH), Err(Error::InvalidInput(m)) if m.contains("endpoint"))
    );
}

#[test]
fn role_credentials_expiration_is_epoch_millis() {
    let body = r#"{"roleCredentials":{"accessKeyId":"ASIARCORRECT","secretAccessKey":"secretkeycorrect","sessionToken":"tokencorrect","expiration":1234567890000}}"#;
    let creds = get_role("t", "123456789", "r")
        .parse(&response(
            200,
            &[("content-type", "application/json")],
            body,
        ))
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIARCORRECT");
    assert_eq!(creds.secret_access_key(), "secretkeycorrect");
    assert_eq!(creds.session_token(), Some("tokencorrect"));
    assert_eq!(
        creds.expiry(),
        Some(UNIX_EPOCH + Duration::from_secs(1_234_567_890))
    );
    assert_eq!(creds.account_id(), Some("123456789"));

    let body = r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":1665736069123}}"#;
    let creds = get_role("t", "1", "r")
        .parse(&response(200, &[], body))
        .unwrap();
    assert_eq!(
        creds.expiry(),
        Some(UNIX_EPOCH + Duration::from_millis(1_665_736_069_123))
    );
}

#[test]
fn malformed_role_credentials_name_the_field_not_the_value() {
    let cases = [
        ("", "not valid JSON"),
        ("[]", "not a JSON object"),
        ("{}", "`roleCredentials` is missing"),
        (
            r#"{"roleCredentials":"SECRETVALUE"}"#,
            "`roleCredentials` is not an object",
        ),
        (
            r#"{"roleCredentials":{"secretAccessKey":"SECRETVALUE","sessionToken":"T","expiration":1}}"#,
            "`roleCredentials.accessKeyId` is missing",
        ),
        (
            r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":7,"sessionToken":"T","expiration":1}}"#,
            "`roleCredentials.secretAccessKey` is not a string",
        ),
        (
            r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"","expiration":1}}"#,
            "`roleCredentials.sessionToken` is empty",
        ),
        (
            r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":"SECRETVALUE"}}"#,
            "`roleCredentials.expiration` is not a number",
        ),
        (
            r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"SECRETVALUE","sessionToken":"T","expiration":-5}}"#,
            "`roleCredentials.expiration`",
        ),
        (
            r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"SECRETVALUE","sessionToken":"T"}}"#,
            "`roleCredentials.expiration` is missing",
        ),
    ];
    for (body, want) in cases {
        let err = get_role("t", "1", "r")
            .parse(&response(200, &[], body))
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                Error::MalformedResponse {
                    operation: "GetRoleCredentials",
                    ..
                }
            ),
            "{body}: {err:?}"
        );
        assert!(text.contains(want), "{body}: {text}");
        assert!(!text.contains("SECRETVALUE"), "{text}");
    }
}

#[test]
fn a_rejected_token_asks_for_a_new_login() {
    let portal_401 = r#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#;
    let answers = [
        response(401, &[("content-type", "application/json")], portal_401),
        response(401, &[], ""),
        response(
            400,
            &[(
                "x-amzn-errortype",
                "UnauthorizedException:http://internal.amazon.com/",
            )],
            "{}",
        ),
    ];
    for r in &answers {
        let want = Error::LoginNeeded {
            reason: "the SSO session has expired or is invalid".into(),
            sso_session: None,
            profile: None,
            console_login: None,
        };
        assert_eq!(get_role("t", "1", "r").parse(r).unwrap_err(), want);
        assert_eq!(
            ListAccounts::new(endpoint(), "t").parse(r).unwrap_err(),
            want
        );
        assert_eq!(
            ListAccountRoles::new(endpoint(), "t", "1")
                .parse(r)
                .unwrap_err(),
            want
        );
        assert_eq!(
            Logout {
                endpoint: endpoint(),
                access_token: "t".into()
            }
            .parse(r)
            .unwrap_err(),
            want
        );
    }
}

#[test]
fn other_errors_keep_their_codes() {
    let op = get_role("t", "1", "r");
    let throttled = op
        .parse(&response(429, &[], r#"{"message":"slow","__type":"com.amazonaws.switchboard.portal#TooManyRequestsException"}"#))
        .unwrap_err();
    assert!(
        matches!(&throttled, Error::Throttled(e) if e.code == "TooManyRequestsException" && e.message == "slow"),
        "{throttled:?}"
    );
    for (status, body, code) in [
        (
            404,
            r#"{"message":"No access","__type":"com.amazonaws.switchboard.portal#ResourceNotFoundException"}"#,
            "ResourceNotFoundException",
        ),
        (
            400,
            r#"{"message":"bad","__type":"com.amazonaws.switchboard.portal#InvalidRequestException"}"#,
            "InvalidRequestException",
        ),
        (
            403,
            r#"{"message":"no","__type":"ForbiddenException"}"#,
            "ForbiddenException",
        ),
        (500, "", "500"),
    ] {
        let err = op.parse(&response(status, &[], body)).unwrap_err();
        assert_eq!(err.code(), Some(code), "{err:?}");
        assert!(!matches!(err, Error::LoginNeeded { .. }));
    }
}

#[test]
fn account_and_role_pages_parse() {
    let body = r#"{"nextToken":null,"accountList":[{"accountId":"111111111111","accountName":"dev","emailAddress":"dev@example.com"},{"accountId":"222222222222"}]}"#;
    let page = ListAccounts::new(endpoint(), "t")
        .parse(&response(200, &[], body))
        .unwrap();
    assert_eq!(page.next_token, None);
    assert_eq!(
        page.accounts,
        vec![
            AccountInfo {
                account_id: "111111111111".into(),
                account_name: Some("dev".into()),
                email_address: Some("dev@example.com".into())
            },
            AccountInfo {
                account_id: "222222222222".into(),
                account_name: None,
                email_address: None
            },
        ]
    );
    let empty = ListAccounts::new(endpoint(), "t")
        .parse(&response(200, &[], "{}"))
        .unwrap();
    assert!(empty.accounts.is_empty() && empty.next_token.is_none());

    let op = ListAccountRoles::new(endpoint(), "t", "111111111111");
    let body = r#"{"nextToken":"NEXT","roleList":[{"roleName":"Admin","accountId":"111111111111"},{"roleName":"ReadOnly"}]}"#;
    let page = op.parse(&response(200, &[], body)).unwrap();
    assert_eq!(page.next_token.as_deref(), Some("NEXT"));
    assert_eq!(
        page.roles,
        vec![
            RoleInfo {
                role_name: "Admin".into(),
                account_id: "111111111111".into()
            },
            RoleInfo {
                role_name: "ReadOnly".into(),
                account_id: "111111111111".into()
            },
        ]
    );
    let err = op
        .parse(&response(200, &[], r#"{"roleList":[{"accountId":"1"}]}"#))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`roleList[0].roleName` is missing"),
        "{err}"
    );
    let err = op
        .parse(&response(200, &[], r#"{"roleList":{}}"#))
        .unwrap_err();
    assert!(
        err.to_string().contains("`roleList` is not an array"),
        "{err}"
    );
}

/// A portal with `total` accounts served `per_page` at a time, answering from the request's query.
fn serve_accounts(
    req: &http::Request<Vec<u8>>,
    total: usize,
    per_page: usize,
) -> http::Response<Vec<u8>> {
    let start: usize = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("next_token=tok"))
        .map_or(0, |n| n.parse().unwrap());
    let end = (start + per_page).min(total);
    let list: Vec<String> = (start..end)
        .map(|i| format!(r#"{{"accountId":"{i:012}"}}"#))
        .collect();
    let next = if end < total {
        format!(r#""tok{end}""#)
    } else {
        "null".into()
    };
    response(
        200,
        &[],
        &format!(
            r#"{{"nextToken":{next},"accountList":[{}]}}"#,
            list.join(",")
        ),
    )
}

#[test]
fn the_pager_walks_every_page_once() {
    for (total, per_page) in [(0, 3), (1, 3), (3, 3), (7, 3), (10, 1)] {
        let mut op = Some(ListAccounts::new(endpoint(), "t"));
        let mut seen = Vec::new();
        let mut calls = 0;
        while let Some(current) = op {
            calls += 1;
            let page = current
                .parse(&serve_accounts(
                    &current.request(SystemTime::now()).unwrap(),
                    total,
                    per_page,
                ))
                .unwrap();
            seen.extend(page.accounts.iter().map(|a| a.account_id.clone()));
            op = current.next_page(&page);
        }
        let want: Vec<String> = (0..total).map(|i| format!("{i:012}")).collect();
        assert_eq!(seen, want);
        assert_eq!(calls, total.div_ceil(per_page).max(1));
    }
}

#[test]
fn a_repeated_token_ends_paging() {
    let op = ListAccountRoles {
        next_token: Some("same".into()),
        ..ListAccountRoles::new(endpoint(), "t", "1")
    };
    let page = op
        .parse(&response(200, &[], r#"{"nextToken":"same","roleList":[]}"#))
        .unwrap();
    assert!(op.next_page(&page).is_none());
    let page = op
        .parse(&response(
            200,
            &[],
            r#"{"nextToken":"other","roleList":[]}"#,
        ))
        .unwrap();
    assert_eq!(
        op.next_page(&page).unwrap().next_token.as_deref(),
        Some("other")
    );
}

#[test]
fn debug_never_shows_the_access_token() {
    let token = "SUPERSECRETTOKEN";
    let shown = [
        format!("{:?}", get_role(token, "1", "r")),
        format!("{:?}", ListAccounts::new(endpoint(), token)),
        format!("{:?}", ListAccountRoles::new(endpoint(), token, "1")),
        format!(
            "{:?}",
            Logout {
                endpoint: endpoint(),
                access_token: token.into()
            }
        ),
    ];
    for s in shown {
        assert!(!s.contains(token), "{s}");
        assert!(s.contains("redacted"), "{s}");
    }
}
