//! The login flow driven step by step by a scripted fake driver: files in a map, canned HTTP
//! answers per request path, a fake clock that `Wait` advances. No I/O.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use awscred_core::flow::{Effect, Flow, Input, Prompt, Step};
use awscred_core::login::{LoginFlow, LoginOutcome, LoginRequest, PENDING_AUTHORIZATION_EXPIRED};
use awscred_core::{Endpoint, Error, TransportKind};
use serde_json::{Value, json};

const START_URL: &str = "https://d-123.awsapps.com/start";
const SESSION: &str = "my-sso";
const TOKEN_DIR: &str = "/home/u/.aws/sso/cache";
/// 2026-11-22T09:00:00Z.
const NOW: u64 = 1_795_338_000;
/// 2027-02-20T02:00:00Z, the registration's `clientSecretExpiresAt`.
const CLIENT_EXPIRES: u64 = 1_803_088_800;

const CLIENT_SECRET: &str = "CLIENTSECRET-zzz";
const DEVICE_CODE: &str = "DEVICECODE-zzz";
const ACCESS_TOKEN: &str = "ACCESSTOKEN-zzz";
const REFRESH_TOKEN: &str = "REFRESHTOKEN-zzz";
const AUTH_CODE: &str = "AUTHCODE-zzz";
/// The verifier made of 64 zero bytes.
const VERIFIER: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// Every secret the flow handles; none may show in its `Debug` output.
const SECRETS: [&str; 6] = [
    CLIENT_SECRET,
    DEVICE_CODE,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    AUTH_CODE,
    VERIFIER,
];

/// Registration cache files (docs/sso-oidc-and-login.md §5 key, recomputed with Python's json.dumps).
const REG_LEGACY: &str = "334df8a025b4d748342a2fb4eaa316ea48c5576c.json";
const REG_SESSION_NO_SCOPES: &str = "4a61d5c0d0268ea975225ec49ec41d69c98d0633.json";
const REG_SESSION_DEFAULT_SCOPE: &str = "41703fba9789c2c8f9b7faa73b70bebb72c62cc9.json";
const REG_SESSION_TWO_SCOPES: &str = "43ff69cfb93874e446d3735857eeb5c7313d15fa.json";
/// Token files: sha1 of the start URL (legacy) and of `my-sso`.
const TOKEN_LEGACY: &str = "2b829a45f04c9828cb45b7d092d8e4aa30818393.json";
const TOKEN_SESSION: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn path(name: &str) -> PathBuf {
    Path::new(TOKEN_DIR).join(name)
}

fn request(session: Option<&str>, scopes: &[&str], use_device_code: bool) -> LoginRequest {
    LoginRequest {
        session_name: session.map(String::from),
        start_url: START_URL.into(),
        sso_region: "us-east-1".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        use_device_code,
        oidc_endpoint: Endpoint {
            url: "https://oidc.us-east-1.amazonaws.com".into(),
            signing_region: "us-east-1".into(),
        },
        token_dir: TOKEN_DIR.into(),
        random: [0; 96],
    }
}

type Answer = Result<http::Response<Vec<u8>>, Error>;

/// A scripted driver: answers each step from its tables and records what the flow asked for.
struct Driver {
    now: SystemTime,
    files: BTreeMap<PathBuf, Vec<u8>>,
    answers: HashMap<&'static str, VecDeque<Answer>>,
    failing_writes: Vec<PathBuf>,
    port: u16,
    callback: Option<Result<String, Error>>,
    /// Requests a driver hands up before `callback` (a driver that does not filter), each
    /// after this much time has passed.
    strays: VecDeque<(String, Duration)>,
    /// `(path, JSON body)` of every request sent.
    sent: Vec<(String, Value)>,
    waits: Vec<Duration>,
    prompts: Vec<Prompt>,
    callback_timeouts: Vec<Duration>,
    /// The kinds of steps, in order (`Send /token` names the path).
    trace: Vec<String>,
}

impl Driver {
    fn new() -> Self {
        Driver {
            now: at(NOW),
            files: BTreeMap::new(),
            answers: HashMap::new(),
            failing_writes: Vec::new(),
            port: 54321,
            callback: None,
            strays: VecDeque::new(),
            sent: Vec::new(),
            waits: Vec::new(),
            prompts: Vec::new(),
            callback_timeouts: Vec::new(),
            trace: Vec::new(),
        }
    }

    fn answer(&mut self, path: &'static str, answer: Answer) -> &mut Self {
        self.answers.entry(path).or_default().push_back(answer);
        self
    }

    fn file(&self, name: &str) -> Option<String> {
        self.files
            .get(&path(name))
            .map(|b| String::from_utf8(b.clone()).unwrap())
    }

    fn sent_to(&self, request_path: &str) -> Vec<&Value> {
        self.sent
            .iter()
            .filter(|(p, _)| p == request_path)
            .map(|(_, b)| b)
            .collect()
    }

