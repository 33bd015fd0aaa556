//! STS (docs/sts.md): AssumeRole and GetCallerIdentity, SigV4-verified with the secrets the emulator
//! issued; AssumeRoleWithWebIdentity, which is unsigned.

use std::time::{Duration, SystemTime};

use awscred_core::Credentials;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::random::stable_id;
use crate::reply::{Dialect, Reply, xml_escape};
use crate::request::{Req, form_value};
use crate::sigcheck;
use crate::state::{Ctx, State};

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn err(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    Reply::error(Dialect::Sts, ctx.request_id, status, code, message)
}

/// The STS operation a request names in its form body (`Action=`).
pub(crate) fn operation(req: &Req) -> &'static str {
    match form_value(&req.form(), "Action") {
        Some("AssumeRole") => "AssumeRole",
        Some("AssumeRoleWithWebIdentity") => "AssumeRoleWithWebIdentity",
        Some("GetCallerIdentity") => "GetCallerIdentity",
        _ => "Unknown",
    }
}

/// Who signed a request.
struct Caller {
    arn: String,
    user_id: String,
    account_id: String,
}

pub(crate) fn handle(operation: &'static str, req: &Req, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let form = req.form();
    match operation {
        "AssumeRole" => match authenticate(req, st, ctx) {
            Ok(caller) => assume_role(&form, &caller, st, ctx),
            Err(r) => r,
        },
        "GetCallerIdentity" => match authenticate(req, st, ctx) {
            Ok(caller) => Reply::xml(format!(
                "<GetCallerIdentityResponse xmlns=\"{NS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
                xml_escape(&caller.arn),
                xml_escape(&caller.user_id),
                xml_escape(&caller.account_id),
                ctx.request_id
            )),
            Err(r) => r,
        },
        "AssumeRoleWithWebIdentity" => web_identity(&form, st, ctx),
        _ => {
            let action = form_value(&form, "Action").unwrap_or("");
            if action.is_empty() {
                err(
                    ctx,
                    400,
                    "MissingAction",
                    "Could not find operation: the Action parameter is missing",
                )
            } else {
                err(
                    ctx,
                    400,
                    "InvalidAction",
                    &format!("Could not find operation {action} for version 2011-06-15"),
                )
            }
        }
    }
}

