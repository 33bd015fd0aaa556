use std::time::Duration;

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
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN000000000/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
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
