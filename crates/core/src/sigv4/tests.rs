use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use http::HeaderMap;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2015-08-30T12:36:00Z, the suite's time.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn get_vanilla() -> http::Request<Vec<u8>> {
    http::Request::get("/")
        .header("host", "example.amazonaws.com")
        .body(Vec::new())
        .expect("valid request")
}

#[test]
fn get_vanilla_vector() {
    let creds = Credentials::new(AKID, SECRET, None, None);
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
    let mut req = get_vanilla();
    let canonical =
        canonical_request(&SignableRequest::from_http(&req), &params).expect("canonical");
    assert_eq!(
        canonical,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            .to_string()
            + EMPTY_PAYLOAD_SHA256
    );
    let sts = string_to_sign(&canonical, &params).expect("string to sign");
    assert!(
        sts.ends_with("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
        "{sts}"
    );
    let sig = signature(&sts, &params).expect("signature");
    assert_eq!(
        sig,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );

    sign(&mut req, &params).expect("sign");
    assert_eq!(req.headers()["x-amz-date"], "20150830T123600Z");
    assert_eq!(
        req.headers()["authorization"],
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

fn sts_request(uri: &str) -> http::Request<Vec<u8>> {
    http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .header("user-agent", "awscred/0.1")
        .body(
            b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s"
                .to_vec(),
        )
        .expect("valid request")
}

fn session_creds() -> Credentials {
    Credentials::new(
        "ASIAEXAMPLE",
        "issued-secret",
        Some("issued-token".to_string()),
        None,
    )
}

fn signed_sts() -> (Credentials, http::Request<Vec<u8>>) {
    let creds = session_creds();
    let mut req = sts_request("https://sts.us-east-1.amazonaws.com/");
    sign(
        &mut req,
        &SigningParams::new(&creds, "us-east-1", "sts", suite_time()),
    )
    .expect("sign");
    (creds, req)
}

fn assert_mismatch(result: Result<Authorization, Error>) {
    match result {
        Err(Error::InvalidInput(m)) => assert!(m.starts_with("signature does not match"), "{m}"),
        other => panic!("expected a signature mismatch, got {other:?}"),
    }
}

#[test]
fn signs_an_sts_request_like_botocore() {
    let (_, req) = signed_sts();
    let h = req.headers();
    assert_eq!(h["host"], "sts.us-east-1.amazonaws.com");
    assert_eq!(h["x-amz-security-token"], "issued-token");
    assert!(h.get("x-amz-content-sha256").is_none());
    let auth = h["authorization"].to_str().expect("ascii");
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
        ),
        "{auth}"
    );
}

#[test]
fn verify_accepts_what_sign_produced() {
    let (creds, mut req) = signed_sts();
    let auth = verify(&req, &creds).expect("verifies");
    assert_eq!(auth.access_key_id, "ASIAEXAMPLE");
    assert_eq!(
        (
            auth.date.as_str(),
            auth.region.as_str(),
            auth.service.as_str()
        ),
        ("20150830", "us-east-1", "sts")
    );
    assert_eq!(
        auth.signed_headers,
        ["content-type", "host", "x-amz-date", "x-amz-security-token"]
    );
    // Headers outside the signed list may change in transit.
    req.headers_mut()
        .insert("user-agent", HeaderValue::from_static("proxy/2"));
    req.headers_mut()
        .insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    verify(&req, &creds).expect("unsigned headers do not matter");
}

#[test]
fn verify_rejects_tampering() {
    let (creds, req) = signed_sts();

    let mut body = req.clone();
    body.body_mut().push(b'x');
    assert_mismatch(verify(&body, &creds));

    let mut header = req.clone();
    header
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    assert_mismatch(verify(&header, &creds));

    let mut date = req.clone();
    date.headers_mut()
        .insert("x-amz-date", HeaderValue::from_static("20150830T123601Z"));
    assert_mismatch(verify(&date, &creds));

    let mut path = req.clone();
    *path.uri_mut() = "https://sts.us-east-1.amazonaws.com/?Action=x"
        .parse()
        .expect("uri");
    assert_mismatch(verify(&path, &creds));

    let wrong_secret = Credentials::new(
        "ASIAEXAMPLE",
        "other-secret",
        Some("issued-token".into()),
        None,
    );
    assert_mismatch(verify(&req, &wrong_secret));

    let wrong_token = Credentials::new(
        "ASIAEXAMPLE",
        "issued-secret",
        Some("other-token".into()),
        None,
    );
    assert_mismatch(verify(&req, &wrong_token));

    let wrong_key = Credentials::new(
        "AKIDOTHER",
        "issued-secret",
        Some("issued-token".into()),
        None,
    );
    assert_mismatch(verify(&req, &wrong_key));

    let mut unsigned = req.clone();
    unsigned.headers_mut().remove("authorization");
    assert!(matches!(
        verify(&unsigned, &creds),
        Err(Error::InvalidInput(_))
    ));

    let mut removed = req.clone();
    removed.headers_mut().remove("content-type");
    assert_mismatch(verify(&removed, &creds));
}

#[test]
fn verify_error_never_shows_secrets() {
    let (creds, mut req) = signed_sts();
    req.body_mut().push(b'!');
    let message = verify(&req, &creds).expect_err("tampered").to_string();
    assert!(
        !message.contains("issued-secret") && !message.contains("issued-token"),
        "{message}"
    );
}

#[test]
fn parses_authorization_headers() {
    let auth = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    )
    .expect("valid");
    assert_eq!(auth.access_key_id, "AKIDEXAMPLE");
    assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
    assert_eq!(
        auth.signature,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );

    let sig = "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    for bad in [
        String::new(),
        "AWS4-HMAC-SHA256".to_string(),
        format!("AWS4-HMAC-SHA512 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s, SignedHeaders=host, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/2015083/r/s/aws4_request, SignedHeaders=host, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=x-amz-date;host, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=Host, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, {sig}"),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, {sig}, {sig}"),
        "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=XYZ".to_string(),
        format!("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Extra=1, {sig}"),
    ] {
        assert!(matches!(parse_authorization(&bad), Err(Error::InvalidInput(_))), "{bad}");
    }
}

