//! The connector under hyper-rustls: straight to the endpoint, or through a CONNECT tunnel
//! when the core's proxy rules say so ([`awscred_core::network::ProxyRules::route`]). The
//! handshake's bytes and the proxy's answer are the core's
//! ([`awscred_core::network::connect_request`], [`awscred_core::network::parse_connect_head`]);
//! this module only moves them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use awscred_core::network::{ConnectHead, ProxyRules, Route, connect_request, parse_connect_head};
use awscred_core::{Error, TransportKind};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects per the proxy rules. Cheap to clone (hyper clones it per connection).
#[derive(Clone)]
pub(crate) struct RouteConnector {
    http: HttpConnector,
    rules: Arc<ProxyRules>,
}

impl RouteConnector {
    pub(crate) fn new(http: HttpConnector, rules: Arc<ProxyRules>) -> Self {
        RouteConnector { http, rules }
    }
}

impl Service<http::Uri> for RouteConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut http = self.http.clone();
        let rules = Arc::clone(&self.rules);
        Box::pin(async move {
            let proxy = match rules.route(&dst)? {
                Route::Direct => return http.call(dst).await.map_err(Into::into),
                Route::Tunnel(proxy) => proxy,
            };
            let host = dst.host().unwrap_or("");
            let port = dst.port_u16().unwrap_or(443);
            let unreachable = |e: &dyn std::fmt::Display| {
                Error::transport(
                    TransportKind::Connect,
                    format!(
                        "could not reach the proxy {} (from {}): {e}",
                        proxy.display(),
                        proxy.variable()
                    ),
                )
            };
            let proxy_uri: http::Uri = proxy
                .display()
                .parse()
                .map_err(|e: http::uri::InvalidUri| unreachable(&e))?;
            let mut io = http.call(proxy_uri).await.map_err(|e| unreachable(&e))?;
            let stream = io.inner_mut();
            stream
                .write_all(&connect_request(host, port, proxy))
                .await
                .map_err(|e| unreachable(&e))?;
            let mut head = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                let n = stream.read(&mut chunk).await.map_err(|e| unreachable(&e))?;
                if n == 0 {
                    return Err(unreachable(&"it closed the connection before answering CONNECT").into());
                }
                head.extend_from_slice(&chunk[..n]);
                match parse_connect_head(&head, proxy, host)? {
                    ConnectHead::Incomplete => continue,
                    // The endpoint speaks first only after our TLS hello: a proxy that sent
                    // more than its head is not a CONNECT proxy.
                    ConnectHead::Established(len) if len == head.len() => break,
                    ConnectHead::Established(_) => {
                        return Err(unreachable(&"it sent data before the tunnel was used").into());
                    }
                }
            }
            Ok(io)
        })
    }
}
