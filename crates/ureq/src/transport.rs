//! Sending requests over ureq: timeouts and the call's deadline, the TLS rule, proxies and
//! trusted certificates as the core's network rules decide (`docs/networks.md`), the body cap
//! and retries.

use std::io::Read;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::metadata::RequestLimits;
use awscred_core::network::{
    CallClock, NetworkSettings, Route, proxy_refused, untrusted_certificate,
};
use awscred_core::retry::{Attempts, Next};
use awscred_core::transport::clone_request;
use awscred_core::{Error, Operation, TransportKind};
pub(crate) use awscred_files::jitter;

pub use awscred_core::transport::{ClientConfig, MAX_BODY};

/// A blocking HTTP client for AWS calls. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    /// `Err` when the network settings are unusable (an empty `AWS_CA_BUNDLE`, a bad proxy
    /// URL…); every request then reports it.
    agents: Result<Agents, Error>,
    config: ClientConfig,
}

/// ureq applies one proxy per agent: one agent goes direct, one through the https proxy, and
/// the core's [`awscred_core::network::ProxyRules::route`] picks per request. ureq's own
/// proxy rules (`ALL_PROXY` first, its `NO_PROXY`, loopback not exempt) are never used.
///
/// The https agents are built on the first https request: their trusted certificates (the
/// Mozilla roots and the operating system's store, or the CA bundle) take about half a
/// millisecond to read and parse, a third of a whole cold `awscred credentials` against a
/// loopback endpoint, and a run that only speaks plain http (the loopback, IMDS, the container
/// endpoint) needs none of them.
#[derive(Clone)]
struct Agents {
    /// Plain http: no certificates, always direct (the core refuses a proxy in clear text).
    plain: ureq::Agent,
    tls: Arc<OnceLock<Result<TlsAgents, Error>>>,
    /// Checked when the client is made, so a bad proxy URL is reported on every request.
    proxy: Option<ureq::Proxy>,
    timeouts: (Duration, Duration),
    network: Arc<NetworkSettings>,
}

#[derive(Clone)]
struct TlsAgents {
    direct: ureq::Agent,
    tunnel: Option<ureq::Agent>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let network: &dyn std::fmt::Debug = match &self.agents {
            Ok(agents) => &agents.network,
            Err(e) => e,
        };
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("network", network)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with these timeouts, retries and network settings. Without explicit
    /// [`ClientConfig::network`], proxies and the CA bundle come from the process environment
    /// and the profile it selects; the default trust is the Mozilla roots plus the operating
    /// system's store.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            agents: Agents::new(&config),
            config,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs one operation: builds, sends, parses, and retries what the core's policy says is
    /// retryable ([`awscred_core::retry::Attempts`] with this client's policy). Each attempt
    /// rebuilds (and so re-signs) the request; one that cannot be built is not retried.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.execute_with(op, Attempts::new(self.config.retry))
    }

    /// [`Client::execute`] with the attempts a configuration asks for, e.g.
    /// `Attempts::new(settings.policy(client.config().retry))` with the
    /// [`awscred_core::retry::RetrySettings`] of an [`awscred_core::resolve::SsoAccess`].
    pub fn execute_with<O: Operation>(
        &self,
        op: &O,
        mut attempts: Attempts,
    ) -> Result<O::Output, Error> {
        let (clock, started) = (CallClock::new(&self.config), Instant::now());
        loop {
            let timeout = attempt_timeout(&clock, started)?;
            let result = self
                .send_attempt(op.request(SystemTime::now())?, timeout)
                .and_then(|response| op.parse(&response));
            let Err(error) = &result else { return result };
            match attempts.after_error(error, jitter()) {
                Next::RetryAfter(delay) if clock.may_wait(started.elapsed(), delay) => {
                    tracing::debug!(operation = O::NAME, attempt = attempts.made(), delay_ms = delay.as_millis() as u64, %error, "retrying");
                    std::thread::sleep(delay)
                }
                Next::RetryAfter(_) | Next::Stop => return result,
            }
        }
    }

    /// Sends a prepared request with this client's retry policy; see [`Client::send_with`].
    pub fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        self.send_with(request, Attempts::new(self.config.retry))
    }

    /// Sends a prepared request, retrying retryable answers and transport failures for as
    /// long as `attempts` allows — made from this client's policy ([`Client::send`]) or from
    /// the one a flow's configuration asks for ([`awscred_core::flow::Flow::retry_settings`]).
    /// The request is re-sent as it is (a signature stays valid for minutes). After the last
    /// attempt the caller gets the last response (whatever its status) or the transport error:
    /// what a flow's `Send` step is answered with.
    pub fn send_with(
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
            let result = self.send_attempt(clone_request(&request), timeout);
            match attempts.after_response(&result, jitter()) {
                Next::RetryAfter(delay) if clock.may_wait(started.elapsed(), delay) => {
                    tracing::debug!(
                        attempt = attempts.made(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    std::thread::sleep(delay)
                }
                Next::RetryAfter(_) | Next::Stop => return result,
            }
        }
    }

    /// One attempt, no retries, bounded by `connect_timeout + read_timeout`. Refuses plain
    /// HTTP except to loopback addresses.
    pub fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let timeout = self
            .config
            .connect_timeout
            .saturating_add(self.config.read_timeout);
        self.send_attempt(request, timeout)
    }

    /// One attempt that may take `timeout` in all.
    fn send_attempt(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        awscred_core::metadata::check_transport(&request)?;
        let agents = self.agents.as_ref().map_err(Clone::clone)?;
        let route = agents.network.proxies.route_request(&request)?;
        let agent = if request.uri().scheme_str() == Some("https") {
            let tls = agents.tls()?;
            match (route, &tls.tunnel) {
                (Route::Tunnel(_), Some(tunnel)) => tunnel,
                _ => &tls.direct,
            }
        } else {
            &agents.plain
        };
        // Method, host and path only: queries and headers may carry tokens.
        let (method, host, path) = (
            request.method().clone(),
            request.uri().host().unwrap_or("").to_string(),
            request.uri().path().to_string(),
        );
        let started = std::time::Instant::now();
        tracing::debug!(%method, %host, %path, proxied = matches!(route, Route::Tunnel(_)), "sending request");
        let authority = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let limits = RequestLimits::of(&request);
        let mut configured = agent.configure_request(request);
        if let Some(limits) = limits {
            configured = configured
                .timeout_connect(Some(limits.connect_timeout))
                .timeout_recv_response(Some(limits.read_timeout))
                .timeout_recv_body(Some(limits.read_timeout));
        }
        let timeout = limits.map_or(timeout, |l| {
            timeout.min(l.connect_timeout.saturating_add(l.read_timeout))
        });
        let request = configured.timeout_global(Some(timeout)).build();
        let response = agent.run(request).map_err(|e| {
            let e = describe_failure(e, route, &host, &authority, &agents.network);
            tracing::debug!(%method, %host, %path, error = %e, "request failed");
            e
        })?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        body.as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::transport(TransportKind::Io, format!("reading the response: {e}"))
            })?;
        if bytes.len() > MAX_BODY {
            return Err(Error::transport(
                TransportKind::Protocol,
                format!("the response body is larger than {MAX_BODY} bytes"),
            ));
        }
        tracing::debug!(
            %method, %host, %path,
            status = parts.status.as_u16(),
            bytes = bytes.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "response"
        );
        Ok(http::Response::from_parts(parts, bytes))
    }
}

