//! `awscred console`: the AWS console, signed in as a profile's session, through the sign-in
//! federation endpoint ([`awscred_core::federation`]; `docs/console.md`).

use std::process::ExitCode;

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_core::federation::{self, FederationEndpoint, GetSigninToken};
use awscred_core::retry::{Attempts, RetrySettings};
use awscred_ureq::Client;

/// What `console` was asked.
#[derive(Debug)]
pub struct Options {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--destination`.
    pub destination: Option<String>,
    /// `--print`.
    pub print: bool,
    /// `--duration`, seconds.
    pub duration: Option<u32>,
    /// `--no-browser`.
    pub no_browser: bool,
    /// `--login`.
    pub login: bool,
}

/// `awscred console`.
pub fn run(options: Options) -> Result<ExitCode, Error> {
    if let Some(d) = &options.destination {
        federation::check_destination(d)?;
    }
    if let Some(d) = options.duration
        && !federation::SESSION_DURATION_RANGE.contains(&d)
    {
        return Err(Error::InvalidInput(format!(
            "--duration {d}: a console session lasts {} to {} seconds (15 minutes to 12 hours)",
            federation::SESSION_DURATION_RANGE.start(),
            federation::SESSION_DURATION_RANGE.end()
        )));
    }
    let env = Env::from_pairs(std::env::vars());
    let resolved = crate::commands::resolve_profile(env.clone(), options.profile, options.login)?;
    federation::require_temporary(&resolved.credentials, &resolved.profile)?;
    let endpoint = FederationEndpoint::from_env(&env, resolved.region.as_deref())?;
    // The profile's retry settings apply to the federation call too, as to every other
    // request the profile's resolution made.
    let (_, set) = awscred_ureq::load_config(&env)?;
    let retry = RetrySettings::for_profile(&env, &set, Some(&resolved.profile))?;
    let client = Client::default();
    let attempts = Attempts::new(retry.policy(client.config().retry));
    let token = client.execute_with(
        &GetSigninToken {
            endpoint: endpoint.clone(),
            credentials: resolved.credentials.clone(),
            session_duration: options.duration,
        },
        attempts,
    )?;
    let destination = options
        .destination
        .clone()
        .unwrap_or_else(|| endpoint.console.clone());
    let url = federation::login_url(&endpoint, &token, &destination, "");
    tracing::debug!(profile = %resolved.profile, federation = %endpoint.url, %destination, "console sign-in URL made");

    if options.print {
        crate::commands::emit(&format!("{}\n", url.expose()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let why_not = if options.no_browser {
        Some("--no-browser")
    } else if crate::browser::no_browser_env() {
        Some("AWSCRED_NO_BROWSER is set")
    } else if let crate::browser::Place::Remote(reason) = crate::browser::here() {
        eprintln!("awscred: {reason}, so no browser can open here");
        Some("no browser here")
    } else if !crate::terminal::open_url(url.expose()) {
        Some("the browser could not be started")
    } else {
        None
    };
    match why_not {
        None => {
            eprintln!(
                "awscred: opened the AWS console for profile {} in the browser",
                resolved.profile
            );
        }
        Some(why) => {
            eprintln!(
                "awscred: not opening a browser ({why}); open this URL, which signs in as profile {} for 15 minutes (keep it to yourself):",
                resolved.profile
            );
            crate::commands::emit(&format!("{}\n", url.expose()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
