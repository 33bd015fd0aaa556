//! AWS Sign-In for console login sessions (`aws login`): the authorize page, the cross-device
//! confirmation page and the token endpoint `POST /v1/token`, which verifies every DPoP proof
//! (RFC 9449: ES256 signature by the `jwk` in its header, `htm`, `htu`, `iat` within a window,
//! `jti` never seen before) and rotates the refresh token on every refresh. A refresh token is
//! bound to the thumbprint of the key that redeemed the authorization code, as the real
//! service binds it (`cnf.jkt`, botocore's signin model). See `docs/login-session.md`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::reply::{Dialect, Reply};
use crate::request::Req;
use crate::state::{Ctx, State};

/// How far a proof's `iat` may be from the emulator's clock, either way.
pub(crate) const IAT_WINDOW: Duration = Duration::from_secs(300);
/// How long the credentials of a login session last (the service's 15 minutes).
pub(crate) const CREDENTIAL_LIFETIME: Duration = Duration::from_secs(900);
/// How long an authorization code may wait to be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// One logged-in console session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub client_id: String,
    /// The thumbprint of the key its refresh tokens are bound to.
    pub jkt: String,
    pub arn: String,
    pub account_id: String,
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    expires_at: SystemTime,
}

/// What Sign-In remembers.
#[derive(Default)]
pub(crate) struct SigninState {
    codes: HashMap<String, PendingCode>,
    /// Live refresh tokens and their session.
    refresh_tokens: HashMap<String, Session>,
    /// Refresh tokens replaced by a refresh: reusing one is refused.
    rotated: HashSet<String>,
    /// Every `jti` accepted so far.
    seen_jti: HashSet<String>,
    /// Proofs refused, and why (for tests).
    pub refused: Vec<String>,
}

impl SigninState {
    /// Ends every session: their refresh tokens answer `TOKEN_EXPIRED` from now on.
    pub(crate) fn end_sessions(&mut self) {
        let live: Vec<String> = self.refresh_tokens.keys().cloned().collect();
        self.rotated.extend(live);
        self.refresh_tokens.clear();
    }
}

/// A session seeded by a test, as a login would have left it. `Debug` shows no secret.
#[derive(Clone)]
pub struct IssuedConsoleSession {
    /// The `login_session` value (the session ARN).
    pub login_session: String,
    /// Its account.
    pub account_id: String,
    /// The current credentials.
    pub access_key_id: String,
    /// Their secret.
    pub secret_access_key: String,
    /// Their session token.
    pub session_token: String,
    /// The live refresh token.
    pub refresh_token: String,
}

impl std::fmt::Debug for IssuedConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedConsoleSession")
            .field("login_session", &self.login_session)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl State {
    /// Seeds a console session bound to the key with thumbprint `jkt`.
    pub(crate) fn seed_console_session(
        &mut self,
        user: &str,
        account_id: &str,
        client_id: &str,
        jkt: &str,
        credentials_expire_at: SystemTime,
    ) -> IssuedConsoleSession {
        let arn = session_arn(user, account_id);
        let (akid, secret, token) = self.issue_credentials(
            account_id,
            arn.clone(),
            format!("AROAEMULATORADMIN:{user}"),
            credentials_expire_at,
        );
        let refresh_token = self.new_token("ASOR", 120);
        self.signin.refresh_tokens.insert(
            refresh_token.clone(),
            Session {
                client_id: client_id.to_string(),
                jkt: jkt.to_string(),
                arn: arn.clone(),
                account_id: account_id.to_string(),
            },
        );
        IssuedConsoleSession {
            login_session: arn,
            account_id: account_id.to_string(),
            access_key_id: akid,
            secret_access_key: secret,
            session_token: token,
            refresh_token,
        }
    }
}

/// The login session ARN the emulator signs users in as: its first account's `Admin` role.
pub(crate) fn session_arn(ctx_user: &str, account: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/Admin/{ctx_user}")
}

fn error(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    Reply::error(Dialect::Signin, ctx.request_id, status, code, message)
}

fn first_account(ctx: &Ctx<'_>) -> String {
    ctx.config
        .accounts
        .first()
        .map_or_else(|| "111111111111".to_string(), |a| a.id.clone())
}

