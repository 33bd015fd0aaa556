use std::time::{Duration, SystemTime};

use awscred_core::Credentials;
use awscred_core::sigv4::{SigningParams, sign};

use awscred_emulator::{Emulator, EmulatorConfig, StsTrust};
use base64::Engine;

use crate::client::{Resp, send};

fn form(emu: &Emulator, body: &str, headers: &[(&str, &str)]) -> Resp {
    let mut h = vec![(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    h.extend_from_slice(headers);
    send(emu.port(), "POST", "/", &h, body.as_bytes())
}

fn assert_sts_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.xml("Code").as_deref(), Some(code), "{}", r.text());
    assert!(
        r.text()
            .starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
    );
    assert!(r.xml("Message").is_some_and(|m| !m.is_empty()));
    assert_eq!(r.xml("RequestId").as_deref(), r.header("x-amzn-requestid"));
}

fn jwt(claims: serde_json::Value) -> String {
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b(r#"{"alg":"RS256"}"#),
        b(&claims.to_string()),
        b("sig")
    )
}

const ROLE: &str = "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fweb";

#[test]
fn unsigned_requests_are_refused() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    assert_sts_error(&form(&emu, body, &[]), 403, "MissingAuthenticationToken");
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN000000000/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    assert_sts_error(
        &form(
            &emu,
            body,
            &[("authorization", auth), ("x-amz-date", "20260101T000000Z")],
        ),
        403,
        "InvalidClientTokenId",
    );
    assert_sts_error(
        &form(&emu, body, &[("authorization", "Bearer x")]),
        400,
        "IncompleteSignature",
    );
    assert_sts_error(
        &form(&emu, "Action=DoThings&Version=2011-06-15", &[]),
        400,
        "InvalidAction",
    );
    assert_sts_error(&form(&emu, "Version=2011-06-15", &[]), 400, "MissingAction");
}

#[test]
fn web_identity() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let exp = awscred_core::time::epoch_secs(emu.now()) + 600;
    let token = jwt(
        serde_json::json!({"sub": "system:serviceaccount:ns:sa", "iss": "https://oidc.example", "aud": "sts.amazonaws.com", "exp": exp}),
    );
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={ROLE}&RoleSessionName=s+1&WebIdentityToken={token}"
    );
    // `+` decodes to a space, which is not a valid session name character.
    assert_sts_error(&form(&emu, &body, &[]), 400, "ValidationError");
    let body = body.replace("s+1", "web-session");
    let r = form(&emu, &body, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert_eq!(
        r.xml("Arn").as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/web/web-session")
    );
    assert_eq!(
        r.xml("SubjectFromWebIdentityToken").as_deref(),
        Some("system:serviceaccount:ns:sa")
    );
    assert_eq!(r.xml("Provider").as_deref(), Some("https://oidc.example"));
    assert!(r.xml("AccessKeyId").unwrap().starts_with("ASIA"));
    let expiration = r.xml("Expiration").unwrap();
    assert!(
        expiration.ends_with('Z') && expiration.len() == 20,
        "{expiration}"
    );
    assert!(
        emu.issued_secrets()
            .contains(&r.xml("SecretAccessKey").unwrap())
    );

    let bad = body.replace(ROLE, "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fweb");
    assert_sts_error(&form(&emu, &bad, &[]), 400, "ValidationError");
    emu.advance(Duration::from_secs(601));
    assert_sts_error(&form(&emu, &body, &[]), 400, "ExpiredTokenException");
    let bad = body.replace(&token, "not-a-jwt");
    assert_sts_error(&form(&emu, &bad, &[]), 400, "InvalidIdentityToken");
}

#[test]
fn trust_list_is_enforced() {
    let config = EmulatorConfig {
        roles_for_sts: StsTrust::Only(vec!["arn:aws:iam::111122223333:role/allowed".into()]),
        ..EmulatorConfig::demo()
    };
    let emu = Emulator::start(config).expect("start");
    let token = jwt(serde_json::json!({"sub": "me"}));
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={ROLE}&RoleSessionName=sess&WebIdentityToken={token}"
    );
    assert_sts_error(&form(&emu, &body, &[]), 403, "AccessDenied");
    let ok = body.replace("role%2Fweb", "role%2Fallowed");
    assert_eq!(form(&emu, &ok, &[]).status, 200);
    let short = format!("{ok}&DurationSeconds=899");
    assert_sts_error(&form(&emu, &short, &[]), 400, "ValidationError");
}

