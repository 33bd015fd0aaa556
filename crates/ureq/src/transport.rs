//! Sending requests over ureq: timeouts, the TLS rule, the body cap and retries.

use std::io::Read;
use std::time::SystemTime;

use awscred_core::metadata::RequestLimits;
use awscred_core::retry::{Attempts, Next};
use awscred_core::transport::clone_request;
use awscred_core::{Error, Operation, TransportKind};
pub(crate) use awscred_files::jitter;

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
    /// retryable ([`awscred_core::retry::Attempts`] with this client's policy). Each attempt
    /// rebuilds (and so re-signs) the request; one that cannot be built is not retried.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let mut attempts = Attempts::new(self.config.retry);
        loop {
            let result = self
                .send_once(op.request(SystemTime::now())?)
                .and_then(|response| op.parse(&response));
            let Err(error) = &result else { return result };
            match attempts.after_error(error, jitter()) {
                Next::RetryAfter(delay) => {
                    tracing::debug!(operation = O::NAME, attempt = attempts.made(), delay_ms = delay.as_millis() as u64, %error, "retrying");
                    std::thread::sleep(delay)
                }
                Next::Stop => return result,
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
        loop {
            let result = self.send_once(clone_request(&request));
            match attempts.after_response(&result, jitter()) {
                Next::RetryAfter(delay) => {
                    tracing::debug!(
                        attempt = attempts.made(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    std::thread::sleep(delay)
                }
                Next::Stop => return result,
            }
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
                Error::Transport { kind, message } => Error::transport(
                    kind,
                    format!(
                        "could not reach {authority}: {}",
                        message.strip_prefix("io: ").unwrap_or(&message)
                    ),
                ),
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
