//! Console login sessions (`login_session` profiles, `aws login`) end to end: the cache file
//! read as the AWS CLI writes it, credentials refreshed with a DPoP proof the emulator verifies,
//! the rotated refresh token written back, a role chained on the session, and the errors that
//! say to log in again.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awscred_core::Operation;
use awscred_core::config::{Env, Platform};
use awscred_core::oidc::pkce;
use awscred_core::resolve::{ResolveFlow, ResolveRequest};
use awscred_core::signin::{
    self, CreateOAuth2Token, DpopKey, LoginGrant, LoginToken, SAME_DEVICE_CLIENT_ID,
};
use awscred_core::{Credentials, Endpoint, Error};
use awscred_emulator::{Fault, IssuedConsoleSession};

use crate::common::{Recorder, World};

const CONSOLE_CONFIG: &str = "\
[profile console]
login_session = LOGIN_SESSION
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::111122223333:role/Deploy
source_profile = console
role_session_name = deploy-session
region = us-east-1
";

fn key(seed: u8) -> DpopKey {
    DpopKey::from_random(&[seed; 32]).expect("a valid scalar")
}

/// A world with a console session whose credentials expire in `expires_in`, its cache file
/// written as `aws login` writes it, and the config naming it.
fn console_world(expires_in: Duration) -> (World, IssuedConsoleSession, DpopKey) {
    let world = World::new();
    let key = key(7);
    let issued =
        world
            .emulator
            .issue_console_session(SAME_DEVICE_CLIENT_ID, &key.thumbprint(), expires_in);
    world.audit.debug("issued console session", &issued);
    let token = LoginToken {
        credentials: Credentials::new(
            issued.access_key_id.clone(),
            issued.secret_access_key.clone(),
            Some(issued.session_token.clone()),
            Some(world.emulator.now() + expires_in),
        )
        .with_account_id(Some(issued.account_id.clone())),
        token_type: Some("aws_sigv4".into()),
        client_id: SAME_DEVICE_CLIENT_ID.into(),
        refresh_token: issued.refresh_token.clone().into(),
        id_token: None,
        dpop_key: key.to_pem(),
        unknown: Default::default(),
    };
    write_login(&world, &issued.login_session, &token.to_json());
    world.write_config(&CONSOLE_CONFIG.replace("LOGIN_SESSION", &issued.login_session));
    (world, issued, key)
}

fn login_cache(world: &World) -> PathBuf {
    signin::cache_dir(&world.env, world.home.path(), Platform::Unix)
}

fn login_path(world: &World, session: &str) -> PathBuf {
    login_cache(world).join(signin::cache_file_name(session))
}

fn write_login(world: &World, session: &str, bytes: &[u8]) {
    awscred_files::write_private_atomic(login_path(world, session), bytes)
        .expect("login cache written");
}

fn read_login(world: &World, session: &str) -> LoginToken {
    let bytes = std::fs::read(login_path(world, session)).expect("the login cache file");
    let token = LoginToken::parse(&bytes).expect("the login cache file parses");
    world.audit.debug("read login token", &token);
    token
}

/// One resolution with fresh random bytes, as the drivers' providers and the CLI run it.
fn resolve(
    world: &World,
    profile: &str,
    random: u8,
) -> Result<awscred_core::resolve::Resolved, Error> {
    let request = ResolveRequest::new(world.env.clone())
        .profile(profile)
        .random([random; 16]);
    let flow = crate::common::Audited::new(ResolveFlow::new(request), &world.audit, "resolve");
    let result = world.client().run(flow, &mut Recorder(world.audit.clone()));
    world.audit.result("resolved", &result);
    result
}

#[test]
fn fresh_credentials_come_from_the_cache_file_without_a_call() {
    let (world, issued, _) = console_world(Duration::from_secs(14 * 60));
    let provider = world.provider("console");
    let c = provider.credentials().expect("credentials");
    world.audit.credentials("console", &c);
    assert_eq!(c.access_key_id(), issued.access_key_id);
    assert_eq!(c.account_id(), Some(issued.account_id.as_str()));
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 0);
}