#[test]
fn signer_matches_sign_and_caches_per_scope() {
    let creds = session_creds();
    let other = Credentials::new("AKID2", "secret-2", None, None);
    let mut signer = Signer::new();
    for (c, region) in [
        (&creds, "us-east-1"),
        (&other, "eu-west-1"),
        (&creds, "us-east-1"),
        (&other, "us-east-1"),
    ] {
        let params = SigningParams::new(c, region, "sts", suite_time());
        let (mut a, mut b) = (
            sts_request("https://sts.amazonaws.com/"),
            sts_request("https://sts.amazonaws.com/"),
        );
        signer.sign(&mut a, &params).expect("signer");
        sign(&mut b, &params).expect("sign");
        assert_eq!(a.headers(), b.headers());
        verify(&a, c).expect("verifies");
    }
}

#[test]
fn host_comes_from_the_uri_with_non_default_ports() {
    let creds = session_creds();
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time());
    for (uri, host) in [
        ("http://127.0.0.1:8080/", "127.0.0.1:8080"),
        ("http://localhost:80/", "localhost"),
        ("https://sts.amazonaws.com:443/", "sts.amazonaws.com"),
        ("https://sts.amazonaws.com:8443/", "sts.amazonaws.com:8443"),
        ("https://user@[::1]:9000/", "[::1]:9000"),
    ] {
        let mut req = sts_request(uri);
        sign(&mut req, &params).expect("sign");
        assert_eq!(req.headers()["host"], host, "{uri}");
        verify(&req, &creds).expect("verifies");
    }
    let mut relative = sts_request("/");
    assert!(matches!(
        sign(&mut relative, &params),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn rejects_unusable_parameters() {
    let creds = session_creds();
    let mut req = sts_request("https://sts.amazonaws.com/");
    for (region, service) in [
        ("", "sts"),
        ("us-east-1", ""),
        ("us/east", "sts"),
        ("us east", "sts"),
        ("r", "s\n"),
    ] {
        let params = SigningParams::new(&creds, region, service, suite_time());
        assert!(
            matches!(sign(&mut req, &params), Err(Error::InvalidInput(_))),
            "{region:?} {service:?}"
        );
    }
    let before_1970 = SigningParams::new(
        &creds,
        "us-east-1",
        "sts",
        UNIX_EPOCH - Duration::from_secs(1),
    );
    assert!(matches!(
        sign(&mut req, &before_1970),
        Err(Error::InvalidInput(_))
    ));
    let bad_token = Credentials::new("A", "s", Some("line\nbreak".into()), None);
    let params = SigningParams::new(&bad_token, "us-east-1", "sts", suite_time());
    let mut untouched = sts_request("https://sts.amazonaws.com/");
    assert!(matches!(
        sign(&mut untouched, &params),
        Err(Error::InvalidInput(_))
    ));
    assert!(untouched.headers().get("authorization").is_none());
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time());
    for expiry in [Duration::ZERO, MAX_PRESIGN_EXPIRY + Duration::from_secs(1)] {
        assert!(matches!(
            presign(&mut req, &params, expiry),
            Err(Error::InvalidInput(_))
        ));
    }
}

#[test]
fn non_utf8_header_values_are_an_error_not_a_panic() {
    let creds = session_creds();
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time());
    let mut req = sts_request("https://sts.amazonaws.com/");
    req.headers_mut().insert(
        "x-odd",
        HeaderValue::from_bytes(b"caf\xe9").expect("obs-text is allowed"),
    );
    match sign(&mut req, &params) {
        Err(Error::InvalidInput(m)) => assert!(m.contains("x-odd"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_redacts_secrets() {
    let (creds, req) = signed_sts();
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time());
    let mut signer = Signer::new();
    let output = signer
        .compute(&SignableRequest::from_http(&req), &params)
        .expect("compute");
    let shown = format!(
        "{params:?} {output:?} {signer:?} {:?}",
        SignableRequest::from_http(&req)
    );
    assert!(
        !shown.contains("issued-secret") && !shown.contains("issued-token"),
        "{shown}"
    );
}

#[test]
fn sign_body_adds_the_content_hash_header() {
    let creds = session_creds();
    let params = SigningParams::new(&creds, "us-east-1", "s3", suite_time()).sign_body(true);
    let mut req = sts_request("https://s3.amazonaws.com/");
    sign(&mut req, &params).expect("sign");
    let body_hash = hex::encode(Sha256::digest(req.body()));
    assert_eq!(req.headers()["x-amz-content-sha256"], body_hash.as_str());
    assert!(
        req.headers()["authorization"]
            .to_str()
            .expect("ascii")
            .contains("x-amz-content-sha256;x-amz-date")
    );
    verify(&req, &creds).expect("verifies");
}

#[test]
fn presigned_requests_carry_the_signature_in_the_query() {
    let creds = session_creds();
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time());
    let mut req = http::Request::get(
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    )
    .body(Vec::new())
    .expect("request");
    presign(&mut req, &params, Duration::from_secs(900)).expect("presign");
    let query = req.uri().query().expect("query");
    assert!(query.starts_with(
        "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
    ));
    assert!(
        query.contains("&X-Amz-Expires=900&X-Amz-Security-Token=issued-token&X-Amz-Signature="),
        "{query}"
    );
    assert!(req.headers().get("authorization").is_none());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn canonical_query_line(target: &str) -> String {
        let creds = Credentials::new(AKID, SECRET, None, None);
        let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("example.com"));
        let signable = SignableRequest::new("GET", target, &headers, b"");
        let canonical = canonical_request(&signable, &params).expect("canonical");
        canonical
            .split('\n')
            .nth(2)
            .expect("query line")
            .to_string()
    }

    fn decoded(s: &str) -> Vec<u8> {
        percent_encoding::percent_decode_str(s).collect()
    }

    /// (key, value) pairs of a query, percent-decoded, sorted. As in botocore, every `&` of a
    /// non-empty query separates a pair, so `a&&b` holds an empty one.
    fn decoded_pairs(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        if query.is_empty() {
            return Vec::new();
        }
        let mut pairs: Vec<_> = query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decoded(k), decoded(v))
            })
            .collect();
        pairs.sort();
        pairs
    }

    proptest! {
        #[test]
        fn signing_never_panics(
            path in "\\PC{0,40}",
            query in "\\PC{0,40}",
            values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..4),
            body in proptest::collection::vec(any::<u8>(), 0..64),
            normalize in any::<bool>(),
        ) {
            let creds = Credentials::new(AKID, SECRET, Some("t".into()), None);
            let params = SigningParams::new(&creds, "us-east-1", "service", suite_time()).normalize_path(normalize);
            let mut headers = HeaderMap::new();
            headers.insert(HOST, HeaderValue::from_static("example.com"));
            for (i, v) in values.iter().enumerate() {
                if let Ok(v) = HeaderValue::from_bytes(v) {
                    headers.append(HeaderName::from_static(["x-a", "x-b"][i % 2]), v);
                }
            }
            let target = format!("/{path}?{query}");
            let signable = SignableRequest::new("GET", &target, &headers, &body);
            let _ = Signer::new().compute(&signable, &params);
            let _ = canonical_request(&signable, &params);
            let _ = presigned_canonical_request(&signable, &params, Duration::from_secs(60));
            if let Ok(uri) = target.parse::<http::Uri>() {
                let mut req = http::Request::get(uri).body(body.clone()).expect("request");
                *req.headers_mut() = headers.clone();
                let mut cached = req.clone();
                let one_shot = sign(&mut req, &params);
                // The one-shot path (derived key, presized buffer) signs as a Signer does.
                let with_signer = Signer::new().sign(&mut cached, &params);
                prop_assert_eq!(one_shot.is_ok(), with_signer.is_ok());
                prop_assert_eq!(req.headers(), cached.headers());
                if one_shot.is_ok() && normalize {
                    prop_assert!(verify(&req, &creds).is_ok());
                }
                let _ = presign(&mut req, &params, Duration::from_secs(60));
            }
        }

        #[test]
        fn query_encoding_round_trips(pairs in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,8}"), 0..6)) {
            let query = crate::encoding::encode_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let line = canonical_query_line(&format!("/?{query}"));
            let mut want: Vec<(Vec<u8>, Vec<u8>)> =
                pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
            want.sort();
            let got = decoded_pairs(&line);
            prop_assert_eq!(got, want);
            // Canonical form uses only unreserved characters, `%XX`, `=` and `&`.
            prop_assert!(line.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b)));
        }

        #[test]
        fn raw_queries_decode_to_the_same_parameters(query in "[a-zA-Z0-9%&=+ ~ሴ._-]{0,30}") {
            let line = canonical_query_line(&format!("/?{query}"));
            prop_assert_eq!(decoded_pairs(&line), decoded_pairs(&query));
        }
    }
}

