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
    read_timeout: std::time::Duration,
}

impl RouteConnector {
    pub(crate) fn new(
        http: HttpConnector,
        rules: Arc<ProxyRules>,
        read_timeout: std::time::Duration,
    ) -> Self {
        RouteConnector {
            http,
            rules,
            read_timeout,
        }
    }
}

impl Service<http::Uri> for RouteConnector {
    type Response = TimedIo;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut http = self.http.clone();
        let rules = Arc::clone(&self.rules);
        let read_timeout = self.read_timeout;
        Box::pin(async move {
            let proxy = match rules.route(&dst)? {
                Route::Direct => {
                    let io = http.call(dst).await?;
                    return Ok(timed(io, read_timeout));
                }
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
                    return Err(
                        unreachable(&"it closed the connection before answering CONNECT").into(),
                    );
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
            Ok(timed(io, read_timeout))
        })
    }
}

/// A connection whose reads give up after `read_timeout` without data once a request has
/// been written: the answer (and the TLS handshake's) must start within `read_timeout`, as
/// the blocking driver's `timeout_recv_response` requires. Idle pooled connections are not
/// timed (no request is waiting on them).
pub(crate) struct TimedStream {
    inner: TcpStream,
    read_timeout: std::time::Duration,
    /// Armed by a write, disarmed by a read that brought data.
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// What the connector hands to hyper-rustls.
pub(crate) type TimedIo = TokioIo<TimedStream>;

fn timed(io: TokioIo<TcpStream>, read_timeout: std::time::Duration) -> TimedIo {
    TokioIo::new(TimedStream {
        inner: io.into_inner(),
        read_timeout,
        waiting: None,
    })
}

impl tokio::io::AsyncRead for TimedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.waiting = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => match this.waiting.as_mut().map(|sleep| sleep.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => {
                    this.waiting = None;
                    Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "no answer within the read timeout ({} s)",
                            this.read_timeout.as_secs_f64()
                        ),
                    )))
                }
                _ => Poll::Pending,
            },
        }
    }
}

impl tokio::io::AsyncWrite for TimedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &result
            && *n > 0
        {
            this.waiting = Some(Box::pin(tokio::time::sleep(this.read_timeout)));
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl hyper_util::client::legacy::connect::Connection for TimedStream {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        self.inner.connected()
    }
}
