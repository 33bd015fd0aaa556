//! Sending requests over ureq: timeouts, the TLS rule, the body cap and retries.

use std::io::Read;
use std::time::SystemTime;

use awscred_core::metadata::RequestLimits;
use awscred_core::retry;
use awscred_core::{Error, Operation, TransportKind};

pub use awscred_core::transport::{ClientConfig, MAX_BODY};

/// A blocking HTTP client for AWS calls. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: ClientConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new(ClientConfig::default())
    }
}

impl Client {
    /// A client with these timeouts and retries.
    pub fn new(config: ClientConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.read_timeout))
            .timeout_recv_body(Some(config.read_timeout))
            .user_agent(concat!("awscred/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client { agent, config }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs one operation: builds, sends, parses, and retries what the core's policy says is
    /// retryable. Each attempt rebuilds (and so re-signs) the request.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let mut attempt = 1;
        loop {
            let request = op.request(SystemTime::now())?;
            let result = self
                .send_once(request)
                .and_then(|response| op.parse(&response));
            match result {
                Err(e) => match self.config.retry.should_retry(attempt, &e, jitter()) {
                    Some(delay) => {
                        tracing::debug!(operation = O::NAME, attempt, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
                        std::thread::sleep(delay)
                    }
                    None => return Err(e),
                },
                ok => return ok,
            }
            attempt += 1;
        }
    }

    /// Sends a prepared request, retrying retryable answers and transport failures.
    /// The request is re-sent as it is (a signature stays valid for minutes).
    pub fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        // The metadata services' requests bring their own attempts and timeouts (1 s, 1
        // attempt for IMDS): a laptop without IMDS must not wait for the client's defaults.
        let policy = match RequestLimits::of(&request) {
            Some(limits) => limits.retry_policy(self.config.retry),
            None => self.config.retry,
        };
        let mut attempt = 1;
        loop {
            let result = self.send_once(clone_request(&request));
            let verdict = match &result {
                Ok(response) => retry::response_error(response),
                Err(e) => Some(e.clone()),
            };
            let Some(error) = verdict else { return result };
            match policy.should_retry(attempt, &error, jitter()) {
                Some(delay) => {
                    tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
                    std::thread::sleep(delay)
                }
                None => return result,
            }
            attempt += 1;
        }
    }

    /// One attempt, no retries. Refuses plain HTTP except to loopback addresses.
    pub fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        awscred_core::metadata::check_transport(&request)?;
        let request = match RequestLimits::of(&request) {
            Some(limits) => self
                .agent
                .configure_request(request)
                .timeout_connect(Some(limits.connect_timeout))
                .timeout_recv_response(Some(limits.read_timeout))
                .timeout_recv_body(Some(limits.read_timeout))
                .build(),
            None => request,
        };
        // Method, host and path only: queries and headers may carry tokens.
        let (method, host, path) = (
            request.method().clone(),
            request.uri().host().unwrap_or("").to_string(),
            request.uri().path().to_string(),
        );
        let started = std::time::Instant::now();
        tracing::debug!(%method, %host, %path, "sending request");
        let authority = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let response = self.agent.run(request).map_err(|e| {
            let e = match transport_error(e) {
                Error::Transport { kind, message } => Error::Transport {
                    kind,
                    message: format!(
                        "could not reach {authority}: {}",
                        message.strip_prefix("io: ").unwrap_or(&message)
                    ),
                },
                other => other,
            };
            tracing::debug!(%method, %host, %path, error = %e, "request failed");
            e
        })?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        body.as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Transport {
                kind: TransportKind::Io,
                message: format!("reading the response: {e}"),
            })?;
        if bytes.len() > MAX_BODY {
            return Err(Error::Transport {
                kind: TransportKind::Protocol,
                message: format!("the response body is larger than {MAX_BODY} bytes"),
            });
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

fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    if let Some(limits) = RequestLimits::of(request) {
        copy.extensions_mut().insert(limits);
    }
    copy
}

/// A jitter value in [0, 1) for the retry backoff.
pub(crate) fn jitter() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    awscred_core::transport::jitter_from_bits(u64::from_le_bytes(b))
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
    Error::Transport {
        kind,
        message: e.to_string(),
    }
}
