//! The EC2 instance metadata service (IMDSv2, and IMDSv1 when allowed) and the container
//! credentials endpoint (ECS / EKS Pod Identity), on the same listener as the AWS services.
//!
//! IMDS: `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds` (1–21600, else
//! 400) hands out a session token; `GET /latest/meta-data/iam/security-credentials/` (the role
//! name) and `…/<role>` (its credentials) need a live token in `x-aws-ec2-metadata-token`
//! (else 401) unless IMDSv1 is allowed. The container endpoint (`GET /v1/credentials`, the
//! EKS Pod Identity path, or `/v2/credentials/<id>`, the ECS one) checks `Authorization` when a
//! token is configured. Both answer the JSON credentials document; the credentials they issue
//! are accepted by STS, so they can start a role chain.

use std::time::Duration;

use serde_json::json;

use crate::reply::Reply;
use crate::request::Req;
use crate::state::{Ctx, State};

/// The instance id in the instance role's session ARN.
const INSTANCE_ID: &str = "i-0emulator0000001";
/// The longest token lifetime IMDS grants.
const MAX_TOKEN_TTL: u64 = 21_600;

pub(crate) fn operation(req: &Req) -> Option<&'static str> {
    use http::Method;
    let path = req.path();
    match (&req.method, path) {
        (&Method::PUT, "/latest/api/token") => Some("GetMetadataToken"),
        (&Method::GET, "/latest/meta-data/iam/security-credentials/") => {
            Some("GetInstanceRoleName")
        }
        (&Method::GET, p) if p.starts_with("/latest/meta-data/iam/security-credentials/") => {
            Some("GetInstanceCredentials")
        }
        (&Method::GET, "/v1/credentials") => Some("GetContainerCredentials"),
        (&Method::GET, p) if p.starts_with("/v2/credentials/") => Some("GetContainerCredentials"),
        _ => None,
    }
}

pub(crate) fn handle(operation: &str, req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    match operation {
        "GetMetadataToken" => token(req, st, ctx),
        "GetInstanceRoleName" => match check_token(req, st, ctx) {
            Err(r) => r,
            Ok(()) => match &ctx.config.instance_role {
                Some(role) => Reply::new(200, "text/plain", role.clone()),
                None => text(404, "Not Found"),
            },
        },
        "GetInstanceCredentials" => match check_token(req, st, ctx) {
            Err(r) => r,
            Ok(()) => instance_credentials(req, st, ctx),
        },
        "GetContainerCredentials" => container_credentials(req, st, ctx),
        _ => text(404, "Not Found"),
    }
}

fn text(status: u16, body: &str) -> Reply {
    Reply::new(status, "text/plain", body.to_string())
}

fn token(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let ttl = req
        .header("x-aws-ec2-metadata-token-ttl-seconds")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|t| (1..=MAX_TOKEN_TTL).contains(t));
    let Some(ttl) = ttl else {
        return text(400, "Bad Request");
    };
    let value = st.new_token("AQAEA", 48);
    st.imds_tokens
        .insert(value.clone(), ctx.now + Duration::from_secs(ttl));
    Reply::new(200, "text/plain", value)
        .with_header("x-aws-ec2-metadata-token-ttl-seconds", ttl.to_string())
}

fn check_token(req: &Req, st: &State, ctx: &Ctx<'_>) -> Result<(), Reply> {
    match req.header("x-aws-ec2-metadata-token") {
        Some(token) => match st.imds_tokens.get(token) {
            Some(expires) if *expires > ctx.now => Ok(()),
            _ => Err(text(401, "Unauthorized")),
        },
        None if ctx.config.imds_v1 => Ok(()),
        None => Err(text(401, "Unauthorized")),
    }
}

fn instance_credentials(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let asked = req
        .path()
        .trim_start_matches("/latest/meta-data/iam/security-credentials/");
    let role = match &ctx.config.instance_role {
        Some(role) if role == asked => role.clone(),
        _ => return text(404, "Not Found"),
    };
    let account = ctx.config.metadata_account.clone();
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{INSTANCE_ID}");
    let mut body = document(st, ctx, &account, arn, &role, INSTANCE_ID);
    if let Some(o) = body.as_object_mut() {
        o.insert("Code".into(), json!("Success"));
        o.insert("Type".into(), json!("AWS-HMAC"));
        o.insert(
            "LastUpdated".into(),
            json!(awscred_core::time::format_z(ctx.now)),
        );
    }
    Reply::json(&body)
}

fn container_credentials(req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    if let Some(expected) = &st.container_authorization
        && req.header("authorization") != Some(expected.as_str())
    {
        let body = json!({
            "code": "AccessDeniedException",
            "message": "The Authorization header is missing or invalid"
        });
        return Reply::new(401, "application/json", body.to_string());
    }
    let account = ctx.config.metadata_account.clone();
    let role = ctx.config.container_role.clone();
    let session = "emulator-task";
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
    let mut body = document(st, ctx, &account, arn, &role, session);
    if let Some(o) = body.as_object_mut() {
        o.insert("AccountId".into(), json!(account));
        o.insert(
            "RoleArn".into(),
            json!(format!("arn:aws:iam::{account}:role/{role}")),
        );
    }
    Reply::json(&body)
}

/// Issues credentials STS will accept, expiring at the configured override or after the
/// credential lifetime.
fn document(
    st: &mut State,
    ctx: &Ctx<'_>,
    account: &str,
    arn: String,
    role: &str,
    session: &str,
) -> serde_json::Value {
    let expires_at = st
        .metadata_expiry
        .unwrap_or(ctx.now + ctx.config.credential_lifetime);
    let role_id = crate::random::stable_id("AROA", &format!("{account}/{role}"));
    let (akid, secret, token) =
        st.issue_credentials(account, arn, format!("{role_id}:{session}"), expires_at);
    json!({
        "AccessKeyId": akid,
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": awscred_core::time::format_z(expires_at),
    })
}
