//! A container-credentials endpoint on 127.0.0.1 that serves a [`Provider`]'s credentials
//! (`awscred serve`, `awscred exec --server`), with std threads and sockets only: any SDK or
//! the AWS CLI given `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` gets credentials that refresh themselves. Concurrent
//! requests that find the credentials due share one refresh: the provider's cache lets one
//! caller resolve while the others wait for its result ([`Provider`]).
//!
//! What a request must carry and what it gets are the core's
//! ([`awscred_core::container_endpoint`]), and so is reading the request head
//! ([`awscred_core::http1`]); this module only listens, moves the bytes and bounds what a
//! client can hold: one thread per connection, at most [`Limits::max_connections`] at once
//! (a connection beyond that is answered 503 and closed), each given
//! [`Limits::request_timeout`] to send its head (then 408), a head of at most
//! [`MAX_REQUEST_HEAD`] bytes (then 431), one request per connection (`Connection: close`).
//! Each request is logged (method, path, status, why it was refused) with `tracing`, never
//! its headers.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use awscred_core::Secret;
use awscred_core::container_endpoint::{
    self, EndpointGuard, FULL_URI_VAR, TOKEN_VAR, credentials_response, error_response,
    refusal_response,
};
use awscred_core::http1::{HeadProgress, MAX_REQUEST_HEAD, encode_response, parse_request_head};
use awscred_files::callback::answer;

use crate::Provider;

/// The path served, re-exported for callers building URLs by hand.
pub use container_endpoint::CREDENTIALS_PATH;

/// How long the connection that wakes the accept loop up (to stop it) may take.
const WAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once (a thread each); one more is answered 503 and closed.
    pub max_connections: usize,
    /// How long a connection may take to send its whole request head, counted from when it
    /// was accepted (a client that drips a byte at a time gets no more); then 408.
    pub request_timeout: Duration,
}