    fn run(&mut self, flow: &mut LoginFlow) -> Result<LoginOutcome, Error> {
        for _ in 0..1000 {
            assert_no_secrets(&format!("{flow:?}"));
            let input = match flow.next_step(self.now) {
                Step::Effect(Effect::Read(p)) => {
                    self.trace.push("Read".into());
                    Input::File(Ok(self.files.get(&p).cloned()))
                }
                Step::Effect(Effect::Send(request)) => {
                    let p = request.uri().path().to_string();
                    self.trace.push(format!("Send {p}"));
                    let body: Value = serde_json::from_slice(request.body()).unwrap();
                    self.sent.push((p.clone(), body));
                    let answer = self
                        .answers
                        .get_mut(p.as_str())
                        .and_then(VecDeque::pop_front)
                        .unwrap_or_else(|| panic!("no canned answer left for {p}"));
                    Input::Response(answer)
                }
                Step::Effect(Effect::Write { path, contents }) => {
                    self.trace.push("Write".into());
                    if self.failing_writes.contains(&path) {
                        Input::Written(Err(Error::Io {
                            path: path.display().to_string(),
                            message: "permission denied".into(),
                        }))
                    } else {
                        self.files.insert(path, contents);
                        Input::Written(Ok(()))
                    }
                }
                Step::Effect(Effect::Wait(d)) => {
                    self.trace.push("Wait".into());
                    self.waits.push(d);
                    self.now += d;
                    Input::Waited
                }
                Step::Effect(Effect::Prompt(p)) => {
                    self.trace.push(match &p {
                        Prompt::DeviceCode { .. } => "Prompt DeviceCode".into(),
                        Prompt::Authorize { .. } => "Prompt Authorize".into(),
                        Prompt::Polling => "Prompt Polling".into(),
                    });
                    self.prompts.push(p);
                    Input::Shown
                }
                Step::Effect(Effect::Listen) => {
                    self.trace.push("Listen".into());
                    Input::Listening(Ok(self.port))
                }
                Step::Effect(Effect::AwaitCallback { timeout, .. }) => {
                    self.trace.push("AwaitCallback".into());
                    self.callback_timeouts.push(timeout);
                    match self.strays.pop_front() {
                        Some((stray, after)) => {
                            self.now += after;
                            Input::Callback(Ok(stray))
                        }
                        None => {
                            Input::Callback(self.callback.take().expect("no callback scripted"))
                        }
                    }
                }
                Step::Done(result) => {
                    if let Err(e) = &result {
                        assert_no_secrets(&format!("{e:?} {e}"));
                    }
                    // A finished flow stays finished.
                    assert!(flow.next_step(self.now).is_done());
                    return result;
                }
                other => panic!("the login flow asked for an unexpected step: {other:?}"),
            };
            flow.handle(input, self.now);
        }
        panic!("the flow did not finish");
    }
}

trait IsDone {
    fn is_done(&self) -> bool;
}

impl<T> IsDone for Step<T> {
    fn is_done(&self) -> bool {
        matches!(self, Step::Done(_))
    }
}

fn assert_no_secrets(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "a secret leaked into {text}");
    }
}

fn ok(body: Value) -> Answer {
    Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap())
}

/// An SSO-OIDC error answer as the service sends it (docs/sso-oidc-and-login.md §3).
fn oidc_error(status: u16, exception: &str, error: &str) -> Answer {
    Ok(http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header(
            "x-amzn-errortype",
            format!("{exception}:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"),
        )
        .body(
            serde_json::to_vec(&json!({"error": error, "error_description": "described"})).unwrap(),
        )
        .unwrap())
}

fn registered(client_id: &str) -> Answer {
    ok(json!({
        "clientId": client_id,
        "clientSecret": CLIENT_SECRET,
        "clientIdIssuedAt": NOW,
        "clientSecretExpiresAt": CLIENT_EXPIRES,
    }))
}

fn device_authorization(interval: Option<u64>) -> Answer {
    let mut body = json!({
        "deviceCode": DEVICE_CODE,
        "userCode": "ABCD-EFGH",
        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
        "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
        "expiresIn": 600,
    });
    if let Some(i) = interval {
        body["interval"] = json!(i);
    }
    ok(body)
}

fn token() -> Answer {
    ok(json!({
        "accessToken": ACCESS_TOKEN,
        "tokenType": "Bearer",
        "expiresIn": 28800,
        "refreshToken": REFRESH_TOKEN,
    }))
}

fn pending() -> Answer {
    oidc_error(
        400,
        "AuthorizationPendingException",
        "authorization_pending",
    )
}

fn slow_down() -> Answer {
    oidc_error(400, "SlowDownException", "slow_down")
}

fn expired() -> Answer {
    oidc_error(400, "ExpiredTokenException", "expired_token")
}

