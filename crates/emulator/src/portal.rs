//! The SSO portal (docs/sso-portal.md): role credentials, account and role lists, logout.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::random::stable_id;
use crate::reply::{Dialect, Reply};
use crate::request::Req;
use crate::state::{Ctx, State};

const BEARER: &str = "x-amz-sso_bearer_token";

pub(crate) fn handle(operation: &'static str, req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let err =
        |status, code, msg: &str| Reply::error(Dialect::Portal, ctx.request_id, status, code, msg);
    let token = match req.header(BEARER) {
        Some(t) if st.token_is_live(t, ctx.now) => t.to_string(),
        _ => {
            return err(
                401,
                "UnauthorizedException",
                "Session token not found or invalid",
            );
        }
    };
    match operation {
        "GetRoleCredentials" => role_credentials(req, st, ctx),
        "ListAccounts" => list_accounts(req, ctx),
        "ListAccountRoles" => list_roles(req, ctx),
        "Logout" => {
            // Logout ends the whole sign-in session: the token and the client's refresh tokens.
            if let Some(t) = st.access_tokens.get_mut(&token) {
                t.revoked = true;
                let client = t.client_id.clone();
                st.refresh_tokens.retain(|_, owner| *owner != client);
            }
            Reply::empty(200)
        }
        _ => err(404, "UnknownOperationException", "Unknown operation"),
    }
}

fn role_credentials(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let err =
        |status, code, msg: &str| Reply::error(Dialect::Portal, ctx.request_id, status, code, msg);
    let (Some(role), Some(account_id)) =
        (req.query_param("role_name"), req.query_param("account_id"))
    else {
        return err(
            400,
            "InvalidRequestException",
            "role_name and account_id are required",
        );
    };
    let Some(account) = ctx.config.account(&account_id) else {
        return err(
            404,
            "ResourceNotFoundException",
            "Could not find the account",
        );
    };
    if !account.roles.contains(&role) {
        return err(403, "ForbiddenException", "No access");
    }
    let user = &ctx.config.user_name;
    let reserved = format!(
        "AWSReservedSSO_{role}_{}",
        &hex::encode(sha_of(&role))[..16]
    );
    let arn = format!("arn:aws:sts::{account_id}:assumed-role/{reserved}/{user}");
    let user_id = format!(
        "{}:{user}",
        stable_id("AROA", &format!("{account_id}/{reserved}"))
    );
    let expires_at = ctx.now + ctx.config.credential_lifetime;
    let (akid, secret, token) = st.issue_credentials(&account_id, arn, user_id, expires_at);
    let millis = expires_at
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0) as u64;
    Reply::json(&json!({
        "roleCredentials": {
            "accessKeyId": akid,
            "secretAccessKey": secret,
            "sessionToken": token,
            "expiration": millis,
        }
    }))
}

fn sha_of(s: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).to_vec()
}

/// Reads `max_result` and `next_token`; `Err` is the 400 reply. Page tokens are bound to `scope`
/// (which list, which account) and carry characters that need percent-encoding (`+`, `/`, `=`),
/// as real ones do.
fn page(req: &Req, ctx: &Ctx<'_>, scope: &str) -> Result<(usize, usize), Reply> {
    let err = |msg: &str| {
        Reply::error(
            Dialect::Portal,
            ctx.request_id,
            400,
            "InvalidRequestException",
            msg,
        )
    };
    let size = match req.query_param("max_result") {
        None => ctx.config.page_size.max(1),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(err("max_result must be an integer between 1 and 100")),
        },
    };
    let start = match req.query_param("next_token") {
        None => 0,
        Some(t) => decode_page_token(&t, scope).ok_or_else(|| err("Invalid next token"))?,
    };
    Ok((size, start))
}

fn encode_page_token(scope: &str, offset: usize) -> String {
    format!("AQ+/{}", STANDARD.encode(format!("{scope}|{offset}")))
}

fn decode_page_token(token: &str, scope: &str) -> Option<usize> {
    let raw = STANDARD.decode(token.strip_prefix("AQ+/")?).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (s, offset) = text.rsplit_once('|')?;
    (s == scope).then_some(())?;
    offset.parse().ok()
}

fn paged<T: Clone>(
    items: &[T],
    size: usize,
    start: usize,
    scope: &str,
) -> (Vec<T>, serde_json::Value) {
    let page: Vec<T> = items.iter().skip(start).take(size).cloned().collect();
    let end = start.saturating_add(size);
    let next = if end < items.len() {
        json!(encode_page_token(scope, end))
    } else {
        serde_json::Value::Null
    };
    (page, next)
}

fn list_accounts(req: &Req, ctx: &Ctx<'_>) -> Reply {
    let (size, start) = match page(req, ctx, "accounts") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let all: Vec<serde_json::Value> = ctx
        .config
        .accounts
        .iter()
        .map(|a| json!({"accountId": a.id, "accountName": a.name, "emailAddress": a.email}))
        .collect();
    let (list, next) = paged(&all, size, start, "accounts");
    Reply::json(&json!({"nextToken": next, "accountList": list}))
}

fn list_roles(req: &Req, ctx: &Ctx<'_>) -> Reply {
    let err =
        |status, code, msg: &str| Reply::error(Dialect::Portal, ctx.request_id, status, code, msg);
    let Some(account_id) = req.query_param("account_id") else {
        return err(400, "InvalidRequestException", "account_id is required");
    };
    let Some(account) = ctx.config.account(&account_id) else {
        return err(
            404,
            "ResourceNotFoundException",
            "Could not find the account",
        );
    };
    let scope = format!("roles:{account_id}");
    let (size, start) = match page(req, ctx, &scope) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let all: Vec<serde_json::Value> = account
        .roles
        .iter()
        .map(|r| json!({"roleName": r, "accountId": account_id}))
        .collect();
    let (list, next) = paged(&all, size, start, &scope);
    Reply::json(&json!({"nextToken": next, "roleList": list}))
}
