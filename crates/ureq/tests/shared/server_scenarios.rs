//! One test suite for both container-credentials endpoints: `awscred_ureq::credential_server`
//! (std threads) and `awscred_hyper::credential_server` (tokio) go through the same
//! scenarios, over real sockets on 127.0.0.1 with raw HTTP clients (and the AWS CLI v2 when it
//! is installed), against the emulator, and must answer the same.
//!
//! Each driver's `tests/server_suite.rs` includes this file with `#[path]`, implements
//! [`Server`] for its endpoint and expands [`server_scenarios!`] into one `#[test]` per
//! scenario. Time is injected: the provider's cache runs on the emulator's clock, which the
//! scenarios move past the credentials' expiry.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use awscred_core::config::Env;
use awscred_core::container_endpoint::CREDENTIALS_PATH;
use awscred_core::{Credentials, Error};
use awscred_emulator::{Emulator, EmulatorConfig};

/// A client gives up on an answer after this long. Longer than any answer takes on loopback,
/// shorter than the endpoints' 10 s request timeout: a client served only after another
/// client's timeout fails the scenario.
pub const CLIENT_PATIENCE: Duration = Duration::from_secs(5);

/// Raw clients sent at once in the concurrency scenario.
pub const CLIENTS: usize = 16;
/// AWS CLI processes per round of the concurrency scenario, when the AWS CLI is installed.
pub const CLI_RUNS: usize = 3;

/// What a scenario needs of an endpoint.
pub trait Server: Sized + std::fmt::Debug + Send + Sync + 'static {
    /// Serves a profile of `env` (use_cli_cache off), its cache on `clock`, on 127.0.0.1:0.
    fn start_profile(
        env: Env,
        profile: &str,
        clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    ) -> Self;
    /// Serves what `resolver` gives, on 127.0.0.1:0.
    fn start_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self;
    /// Where it listens.
    fn addr(&self) -> SocketAddr;
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    fn url(&self) -> String;
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    fn token(&self) -> String;
    /// Both variables.
    fn env(&self) -> [(&'static str, String); 2];
    /// Stops it (and waits until it has).
    fn stop(self);
}

/// An answer as read off the socket.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Sends `raw` on a new connection and reads until the server closes it.
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(CLIENT_PATIENCE)).unwrap();
    // A server that refuses a large head may close before all of it is written.
    let _ = stream.write_all(raw);
    read_answer(&mut stream)
}

/// Reads one answer, up to the server's close (a reset after the answer still counts).
pub fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "no answer within {CLIENT_PATIENCE:?} ({e}); so far: {:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A GET of `path` with `Host: host` and, if given, `Authorization: auth`.
pub fn get(addr: SocketAddr, method: &str, path: &str, host: &str, auth: Option<&str>) -> Answer {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    exchange(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n")
            .as_bytes(),
    )
}

/// The request an SDK sends.
pub fn good(server: &impl Server) -> Answer {
    let addr = server.addr();
    get(
        addr,
        "GET",
        CREDENTIALS_PATH,
        &addr.to_string(),
        Some(&server.token()),
    )
}

/// Fixed temporary credentials, served through a resolver.
pub fn fixed() -> Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync> {
    Arc::new(|| {
        Ok(Credentials::new(
            "ASIATEST",
            "never-shown",
            Some("tok".into()),
            Some(SystemTime::now() + Duration::from_secs(3600)),
        ))
    })
}

/// The AWS CLI v2 the interop parts run against (`awscred_emulator::interop`).
pub use awscred_emulator::interop::aws_cli;

/// A home with a role on static keys (`app`), for the emulator's STS.
fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = emulator-static-secret-key\n",
    )
    .unwrap();
    home
}