#[test]
fn due_credentials_are_refreshed_and_the_rotated_token_saved() {
    let (world, issued, key) = console_world(Duration::from_secs(4 * 60));
    let before = std::fs::read(login_path(&world, &issued.login_session)).unwrap();
    let c = world
        .provider("console")
        .credentials()
        .expect("refreshed credentials");
    world.audit.credentials("console", &c);
    assert_ne!(c.access_key_id(), issued.access_key_id, "new credentials");
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    assert!(world.emulator.refused_dpop_proofs().is_empty());
    let after = read_login(&world, &issued.login_session);
    assert_ne!(
        after.refresh_token.expose(),
        issued.refresh_token,
        "the refresh token rotated"
    );
    assert_eq!(after.credentials.access_key_id(), c.access_key_id());
    assert_eq!(after.dpop_key, key.to_pem(), "the key is kept");
    assert_eq!(
        after.credentials.account_id(),
        Some(issued.account_id.as_str())
    );
    // Nothing but the file (and its lock) in the directory: no temporary file left.
    let names: Vec<String> = std::fs::read_dir(login_cache(&world))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    // A new process reads the saved file: no second call.
    let again = world
        .provider("console")
        .credentials()
        .expect("credentials");
    assert_eq!(again.access_key_id(), c.access_key_id());
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    // The old refresh token is spent: a file restored from before the refresh needs a login.
    write_login(&world, &issued.login_session, &before);
    let e = resolve(&world, "console", 9).expect_err("a spent refresh token is refused");
    assert_eq!(
        e.login_command().as_deref(),
        Some("awscred login --login-session console")
    );
    assert!(e.to_string().contains("TOKEN_EXPIRED"), "{e}");
}

#[test]
fn a_role_chained_on_a_login_session() {
    let (world, issued, _) = console_world(Duration::from_secs(60));
    let c = world
        .provider("deploy")
        .credentials()
        .expect("role credentials");
    world.audit.credentials("deploy", &c);
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    assert_eq!(
        world.emulator.count("AssumeRole"),
        1,
        "STS verified the login credentials' signature"
    );
    assert_ne!(c.access_key_id(), issued.access_key_id);
}

#[test]
fn an_ended_session_says_to_log_in_again() {
    let (world, _, _) = console_world(Duration::from_secs(60));
    world.emulator.end_console_sessions();
    let e = world
        .provider("console")
        .credentials()
        .expect_err("the session ended");
    world.audit.error("ended", &e);
    assert!(matches!(e, Error::LoginNeeded { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("run `awscred login --login-session console`"),
        "{e}"
    );
}

#[test]
fn log_in_again_codes_and_transient_faults() {
    for code in [
        "USER_CREDENTIALS_CHANGED",
        "INSUFFICIENT_PERMISSIONS",
        "TOKEN_EXPIRED",
    ] {
        let (world, _, _) = console_world(Duration::from_secs(60));
        world
            .emulator
            .inject("CreateOAuth2Token", Fault::status(400, code), 1);
        let e = resolve(&world, "console", 1).expect_err(code);
        assert!(matches!(e, Error::LoginNeeded { .. }), "{code}: {e:?}");
        assert!(e.to_string().contains(code), "{e}");
    }
    // A 500 and a throttle are retried with the same proof, which was never accepted.
    let (world, issued, _) = console_world(Duration::from_secs(60));
    world
        .emulator
        .inject("CreateOAuth2Token", Fault::ServerError, 1);
    world
        .emulator
        .inject("CreateOAuth2Token", Fault::Throttle, 1);
    let r = resolve(&world, "console", 2).expect("retried to success");
    assert_ne!(r.credentials.access_key_id(), issued.access_key_id);
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 3);
    // Expired credentials and a failing endpoint: the error itself, not a login.
    let (world, _, _) = console_world(Duration::ZERO);
    world
        .emulator
        .inject("CreateOAuth2Token", Fault::Unavailable, 10);
    let e = resolve(&world, "console", 3).expect_err("unavailable");
    assert!(!matches!(e, Error::LoginNeeded { .. }), "{e:?}");
    // Still-valid credentials survive a failing refresh.
    let (world, issued, _) = console_world(Duration::from_secs(120));
    world
        .emulator
        .inject("CreateOAuth2Token", Fault::Unavailable, 10);
    let r = resolve(&world, "console", 4).expect("the old credentials are still good");
    assert_eq!(r.credentials.access_key_id(), issued.access_key_id);
}

#[test]
fn without_random_bytes_a_refresh_says_what_is_missing() {
    let (world, _, _) = console_world(Duration::ZERO);
    let e = world.resolve("console").expect_err("no jti");
    assert!(e.to_string().contains("random bytes"), "{e}");
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 0);
}

