//! Sending requests over hyper: the pooled client, timeouts and the call's deadline, the TLS
//! rule, proxies and trusted certificates as the core's network rules decide
//! (`docs/networks.md`), the body cap and retries.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::network::{CallClock, NetworkSettings, ProxyRules, Route, untrusted_certificate};
use awscred_core::retry::{Attempts, Next};
use awscred_core::transport::clone_request;
use awscred_core::{Error, Operation, TransportKind};
pub(crate) use awscred_files::jitter;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::tunnel::RouteConnector;

use awscred_core::metadata::RequestLimits;

pub use awscred_core::transport::MAX_BODY;

const USER_AGENT: &str = concat!("awscred/", env!("CARGO_PKG_VERSION"));

pub use awscred_core::transport::ClientConfig;

type Pool = PooledClient<HttpsConnector<RouteConnector>, Full<Bytes>>;
type PlainPool = PooledClient<RouteConnector, Full<Bytes>>;

/// An async HTTP client for AWS calls. Cheap to clone: clones share one connection pool.
/// One attempt is abandoned after `connect_timeout + read_timeout` at the latest, a call
/// (all its attempts) after [`ClientConfig::deadline`].
///
/// It needs a tokio runtime with the time and I/O drivers enabled.
#[derive(Clone)]
pub struct Client {
    /// `Err` when the network settings are unusable (an empty `AWS_CA_BUNDLE`, a bad proxy
    /// URL…) or rustls refused its defaults; every request then reports it.
    pool: Result<Arc<Pools>, Error>,
    config: ClientConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tls: &dyn std::fmt::Debug = match &self.pool {
            Ok(pools) => &pools.network,
            Err(why) => why,
        };
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("tls", tls)
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new(ClientConfig::default())
    }
}

