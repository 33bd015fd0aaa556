//! The logout flow driven step by step by a scripted fake driver: files in a map, canned HTTP
//! answers per host. No I/O.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use awscred_core::flow::{Effect, Flow, Input, Step};
use awscred_core::logout::{LogoutFlow, LogoutOutcome, LogoutRequest};
use awscred_core::{EndpointConfig, Error, TransportKind};

const TOKEN_DIR: &str = "/home/u/.aws/sso/cache";
const CLI_DIR: &str = "/home/u/.aws/cli/cache";
const NOW: u64 = 1_795_338_000;

const TOKEN_EAST: &str = "ACCESSTOKEN-east-zzz";
const TOKEN_WEST: &str = "ACCESSTOKEN-west-zzz";
const TOKEN_NO_REGION: &str = "ACCESSTOKEN-noregion-zzz";
const TOKEN_BAD_REGION: &str = "ACCESSTOKEN-badregion-zzz";

fn token_file(name: &str) -> PathBuf {
    Path::new(TOKEN_DIR).join(name)
}

fn cli_file(name: &str) -> PathBuf {
    Path::new(CLI_DIR).join(name)
}

type Answer = Result<http::Response<Vec<u8>>, Error>;

struct Driver {
    files: BTreeMap<PathBuf, Vec<u8>>,
    /// Answers by request authority (host).
    answers: HashMap<String, Answer>,
    unreadable: Vec<PathBuf>,
    failing_removals: Vec<PathBuf>,
    listing_error: Option<Error>,
    /// `(URL, bearer token)` of every request sent.
    sent: Vec<(String, String)>,
}

impl Driver {
    fn new() -> Self {
        Driver {
            files: BTreeMap::new(),
            answers: HashMap::new(),
            unreadable: Vec::new(),
            failing_removals: Vec::new(),
            listing_error: None,
            sent: Vec::new(),
        }
    }

    fn put(&mut self, path: PathBuf, contents: &str) -> &mut Self {
        self.files.insert(path, contents.as_bytes().to_vec());
        self
    }

    fn run(&mut self, flow: &mut LogoutFlow) -> Result<LogoutOutcome, Error> {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
        for _ in 0..1000 {
            let shown = format!("{flow:?}");
            for secret in [TOKEN_EAST, TOKEN_WEST, TOKEN_NO_REGION, TOKEN_BAD_REGION] {
                assert!(!shown.contains(secret), "a token leaked into {shown}");
            }
            let input = match flow.next_step(now) {
                Step::Effect(Effect::List(dir)) => match self.listing_error.take() {
                    Some(e) => Input::Listed(Err(e)),
                    None => Input::Listed(Ok(self
                        .files
                        .keys()
                        .filter(|p| p.parent() == Some(dir.as_path()))
                        .filter(|p| p.extension().is_some_and(|e| e == "json"))
                        .cloned()
                        .collect())),
                },
                Step::Effect(Effect::Read(p)) if self.unreadable.contains(&p) => {
                    Input::File(Err(Error::Io {
                        path: p.display().to_string(),
                        message: "permission denied".into(),
                    }))
                }
                Step::Effect(Effect::Read(p)) => Input::File(Ok(self.files.get(&p).cloned())),
                Step::Effect(Effect::Send(request)) => {
                    assert_eq!(request.method(), http::Method::POST);
                    assert!(request.body().is_empty());
                    let token = request
                        .headers()
                        .get("x-amz-sso_bearer_token")
                        .expect("Logout carries the token")
                        .to_str()
                        .unwrap()
                        .to_string();
                    let host = request.uri().authority().unwrap().to_string();
                    self.sent.push((request.uri().to_string(), token));
                    let answer = self
                        .answers
                        .remove(&host)
                        .unwrap_or_else(|| panic!("no canned answer for {host}"));
                    Input::Response(answer)
                }
                Step::Effect(Effect::Remove(p)) if self.failing_removals.contains(&p) => {
                    Input::Written(Err(Error::Io {
                        path: p.display().to_string(),
                        message: "operation not permitted".into(),
                    }))
                }
                Step::Effect(Effect::Remove(p)) => {
                    self.files.remove(&p);
                    Input::Written(Ok(()))
                }
                Step::Done(result) => return result,
                other => panic!("the logout flow asked for an unexpected step: {other:?}"),
            };
            flow.handle(input, now);
        }
        panic!("the flow did not finish");
    }
}

fn flow() -> LogoutFlow {
    LogoutFlow::new(LogoutRequest {
        token_dir: TOKEN_DIR.into(),
        cli_cache_dir: CLI_DIR.into(),
        sso_endpoint: EndpointConfig::default(),
    })
}

