//! The resolve flows replayed against the traffic aws-config recorded
//! (`shared/testdata/recorded`): each case's environment and home directory, its HTTP exchanges
//! answered in order (method, host, path, query and STS `Action` compared), and its expected
//! credentials, token or error.
//!
//! Time: every case runs at 2021-08-05T18:58:02Z (the `Date` of the recorded answers). The SSO
//! tokens in the fixtures expire in 2080 or 2199, so they are valid and not in a refresh window
//! then; the credentials the services return expire in 2009–2022 and are only compared.
//!
//! Modes: `default-chain-*` resolve without an explicit profile (environment keys would win);
//! `profile-provider-*` exercise aws-config's profile provider, which never looks at
//! environment keys, so they run with the selected profile named explicitly (as `--profile`);
//! `default-token-provider-chain/*` load the SSO token with [`SsoAccessFlow`].

mod resolve_support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use awscred_core::Error;
use awscred_core::config::{Env, Platform, select_profile};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, SsoAccessFlow, TokenTarget};
use awscred_core::retry::{RetryClass, classify, response_error};
use resolve_support::{Driver, Request, Response, at, form_value, query, signing_key_id};
use serde_json::Value;

/// 2021-08-05T18:58:02Z.
const NOW: u64 = 1_628_189_882;

/// The kinds of error we expect where aws-config expects an error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    LoginNeeded,
    Service,
    Process,
}

fn kind_of(e: &Error) -> Option<Kind> {
    match e {
        Error::Config(_) => Some(Kind::Config),
        Error::LoginNeeded { .. } => Some(Kind::LoginNeeded),
        Error::Service(_) | Error::Throttled(_) => Some(Kind::Service),
        Error::Process(_) => Some(Kind::Process),
        _ => None,
    }
}

/// Every error case: the kind of our error, whether our message contains aws-config's text,
/// and, where it does not, why we differ.
const ERROR_CASES: &[(&str, Kind, bool, &str)] = &[
    (
        "default-chain-sso_no_token_file",
        Kind::LoginNeeded,
        false,
        "aws-config reports the failed file read; we say no SSO token was found and name the \
         `awscred login --profile sso-test` command that fixes it",
    ),
    (
        "default-chain-sso_server_error",
        Kind::Service,
        false,
        "aws-config wraps it as a generic provider error; we keep the service error (HTTP 503) \
         after the driver's retries",
    ),
    (
        "profile-provider-credential_process_failure",
        Kind::Process,
        false,
        "we say `the command exited with code 1` (with stderr), aws-config `exited with code exit status: 1`",
    ),
    (
        "profile-provider-credential_process_invalid",
        Kind::Process,
        false,
        "same cause, our wording: `could not parse response: invalid JSON (…)`",
    ),
    (
        "profile-provider-empty_config",
        Kind::Config,
        false,
        "no config at all: aws-config says the provider was not enabled; we say, like botocore, \
         that the profile `default` could not be found",
    ),
    (
        "profile-provider-invalid_config",
        Kind::Config,
        false,
        "our parser's message names the file and line instead of `could not parse profile file`",
    ),
    (
        "profile-provider-invalid_sso_credentials_config",
        Kind::Config,
        true,
        "",
    ),
    ("profile-provider-sso_token", Kind::Config, true, ""),
];

/// Where our successful behaviour differs from aws-config's, per case.
const OK_DIFFERENCES: &[(&str, &str)] = &[
    (
        "profile-provider-*assume_role*/region_override/retry_on_error/e2e_*sts",
        "we send RoleSessionName=botocore-session-<epoch seconds> (the AWS CLI's default), \
         aws-config `assume-role-provider-session`; only Action, RoleArn and the signing key are compared",
    ),
    (
        "profile-provider-e2e_assume_role",
        "run with the profile named explicitly: without it the AWS_ACCESS_KEY_ID in env.json \
         would win, as in botocore's chain",
    ),
];

struct Exchange {
    method: String,
    uri: http::Uri,
    headers: Vec<(String, String)>,
    body: String,
    response: Response,
}

