//! STS requests: the form bodies against botocore's (docs/sts.md §1), validation and encoding.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::sts::{
    AssumeRole, AssumeRoleParams, AssumeRoleWithWebIdentity, GetCallerIdentity,
};
use awscred_core::{Credentials, Endpoint, Error, Operation};
use proptest::prelude::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

/// botocore's body for the docs/sts.md §1 call (form encoding: `+` for space).
const BOTOCORE_BODY: &str = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s+e&DurationSeconds=3600&ExternalId=ext&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fu&TokenCode=123456&Policy=%7B%22a%22%3A1%7D&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Tags.member.2.Value=v+2&TransitiveTagKeys.member.1=k1&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnly&SourceIdentity=si";

fn endpoint() -> Endpoint {
    Endpoint {
        url: "https://sts.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    }
}

fn creds() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("SESSIONTOKEN".into()),
        None,
    )
}

/// The docs/sts.md §1 members. `s e` is not a valid session name, so the golden comparison uses a
/// body built from unchecked members; the same call with `s-e` is what validates.
fn wire_params(session: &str) -> AssumeRoleParams {
    AssumeRoleParams::new(ROLE, session)
        .duration_seconds(3600)
        .external_id("ext")
        .mfa("arn:aws:iam::123456789012:mfa/u", "123456")
        .policy("{\"a\":1}")
        .tag("k1", "v1")
        .tag("k2", "v 2")
        .transitive_tag_key("k1")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnly")
        .source_identity("si")
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space), as a server does.
fn decode_form(body: &str) -> Vec<(String, String)> {
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

#[test]
fn assume_role_body_matches_botocore() {
    // Same members, same order, same bytes (`+` for space included).
    let ours = AssumeRole::new(endpoint(), creds(), wire_params("s-e"))
        .body()
        .unwrap();
    let expected = BOTOCORE_BODY.replace("s+e", "s-e");
    assert_eq!(ours, expected);
    assert_eq!(
        decode_form(&ours),
        decode_form(&BOTOCORE_BODY.replace("s+e", "s-e"))
    );
}

#[test]
fn the_session_name_of_the_wire_example_is_refused_before_sending() {
    // `s e` (botocore's example) breaks the model's pattern; STS would answer ValidationError.
    let op = AssumeRole::new(endpoint(), creds(), wire_params("s e"));
    match op.body() {
        Err(Error::InvalidInput(m)) => assert!(m.contains("RoleSessionName"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        op.request(SystemTime::now()),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn minimal_body_matches_the_recorded_rust_request() {
    let params = AssumeRoleParams::new(
        "arn:aws:iam::123456789:role/integration-test",
        "assume-role-provider-session",
    );
    assert_eq!(
        AssumeRole::new(endpoint(), creds(), params).body().unwrap(),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789%3Arole%2Fintegration-test&RoleSessionName=assume-role-provider-session"
    );
}

#[test]
fn reserved_characters_are_all_encoded() {
    let params = AssumeRoleParams::new(ROLE, "ss").policy("*'()! ~+&=");
    let body = AssumeRole::new(endpoint(), creds(), params).body().unwrap();
    assert!(
        body.ends_with("&Policy=%2A%27%28%29%21+~%2B%26%3D"),
        "{body}"
    );
}

#[test]
fn web_identity_request_is_an_unsigned_form_post() {
    let mut op = AssumeRoleWithWebIdentity::new(endpoint(), ROLE, "web-session", "eyJ.token.sig");
    op.duration_seconds = Some(900);
    op.policy_arns = vec!["arn:aws:iam::aws:policy/ReadOnly".into()];
    let req = op
        .request(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert!(req.headers().get("authorization").is_none());
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=web-session&WebIdentityToken=eyJ.token.sig&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnly"
    );
    let dbg = format!("{op:?}");
    assert!(!dbg.contains("eyJ.token.sig"), "{dbg}");
}

#[test]
fn web_identity_token_is_checked_without_being_quoted() {
    let op = AssumeRoleWithWebIdentity::new(endpoint(), ROLE, "web-session", "abc");
    match op.request(SystemTime::now()) {
        Err(Error::InvalidInput(m)) => {
            assert!(m.contains("WebIdentityToken") && !m.contains("abc"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn endpoint_path_and_trailing_slash() {
    let mut e = endpoint();
    e.url = "http://localhost:4566/".into();
    let op = AssumeRoleWithWebIdentity::new(e.clone(), ROLE, "ss", "tokn");
    assert_eq!(
        op.request(SystemTime::now()).unwrap().uri(),
        "http://localhost:4566/"
    );
    e.url = "not a url".into();
    let op = AssumeRoleWithWebIdentity::new(e, ROLE, "ss", "tokn");
    assert!(matches!(
        op.request(SystemTime::now()),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn signed_requests_need_a_signing_region() {
    let mut e = endpoint();
    e.signing_region.clear();
    let op = GetCallerIdentity::new(e, creds());
    assert!(matches!(
        op.request(SystemTime::now()),
        Err(Error::InvalidInput(_))
    ));
}

fn arb_opt_string() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(any::<String>())
}

prop_compose! {
    fn arb_params()(
        role_arn in any::<String>(),
        role_session_name in "[\\w+=,.@ -]{0,70}",
        duration_seconds in proptest::option::of(0u32..50_000),
        external_id in arb_opt_string(),
        serial_number in arb_opt_string(),
        token_code in proptest::option::of("[0-9a]{5,7}"),
        policy in arb_opt_string(),
        policy_arns in proptest::collection::vec(any::<String>(), 0..3),
        tags in proptest::collection::vec((any::<String>(), any::<String>()), 0..55),
        transitive_tag_keys in proptest::collection::vec(any::<String>(), 0..3),
        source_identity in arb_opt_string(),
    ) -> AssumeRoleParams {
        AssumeRoleParams {
            role_arn, role_session_name, duration_seconds, external_id, serial_number,
            token_code: token_code.map(Into::into),
            policy, policy_arns, tags, transitive_tag_keys, source_identity,
        }
    }
}

proptest! {
    #[test]
    fn building_never_panics(params in arb_params()) {
        let op = AssumeRole::new(endpoint(), creds(), params);
        match op.body() {
            Ok(body) => prop_assert!(body.starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn=")),
            Err(Error::InvalidInput(m)) => prop_assert!(!m.is_empty()),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn form_encoding_round_trips(
        session in "[A-Za-z0-9_+=,.@-]{2,64}",
        policy in "\\PC{1,200}",
        tag_value in "[\\p{L}\\p{N} _.:/=+@-]{0,50}",
        external_id in "[A-Za-z0-9_+=,.@:/-]{2,100}",
    ) {
        let params = AssumeRoleParams::new(ROLE, session.clone())
            .policy(policy.clone())
            .tag("k", tag_value.clone())
            .external_id(external_id.clone());
        let body = AssumeRole::new(endpoint(), creds(), params).body().unwrap();
        // Only unreserved characters, `%`, `=`, `&` and `+` (a space) survive encoding.
        prop_assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%=&+".contains(&b)), "{}", body);
        let pairs = decode_form(&body);
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        prop_assert_eq!(get("RoleSessionName"), Some(session));
        prop_assert_eq!(get("Policy"), Some(policy));
        prop_assert_eq!(get("Tags.member.1.Value"), Some(tag_value));
        prop_assert_eq!(get("ExternalId"), Some(external_id));
    }
}

/// Recomputes the SigV4 signature of `req` from its own headers (docs/sigv4.md), independently of the
/// signer, so a body or header changed after signing would show.
fn expected_signature(req: &http::Request<Vec<u8>>, secret: &str) -> String {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    fn mac(key: &[u8], data: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    }
    let auth = req.headers()["authorization"].to_str().unwrap();
    let scope = auth
        .split("Credential=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let scope = scope.split_once('/').unwrap().1; // date/region/service/aws4_request
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        req.method(),
        req.uri().path(),
        req.uri().query().unwrap_or("")
    );
    for name in signed.split(';') {
        let value = match req.headers().get(name) {
            Some(v) => v.to_str().unwrap().to_string(),
            None if name == "host" => req.uri().authority().unwrap().to_string(),
            None => panic!("signed header {name} is not on the request"),
        };
        canonical.push_str(&format!(
            "{name}:{}\n",
            value.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    canonical.push_str(&format!(
        "\n{signed}\n{}",
        hex::encode(Sha256::digest(req.body()))
    ));
    let date = req.headers()["x-amz-date"].to_str().unwrap();
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in scope.split('/') {
        key = mac(&key, part);
    }
    hex::encode(mac(&key, &to_sign))
}

#[test]
fn assume_role_is_signed_with_the_session_token() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 2023-11-14T22:13:20Z
    let op = AssumeRole::new(
        endpoint(),
        creds(),
        AssumeRoleParams::new(ROLE, "ss").tag("k", "v 1"),
    );
    let req = op.request(now).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert_eq!(req.headers()["x-amz-date"], "20231114T221320Z");
    assert_eq!(req.headers()["x-amz-security-token"], "SESSIONTOKEN");
    assert_eq!(req.body(), op.body().unwrap().as_bytes());
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/sts/aws4_request, SignedHeaders="),
        "{auth}"
    );
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    for h in ["content-type", "host", "x-amz-date", "x-amz-security-token"] {
        assert!(
            signed.split(';').any(|s| s == h),
            "{h} not signed: {signed}"
        );
    }
    let signature = auth.rsplit("Signature=").next().unwrap();
    assert_eq!(
        signature,
        expected_signature(&req, creds().secret_access_key())
    );
    assert!(!format!("{op:?}").contains(creds().secret_access_key()));
}

#[test]
fn caller_identity_is_signed_for_the_endpoint_region() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let e = Endpoint {
        url: "https://sts.eu-west-1.amazonaws.com".into(),
        signing_region: "eu-west-1".into(),
    };
    let long_term = Credentials::new("AKIDLONGTERM", "longtermsecret", None, None);
    let req = GetCallerIdentity::new(e, long_term).request(now).unwrap();
    assert_eq!(req.body(), b"Action=GetCallerIdentity&Version=2011-06-15");
    assert!(req.headers().get("x-amz-security-token").is_none());
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("Credential=AKIDLONGTERM/20231114/eu-west-1/sts/aws4_request"),
        "{auth}"
    );
    assert_eq!(
        auth.rsplit("Signature=").next().unwrap(),
        expected_signature(&req, "longtermsecret")
    );
}
