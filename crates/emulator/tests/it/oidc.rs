use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig, pkce_challenge};
use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

use crate::client::{Resp, enc, get, portal, post_json};

const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";
const START: &str = "https://d-123.awsapps.com/start";

fn start(auto: bool) -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_auto_approve(auto)).expect("start")
}

fn register(emu: &Emulator, extra: Value) -> (String, String, Value) {
    let mut body = json!({"clientName": "botocore-client-test", "clientType": "public"});
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    let r = post_json(emu, "/client/register", &body);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    (
        v["clientId"].as_str().unwrap().to_string(),
        v["clientSecret"].as_str().unwrap().to_string(),
        v,
    )
}

fn poll(emu: &Emulator, cid: &str, sec: &str, device_code: &str) -> Resp {
    post_json(
        emu,
        "/token",
        &json!({"grantType": DEVICE, "clientId": cid, "clientSecret": sec, "deviceCode": device_code}),
    )
}

fn assert_oidc_error(r: &Resp, status: u16, exception: &str, snake: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some(
            format!("{exception}:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/")
                .as_str()
        )
    );
    assert!(r.header("x-amzn-requestid").is_some_and(|v| v.len() == 36));
    let body = r.json();
    assert_eq!(body["error"], snake, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(body.get("__type").is_none() && body.get("message").is_none());
}

