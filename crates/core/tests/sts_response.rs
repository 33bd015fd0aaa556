//! STS answers: docs/sts.md §3 and §4 shapes, recorded traffic, and XML the way real readers see it.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::sts::{
    AssumeRole, AssumeRoleParams, AssumeRoleWithWebIdentity, GetCallerIdentity,
};
use awscred_core::{Credentials, Endpoint, Error, Operation, fuzzing};
use proptest::prelude::*;

fn endpoint() -> Endpoint {
    Endpoint {
        url: "https://sts.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    }
}

fn assume_role() -> AssumeRole {
    AssumeRole::new(
        endpoint(),
        Credentials::new("AKID", "SOURCESECRET", None, None),
        AssumeRoleParams::new("arn:aws:iam::123456789012:role/r", "session"),
    )
}

fn web_identity() -> AssumeRoleWithWebIdentity {
    AssumeRoleWithWebIdentity::new(
        endpoint(),
        "arn:aws:iam::123456789012:role/r",
        "session",
        "token",
    )
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.as_bytes().to_vec());
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    r
}

fn at(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const WIRE_EXAMPLE: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROARABCDEFGHIJKLMNOP:assume-role-provider-session</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/integration-test/assume-role-provider-session</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIARTESTID</AccessKeyId>
      <SecretAccessKey>TESTSECRETKEY</SecretAccessKey>
      <SessionToken>TESTSESSIONTOKEN</SessionToken>
      <Expiration>2021-08-05T19:58:02Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c2e971c2-702d-4124-9b1f-1670febbea18</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

#[test]
fn parses_the_wire_example() {
    let out = assume_role().parse(&response(200, WIRE_EXAMPLE)).unwrap();
    let c = &out.credentials;
    assert_eq!(c.access_key_id(), "ASIARTESTID");
    assert_eq!(c.secret_access_key(), "TESTSECRETKEY");
    assert_eq!(c.session_token(), Some("TESTSESSIONTOKEN"));
    assert_eq!(c.expiry(), Some(at(1_628_193_482)));
    assert_eq!(c.account_id(), Some("123456789012"));
    assert_eq!(
        out.assumed_role_id.as_deref(),
        Some("AROARABCDEFGHIJKLMNOP:assume-role-provider-session")
    );
    assert_eq!(
        out.arn.as_deref(),
        Some(
            "arn:aws:sts::123456789012:assumed-role/integration-test/assume-role-provider-session"
        )
    );
    assert_eq!(out.packed_policy_size, None);
    assert_eq!(out.source_identity, None);
    let dbg = format!("{out:?}");
    assert!(
        !dbg.contains("TESTSECRETKEY") && !dbg.contains("TESTSESSIONTOKEN"),
        "{dbg}"
    );
}

#[test]
fn prefixes_entities_cdata_unknown_elements_and_fractions() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<sts:AssumeRoleResponse xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/">
  <!-- a comment -->
  <sts:AssumeRoleResult>
    <sts:SessionTokenSize>1024</sts:SessionTokenSize>
    <sts:Unknown><sts:Credentials><sts:AccessKeyId>DECOY</sts:AccessKeyId></sts:Credentials></sts:Unknown>
    <sts:SourceIdentity>alice&amp;bob</sts:SourceIdentity>
    <sts:PackedPolicySize>6</sts:PackedPolicySize>
    <sts:Credentials>
      <sts:AccessKeyId>
          ASIA&#x41;B
      </sts:AccessKeyId>
      <sts:SecretAccessKey><![CDATA[se<cr>et&]]></sts:SecretAccessKey>
      <sts:SessionToken>to&lt;k&gt;en<sts:Extra a="1"/>2</sts:SessionToken>
      <sts:Expiration>2021-08-05T19:58:02.123Z</sts:Expiration>
      <sts:SessionTokenUtilization>12</sts:SessionTokenUtilization>
    </sts:Credentials>
    <sts:AssumedRoleUser>
      <sts:Arn>arn:aws:sts::210987654321:assumed-role/r/s</sts:Arn>
    </sts:AssumedRoleUser>
  </sts:AssumeRoleResult>
</sts:AssumeRoleResponse>"#;
    let out = assume_role().parse(&response(200, body)).unwrap();
    let c = &out.credentials;
    assert_eq!(c.access_key_id(), "ASIAAB");
    assert_eq!(c.secret_access_key(), "se<cr>et&");
    assert_eq!(c.session_token(), Some("to<k>en2"));
    assert_eq!(
        c.expiry(),
        Some(at(1_628_193_482) + Duration::from_millis(123))
    );
    assert_eq!(c.account_id(), Some("210987654321"));
    assert_eq!(out.assumed_role_id, None);
    assert_eq!(out.packed_policy_size, Some(6));
    assert_eq!(out.source_identity.as_deref(), Some("alice&bob"));
}