/// `GET /v1/authorize`: approves at once when the emulator auto-approves (the user signed in
/// in the browser), redirecting to `redirect_uri` with `code` and `state`.
pub(crate) fn authorize(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let q = |n: &str| req.query_param(n).unwrap_or_default();
    for (name, want) in [
        ("response_type", "code"),
        ("code_challenge_method", "SHA-256"),
        ("scope", "openid"),
    ] {
        if q(name) != want {
            return Reply::html(400, format!("<p>{name} must be {want}</p>"));
        }
    }
    let client_id = q("client_id");
    if !client_id.starts_with("arn:aws:signin:::devtools/") {
        return Reply::html(400, "<p>unknown client_id</p>".into());
    }
    let (redirect_uri, state, challenge) = (q("redirect_uri"), q("state"), q("code_challenge"));
    if redirect_uri.is_empty() || state.is_empty() || challenge.is_empty() {
        return Reply::html(
            400,
            "<p>redirect_uri, state and code_challenge are required</p>".into(),
        );
    }
    if !st.auto_approve {
        return Reply::html(403, "<p>the sign-in was not approved</p>".into());
    }
    let code = st.new_token("sicode", 40);
    st.signin.codes.insert(
        code.clone(),
        PendingCode {
            client_id,
            redirect_uri: redirect_uri.clone(),
            challenge,
            expires_at: ctx.now + CODE_LIFETIME,
        },
    );
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &state)
        .finish();
    Reply::redirect(format!("{redirect_uri}{sep}{query}"))
}

/// `GET /v1/sessions/confirmation`: the page a cross-device login ends on, showing the code to
/// paste: base64 of `code=…&state=…` (awscli `CrossDeviceLoginTokenFetcher`).
pub(crate) fn confirmation(req: &Req) -> Reply {
    let (Some(code), Some(state)) = (req.query_param("code"), req.query_param("state")) else {
        return Reply::html(400, "<p>no code</p>".into());
    };
    let pairs: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &state)
        .finish();
    let shown = STANDARD.encode(pairs);
    Reply::html(
        200,
        format!(
            "<!doctype html><p>Enter this code in the CLI:</p><code id=\"verification-code\">{shown}</code>\n"
        ),
    )
}

