//! SSO-OIDC (docs/sso-oidc-and-login.md): client registration, device authorization, the browser's `/authorize`
//! and `/device` pages, and CreateToken for the device-code, authorization-code (PKCE) and
//! refresh-token grants.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::reply::{Dialect, Reply, html_escape};
use crate::request::Req;
use crate::state::{AuthCode, Ctx, DeviceAuth, DeviceStatus, PendingAuthorize, State};

/// The device-code grant type string.
pub(crate) const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(600);

fn err(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    Reply::error(Dialect::Oidc, ctx.request_id, status, code, message)
}

fn epoch(t: SystemTime) -> u64 {
    awscred_core::time::epoch_secs(t)
}

fn body_json(req: &Req, ctx: &Ctx<'_>) -> Result<serde_json::Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(err(
            ctx,
            400,
            "InvalidRequestException",
            "The request body must be a JSON object",
        )),
    }
}

fn str_field<'a>(map: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    map.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn list_field(map: &serde_json::Map<String, Value>, name: &str) -> Result<Vec<String>, ()> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or(()))
            .collect(),
        Some(_) => Err(()),
    }
}

pub(crate) fn register_client(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let map = match body_json(req, ctx) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (Some(_name), Some(client_type)) =
        (str_field(&map, "clientName"), str_field(&map, "clientType"))
    else {
        return err(
            ctx,
            400,
            "InvalidRequestException",
            "clientName and clientType are required",
        );
    };
    if client_type != "public" {
        return err(
            ctx,
            400,
            "InvalidClientMetadataException",
            "clientType must be public",
        );
    }
    let (Ok(grant_types), Ok(redirect_uris), Ok(scopes)) = (
        list_field(&map, "grantTypes"),
        list_field(&map, "redirectUris"),
        list_field(&map, "scopes"),
    ) else {
        return err(
            ctx,
            400,
            "InvalidRequestException",
            "grantTypes, redirectUris and scopes must be lists of strings",
        );
    };
    if let Some(bad) = grant_types.iter().find(|g| {
        !matches!(
            g.as_str(),
            "authorization_code" | "refresh_token" | DEVICE_GRANT
        )
    }) {
        return err(
            ctx,
            400,
            "UnsupportedGrantTypeException",
            &format!("Unsupported grant type: {bad}"),
        );
    }
    if redirect_uris.iter().any(|u| loopback(u).is_none()) {
        return err(
            ctx,
            400,
            "InvalidRedirectUriException",
            "Redirect URIs must be http://127.0.0.1 or http://localhost URIs",
        );
    }
    if grant_types.iter().any(|g| g == "authorization_code") && redirect_uris.is_empty() {
        return err(
            ctx,
            400,
            "InvalidRedirectUriException",
            "The authorization_code grant needs redirectUris",
        );
    }
    let auth_code = grant_types.iter().any(|g| g == "authorization_code");
    let (client_id, secret, expires_at) = st.register_client(
        ctx.now,
        ctx.config.registration_lifetime,
        grant_types,
        redirect_uris,
        scopes,
    );
    let mut out = json!({
        "clientId": client_id,
        "clientSecret": secret,
        "clientIdIssuedAt": epoch(ctx.now),
        "clientSecretExpiresAt": epoch(expires_at),
    });
    if auth_code {
        out["authorizationEndpoint"] = json!(format!("{}/authorize", ctx.base_url));
        out["tokenEndpoint"] = json!(format!("{}/token", ctx.base_url));
    }
    Reply::json(&out)
}

pub(crate) fn start_device_authorization(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let map = match body_json(req, ctx) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (Some(client_id), Some(secret), Some(_start_url)) = (
        str_field(&map, "clientId"),
        str_field(&map, "clientSecret"),
        str_field(&map, "startUrl"),
    ) else {
        return err(
            ctx,
            400,
            "InvalidRequestException",
            "clientId, clientSecret and startUrl are required",
        );
    };
    match st.check_client(client_id, secret, ctx.now) {
        Err(m) => return err(ctx, 401, "InvalidClientException", m),
        Ok(c) if !c.grant_types.is_empty() && !c.grant_types.iter().any(|g| g == DEVICE_GRANT) => {
            return err(
                ctx,
                400,
                "UnauthorizedClientException",
                "The client is not registered for the device code grant",
            );
        }
        Ok(_) => {}
    }
    let device_code = st.new_token("", 86);
    let user_code = st.rng.user_code();
    st.devices.insert(
        device_code.clone(),
        DeviceAuth {
            client_id: client_id.to_string(),
            user_code: user_code.clone(),
            expires_at: ctx.now + ctx.config.device_code_lifetime,
            status: DeviceStatus::Pending,
            last_poll: None,
        },
    );
    Reply::json(&json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": format!("{}/device", ctx.base_url),
        "verificationUriComplete": format!("{}/device?user_code={user_code}", ctx.base_url),
        "expiresIn": ctx.config.device_code_lifetime.as_secs(),
        "interval": ctx.config.device_interval.as_secs().max(1),
    }))
}