fn signed_with(
    emu: &Emulator,
    creds: &Credentials,
    service: &str,
    body: &str,
    sent: &str,
    time: SystemTime,
) -> Resp {
    let mut req = http::Request::builder()
        .method("POST")
        .uri(format!("{}/", emu.url()))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body.as_bytes().to_vec())
        .unwrap();
    sign(
        &mut req,
        &SigningParams::new(creds, "us-east-1", service, time),
    )
    .expect("sign");
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    send(emu.port(), "POST", "/", &refs, sent.as_bytes())
}

pub(crate) fn signed(emu: &Emulator, creds: &Credentials, body: &str) -> Resp {
    signed_with(emu, creds, "sts", body, body, emu.now())
}

pub(crate) const WHOAMI: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn sso_credentials(emu: &Emulator) -> Credentials {
    let token = emu
        .issue_access_token(Duration::from_secs(3600))
        .access_token;
    let r = crate::client::portal(
        emu,
        "/federation/credentials?role_name=ReadOnlyAccess&account_id=111122223333",
        &token,
    );
    let c = &r.json()["roleCredentials"];
    let s = |k: &str| c[k].as_str().unwrap().to_string();
    Credentials::new(
        s("accessKeyId"),
        s("secretAccessKey"),
        Some(s("sessionToken")),
        None,
    )
}

fn assume(arn: &str, session: &str, extra: &str) -> String {
    format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}{extra}",
        crate::client::enc(arn),
        crate::client::enc(session)
    )
}

#[test]
fn sso_credentials_sign_sts_calls_and_chain() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let creds = sso_credentials(&emu);
    let r = signed(&emu, &creds, WHOAMI);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    let arn = r.xml("Arn").unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
            && arn.ends_with("/demo-user@example.com"),
        "{arn}"
    );
    assert_eq!(r.xml("Account").as_deref(), Some("111122223333"));
    assert!(r.xml("UserId").unwrap().starts_with("AROA"));

    let before = emu.now();
    let r = signed(
        &emu,
        &creds,
        &assume(
            "arn:aws:iam::444455556666:role/deploy",
            "ci@run-1",
            "&DurationSeconds=900",
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().starts_with(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        )
    );
    assert_eq!(
        r.xml("Arn").as_deref(),
        Some("arn:aws:sts::444455556666:assumed-role/deploy/ci@run-1")
    );
    let role_id = r.xml("AssumedRoleId").unwrap();
    assert!(
        role_id.starts_with("AROA") && role_id.ends_with(":ci@run-1"),
        "{role_id}"
    );
    let expiration = awscred_core::time::parse(&r.xml("Expiration").unwrap()).unwrap();
    let lifetime = expiration.duration_since(before).unwrap();
    assert!(
        lifetime > Duration::from_secs(895) && lifetime <= Duration::from_secs(900),
        "{lifetime:?}"
    );
    assert_eq!(r.xml("RequestId").as_deref(), r.header("x-amzn-requestid"));

    // The role's credentials sign the next link of the chain.
    let chained = Credentials::new(
        r.xml("AccessKeyId").unwrap(),
        r.xml("SecretAccessKey").unwrap(),
        Some(r.xml("SessionToken").unwrap()),
        None,
    );
    let r = signed(&emu, &chained, WHOAMI);
    assert_eq!(
        r.xml("Arn").as_deref(),
        Some("arn:aws:sts::444455556666:assumed-role/deploy/ci@run-1")
    );
    let r = signed(
        &emu,
        &chained,
        &assume("arn:aws:iam::777788889999:role/path/audit", "second", ""),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.xml("Arn").as_deref(),
        Some("arn:aws:sts::777788889999:assumed-role/audit/second")
    );
    assert_eq!(emu.count("AssumeRole"), 2);
    assert_eq!(emu.count("GetCallerIdentity"), 2);

    assert_sts_error(
        &signed(
            &emu,
            &creds,
            &assume("arn:aws:iam::444455556666:role/deploy", "x", ""),
        ),
        400,
        "ValidationError",
    );
    assert_sts_error(
        &signed(&emu, &creds, &assume("not-an-arn", "ok-session", "")),
        400,
        "ValidationError",
    );
}

