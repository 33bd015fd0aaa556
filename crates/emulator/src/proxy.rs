//! Test proxies on 127.0.0.1: a CONNECT proxy that records what it tunnels (optionally asking
//! for credentials or refusing every tunnel), and a TLS-inspecting one that, like a corporate
//! middlebox, ends the client's TLS with a certificate of its own CA and opens its own TLS to
//! the endpoint. Both only tunnel to loopback addresses (and to `*.test` names, which they
//! resolve to 127.0.0.1), so no test can reach further.
//!
//! ```no_run
//! use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
//!
//! let proxy = ConnectProxy::start(ProxyOptions::default().with_credentials("u", "p"))?;
//! // HTTPS_PROXY = proxy.url() …
//! assert!(proxy.tunnels().is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::tls::TestCa;

const MAX_HEAD: usize = 16 * 1024;

/// How a [`ConnectProxy`] behaves.
#[derive(Default)]
pub struct ProxyOptions {
    credentials: Option<String>,
    refuse_with: Option<u16>,
    inspect: Option<Inspection>,
}

struct Inspection {
    ca: TestCa,
    upstream: rustls::RootCertStore,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyOptions")
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "** redacted **"),
            )
            .field("refuse_with", &self.refuse_with)
            .field("inspects_tls", &self.inspect.is_some())
            .finish()
    }
}

impl ProxyOptions {
    /// Answer `407 Proxy Authentication Required` unless CONNECT carries
    /// `Proxy-Authorization: Basic base64(user:password)`.
    pub fn with_credentials(mut self, user: &str, password: &str) -> Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.credentials = Some(format!("Basic {token}"));
        self
    }

    /// Answer every CONNECT with `status` (e.g. 403) and close.
    pub fn refusing_with(mut self, status: u16) -> Self {
        self.refuse_with = Some(status);
        self
    }

    /// Inspect TLS: present certificates signed by `ca` to the client, and reach the endpoint
    /// over TLS trusting only `upstream_ca_pem` (the emulator's [`crate::Emulator::ca_pem`]).
    pub fn inspecting_tls(mut self, ca: TestCa, upstream_ca_pem: &str) -> std::io::Result<Self> {
        let mut upstream = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(upstream_ca_pem.as_bytes()) {
            let cert = cert.map_err(|e| std::io::Error::other(format!("upstream CA: {e}")))?;
            upstream
                .add(cert)
                .map_err(|e| std::io::Error::other(format!("upstream CA: {e}")))?;
        }
        self.inspect = Some(Inspection { ca, upstream });
        Ok(self)
    }
}

/// One CONNECT the proxy received.
#[derive(Clone, PartialEq, Eq)]
pub struct TunnelRecord {
    /// `host:port` the client asked for.
    pub target: String,
    /// The `Proxy-Authorization` value the client sent, if any (a test secret; `Debug` hides it).
    pub authorization: Option<String>,
    /// The status the proxy answered CONNECT with.
    pub status: u16,
    /// With TLS inspection: whether the client accepted the proxy's certificate.
    pub client_trusted_inspection: Option<bool>,
    /// With TLS inspection: the request lines the proxy read in clear text
    /// (`GET /federation/credentials?… HTTP/1.1`).
    pub inspected_requests: Vec<String>,
}

impl std::fmt::Debug for TunnelRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TunnelRecord")
            .field("target", &self.target)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "** redacted **"),
            )
            .field("status", &self.status)
            .field("client_trusted_inspection", &self.client_trusted_inspection)
            .field("inspected_requests", &self.inspected_requests.len())
            .finish()
    }
}

struct Shared {
    options: ProxyOptions,
    records: Mutex<Vec<TunnelRecord>>,
}

impl Shared {
    fn update(&self, index: usize, f: impl FnOnce(&mut TunnelRecord)) {
        if let Some(r) = self
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(index)
        {
            f(r);
        }
    }
}