/// `POST /v1/token`.
pub(crate) fn token(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let htu = format!("{}/v1/token", ctx.base_url.trim_end_matches('/'));
    let proof = match verify_proof(req.header("dpop"), &htu, ctx.now, &st.signin.seen_jti) {
        Ok(p) => p,
        Err(why) => {
            st.signin.refused.push(why.clone());
            return error(
                ctx,
                400,
                "INVALID_REQUEST",
                &format!("invalid DPoP proof: {why}"),
            );
        }
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return error(ctx, 400, "INVALID_REQUEST", "the body is not a JSON object"),
    };
    let field = |n: &str| {
        body.get(n)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let client_id = field("clientId");
    let outcome = match field("grantType").as_str() {
        "refresh_token" => refresh(st, &client_id, &field("refreshToken"), &proof.jkt),
        "authorization_code" => redeem(
            st,
            ctx,
            &client_id,
            &field("code"),
            &field("codeVerifier"),
            &field("redirectUri"),
            &proof.jkt,
        ),
        _ => Err((
            400,
            "INVALID_REQUEST",
            "grantType must be authorization_code or refresh_token".into(),
        )),
    };
    // A proof counts as used once it reached a decision, whatever the decision.
    st.signin.seen_jti.insert(proof.jti);
    let (session, id_token) = match outcome {
        Ok(ok) => ok,
        Err((status, code, message)) => return error(ctx, status, code, &message),
    };
    let expires_at = ctx.now + CREDENTIAL_LIFETIME;
    let (akid, secret, session_token) = st.issue_credentials(
        &session.account_id,
        session.arn.clone(),
        format!("AROAEMULATORADMIN:{}", ctx.config.user_name),
        expires_at,
    );
    let refresh_token = st.new_token("ASOR", 120);
    st.signin
        .refresh_tokens
        .insert(refresh_token.clone(), session);
    let mut output = json!({
        "accessToken": {"accessKeyId": akid, "secretAccessKey": secret, "sessionToken": session_token},
        "tokenType": "aws_sigv4",
        "expiresIn": CREDENTIAL_LIFETIME.as_secs(),
        "refreshToken": refresh_token,
    });
    if let Some(id) = id_token {
        output["idToken"] = Value::String(id);
    }
    Reply::json(&output)
}

type Refused = (u16, &'static str, String);

fn refresh(
    st: &mut State,
    client_id: &str,
    token: &str,
    jkt: &str,
) -> Result<(Session, Option<String>), Refused> {
    if st.signin.rotated.contains(token) {
        return Err((
            400,
            "TOKEN_EXPIRED",
            "the refresh token was already used or the session ended".into(),
        ));
    }
    let Some(session) = st.signin.refresh_tokens.get(token).cloned() else {
        return Err((400, "INVALID_REQUEST", "unknown refresh token".into()));
    };
    if session.client_id != client_id {
        return Err((
            400,
            "INVALID_REQUEST",
            "clientId does not match the refresh token".into(),
        ));
    }
    if session.jkt != jkt {
        return Err((
            400,
            "INVALID_REQUEST",
            "the DPoP key is not the one the refresh token is bound to".into(),
        ));
    }
    st.signin.refresh_tokens.remove(token);
    st.signin.rotated.insert(token.to_string());
    Ok((session, None))
}

fn redeem(
    st: &mut State,
    ctx: &Ctx<'_>,
    client_id: &str,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
    jkt: &str,
) -> Result<(Session, Option<String>), Refused> {
    let Some(pending) = st.signin.codes.remove(code) else {
        return Err((
            400,
            "AUTHCODE_EXPIRED",
            "unknown or used authorization code".into(),
        ));
    };
    if pending.expires_at <= ctx.now {
        return Err((
            400,
            "AUTHCODE_EXPIRED",
            "the authorization code expired".into(),
        ));
    }
    if pending.client_id != client_id || pending.redirect_uri != redirect_uri {
        return Err((
            400,
            "INVALID_REQUEST",
            "clientId or redirectUri differ from the authorize request".into(),
        ));
    }
    // The AWS CLI sends the challenge without its one `=` of padding.
    let challenge = STANDARD_URL.encode(Sha256::digest(verifier.as_bytes()));
    if challenge.trim_end_matches('=') != pending.challenge.trim_end_matches('=') {
        return Err((
            400,
            "INVALID_REQUEST",
            "the PKCE code verifier does not match".into(),
        ));
    }
    let account_id = first_account(ctx);
    let arn = session_arn(&ctx.config.user_name, &account_id);
    let id_token = id_token(&arn, ctx.now);
    Ok((
        Session {
            client_id: client_id.to_string(),
            jkt: jkt.to_string(),
            arn,
            account_id,
        },
        Some(id_token),
    ))
}

const STANDARD_URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE;

/// An ID token whose `sub` is the session ARN (unsigned: clients only read its payload).
fn id_token(arn: &str, now: SystemTime) -> String {
    let iat = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub": arn, "iat": iat}).to_string());
    format!("{header}.{claims}.")
}

struct Proof {
    jti: String,
    jkt: String,
}

/// Checks a DPoP proof: its form, its signature by its own `jwk`, and its claims.
fn verify_proof(
    header: Option<&str>,
    htu: &str,
    now: SystemTime,
    seen: &HashSet<String>,
) -> Result<Proof, String> {
    let proof = header.ok_or("no DPoP header")?;
    let parts: Vec<&str> = proof.split('.').collect();
    let [h, c, s] = parts[..] else {
        return Err("not a compact JWS of three parts".into());
    };
    let decode_json = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| format!("the {what} is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| format!("the {what} is not JSON"))
    };
    let head = decode_json(h, "header")?;
    let claims = decode_json(c, "claims")?;
    let text = |v: &Value, n: &str| v.get(n).and_then(Value::as_str).map(str::to_string);
    if text(&head, "typ").as_deref() != Some("dpop+jwt") {
        return Err("typ is not dpop+jwt".into());
    }
    if text(&head, "alg").as_deref() != Some("ES256") {
        return Err("alg is not ES256".into());
    }
    let jwk = head.get("jwk").ok_or("no jwk in the header")?;
    if text(jwk, "kty").as_deref() != Some("EC") || text(jwk, "crv").as_deref() != Some("P-256") {
        return Err("the jwk is not an EC P-256 key".into());
    }
    let (x, y) = (
        text(jwk, "x").unwrap_or_default(),
        text(jwk, "y").unwrap_or_default(),
    );
    let mut point = vec![4u8];
    for coord in [&x, &y] {
        let bytes = URL_SAFE_NO_PAD
            .decode(coord)
            .map_err(|_| "a jwk coordinate is not base64url")?;
        if bytes.len() != 32 {
            return Err("a jwk coordinate is not 32 bytes".into());
        }
        point.extend_from_slice(&bytes);
    }
    let key =
        VerifyingKey::from_sec1_bytes(&point).map_err(|_| "the jwk is not a point on P-256")?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "the signature is not base64url")?;
    let sig = Signature::from_slice(&sig).map_err(|_| "the signature is not 64 bytes of r || s")?;
    key.verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| "the signature does not verify")?;
    if text(&claims, "htm").as_deref() != Some("POST") {
        return Err("htm is not POST".into());
    }
    if text(&claims, "htu").as_deref() != Some(htu) {
        return Err(format!("htu is not {htu}"));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or("no numeric iat")?;
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if iat.abs_diff(now_s) > IAT_WINDOW.as_secs() {
        return Err(format!(
            "iat is {} s away from the server's clock",
            iat.abs_diff(now_s)
        ));
    }
    let jti = text(&claims, "jti")
        .filter(|j| !j.is_empty())
        .ok_or("no jti")?;
    if seen.contains(&jti) {
        return Err("the jti was used before (a replayed proof)".into());
    }
    Ok(Proof {
        jti,
        jkt: awscred_core::signin::jwk_thumbprint(&x, &y),
    })
}