pub(crate) fn create_token(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let map = match body_json(req, ctx) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (Some(client_id), Some(secret), Some(grant)) = (
        str_field(&map, "clientId"),
        str_field(&map, "clientSecret"),
        str_field(&map, "grantType"),
    ) else {
        return err(
            ctx,
            400,
            "InvalidRequestException",
            "clientId, clientSecret and grantType are required",
        );
    };
    let grant_types = match st.check_client(client_id, secret, ctx.now) {
        Err(m) => return err(ctx, 401, "InvalidClientException", m),
        Ok(c) => c.grant_types.clone(),
    };
    let allowed = (grant_types.is_empty() && grant != "authorization_code")
        || grant_types.iter().any(|g| g == grant);
    if !matches!(grant, "authorization_code" | "refresh_token" | DEVICE_GRANT) {
        return err(
            ctx,
            400,
            "UnsupportedGrantTypeException",
            &format!("Unsupported grant type: {grant}"),
        );
    }
    if !allowed {
        return err(
            ctx,
            400,
            "UnauthorizedClientException",
            &format!("The client is not registered for the {grant} grant"),
        );
    }
    let outcome = match grant {
        DEVICE_GRANT => device_grant(&map, client_id, st, ctx),
        "authorization_code" => code_grant(&map, client_id, st, ctx),
        _ => refresh_grant(&map, client_id, st, ctx),
    };
    match outcome {
        Err(reply) => reply,
        Ok(()) => {
            let (access, refresh) =
                st.issue_token(client_id, ctx.now, ctx.config.access_token_lifetime);
            let mut out = json!({
                "accessToken": access,
                "tokenType": "Bearer",
                "expiresIn": ctx.config.access_token_lifetime.as_secs(),
            });
            if let Some(r) = refresh {
                out["refreshToken"] = json!(r);
            }
            Reply::json(&out)
        }
    }
}

fn device_grant(
    map: &serde_json::Map<String, Value>,
    client_id: &str,
    st: &mut State,
    ctx: &Ctx<'_>,
) -> Result<(), Reply> {
    let invalid = || {
        err(
            ctx,
            400,
            "InvalidGrantException",
            "Invalid device code provided",
        )
    };
    let code = str_field(map, "deviceCode").ok_or_else(invalid)?;
    let auto = st.auto_approve;
    let device = st.devices.get_mut(code).ok_or_else(invalid)?;
    if device.client_id != client_id {
        return Err(invalid());
    }
    if ctx.now >= device.expires_at {
        return Err(err(
            ctx,
            400,
            "ExpiredTokenException",
            "Device code has expired",
        ));
    }
    match device.status {
        DeviceStatus::Denied => Err(err(
            ctx,
            400,
            "AccessDeniedException",
            "The user denied the authorization request",
        )),
        DeviceStatus::Used => Err(invalid()),
        DeviceStatus::Approved => {
            device.status = DeviceStatus::Used;
            Ok(())
        }
        DeviceStatus::Pending => {
            let interval = ctx.config.device_interval;
            let too_fast = device.last_poll.is_some_and(|last| {
                ctx.now
                    .duration_since(last)
                    .map(|d| d < interval)
                    .unwrap_or(true)
            });
            device.last_poll = Some(ctx.now);
            if too_fast {
                return Err(err(
                    ctx,
                    400,
                    "SlowDownException",
                    "Client is polling too quickly",
                ));
            }
            if auto {
                // Auto-approval still answers one `authorization_pending`, so the polling loop runs.
                device.status = DeviceStatus::Approved;
            }
            Err(err(
                ctx,
                400,
                "AuthorizationPendingException",
                "Authorization is still pending",
            ))
        }
    }
}