/// Only the token, on the path, with a loopback Host, gets credentials; everything else gets
/// the core's refusal, with no CORS header and no secret.
pub fn only_the_token_on_the_path_from_loopback_gets_credentials<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    let token = server.token();
    let ours = addr.to_string();
    assert!(
        server.url().starts_with("http://127.0.0.1:"),
        "{}",
        server.url()
    );
    assert!(
        !format!("{server:?}").contains(&token),
        "Debug shows no token"
    );

    let ok = get(addr, "GET", CREDENTIALS_PATH, &ours, Some(&token));
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.body.contains("\"AccessKeyId\":\"ASIATEST\""), "{ok:?}");
    let port = addr.port();
    let refused = [
        get(addr, "GET", CREDENTIALS_PATH, &ours, None),
        get(addr, "GET", CREDENTIALS_PATH, &ours, Some("wrong")),
        get(addr, "GET", CREDENTIALS_PATH, &format!("{token}x"), Some(&token)),
        get(
            addr,
            "GET",
            CREDENTIALS_PATH,
            &format!("attacker.example:{port}"),
            Some(&token),
        ),
        get(addr, "GET", CREDENTIALS_PATH, "127.0.0.1:1", Some(&token)),
        get(addr, "GET", "/", &ours, Some(&token)),
        get(addr, "GET", &format!("{CREDENTIALS_PATH}?x=1"), &ours, Some(&token)),
        get(addr, "POST", CREDENTIALS_PATH, &ours, Some(&token)),
        exchange(
            addr,
            format!(
                "GET {CREDENTIALS_PATH} HTTP/1.1\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        ),
    ];
    for (answer, status) in refused
        .iter()
        .zip([401, 403, 403, 403, 403, 404, 404, 405, 403])
    {
        assert_eq!(answer.status, status, "{answer:?}");
        assert!(answer.body.contains("\"Code\""), "{answer:?}");
        assert!(!answer.body.contains("never-shown"), "{answer:?}");
        assert!(
            !answer.head.to_ascii_lowercase().contains("access-control"),
            "{answer:?}"
        );
    }
}

/// `HEAD` gets the status and headers of a `GET`, and no body.
pub fn head_gets_no_body<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    let answer = get(
        addr,
        "HEAD",
        CREDENTIALS_PATH,
        &addr.to_string(),
        Some(&server.token()),
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer:?}"
    );
    assert_eq!(answer.body, "", "no body after the head");
}

/// A client that connects and sends nothing, and one that sends half a head and stops, do
/// not hold up the next client.
pub fn an_idle_client_does_not_hold_up_another<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    let _silent = TcpStream::connect(addr).unwrap();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(format!("GET {CREDENTIALS_PATH} HTTP/1.1\r\nHo").as_bytes())
        .unwrap();
    for _ in 0..3 {
        let answer = good(&server);
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

/// A head far over any cap gets no credentials (431, or the connection closed), even with
/// the token; the server goes on serving.
pub fn an_oversized_head_is_refused<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    let mut raw = format!(
        "GET {CREDENTIALS_PATH} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\n",
        server.token()
    )
    .into_bytes();
    let filler = format!("X-Filler: {}\r\n", "a".repeat(1000));
    while raw.len() < 1024 * 1024 {
        raw.extend_from_slice(filler.as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    let answer = exchange(addr, &raw);
    assert!(
        answer.status == 431 || answer.status == 0,
        "an oversized head is refused: {answer:?}"
    );
    assert!(!answer.body.contains("never-shown"), "{answer:?}");
    let after = good(&server);
    assert_eq!(after.status, 200, "{after:?}");
}

/// Garbage on the wire gets a 400 (or a close), never credentials, and the server goes on.
pub fn a_malformed_request_is_refused<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    for raw in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"[..],
        b"GET /awscred/credentials HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /awscred/credentials HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
    ] {
        let answer = exchange(addr, raw);
        assert!(
            matches!(answer.status, 400 | 505 | 0),
            "{:?}: {answer:?}",
            String::from_utf8_lossy(raw)
        );
    }
    assert_eq!(good(&server).status, 200);
}

/// When the credentials cannot be had the client gets a 500 saying why; long-term keys (no
/// session token) are refused the same way, and their secret is not sent.
pub fn unavailable_credentials_are_a_500_with_the_reason<S: Server>() {
    let failing = S::start_resolver(Arc::new(|| {
        Err(Error::Config("profile gone: no such thing".into()))
    }));
    let answer = good(&failing);
    assert_eq!(answer.status, 500, "{answer:?}");
    assert!(answer.body.contains("CredentialsUnavailable"), "{answer:?}");
    assert!(answer.body.contains("profile gone"), "{answer:?}");

    let long_term = S::start_resolver(Arc::new(|| {
        Ok(Credentials::new(
            "AKIALONGTERM",
            "long-term-secret",
            None,
            None,
        ))
    }));
    let answer = good(&long_term);
    assert_eq!(answer.status, 500, "{answer:?}");
    assert!(!answer.body.contains("long-term-secret"), "{answer:?}");
}

/// After `stop`, nothing listens on the port.
pub fn stop_closes_the_port<S: Server>() {
    let server = S::start_resolver(fixed());
    let addr = server.addr();
    assert_eq!(good(&server).status, 200);
    server.stop();
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed after stop"
    );
}