fn exchanges(case: &Path) -> VecDeque<Exchange> {
    let traffic: Value =
        serde_json::from_slice(&std::fs::read(case.join("http-traffic.json")).unwrap()).unwrap();
    let mut by_conn: Vec<(u64, Exchange)> = Vec::new();
    let mut partial: std::collections::BTreeMap<
        u64,
        (Option<Value>, String, Option<Value>, String),
    > = Default::default();
    let mut order = Vec::new();
    for event in traffic["events"].as_array().unwrap() {
        let conn = event["connection_id"].as_u64().unwrap();
        let entry = partial.entry(conn).or_insert_with(|| {
            order.push(conn);
            (None, String::new(), None, String::new())
        });
        let action = &event["action"];
        if let Some(r) = action.get("Request") {
            entry.0 = Some(r["request"].clone());
        } else if let Some(r) = action.get("Response") {
            entry.2 = Some(r["response"]["Ok"].clone());
        } else if let Some(d) = action.get("Data") {
            let text = d["data"]["Utf8"].as_str().unwrap_or_default();
            if d["direction"] == "Request" {
                entry.1.push_str(text);
            } else {
                entry.3.push_str(text);
            }
        }
    }
    for conn in order {
        let (req, body, resp, resp_body) = partial.remove(&conn).unwrap();
        let Some(req) = req else { continue };
        let resp = resp.expect("a recorded request without a response");
        let mut builder = http::Response::builder().status(resp["status"].as_u64().unwrap() as u16);
        for (k, vs) in resp["headers"].as_object().unwrap() {
            for v in vs.as_array().unwrap() {
                builder = builder.header(k.as_str(), v.as_str().unwrap());
            }
        }
        let headers = req["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v[0].as_str().unwrap().to_string()))
            .collect();
        by_conn.push((
            conn,
            Exchange {
                method: req["method"].as_str().unwrap().to_string(),
                uri: req["uri"].as_str().unwrap().parse().unwrap(),
                headers,
                body,
                response: builder.body(resp_body.into_bytes()).unwrap(),
            },
        ));
    }
    by_conn.into_iter().map(|(_, e)| e).collect()
}

/// Checks `request` against the recorded one; panics with the case name on a mismatch.
fn check_request(case: &str, request: &Request, want: &Exchange) {
    assert_eq!(request.method().as_str(), want.method, "{case}: method");
    assert_eq!(request.uri().host(), want.uri.host(), "{case}: host");
    assert_eq!(
        request.uri().port_u16(),
        want.uri.port_u16(),
        "{case}: port"
    );
    let path = |p: &str| {
        if p.is_empty() {
            "/".to_string()
        } else {
            p.to_string()
        }
    };
    assert_eq!(
        path(request.uri().path()),
        path(want.uri.path()),
        "{case}: path"
    );
    let recorded = http::Request::builder()
        .uri(want.uri.clone())
        .body(Vec::new())
        .unwrap();
    assert_eq!(query(request), query(&recorded), "{case}: query");
    if let Some(token) = want
        .headers
        .iter()
        .find(|(k, _)| k == "x-amz-sso_bearer_token")
    {
        assert_eq!(
            request
                .headers()
                .get("x-amz-sso_bearer_token")
                .and_then(|v| v.to_str().ok()),
            Some(token.1.as_str()),
            "{case}: bearer token"
        );
    }
    if !want.body.is_empty() {
        let recorded = http::Request::builder()
            .body(want.body.clone().into_bytes())
            .unwrap();
        for member in ["Action", "RoleArn"] {
            assert_eq!(
                form_value(request, member),
                form_value(&recorded, member),
                "{case}: {member}"
            );
        }
    }
    if let Some((_, auth)) = want.headers.iter().find(|(k, _)| k == "authorization") {
        let recorded_key = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next());
        assert_eq!(
            signing_key_id(request).as_deref(),
            recorded_key,
            "{case}: signed with the source credentials"
        );
    }
}

/// Runs the `credential_process` commands of the fixtures the way `sh -c` would.
fn fake_process(command: &str) -> Result<awscred_core::flow::ProcessOutput, Error> {
    use base64::Engine;
    let out = |status, stdout: Vec<u8>| awscred_core::flow::ProcessOutput {
        status: Some(status),
        stdout,
        stderr: Vec::new(),
    };
    if let Some(rest) = command.strip_prefix("echo ")
        && let Some(b64) = rest.strip_suffix(" | base64 --decode")
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .expect("fixture base64");
        return Ok(out(0, decoded));
    }
    if let Some(text) = command.strip_prefix("echo ") {
        return Ok(out(
            0,
            format!("{}\n", text.trim_matches('\'')).into_bytes(),
        ));
    }
    if let Some(code) = command.strip_prefix("exit ") {
        return Ok(out(code.trim().parse().unwrap(), Vec::new()));
    }
    panic!("a fixture command this test cannot emulate: {command}");
}

fn home_files(dir: &Path, prefix: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let target = prefix.join(path.file_name().unwrap());
        if path.is_dir() {
            home_files(&path, &target, out);
        } else {
            out.push((target, std::fs::read(&path).unwrap()));
        }
    }
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("test-case.json").is_file() && dir.join("env.json").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            cases(&path, out);
        }
    }
}

