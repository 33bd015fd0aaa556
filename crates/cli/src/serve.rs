//! `awscred serve` and `awscred exec --server`: a container-credentials endpoint on 127.0.0.1
//! ([`awscred_ureq::credential_server`], std threads) whose credentials refresh themselves
//! through awscred-ureq's `Provider`, for children that run longer than one set of
//! credentials lasts.

use std::process::ExitCode;

use awscred_core::Error;
use awscred_core::config::{self, Env};
use awscred_core::container_endpoint::{SHADOWING_VARS, credentials_response};
use awscred_ureq::Provider;
use awscred_ureq::credential_server::CredentialServer;

/// `--format` of `serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServeFormat {
    /// A few lines for people, with the two `export` lines to copy.
    Text,
    /// Only the two `export` lines, for `eval` or a file to source.
    Env,
}

impl clap::ValueEnum for ServeFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[ServeFormat::Text, ServeFormat::Env]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use clap::builder::PossibleValue;
        Some(match self {
            ServeFormat::Text => PossibleValue::new("text")
                .help("A few lines for people, with the two `export` lines to copy"),
            ServeFormat::Env => PossibleValue::new("env")
                .help("Only the two `export` lines, for `eval` or a file to source"),
        })
    }
}

/// The endpoint, started and checked: the first credentials are in hand before anyone is told
/// where it is, so a login that is needed is said now, not by the first client.
fn start(env: Env, profile: &str, port: u16) -> Result<(CredentialServer, Option<String>), Error> {
    let provider = Provider::builder()
        .env(env)
        .profile(profile.to_string())
        .build();
    let credentials = provider.credentials_shared()?;
    credentials_response(&credentials).map_err(|e| match e {
        Error::Config(m) => Error::Config(format!("profile {profile}: {m}")),
        other => other,
    })?;
    let region = provider.region().ok().flatten();
    let random = awscred_files::random::fresh::<32>().ok_or_else(|| Error::Io {
        path: "the system's random source".into(),
        message: "it failed to give random bytes".into(),
    })?;
    let server = CredentialServer::start(provider, port, random).map_err(|e| Error::Io {
        path: format!("127.0.0.1:{port}"),
        message: format!("cannot listen: {e}; pick another --port, or leave it out for a free one"),
    })?;
    tracing::info!(addr = %server.addr(), %profile, "serving credentials");
    Ok((server, region))
}

/// Logs in first when asked (or `awscred_auto_login`), on this terminal, with the blocking
/// driver: the endpoint's provider then finds the token.
fn prepare(profile: Option<String>, login: bool) -> Result<(Env, String), Error> {
    let env = Env::from_pairs(std::env::vars());
    let selected = config::select_profile(&env, profile.as_deref());
    if login || crate::auto_login::enabled_for(&env, &selected) {
        crate::commands::resolve_profile(env.clone(), Some(selected.clone()), true)?;
    }
    Ok((env, selected))
}

/// `awscred serve`: until interrupted.
pub fn serve(
    profile: Option<String>,
    port: u16,
    format: ServeFormat,
    login: bool,
) -> Result<ExitCode, Error> {
    let (env, selected) = prepare(profile, login)?;
    let (server, _region) = start(env, &selected, port)?;
    let [(uri_var, uri), (token_var, token)] = server.env();
    let exports = format!("export {uri_var}={uri}\nexport {token_var}={token}\n");
    match format {
        ServeFormat::Env => crate::commands::emit(&exports)?,
        ServeFormat::Text => crate::commands::emit(&format!(
            "Serving the credentials of profile {selected} at {uri} (refreshed as they expire).\n\
             In the shell of a program that should use them:\n{exports}\
             The token is new each run. Stop with Ctrl-C.\n"
        ))?,
    }
    // Serve (on the endpoint's threads) until the process is interrupted: nothing to clean
    // up. `park` may return spuriously, hence the loop.
    loop {
        std::thread::park();
    }
}

/// `awscred exec --server -- CMD…`: the endpoint lives as long as the command.
pub fn exec(profile: Option<String>, command: Vec<String>, login: bool) -> Result<ExitCode, Error> {
    let (program, args) = command.split_first().ok_or_else(|| {
        Error::InvalidInput("no command to run; usage: awscred exec --server -- CMD [ARGS…]".into())
    })?;
    let (env, selected) = prepare(profile, login)?;
    // The endpoint serves on threads of its own while this one waits for the command.
    let (server, region) = start(env, &selected, 0)?;
    let vars = server.env();
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    for name in SHADOWING_VARS {
        cmd.env_remove(name);
    }
    cmd.envs(vars);
    if let Some(r) = &region {
        cmd.env("AWS_REGION", r);
    }
    let code = crate::commands::run_child(cmd, program);
    server.stop();
    Ok(code)
}