/// Many clients at once — raw clients and, when installed, AWS CLI processes calling
/// GetCallerIdentity through the endpoint — get credentials from one AssumeRole; after the
/// credentials expire on the emulator's clock, the next round makes one more.
pub fn many_clients_share_one_refresh_across_an_expiry<S: Server>() {
    let aws = aws_cli();
    let lifetime = Duration::from_secs(15 * 60);
    let emulator = Arc::new(
        Emulator::start(EmulatorConfig {
            credential_lifetime: lifetime,
            // The AWS CLI signs with this machine's clock; the emulator's moves ahead of it.
            max_clock_skew: None,
            ..EmulatorConfig::demo()
        })
        .expect("the emulator starts"),
    );
    let home = home();
    let env = Env::from_pairs([
        ("HOME", home.path().display().to_string()),
        ("AWS_ENDPOINT_URL", emulator.url()),
    ]);
    let clock = Arc::clone(&emulator);
    let server = Arc::new(S::start_profile(env, "app", Arc::new(move || clock.now())));

    round(&server, &emulator, home.path(), aws.as_deref());
    assert_eq!(
        emulator.count("AssumeRole"),
        1,
        "one refresh for every client"
    );

    emulator.advance(lifetime + Duration::from_secs(60));
    round(&server, &emulator, home.path(), aws.as_deref());
    assert_eq!(
        emulator.count("AssumeRole"),
        2,
        "one refresh after the expiry"
    );
    let refused = emulator
        .requests()
        .iter()
        .filter(|r| r.operation == "GetCallerIdentity" && r.status != 200)
        .count();
    assert_eq!(refused, 0, "no client got expired credentials");
}

/// One round: CLIENTS raw requests released together, and the AWS CLI runs beside them.
fn round<S: Server>(server: &Arc<S>, emulator: &Emulator, home: &Path, aws: Option<&Path>) {
    let start = Arc::new(Barrier::new(CLIENTS));
    let raw: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (server, start) = (Arc::clone(server), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                good(&*server)
            })
        })
        .collect();
    let cli: Vec<_> = aws
        .into_iter()
        .flat_map(|aws| std::iter::repeat_n(aws.to_path_buf(), CLI_RUNS))
        .map(|aws| {
            let mut cmd = std::process::Command::new(aws);
            cmd.env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", home)
                .env("AWS_ENDPOINT_URL", emulator.url())
                .env("AWS_REGION", "us-east-1")
                .env("AWS_PAGER", "")
                .envs(server.env().map(|(k, v)| (k.to_string(), v)))
                .args(["sts", "get-caller-identity", "--output", "json"]);
            std::thread::spawn(move || cmd.output().expect("the AWS CLI starts"))
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for client in raw {
        let answer = client.join().expect("a client thread");
        assert_eq!(answer.status, 200, "{answer:?}");
        let json: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
        keys.insert(json["AccessKeyId"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(
        keys.len(),
        1,
        "every client of a round got the same credentials"
    );
    for run in cli {
        let out = run.join().expect("an AWS CLI thread");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the AWS CLI failed\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("assumed-role/app"), "{stdout}\n{stderr}");
        for secret in emulator.issued_secrets() {
            assert!(!stderr.contains(&secret), "the AWS CLI printed a secret");
        }
    }
}

/// One `#[test]` per scenario for the endpoint type `$server`.
#[macro_export]
macro_rules! server_scenarios {
    ($server:ty) => {
        #[test]
        fn only_the_token_on_the_path_from_loopback_gets_credentials() {
            server_scenarios::only_the_token_on_the_path_from_loopback_gets_credentials::<$server>()
        }
        #[test]
        fn head_gets_no_body() {
            server_scenarios::head_gets_no_body::<$server>()
        }
        #[test]
        fn an_idle_client_does_not_hold_up_another() {
            server_scenarios::an_idle_client_does_not_hold_up_another::<$server>()
        }
        #[test]
        fn an_oversized_head_is_refused() {
            server_scenarios::an_oversized_head_is_refused::<$server>()
        }
        #[test]
        fn a_malformed_request_is_refused() {
            server_scenarios::a_malformed_request_is_refused::<$server>()
        }
        #[test]
        fn unavailable_credentials_are_a_500_with_the_reason() {
            server_scenarios::unavailable_credentials_are_a_500_with_the_reason::<$server>()
        }
        #[test]
        fn stop_closes_the_port() {
            server_scenarios::stop_closes_the_port::<$server>()
        }
        #[test]
        fn many_clients_share_one_refresh_across_an_expiry() {
            server_scenarios::many_clients_share_one_refresh_across_an_expiry::<$server>()
        }
    };
}
