//! ResolveFlow and SsoAccessFlow driven by a scripted in-memory driver: every source, the role
//! chain, the AWS CLI cache, the SSO token refresh (windows, lock, failures) and the errors.

mod resolve_support;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use awscred_core::Error;
use awscred_core::cli_cache::{self, SsoKeyPart};
use awscred_core::config::{Env, Platform};
use awscred_core::flow::{Effect, Flow, Input, ProcessOutput, Step};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved, SsoAccessFlow, TokenTarget};
use awscred_core::time::format_z;
use awscred_core::token::token_file_name;
use resolve_support::{
    Driver, Event, Request, Response, assume_role_response, at, create_token_response, form_value,
    query, response, role_credentials, signing_key_id,
};
use sha1::{Digest, Sha1};

/// 2027-01-15T08:00:00Z.
const NOW: u64 = 1_800_000_000;
const CONFIG: &str = "/home/.aws/config";
const CREDENTIALS: &str = "/home/.aws/credentials";
const START_URL: &str = "https://d-123.awsapps.com/start";

fn now() -> SystemTime {
    at(NOW)
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn env(extra: &[(&str, &str)]) -> Env {
    let mut pairs = vec![("HOME", "/home")];
    pairs.extend_from_slice(extra);
    Env::from_pairs(pairs)
}

fn request(extra: &[(&str, &str)]) -> ResolveRequest {
    let mut r = ResolveRequest::new(env(extra));
    r.platform = Platform::Unix;
    r
}

fn token_path(key: &str) -> PathBuf {
    PathBuf::from(format!("/home/.aws/sso/cache/{}", token_file_name(key)))
}

fn lock_path(key: &str) -> PathBuf {
    PathBuf::from(format!("{}.lock", token_path(key).display()))
}

/// A token file as the AWS CLI writes it after a login.
fn token_json(access: &str, expires_at: SystemTime, refreshable: bool) -> String {
    let mut s = format!(
        "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \"{access}\", \
         \"expiresAt\": \"{}\"",
        format_z(expires_at)
    );
    if refreshable {
        s.push_str(&format!(
            ", \"clientId\": \"cid\", \"clientSecret\": \"CLIENTSECRET\", \"registrationExpiresAt\": \"{}\", \
             \"refreshToken\": \"REFRESHTOKEN\"",
            format_z(now() + Duration::from_secs(90 * 86400))
        ));
    }
    s.push('}');
    s
}

const SSO_CONFIG: &str = "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\n\
sso_role_name = Admin\nregion = eu-west-1\n\n[sso-session dev]\nsso_start_url = https://d-123.awsapps.com/start\n\
sso_region = us-east-1\n";

fn sso_cache_path(part: SsoKeyPart<'_>) -> PathBuf {
    let key = cli_cache::sso_cache_key("111122223333", "Admin", part);
    PathBuf::from(format!("/home/.aws/cli/cache/{key}.json"))
}

/// An SSO-session setup whose token has `left` before it expires.
fn sso_driver(left: Duration, refreshable: bool) -> Driver {
    Driver::new(now()).file(CONFIG, SSO_CONFIG).file(
        token_path("dev"),
        token_json("ACCESSTOKEN", now() + left, refreshable),
    )
}

fn is_get_role_credentials(r: &Request) -> bool {
    r.uri().host() == Some("portal.sso.us-east-1.amazonaws.com")
        && r.uri().path() == "/federation/credentials"
}

fn bearer(r: &Request) -> String {
    r.headers()
        .get("x-amz-sso_bearer_token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A portal answering with role credentials `ASIASSO` while the bearer token is `expected`.
fn portal(expected: &'static str) -> impl FnMut(&Request) -> Result<Response, Error> {
    move |r| {
        assert!(is_get_role_credentials(r), "{}", r.uri());
        assert_eq!(bearer(r), expected);
        assert_eq!(
            query(r),
            vec![
                ("account_id".to_string(), "111122223333".to_string()),
                ("role_name".to_string(), "Admin".to_string())
            ]
        );
        Ok(role_credentials("ASIASSO", (NOW + 3600) * 1000))
    }
}

fn resolve(driver: &mut Driver, request: ResolveRequest) -> Result<Resolved, Error> {
    driver.run(&mut ResolveFlow::new(request))
}

#[test]
fn sso_session_profile() {
    let mut d = sso_driver(Duration::from_secs(8 * 3600), true).http(portal("ACCESSTOKEN"));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(r.credentials.secret_access_key(), "SECRET-ASIASSO");
    assert_eq!(r.credentials.session_token(), Some("TOKEN-ASIASSO"));
    assert_eq!(r.credentials.account_id(), Some("111122223333"));
    assert_eq!(r.credentials.expiry(), Some(at(NOW + 3600)));
    assert_eq!(r.profile, "dev");
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    assert!(!r.from_cli_cache);
    assert_eq!(r.refresh_attempted_at, None);
    let cache = sso_cache_path(SsoKeyPart::SessionName("dev"));
    assert_eq!(
        d.events,
        vec![
            Event::Read(CONFIG.into()),
            Event::Read(CREDENTIALS.into()),
            Event::Read(cache.clone()),
            Event::Read(token_path("dev")),
            Event::Send("GET portal.sso.us-east-1.amazonaws.com/federation/credentials".into()),
            Event::Write(cache.clone()),
        ]
    );
    // The AWS CLI's bytes exactly.
    assert_eq!(
        d.text(&cache).unwrap(),
        format!(
            "{{\"ProviderType\": \"sso\", \"Credentials\": {{\"AccessKeyId\": \"ASIASSO\", \"SecretAccessKey\": \
             \"SECRET-ASIASSO\", \"SessionToken\": \"TOKEN-ASIASSO\", \"Expiration\": \"{}\", \"AccountId\": \
             \"111122223333\"}}}}",
            format_z(at(NOW + 3600))
        )
    );
}

#[test]
fn legacy_profile_uses_the_start_url_key_and_never_refreshes() {
    let config = format!(
        "[default]\nsso_start_url = {START_URL}\nsso_region = us-east-1\nsso_account_id = 111122223333\n\
         sso_role_name = Admin\n"
    );
    // Five minutes left: an sso-session token would be refreshed; a legacy one is used as is.
    let mut d = Driver::new(now())
        .file(CONFIG, config)
        .file(
            token_path(START_URL),
            token_json("LEGACYTOKEN", now() + mins(5), true),
        )
        .http(portal("LEGACYTOKEN"));
    let r = resolve(&mut d, request(&[])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(r.refresh_attempted_at, None);
    assert!(!d.events.iter().any(|e| matches!(e, Event::Lock(_))));
    assert!(
        d.writes()
            .contains(&sso_cache_path(SsoKeyPart::StartUrl(START_URL)))
    );

    // Expired: a login is needed, for the profile (there is no session).
    let mut d = Driver::new(now())
        .file(CONFIG, format!("[default]\nsso_start_url = {START_URL}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n"))
        .file(token_path(START_URL), token_json("LEGACYTOKEN", now() - mins(1), true));
    match resolve(&mut d, request(&[])) {
        Err(Error::LoginNeeded {
            reason,
            sso_session: None,
            profile,
            ..
        }) => {
            assert_eq!(profile.as_deref(), Some("default"));
            assert!(reason.contains("expired"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.sends(), 0);
}

/// SSO, then three roles, each AssumeRole signed with the keys the step before returned.
#[test]
fn sso_then_three_roles() {
    let config = format!(
        "{SSO_CONFIG}\n[profile r1]\nrole_arn = arn:aws:iam::111111111111:role/one\nsource_profile = dev\n\
         region = us-west-2\n\n[profile r2]\nrole_arn = arn:aws:iam::222222222222:role/two\nsource_profile = r1\n\
         role_session_name = named\nexternal_id = ext-2\nduration_seconds = 1800\n\n\
         [profile r3]\nrole_arn = arn:aws:iam::333333333333:role/three\nsource_profile = r2\nregion = ap-south-1\n"
    );
    let seen = Rc::new(RefCell::new(Vec::<(String, String, String)>::new()));
    let log = seen.clone();
    let mut d = Driver::new(now())
        .file(CONFIG, config)
        .file(
            token_path("dev"),
            token_json("ACCESSTOKEN", now() + mins(600), true),
        )
        .http(move |r| {
            if is_get_role_credentials(r) {
                return Ok(role_credentials("ASIASSO", (NOW + 3600) * 1000));
            }
            assert_eq!(r.uri().host(), Some("sts.ap-south-1.amazonaws.com"));
            assert_eq!(form_value(r, "Action").as_deref(), Some("AssumeRole"));
            let arn = form_value(r, "RoleArn").unwrap();
            let signer = signing_key_id(r).unwrap();
            let session = form_value(r, "RoleSessionName").unwrap();
            log.borrow_mut().push((arn.clone(), signer, session));
            if arn.ends_with("role/two") {
                assert_eq!(form_value(r, "ExternalId").as_deref(), Some("ext-2"));
                assert_eq!(form_value(r, "DurationSeconds").as_deref(), Some("1800"));
            } else {
                assert_eq!(form_value(r, "ExternalId"), None);
                assert_eq!(form_value(r, "DurationSeconds"), None);
            }
            let (akid, account) = match arn.rsplit('/').next() {
                Some("one") => ("ASIAONE", "111111111111"),
                Some("two") => ("ASIATWO", "222222222222"),
                _ => ("ASIATHREE", "333333333333"),
            };
            Ok(assume_role_response(
                akid,
                account,
                "x",
                &format_z(now() + mins(60)),
            ))
        });
    let r = resolve(&mut d, request(&[]).profile("r3")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIATHREE");
    assert_eq!(r.credentials.account_id(), Some("333333333333"));
    assert_eq!(r.region.as_deref(), Some("ap-south-1"));
    let generated = format!("botocore-session-{NOW}");
    assert_eq!(
        *seen.borrow(),
        vec![
            (
                "arn:aws:iam::111111111111:role/one".into(),
                "ASIASSO".into(),
                generated.clone()
            ),
            (
                "arn:aws:iam::222222222222:role/two".into(),
                "ASIAONE".into(),
                "named".into()
            ),
            (
                "arn:aws:iam::333333333333:role/three".into(),
                "ASIATWO".into(),
                generated
            ),
        ]
    );
    // SSO entry plus one entry per role, named by the AWS CLI's key.
    let writes = d.writes();
    assert_eq!(writes.len(), 4, "{writes:?}");
    let key = |json: &str| {
        format!(
            "/home/.aws/cli/cache/{}.json",
            hex::encode(Sha1::digest(json))
        )
    };
    assert_eq!(
        writes[1],
        PathBuf::from(key("{\"RoleArn\": \"arn:aws:iam::111111111111:role/one\"}"))
    );
    assert_eq!(
        writes[2],
        PathBuf::from(key(
            "{\"DurationSeconds\": 1800, \"ExternalId\": \"ext-2\", \"RoleArn\": \
             \"arn:aws:iam::222222222222:role/two\", \"RoleSessionName\": \"named\"}"
        ))
    );
    let entry = d.text(&writes[3]).unwrap();
    assert!(
        entry.starts_with("{\"Credentials\": {\"AccessKeyId\": \"ASIATHREE\""),
        "{entry}"
    );
    assert!(
        entry.contains(&format!(
            "\"Expiration\": \"{}UTC\"",
            &format_z(now() + mins(60))[..19]
        )),
        "{entry}"
    );
    assert!(
        entry.contains("\"AssumedRoleUser\": {\"AssumedRoleId\": \"AROAEXAMPLE:s\""),
        "{entry}"
    );
    assert!(
        entry.contains("\"ResponseMetadata\": {\"RequestId\": \"req-1\", \"HTTPStatusCode\": 200"),
        "{entry}"
    );
}

#[test]
fn static_keys_then_role() {
    let mut d = Driver::new(now())
        .file(CONFIG, "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = us-east-2\n")
        .file(CREDENTIALS, "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = BASESECRET\n")
        .http(|r| {
            assert_eq!(r.uri().host(), Some("sts.us-east-2.amazonaws.com"));
            assert_eq!(signing_key_id(r).as_deref(), Some("AKIABASE"));
            Ok(assume_role_response("ASIAAPP", "123456789012", "app", "2027-01-15T09:00:00Z"))
        });
    let r = resolve(&mut d, request(&[]).profile("app")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAAPP");
    assert_eq!(r.credentials.expiry(), Some(at(NOW + 3600)));
    assert_eq!(r.credentials.account_id(), Some("123456789012"));
}

fn process_driver(output: ProcessOutput) -> Driver {
    let mut d = Driver::new(now()).file(
        CONFIG,
        "[profile p]\ncredential_process = /usr/bin/get-creds --role x\naws_account_id = 999988887777\n",
    );
    d.process = Box::new(move |command| {
        assert_eq!(command, "/usr/bin/get-creds --role x");
        Ok(output.clone())
    });
    d
}

fn run_process(status: Option<i32>, stdout: &str, stderr: &str) -> Result<Resolved, Error> {
    let mut d = process_driver(ProcessOutput {
        status,
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    });
    resolve(&mut d, request(&[]).profile("p"))
}

fn process_error(status: Option<i32>, stdout: &str, stderr: &str) -> String {
    match run_process(status, stdout, stderr) {
        Err(e @ Error::Process(_)) => {
            let text = e.to_string();
            assert!(text.contains("profile \"p\""), "{text}");
            assert!(!text.contains("PROCESSSECRET"), "{text}");
            text
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn credential_process() {
    let ok = run_process(
        Some(0),
        "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"PROCESSSECRET\", \
         \"SessionToken\": \"T\", \"Expiration\": \"2027-01-15T09:00:00+00:00\"}",
        "",
    )
    .unwrap();
    assert_eq!(ok.credentials.access_key_id(), "ASIAPROC");
    assert_eq!(ok.credentials.expiry(), Some(at(NOW + 3600)));
    assert_eq!(
        ok.credentials.account_id(),
        Some("999988887777"),
        "fallback to aws_account_id"
    );
    let long_term = run_process(
        Some(0),
        "{\"Version\": 1, \"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"PROCESSSECRET\", \"AccountId\": \"111122223333\"}",
        "",
    )
    .unwrap();
    assert_eq!(long_term.credentials.expiry(), None);
    assert_eq!(long_term.credentials.session_token(), None);
    assert_eq!(long_term.credentials.account_id(), Some("111122223333"));

    let e = process_error(
        Some(1),
        "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"PROCESSSECRET\"}",
        "\n  token expired for user bob\nsecond line\n",
    );
    assert!(e.contains("exited with code 1"), "{e}");
    assert!(
        e.contains("token expired for user bob | second line"),
        "{e}"
    );
    assert!(process_error(None, "", "").contains("killed by a signal"));
    let e = process_error(Some(0), "not json PROCESSSECRET", "");
    assert!(e.contains("could not parse response: invalid JSON"), "{e}");
    let e = process_error(
        Some(0),
        "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"PROCESSSECRET\"}",
        "",
    );
    assert!(e.contains("unsupported Version 2"), "{e}");
    let e = process_error(
        Some(0),
        "{\"Version\": \"1\", \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"PROCESSSECRET\"}",
        "",
    );
    assert!(e.contains("unsupported Version"), "{e}");
    let e = process_error(
        Some(0),
        "{\"Version\": 1, \"SecretAccessKey\": \"PROCESSSECRET\"}",
        "",
    );
    assert!(e.contains("missing AccessKeyId"), "{e}");
    let e = process_error(Some(0), "{\"Version\": 1, \"AccessKeyId\": \"A\"}", "");
    assert!(e.contains("missing SecretAccessKey"), "{e}");
    let e = process_error(
        Some(0),
        "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"PROCESSSECRET\", \"Expiration\": \"PROCESSSECRET\"}",
        "",
    );
    assert!(e.contains("Expiration is not"), "{e}");
}

#[test]
fn web_identity() {
    let config = "[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/wi\n\
                  web_identity_token_file = /var/run/token\nrole_session_name = pod\nregion = us-east-1\n";
    let mut d = Driver::new(now())
        .file(CONFIG, config)
        .file("/var/run/token", "eyJWEBTOKEN\n")
        .http(|r| {
            assert_eq!(r.uri().host(), Some("sts.us-east-1.amazonaws.com"));
            assert_eq!(
                form_value(r, "Action").as_deref(),
                Some("AssumeRoleWithWebIdentity")
            );
            assert_eq!(
                form_value(r, "WebIdentityToken").as_deref(),
                Some("eyJWEBTOKEN")
            );
            assert_eq!(form_value(r, "RoleSessionName").as_deref(), Some("pod"));
            assert!(r.headers().get("authorization").is_none(), "unsigned");
            let body = String::from_utf8(
                assume_role_response("ASIAWI", "123456789012", "wi", "2027-01-15T09:00:00Z")
                    .into_body(),
            )
            .unwrap()
            .replace("AssumeRoleResponse", "AssumeRoleWithWebIdentityResponse")
            .replace("AssumeRoleResult", "AssumeRoleWithWebIdentityResult");
            Ok(response(200, body))
        });
    let r = resolve(&mut d, request(&[]).profile("wi")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAWI");
    assert_eq!(r.credentials.account_id(), Some("123456789012"));

    let mut d = Driver::new(now()).file(CONFIG, config);
    match resolve(&mut d, request(&[]).profile("wi")) {
        Err(Error::Config(m)) => {
            assert!(m.contains("/var/run/token") && m.contains("\"wi\""), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn environment_keys_win_without_an_explicit_profile_only() {
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAENV"),
        ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
        ("AWS_PROFILE", "dev"),
    ];
    let mut d = sso_driver(mins(600), true);
    let r = resolve(&mut d, request(&keys)).unwrap();
    assert_eq!(r.credentials.access_key_id(), "AKIAENV");
    assert_eq!(r.profile, "dev");
    assert_eq!(d.sends(), 0);

    let mut d = sso_driver(mins(600), true).http(portal("ACCESSTOKEN"));
    let r = resolve(&mut d, request(&keys).profile("dev")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
}

#[test]
fn cli_cache_is_reused_and_refilled() {
    let cache = sso_cache_path(SsoKeyPart::SessionName("dev"));
    let entry = |akid: &str, left: Duration| {
        format!(
            "{{\"ProviderType\": \"sso\", \"Credentials\": {{\"AccessKeyId\": \"{akid}\", \"SecretAccessKey\": \"S\", \
             \"SessionToken\": \"T\", \"Expiration\": \"{}\", \"AccountId\": \"111122223333\"}}}}",
            format_z(now() + left)
        )
    };
    // 20 minutes left: reused, no token read, no request.
    let mut d = sso_driver(mins(600), true).file(&cache, entry("ASIACACHED", mins(20)));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIACACHED");
    assert!(r.from_cli_cache);
    assert_eq!(d.sends(), 0);
    assert!(!d.events.contains(&Event::Read(token_path("dev"))));

    // 14 minutes left: fetched again and overwritten.
    let mut d = sso_driver(mins(600), true)
        .file(&cache, entry("ASIACACHED", mins(14)))
        .http(portal("ACCESSTOKEN"));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert!(!r.from_cli_cache);
    assert!(d.text(&cache).unwrap().contains("ASIASSO"));

    // use_cli_cache = false: neither read nor written.
    let mut d = sso_driver(mins(600), true)
        .file(&cache, entry("ASIACACHED", mins(60)))
        .http(portal("ACCESSTOKEN"));
    let mut req = request(&[("AWS_PROFILE", "dev")]);
    req.use_cli_cache = false;
    let r = resolve(&mut d, req).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert!(
        !d.events.iter().any(
            |e| matches!(e, Event::Read(p) | Event::Write(p) if p.starts_with("/home/.aws/cli"))
        )
    );

    // A role entry written by the AWS CLI (`UTC` suffix) is reused: no AssumeRole, no SSO.
    let config = format!(
        "{SSO_CONFIG}\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n"
    );
    let role_cache = format!(
        "/home/.aws/cli/cache/{}.json",
        hex::encode(Sha1::digest(
            "{\"RoleArn\": \"arn:aws:iam::123456789012:role/r\"}"
        ))
    );
    let mut d = Driver::new(now()).file(CONFIG, config).file(
        &role_cache,
        format!(
            "{{\"Credentials\": {{\"AccessKeyId\": \"ASIAROLECACHED\", \"SecretAccessKey\": \"S\", \"SessionToken\": \"T\", \
             \"Expiration\": \"{}UTC\"}}, \"AssumedRoleUser\": {{\"AssumedRoleId\": \"AROA:s\", \"Arn\": \
             \"arn:aws:sts::123456789012:assumed-role/r/s\"}}}}",
            &format_z(now() + mins(30))[..19]
        ),
    );
    // As in the AWS CLI, the source is not resolved at all: no token is even read.
    let r = resolve(&mut d, request(&[("AWS_REGION", "us-east-1")]).profile("r")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAROLECACHED");
    assert_eq!(r.credentials.account_id(), Some("123456789012"));
    assert!(r.from_cli_cache);
    assert_eq!(d.sends(), 0, "no GetRoleCredentials, no AssumeRole");
    assert!(!d.events.contains(&Event::Read(token_path("dev"))));
}

/// The outermost cached role of a chain is found before the source is resolved (botocore's
/// deferred source credentials): with `r1` cached, `r2` is assumed with `r1`'s cached keys and
/// the SSO token (here absent) is never needed.
#[test]
fn a_cached_inner_role_spares_the_source() {
    let config = format!(
        "{SSO_CONFIG}\n[profile r1]\nrole_arn = arn:aws:iam::111111111111:role/one\nsource_profile = dev\n\n\
         [profile r2]\nrole_arn = arn:aws:iam::222222222222:role/two\nsource_profile = r1\nregion = us-east-1\n"
    );
    let key = |json: &str| {
        PathBuf::from(format!(
            "/home/.aws/cli/cache/{}.json",
            hex::encode(Sha1::digest(json))
        ))
    };
    let r1_cache = key("{\"RoleArn\": \"arn:aws:iam::111111111111:role/one\"}");
    let r2_cache = key("{\"RoleArn\": \"arn:aws:iam::222222222222:role/two\"}");
    let signers = Rc::new(RefCell::new(Vec::<String>::new()));
    let log = signers.clone();
    let mut d = Driver::new(now())
        .file(CONFIG, config)
        .file(
            &r1_cache,
            format!(
                "{{\"Credentials\": {{\"AccessKeyId\": \"ASIAONECACHED\", \"SecretAccessKey\": \"S\", \
                 \"SessionToken\": \"T\", \"Expiration\": \"{}\"}}}}",
                format_z(now() + mins(40))
            ),
        )
        .http(move |r| {
            assert_eq!(form_value(r, "Action").as_deref(), Some("AssumeRole"));
            log.borrow_mut().push(signing_key_id(r).unwrap_or_default());
            Ok(assume_role_response(
                "ASIATWO",
                "222222222222",
                "x",
                &format_z(now() + mins(60)),
            ))
        });
    let r = resolve(&mut d, request(&[]).profile("r2")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIATWO");
    assert!(!r.from_cli_cache);
    assert_eq!(*signers.borrow(), vec!["ASIAONECACHED".to_string()]);
    assert!(!d.events.contains(&Event::Read(token_path("dev"))));
    assert!(d.text(&r2_cache).unwrap().contains("ASIATWO"));

    // Now r2 is cached too: nothing is sent.
    let r = resolve(&mut d, request(&[]).profile("r2")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIATWO");
    assert!(r.from_cli_cache);
    assert_eq!(d.sends(), 1);
}

#[test]
fn cache_write_failures_do_not_fail_the_resolve() {
    let cache = sso_cache_path(SsoKeyPart::SessionName("dev"));
    let mut d = sso_driver(mins(600), true).http(portal("ACCESSTOKEN"));
    d.failing_writes.push(cache.clone());
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(d.writes(), vec![cache]);
}

/// An OIDC endpoint answering refreshes with `answer`, then the portal expecting `bearer`.
fn refreshing(
    answer: impl Fn() -> Result<Response, Error> + 'static,
    expected_bearer: &'static str,
) -> impl FnMut(&Request) -> Result<Response, Error> {
    let mut portal = portal(expected_bearer);
    move |r| {
        if r.uri().host() == Some("oidc.us-east-1.amazonaws.com") {
            assert_eq!(r.uri().path(), "/token");
            let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
            assert_eq!(body["grantType"], "refresh_token");
            assert_eq!(body["refreshToken"], "REFRESHTOKEN");
            assert_eq!(body["clientId"], "cid");
            assert_eq!(body["clientSecret"], "CLIENTSECRET");
            return answer();
        }
        portal(r)
    }
}

#[test]
fn token_in_the_advisory_window_is_refreshed_and_written() {
    let mut d = sso_driver(mins(12), true).http(refreshing(
        || Ok(create_token_response("NEWTOKEN", 28800, None)),
        "NEWTOKEN",
    ));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(r.refresh_attempted_at, Some(now()));
    let path = token_path("dev");
    let expected_events = [
        Event::Read(path.clone()),
        Event::Lock(lock_path("dev")),
        Event::Read(path.clone()),
        Event::ListOrphans(path.clone()),
        Event::Send("POST oidc.us-east-1.amazonaws.com/token".into()),
        Event::Write(path.clone()),
        Event::Unlock(lock_path("dev")),
        Event::Send("GET portal.sso.us-east-1.amazonaws.com/federation/credentials".into()),
    ];
    let start = d
        .events
        .iter()
        .position(|e| *e == Event::Read(path.clone()))
        .unwrap();
    assert_eq!(
        d.events[start..start + expected_events.len()],
        expected_events
    );
    // The AWS CLI's bytes; the old refresh token kept since the answer had none.
    assert_eq!(
        d.text(&path).unwrap(),
        format!(
            "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \"NEWTOKEN\", \
             \"expiresAt\": \"{}\", \"clientId\": \"cid\", \"clientSecret\": \"CLIENTSECRET\", \
             \"registrationExpiresAt\": \"{}\", \"refreshToken\": \"REFRESHTOKEN\"}}",
            format_z(now() + Duration::from_secs(28800)),
            format_z(now() + Duration::from_secs(90 * 86400))
        )
    );

    // A rotated refresh token replaces the old one.
    let mut d = sso_driver(mins(12), true).http(refreshing(
        || Ok(create_token_response("NEWTOKEN", 28800, Some("ROTATED"))),
        "NEWTOKEN",
    ));
    resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert!(
        d.text(token_path("dev"))
            .unwrap()
            .ends_with("\"refreshToken\": \"ROTATED\"}")
    );
}

#[test]
fn refresh_is_skipped_when_another_process_refreshed_under_the_lock() {
    let mut d = sso_driver(mins(12), true).http(portal("FRESHTOKEN"));
    d.on_lock = Some(Box::new(|files| {
        files.insert(
            token_path("dev"),
            token_json("FRESHTOKEN", at(NOW + 8 * 3600), true).into_bytes(),
        );
    }));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(d.sends(), 1, "no CreateToken");
    assert!(d.events.contains(&Event::Unlock(lock_path("dev"))));
    assert_eq!(r.refresh_attempted_at, None);
}

#[test]
fn one_refresh_attempt_per_minute() {
    let mut d = sso_driver(mins(12), true).http(portal("ACCESSTOKEN"));
    let mut req = request(&[("AWS_PROFILE", "dev")]);
    req.last_refresh_attempt = Some(now() - Duration::from_secs(30));
    let r = resolve(&mut d, req).unwrap();
    assert_eq!(
        d.sends(),
        1,
        "no CreateToken within 60 s of the last attempt"
    );
    assert_eq!(
        r.refresh_attempted_at,
        Some(now() - Duration::from_secs(30))
    );
}

fn service_error(status: u16, code: &str) -> Result<Response, Error> {
    Ok(response(
        status,
        format!("{{\"error\":\"{code}\",\"error_description\":\"nope\"}}"),
    ))
}

#[test]
fn failed_advisory_refresh_keeps_the_old_token() {
    let mut d = sso_driver(mins(12), true).http(refreshing(
        || service_error(400, "invalid_grant"),
        "ACCESSTOKEN",
    ));
    let r = resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(r.refresh_attempted_at, Some(now()));
    assert!(
        !d.writes().contains(&token_path("dev")),
        "the token file is untouched"
    );
    assert!(d.events.contains(&Event::Unlock(lock_path("dev"))));
}

#[test]
fn failed_mandatory_refresh_needs_a_login() {
    for (left, transport) in [(mins(5), false), (mins(5), true)] {
        let mut d = sso_driver(left, true).http(refreshing(
            move || {
                if transport {
                    Err(Error::Transport {
                        kind: awscred_core::TransportKind::Tls,
                        message: "certificate unknown".into(),
                    })
                } else {
                    service_error(400, "invalid_grant")
                }
            },
            "unused",
        ));
        match resolve(&mut d, request(&[("AWS_PROFILE", "dev")])) {
            Err(Error::LoginNeeded {
                reason,
                sso_session,
                ..
            }) => {
                assert_eq!(sso_session.as_deref(), Some("dev"));
                assert!(reason.contains("could not be refreshed"), "{reason}");
                assert!(!reason.contains("REFRESHTOKEN") && !reason.contains("CLIENTSECRET"));
            }
            other => panic!("{other:?}"),
        }
        assert!(d.events.contains(&Event::Unlock(lock_path("dev"))));
    }
}

#[test]
fn expired_token_without_refresh_token_needs_a_login() {
    let mut d = sso_driver(Duration::ZERO, false);
    // Expired one minute ago.
    d.files.insert(
        token_path("dev"),
        token_json("ACCESSTOKEN", now() - mins(1), false).into_bytes(),
    );
    match resolve(&mut d, request(&[("AWS_PROFILE", "dev")])) {
        Err(Error::LoginNeeded {
            reason,
            sso_session,
            ..
        }) => {
            assert_eq!(sso_session.as_deref(), Some("dev"));
            assert!(reason.contains("expired"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.sends(), 0, "an expired token is never sent");

    // Expired but refreshable: a mandatory refresh, then the new token is used.
    let mut d = sso_driver(Duration::ZERO, true).http(refreshing(
        || Ok(create_token_response("NEWTOKEN", 3600, None)),
        "NEWTOKEN",
    ));
    d.files.insert(
        token_path("dev"),
        token_json("ACCESSTOKEN", now() - mins(1), true).into_bytes(),
    );
    assert!(resolve(&mut d, request(&[("AWS_PROFILE", "dev")])).is_ok());

    // Missing or broken token files need a login too.
    let mut d = Driver::new(now()).file(CONFIG, SSO_CONFIG);
    match resolve(&mut d, request(&[("AWS_PROFILE", "dev")])) {
        Err(Error::LoginNeeded {
            reason,
            sso_session,
            ..
        }) => {
            assert_eq!(sso_session.as_deref(), Some("dev"));
            assert!(
                reason.contains("no SSO token found for sso-session \"dev\""),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut d = Driver::new(now())
        .file(CONFIG, SSO_CONFIG)
        .file(token_path("dev"), "{\"accessToken\": \"SECRETTOKEN\"");
    match resolve(&mut d, request(&[("AWS_PROFILE", "dev")])) {
        Err(e @ Error::LoginNeeded { .. }) => assert!(!e.to_string().contains("SECRETTOKEN")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unauthorized_portal_answer_names_the_login_command() {
    let mut d = sso_driver(mins(600), true).http(|_| {
        Ok(response(
            401,
            "{\"message\":\"Session token not found or invalid\",\"__type\":\"com.amazonaws.switchboard.portal#UnauthorizedException\"}",
        ))
    });
    match resolve(&mut d, request(&[("AWS_PROFILE", "dev")])) {
        Err(Error::LoginNeeded { sso_session, .. }) => {
            assert_eq!(sso_session.as_deref(), Some("dev"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mfa_asks_for_the_token_code() {
    let config = "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n\
                  mfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = us-east-1\n";
    let mut d = Driver::new(now())
        .file(CONFIG, config)
        .file(
            CREDENTIALS,
            "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S\n",
        )
        .http(|r| {
            assert_eq!(
                form_value(r, "SerialNumber").as_deref(),
                Some("arn:aws:iam::123456789012:mfa/alice")
            );
            assert_eq!(form_value(r, "TokenCode").as_deref(), Some("123456"));
            Ok(assume_role_response(
                "ASIAMFA",
                "123456789012",
                "admin",
                "2027-01-15T09:00:00Z",
            ))
        });
    d.token_codes.push("123456\n".into());
    let r = resolve(&mut d, request(&[]).profile("admin")).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAMFA");
    assert!(d.events.contains(&Event::AskTokenCode(
        "arn:aws:iam::123456789012:mfa/alice".into()
    )));
    let ask = d
        .events
        .iter()
        .position(|e| matches!(e, Event::AskTokenCode(_)))
        .unwrap();
    let send = d
        .events
        .iter()
        .position(|e| matches!(e, Event::Send(_)))
        .unwrap();
    assert!(ask < send);
}

#[test]
fn sts_without_a_region_is_a_config_error() {
    let mut d = Driver::new(now())
        .file(
            CONFIG,
            "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n",
        )
        .file(
            CREDENTIALS,
            "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S\n",
        );
    match resolve(&mut d, request(&[]).profile("app")) {
        Err(Error::Config(m)) => assert!(m.contains("region") && m.contains("AWS_REGION"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.sends(), 0);
}

#[test]
fn debug_never_shows_secrets() {
    let secrets = [
        "ENVSECRET",
        "ACCESSTOKEN",
        "SECRET-ASIASSO",
        "TOKEN-ASIASSO",
        "REFRESHTOKEN",
        "CLIENTSECRET",
    ];
    let check = |text: String| {
        for s in secrets {
            assert!(!text.contains(s), "{s} in {text}");
        }
    };
    let req = request(&[
        ("AWS_PROFILE", "dev"),
        ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
    ])
    .profile("dev");
    check(format!("{req:?}"));
    let mut d = sso_driver(mins(12), true).http(refreshing(
        || Ok(create_token_response("NEWTOKEN", 3600, None)),
        "NEWTOKEN",
    ));
    let mut flow = ResolveFlow::new(req);
    // Walk the flow by hand, printing it at every step.
    let r = loop {
        check(format!("{flow:?}"));
        let step = flow.next_step(now());
        let input = match step {
            Step::Done(r) => break r,
            Step::Effect(Effect::Read(p)) => Input::File(Ok(d.files.get(&p).cloned())),
            Step::Effect(Effect::Send(req)) => Input::Response((d.http)(&req)),
            Step::Effect(Effect::Write { path, contents }) => {
                d.files.insert(path, contents);
                Input::Written(Ok(()))
            }
            Step::Effect(Effect::Lock(_)) => Input::Locked(Ok(())),
            Step::Effect(Effect::Unlock(_)) => Input::Unlocked,
            Step::Effect(Effect::ListOrphans(_)) => Input::Listed(Ok(Vec::new())),
            _ => panic!("unexpected step"),
        };
        flow.handle(input, now());
    };
    let r = r.unwrap();
    check(format!("{r:?}"));
    check(format!("{flow:?}"));

    let mut d = sso_driver(mins(600), true);
    let mut access = SsoAccessFlow::new(
        env(&[]),
        TokenTarget::SsoSession("dev".into()),
        Platform::Unix,
    );
    let a = d.run(&mut access).unwrap();
    check(format!("{a:?} {access:?}"));
    assert_eq!(a.access_token, "ACCESSTOKEN");
}

#[test]
fn sso_access_flow_loads_and_refreshes() {
    let mut d = sso_driver(mins(5), true).http(refreshing(
        || Ok(create_token_response("NEWTOKEN", 3600, None)),
        "unused",
    ));
    let a = d
        .run(&mut SsoAccessFlow::new(
            env(&[]),
            TokenTarget::SsoSession("dev".into()),
            Platform::Unix,
        ))
        .unwrap();
    assert_eq!(a.access_token, "NEWTOKEN");
    assert_eq!(a.expires_at, now() + Duration::from_secs(3600));
    assert_eq!(a.portal.url, "https://portal.sso.us-east-1.amazonaws.com");
    assert_eq!(a.start_url, START_URL);
    assert_eq!(a.session_name.as_deref(), Some("dev"));
    assert_eq!(a.sso_region, "us-east-1");
    assert_eq!(a.refresh_attempted_at, Some(now()));
    assert!(d.text(token_path("dev")).unwrap().contains("NEWTOKEN"));

    // By profile (selected from the environment), with an endpoint override.
    let mut d = sso_driver(mins(600), true);
    let a = d
        .run(&mut SsoAccessFlow::new(
            env(&[
                ("AWS_PROFILE", "dev"),
                ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9000"),
            ]),
            TokenTarget::Profile(None),
            Platform::Unix,
        ))
        .unwrap();
    assert_eq!(a.access_token, "ACCESSTOKEN");
    assert_eq!(a.portal.url, "http://127.0.0.1:9000");

    // No token: the login command for the session.
    let mut d = Driver::new(now()).file(CONFIG, SSO_CONFIG);
    match d.run(&mut SsoAccessFlow::new(
        env(&[]),
        TokenTarget::Profile(Some("dev".into())),
        Platform::Unix,
    )) {
        Err(Error::LoginNeeded { sso_session, .. }) => {
            assert_eq!(sso_session.as_deref(), Some("dev"))
        }
        other => panic!("{other:?}"),
    }
    // An unknown session is a config error.
    let mut d = Driver::new(now()).file(CONFIG, SSO_CONFIG);
    assert!(matches!(
        d.run(&mut SsoAccessFlow::new(
            env(&[]),
            TokenTarget::SsoSession("nope".into()),
            Platform::Unix
        )),
        Err(Error::Config(_))
    ));
}

#[test]
fn unexpected_inputs_are_errors_not_panics() {
    let wrong = || {
        vec![
            Input::Unlocked,
            Input::Waited,
            Input::Shown,
            Input::Written(Ok(())),
            Input::Response(Ok(response(200, "{}"))),
            Input::TokenCode(Ok("1".into())),
        ]
    };
    for input in wrong() {
        let mut flow = ResolveFlow::new(request(&[]));
        assert!(matches!(
            flow.next_step(now()),
            Step::Effect(Effect::Read(_))
        ));
        flow.handle(input, now());
        match flow.next_step(now()) {
            Step::Done(Err(Error::InvalidInput(m))) => {
                // The one mismatch error every flow gives (`flow::Awaiting::check`).
                assert!(
                    m.starts_with(
                        "the resolve flow was reading the config file and expected Input::File, \
                         but the driver answered Input::"
                    ) && m.ends_with("; this is a bug in the driver"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        // And the flow stays finished.
        assert!(matches!(flow.next_step(now()), Step::Done(Err(_))));
    }
    // Mid-flow: a file where a response is expected.
    let mut d = sso_driver(mins(600), true);
    let mut flow = ResolveFlow::new(request(&[("AWS_PROFILE", "dev")]));
    loop {
        match flow.next_step(now()) {
            Step::Effect(Effect::Read(p)) => {
                flow.handle(Input::File(Ok(d.files.get(&p).cloned())), now())
            }
            Step::Effect(Effect::Send(_)) => flow.handle(Input::File(Ok(None)), now()),
            Step::Done(r) => {
                assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let _ = &mut d;
    // Answering before asking.
    let mut flow = SsoAccessFlow::new(env(&[]), TokenTarget::Profile(None), Platform::Unix);
    flow.handle(Input::Waited, now());
    assert!(matches!(
        flow.next_step(now()),
        Step::Done(Err(Error::InvalidInput(_)))
    ));
}

#[test]
fn missing_home_and_broken_config_are_errors() {
    let mut flow = ResolveFlow::new({
        let mut r = ResolveRequest::new(Env::from_pairs([("AWS_PROFILE", "x")]));
        r.platform = Platform::Unix;
        r
    });
    assert!(matches!(
        flow.next_step(now()),
        Step::Done(Err(Error::Config(_)))
    ));

    let mut d =
        Driver::new(now()).file(CONFIG, "[profile a]\nregion = us-east-1\nno equals sign\n");
    match resolve(&mut d, request(&[]).profile("a")) {
        Err(Error::Config(m)) => assert!(m.contains("/home/.aws/config"), "{m}"),
        other => panic!("{other:?}"),
    }
    // AWS_CONFIG_FILE is honoured.
    let mut d = Driver::new(now()).file(
        "/etc/aws.ini",
        "[profile s]\naws_access_key_id = AKIAFILE\naws_secret_access_key = S\n",
    );
    let r = resolve(
        &mut d,
        request(&[("AWS_CONFIG_FILE", "/etc/aws.ini")]).profile("s"),
    )
    .unwrap();
    assert_eq!(r.credentials.access_key_id(), "AKIAFILE");
    assert_eq!(d.events[0], Event::Read("/etc/aws.ini".into()));
}

#[test]
fn warnings_are_exposed() {
    let mut d = Driver::new(now()).file(
        CONFIG,
        "[profile s]\naws_access_key_id = AKIA\naws_secret_access_key = S\nregion = us-east-1\nregion = us-east-2\n",
    );
    let r = resolve(&mut d, request(&[]).profile("s")).unwrap();
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].line, 5);
}

#[test]
fn a_failed_refresh_attempt_is_reported_even_when_the_resolution_fails() {
    let mut d = sso_driver(mins(5), true)
        .http(refreshing(|| service_error(400, "invalid_grant"), "unused"));
    let mut flow = ResolveFlow::new(request(&[("AWS_PROFILE", "dev")]));
    assert_eq!(flow.refresh_attempted_at(), None);
    assert!(matches!(d.run(&mut flow), Err(Error::LoginNeeded { .. })));
    assert_eq!(flow.refresh_attempted_at(), Some(now()));

    // Nothing under a lock, nothing attempted.
    let mut fresh =
        sso_driver(mins(60), true).http(|_| Ok(role_credentials("ASIAFRESH", 4_000_000_000_000)));
    let mut flow = ResolveFlow::new(request(&[("AWS_PROFILE", "dev")]));
    assert!(fresh.run(&mut flow).is_ok());
    assert_eq!(flow.refresh_attempted_at(), None);
}