/// Sends `request` over a fresh connection and reads the whole answer (the tests' own tiny
/// HTTP/1.1 client, so they can replay and tamper with requests).
fn raw(world: &World, request: &http::Request<Vec<u8>>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", world.emulator.port())).unwrap();
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n",
        request.method()
    );
    for (k, v) in request.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(request.body()).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let text = String::from_utf8_lossy(&all[..split]).into_owned();
    let mut lines = text.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, all[split + 4..].to_vec())
}

fn endpoint(world: &World) -> Endpoint {
    Endpoint {
        url: world.emulator.url(),
        signing_region: "us-east-1".into(),
    }
}

fn refresh_op(
    world: &World,
    issued: &IssuedConsoleSession,
    key: DpopKey,
    jti: &str,
) -> CreateOAuth2Token {
    CreateOAuth2Token {
        endpoint: endpoint(world),
        client_id: SAME_DEVICE_CLIENT_ID.into(),
        grant: LoginGrant::RefreshToken {
            refresh_token: issued.refresh_token.clone().into(),
        },
        key,
        jti: jti.into(),
    }
}

#[test]
fn the_emulator_verifies_every_proof() {
    let (world, issued, key7) = console_world(Duration::from_secs(60));
    let now = world.emulator.now();
    let refused = |what: &str, request: &http::Request<Vec<u8>>| {
        let before = world.emulator.refused_dpop_proofs().len();
        let (status, _, _) = raw(&world, request);
        assert_eq!(status, 400, "{what}");
        let reasons = world.emulator.refused_dpop_proofs();
        assert_eq!(reasons.len(), before + 1, "{what} is refused as a proof");
        reasons.last().unwrap().clone()
    };
    // Another key: the signature verifies, but the token is bound to key 7.
    let (status, _, body) = raw(
        &world,
        &refresh_op(&world, &issued, key(8), "other-key")
            .request(now)
            .unwrap(),
    );
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("bound"));
    // A tampered signature.
    let mut r = refresh_op(&world, &issued, key7.clone(), "tampered")
        .request(now)
        .unwrap();
    let proof = r.headers()["dpop"].to_str().unwrap().to_string();
    let (head, sig) = proof.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') {
        sig.replacen('A', "B", 1)
    } else {
        format!("A{}", &sig[1..])
    };
    r.headers_mut()
        .insert("dpop", format!("{head}.{flipped}").parse().unwrap());
    assert!(refused("a tampered signature", &r).contains("signature"));
    // A proof for another URL.
    let mut op = refresh_op(&world, &issued, key7.clone(), "htu");
    let proof = key7
        .proof(
            "https://us-east-1.signin.aws.amazon.com/v1/token",
            now,
            "htu",
        )
        .unwrap();
    let mut r = op.request(now).unwrap();
    r.headers_mut().insert("dpop", proof.parse().unwrap());
    assert!(refused("another htu", &r).contains("htu"));
    // Issued ten minutes ago.
    op.jti = "old".into();
    let r = op.request(now - Duration::from_secs(600)).unwrap();
    assert!(refused("a stale iat", &r).contains("iat"));
    // No proof at all.
    let mut r = refresh_op(&world, &issued, key7.clone(), "none")
        .request(now)
        .unwrap();
    r.headers_mut().remove("dpop");
    assert!(refused("no proof", &r).contains("no DPoP"));
    // A good proof works once; the same proof again is a replay.
    let good = refresh_op(&world, &issued, key7.clone(), "once")
        .request(now)
        .unwrap();
    let (status, _, _) = raw(&world, &good);
    assert_eq!(status, 200);
    assert!(refused("a replayed proof", &good).contains("jti"));
}