impl Client {
    /// A client with these timeouts, retries and network settings. Without explicit
    /// [`ClientConfig::network`], proxies and the CA bundle come from the process environment
    /// and the profile it selects; the default trust is the Mozilla roots plus the operating
    /// system's store.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            pool: pool(&config),
            config,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs one operation: builds, sends, parses, and retries what the core's policy says is
    /// retryable ([`awscred_core::retry::Attempts`] with this client's policy), sleeping
    /// between attempts. Each attempt rebuilds (and so re-signs) the request; one that cannot
    /// be built is not retried.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let mut attempts = Attempts::new(self.config.retry);
        let (clock, started) = (CallClock::new(&self.config), Instant::now());
        loop {
            let timeout = attempt_timeout(&clock, started)?;
            let request = op.request(SystemTime::now())?;
            let result = (self.send_attempt(request, timeout).await)
                .and_then(|response| op.parse(&response));
            let Err(error) = &result else { return result };
            let Next::RetryAfter(delay) = attempts.after_error(error, jitter()) else {
                return result;
            };
            if !clock.may_wait(started.elapsed(), delay) {
                return result;
            }
            tracing::debug!(operation = O::NAME, attempt = attempts.made(), delay_ms = delay.as_millis() as u64, %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends a prepared request with this client's retry policy; see [`Client::send_with`].
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        self.send_with(request, Attempts::new(self.config.retry))
            .await
    }

    /// Sends a prepared request, retrying retryable answers and transport failures for as
    /// long as `attempts` allows — made from this client's policy ([`Client::send`]) or from
    /// the one a flow's configuration asks for ([`awscred_core::flow::Flow::retry_settings`]).
    /// The request is re-sent as it is (a signature stays valid for minutes). After the last
    /// attempt the caller gets the last response (whatever its status) or the transport error:
    /// what a flow's `Send` step is answered with.
    pub async fn send_with(
        &self,
        request: http::Request<Vec<u8>>,
        attempts: Attempts,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        // The metadata services' requests bring their own attempts and timeouts (1 s, 1
        // attempt for IMDS): a machine without IMDS must not wait for the client's defaults.
        let mut attempts = RequestLimits::attempts_for(&request, attempts);
        let (clock, started) = (CallClock::new(&self.config), Instant::now());
        loop {
            let timeout = attempt_timeout(&clock, started)?;
            let result = self.send_attempt(clone_request(&request), timeout).await;
            let Next::RetryAfter(delay) = attempts.after_response(&result, jitter()) else {
                return result;
            };
            if !clock.may_wait(started.elapsed(), delay) {
                return result;
            }
            tracing::debug!(
                attempt = attempts.made(),
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt, no retries, bounded by `connect_timeout + read_timeout`. Refuses plain
    /// HTTP except to loopback addresses, and bodies larger than [`MAX_BODY`].
    pub async fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let timeout = self
            .config
            .connect_timeout
            .saturating_add(self.config.read_timeout);
        self.send_attempt(request, timeout).await
    }

    /// One attempt that may take `timeout` in all.
    async fn send_attempt(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        awscred_core::metadata::check_transport(&request)?;
        let limits = RequestLimits::of(&request);
        let pools = self.pool.as_ref().map_err(Clone::clone)?;
        let network = &pools.network;
        // The route is decided again by the connector (it sees only the URI); asking here
        // refuses clear text towards a proxy before connecting, and sends the metadata
        // services' requests through the pool that never uses a proxy.
        let route = network.proxies.route_request(&request)?;
        let https = request.uri().scheme_str() == Some("https");
        let tls = if https { Some(pools.tls()?) } else { None };
        let host = request.uri().host().unwrap_or("").to_string();
        let timeout = limits.map_or(timeout, |l| {
            timeout.min(l.connect_timeout.saturating_add(l.read_timeout))
        });
        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key(http::header::USER_AGENT) {
            parts.headers.insert(
                http::header::USER_AGENT,
                http::HeaderValue::from_static(USER_AGENT),
            );
        }
        let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let exchange = async {
            let pending = match (tls, route) {
                // Plain http is never proxied: the route is direct or was refused above.
                (None, _) => pools.plain.request(request),
                (Some(tls), Route::Direct) if limits.is_some() => tls.direct.request(request),
                (Some(tls), _) => tls.routed.request(request),
            };
            let response = pending.await.map_err(|e| client_error(e, &host, network))?;
            let (parts, body) = response.into_parts();
            let bytes = read_capped(body, &parts.headers).await?;
            Ok(http::Response::from_parts(parts, bytes))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(CallClock::new(&self.config).timed_out(timeout)),
        }
    }
}

/// The next attempt's time, or the deadline's error when the call has used it up.
fn attempt_timeout(clock: &CallClock, started: Instant) -> Result<Duration, Error> {
    clock
        .attempt_timeout(started.elapsed())
        .ok_or_else(|| clock.timed_out(Duration::ZERO))
}

/// The pools of a client and the settings they were made from. Plain http (the loopback,
/// the metadata services) has a pool of its own, never proxied; the https pools — one whose
/// connector follows the proxy rules, one that never uses a proxy (for the metadata
/// services) — are built on the first https request, because their trusted certificates take
/// about half a millisecond to read and parse and a client that only speaks plain http needs
/// none (the ureq driver does the same).
struct Pools {
    plain: PlainPool,
    tls: OnceLock<Result<TlsPools, Error>>,
    connect_timeout: Duration,
    read_timeout: Duration,
    network: Arc<NetworkSettings>,
}

struct TlsPools {
    routed: Pool,
    direct: Pool,
}

/// The pools for `config`: its network settings (explicit, or from the process environment)
/// and the plain pool; the https ones wait for [`Pools::tls`].
fn pool(config: &ClientConfig) -> Result<Arc<Pools>, Error> {
    let network = match &config.network {
        Some(network) => network.clone(),
        None => awscred_files::network::settings_for(&awscred_files::network::process_env(), None)?,
    };
    let plain = PooledClient::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .build(route_connector(
            ProxyRules::none(),
            config.connect_timeout,
            config.read_timeout,
        ));
    Ok(Arc::new(Pools {
        plain,
        tls: OnceLock::new(),
        connect_timeout: config.connect_timeout,
        read_timeout: config.read_timeout,
        network: Arc::new(network),
    }))
}

impl Pools {
    /// The https pools, built on first use; an unusable CA bundle is their error.
    fn tls(&self) -> Result<&TlsPools, Error> {
        self.tls
            .get_or_init(|| {
                let tls = tls_config(&self.network)?;
                let build = |rules: ProxyRules| -> Pool {
                    let connector = route_connector(rules, self.connect_timeout, self.read_timeout);
                    let https = hyper_rustls::HttpsConnectorBuilder::new()
                        .with_tls_config(tls.clone())
                        .https_or_http()
                        .enable_http1()
                        .wrap_connector(connector);
                    PooledClient::builder(TokioExecutor::new())
                        .pool_idle_timeout(Duration::from_secs(90))
                        .build(https)
                };
                Ok(TlsPools {
                    routed: build(self.network.proxies.clone()),
                    direct: build(ProxyRules::none()),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn route_connector(
    rules: ProxyRules,
    connect_timeout: Duration,
    read_timeout: Duration,
) -> RouteConnector {
    let mut http = HttpConnector::new();
    // The https connector decides which schemes are allowed; the TLS rule is ours.
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    http.set_nodelay(true);
    RouteConnector::new(http, Arc::new(rules), read_timeout)
}

/// rustls with the ring provider chosen explicitly (no process-wide default, no aws-lc-rs),
/// trusting what the network settings name.
fn tls_config(network: &NetworkSettings) -> Result<rustls::ClientConfig, Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(awscred_files::network::trust_anchors(&network.trust)?);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            Error::transport(TransportKind::Tls, format!("TLS could not be set up: {e}"))
        })?;
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

fn too_large() -> Error {
    Error::transport(
        TransportKind::Protocol,
        format!("the response body is larger than {MAX_BODY} bytes"),
    )
}

/// Reads the body, stopping as soon as it passes the cap (a declared length past it is
/// refused before reading anything).
async fn read_capped(
    mut body: hyper::body::Incoming,
    headers: &http::HeaderMap,
) -> Result<Vec<u8>, Error> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Error::transport(
                TransportKind::Io,
                format!("reading the response: {}", describe(&e)),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_BODY {
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// Sorts a hyper-util client error into the kinds the retry policy knows. Our connector's
/// own errors (a proxy's refusal…) and a refused certificate come out as the core words them.
fn client_error(
    e: hyper_util::client::legacy::Error,
    host: &str,
    network: &NetworkSettings,
) -> Error {
    if let Some(ours) = find::<Error>(&e) {
        return ours.clone();
    }
    if let Some(rustls::Error::InvalidCertificate(why)) = find::<rustls::Error>(&e) {
        return untrusted_certificate(host, &why.to_string(), &network.trust);
    }
    let io_kind = find_io_kind(&e);
    let tls = find_tls(&e);
    let kind = if tls {
        TransportKind::Tls
    } else if io_kind == Some(std::io::ErrorKind::TimedOut) {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else if find::<hyper::Error>(&e).is_some_and(|h| h.is_parse() || h.is_parse_status()) {
        // `is_parse` covers oversized heads too (`is_parse_too_large` exists only with hyper's
        // `server` feature, which a user's client build does not enable).
        TransportKind::Protocol
    } else {
        // Reset, closed before the answer, broken pipe: the exchange broke mid-way.
        TransportKind::Io
    };
    Error::transport(kind, describe(&e))
}

/// The error and its causes on one line.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The errors of a chain, outermost first. An `io::Error` wrapping another error reports that
/// error's *cause* as its `source()`, skipping the wrapped error itself (hyper-rustls wraps
/// rustls's error in two of them), so descend into wrapped errors explicitly.
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |err| {
        let wrapped = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        match wrapped {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        }
    })
}

fn find<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    chain(e).find_map(|err| err.downcast_ref::<T>())
}

/// The innermost I/O error kind: wrappers add `Other`, the socket's own error says what happened.
fn find_io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    chain(e)
        .filter_map(|err| err.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
        .last()
}

/// Whether rustls refused the handshake.
fn find_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    chain(e).any(|err| err.is::<rustls::Error>())
}