/// The token file as the AWS CLI writes it for a login that got `token()` at `expires_at - 8 h`.
fn cli_token_file(client_id: &str, expires_at: &str, registration_expires_at: &str) -> String {
    format!(
        "{{\"startUrl\": \"https://d-123.awsapps.com/start\", \"region\": \"us-east-1\", \
         \"accessToken\": \"{ACCESS_TOKEN}\", \"expiresAt\": \"{expires_at}\", \
         \"clientId\": \"{client_id}\", \"clientSecret\": \"{CLIENT_SECRET}\", \
         \"registrationExpiresAt\": \"{registration_expires_at}\", \
         \"refreshToken\": \"{REFRESH_TOKEN}\"}}"
    )
}

fn device_registration_file(client_id: &str, expires_at: &str) -> String {
    format!(
        "{{\"clientId\": \"{client_id}\", \"clientSecret\": \"{CLIENT_SECRET}\", \
         \"expiresAt\": \"{expires_at}\"}}"
    )
}

fn pkce_registration_file(client_id: &str, expires_at: &str) -> String {
    format!(
        "{{\"clientId\": \"{client_id}\", \"clientSecret\": \"{CLIENT_SECRET}\", \
         \"expiresAt\": \"{expires_at}\", \"scopes\": [\"sso:account:access\"], \
         \"grantTypes\": [\"authorization_code\", \"refresh_token\"]}}"
    )
}

// ---------------------------------------------------------------------------------------------
// Device code

#[test]
fn legacy_device_login_preauthorized_registers_and_writes_cli_files() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid-legacy"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", token());
    let mut flow = LoginFlow::new(request(None, &[], false));
    let outcome = d.run(&mut flow).unwrap();

    assert_eq!(
        d.trace,
        [
            "Read",
            "Send /client/register",
            "Write",
            "Send /device_authorization",
            "Send /token",
            "Write"
        ]
    );
    // Pre-authorized: the one attempt before prompting succeeded, nothing was shown.
    assert!(d.prompts.is_empty());
    assert!(d.waits.is_empty());

    assert_eq!(
        d.sent_to("/client/register"),
        [&json!({"clientName": format!("botocore-client-{NOW}"), "clientType": "public"})]
    );
    assert_eq!(
        d.sent_to("/device_authorization"),
        [&json!({"clientId": "cid-legacy", "clientSecret": CLIENT_SECRET, "startUrl": START_URL})]
    );
    assert_eq!(
        d.sent_to("/token"),
        [&json!({
            "grantType": "urn:ietf:params:oauth:grant-type:device_code",
            "clientId": "cid-legacy",
            "clientSecret": CLIENT_SECRET,
            "deviceCode": DEVICE_CODE,
        })]
    );

    assert_eq!(
        d.file(REG_LEGACY).unwrap(),
        device_registration_file("cid-legacy", "2027-02-20T02:00:00Z")
    );
    assert_eq!(
        d.file(TOKEN_LEGACY).unwrap(),
        cli_token_file("cid-legacy", "2026-11-22T17:00:00Z", "2027-02-20T02:00:00Z")
    );
    assert_eq!(
        outcome,
        LoginOutcome {
            start_url: START_URL.into(),
            token_path: path(TOKEN_LEGACY),
            expires_at: at(NOW + 28800),
        }
    );
    assert_eq!(
        outcome.message(),
        "Successfully logged into Start URL: https://d-123.awsapps.com/start"
    );
}

#[test]
fn device_login_prompts_once_then_polls_through_pending_and_slow_down() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid-dev"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", pending()) // before the prompt
        .answer("/token", pending())
        .answer("/token", slow_down())
        .answer("/token", pending())
        .answer("/token", token());
    let mut flow = LoginFlow::new(request(Some(SESSION), &["sso:account:access"], true));
    let outcome = d.run(&mut flow).unwrap();

    assert_eq!(
        d.trace,
        [
            "Read",
            "Send /client/register",
            "Write",
            "Send /device_authorization",
            "Send /token",
            "Prompt DeviceCode",
            "Wait",
            "Prompt Polling",
            "Send /token",
            "Wait",
            "Prompt Polling",
            "Send /token",
            "Wait",
            "Prompt Polling",
            "Send /token",
            "Wait",
            "Prompt Polling",
            "Send /token",
            "Write",
        ]
    );
    // Default interval 5 s; slow_down adds 5 s for the rest of the login.
    let secs: Vec<u64> = d.waits.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [5, 5, 10, 10]);
    assert_eq!(
        d.prompts.first(),
        Some(&Prompt::DeviceCode {
            verification_uri: "https://device.sso.us-east-1.amazonaws.com/".into(),
            user_code: "ABCD-EFGH".into(),
            verification_uri_complete:
                "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH".into(),
        })
    );

    // Device flow with configured scopes: registered with them, and they are cached.
    assert_eq!(
        d.sent_to("/client/register"),
        [&json!({
            "clientName": "botocore-client-my-sso",
            "clientType": "public",
            "scopes": ["sso:account:access"],
        })]
    );
    assert_eq!(
        d.file(REG_SESSION_DEFAULT_SCOPE).unwrap(),
        "{\"clientId\": \"cid-dev\", \"clientSecret\": \"CLIENTSECRET-zzz\", \
         \"expiresAt\": \"2027-02-20T02:00:00Z\", \"scopes\": [\"sso:account:access\"]}"
    );
    // The token's expiry counts from when it was obtained, 30 s of polling later.
    assert_eq!(
        d.file(TOKEN_SESSION).unwrap(),
        cli_token_file("cid-dev", "2026-11-22T17:00:30Z", "2027-02-20T02:00:00Z")
    );
    assert_eq!(outcome.expires_at, at(NOW + 30 + 28800));
    assert_eq!(outcome.token_path, path(TOKEN_SESSION));
}