#[test]
fn web_identity_result_is_read_from_its_own_wrapper() {
    let body = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Audience>client.example</Audience>
    <SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials><SessionToken>T</SessionToken><SecretAccessKey>S</SecretAccessKey>
      <Expiration>2021-08-05T19:58:02+00:00</Expiration><AccessKeyId>ASIAW</AccessKeyId></Credentials>
    <Provider>accounts.example</Provider>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;
    let out = web_identity().parse(&response(200, body)).unwrap();
    assert_eq!(out.credentials.access_key_id(), "ASIAW");
    assert_eq!(out.credentials.expiry(), Some(at(1_628_193_482)));
    assert_eq!(out.assumed_role_id.as_deref(), Some("AROA:s"));
    // The AssumeRole parser does not take another operation's result.
    match assume_role().parse(&response(200, body)) {
        Err(Error::MalformedResponse { what, .. }) => {
            assert!(
                what.contains("AssumeRoleResult/Credentials/AccessKeyId"),
                "{what}"
            );
            assert!(
                what.contains("<AssumeRoleWithWebIdentityResponse>"),
                "{what}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_or_bad_fields_are_named_never_echoed() {
    let cases = [
        (
            "<SecretAccessKey>TESTSECRETKEY</SecretAccessKey>",
            "",
            "Credentials/SecretAccessKey",
        ),
        (
            "<SessionToken>TESTSESSIONTOKEN</SessionToken>",
            "<SessionToken>  </SessionToken>",
            "Credentials/SessionToken",
        ),
        (
            "<Expiration>2021-08-05T19:58:02Z</Expiration>",
            "",
            "Credentials/Expiration",
        ),
        (
            "2021-08-05T19:58:02Z",
            "tomorrow",
            "`tomorrow` is not an ISO 8601 timestamp",
        ),
        (
            "<AccessKeyId>ASIARTESTID</AccessKeyId>",
            "<AccessKeyId/>",
            "Credentials/AccessKeyId",
        ),
    ];
    for (from, to, want) in cases {
        let body = WIRE_EXAMPLE.replace(from, to);
        match assume_role().parse(&response(200, &body)) {
            Err(
                e @ Error::MalformedResponse {
                    operation: "AssumeRole",
                    ..
                },
            ) => {
                let text = e.to_string();
                assert!(text.contains(want), "{text}");
                assert!(
                    !text.contains("TESTSECRETKEY") && !text.contains("TESTSESSIONTOKEN"),
                    "{text}"
                );
            }
            other => panic!("{want}: {other:?}"),
        }
    }
    for body in [
        &WIRE_EXAMPLE[..WIRE_EXAMPLE.len() / 2],
        "",
        "not xml",
        "{\"json\":1}",
    ] {
        match assume_role().parse(&response(200, body)) {
            Err(Error::MalformedResponse { what, .. }) => {
                assert!(!what.contains("TESTSECRETKEY"), "{what}")
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn error_answers_become_service_errors() {
    let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message>
  </Error>
  <RequestId>4e0f2a9b-0000-4000-8000-000000000000</RequestId>
</ErrorResponse>"#;
    let e = assume_role().parse(&response(403, body)).unwrap_err();
    let s = e.service_error().expect("a service error");
    assert_eq!((s.status, s.code.as_str()), (403, "SignatureDoesNotMatch"));
    assert!(s.message.starts_with("The request signature we calculated"));
    assert_eq!(
        s.request_id.as_deref(),
        Some("4e0f2a9b-0000-4000-8000-000000000000")
    );
    assert!(!awscred_core::sts::is_expired_token(&e));

    let expired = body.replace("SignatureDoesNotMatch", "ExpiredToken");
    let e = assume_role().parse(&response(400, &expired)).unwrap_err();
    assert!(matches!(e, Error::Service(_)), "{e:?}");
    assert!(awscred_core::sts::is_expired_token(&e));
    let e = web_identity()
        .parse(&response(
            400,
            &body.replace("SignatureDoesNotMatch", "ExpiredTokenException"),
        ))
        .unwrap_err();
    assert!(awscred_core::sts::is_expired_token(&e));

    let e = assume_role()
        .parse(&response(
            400,
            &body.replace("SignatureDoesNotMatch", "Throttling"),
        ))
        .unwrap_err();
    assert!(matches!(e, Error::Throttled(_)), "{e:?}");

    // The recorded 503 with an empty body.
    let e = assume_role().parse(&response(503, "")).unwrap_err();
    assert_eq!(e.service_error().map(|s| s.status), Some(503));
}

#[test]
fn caller_identity() {
    let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>
    <UserId>AROAEXAMPLE:s</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
    let op = GetCallerIdentity::new(endpoint(), Credentials::new("AKID", "S", None, None));
    let out = op.parse(&response(200, body)).unwrap();
    assert_eq!(out.account, "123456789012");
    assert_eq!(out.arn, "arn:aws:sts::123456789012:assumed-role/r/s");
    assert_eq!(out.user_id, "AROAEXAMPLE:s");
    match op.parse(&response(
        200,
        &body.replace("<Account>123456789012</Account>", ""),
    )) {
        Err(Error::MalformedResponse { what, .. }) => assert!(what.contains("Account"), "{what}"),
        other => panic!("{other:?}"),
    }
    assert!(
        op.parse(&response(403, "<ErrorResponse/>"))
            .unwrap_err()
            .service_error()
            .is_some()
    );
}

fn testdata() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/recorded"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "test data missing at {}",
            dir.display()
        );
        eprintln!("skipping: no test data at {}", dir.display());
        None
    }
}

/// Every AssumeRole answer in the recorded traffic parses; where the case's expected result is
/// the last role's credentials, they match it exactly.
#[test]
fn recorded_assume_role_answers() {
    let Some(dir) = testdata() else { return };
    let mut parsed = 0;
    for case in std::fs::read_dir(&dir).unwrap() {
        let case = case.unwrap().path();
        let Ok(traffic) = std::fs::read_to_string(case.join("http-traffic.json")) else {
            continue;
        };
        let traffic: serde_json::Value = serde_json::from_str(&traffic).unwrap();
        let mut status = 0u16;
        let mut last = None;
        for event in traffic["events"].as_array().unwrap() {
            let action = &event["action"];
            if let Some(s) = action["Response"]["response"]["Ok"]["status"].as_u64() {
                status = s as u16;
            }
            let data = &action["Data"];
            if data["direction"] == "Response" {
                let body = data["data"]["Utf8"].as_str().unwrap_or_default();
                if body.contains("AssumeRoleResponse") {
                    let out = assume_role().parse(&response(status, body));
                    last = Some(out.unwrap_or_else(|e| panic!("{}: {e}", case.display())));
                    parsed += 1;
                }
            }
        }
        let Some(last) = last else { continue };
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("test-case.json")).unwrap())
                .unwrap();
        let ok = &expected["result"]["Ok"];
        if ok.is_object() {
            let c = &last.credentials;
            assert_eq!(
                Some(c.access_key_id()),
                ok["access_key_id"].as_str(),
                "{}",
                case.display()
            );
            assert_eq!(
                Some(c.secret_access_key()),
                ok["secret_access_key"].as_str()
            );
            assert_eq!(c.session_token(), ok["session_token"].as_str());
            assert_eq!(c.account_id(), ok["account_id"].as_str());
            assert_eq!(c.expiry(), ok["expiry"].as_u64().map(at));
        }
    }
    assert!(
        parsed >= 8,
        "only {parsed} recorded AssumeRole answers found"
    );
}

#[test]
fn fuzz_body_accepts_the_seeds() {
    fuzzing::sts_xml::run(WIRE_EXAMPLE.as_bytes());
    fuzzing::sts_xml::run(b"<a><b>&bogus;</b></a>");
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::sts_xml::run(&bytes);
    }

    #[test]
    fn mangled_answers_never_panic(cut in 0usize..1200, insert in "[<>&/!\\[\\]a-z;#x0-9 ]{0,8}") {
        let mut body = WIRE_EXAMPLE.to_string();
        let at = cut.min(body.len());
        if body.is_char_boundary(at) {
            body.insert_str(at, &insert);
        }
        fuzzing::sts_xml::run(body.as_bytes());
        let _ = assume_role().parse(&response(200, &body));
    }
}