fn status(code: u16) -> Answer {
    Ok(http::Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(b"{\"message\":\"Session token not found or invalid\"}".to_vec())
        .unwrap())
}

const REGISTRATION: &str = "{\"clientId\": \"cid\", \"clientSecret\": \"CLIENTSECRET-zzz\", \
                            \"expiresAt\": \"2027-02-20T02:00:00Z\"}";
const SSO_ENTRY: &str = "{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": \"ASIA1\", \
                         \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", \
                         \"Expiration\": \"2026-11-22T10:00:00Z\"}}";
const ASSUME_ROLE_ENTRY: &str = "{\"Credentials\": {\"AccessKeyId\": \"ASIA2\", \
                                 \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", \
                                 \"Expiration\": \"2026-11-22T10:00:00UTC\"}}";

fn token(access_token: &str, region: Option<&str>) -> String {
    let region = region.map_or(String::new(), |r| format!(", \"region\": \"{r}\""));
    format!(
        "{{\"startUrl\": \"https://d-123.awsapps.com/start\"{region}, \"accessToken\": \
         \"{access_token}\", \"expiresAt\": \"2026-11-22T17:00:00Z\"}}"
    )
}

#[test]
fn logout_invalidates_and_deletes_tokens_and_sso_role_credentials_only() {
    let mut d = Driver::new();
    d.put(
        token_file("a-east.json"),
        &token(TOKEN_EAST, Some("us-east-1")),
    )
    .put(
        token_file("b-west.json"),
        &token(TOKEN_WEST, Some("eu-west-1")),
    )
    .put(token_file("c-noregion.json"), &token(TOKEN_NO_REGION, None))
    .put(token_file("d-registration.json"), REGISTRATION)
    .put(token_file("e-garbage.json"), "not json {")
    .put(cli_file("sso.json"), SSO_ENTRY)
    .put(cli_file("role.json"), ASSUME_ROLE_ENTRY)
    .put(cli_file("broken.json"), "[");
    d.answers
        .insert("portal.sso.us-east-1.amazonaws.com".into(), status(200));
    // A rejected token is deleted all the same.
    d.answers
        .insert("portal.sso.eu-west-1.amazonaws.com".into(), status(401));

    let outcome = d.run(&mut flow()).unwrap();

    assert_eq!(
        d.sent,
        [
            (
                "https://portal.sso.us-east-1.amazonaws.com/logout".to_string(),
                TOKEN_EAST.to_string()
            ),
            (
                "https://portal.sso.eu-west-1.amazonaws.com/logout".to_string(),
                TOKEN_WEST.to_string()
            ),
        ]
    );
    assert_eq!(
        outcome,
        LogoutOutcome {
            sessions_logged_out: 3,
            files_removed: vec![
                token_file("a-east.json"),
                token_file("b-west.json"),
                token_file("c-noregion.json"),
                cli_file("sso.json"),
            ],
        }
    );
    let left: Vec<&PathBuf> = d.files.keys().collect();
    assert_eq!(
        left,
        [
            &cli_file("broken.json"),
            &cli_file("role.json"),
            &token_file("d-registration.json"),
            &token_file("e-garbage.json"),
        ]
    );
}

#[test]
fn logout_failures_of_any_kind_do_not_keep_the_token() {
    let mut d = Driver::new();
    d.put(token_file("a.json"), &token(TOKEN_EAST, Some("us-east-1")));
    d.answers.insert(
        "portal.sso.us-east-1.amazonaws.com".into(),
        Err(Error::Transport {
            kind: TransportKind::Connect,
            message: "connection refused".into(),
        }),
    );
    let outcome = d.run(&mut flow()).unwrap();
    assert_eq!(outcome.sessions_logged_out, 1);
    assert!(d.files.is_empty());
}

#[test]
fn a_token_whose_region_is_no_region_is_deleted_without_a_call() {
    let mut d = Driver::new();
    d.put(
        token_file("a.json"),
        &token(TOKEN_BAD_REGION, Some("evil.example.com/x")),
    );
    let outcome = d.run(&mut flow()).unwrap();
    assert!(d.sent.is_empty());
    assert_eq!(outcome.files_removed, [token_file("a.json")]);
}