impl Default for Client {
    /// A client with the default timeouts and retries ([`ClientConfig::default`]).
    fn default() -> Self {
        Client::new(ClientConfig::default())
    }
}

impl Agents {
    fn new(config: &ClientConfig) -> Result<Agents, Error> {
        let network = match &config.network {
            Some(network) => network.clone(),
            None => {
                awscred_files::network::settings_for(&awscred_files::network::process_env(), None)?
            }
        };
        let proxy = match network.proxies.https_proxy() {
            Some(server) => {
                let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
                    .host(server.host())
                    .port(server.port());
                if let Some((user, password)) = server.credentials() {
                    builder = builder.username(user).password(password);
                }
                Some(builder.build().map_err(|e| {
                    Error::Config(format!(
                        "{} is not a usable proxy URL ({e}); expected http://[USER:PASSWORD@]HOST:PORT",
                        server.variable()
                    ))
                })?)
            }
            None => None,
        };
        let timeouts = (config.connect_timeout, config.read_timeout);
        Ok(Agents {
            plain: agent(timeouts, None, None),
            tls: Arc::new(OnceLock::new()),
            proxy,
            timeouts,
            network: Arc::new(network),
        })
    }

    /// The https agents, built on first use; an unusable CA bundle is their error.
    fn tls(&self) -> Result<&TlsAgents, Error> {
        self.tls
            .get_or_init(|| {
                let anchors = awscred_files::network::trust_anchors(&self.network.trust)?;
                let roots: Vec<ureq::tls::Certificate<'static>> = anchors
                    .iter()
                    .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
                    .collect();
                let tls = ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::Rustls)
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
                    .build();
                Ok(TlsAgents {
                    direct: agent(self.timeouts, Some(tls.clone()), None),
                    tunnel: self
                        .proxy
                        .clone()
                        .map(|proxy| agent(self.timeouts, Some(tls), Some(proxy))),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// One ureq agent: `tls` for https agents, `proxy` for the tunnelling one.
fn agent(
    (connect_timeout, read_timeout): (Duration, Duration),
    tls: Option<ureq::tls::TlsConfig>,
    proxy: Option<ureq::Proxy>,
) -> ureq::Agent {
    let mut builder = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        // The same rules as the hyper driver: the connection within connect_timeout, the
        // answer within read_timeout of the request, the whole attempt within
        // connect_timeout + read_timeout (or what is left of the call's deadline, set per
        // request in `send_attempt`).
        .timeout_connect(Some(connect_timeout))
        .timeout_recv_response(Some(read_timeout))
        .timeout_recv_body(Some(read_timeout))
        .user_agent(concat!("awscred/", env!("CARGO_PKG_VERSION")))
        // ureq's 128 KiB buffers are just above glibc's mmap threshold, so each connection
        // cost an mmap, page faults and an munmap. The input buffer still holds ureq's 64 KiB
        // response-head cap; the output buffer a request head (SigV4 with a session token: ~2
        // KiB) many times over — bodies larger than it are written in pieces.
        .input_buffer_size(80 * 1024)
        .output_buffer_size(16 * 1024)
        // `None` also for the direct agents: ureq's default reads ALL_PROXY & co.
        .proxy(proxy);
    if let Some(tls) = tls {
        builder = builder.tls_config(tls);
    }
    ureq::Agent::with_parts(
        builder.build(),
        ureq::unversioned::transport::DefaultConnector::default(),
        IpFirstResolver::default(),
    )
}

/// ureq's resolver, except that a host that is already an IP address (the loopback, IMDS's
/// 169.254.169.254, the container endpoint's 169.254.170.2) is used as it is: ureq's
/// `DefaultResolver` runs every lookup bounded by a timeout on a thread of its own, IP
/// literals included — a thread started and joined for each request.
#[derive(Debug, Default)]
struct IpFirstResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for IpFirstResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        match ip_literal(uri) {
            Some(addr) => {
                let mut addrs = self.empty();
                addrs.push(addr);
                Ok(addrs)
            }
            None => self.0.resolve(uri, config, timeout),
        }
    }
}

/// The socket address of a URI whose host is an IPv4 or bracketed IPv6 address.
fn ip_literal(uri: &http::Uri) -> Option<std::net::SocketAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: std::net::IpAddr = host.parse().ok()?;
    let port = uri.port_u16().or(match uri.scheme_str()? {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some(std::net::SocketAddr::new(ip, port))
}

/// The next attempt's time, or the deadline's error when the call has used it up.
fn attempt_timeout(clock: &CallClock, started: Instant) -> Result<Duration, Error> {
    clock
        .attempt_timeout(started.elapsed())
        .ok_or_else(|| clock.timed_out(Duration::ZERO))
}

/// A failed attempt as the user should read it: a refused certificate or proxy names the fix
/// (the core's messages), anything else says which endpoint (or proxy) could not be reached.
fn describe_failure(
    e: ureq::Error,
    route: Route<'_>,
    host: &str,
    authority: &str,
    network: &NetworkSettings,
) -> Error {
    if let Some(rustls::Error::InvalidCertificate(why)) = rustls_error(&e) {
        return untrusted_certificate(host, &why.to_string(), &network.trust);
    }
    if let (ureq::Error::ConnectProxyFailed(reason), Route::Tunnel(proxy)) = (&e, route) {
        // ureq says "proxy server responded 407/407" (status, then status again).
        let status = reason
            .strip_prefix("proxy server responded ")
            .and_then(|s| s.split('/').next())
            .and_then(|s| s.parse::<u16>().ok());
        if let Some(status) = status {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            return proxy_refused(proxy, host, status, reason);
        }
    }
    let (kind, message) = match transport_error(e) {
        Error::Transport { kind, message } => (kind, message),
        other => return other,
    };
    let message = message.strip_prefix("io: ").unwrap_or(&message);
    match route {
        Route::Tunnel(proxy) => Error::transport(
            kind,
            format!(
                "could not reach {authority} through the proxy {} (from {}): {message}",
                proxy.display(),
                proxy.variable()
            ),
        ),
        Route::Direct => Error::transport(kind, format!("could not reach {authority}: {message}")),
    }
}

/// The rustls error inside a ureq error (ureq reports a refused handshake as an I/O error
/// wrapping it).
fn rustls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

fn transport_error(e: ureq::Error) -> Error {
    let kind = match &e {
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportKind::Connect,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            TransportKind::Connect
        }
        ureq::Error::Io(_) => TransportKind::Io,
        ureq::Error::Tls(_) => TransportKind::Tls,
        ureq::Error::Protocol(_) => TransportKind::Io,
        ureq::Error::BodyExceedsLimit(_) => TransportKind::Protocol,
        _ => TransportKind::Protocol,
    };
    Error::transport(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::ip_literal;

    #[test]
    fn ip_literals_skip_the_lookup_and_names_do_not() {
        let addr = |u: &str| ip_literal(&u.parse().unwrap()).map(|a| a.to_string());
        assert_eq!(
            addr("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            addr("http://169.254.169.254/latest/api/token").as_deref(),
            Some("169.254.169.254:80")
        );
        assert_eq!(addr("https://[::1]/").as_deref(), Some("[::1]:443"));
        assert_eq!(
            addr("http://[fd00:ec2::254]:80/").as_deref(),
            Some("[fd00:ec2::254]:80")
        );
        for name in [
            "https://localhost/",
            "https://sts.us-east-1.amazonaws.com/",
            "https://127.0.0.1.nip.io/",
            "https://1.2.3/",
        ] {
            assert_eq!(addr(name), None, "{name}");
        }
    }
}
