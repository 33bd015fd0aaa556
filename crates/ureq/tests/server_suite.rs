//! The shared endpoint scenarios (`shared/server_scenarios.rs`, also run by awscred-hyper) on
//! `awscred_ureq::credential_server`, and what only this endpoint has: its bound on
//! connections and its request timeout ([`Limits`]).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::config::Env;
use awscred_core::{Credentials, Error};
use awscred_ureq::credential_server::{CREDENTIALS_PATH, CredentialServer, Limits};
use awscred_ureq::{Client, Provider};

#[macro_use]
#[path = "shared/server_scenarios.rs"]
mod server_scenarios;

use server_scenarios::{Server, exchange, fixed, good, read_answer};

/// The blocking endpoint.
#[derive(Debug)]
struct Ureq(CredentialServer);

impl Server for Ureq {
    fn start_profile(
        env: Env,
        profile: &str,
        clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    ) -> Self {
        let provider = Provider::builder()
            .env(env)
            .profile(profile.to_string())
            .use_cli_cache(false)
            .clock(move || clock())
            .build();
        Ureq(CredentialServer::start(provider, 0, [42; 32]).expect("the endpoint starts"))
    }

    fn start_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self {
        let provider = Provider::from_resolver(Client::default(), move || resolver());
        Ureq(CredentialServer::start(provider, 0, [1; 32]).expect("the endpoint starts"))
    }

    fn addr(&self) -> SocketAddr {
        self.0.addr()
    }

    fn url(&self) -> String {
        self.0.url()
    }

    fn token(&self) -> String {
        self.0.token().expose().to_string()
    }

    fn env(&self) -> [(&'static str, String); 2] {
        self.0.env()
    }

    fn stop(self) {
        self.0.stop()
    }
}

server_scenarios!(Ureq);

fn limited(limits: Limits) -> Ureq {
    let provider = Provider::from_resolver(Client::default(), move || fixed()());
    Ureq(CredentialServer::start_with(provider, 0, [3; 32], limits).expect("the endpoint starts"))
}

/// One connection more than the bound is answered 503 at once; when the others go away the
/// endpoint serves again.
#[test]
fn more_clients_than_the_bound_get_503() {
    let server = limited(Limits {
        max_connections: 4,
        ..Limits::default()
    });
    let addr = server.addr();
    let silent: Vec<_> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // The silent ones are taken in order; the fifth finds no place.
    let answer = good(&server);
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(answer.body.contains("ServiceUnavailable"), "{answer:?}");
    drop(silent);
    // Each silent connection's thread sees its close and gives its place back.
    let served = (0..200).find_map(|_| {
        let answer = good(&server);
        if answer.status == 200 {
            return Some(answer);
        }
        std::thread::sleep(Duration::from_millis(10));
        None
    });
    assert!(
        served.is_some(),
        "served again once the silent clients left"
    );
}

/// A client that sends nothing, or drips its head a byte at a time, is answered 408 when its
/// time is up, however steadily it drips.
#[test]
fn a_slow_client_gets_408_when_its_time_is_up() {
    let server = limited(Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let addr = server.addr();
    let mut silent = TcpStream::connect(addr).unwrap();
    silent
        .set_read_timeout(Some(server_scenarios::CLIENT_PATIENCE))
        .unwrap();
    let answer = read_answer(&mut silent);
    assert_eq!(answer.status, 408, "{answer:?}");

    let mut drip = TcpStream::connect(addr).unwrap();
    drip.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let request = format!("GET {CREDENTIALS_PATH} HTTP/1.1\r\nX-Slow: ");
    let mut got = Vec::new();
    for byte in request.bytes().chain(std::iter::repeat(b'a')) {
        if drip.write_all(&[byte]).is_err() {
            break;
        }
        let mut buf = [0u8; 512];
        match drip.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => break,
        }
        if got.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert_eq!(good(&server).status, 200);
}

/// A head one byte over the core's cap is refused with 431 and a JSON reason.
#[test]
fn a_head_just_over_the_cap_gets_431() {
    let server = limited(Limits::default());
    let addr = server.addr();
    let mut raw = format!("GET {CREDENTIALS_PATH} HTTP/1.1\r\nX: ").into_bytes();
    raw.resize(awscred_core::http1::MAX_REQUEST_HEAD + 1, b'a');
    let answer = exchange(addr, &raw);
    assert_eq!(answer.status, 431, "{answer:?}");
    assert!(answer.head.contains("connection: close"), "{answer:?}");
}