#[test]
fn slow_down_is_cumulative_on_the_service_interval() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(Some(2)))
        .answer("/token", slow_down()) // before the prompt: 2 → 7
        .answer("/token", slow_down()) // 7 → 12
        .answer("/token", pending())
        .answer("/token", token());
    let mut flow = LoginFlow::new(request(None, &[], false));
    d.run(&mut flow).unwrap();
    let secs: Vec<u64> = d.waits.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [7, 12, 12]);
}

#[test]
fn expired_device_code_ends_the_login_with_the_cli_message() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", pending())
        .answer("/token", pending())
        .answer("/token", expired());
    let mut flow = LoginFlow::new(request(Some(SESSION), &[], true));
    let err = d.run(&mut flow).unwrap_err();
    assert_eq!(err, Error::Login(PENDING_AUTHORIZATION_EXPIRED.into()));
    assert_eq!(
        err.to_string(),
        "login failed: The pending authorization to retrieve an SSO token has expired. \
         The login flow to retrieve an SSO token must be restarted."
    );
    assert!(d.file(TOKEN_SESSION).is_none());
}

#[test]
fn expired_device_code_before_the_prompt_shows_nothing() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", expired());
    let mut flow = LoginFlow::new(request(None, &[], false));
    let err = d.run(&mut flow).unwrap_err();
    assert_eq!(err, Error::Login(PENDING_AUTHORIZATION_EXPIRED.into()));
    assert!(d.prompts.is_empty());
}

#[test]
fn other_create_token_errors_propagate() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", pending())
        .answer(
            "/token",
            oidc_error(400, "AccessDeniedException", "access_denied"),
        );
    let mut flow = LoginFlow::new(request(None, &[], false));
    let err = d.run(&mut flow).unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.to_string(),
        "the service refused the request: AccessDeniedException (HTTP 400): described"
    );
    assert!(d.file(TOKEN_LEGACY).is_none());
}

#[test]
fn transport_errors_end_the_flow_with_that_error() {
    let timeout = Error::Transport {
        kind: TransportKind::Timeout,
        message: "read timed out after 3 attempts".into(),
    };
    // While polling: a transport failure is not "pending"; it ends the login.
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", pending())
        .answer("/token", Err(timeout.clone()));
    let err = d
        .run(&mut LoginFlow::new(request(None, &[], false)))
        .unwrap_err();
    assert_eq!(err, timeout);
    assert_eq!(
        err.to_string(),
        "network error: read timed out after 3 attempts"
    );

    // At registration: nothing is written.
    let mut d = Driver::new();
    d.answer("/client/register", Err(timeout.clone()));
    let err = d
        .run(&mut LoginFlow::new(request(None, &[], false)))
        .unwrap_err();
    assert_eq!(err, timeout);
    assert!(d.files.is_empty());
}

#[test]
fn a_token_without_expires_in_is_a_malformed_response() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", ok(json!({"accessToken": ACCESS_TOKEN})));
    let err = d
        .run(&mut LoginFlow::new(request(None, &[], false)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unexpected CreateToken response: `expiresIn` is missing"
    );
    assert!(d.file(TOKEN_LEGACY).is_none());
}