fn start_device(emu: &Emulator, cid: &str, sec: &str) -> Value {
    let r = post_json(
        emu,
        "/device_authorization",
        &json!({"clientId": cid, "clientSecret": sec, "startUrl": START}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn device_flow_end_to_end() {
    let emu = start(false);
    let (cid, sec, reg) = register(&emu, json!({"scopes": ["sso:account:access"]}));
    let issued = reg["clientIdIssuedAt"].as_u64().unwrap();
    assert_eq!(
        reg["clientSecretExpiresAt"].as_u64().unwrap() - issued,
        90 * 24 * 3600
    );
    assert!(reg.get("authorizationEndpoint").is_none());

    let dev = start_device(&emu, &cid, &sec);
    let user_code = dev["userCode"].as_str().unwrap();
    let device_code = dev["deviceCode"].as_str().unwrap();
    assert_eq!(dev["verificationUri"], format!("{}/device", emu.url()));
    assert_eq!(
        dev["verificationUriComplete"],
        format!("{}/device?user_code={user_code}", emu.url())
    );
    assert_eq!(dev["expiresIn"], 600);
    assert_eq!(dev["interval"], 1);

    assert_oidc_error(
        &poll(&emu, &cid, &sec, device_code),
        400,
        "AuthorizationPendingException",
        "authorization_pending",
    );
    // Polled again at once: faster than the interval.
    assert_oidc_error(
        &poll(&emu, &cid, &sec, device_code),
        400,
        "SlowDownException",
        "slow_down",
    );

    assert!(emu.approve_device(user_code));
    assert!(!emu.approve_device("NOPE-NOPE"));
    emu.advance(Duration::from_secs(2));
    let r = poll(&emu, &cid, &sec, device_code);
    assert_eq!(r.status, 200, "{}", r.text());
    let tok = r.json();
    assert_eq!(tok["tokenType"], "Bearer");
    assert_eq!(tok["expiresIn"], 8 * 3600);
    assert!(
        tok["refreshToken"].as_str().is_some(),
        "scoped registrations get refresh tokens"
    );
    let access = tok["accessToken"].as_str().unwrap();
    assert_eq!(portal(&emu, "/assignment/accounts", access).status, 200);

    // A device code is good for one token.
    emu.advance(Duration::from_secs(2));
    assert_oidc_error(
        &poll(&emu, &cid, &sec, device_code),
        400,
        "InvalidGrantException",
        "invalid_grant",
    );
    assert_eq!(emu.count("CreateToken"), 4);
    assert_eq!(emu.count("StartDeviceAuthorization"), 1);
}

#[test]
fn device_flow_without_scopes_gets_no_refresh_token_and_the_browser_page_approves() {
    let emu = start(false);
    let (cid, sec, _) = register(&emu, json!({}));
    let dev = start_device(&emu, &cid, &sec);
    let code = dev["userCode"].as_str().unwrap();
    let page = get(&emu, &format!("/device?user_code={code}"), &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("action=approve"));
    let done = get(
        &emu,
        &format!("/device?user_code={code}&action=approve"),
        &[],
    );
    assert_eq!(done.status, 200, "{}", done.text());
    let r = poll(&emu, &cid, &sec, dev["deviceCode"].as_str().unwrap());
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("refreshToken").is_none());
}

#[test]
fn device_flow_denied_expired_and_bad_client() {
    let emu = start(false);
    let (cid, sec, _) = register(&emu, json!({}));
    let dev = start_device(&emu, &cid, &sec);
    assert!(emu.deny_device(dev["userCode"].as_str().unwrap()));
    let dc = dev["deviceCode"].as_str().unwrap();
    assert_oidc_error(
        &poll(&emu, &cid, &sec, dc),
        400,
        "AccessDeniedException",
        "access_denied",
    );

    let dev = start_device(&emu, &cid, &sec);
    emu.advance(Duration::from_secs(601));
    assert_oidc_error(
        &poll(&emu, &cid, &sec, dev["deviceCode"].as_str().unwrap()),
        400,
        "ExpiredTokenException",
        "expired_token",
    );
    assert!(
        !emu.approve_device(dev["userCode"].as_str().unwrap()),
        "expired codes cannot be approved"
    );

    assert_oidc_error(
        &poll(&emu, &cid, "wrong-secret", dc),
        401,
        "InvalidClientException",
        "invalid_client",
    );
    let r = post_json(
        &emu,
        "/device_authorization",
        &json!({"clientId": "nope", "clientSecret": sec, "startUrl": START}),
    );
    assert_oidc_error(&r, 401, "InvalidClientException", "invalid_client");
    let r = post_json(&emu, "/device_authorization", &json!({"clientId": cid}));
    assert_oidc_error(&r, 400, "InvalidRequestException", "invalid_request");
    let r = post_json(
        &emu,
        "/token",
        &json!({"grantType": "password", "clientId": cid, "clientSecret": sec}),
    );
    assert_oidc_error(
        &r,
        400,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
    );
}

#[test]
fn auto_approved_device_flow_answers_pending_once() {
    let emu = start(true);
    let (cid, sec, _) = register(&emu, json!({}));
    let dev = start_device(&emu, &cid, &sec);
    let dc = dev["deviceCode"].as_str().unwrap();
    assert_oidc_error(
        &poll(&emu, &cid, &sec, dc),
        400,
        "AuthorizationPendingException",
        "authorization_pending",
    );
    emu.advance(Duration::from_secs(1));
    assert_eq!(poll(&emu, &cid, &sec, dc).status, 200);
}

#[test]
fn registration_expiry_and_validation() {
    let emu = start(false);
    let r = post_json(
        &emu,
        "/client/register",
        &json!({"clientName": "x", "clientType": "confidential"}),
    );
    assert_oidc_error(
        &r,
        400,
        "InvalidClientMetadataException",
        "invalid_client_metadata",
    );
    let r = post_json(
        &emu,
        "/client/register",
        &json!({"clientName": "x", "clientType": "public", "grantTypes": ["authorization_code"]}),
    );
    assert_oidc_error(
        &r,
        400,
        "InvalidRedirectUriException",
        "invalid_redirect_uri",
    );
    let r = crate::client::send(emu.port(), "POST", "/client/register", &[], b"{not json");
    assert_oidc_error(&r, 400, "InvalidRequestException", "invalid_request");

    let (cid, sec, _) = register(&emu, json!({}));
    emu.advance(Duration::from_secs(90 * 24 * 3600 + 1));
    let r = post_json(
        &emu,
        "/device_authorization",
        &json!({"clientId": cid, "clientSecret": sec, "startUrl": START}),
    );
    assert_oidc_error(&r, 401, "InvalidClientException", "invalid_client");
}

/// Our own S256, independent of the emulator's.
fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

fn pkce_client(emu: &Emulator) -> (String, String) {
    let (cid, sec, reg) = register(
        emu,
        json!({"grantTypes": ["authorization_code", "refresh_token"], "redirectUris": ["http://127.0.0.1/oauth/callback"],
               "scopes": ["sso:account:access"], "issuerUrl": START}),
    );
    assert_eq!(
        reg["authorizationEndpoint"],
        format!("{}/authorize", emu.url())
    );
    assert_eq!(reg["tokenEndpoint"], format!("{}/token", emu.url()));
    (cid, sec)
}

fn authorize_target(
    cid: &str,
    redirect: &str,
    state: &str,
    challenge: &str,
    method: &str,
) -> String {
    format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method={method}&scopes={}&code_challenge={challenge}",
        enc(cid),
        enc(redirect),
        enc(state),
        enc("sso:account:access")
    )
}

/// Splits `Location` into (before `?`, query pairs).
fn location(r: &Resp) -> (String, Vec<(String, String)>) {
    assert_eq!(r.status, 302, "{}", r.text());
    let loc = r.header("location").expect("location");
    let (base, query) = loc.split_once('?').expect("query");
    (
        base.to_string(),
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    )
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn code_token(
    emu: &Emulator,
    cid: &str,
    sec: &str,
    code: &str,
    redirect: &str,
    verifier: &str,
) -> Resp {
    post_json(
        emu,
        "/token",
        &json!({"grantType": "authorization_code", "clientId": cid, "clientSecret": sec,
                "redirectUri": redirect, "codeVerifier": verifier, "code": code}),
    )
}

#[test]
fn pkce_flow_verifies_challenge_redirect_and_single_use() {
    let emu = start(true);
    let (cid, sec) = pkce_client(&emu);
    let verifier = "a".repeat(64);
    assert_eq!(
        challenge(&verifier),
        "_-BU_nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs"
    );
    assert_eq!(pkce_challenge(&verifier), challenge(&verifier));
    let redirect = "http://127.0.0.1:54321/oauth/callback";

    let authorize = |state: &str| {
        let (base, q) = location(&get(
            &emu,
            &authorize_target(&cid, redirect, state, &challenge(&verifier), "S256"),
            &[],
        ));
        assert_eq!(base, redirect);
        assert_eq!(param(&q, "state"), Some(state));
        param(&q, "code").expect("code").to_string()
    };

    // Wrong verifier: refused, and the code is spent.
    let code = authorize("s1");
    let r = code_token(&emu, &cid, &sec, &code, redirect, &"b".repeat(64));
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");
    let r = code_token(&emu, &cid, &sec, &code, redirect, &verifier);
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");

    // Redirect URI must be the one of /authorize.
    let code = authorize("s2");
    let r = code_token(
        &emu,
        &cid,
        &sec,
        &code,
        "http://127.0.0.1:1/oauth/callback",
        &verifier,
    );
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");

    let code = authorize("s3");
    let r = code_token(&emu, &cid, &sec, &code, redirect, &verifier);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["refreshToken"].as_str().is_some());
    let r = code_token(&emu, &cid, &sec, &code, redirect, &verifier);
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");

    // A code is bound to its client.
    let (other, other_sec) = pkce_client(&emu);
    let code = authorize("s4");
    let r = code_token(&emu, &other, &other_sec, &code, redirect, &verifier);
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");
}

#[test]
fn authorize_rejects_bad_requests() {
    let emu = start(true);
    let (cid, _) = pkce_client(&emu);
    let c = challenge("verifier-verifier-verifier-verifier-verifier-x");
    // Unregistered redirect: an error page, never a redirect to it.
    let r = get(
        &emu,
        &authorize_target(&cid, "http://evil.example/cb", "s", &c, "S256"),
        &[],
    );
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    let r = get(
        &emu,
        &authorize_target(&cid, "http://127.0.0.1:9/other/path", "s", &c, "S256"),
        &[],
    );
    assert_eq!(r.status, 400);
    let r = get(
        &emu,
        &authorize_target(
            "unknown",
            "http://127.0.0.1:9/oauth/callback",
            "s",
            &c,
            "S256",
        ),
        &[],
    );
    assert_eq!(r.status, 400);
    let (_, q) = location(&get(
        &emu,
        &authorize_target(&cid, "http://127.0.0.1:9/oauth/callback", "s", &c, "plain"),
        &[],
    ));
    assert_eq!(param(&q, "error"), Some("invalid_request"));
    assert_eq!(param(&q, "state"), Some("s"));
    // A device-flow client cannot use /authorize.
    let (dev_client, _, _) = register(
        &emu,
        json!({"redirectUris": ["http://127.0.0.1/oauth/callback"]}),
    );
    let (_, q) = location(&get(
        &emu,
        &authorize_target(
            &dev_client,
            "http://127.0.0.1:9/oauth/callback",
            "s",
            &c,
            "S256",
        ),
        &[],
    ));
    assert_eq!(param(&q, "error"), Some("unauthorized_client"));
}

#[test]
fn authorize_without_auto_approve_waits_for_a_decision() {
    let emu = start(false);
    let (cid, sec) = pkce_client(&emu);
    let verifier = "v".repeat(50);
    let redirect = "http://127.0.0.1:40000/oauth/callback";
    let page = get(
        &emu,
        &authorize_target(&cid, redirect, "st-1", &challenge(&verifier), "S256"),
        &[],
    );
    assert_eq!(page.status, 200);
    let html = page.text();
    let start = html.find("/authorize/decision?id=").expect("approve link");
    let link: String = html[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect::<String>()
        .replace("&amp;", "&");
    let (base, q) = location(&get(&emu, &link, &[]));
    assert_eq!(base, redirect);
    let code = param(&q, "code").unwrap();
    assert_eq!(
        code_token(&emu, &cid, &sec, code, redirect, &verifier).status,
        200
    );
    // The link is single-use.
    assert_eq!(get(&emu, &link, &[]).status, 404);

    // The test hook decides by state.
    get(
        &emu,
        &authorize_target(&cid, redirect, "st-2", &challenge(&verifier), "S256"),
        &[],
    );
    let denied = emu.decide_authorization("st-2", false).expect("pending");
    assert!(
        denied.starts_with(redirect)
            && denied.contains("error=access_denied")
            && denied.contains("state=st-2")
    );
    assert_eq!(emu.decide_authorization("st-2", true), None);
    get(
        &emu,
        &authorize_target(&cid, redirect, "st-3", &challenge(&verifier), "S256"),
        &[],
    );
    let ok = emu.decide_authorization("st-3", true).expect("pending");
    assert!(ok.contains("code=") && ok.contains("state=st-3"));
}

fn refresh(emu: &Emulator, cid: &str, sec: &str, rt: &str) -> Resp {
    post_json(
        emu,
        "/token",
        &json!({"grantType": "refresh_token", "clientId": cid, "clientSecret": sec, "refreshToken": rt}),
    )
}

#[test]
fn refresh_tokens_rotate() {
    let emu = start(false);
    let seeded = emu.issue_access_token(Duration::from_secs(600));
    assert!(!format!("{seeded:?}").contains(&seeded.access_token));
    assert!(!format!("{seeded:?}").contains(&seeded.client_secret));
    assert_eq!(
        portal(&emu, "/assignment/accounts", &seeded.access_token).status,
        200
    );

    let r = refresh(
        &emu,
        &seeded.client_id,
        &seeded.client_secret,
        &seeded.refresh_token,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let new_rt = v["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(new_rt, seeded.refresh_token);
    assert_eq!(
        portal(
            &emu,
            "/assignment/accounts",
            v["accessToken"].as_str().unwrap()
        )
        .status,
        200
    );

    // The old refresh token is spent.
    let r = refresh(
        &emu,
        &seeded.client_id,
        &seeded.client_secret,
        &seeded.refresh_token,
    );
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");
    // Another client cannot use it.
    let other = emu.issue_access_token(Duration::from_secs(600));
    let r = refresh(&emu, &other.client_id, &other.client_secret, &new_rt);
    assert_oidc_error(&r, 400, "InvalidGrantException", "invalid_grant");
    let r = refresh(&emu, &seeded.client_id, &seeded.client_secret, &new_rt);
    assert_eq!(r.status, 200);
    let newest = r.json()["refreshToken"].as_str().unwrap().to_string();

    // The access token expires by the emulator's clock; the registration later.
    emu.advance(Duration::from_secs(601));
    assert_eq!(
        portal(&emu, "/assignment/accounts", &seeded.access_token).status,
        401
    );
    emu.set_now(seeded.registration_expires_at + Duration::from_secs(1));
    let r = refresh(&emu, &seeded.client_id, &seeded.client_secret, &newest);
    assert_oidc_error(&r, 401, "InvalidClientException", "invalid_client");
}