#[test]
fn any_body_that_is_bytes_signs_alike() {
    let creds = session_creds();
    let params = SigningParams::new(&creds, "us-east-1", "sts", suite_time()).sign_body(true);
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let build = || http::Request::post("https://sts.us-east-1.amazonaws.com/");
    let mut owned = build().body(body.as_bytes().to_vec()).expect("request");
    let mut borrowed = build().body(body.as_bytes()).expect("request");
    let mut text = build().body(body.to_string()).expect("request");
    let mut other = build().body("Action=Other").expect("request");
    sign(&mut owned, &params).expect("sign Vec<u8>");
    sign(&mut borrowed, &params).expect("sign &[u8]");
    Signer::new().sign(&mut text, &params).expect("sign String");
    sign(&mut other, &params).expect("sign &str");
    let auth = |h: &HeaderMap| h["authorization"].clone();
    assert_eq!(auth(owned.headers()), auth(borrowed.headers()));
    assert_eq!(auth(owned.headers()), auth(text.headers()));
    assert_ne!(auth(owned.headers()), auth(other.headers()));
    assert!(verify::verify(&borrowed, &creds).is_ok());
}

#[test]
fn an_empty_query_segment_is_signed_as_botocore_signs_it() {
    // botocore's `_canonical_query_string_url` keeps the empty pair between `&&` as `=`.
    let creds = Credentials::new(AKID, SECRET, None, None);
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
    let req = http::Request::get("/?a=1&&b=2")
        .header("host", "example.amazonaws.com")
        .body(Vec::new())
        .expect("valid request");
    let canonical =
        canonical_request(&SignableRequest::from_http(&req), &params).expect("canonical");
    let query = canonical.lines().nth(2).expect("query line");
    assert_eq!(query, "=&a=1&b=2");
    let mut signed = req;
    sign(&mut signed, &params).expect("sign");
    assert!(verify::verify(&signed, &creds).is_ok());
}