#[test]
fn write_failures_end_the_flow_with_the_io_error() {
    // The registration file.
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"));
    d.failing_writes.push(path(REG_LEGACY));
    let err = d
        .run(&mut LoginFlow::new(request(None, &[], false)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: permission denied", path(REG_LEGACY).display())
    );
    assert!(d.sent_to("/device_authorization").is_empty());

    // The token file.
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", token());
    d.failing_writes.push(path(TOKEN_LEGACY));
    let err = d
        .run(&mut LoginFlow::new(request(None, &[], false)))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { path: p, .. } if *p == path(TOKEN_LEGACY).display().to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// Client registration reuse

/// A driver whose cache already holds `contents` at `name`, with a device login scripted.
fn with_cached_registration(name: &str, contents: &str) -> Driver {
    let mut d = Driver::new();
    d.files.insert(path(name), contents.as_bytes().to_vec());
    d.answer("/device_authorization", device_authorization(None))
        .answer("/token", token());
    d
}

#[test]
fn a_fresh_registration_of_the_same_kind_is_reused() {
    // Exactly 15 minutes left still counts as fresh.
    let expires = "2026-11-22T09:15:00Z";
    let mut d = with_cached_registration(
        REG_SESSION_NO_SCOPES,
        &device_registration_file("cid-cached", expires),
    );
    let mut flow = LoginFlow::new(request(Some(SESSION), &[], true));
    d.run(&mut flow).unwrap();
    assert!(d.sent_to("/client/register").is_empty());
    assert_eq!(
        d.sent_to("/device_authorization")[0]["clientId"],
        "cid-cached"
    );
    // The cached file is left as it was; the token records its client.
    assert_eq!(
        d.file(REG_SESSION_NO_SCOPES).unwrap(),
        device_registration_file("cid-cached", expires)
    );
    assert_eq!(
        d.file(TOKEN_SESSION).unwrap(),
        cli_token_file("cid-cached", "2026-11-22T17:00:00Z", expires)
    );
}

#[test]
fn a_registration_expiring_within_15_minutes_is_replaced() {
    let mut d = with_cached_registration(
        REG_SESSION_NO_SCOPES,
        &device_registration_file("cid-old", "2026-11-22T09:14:59Z"),
    );
    d.answer("/client/register", registered("cid-new"));
    let mut flow = LoginFlow::new(request(Some(SESSION), &[], true));
    d.run(&mut flow).unwrap();
    assert_eq!(d.sent_to("/client/register").len(), 1);
    assert_eq!(
        d.file(REG_SESSION_NO_SCOPES).unwrap(),
        device_registration_file("cid-new", "2027-02-20T02:00:00Z")
    );
    assert_eq!(d.sent_to("/token")[0]["clientId"], "cid-new");
}

#[test]
fn a_pkce_registration_is_not_reused_for_the_device_flow() {
    let mut d = with_cached_registration(
        REG_SESSION_NO_SCOPES,
        &pkce_registration_file("cid-pkce", "2027-01-01T00:00:00Z"),
    );
    d.answer("/client/register", registered("cid-device"));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], true)))
        .unwrap();
    assert_eq!(d.sent_to("/client/register").len(), 1);
    assert_eq!(
        d.file(REG_SESSION_NO_SCOPES).unwrap(),
        device_registration_file("cid-device", "2027-02-20T02:00:00Z")
    );
}

#[test]
fn a_device_registration_is_not_reused_for_the_browser_flow() {
    let mut d = Driver::new();
    d.files.insert(
        path(REG_SESSION_NO_SCOPES),
        device_registration_file("cid-device", "2027-01-01T00:00:00Z").into_bytes(),
    );
    d.answer("/client/register", registered("cid-pkce"))
        .answer("/token", token());
    d.callback = Some(Ok(format!(
        "code={AUTH_CODE}&state=00000000-0000-4000-8000-000000000000"
    )));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap();
    assert_eq!(d.sent_to("/client/register").len(), 1);
    assert_eq!(
        d.file(REG_SESSION_NO_SCOPES).unwrap(),
        pkce_registration_file("cid-pkce", "2027-02-20T02:00:00Z")
    );
}

#[test]
fn an_unusable_registration_file_is_replaced() {
    for junk in ["not json", "[]", "{\"clientId\": \"x\"}"] {
        let mut d = with_cached_registration(REG_LEGACY, junk);
        d.answer("/client/register", registered("cid-new"));
        d.run(&mut LoginFlow::new(request(None, &[], false)))
            .unwrap();
        assert_eq!(d.sent_to("/client/register").len(), 1, "{junk}");
    }
}

// ---------------------------------------------------------------------------------------------
// Authorization code + PKCE

fn pkce_driver() -> Driver {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid-123"))
        .answer("/token", token());
    d
}

const STATE: &str = "00000000-0000-4000-8000-000000000000";

#[test]
fn browser_login_happy_path() {
    let mut d = pkce_driver();
    d.callback = Some(Ok(format!(
        "/oauth/callback?code={AUTH_CODE}&state={STATE}"
    )));
    let scopes = ["sso:account:access", "codewhisperer:completions"];
    let mut flow = LoginFlow::new(request(Some(SESSION), &scopes, false));
    let outcome = d.run(&mut flow).unwrap();

    assert_eq!(
        d.trace,
        [
            "Read",
            "Send /client/register",
            "Write",
            "Listen",
            "Prompt Authorize",
            "AwaitCallback",
            "Send /token",
            "Write"
        ]
    );
    assert_eq!(
        d.sent_to("/client/register"),
        [&json!({
            "clientName": "botocore-client-my-sso",
            "clientType": "public",
            "scopes": scopes,
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": ["http://127.0.0.1/oauth/callback"],
            "issuerUrl": START_URL,
        })]
    );
    // The docs/sso-oidc-and-login.md §6 example, with the state drawn from 16 zero bytes.
    assert_eq!(
        d.prompts,
        [Prompt::Authorize {
            url: "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code\
                  &client_id=cid-123\
                  &redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback\
                  &state=00000000-0000-4000-8000-000000000000\
                  &code_challenge_method=S256\
                  &scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions\
                  &code_challenge=_-BU_nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs"
                .into()
        }]
    );
    assert_eq!(d.callback_timeouts, [Duration::from_secs(600)]);
    assert_eq!(
        d.sent_to("/token"),
        [&json!({
            "grantType": "authorization_code",
            "clientId": "cid-123",
            "clientSecret": CLIENT_SECRET,
            "redirectUri": "http://127.0.0.1:54321/oauth/callback",
            "codeVerifier": VERIFIER,
            "code": AUTH_CODE,
        })]
    );
    assert_eq!(
        d.file(REG_SESSION_TWO_SCOPES).unwrap(),
        "{\"clientId\": \"cid-123\", \"clientSecret\": \"CLIENTSECRET-zzz\", \
         \"expiresAt\": \"2027-02-20T02:00:00Z\", \
         \"scopes\": [\"sso:account:access\", \"codewhisperer:completions\"], \
         \"grantTypes\": [\"authorization_code\", \"refresh_token\"]}"
    );
    assert_eq!(
        d.file(TOKEN_SESSION).unwrap(),
        cli_token_file("cid-123", "2026-11-22T17:00:00Z", "2027-02-20T02:00:00Z")
    );
    assert_eq!(outcome.token_path, path(TOKEN_SESSION));
}