/// `base64url(sha256(verifier))` without padding (RFC 7636 S256).
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn code_grant(
    map: &serde_json::Map<String, Value>,
    client_id: &str,
    st: &mut State,
    ctx: &Ctx<'_>,
) -> Result<(), Reply> {
    let invalid = |m: &str| err(ctx, 400, "InvalidGrantException", m);
    let code = str_field(map, "code").ok_or_else(|| invalid("code is required"))?;
    // Codes are single-use: removed on the first attempt, whatever its outcome.
    let issued = st
        .codes
        .remove(code)
        .ok_or_else(|| invalid("Invalid authorization code provided"))?;
    if issued.client_id != client_id {
        return Err(invalid("Invalid authorization code provided"));
    }
    if ctx.now >= issued.expires_at {
        return Err(err(
            ctx,
            400,
            "ExpiredTokenException",
            "Authorization code has expired",
        ));
    }
    if str_field(map, "redirectUri") != Some(issued.redirect_uri.as_str()) {
        return Err(invalid(
            "redirectUri does not match the one of the authorization request",
        ));
    }
    let verifier =
        str_field(map, "codeVerifier").ok_or_else(|| invalid("codeVerifier is required"))?;
    if s256(verifier) != issued.challenge {
        return Err(invalid("Code verifier does not match the code challenge"));
    }
    Ok(())
}

fn refresh_grant(
    map: &serde_json::Map<String, Value>,
    client_id: &str,
    st: &mut State,
    ctx: &Ctx<'_>,
) -> Result<(), Reply> {
    let invalid = || {
        err(
            ctx,
            400,
            "InvalidGrantException",
            "Invalid refresh token provided",
        )
    };
    let token = str_field(map, "refreshToken").ok_or_else(invalid)?;
    match st.refresh_tokens.get(token) {
        Some(owner) if owner == client_id => {
            // Rotation: a refresh token works once.
            st.refresh_tokens.remove(token);
            Ok(())
        }
        _ => Err(invalid()),
    }
}

/// The loopback redirect URI without its port, for RFC 8252 §7.3 matching (any port).
fn loopback(uri: &str) -> Option<(String, String)> {
    let parsed: http::Uri = uri.parse().ok()?;
    let host = parsed.host()?;
    if parsed.scheme_str() != Some("http") || !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    Some((host.to_string(), parsed.path().to_string()))
}

fn redirect_allowed(registered: &[String], requested: &str) -> bool {
    let Some(want) = loopback(requested) else {
        return false;
    };
    registered
        .iter()
        .any(|r| r == requested || loopback(r).as_ref() == Some(&want))
}

fn with_params(uri: &str, pairs: &[(&str, &str)]) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!(
        "{uri}{sep}{}",
        awscred_core::encoding::encode_pairs(pairs.iter().copied())
    )
}

/// `GET /authorize`: validates the request; answers with a redirect carrying a code (auto-approve)
/// or a page with approve/deny links.
pub(crate) fn authorize(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let page = |status, msg: &str| Reply::error(Dialect::Page, ctx.request_id, status, "", msg);
    let q = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let Some(client_id) = q("client_id") else {
        return page(400, "client_id is required");
    };
    let Some(client) = st
        .clients
        .get(&client_id)
        .filter(|c| c.expires_at > ctx.now)
    else {
        return page(400, "Invalid client: unknown or expired registration");
    };
    let Some(redirect_uri) =
        q("redirect_uri").filter(|r| redirect_allowed(&client.redirect_uris, r))
    else {
        return page(
            400,
            "redirect_uri is missing or not registered for this client",
        );
    };
    let state = q("state").unwrap_or_default();
    let deny = |error: &str, description: &str| {
        Reply::redirect(with_params(
            &redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", &state),
            ],
        ))
    };
    if !client.grant_types.iter().any(|g| g == "authorization_code") {
        return deny(
            "unauthorized_client",
            "The client is not registered for the authorization_code grant",
        );
    }
    if q("response_type").as_deref() != Some("code") {
        return deny("unsupported_response_type", "response_type must be code");
    }
    let Some(challenge) = q("code_challenge") else {
        return deny("invalid_request", "code_challenge is required");
    };
    if q("code_challenge_method").as_deref() != Some("S256") {
        return deny("invalid_request", "code_challenge_method must be S256");
    }
    let pending = PendingAuthorize {
        client_id,
        redirect_uri,
        state,
        challenge,
    };
    if st.auto_approve {
        return decide(st, pending, true, ctx.now);
    }
    let id = st.rng.alnum(24);
    let body = format!(
        "<!doctype html><title>Authorize</title>\n<p>Allow client <code>{}</code> to access your AWS accounts?</p>\n<p><a id=\"approve\" href=\"/authorize/decision?id={id}&amp;approve=true\">Allow</a> <a id=\"deny\" href=\"/authorize/decision?id={id}&amp;approve=false\">Deny</a></p>\n",
        html_escape(&pending.client_id)
    );
    st.pending_authorize.insert(id, pending);
    Reply::html(200, body)
}

