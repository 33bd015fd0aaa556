//! The HTTP side: one hyper connection task per client, routing, fault injection and the log.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::fault::{self, Fault};
use crate::reply::{Body, Dialect, Reply};
use crate::request::Req;
use crate::state::{Ctx, LoggedRequest, State};
use crate::{federation, metadata, oidc, portal, signin, sts};

const MAX_BODY: usize = 1 << 20;

pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub base_url: String,
    pub clock: Mutex<Clock>,
    pub state: Mutex<State>,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn clock(&self) -> MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What ends the client's TLS on an HTTPS listener (nothing can, without the `tls` feature).
#[cfg(feature = "tls")]
pub(crate) type Acceptor = tokio_rustls::TlsAcceptor;
/// What ends the client's TLS on an HTTPS listener (nothing can, without the `tls` feature).
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub(crate) enum Acceptor {}

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<Acceptor>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    // Accept on a task of its own and abort it when told to stop (no `select!`, so the
    // emulator needs no tokio macros).
    let accepting = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let shared = Arc::clone(&shared);
            let tls = tls.clone();
            tokio::spawn(async move {
                // A failed connection (client gone, refused handshake, injected cut) concerns
                // only that client.
                match tls {
                    #[cfg(feature = "tls")]
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            serve_connection(stream, shared).await;
                        }
                    }
                    #[cfg(not(feature = "tls"))]
                    Some(never) => match never {},
                    None => serve_connection(stream, shared).await,
                }
            });
        }
    });
    let _ = (&mut stop).await;
    accepting.abort();
}