fn authenticate(req: &Req, st: &State, ctx: &Ctx<'_>) -> Result<Caller, Reply> {
    let Some(header) = req.header("authorization") else {
        return Err(err(
            ctx,
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ));
    };
    let auth = sigcheck::parse(header).map_err(|m| err(ctx, 400, "IncompleteSignature", &m))?;
    if auth.service != "sts" {
        return Err(err(
            ctx,
            403,
            "SignatureDoesNotMatch",
            "Credential should be scoped to correct service: 'sts'. ",
        ));
    }
    let akid = auth.access_key_id;
    let invalid_token = || {
        err(
            ctx,
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    };
    let presented_token = req.header("x-amz-security-token");
    let (credentials, caller) = if let Some(issued) = st.credentials.get(&akid) {
        if presented_token != Some(issued.session_token.as_str()) {
            return Err(invalid_token());
        }
        if ctx.now >= issued.expires_at {
            return Err(err(
                ctx,
                400,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        let creds = Credentials::new(
            akid.clone(),
            issued.secret.clone(),
            Some(issued.session_token.clone()),
            Some(issued.expires_at),
        );
        let caller = Caller {
            arn: issued.arn.clone(),
            user_id: issued.user_id.clone(),
            account_id: issued.account_id.clone(),
        };
        (creds, caller)
    } else if let Some((_, secret)) = ctx.config.static_keys.iter().find(|(k, _)| *k == akid) {
        if presented_token.is_some() {
            return Err(invalid_token());
        }
        let account_id = ctx
            .config
            .accounts
            .first()
            .map(|a| a.id.clone())
            .unwrap_or_else(|| "000000000000".into());
        let caller = Caller {
            arn: format!("arn:aws:iam::{account_id}:user/emulator-static"),
            user_id: stable_id("AIDA", &akid),
            account_id,
        };
        (
            Credentials::new(akid.clone(), secret.clone(), None, None),
            caller,
        )
    } else {
        return Err(invalid_token());
    };
    if sigcheck::verify(req, &credentials).is_err() {
        return Err(err(
            ctx,
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    check_skew(req, ctx)?;
    Ok(caller)
}

fn check_skew(req: &Req, ctx: &Ctx<'_>) -> Result<(), Reply> {
    let Some(max) = ctx.config.max_clock_skew else {
        return Ok(());
    };
    let text = req.header("x-amz-date").unwrap_or("");
    let Some(signed_at) = awscred_core::time::parse_amz_date(text) else {
        return Err(err(
            ctx,
            400,
            "IncompleteSignature",
            "The request must contain a valid X-Amz-Date header",
        ));
    };
    let (now, _) = awscred_core::time::amz_date(ctx.now);
    let minutes = max.as_secs() / 60;
    if signed_at + max < ctx.now {
        let (limit, _) = awscred_core::time::amz_date(ctx.now - max);
        return Err(err(
            ctx,
            403,
            "SignatureDoesNotMatch",
            &format!(
                "Signature expired: {text} is now earlier than {limit} ({now} - {minutes} min.)"
            ),
        ));
    }
    if signed_at > ctx.now + max {
        let (limit, _) = awscred_core::time::amz_date(ctx.now + max);
        return Err(err(
            ctx,
            403,
            "SignatureDoesNotMatch",
            &format!(
                "Signature not yet current: {text} is still later than {limit} ({now} + {minutes} min.)"
            ),
        ));
    }
    Ok(())
}

/// `arn:aws:iam::<12 digits>:role/<path/>name` → (account, role name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    let ok = partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    ok.then_some((account, name))
}

fn validation(ctx: &Ctx<'_>, what: &str) -> Reply {
    err(ctx, 400, "ValidationError", what)
}

/// Checks RoleArn, RoleSessionName and DurationSeconds, and the trust policy.
/// Returns (account, role name, session name, lifetime).
fn role_request<'f>(
    form: &'f [(String, String)],
    caller_arn: &str,
    ctx: &Ctx<'_>,
) -> Result<(&'f str, &'f str, &'f str, Duration), Reply> {
    let role_arn = form_value(form, "RoleArn")
        .ok_or_else(|| validation(ctx, "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let (account, role) = parse_role_arn(role_arn)
        .ok_or_else(|| validation(ctx, &format!("{role_arn} is invalid")))?;
    let session = form_value(form, "RoleSessionName").unwrap_or("");
    let session_ok = (2..=64).contains(&session.len())
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !session_ok {
        return Err(validation(
            ctx,
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and match [\\w+=,.@-]*",
        ));
    }
    let lifetime = match form_value(form, "DurationSeconds") {
        None => ctx.config.credential_lifetime,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (900..=43200).contains(&n) => Duration::from_secs(n),
            _ => {
                return Err(validation(
                    ctx,
                    "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
                ));
            }
        },
    };
    let trusted = match &ctx.config.roles_for_sts {
        crate::StsTrust::Any => true,
        crate::StsTrust::Only(list) => list.iter().any(|a| a == role_arn),
    };
    if !trusted {
        return Err(err(
            ctx,
            403,
            "AccessDenied",
            &format!(
                "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ),
        ));
    }
    Ok((account, role, session, lifetime))
}

/// Issues credentials for the role; the `<AssumedRoleUser>` and `<Credentials>` XML.
fn issue_role(
    st: &mut State,
    ctx: &Ctx<'_>,
    account: &str,
    role: &str,
    session: &str,
    lifetime: Duration,
) -> String {
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
    let role_id = stable_id("AROA", &format!("{account}/{role}"));
    let user_id = format!("{role_id}:{session}");
    let expires_at: SystemTime = ctx.now + lifetime;
    let (akid, secret, token) =
        st.issue_credentials(account, arn.clone(), user_id.clone(), expires_at);
    format!(
        "    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{akid}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n",
        xml_escape(&user_id),
        xml_escape(&arn),
        xml_escape(&secret),
        xml_escape(&token),
        awscred_core::time::format_z(expires_at),
    )
}

fn assume_role(form: &[(String, String)], caller: &Caller, st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let (account, role, session, lifetime) = match role_request(form, &caller.arn, ctx) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = issue_role(st, ctx, account, role, session, lifetime);
    Reply::xml(format!(
        "<AssumeRoleResponse xmlns=\"{NS}\">\n  <AssumeRoleResult>\n{inner}  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
        ctx.request_id
    ))
}

/// The claims of a JWT, without checking its signature (the emulator trusts every issuer).
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let raw = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&raw).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn web_identity(form: &[(String, String)], st: &mut State, ctx: &Ctx<'_>) -> Reply {
    let Some(claims) = form_value(form, "WebIdentityToken").and_then(jwt_claims) else {
        return err(
            ctx,
            400,
            "InvalidIdentityToken",
            "Couldn't parse the web identity token: it must be a JWT",
        );
    };
    let claim = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    if let Some(exp) = claims.get("exp").and_then(|v| v.as_i64()) {
        let expires = awscred_core::time::from_epoch_secs(exp).unwrap_or(std::time::UNIX_EPOCH);
        if expires <= ctx.now {
            return err(
                ctx,
                400,
                "ExpiredTokenException",
                &format!(
                    "Token expired: current date/time {} must be before the expiration date/time {}",
                    awscred_core::time::format_z(ctx.now),
                    awscred_core::time::format_z(expires)
                ),
            );
        }
    }
    let sub = claim("sub");
    let (account, role, session, lifetime) =
        match role_request(form, &format!("web-identity/{sub}"), ctx) {
            Ok(r) => r,
            Err(r) => return r,
        };
    let inner = issue_role(st, ctx, account, role, session, lifetime);
    Reply::xml(format!(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"{NS}\">\n  <AssumeRoleWithWebIdentityResult>\n    <SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\n    <Audience>{}</Audience>\n{inner}    <Provider>{}</Provider>\n  </AssumeRoleWithWebIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n",
        xml_escape(&sub),
        xml_escape(&claim("aud")),
        xml_escape(&claim("iss")),
        ctx.request_id
    ))
}