/// `GET /authorize/decision?id=…&approve=true|false`: the links of the authorize page.
pub(crate) fn authorize_decision(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let pending = req
        .query_param("id")
        .and_then(|id| st.pending_authorize.remove(&id));
    match pending {
        Some(p) => decide(
            st,
            p,
            req.query_param("approve").as_deref() == Some("true"),
            ctx.now,
        ),
        None => Reply::error(
            Dialect::Page,
            ctx.request_id,
            404,
            "",
            "Unknown or already decided authorization request",
        ),
    }
}

/// Approves or denies a pending authorization by its `state` (test hook); the redirect URL.
pub(crate) fn decide_by_state(
    st: &mut State,
    state: &str,
    approve: bool,
    now: SystemTime,
) -> Option<String> {
    let id = st
        .pending_authorize
        .iter()
        .find(|(_, p)| p.state == state)
        .map(|(id, _)| id.clone())?;
    let pending = st.pending_authorize.remove(&id)?;
    let reply = decide(st, pending, approve, now);
    reply
        .headers
        .into_iter()
        .find(|(n, _)| *n == "location")
        .map(|(_, v)| v)
}

fn decide(st: &mut State, p: PendingAuthorize, approve: bool, now: SystemTime) -> Reply {
    if !approve {
        return Reply::redirect(with_params(
            &p.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the request"),
                ("state", &p.state),
            ],
        ));
    }
    let code = st.new_token("", 64);
    let location = with_params(&p.redirect_uri, &[("code", &code), ("state", &p.state)]);
    st.codes.insert(
        code,
        AuthCode {
            client_id: p.client_id,
            redirect_uri: p.redirect_uri,
            challenge: p.challenge,
            expires_at: now + AUTH_CODE_LIFETIME,
        },
    );
    Reply::redirect(location)
}

/// `GET /device[?user_code=…[&action=approve|deny]]`: the verification page a person opens.
pub(crate) fn device_page(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let Some(user_code) = req.query_param("user_code") else {
        return Reply::html(200, "<!doctype html><title>Device</title><p>Enter the code shown by your device as <code>/device?user_code=CODE</code>.</p>\n".into());
    };
    let action = req
        .query_param("action")
        .or_else(|| st.auto_approve.then(|| "approve".to_string()));
    let found = match action.as_deref() {
        Some("approve") => set_device(st, &user_code, DeviceStatus::Approved, ctx.now),
        Some("deny") => set_device(st, &user_code, DeviceStatus::Denied, ctx.now),
        _ => st
            .devices
            .values()
            .any(|d| d.user_code == user_code && d.status == DeviceStatus::Pending),
    };
    let code = html_escape(&user_code);
    match (found, action.as_deref()) {
        (false, _) => Reply::error(
            Dialect::Page,
            ctx.request_id,
            404,
            "",
            "Unknown, expired or already used code",
        ),
        (true, Some("approve")) => Reply::html(
            200,
            format!(
                "<!doctype html><title>Approved</title><p>Request {code} approved. You can close this window.</p>\n"
            ),
        ),
        (true, Some("deny")) => Reply::html(
            200,
            format!("<!doctype html><title>Denied</title><p>Request {code} denied.</p>\n"),
        ),
        (true, _) => Reply::html(
            200,
            format!(
                "<!doctype html><title>Device</title><p>Code {code}</p><p><a id=\"approve\" href=\"/device?user_code={code}&amp;action=approve\">Allow</a> <a id=\"deny\" href=\"/device?user_code={code}&amp;action=deny\">Deny</a></p>\n"
            ),
        ),
    }
}

/// Decides the pending, unexpired device authorization with `user_code`; false when none.
pub(crate) fn set_device(
    st: &mut State,
    user_code: &str,
    status: DeviceStatus,
    now: SystemTime,
) -> bool {
    match st.devices.values_mut().find(|d| {
        d.user_code == user_code && d.status == DeviceStatus::Pending && now < d.expires_at
    }) {
        Some(d) => {
            d.status = status;
            true
        }
        None => false,
    }
}