#[test]
fn browser_login_without_scopes_registers_the_default_scope() {
    let mut d = pkce_driver();
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap();
    assert_eq!(
        d.sent_to("/client/register")[0]["scopes"],
        json!(["sso:account:access"])
    );
    // Keyed by the configured scopes (none), cached with the registered ones.
    assert_eq!(
        d.file(REG_SESSION_NO_SCOPES).unwrap(),
        pkce_registration_file("cid-123", "2027-02-20T02:00:00Z")
    );
    let Prompt::Authorize { url } = &d.prompts[0] else {
        panic!("not an authorize prompt")
    };
    assert!(url.contains("&scopes=sso%3Aaccount%3Aaccess&"), "{url}");
}

#[test]
fn the_port_of_the_listener_goes_into_both_redirect_uris() {
    let mut d = pkce_driver();
    d.port = 8123;
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap();
    let Prompt::Authorize { url } = &d.prompts[0] else {
        panic!("not an authorize prompt")
    };
    assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8123%2Foauth%2Fcallback"));
    assert_eq!(
        d.sent_to("/token")[0]["redirectUri"],
        "http://127.0.0.1:8123/oauth/callback"
    );
}

#[test]
fn a_resolved_start_url_is_sent_but_the_configured_one_is_recorded() {
    let resolved = "https://d-123.portal.us-east-1.app.aws";
    let mut d = pkce_driver();
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    let mut flow =
        LoginFlow::new(request(Some(SESSION), &[], false)).with_resolved_start_url(resolved);
    let outcome = d.run(&mut flow).unwrap();
    assert_eq!(d.sent_to("/client/register")[0]["issuerUrl"], resolved);
    assert!(
        d.file(TOKEN_SESSION)
            .unwrap()
            .starts_with("{\"startUrl\": \"https://d-123.awsapps.com/start\"")
    );
    assert_eq!(outcome.start_url, START_URL);

    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", token());
    let mut flow = LoginFlow::new(request(None, &[], false)).with_resolved_start_url(resolved);
    d.run(&mut flow).unwrap();
    assert_eq!(d.sent_to("/device_authorization")[0]["startUrl"], resolved);
    // Legacy caches stay keyed by the configured URL.
    assert!(d.file(TOKEN_LEGACY).is_some());
    assert!(d.file(REG_LEGACY).is_some());
}

#[test]
fn a_redirect_with_another_state_does_not_end_the_wait() {
    let mut d = pkce_driver();
    // A forged redirect, a favicon and an error without this login's state come first; the
    // flow keeps waiting, with what is left of the 600 s, and the real redirect completes it.
    for (stray, after) in [
        "code=FORGED&state=11111111-0000-4000-8000-000000000000",
        "/favicon.ico",
        "error=access_denied&state=11111111-0000-4000-8000-000000000000",
    ]
    .into_iter()
    .zip([1, 10, 100])
    {
        d.strays
            .push_back((stray.to_string(), Duration::from_secs(after)));
    }
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap();
    assert_eq!(
        d.callback_timeouts,
        [600, 599, 589, 489].map(Duration::from_secs)
    );
    let sent = d.sent_to("/token");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["code"], AUTH_CODE);
    assert!(d.file(TOKEN_SESSION).is_some());
}

#[test]
fn strays_after_the_deadline_expire_the_authorization() {
    let mut d = pkce_driver();
    d.strays
        .push_back(("/favicon.ico".into(), Duration::from_secs(601)));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(err, Error::Login(PENDING_AUTHORIZATION_EXPIRED.into()));
    assert!(d.sent_to("/token").is_empty());
}

#[test]
fn a_redirect_with_an_error_is_refused_with_the_service_reason() {
    let mut d = pkce_driver();
    d.callback = Some(Ok(format!(
        "error=access_denied&error_description=denied&state={STATE}"
    )));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Login(
            "the request was denied in the browser (access_denied): denied; run the login again"
                .into()
        )
    );
    assert!(d.sent_to("/token").is_empty());
}

