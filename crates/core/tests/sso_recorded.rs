//! GetRoleCredentials against the real SSO portal traffic recorded by aws-config
//! (`shared/testdata/recorded/*/http-traffic.json`): the request built from each case's config
//! and token cache must be the recorded one, and the recorded answer must give the case's result.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::sso::GetRoleCredentials;
use awscred_core::{Endpoint, Operation};
use serde_json::Value;

fn recorded_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/recorded"
    ));
    if dir.is_dir() {
        return Some(dir.to_path_buf());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "test data missing at {}",
        dir.display()
    );
    eprintln!("skipping: {} is missing", dir.display());
    None
}

/// `key = value` of the first section that has `key` (the cases have one SSO profile each).
fn config_value(config: &str, key: &str) -> String {
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in config"))
}

fn cached_access_token(case: &Path) -> String {
    let cache = case.join("fs/home/.aws/sso/cache");
    for entry in std::fs::read_dir(&cache).unwrap() {
        let v: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        if let Some(t) = v["accessToken"].as_str() {
            return t.to_string();
        }
    }
    panic!("no access token in {}", cache.display());
}

struct Recording {
    uri: http::Uri,
    headers: Vec<(String, String)>,
    response: Option<http::Response<Vec<u8>>>,
}

fn recording(case: &Path) -> Recording {
    let traffic: Value =
        serde_json::from_slice(&std::fs::read(case.join("http-traffic.json")).unwrap()).unwrap();
    let mut request = None;
    let mut status = None;
    let mut response_headers = Vec::new();
    let mut body = Vec::new();
    for event in traffic["events"].as_array().unwrap() {
        let action = &event["action"];
        if let Some(r) = action.get("Request") {
            request = Some(r["request"].clone());
        } else if let Some(r) = action.get("Response") {
            let ok = &r["response"]["Ok"];
            status = ok["status"].as_u64();
            for (k, vs) in ok["headers"].as_object().unwrap() {
                for v in vs.as_array().unwrap() {
                    response_headers.push((k.clone(), v.as_str().unwrap().to_string()));
                }
            }
        } else if let Some(d) = action.get("Data").filter(|d| d["direction"] == "Response") {
            body.extend_from_slice(d["data"]["Utf8"].as_str().unwrap().as_bytes());
        }
    }
    let request = request.expect("a recorded request");
    let headers = request["headers"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(k, vs)| {
            vs.as_array()
                .unwrap()
                .iter()
                .map(move |v| (k.to_lowercase(), v.as_str().unwrap().to_string()))
        })
        .collect();
    let response = status.map(|s| {
        let mut b = http::Response::builder().status(s as u16);
        for (k, v) in &response_headers {
            b = b.header(k, v);
        }
        b.body(body).unwrap()
    });
    Recording {
        uri: request["uri"].as_str().unwrap().parse().unwrap(),
        headers,
        response,
    }
}

fn query_set(uri: &http::Uri) -> BTreeSet<String> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .map(String::from)
        .collect()
}

#[test]
fn recorded_portal_traffic_replays() {
    let Some(dir) = recorded_dir() else { return };
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let case = entry.unwrap().path();
        let traffic = std::fs::read_to_string(case.join("http-traffic.json")).unwrap_or_default();
        if !traffic.contains("/federation/credentials") {
            continue;
        }
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let config = std::fs::read_to_string(case.join("fs/home/.aws/config")).unwrap();
        let recorded = recording(&case);
        let base = format!(
            "{}://{}",
            recorded.uri.scheme_str().unwrap(),
            recorded.uri.authority().unwrap()
        );
        let op = GetRoleCredentials {
            endpoint: Endpoint {
                url: base,
                signing_region: config_value(&config, "sso_region"),
            },
            access_token: cached_access_token(&case).into(),
            account_id: config_value(&config, "sso_account_id"),
            role_name: config_value(&config, "sso_role_name"),
        };
        let request = op.request(UNIX_EPOCH).unwrap();
        assert_eq!(request.method().as_str(), "GET", "{name}");
        assert_eq!(request.uri().path(), recorded.uri.path(), "{name}");
        assert_eq!(query_set(request.uri()), query_set(&recorded.uri), "{name}");
        for (k, v) in &recorded.headers {
            if k == "host" {
                assert_eq!(
                    request.uri().authority().map(|a| a.as_str()),
                    Some(v.as_str()),
                    "{name}"
                );
            } else {
                assert_eq!(
                    request.headers().get(k).and_then(|h| h.to_str().ok()),
                    Some(v.as_str()),
                    "{name}: {k}"
                );
            }
        }

        let expected: Value =
            serde_json::from_slice(&std::fs::read(case.join("test-case.json")).unwrap()).unwrap();
        let result = recorded.response.as_ref().map(|r| op.parse(r));
        match (&expected["result"].get("Ok"), result) {
            (Some(want), Some(Ok(creds))) => {
                assert_eq!(creds.access_key_id(), want["access_key_id"], "{name}");
                assert_eq!(
                    creds.secret_access_key(),
                    want["secret_access_key"],
                    "{name}"
                );
                assert_eq!(
                    creds.session_token(),
                    want["session_token"].as_str(),
                    "{name}"
                );
                assert_eq!(creds.account_id(), want["account_id"].as_str(), "{name}");
                let expiry = UNIX_EPOCH + Duration::from_secs(want["expiry"].as_u64().unwrap());
                assert_eq!(creds.expiry(), Some(expiry), "{name}");
            }
            (None, Some(Err(e))) => {
                assert!(expected["result"].get("ErrorContains").is_some(), "{name}");
                assert_eq!(e.code(), Some("503"), "{name}: {e:?}");
            }
            (want, got) => panic!("{name}: expected {want:?}, got {got:?}"),
        }
        replayed += 1;
    }
    assert!(replayed >= 5, "only {replayed} recorded SSO cases found");
}
