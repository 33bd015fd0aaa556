//! The AWS SigV4 test suites (aws-c-auth's `v4` layout and botocore's older layout), every case,
//! every stage: canonical request, string to sign, signature, signed request; header signing and
//! (aws-c-auth `query-*` files) presigning.

use std::path::{Path, PathBuf};
use std::time::Duration;

use awscred_core::sigv4::{self, SignableRequest, Signer, SigningParams};
use awscred_core::{Credentials, time};
use http::{HeaderMap, HeaderName, HeaderValue};

fn testdata(sub: &str) -> Option<PathBuf> {
    // The documented place, then one level up for helpers' worktrees (/work/wt/<branch>).
    let candidates = [
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/sigv4"
        ),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../../shared/testdata/sigv4"
        ),
    ];
    if let Some(dir) = candidates
        .iter()
        .map(|c| Path::new(c).join(sub))
        .find(|d| d.is_dir())
    {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SigV4 test suite `{sub}` missing at {}",
        candidates[0]
    );
    eprintln!(
        "skipping: SigV4 test suite `{sub}` not found at {}",
        candidates[0]
    );
    None
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A raw HTTP/1.1 request as the suites write it.
struct RawRequest {
    method: String,
    /// The request target, possibly with bytes `http::Uri` refuses (spaces).
    target: String,
    /// In order; obsolete line folding (continuation lines) replaced by one space (RFC 9112 §5.2).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse_request(text: &str) -> RawRequest {
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h, b),
        None => (text, ""),
    };
    let mut lines = head.lines().map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().expect("request line");
    // The target may hold spaces: the method ends at the first space, the version starts at the last.
    let (method, rest) = request_line.split_once(' ').expect("method");
    let (target, version) = rest.rsplit_once(' ').expect("version");
    assert!(
        version.starts_with("HTTP/"),
        "request line {request_line:?}"
    );
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers
                .last_mut()
                .expect("continuation line after a header");
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("header line {line:?}"));
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    RawRequest {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

impl RawRequest {
    fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in &self.headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                HeaderValue::from_str(v).expect("header value"),
            );
        }
        map
    }

    /// The request as an `http::Request`, when `http` can hold its target.
    fn to_http(&self) -> Option<http::Request<Vec<u8>>> {
        let uri: http::Uri = self.target.parse().ok()?;
        let mut req = http::Request::builder()
            .method(self.method.as_str())
            .uri(uri);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        Some(req.body(self.body.clone()).expect("request"))
    }
}

/// (lower-case name, value) pairs, sorted: header order is not part of a signature.
fn header_set<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    v.sort();
    v
}

fn map_set(map: &HeaderMap) -> Vec<(String, String)> {
    header_set(
        map.iter()
            .map(|(k, v)| (k.as_str(), v.to_str().expect("ascii header"))),
    )
}

struct Case<'a> {
    name: String,
    raw: RawRequest,
    params: SigningParams<'a>,
}

/// Header signing of one case, checked stage by stage.
fn check_header_signing(
    case: &Case<'_>,
    canonical: &str,
    string_to_sign: &str,
    signature: &str,
    authorization: &str,
    signed: &RawRequest,
) {
    let name = &case.name;
    let headers = case.raw.header_map();
    let signable =
        SignableRequest::new(&case.raw.method, &case.raw.target, &headers, &case.raw.body);

    let got = sigv4::canonical_request(&signable, &case.params).unwrap();
    assert_eq!(got, canonical, "{name}: canonical request");
    let got = sigv4::string_to_sign(&got, &case.params).unwrap();
    assert_eq!(got, string_to_sign, "{name}: string to sign");
    let got = sigv4::signature(&got, &case.params).unwrap();
    assert_eq!(got, signature, "{name}: signature");

    let output = Signer::new().compute(&signable, &case.params).unwrap();
    assert_eq!(output.signature(), signature, "{name}: signer signature");
    assert_eq!(
        output.authorization(),
        authorization,
        "{name}: authorization"
    );

    // The whole signed request, through the raw-target path…
    let mut applied = headers.clone();
    output.apply(&mut applied).unwrap();
    let want = header_set(signed.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(map_set(&applied), want, "{name}: signed request headers");

    // …and through `sign` on an `http::Request`, for every target `http` can represent.
    match case.raw.to_http() {
        Some(mut req) => {
            sigv4::sign(&mut req, &case.params).unwrap();
            assert_eq!(map_set(req.headers()), want, "{name}: sign() headers");
            assert_eq!(req.method().as_str(), signed.method, "{name}");
            assert_eq!(req.uri().to_string(), signed.target, "{name}");
            assert_eq!(req.body(), &signed.body, "{name}: body");
        }
        None => assert!(
            case.raw.target.contains(' '),
            "{name}: only targets with spaces are unrepresentable"
        ),
    }
}

fn load_context<'a>(
    dir: &Path,
    creds_slot: &'a mut Option<Credentials>,
    region: &'a mut String,
    service: &'a mut String,
) -> (SigningParams<'a>, u64) {
    let ctx: serde_json::Value = serde_json::from_str(&read(&dir.join("context.json"))).unwrap();
    let c = &ctx["credentials"];
    let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let creds = Credentials::new(
        s(&c["access_key_id"]).unwrap(),
        s(&c["secret_access_key"]).unwrap(),
        s(&c["token"]),
        None,
    );
    *region = s(&ctx["region"]).unwrap();
    *service = s(&ctx["service"]).unwrap();
    let when = time::parse(ctx["timestamp"].as_str().unwrap()).unwrap();
    let creds = creds_slot.insert(creds);
    let params = SigningParams::new(creds, region, service, when)
        .normalize_path(ctx["normalize"].as_bool().unwrap())
        .sign_body(ctx["sign_body"].as_bool().unwrap())
        .omit_session_token(ctx["omit_session_token"].as_bool().unwrap_or(false));
    (params, ctx["expiration_in_seconds"].as_u64().unwrap())
}