#[test]
fn recorded_cases_replay() {
    let Some(data) = resolve_support::testdata_dir() else {
        return;
    };
    let root = data.join("recorded");
    let mut all = Vec::new();
    cases(&root, &mut all);
    all.sort();
    assert!(
        all.len() >= 25,
        "expected the recorded cases, found {}",
        all.len()
    );
    let mut error_cases_seen = Vec::new();
    for case in &all {
        let name = case.strip_prefix(&root).unwrap().display().to_string();
        let env_json: Value =
            serde_json::from_slice(&std::fs::read(case.join("env.json")).unwrap()).unwrap();
        let env = Env::from_pairs(
            env_json
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
        );
        let expected: Value =
            serde_json::from_slice(&std::fs::read(case.join("test-case.json")).unwrap()).unwrap();
        let result = &expected["result"];

        let mut driver = Driver::new(at(NOW));
        let home = case.join("fs/home");
        if home.is_dir() {
            let mut files = Vec::new();
            home_files(&home, Path::new("/home"), &mut files);
            driver.files.extend(files);
        }
        let recorded = Rc::new(RefCell::new(exchanges(case)));
        let queue = recorded.clone();
        let case_name = name.clone();
        driver.http = Box::new(move |request| {
            let want = queue.borrow_mut().pop_front().unwrap_or_else(|| {
                panic!(
                    "{case_name}: a request beyond the recording: {}",
                    request.uri()
                )
            });
            check_request(&case_name, request, &want);
            let mut answer = want.response;
            // The driver retries throttled and transient answers; the recording holds the retry.
            loop {
                let retryable = response_error(&answer)
                    .is_some_and(|e| classify(&e) != RetryClass::NotRetryable);
                let mut q = queue.borrow_mut();
                let same = q.front().is_some_and(|next| next.uri == want.uri);
                if !(retryable && same) {
                    break;
                }
                let next = q.pop_front().unwrap();
                check_request(&case_name, request, &next);
                answer = next.response;
            }
            Ok(answer)
        });
        driver.retry = false;
        driver.process = Box::new(fake_process);

        if name.starts_with("default-token-provider-chain") {
            let mut flow = SsoAccessFlow::new(env, TokenTarget::Profile(None), Platform::Unix);
            let access = driver
                .run(&mut flow)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let ok = &result["Ok"];
            assert_eq!(access.access_token, ok["token"].as_str().unwrap(), "{name}");
            assert_eq!(
                awscred_core::time::format_z(access.expires_at),
                ok["expiration"].as_str().unwrap(),
                "{name}"
            );
        } else {
            let mut request = ResolveRequest::new(env.clone());
            request.platform = Platform::Unix;
            if name.starts_with("profile-provider-") {
                request = request.profile(select_profile(&env, None));
            }
            let outcome = driver.run(&mut ResolveFlow::new(request));
            if let Some(ok) = result.get("Ok") {
                let resolved = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
                let c = &resolved.credentials;
                assert_eq!(
                    c.access_key_id(),
                    ok["access_key_id"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    c.secret_access_key(),
                    ok["secret_access_key"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(c.session_token(), ok["session_token"].as_str(), "{name}");
                assert_eq!(c.account_id(), ok["account_id"].as_str(), "{name}");
                let expiry = c.expiry().map(awscred_core::time::epoch_secs);
                assert_eq!(expiry, ok["expiry"].as_u64(), "{name}");
                assert!(!resolved.from_cli_cache, "{name}");
                // Whatever came from a service is now in the AWS CLI cache, readable back.
                if driver.sends() > 0 {
                    let cached: Vec<PathBuf> = driver
                        .writes()
                        .into_iter()
                        .filter(|p| p.starts_with("/home/.aws/cli/cache"))
                        .collect();
                    assert_eq!(cached.len(), 1, "{name}: one cache entry written");
                    let entry =
                        awscred_core::cli_cache::parse_entry(&driver.files[&cached[0]]).unwrap();
                    assert_eq!(&entry, c, "{name}: the cache entry reads back");
                }
            } else {
                let error = outcome
                    .err()
                    .unwrap_or_else(|| panic!("{name}: expected an error"));
                let want = result["ErrorContains"].as_str().unwrap();
                let row = ERROR_CASES
                    .iter()
                    .find(|(n, ..)| *n == name)
                    .unwrap_or_else(|| panic!("{name}: not in ERROR_CASES; we returned {error:?}"));
                assert_eq!(kind_of(&error), Some(row.1), "{name}: {error}");
                assert_eq!(
                    error.to_string().contains(want),
                    row.2,
                    "{name}: `{error}` vs `{want}`"
                );
                assert!(row.2 || !row.3.is_empty(), "{name}: say why we differ");
                error_cases_seen.push(row.0);
            }
        }
        assert!(
            recorded.borrow().is_empty(),
            "{name}: {} recorded requests were not made",
            recorded.borrow().len()
        );
    }
    assert_eq!(
        error_cases_seen.len(),
        ERROR_CASES.len(),
        "every listed error case ran"
    );
    assert!(!OK_DIFFERENCES.is_empty());
}

#[test]
fn no_token_file_names_the_login_command() {
    let Some(data) = resolve_support::testdata_dir() else {
        return;
    };
    let case = data.join("recorded/default-chain-sso_no_token_file");
    let mut driver = Driver::new(at(NOW));
    let mut files = Vec::new();
    home_files(&case.join("fs/home"), Path::new("/home"), &mut files);
    driver.files.extend(files);
    let env = Env::from_pairs([("HOME", "/home"), ("AWS_PROFILE", "sso-test")]);
    let mut request = ResolveRequest::new(env);
    request.platform = Platform::Unix;
    match driver.run(&mut ResolveFlow::new(request)) {
        Err(Error::LoginNeeded {
            reason,
            sso_session,
            profile,
            ..
        }) => {
            assert_eq!(sso_session, None);
            assert_eq!(profile.as_deref(), Some("sso-test"));
            assert!(
                reason
                    .contains("/home/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json"),
                "{reason}"
            );
            assert!(
                reason.contains("https://ssotest.awsapps.com/start"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}