async fn serve_connection<S>(stream: S, shared: Arc<Shared>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Which operation a request is, and in which dialect its errors are written.
fn route(req: &Req) -> (&'static str, Dialect) {
    use http::Method;
    if let Some(operation) = metadata::operation(req) {
        return (operation, Dialect::Metadata);
    }
    match (req.method.clone(), req.path()) {
        (Method::GET, "/federation/credentials") => ("GetRoleCredentials", Dialect::Portal),
        (Method::GET, "/assignment/accounts") => ("ListAccounts", Dialect::Portal),
        (Method::GET, "/assignment/roles") => ("ListAccountRoles", Dialect::Portal),
        (Method::POST, "/logout") => ("Logout", Dialect::Portal),
        (Method::POST, "/client/register") => ("RegisterClient", Dialect::Oidc),
        (Method::POST, "/device_authorization") => ("StartDeviceAuthorization", Dialect::Oidc),
        (Method::POST, "/token") => ("CreateToken", Dialect::Oidc),
        (Method::GET, "/authorize") => ("Authorize", Dialect::Page),
        (Method::GET, "/authorize/decision") => ("AuthorizeDecision", Dialect::Page),
        (Method::GET, "/device") => ("DevicePage", Dialect::Page),
        (Method::POST, "/") => (sts::operation(req), Dialect::Sts),
        (Method::HEAD | Method::GET, "/vanity") => ("VanityStartUrl", Dialect::Page),
        (Method::GET, "/federation") => (federation::operation(req), Dialect::Page),
        (Method::POST, "/v1/token") => ("CreateOAuth2Token", Dialect::Signin),
        (Method::GET, "/v1/authorize") => ("SigninAuthorize", Dialect::Page),
        (Method::GET, "/v1/sessions/confirmation") => ("SigninConfirmation", Dialect::Page),
        _ => ("Unknown", Dialect::Page),
    }
}

fn dispatch(
    operation: &'static str,
    dialect: Dialect,
    req: &Req,
    st: &mut State,
    ctx: &Ctx<'_>,
) -> Reply {
    match (dialect, operation) {
        (Dialect::Metadata, _) => metadata::handle(operation, req, st, ctx),
        (Dialect::Portal, _) => portal::handle(operation, req, st, ctx),
        (Dialect::Sts, _) => sts::handle(operation, req, st, ctx),
        (_, "RegisterClient") => oidc::register_client(req, st, ctx),
        (_, "StartDeviceAuthorization") => oidc::start_device_authorization(req, st, ctx),
        (_, "CreateToken") => oidc::create_token(req, st, ctx),
        (_, "Authorize") => oidc::authorize(req, st, ctx),
        (_, "AuthorizeDecision") => oidc::authorize_decision(req, st, ctx),
        (_, "DevicePage") => oidc::device_page(req, st, ctx),
        (_, "VanityStartUrl") => vanity_start_url(req),
        (_, "GetSigninToken" | "FederationLogin") => federation::handle(operation, req, st, ctx),
        (_, "CreateOAuth2Token") => signin::token(req, st, ctx),
        (_, "SigninAuthorize") => signin::authorize(req, st, ctx),
        (_, "SigninConfirmation") => signin::confirmation(req),
        _ => Reply::error(
            dialect,
            ctx.request_id,
            404,
            "",
            &format!("No route for {} {}", req.method, req.path()),
        ),
    }
}

/// A company's own start URL (`/vanity?to=URL`): redirects to `to`, the AWS-owned portal, with
/// a 302 as IAM Identity Center's custom domains do. With `head=405` it refuses `HEAD`, for
/// clients that must fall back to `GET`.
fn vanity_start_url(req: &Req) -> Reply {
    if req.method == http::Method::HEAD && req.query_param("head").as_deref() == Some("405") {
        return Reply::empty(405);
    }
    match req.query_param("to") {
        Some(to) => Reply::redirect(to),
        None => Reply::html(200, "<p>a start page that leads nowhere</p>".into()),
    }
}

/// The reply a fault stands for, when it replaces the handler's answer.
fn fault_reply(fault: &Fault, dialect: Dialect, request_id: &str) -> Option<Reply> {
    let error =
        |status, code: &str, msg: &str| Some(Reply::error(dialect, request_id, status, code, msg));
    if dialect == Dialect::Metadata {
        // The metadata services answer errors in plain text, with no AWS error shape.
        let plain =
            |status: u16, text: &str| Some(Reply::new(status, "text/plain", text.to_string()));
        return match fault {
            Fault::Status(status, _) => plain(*status, "Injected fault"),
            Fault::Throttle => plain(429, "Too Many Requests"),
            Fault::ServerError => plain(500, "Internal Server Error"),
            Fault::Unavailable => Some(Reply::empty(503)),
            Fault::MalformedBody => Some(Reply::new(200, "text/plain", "{\"AccessKeyId\":\"ASIA,")),
            Fault::Delay(_) | Fault::CutConnection => None,
        };
    }
    match fault {
        Fault::Status(status, code) => error(*status, code, "Injected fault"),
        Fault::Throttle if dialect == Dialect::Sts => error(400, "Throttling", "Rate exceeded"),
        Fault::Throttle => error(429, "TooManyRequestsException", "Rate exceeded"),
        Fault::ServerError if dialect == Dialect::Sts => error(500, "InternalFailure", "An internal error occurred"),
        Fault::ServerError => error(500, "InternalServerException", "An internal error occurred"),
        Fault::Unavailable => Some(Reply::empty(503)),
        Fault::MalformedBody if dialect == Dialect::Sts => Some(Reply::xml(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <AssumeRoleResult>\n    <Credentials>\n      <AccessKeyId>ASIA</SecretAccessKey>\n  </AssumeRoleResult".to_string(),
        )),
        Fault::MalformedBody => Some(Reply::new(200, "application/json", "{\"roleCredentials\":{\"accessKeyId\":\"ASIA,\"expiration\":}")),
        Fault::Delay(_) | Fault::CutConnection => None,
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let req = Req {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
    };
    let (operation, dialect) = route(&req);
    let (fault, request_id) = {
        let mut st = shared.state();
        (
            fault::take(&mut st.faults, operation, req.path()),
            st.rng.uuid(),
        )
    };
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let reply = match fault
        .as_ref()
        .and_then(|f| fault_reply(f, dialect, &request_id))
    {
        Some(r) => r,
        None => {
            let now = shared.clock().now();
            let ctx = Ctx {
                now,
                request_id: &request_id,
                base_url: &shared.base_url,
                config: &shared.config,
            };
            let mut st = shared.state();
            dispatch(operation, dialect, &req, &mut st, &ctx)
        }
    };
    shared.state().log.push(LoggedRequest {
        method: req.method.to_string(),
        path: req.path().to_string(),
        query: if req.path() == "/federation" {
            federation::loggable_query(&req)
        } else {
            req.query().to_string()
        },
        operation,
        status: reply.status,
    });
    Ok(build(
        reply,
        &request_id,
        fault == Some(Fault::CutConnection),
    ))
}

fn build(reply: Reply, request_id: &str, cut: bool) -> Response<Body> {
    let len = reply.body.len();
    let body = if cut {
        Body::cut(reply.body)
    } else {
        Body::full(reply.body)
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(reply.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            headers.append(name, v);
        }
    }
    if let Ok(v) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
    response
}
