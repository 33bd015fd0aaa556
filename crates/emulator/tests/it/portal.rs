use std::time::{Duration, UNIX_EPOCH};

use awscred_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

use crate::client::{Resp, enc, get, portal, send};

fn start() -> (Emulator, String) {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let token = emu
        .issue_access_token(Duration::from_secs(3600))
        .access_token;
    (emu, token)
}

fn assert_portal_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let body = r.json();
    assert_eq!(
        body["__type"],
        format!("com.amazonaws.switchboard.portal#{code}"),
        "{body}"
    );
    assert!(body["message"].as_str().is_some());
    assert_eq!(r.error_type(), code);
    assert!(r.header("x-amzn-requestid").is_some());
}

#[test]
fn unauthorized_without_a_live_token() {
    let (emu, token) = start();
    let r = get(
        &emu,
        "/federation/credentials?role_name=ReadOnlyAccess&account_id=111122223333",
        &[],
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.text(),
        r#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_portal_error(
        &portal(&emu, "/assignment/accounts", "not-a-token"),
        401,
        "UnauthorizedException",
    );
    assert_portal_error(
        &send(emu.port(), "POST", "/logout", &[], b""),
        401,
        "UnauthorizedException",
    );

    let short = emu.issue_access_token(Duration::from_secs(60)).access_token;
    assert_eq!(portal(&emu, "/assignment/accounts", &short).status, 200);
    emu.advance(Duration::from_secs(61));
    assert_portal_error(
        &portal(&emu, "/assignment/accounts", &short),
        401,
        "UnauthorizedException",
    );
    assert_eq!(portal(&emu, "/assignment/accounts", &token).status, 200);
}

#[test]
fn role_credentials() {
    let (emu, token) = start();
    let before = emu.now();
    let r = portal(
        &emu,
        "/federation/credentials?role_name=ReadOnlyAccess&account_id=444455556666",
        &token,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let c = &r.json()["roleCredentials"];
    let akid = c["accessKeyId"].as_str().unwrap();
    assert!(akid.starts_with("ASIA") && akid.len() == 20, "{akid}");
    let secrets = emu.issued_secrets();
    assert!(
        secrets
            .iter()
            .any(|s| s == c["secretAccessKey"].as_str().unwrap())
    );
    assert!(
        secrets
            .iter()
            .any(|s| s == c["sessionToken"].as_str().unwrap())
    );
    let ms = c["expiration"].as_u64().unwrap();
    let want = (before + Duration::from_secs(3600))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(ms >= want && ms < want + 5_000, "{ms} vs {want}");

    // Query order does not matter (aws-sdk-rust sends account_id first).
    let r = portal(
        &emu,
        "/federation/credentials?account_id=111122223333&role_name=AdministratorAccess",
        &token,
    );
    assert_eq!(r.status, 200);
    assert_portal_error(
        &portal(
            &emu,
            "/federation/credentials?role_name=AdministratorAccess&account_id=777788889999",
            &token,
        ),
        403,
        "ForbiddenException",
    );
    assert_portal_error(
        &portal(
            &emu,
            "/federation/credentials?role_name=ReadOnlyAccess&account_id=000000000000",
            &token,
        ),
        404,
        "ResourceNotFoundException",
    );
    assert_portal_error(
        &portal(
            &emu,
            "/federation/credentials?role_name=ReadOnlyAccess",
            &token,
        ),
        400,
        "InvalidRequestException",
    );
}

fn collect(
    emu: &Emulator,
    token: &str,
    base: &str,
    list: &str,
    max: Option<u32>,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let mut target = base.to_string();
        let sep = |t: &String| if t.contains('?') { '&' } else { '?' };
        if let Some(m) = max {
            target = format!("{target}{}max_result={m}", sep(&target));
        }
        if let Some(n) = &next {
            target = format!("{target}{}next_token={}", sep(&target), enc(n));
        }
        let r = portal(emu, &target, token);
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        pages += 1;
        items.extend(v[list].as_array().unwrap().iter().cloned());
        match v["nextToken"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => {
                assert!(v["nextToken"].is_null());
                return (items, pages);
            }
        }
        assert!(pages < 10, "pagination does not end");
    }
}