/// The login `aws login` performs, against the emulator: authorize (approved at once), the
/// code exchanged with PKCE and a DPoP proof, the cache file written.
pub(crate) fn emulator_login(world: &World, random: u8) -> (String, Vec<u8>) {
    world.emulator.auto_approve(true);
    let key = key(random);
    let verifier = pkce::code_verifier(&[random; 64]);
    let challenge = pkce::code_challenge(&verifier);
    let state = pkce::state_from_random(&[random; 16]);
    let redirect = "http://127.0.0.1:1/oauth/callback";
    let url = signin::login::authorize_url(
        &endpoint(world),
        SAME_DEVICE_CLIENT_ID,
        &state,
        &challenge,
        redirect,
    );
    let get = http::Request::get(url.parse::<http::Uri>().unwrap())
        .body(Vec::new())
        .unwrap();
    let (status, headers, _) = raw(world, &get);
    assert_eq!(status, 302);
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .unwrap()
        .1
        .clone();
    let query = location.split_once('?').unwrap().1;
    let code = pkce::parse_callback(query, &state).expect("the callback carries the code");
    let op = CreateOAuth2Token {
        endpoint: endpoint(world),
        client_id: SAME_DEVICE_CLIENT_ID.into(),
        grant: LoginGrant::AuthorizationCode {
            code: code.into(),
            code_verifier: verifier.into(),
            redirect_uri: redirect.into(),
        },
        key: key.clone(),
        jti: signin::jti_from_random(&[random; 16]),
    };
    let now = SystemTime::now();
    let (status, headers, body) = raw(world, &op.request(now).unwrap());
    let mut response = http::Response::builder().status(status);
    for (k, v) in headers {
        response = response.header(k, v);
    }
    let output = op
        .parse(&response.body(body).unwrap())
        .expect("the code is redeemed");
    let (session, token) =
        signin::login::new_session(&output, SAME_DEVICE_CLIENT_ID, &key, now).unwrap();
    let bytes = token.to_json();
    write_login(world, &session, &bytes);
    (session, bytes)
}

#[test]
fn a_file_from_the_emulator_backed_login_resolves_and_refreshes() {
    let world = World::new();
    let (session, _) = emulator_login(&world, 5);
    assert_eq!(session, world.emulator.console_session_arn());
    world.write_config(&CONSOLE_CONFIG.replace("LOGIN_SESSION", &session));
    let first = resolve(&world, "console", 1).expect("fresh credentials");
    assert_eq!(
        world.emulator.count("CreateOAuth2Token"),
        1,
        "only the login's call"
    );
    // Make them due, as 11 minutes later.
    let mut token = read_login(&world, &session);
    let c = &token.credentials;
    token.credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token().map(str::to_string),
        Some(SystemTime::now() + Duration::from_secs(60)),
    )
    .with_account_id(c.account_id().map(str::to_string));
    write_login(&world, &session, &token.to_json());
    let second = resolve(&world, "console", 2).expect("refreshed");
    assert_ne!(
        second.credentials.access_key_id(),
        first.credentials.access_key_id()
    );
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 2);
    let _ = Env::default();
}
