//! The transport over real sockets: retries, the body cap, timeouts, error kinds, the TLS rule.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use awscred_core::{Error, Operation, ServiceError, TransportKind};
use awscred_hyper::{Client, ClientConfig, MAX_BODY};
use common::{Action, Server};

/// A minimal operation: POSTs to a URL, returns the body, maps error statuses like AWS services.
struct Fetch {
    url: String,
    built: AtomicUsize,
}

impl Fetch {
    fn new(url: String) -> Self {
        Fetch {
            url,
            built: AtomicUsize::new(0),
        }
    }
}

impl Operation for Fetch {
    type Output = Vec<u8>;
    const NAME: &'static str = "Fetch";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let n = self.built.fetch_add(1, Ordering::SeqCst) + 1;
        http::Request::post(&self.url)
            .header("x-build", n.to_string())
            .body(b"ping".to_vec())
            .map_err(|e| Error::InvalidInput(e.to_string()))
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Vec<u8>, Error> {
        let status = response.status().as_u16();
        let error = |code: &str| ServiceError {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
        };
        match status {
            200..=299 => Ok(response.body().clone()),
            429 => Err(Error::Throttled(error("TooManyRequestsException"))),
            500..=599 => Err(Error::Service(error("InternalServerError"))),
            _ => Err(Error::Service(error("BadRequest"))),
        }
    }
}

fn ok(body: &str) -> Action {
    Action::Reply(200, body.as_bytes().to_vec())
}