#[test]
fn the_authorization_value_is_sized_exactly() {
    // Filled to capacity, it becomes the header's bytes without another allocation.
    let creds = Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()), None);
    for (region, service) in [("us-east-1", "sts"), ("ap-southeast-2", "execute-api")] {
        let params = SigningParams::new(&creds, region, service, suite_time());
        let req = get_vanilla();
        let out = Signer::new()
            .compute(&SignableRequest::from_http(&req), &params)
            .unwrap();
        assert_eq!(out.authorization.capacity(), out.authorization.len());
    }
}

#[test]
fn a_signer_reuses_nothing_stale() {
    // The date and token values it keeps must follow the request's time and credentials.
    let mut signer = Signer::new();
    let a = Credentials::new("AKIDEXAMPLE", "secret", Some("token-a".into()), None);
    let b = Credentials::new("AKIDEXAMPLE", "secret", Some("token-b".into()), None);
    for (creds, secs) in [(&a, 0), (&a, 1), (&b, 1), (&a, 86_401)] {
        let time = suite_time() + Duration::from_secs(secs);
        let params = SigningParams::new(creds, "us-east-1", "sts", time);
        let mut ours = get_vanilla();
        signer.sign(&mut ours, &params).unwrap();
        let mut fresh = get_vanilla();
        sign(&mut fresh, &params).unwrap();
        assert_eq!(ours.headers(), fresh.headers(), "at +{secs} s");
    }
}