#[test]
fn aws_c_auth_v4_suite() {
    let Some(root) = testdata("aws-c-auth-v4") else {
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut header_cases, mut query_cases) = (0, 0);
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (mut creds, mut region, mut service) = (None, String::new(), String::new());
        let (params, expires) = load_context(dir, &mut creds, &mut region, &mut service);
        let raw = parse_request(&read(&dir.join("request.txt")));
        let case = Case {
            name: name.clone(),
            raw,
            params,
        };

        let signed = parse_request(&read(&dir.join("header-signed-request.txt")));
        let authorization = signed
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .expect("signed request has Authorization");
        check_header_signing(
            &case,
            &read(&dir.join("header-canonical-request.txt")),
            &read(&dir.join("header-string-to-sign.txt")),
            read(&dir.join("header-signature.txt")).trim(),
            &authorization,
            &signed,
        );
        header_cases += 1;

        if dir.join("query-canonical-request.txt").is_file() {
            check_presigning(&case, dir, Duration::from_secs(expires));
            query_cases += 1;
        }
    }
    assert_eq!(header_cases, 38, "every aws-c-auth case ran");
    assert_eq!(query_cases, 38, "every aws-c-auth query case ran");
}

fn check_presigning(case: &Case<'_>, dir: &Path, expires: Duration) {
    let name = &case.name;
    let headers = case.raw.header_map();
    let signable =
        SignableRequest::new(&case.raw.method, &case.raw.target, &headers, &case.raw.body);
    let canonical = sigv4::presigned_canonical_request(&signable, &case.params, expires).unwrap();
    assert_eq!(
        canonical,
        read(&dir.join("query-canonical-request.txt")),
        "{name}: query canonical request"
    );
    let sts = sigv4::string_to_sign(&canonical, &case.params).unwrap();
    assert_eq!(
        sts,
        read(&dir.join("query-string-to-sign.txt")),
        "{name}: query string to sign"
    );
    let sig = sigv4::signature(&sts, &case.params).unwrap();
    assert_eq!(
        sig,
        read(&dir.join("query-signature.txt")).trim(),
        "{name}: query signature"
    );

    let signed = parse_request(&read(&dir.join("query-signed-request.txt")));
    let query = Signer::new()
        .presigned_query(&signable, &case.params, expires)
        .unwrap();
    let path = case
        .raw
        .target
        .split_once('?')
        .map_or(case.raw.target.as_str(), |(p, _)| p);
    assert_eq!(
        format!("{path}?{query}"),
        signed.target,
        "{name}: presigned target"
    );

    if let Some(mut req) = case.raw.to_http() {
        sigv4::presign(&mut req, &case.params, expires).unwrap();
        assert_eq!(
            req.uri().to_string(),
            signed.target,
            "{name}: presign() URI"
        );
        assert_eq!(
            map_set(req.headers()),
            map_set(&signed.header_map()),
            "{name}: presign() leaves headers"
        );
    }
}

/// The botocore copy has no context files: every case is AKIDEXAMPLE, us-east-1, `service`,
/// 20150830T123600Z, normalised paths. The token cases take the token the signed request shows;
/// `post-sts-header-after` adds it after signing (its readme says so).
#[test]
fn botocore_aws4_testsuite() {
    let Some(root) = testdata("botocore-aws4-testsuite") else {
        return;
    };
    let mut reqs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "req") {
                reqs.push(path);
            }
        }
    }
    reqs.sort();
    let when = time::parse("2015-08-30T12:36:00Z").unwrap();
    let mut known_bad_sreq = 0;
    for req_path in &reqs {
        let name = req_path.file_stem().unwrap().to_string_lossy().to_string();
        let sibling = |ext: &str| read(&req_path.with_extension(ext));
        let raw = parse_request(&sibling("req"));
        let signed = parse_request(&sibling("sreq"));
        let token = signed
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-security-token"))
            .map(|(_, v)| v.clone());
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token,
            None,
        );
        let params = SigningParams::new(&creds, "us-east-1", "service", when)
            .omit_session_token(name == "post-sts-header-after");
        let authz = sibling("authz");
        let signature = authz
            .rsplit_once("Signature=")
            .expect("authz has a signature")
            .1
            .trim()
            .to_string();

        // Erratum: this case's .sreq carries get-vanilla's signature, not the one its .authz and
        // .sts lead to; the signed request is checked against the .authz instead.
        let mut signed = signed;
        if name == "get-vanilla-with-session-token" {
            let slot = signed
                .headers
                .iter_mut()
                .find(|(k, _)| k == "Authorization")
                .expect("authorization");
            assert_ne!(slot.1, authz, "the erratum is gone: drop this special case");
            slot.1 = authz.clone();
            known_bad_sreq += 1;
        }
        let case = Case { name, raw, params };
        check_header_signing(
            &case,
            &sibling("creq"),
            &sibling("sts"),
            &signature,
            &authz,
            &signed,
        );
    }
    assert_eq!(reqs.len(), 34, "every botocore case ran");
    assert_eq!(known_bad_sreq, 1);
}
