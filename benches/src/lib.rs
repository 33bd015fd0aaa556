//! Inputs shared by the benchmarks and their sanity checks, so that awscred and each peer are
//! measured on exactly the same bytes.
//!
//! The peers (aws-sigv4, aws-config) are dev-dependencies of this package: only the benches and
//! the `same_signature` test build them, never `cargo test --workspace`.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::Credentials;

/// The STS endpoint every signed request goes to.
pub const STS_URL: &str = "https://sts.us-east-1.amazonaws.com/";
/// The `Host` header of [`STS_URL`].
pub const STS_HOST: &str = "sts.us-east-1.amazonaws.com";
/// The form content type of STS query requests.
pub const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// The AssumeRole form body both signers sign.
pub const ASSUME_ROLE_BODY: &str = "Action=AssumeRole&Version=2011-06-15\
    &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench-deploy\
    &RoleSessionName=botocore-session-1748736000";

/// Fake access key id (the AWS documentation's example form).
pub const ACCESS_KEY_ID: &str = "ASIAIOSFODNN7EXAMPLE";
/// Fake secret key.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// Fake session token, about as long as a real STS one.
pub fn session_token() -> String {
    let mut token = String::from("IQoJb3JpZ2luX2VjEXAMPLE");
    while token.len() < 900 {
        token.push_str("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/");
    }
    token
}

/// The signing time: 2025-06-01T00:00:00Z, fixed so every run signs the same canonical request.
pub fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_748_736_000)
}

/// The credentials the SigV4 benches sign with (session token present).
pub fn credentials() -> Credentials {
    Credentials::new(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        Some(session_token()),
        None,
    )
}

/// The unsigned AssumeRole request, with the `Host` and `Content-Type` headers set so both
/// signers sign the same header list (`content-type;host;x-amz-date;x-amz-security-token`).
pub fn assume_role_request() -> http::Request<Vec<u8>> {
    let mut request = http::Request::new(ASSUME_ROLE_BODY.as_bytes().to_vec());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = http::Uri::from_static(STS_URL);
    let headers = request.headers_mut();
    headers.insert(http::header::HOST, http::HeaderValue::from_static(STS_HOST));
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(FORM),
    );
    request
}

/// How many profiles [`generated_config`] writes.
pub const PROFILES: usize = 200;

/// The profile whose plan is 3 AssumeRole calls deep over static keys:
/// `p199 → p198 → p197 → p196 (static keys)`.
pub const CHAIN_PROFILE: &str = "p199";

/// A generated `(config, credentials)` pair with [`PROFILES`] profiles, cycling every 5:
/// `p5k` SSO (through one of 10 `[sso-session]`s), `p5k+1` static keys (in the credentials
/// file; region and output in the config), `p5k+2..=p5k+4` roles each assuming from the one
/// before, so `p5k+4` is a 3-deep chain. Some profiles point at one of 5 `[services]` sections
/// with nested `sts =` endpoint overrides; comments and blank lines are scattered through.
pub fn generated_config() -> (String, String) {
    let mut config = String::new();
    let mut credentials = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        config,
        "# generated: {PROFILES} profiles\n[default]\nregion = us-east-1\noutput = json\n"
    );
    for s in 0..10 {
        let _ = writeln!(
            config,
            "[sso-session s{s}]\nsso_start_url = https://d-90000000{s}.awsapps.com/start\n\
             sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"
        );
    }
    for k in 0..5 {
        let _ = writeln!(
            config,
            "[services svc{k}]\nsts =\n  endpoint_url = http://localhost:45{k:02}\n\
             s3 =\n  endpoint_url = http://localhost:46{k:02}\n  addressing_style = path\n"
        );
    }
    for i in 0..PROFILES {
        let _ = writeln!(config, "[profile p{i}]");
        match i % 5 {
            0 => {
                let _ = writeln!(
                    config,
                    "sso_session = s{}\nsso_account_id = {:012}\nsso_role_name = Role{i}\nregion = eu-west-1",
                    i % 10,
                    100_000_000_000u64 + i as u64
                );
            }
            1 => {
                let _ = writeln!(config, "region = us-west-2\noutput = json");
                let _ = writeln!(
                    credentials,
                    "[p{i}]\naws_access_key_id = AKIAEXAMPLE{i:09}\n\
                     aws_secret_access_key = secretsecretsecretsecretsecret{i:010}\n"
                );
            }
            _ => {
                let _ = writeln!(
                    config,
                    "role_arn = arn:aws:iam::{:012}:role/chain-{i}\nsource_profile = p{}",
                    200_000_000_000u64 + i as u64,
                    i - 1
                );
                if i % 3 == 0 {
                    let _ = writeln!(config, "role_session_name = session-{i}");
                }
                if i % 7 == 0 {
                    let _ = writeln!(config, "external_id = ext-{i}\nduration_seconds = 1800");
                }
            }
        }
        if i % 4 == 0 {
            let _ = writeln!(config, "services = svc{}", i % 5);
        }
        if i % 10 == 3 {
            let _ = writeln!(config, "; a comment between profiles");
        }
        config.push('\n');
    }
    (config, credentials)
}
