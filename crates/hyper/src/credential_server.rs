//! A container-credentials endpoint on 127.0.0.1 that serves a [`Provider`]'s credentials
//! (`awscred serve`, `awscred exec --server`): any SDK or the AWS CLI given
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN` gets
//! credentials that refresh themselves, one refresh for all its concurrent requests.
//!
//! What a request must carry and what it gets are the core's
//! ([`awscred_core::container_endpoint`]); this module only listens, reads the request head and
//! writes the answer. Each request is logged (method, path, status, why it was refused) with
//! `tracing`, never its headers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use awscred_core::Secret;
use awscred_core::container_endpoint::{
    self, EndpointGuard, FULL_URI_VAR, TOKEN_VAR, credentials_response, error_response,
};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::Provider;

/// A running endpoint. Dropping it (or [`CredentialServer::stop`]) stops it.
pub struct CredentialServer {
    addr: SocketAddr,
    guard: Arc<EndpointGuard>,
    accepting: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CredentialServer {
    /// Listens on `127.0.0.1:port` (0: a free port) and serves `provider`'s credentials.
    /// `random` makes this run's token (the caller's random source; 32 bytes).
    pub async fn start(
        provider: Provider,
        port: u16,
        random: [u8; 32],
    ) -> std::io::Result<CredentialServer> {
        // Loopback only: nothing off this machine can connect.
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let guard = Arc::new(EndpointGuard::new(addr.port(), random));
        let accepting = tokio::spawn(accept(listener, Arc::clone(&guard), provider));
        Ok(CredentialServer {
            addr,
            guard,
            accepting,
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

    /// Stops accepting connections.
    pub fn stop(self) {
        self.accepting.abort();
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept(listener: TcpListener, guard: Arc<EndpointGuard>, provider: Provider) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (guard, provider) = (Arc::clone(&guard), provider.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (guard, provider) = (Arc::clone(&guard), provider.clone());
                async move { Ok::<_, Infallible>(answer(&guard, &provider, req).await) }
            });
            // A connection that fails concerns only that client.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    guard: &EndpointGuard,
    provider: &Provider,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let response = match guard.check(req.method(), req.uri(), req.headers()) {
        Err(rejection) => {
            tracing::warn!(%method, %path, status = rejection.status(), reason = %rejection, "credentials request refused");
            rejection.response()
        }
        Ok(()) => {
            let served = provider
                .credentials_shared()
                .await
                .and_then(|c| credentials_response(&c));
            match served {
                Ok(r) => {
                    tracing::info!(%method, %path, status = 200, "credentials served");
                    r
                }
                Err(e) => {
                    tracing::warn!(%method, %path, status = 500, error = %e, "credentials unavailable");
                    error_response(&e)
                }
            }
        }
    };
    let head_only = method == http::Method::HEAD;
    let (parts, body) = response.into_parts();
    let body = if head_only { Vec::new() } else { body };
    hyper::Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// The path served, re-exported for callers building URLs by hand.
pub use container_endpoint::CREDENTIALS_PATH;