/// A running proxy on 127.0.0.1. Dropping it stops it.
pub struct ConnectProxy {
    shared: Arc<Shared>,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectProxy")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl ConnectProxy {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub fn start(options: ProxyOptions) -> std::io::Result<ConnectProxy> {
        let listener = StdListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            options,
            records: Mutex::new(Vec::new()),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = Arc::clone(&shared);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name(format!("awscred-test-proxy-{port}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let accepting = tokio::spawn(async move {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            tokio::spawn(handle(stream, Arc::clone(&server)));
                        }
                    });
                    let _ = stop_rx.await;
                    accepting.abort();
                });
            })?;
        Ok(ConnectProxy {
            shared,
            port,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every CONNECT received so far, oldest first.
    pub fn tunnels(&self) -> Vec<TunnelRecord> {
        self.shared
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads up to the end of the head; `None` if the client went away or sent too much.
async fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            return Some((head, buf[end + 4..].to_vec()));
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Where the proxy connects for `target`: loopback targets as they are, `*.test` names
/// (reserved, RFC 6761) to 127.0.0.1 on the same port; `None` for anything else, so that no
/// test can reach past this machine.
fn upstream_address(target: &str) -> Option<String> {
    let (host, port) = target.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || match bare.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(v6)) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Ok(ip) => ip.is_loopback(),
            Err(_) => false,
        };
    if loopback {
        Some(target.to_string())
    } else if bare.to_ascii_lowercase().ends_with(".test") {
        Some(format!("127.0.0.1:{port}"))
    } else {
        None
    }
}

async fn answer(stream: &mut TcpStream, status: u16, reason: &str, extra: &str) {
    let reply = format!(
        "HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn handle(mut client: TcpStream, shared: Arc<Shared>) {
    let Some((head, early)) = read_head(&mut client).await else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut words = request_line.split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.trim().to_string());
    let options = &shared.options;
    let (status, reason) = if method != "CONNECT" {
        (405, "Method Not Allowed")
    } else if let Some(status) = options.refuse_with {
        (status, "Refused By Test Proxy")
    } else if options.credentials.is_some() && authorization != options.credentials {
        (407, "Proxy Authentication Required")
    } else if upstream_address(target).is_none() {
        (403, "Only Loopback Targets")
    } else {
        (200, "Connection established")
    };
    let index = {
        let mut records = shared.records.lock().unwrap_or_else(|e| e.into_inner());
        records.push(TunnelRecord {
            target: target.to_string(),
            authorization,
            status,
            client_trusted_inspection: None,
            inspected_requests: Vec::new(),
        });
        records.len() - 1
    };
    if status != 200 {
        let extra = if status == 407 {
            "Proxy-Authenticate: Basic realm=\"awscred-test\"\r\n"
        } else {
            ""
        };
        answer(&mut client, status, reason, extra).await;
        return;
    }
    let address = upstream_address(target).unwrap_or_default();
    let Ok(mut upstream) = TcpStream::connect(address.as_str()).await else {
        shared.update(index, |r| r.status = 502);
        answer(&mut client, 502, "Bad Gateway", "").await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    match &options.inspect {
        None => {
            if !early.is_empty() && upstream.write_all(&early).await.is_err() {
                return;
            }
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
        Some(inspection) => inspect(client, upstream, target, inspection, &shared, index).await,
    }
}

/// Ends the client's TLS with a certificate for the target signed by the proxy's CA, opens
/// TLS to the endpoint, and relays, noting each request line it reads in clear text.
async fn inspect(
    client: TcpStream,
    upstream: TcpStream,
    target: &str,
    inspection: &Inspection,
    shared: &Shared,
    index: usize,
) {
    let host = match target.rsplit_once(':') {
        Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']').to_string(),
        None => target.to_string(),
    };
    let Ok(config) = inspection.ca.server_config(&[host.as_str()]) else {
        return;
    };
    let client = match tokio_rustls::TlsAcceptor::from(config).accept(client).await {
        Ok(tls) => {
            shared.update(index, |r| r.client_trusted_inspection = Some(true));
            tls
        }
        Err(_) => {
            shared.update(index, |r| r.client_trusted_inspection = Some(false));
            return;
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let Ok(builder) =
        rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()
    else {
        return;
    };
    let config = builder
        .with_root_certificates(inspection.upstream.clone())
        .with_no_client_auth();
    let Ok(name) = ServerName::try_from(host) else {
        return;
    };
    let Ok(upstream) = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, upstream)
        .await
    else {
        return;
    };
    let (client_read, mut client_write) = tokio::io::split(client);
    let (upstream_read, upstream_write) = tokio::io::split(upstream);
    let down = async move {
        let mut upstream_read = upstream_read;
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    let up = relay_noting_requests(client_read, upstream_write, shared, index);
    let down = tokio::spawn(down);
    up.await;
    let _ = down.await;
}

async fn relay_noting_requests<R, W>(mut from: R, mut to: W, shared: &Shared, index: usize)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut chunk = [0u8; 8192];
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let text = String::from_utf8_lossy(&chunk[..n]);
        for line in text.split("\r\n") {
            let method = line.split(' ').next().unwrap_or("");
            if matches!(method, "GET" | "POST") && line.ends_with("HTTP/1.1") {
                let line = line.to_string();
                shared.update(index, |r| r.inspected_requests.push(line));
            }
        }
        if to.write_all(&chunk[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