#[test]
fn pagination() {
    let (emu, token) = start();
    let (accounts, pages) = collect(&emu, &token, "/assignment/accounts", "accountList", None);
    assert_eq!(pages, 2, "default page size is 2");
    let ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["111122223333", "444455556666", "777788889999"]);
    assert_eq!(accounts[0]["accountName"], "Development");
    assert_eq!(accounts[0]["emailAddress"], "dev@example.com");
    assert_eq!(
        collect(&emu, &token, "/assignment/accounts", "accountList", Some(1)).1,
        3
    );
    assert_eq!(
        collect(
            &emu,
            &token,
            "/assignment/accounts",
            "accountList",
            Some(100)
        )
        .1,
        1
    );

    let (roles, pages) = collect(
        &emu,
        &token,
        "/assignment/roles?account_id=111122223333",
        "roleList",
        Some(2),
    );
    assert_eq!(pages, 2);
    let names: Vec<&str> = roles
        .iter()
        .map(|r| r["roleName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"]
    );
    assert!(roles.iter().all(|r| r["accountId"] == "111122223333"));

    assert_portal_error(
        &portal(&emu, "/assignment/accounts?max_result=0", &token),
        400,
        "InvalidRequestException",
    );
    assert_portal_error(
        &portal(&emu, "/assignment/accounts?max_result=101", &token),
        400,
        "InvalidRequestException",
    );
    assert_portal_error(
        &portal(&emu, "/assignment/accounts?next_token=garbage", &token),
        400,
        "InvalidRequestException",
    );
    assert_portal_error(
        &portal(&emu, "/assignment/roles", &token),
        400,
        "InvalidRequestException",
    );
    assert_portal_error(
        &portal(&emu, "/assignment/roles?account_id=000000000000", &token),
        404,
        "ResourceNotFoundException",
    );
    // A page token belongs to its list.
    let first = portal(
        &emu,
        "/assignment/roles?account_id=111122223333&max_result=1",
        &token,
    )
    .json();
    let t = enc(first["nextToken"].as_str().unwrap());
    let r = portal(
        &emu,
        &format!("/assignment/roles?account_id=444455556666&next_token={t}"),
        &token,
    );
    assert_portal_error(&r, 400, "InvalidRequestException");
}

#[test]
fn logout_ends_the_session() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let seeded = emu.issue_access_token(Duration::from_secs(3600));
    let r = send(
        emu.port(),
        "POST",
        "/logout",
        &[("x-amz-sso_bearer_token", &seeded.access_token)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(
        portal(&emu, "/assignment/accounts", &seeded.access_token).status,
        401
    );
    let r = crate::client::post_json(
        &emu,
        "/token",
        &serde_json::json!({"grantType": "refresh_token", "clientId": seeded.client_id,
                            "clientSecret": seeded.client_secret, "refreshToken": seeded.refresh_token}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[test]
fn request_log_has_no_secrets() {
    let (emu, token) = start();
    portal(
        &emu,
        "/federation/credentials?role_name=ReadOnlyAccess&account_id=111122223333",
        &token,
    );
    portal(&emu, "/assignment/accounts?max_result=1", "bad");
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].operation, "GetRoleCredentials");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/federation/credentials");
    assert_eq!(
        log[0].query,
        "role_name=ReadOnlyAccess&account_id=111122223333"
    );
    assert_eq!(log[0].status, 200);
    assert_eq!((log[1].operation, log[1].status), ("ListAccounts", 401));
    let dump = format!("{log:?}{:?}{emu:?}", emu.config());
    let secrets = emu.issued_secrets();
    assert!(secrets.len() >= 5);
    for s in &secrets {
        assert!(
            !dump.contains(s.as_str()),
            "a secret leaked into the log or Debug output"
        );
    }
    assert!(!dump.contains("emulator-static-secret-key"));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}