#[test]
fn bad_signatures_are_refused() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let creds = sso_credentials(&emu);
    let token = creds.session_token().map(str::to_string);
    let wrong_secret =
        Credentials::new(creds.access_key_id(), "not-the-secret", token.clone(), None);
    let r = signed(&emu, &wrong_secret, WHOAMI);
    assert_sts_error(&r, 403, "SignatureDoesNotMatch");
    assert!(
        r.xml("Message")
            .unwrap()
            .starts_with("The request signature we calculated does not match")
    );
    // Signed one body, sent another.
    let other = assume("arn:aws:iam::444455556666:role/deploy", "sneaky", "");
    assert_sts_error(
        &signed_with(&emu, &creds, "sts", WHOAMI, &other, emu.now()),
        403,
        "SignatureDoesNotMatch",
    );
    assert_sts_error(
        &signed_with(&emu, &creds, "iam", WHOAMI, WHOAMI, emu.now()),
        403,
        "SignatureDoesNotMatch",
    );
    // Without (or with another) session token the key id is not valid.
    let no_token = Credentials::new(creds.access_key_id(), creds.secret_access_key(), None, None);
    assert_sts_error(
        &signed(&emu, &no_token, WHOAMI),
        403,
        "InvalidClientTokenId",
    );
    let unknown = Credentials::new("ASIAUNKNOWNUNKNOWN00", "s", token, None);
    assert_sts_error(&signed(&emu, &unknown, WHOAMI), 403, "InvalidClientTokenId");
    assert_eq!(signed(&emu, &creds, WHOAMI).status, 200);
}

#[test]
fn clock_skew_and_expiry() {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let creds = sso_credentials(&emu);
    let twenty = Duration::from_secs(20 * 60);
    let r = signed_with(&emu, &creds, "sts", WHOAMI, WHOAMI, emu.now() - twenty);
    assert_sts_error(&r, 403, "SignatureDoesNotMatch");
    assert!(
        r.xml("Message").unwrap().starts_with("Signature expired: "),
        "{}",
        r.text()
    );
    let r = signed_with(&emu, &creds, "sts", WHOAMI, WHOAMI, emu.now() + twenty);
    assert!(
        r.xml("Message")
            .unwrap()
            .starts_with("Signature not yet current: "),
        "{}",
        r.text()
    );
    assert_eq!(
        signed_with(
            &emu,
            &creds,
            "sts",
            WHOAMI,
            WHOAMI,
            emu.now() - Duration::from_secs(600)
        )
        .status,
        200
    );

    // Credentials expire by the emulator's clock (one hour).
    emu.advance(Duration::from_secs(3601));
    let r = signed(&emu, &creds, WHOAMI);
    assert_sts_error(&r, 400, "ExpiredToken");
    assert_eq!(
        r.xml("Message").as_deref(),
        Some("The security token included in the request is expired")
    );
}

#[test]
fn static_keys_and_disabled_skew_check() {
    let config = EmulatorConfig {
        max_clock_skew: None,
        ..EmulatorConfig::demo()
    };
    let emu = Emulator::start(config).expect("start");
    let key = Credentials::new(
        "AKIAEMULATORSTATIC01",
        "emulator-static-secret-key",
        None,
        None,
    );
    let day_old = emu.now() - Duration::from_secs(86_400);
    let r = signed_with(&emu, &key, "sts", WHOAMI, WHOAMI, day_old);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.xml("Arn").as_deref(),
        Some("arn:aws:iam::111122223333:user/emulator-static")
    );
    assert!(r.xml("UserId").unwrap().starts_with("AIDA"));
    let r = signed(
        &emu,
        &key,
        &assume("arn:aws:iam::111122223333:role/admin", "from-static", ""),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let bad = Credentials::new("AKIAEMULATORSTATIC01", "guess", None, None);
    assert_sts_error(&signed(&emu, &bad, WHOAMI), 403, "SignatureDoesNotMatch");
}
