//! The AWS sign-in federation endpoint (`GET /federation`), as AWS documents it for custom
//! identity brokers: `Action=getSigninToken` exchanges a session's temporary credentials
//! (`Session` = `{"sessionId","sessionKey","sessionToken"}`) for a `SigninToken`, and
//! `Action=login` takes that token and redirects the browser to `Destination`.
//!
//! The emulator checks what the real endpoint would: the session JSON has exactly the three
//! keys, names credentials it issued and that have not expired, `SessionDuration` is 900 to
//! 43200 seconds; a sign-in token is good for 15 minutes and for one login.

use std::time::{Duration, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::reply::Reply;
use crate::request::Req;
use crate::state::{Ctx, State};

/// How long a sign-in token can be used (the AWS documentation says 15 minutes).
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The operation a `/federation` request is, for the log and fault injection.
pub(crate) fn operation(req: &Req) -> &'static str {
    match req.query_param("Action").as_deref() {
        Some("getSigninToken") => "GetSigninToken",
        Some("login") => "FederationLogin",
        _ => "Unknown",
    }
}

/// The query as logged: the session credentials and the sign-in token are left out.
pub(crate) fn loggable_query(req: &Req) -> String {
    form_urlencoded::parse(req.query().as_bytes())
        .map(|(k, v)| match k.as_ref() {
            "Session" | "SigninToken" => format!("{k}=**"),
            _ => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn handle(operation: &str, req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    match operation {
        "GetSigninToken" => get_signin_token(req, st, ctx),
        "FederationLogin" => login(req, st, ctx),
        _ => refuse(400, "Action must be getSigninToken or login"),
    }
}

/// The real endpoint answers errors with a page, not JSON; a short text stands for it.
fn refuse(status: u16, why: &str) -> Reply {
    Reply::new(status, "text/plain", why.as_bytes().to_vec())
}

fn get_signin_token(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    if let Some(d) = req.query_param("SessionDuration") {
        match d.parse::<u32>() {
            Ok(s) if (900..=43_200).contains(&s) => {}
            _ => return refuse(400, "SessionDuration must be 900 to 43200 seconds"),
        }
    }
    let Some(session) = req.query_param("Session") else {
        return refuse(400, "Session is required");
    };
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(&session)
    else {
        return refuse(400, "Session must be a JSON object");
    };
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["sessionId", "sessionKey", "sessionToken"] {
        return refuse(
            400,
            "Session must have exactly sessionId, sessionKey and sessionToken",
        );
    }
    let field = |k: &str| fields.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let (akid, secret, token) = (
        field("sessionId"),
        field("sessionKey"),
        field("sessionToken"),
    );
    let valid = st
        .credentials
        .get(akid)
        .is_some_and(|c| c.secret == secret && c.session_token == token && ctx.now < c.expires_at);
    if !valid {
        return refuse(400, "the session credentials are not valid or have expired");
    }
    let issued = ctx
        .now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let signin_token = format!("{akid}.{issued}.{}", mac(akid, issued, secret));
    st.secrets.push(signin_token.clone());
    Reply::json(&serde_json::json!({ "SigninToken": signin_token }))
}

fn login(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let (Some(token), Some(destination)) = (
        req.query_param("SigninToken"),
        req.query_param("Destination"),
    ) else {
        return refuse(400, "SigninToken and Destination are required");
    };
    if !destination.starts_with("https://") {
        return refuse(400, "Destination must be an https URL");
    }
    let mut parts = token.splitn(3, '.');
    let (Some(akid), Some(issued), Some(mac_given)) = (parts.next(), parts.next(), parts.next())
    else {
        return refuse(400, "the sign-in token is not valid");
    };
    let Ok(issued) = issued.parse::<u64>() else {
        return refuse(400, "the sign-in token is not valid");
    };
    let Some(creds) = st.credentials.get(akid) else {
        return refuse(400, "the sign-in token is not valid");
    };
    let fresh = UNIX_EPOCH + Duration::from_secs(issued) + TOKEN_LIFETIME > ctx.now;
    if mac(akid, issued, &creds.secret) != mac_given || !fresh {
        return refuse(400, "the sign-in token is not valid or has expired");
    }
    Reply::redirect(destination)
}

/// What ties a sign-in token to its credentials and time: no state to keep.
fn mac(akid: &str, issued: u64, secret: &str) -> String {
    let digest = Sha256::digest(format!("signin\n{akid}\n{issued}\n{secret}").as_bytes());
    hex::encode(&digest[..16])
}