#[test]
fn the_endpoint_settings_apply_to_each_region() {
    let mut d = Driver::new();
    d.put(token_file("a.json"), &token(TOKEN_EAST, Some("us-east-1")));
    d.answers.insert(
        "portal.sso-fips.us-east-1.amazonaws.com".into(),
        status(200),
    );
    let mut flow = LogoutFlow::new(LogoutRequest {
        token_dir: TOKEN_DIR.into(),
        cli_cache_dir: CLI_DIR.into(),
        sso_endpoint: EndpointConfig {
            region: Some("ignored-1".into()),
            use_fips: true,
            ..EndpointConfig::default()
        },
    });
    d.run(&mut flow).unwrap();
    assert_eq!(
        d.sent[0].0,
        "https://portal.sso-fips.us-east-1.amazonaws.com/logout"
    );
}

#[test]
fn unreadable_files_are_skipped() {
    let mut d = Driver::new();
    d.put(token_file("a.json"), &token(TOKEN_NO_REGION, None))
        .put(cli_file("sso.json"), SSO_ENTRY);
    d.unreadable = vec![token_file("a.json"), cli_file("sso.json")];
    let outcome = d.run(&mut flow()).unwrap();
    assert_eq!(outcome, LogoutOutcome::default());
    assert_eq!(d.files.len(), 2);
}

#[test]
fn empty_directories_log_out_nothing() {
    let mut d = Driver::new();
    assert_eq!(d.run(&mut flow()).unwrap(), LogoutOutcome::default());
}

#[test]
fn a_failed_removal_ends_the_logout_with_the_io_error() {
    let mut d = Driver::new();
    d.put(token_file("a.json"), &token(TOKEN_NO_REGION, None))
        .put(cli_file("sso.json"), SSO_ENTRY);
    d.failing_removals = vec![token_file("a.json")];
    let err = d.run(&mut flow()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/home/u/.aws/sso/cache/a.json: operation not permitted"
    );
    // It stopped there: the CLI cache was not touched.
    assert!(d.files.contains_key(&cli_file("sso.json")));

    let mut d = Driver::new();
    d.put(cli_file("sso.json"), SSO_ENTRY);
    d.failing_removals = vec![cli_file("sso.json")];
    let err = d.run(&mut flow()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/home/u/.aws/cli/cache/sso.json: operation not permitted"
    );
}

#[test]
fn a_failed_listing_ends_the_logout_with_its_error() {
    let mut d = Driver::new();
    d.listing_error = Some(Error::Io {
        path: TOKEN_DIR.into(),
        message: "permission denied".into(),
    });
    let err = d.run(&mut flow()).unwrap_err();
    assert_eq!(err.to_string(), "/home/u/.aws/sso/cache: permission denied");
}

#[test]
fn a_wrong_answer_from_the_driver_is_reported() {
    let mut flow = flow();
    let now = SystemTime::UNIX_EPOCH;
    assert!(matches!(flow.next_step(now), Step::Effect(Effect::List(_))));
    flow.handle(Input::Shown, now);
    match flow.next_step(now) {
        Step::Done(Err(e)) => assert_eq!(
            e.to_string(),
            "invalid input: the logout flow was listing the SSO token cache and expected \
             Input::Listed, but the driver answered Input::Shown; this is a bug in the driver"
        ),
        other => panic!("expected the end, got {other:?}"),
    }
    // Finished stays finished.
    flow.handle(Input::Waited, now);
    assert!(matches!(flow.next_step(now), Step::Done(Err(_))));
}

#[test]
fn a_logout_from_the_environment_reads_the_config_files_first() {
    use awscred_core::config::{Env, Platform};

    let mut d = Driver::new();
    // The selected profile's endpoint settings apply to every portal: here a FIPS endpoint.
    d.put(
        "/home/u/.aws/config".into(),
        "[default]\nuse_fips_endpoint = true\n",
    )
    .put(
        token_file("a-east.json"),
        &token(TOKEN_EAST, Some("us-east-1")),
    );
    d.answers.insert(
        "portal.sso-fips.us-east-1.amazonaws.com".into(),
        status(200),
    );
    let mut flow = LogoutFlow::from_env(Env::from_pairs([("HOME", "/home/u")]), Platform::Unix);
    let outcome = d.run(&mut flow).unwrap();
    assert_eq!(
        d.sent,
        [(
            "https://portal.sso-fips.us-east-1.amazonaws.com/logout".to_string(),
            TOKEN_EAST.to_string()
        )]
    );
    assert_eq!(outcome.files_removed, [token_file("a-east.json")]);
    // Without a home there is nothing to read: a configuration error, from the first step.
    let mut homeless = LogoutFlow::from_env(Env::from_pairs([("X", "y")]), Platform::Unix);
    match Driver::new().run(&mut homeless) {
        Err(Error::Config(m)) => assert!(m.contains("HOME"), "{m}"),
        other => panic!("{other:?}"),
    }
}