impl Default for Limits {
    /// 64 connections (an SDK opens one or two; a build running many clients at once stays
    /// well under it), 10 s for a request head (the AWS CLI's own login listener's wait).
    fn default() -> Self {
        Limits {
            max_connections: 64,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// A running endpoint. Dropping it (or [`CredentialServer::stop`]) stops it.
pub struct CredentialServer {
    addr: SocketAddr,
    guard: Arc<EndpointGuard>,
    stopping: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CredentialServer {
    /// Listens on `127.0.0.1:port` (0: a free port) and serves `provider`'s credentials, with
    /// the default [`Limits`]. `random` makes this run's token (the caller's random source;
    /// 32 bytes).
    pub fn start(provider: Provider, port: u16, random: [u8; 32]) -> io::Result<CredentialServer> {
        CredentialServer::start_with(provider, port, random, Limits::default())
    }

    /// [`CredentialServer::start`] with other [`Limits`].
    pub fn start_with(
        provider: Provider,
        port: u16,
        random: [u8; 32],
        limits: Limits,
    ) -> io::Result<CredentialServer> {
        // Loopback only: nothing off this machine can connect.
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let guard = Arc::new(EndpointGuard::new(addr.port(), random));
        let stopping = Arc::new(AtomicBool::new(false));
        let acceptor = Acceptor {
            listener,
            guard: Arc::clone(&guard),
            provider,
            limits,
            stopping: Arc::clone(&stopping),
            active: Arc::new(AtomicUsize::new(0)),
        };
        let accepting = std::thread::Builder::new()
            .name("awscred-credential-server".into())
            .spawn(move || acceptor.run())?;
        Ok(CredentialServer {
            addr,
            guard,
            stopping,
            accepting: Some(accepting),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value of `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> String {
        self.guard.url()
    }

    /// The value of `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &Secret {
        self.guard.token()
    }

    /// The two variables a client needs, as `(name, value)`.
    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            (FULL_URI_VAR, self.url()),
            (TOKEN_VAR, self.token().expose().to_string()),
        ]
    }

    /// Stops accepting connections and closes the listening socket; requests already being
    /// answered finish on their own threads.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(accepting) = self.accepting.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // The acceptor blocks in `accept`: a connection of our own wakes it to see the flag.
        // If even that fails the socket is unusable and the acceptor has already returned.
        if TcpStream::connect_timeout(&self.addr, WAKE_TIMEOUT).is_ok() {
            let _ = accepting.join();
        }
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// The listening side, on its own thread.
struct Acceptor {
    listener: TcpListener,
    guard: Arc<EndpointGuard>,
    provider: Provider,
    limits: Limits,
    stopping: Arc<AtomicBool>,
    /// Connections being served now.
    active: Arc<AtomicUsize>,
}

impl Acceptor {
    fn run(self) {
        loop {
            let accepted = self.listener.accept();
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            let mut stream = match accepted {
                Ok((stream, _)) => stream,
                // A client that went away before it was taken: its own end, not ours.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                // Out of descriptors (EMFILE/ENFILE) or another passing failure: the backlog
                // waits while connections finish, without spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "credentials endpoint cannot accept for now");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            let slot = Slot::take(&self.active, self.limits.max_connections);
            let Some(slot) = slot else {
                tracing::warn!(
                    limit = self.limits.max_connections,
                    status = 503,
                    "credentials request refused: too many connections"
                );
                answer(&mut stream, &busy_response());
                continue;
            };
            let (guard, provider, limits) =
                (Arc::clone(&self.guard), self.provider.clone(), self.limits);
            let spawned = std::thread::Builder::new()
                .name("awscred-credential-request".into())
                .spawn(move || {
                    let _slot = slot;
                    serve_connection(stream, &guard, &provider, limits.request_timeout);
                });
            if let Err(e) = spawned {
                // The stream went with the closure and is closed; the client may retry.
                tracing::warn!(error = %e, "credentials request dropped: no thread for it");
            }
        }
    }
}

/// One of the [`Limits::max_connections`] places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(active: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(active)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads one request head (bounded in size and time), answers it, closes.
fn serve_connection(
    mut stream: TcpStream,
    guard: &EndpointGuard,
    provider: &Provider,
    timeout: Duration,
) {
    let deadline = Instant::now() + timeout;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let parsed = loop {
        match parse_request_head(&head) {
            HeadProgress::Incomplete => {}
            done => break done,
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return refuse(stream, 408, "the request took too long");
        }
        // One byte past the cap at most, so that an oversized head is recognised.
        let room = (MAX_REQUEST_HEAD + 1 - head.len()).min(buf.len());
        match stream.read(&mut buf[..room]) {
            // Gone before a whole request: nobody to answer.
            Ok(0) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return refuse(stream, 408, "the request took too long");
            }
            Err(_) => return,
        }
    };
    let request = match parsed {
        HeadProgress::Complete(request) => request,
        HeadProgress::Invalid { status, reason } => return refuse(stream, status, reason),
        HeadProgress::Incomplete => return,
    };
    let (method, path) = (&request.method, request.uri.path());
    let response = match guard.check(method, &request.uri, &request.headers) {
        Err(rejection) => {
            tracing::warn!(%method, %path, status = rejection.status(), reason = %rejection, "credentials request refused");
            rejection.response()
        }
        Ok(()) => match provider
            .credentials_shared()
            .and_then(|c| credentials_response(&c))
        {
            Ok(r) => {
                tracing::info!(%method, %path, status = 200, "credentials served");
                r
            }
            Err(e) => {
                tracing::warn!(%method, %path, status = 500, error = %e, "credentials unavailable");
                error_response(&e)
            }
        },
    };
    let head_only = request.method == http::Method::HEAD;
    answer(&mut stream, &encode_response(&response, head_only));
}

/// Answers a request that is not one (malformed, too large, too slow) and closes.
fn refuse(mut stream: TcpStream, status: u16, reason: &'static str) {
    tracing::warn!(status, reason, "credentials request refused");
    answer(
        &mut stream,
        &encode_response(&refusal_response(status, reason), false),
    );
}

/// The answer to a connection beyond [`Limits::max_connections`].
fn busy_response() -> Vec<u8> {
    encode_response(
        &refusal_response(
            503,
            "too many connections to the credentials endpoint; retry",
        ),
        false,
    )
}