#[test]
fn no_redirect_within_the_timeout_is_an_expired_authorization() {
    let mut d = pkce_driver();
    d.callback = Some(Err(Error::Transport {
        kind: TransportKind::Timeout,
        message: "no redirect within 600 s".into(),
    }));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(err, Error::Login(PENDING_AUTHORIZATION_EXPIRED.into()));

    // Other listener failures are reported as they are.
    let broken = Error::Io {
        path: "127.0.0.1:54321".into(),
        message: "connection reset".into(),
    };
    let mut d = pkce_driver();
    d.callback = Some(Err(broken.clone()));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(err, broken);
}

#[test]
fn an_expired_authorization_code_asks_for_a_new_login() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/token", expired());
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(err, Error::Login(PENDING_AUTHORIZATION_EXPIRED.into()));

    let mut d = Driver::new();
    d.answer("/client/register", registered("cid")).answer(
        "/token",
        oidc_error(400, "InvalidGrantException", "invalid_grant"),
    );
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidGrantException"));
}

#[test]
fn a_listener_that_cannot_start_ends_the_login() {
    let mut flow = LoginFlow::new(request(Some(SESSION), &[], false));
    let now = at(NOW);
    let cached = pkce_registration_file("cid", "2027-01-01T00:00:00Z");
    assert!(matches!(flow.next_step(now), Step::Effect(Effect::Read(_))));
    flow.handle(Input::File(Ok(Some(cached.into_bytes()))), now);
    assert!(matches!(flow.next_step(now), Step::Effect(Effect::Listen)));
    let refused = Error::Io {
        path: "127.0.0.1".into(),
        message: "address in use".into(),
    };
    flow.handle(Input::Listening(Err(refused.clone())), now);
    match flow.next_step(now) {
        Step::Done(Err(e)) => assert_eq!(e, refused),
        other => panic!("expected the end, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Driver mistakes and secrecy

#[test]
fn a_wrong_answer_from_the_driver_is_reported() {
    let mut flow = LoginFlow::new(request(None, &[], false));
    let now = at(NOW);
    assert!(matches!(flow.next_step(now), Step::Effect(Effect::Read(_))));
    flow.handle(Input::Waited, now);
    match flow.next_step(now) {
        Step::Done(Err(e)) => assert_eq!(
            e.to_string(),
            "invalid input: the login flow was reading the client registration and expected \
             Input::File, but the driver answered Input::Waited; this is a bug in the driver"
        ),
        other => panic!("expected the end, got {other:?}"),
    }
}

#[test]
fn debug_never_shows_secrets() {
    let mut req = request(Some(SESSION), &[], true);
    req.random = [0xAB; 96];
    assert!(!format!("{req:?}").contains("171"));

    // Every intermediate state of both flows (checked inside `Driver::run`).
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", pending())
        .answer("/token", token());
    let mut flow = LoginFlow::new(req);
    d.run(&mut flow).unwrap();
    let shown = format!("{flow:?}");
    assert!(shown.contains("finished"), "{shown}");
    assert_no_secrets(&shown);

    let mut d = pkce_driver();
    d.callback = Some(Ok(format!("code={AUTH_CODE}&state={STATE}")));
    d.run(&mut LoginFlow::new(request(Some(SESSION), &[], false)))
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Starting from the configuration files

const CONFIG: &str = "[profile dev]\nsso_session = my-sso\n\n[sso-session my-sso]\n\
                      sso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n";

fn config_env() -> awscred_core::config::Env {
    awscred_core::config::Env::from_pairs([("HOME", "/home/u")])
}

fn device_answers(d: &mut Driver) {
    d.answer("/client/register", registered("cid-session"))
        .answer("/device_authorization", device_authorization(None))
        .answer("/token", token());
}

#[test]
fn a_login_from_the_environment_reads_the_config_files_first() {
    use awscred_core::config::{self, Platform};
    use awscred_core::resolve::TokenTarget;

    let random = [7u8; 96];
    let mut d = Driver::new();
    d.files.insert("/home/u/.aws/config".into(), CONFIG.into());
    device_answers(&mut d);
    let mut flow = LoginFlow::from_env(
        config_env(),
        Platform::Unix,
        TokenTarget::Profile(Some("dev".into())),
        true,
        random,
    );
    assert!(flow.request().is_none());
    let outcome = d.run(&mut flow).unwrap();

    // The same login as one built by the caller from the parsed files.
    let paths = config::config_paths(&config_env(), Platform::Unix).unwrap();
    let set = config::load_files(&paths, Some(CONFIG.as_bytes()), None).unwrap();
    let request = LoginRequest::from_config(
        &config_env(),
        &set,
        &paths,
        config::LoginTarget::Profile("dev"),
        true,
        random,
    )
    .unwrap();
    assert_eq!(flow.request(), Some(&request));
    let mut by_hand = Driver::new();
    device_answers(&mut by_hand);
    let expected = by_hand.run(&mut LoginFlow::new(request)).unwrap();

    assert_eq!(outcome, expected);
    assert_eq!(d.trace[..2], ["Read", "Read"], "config, then credentials");
    assert_eq!(d.trace[2..], by_hand.trace[..]);
    assert_eq!(d.sent, by_hand.sent);
    d.files.remove(Path::new("/home/u/.aws/config"));
    assert_eq!(d.files, by_hand.files);
}

#[test]
fn a_login_from_the_environment_names_what_is_missing() {
    use awscred_core::config::Platform;
    use awscred_core::resolve::TokenTarget;

    let mut d = Driver::new();
    d.files.insert("/home/u/.aws/config".into(), CONFIG.into());
    let mut flow = LoginFlow::from_env(
        config_env(),
        Platform::Unix,
        TokenTarget::SsoSession("other".into()),
        false,
        [0; 96],
    );
    let debug = format!("{flow:?}");
    assert!(
        debug.contains("redacted") && !debug.contains("[0, 0"),
        "{debug}"
    );
    match d.run(&mut flow) {
        Err(Error::Config(m)) => assert!(m.contains("other"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.trace, ["Read", "Read"]);
}

#[test]
fn a_login_from_the_environment_checks_the_answers_to_its_reads() {
    use awscred_core::config::Platform;
    use awscred_core::resolve::TokenTarget;

    let mut flow = LoginFlow::from_env(
        config_env(),
        Platform::Unix,
        TokenTarget::Profile(None),
        false,
        [0; 96],
    );
    let now = at(NOW);
    assert!(matches!(flow.next_step(now), Step::Effect(Effect::Read(_))));
    flow.handle(Input::Shown, now);
    match flow.next_step(now) {
        Step::Done(Err(e)) => assert_eq!(
            e.to_string(),
            "invalid input: the login flow was reading the config file and expected \
             Input::File, but the driver answered Input::Shown; this is a bug in the driver"
        ),
        other => panic!("expected the end, got {other:?}"),
    }
}

fn device_authorization_expiring(expires_in: u64, interval: u64) -> Answer {
    ok(json!({
        "deviceCode": DEVICE_CODE,
        "userCode": "ABCD-EFGH",
        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
        "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
        "expiresIn": expires_in,
        "interval": interval,
    }))
}

#[test]
fn polling_stops_when_the_device_code_expires() {
    let mut d = Driver::new();
    d.answer("/client/register", registered("cid")).answer(
        "/device_authorization",
        device_authorization_expiring(12, 5),
    );
    for _ in 0..50 {
        d.answer("/token", pending());
    }
    let err = d
        .run(&mut LoginFlow::new(request(Some(SESSION), &[], true)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "login failed: the code expired; run login again (the code was valid for 12 s and was \
         not approved in time)"
    );
    // 5 s, 5 s, then only the 2 s left: the flow never waits or polls past the expiry.
    let secs: Vec<u64> = d.waits.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [5, 5, 2]);
    assert_eq!(
        d.sent_to("/token").len(),
        3,
        "the first attempt and two polls"
    );
    assert!(d.file(TOKEN_SESSION).is_none());
}

#[test]
fn a_hostile_interval_or_lifetime_cannot_make_polling_endless_or_frantic() {
    for (expires_in, interval, waits) in [
        // interval 0 is polled once a second.
        (10, 0, vec![1; 10]),
        // An expiresIn of ~585 million years is held to an hour.
        (u64::MAX / 1000, 600, vec![600; 6]),
    ] {
        let mut d = Driver::new();
        d.answer("/client/register", registered("cid")).answer(
            "/device_authorization",
            device_authorization_expiring(expires_in, interval),
        );
        for _ in 0..20 {
            d.answer("/token", pending());
        }
        let err = d
            .run(&mut LoginFlow::new(request(Some(SESSION), &[], true)))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the code expired; run login again"),
            "{err}"
        );
        let secs: Vec<u64> = d.waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, waits);
    }
}

#[test]
fn only_https_and_loopback_http_urls_go_to_the_browser() {
    use awscred_core::login::check_browser_url;
    for good in [
        "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
        "HTTPS://d-123.awsapps.com/start",
        "http://127.0.0.1:4566/device?user_code=A",
        "http://localhost:8080/",
        "http://[::1]:9/x",
    ] {
        assert_eq!(check_browser_url(good), Ok(()), "{good}");
    }
    for bad in [
        "file:///etc/passwd",
        "file:///etc/passwd\x1b]8;;\x07",
        "https://ok.example/\x1b[2J",
        "https://ok.example/\u{202e}",
        "https://ok.example/ --new-window",
        "-a https://ok.example/",
        "javascript:alert(1)",
        "http://example.com/",
        "http://127.0.0.1@evil.example/",
        "http://127.0.0.1.evil.example/",
        "https:///nohost",
        "",
    ] {
        assert!(
            check_browser_url(bad).is_err(),
            "{bad:?} must not be opened"
        );
    }
}