fn kind(result: Result<http::Response<Vec<u8>>, Error>) -> TransportKind {
    match result {
        Err(Error::Transport { kind, .. }) => kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn execute_sends_parses_and_rebuilds_each_attempt() {
    let server = Server::start(vec![Action::Reply(503, vec![]), Action::Cut, ok("pong")]).await;
    let op = Fetch::new(server.url("/op"));
    let body = Client::default().execute(&op).await.unwrap();
    assert_eq!(body, b"pong");
    assert_eq!(server.count(), 3);
    assert_eq!(
        op.built.load(Ordering::SeqCst),
        3,
        "each attempt rebuilds (re-signs) the request"
    );
    let seen = server.requests.lock().unwrap().clone();
    assert!(seen[2].head.starts_with("POST /op HTTP/1.1\r\n"));
    assert!(seen[2].head.contains("x-build: 3\r\n"));
    assert!(
        seen[2]
            .head
            .to_ascii_lowercase()
            .contains("user-agent: awscred/")
    );
    assert_eq!(seen[2].body, b"ping");
}

#[tokio::test]
async fn execute_retries_throttling_then_succeeds() {
    let server = Server::start(vec![Action::Reply(429, vec![]), ok("pong")]).await;
    let op = Fetch::new(server.url("/"));
    assert_eq!(Client::default().execute(&op).await.unwrap(), b"pong");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn execute_gives_up_after_the_last_attempt() {
    let server = Server::start(vec![Action::Reply(503, vec![])]).await;
    let op = Fetch::new(server.url("/"));
    let client = Client::default();
    let e = client.execute(&op).await.unwrap_err();
    assert_eq!(e.service_error().map(|s| s.status), Some(503), "{e:?}");
    let attempts = server.count();
    assert!(attempts >= 2, "retried at least once ({attempts})");
    assert_eq!(op.built.load(Ordering::SeqCst), attempts);
}

#[tokio::test]
async fn execute_does_not_retry_client_errors() {
    let server = Server::start(vec![Action::Reply(400, vec![])]).await;
    let op = Fetch::new(server.url("/"));
    let e = Client::default().execute(&op).await.unwrap_err();
    assert_eq!(e.code(), Some("BadRequest"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn send_retries_statuses_and_cut_connections() {
    let server = Server::start(vec![Action::Cut, Action::Reply(503, vec![]), ok("done")]).await;
    let request = http::Request::get(server.url("/x"))
        .body(Vec::new())
        .unwrap();
    let response = Client::default().send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), b"done");
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn send_returns_the_last_answer_when_attempts_run_out() {
    let server = Server::start(vec![Action::Reply(500, b"{}".to_vec())]).await;
    let request = http::Request::get(server.url("/"))
        .body(Vec::new())
        .unwrap();
    let response = Client::default().send(request).await.unwrap();
    assert_eq!(response.status(), 500);
    assert!(server.count() >= 2);
}

#[tokio::test]
async fn send_once_does_not_retry() {
    let server = Server::start(vec![Action::Reply(503, vec![]), ok("late")]).await;
    let request = http::Request::get(server.url("/"))
        .body(Vec::new())
        .unwrap();
    let response = Client::default().send_once(request).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn connections_are_pooled() {
    let server = Server::start(vec![ok("a")]).await;
    let client = Client::default();
    for _ in 0..3 {
        let request = http::Request::get(server.url("/"))
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            client.clone().send_once(request).await.unwrap().body(),
            b"a"
        );
    }
    assert_eq!(server.count(), 3);
    assert_eq!(
        server.connections(),
        1,
        "clones share one pool and keep the connection alive"
    );
}

#[tokio::test]
async fn bodies_are_capped() {
    let server = Server::start(vec![
        Action::Chunked(MAX_BODY),
        Action::Chunked(MAX_BODY + 1),
        Action::Claim(MAX_BODY as u64 + 1),
        Action::Chunked(64 * MAX_BODY),
    ])
    .await;
    let client = Client::default();
    let get = || {
        http::Request::get(server.url("/"))
            .body(Vec::new())
            .unwrap()
    };
    assert_eq!(
        client.send_once(get()).await.unwrap().body().len(),
        MAX_BODY
    );
    assert_eq!(kind(client.send_once(get()).await), TransportKind::Protocol);
    assert_eq!(kind(client.send_once(get()).await), TransportKind::Protocol);
    // Not retried: a body too large will be too large again.
    assert_eq!(kind(client.send(get()).await), TransportKind::Protocol);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback_before_connecting() {
    let client = Client::default();
    for url in [
        "http://sts.us-east-1.amazonaws.com/",
        "http://10.255.255.1:9/",
        "http://[2001:db8::1]/",
    ] {
        let request = http::Request::get(url).body(Vec::new()).unwrap();
        let started = std::time::Instant::now();
        let e = client.send(request).await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{url}: {e:?}");
        assert!(e.to_string().contains("plain HTTP"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "no connection attempt, no retry"
        );
    }
    let op = Fetch::new("http://example.com/".into());
    assert!(matches!(
        client.execute(&op).await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(op.built.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refused_connections_are_connect_errors() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let request = http::Request::get(format!("http://127.0.0.1:{port}/"))
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        kind(Client::default().send_once(request).await),
        TransportKind::Connect
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = Server::start(vec![Action::Stall(Duration::from_secs(5))]).await;
    let config = ClientConfig {
        connect_timeout: Duration::from_millis(100),
        read_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    };
    let request = http::Request::get(server.url("/"))
        .body(Vec::new())
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        kind(Client::new(config).send_once(request).await),
        TransportKind::Timeout
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn broken_answers_are_sorted_by_kind() {
    let server = Server::start(vec![
        Action::Raw(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()),
        Action::Claim(100),
    ])
    .await;
    let client = Client::default();
    let get = || {
        http::Request::get(server.url("/"))
            .body(Vec::new())
            .unwrap()
    };
    assert_eq!(
        kind(client.send_once(get()).await),
        TransportKind::Protocol,
        "not HTTP"
    );
    assert_eq!(
        kind(client.send_once(get()).await),
        TransportKind::Io,
        "body cut short"
    );
}

#[tokio::test]
async fn tls_failures_are_tls_errors() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A plain-HTTP server answering the TLS ClientHello with an HTTP error, as one does.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello).await;
        let _ = stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let request = http::Request::get(format!("https://127.0.0.1:{port}/"))
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        kind(Client::default().send_once(request).await),
        TransportKind::Tls
    );
}
