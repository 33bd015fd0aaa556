//! awscred-ureq: the blocking driver of awscred.
//!
//! [`Provider`] resolves credentials for a profile exactly as the AWS CLI v2 does (config files,
//! SSO token cache and refresh, AssumeRole chains, `credential_process`, the AWS CLI's
//! credential cache), keeps them in memory until their refresh window, and tells the profile's
//! region, which is all a program needs to sign requests. Under it, [`Client`] runs the core's
//! operations ([`Client::execute`]) and flows ([`Client::run`]) over ureq, with timeouts,
//! retries with real sleeps, TLS required except on loopback, and response bodies capped at
//! 1 MiB. Every decision is the core's ([`core`]); this crate only moves bytes, files and time.
//!
//! This crate is the only dependency a blocking program needs: it re-exports [`Credentials`],
//! [`Error`], [`Env`], the whole core as [`core`] (SigV4 signing is [`core::sigv4`]) and the
//! [`http`] crate its requests are made of. Its default feature `login-session` turns on the
//! core's, for `login_session` profiles (`aws login`); without it they are an error naming it.
//!
//! Credentials and region for a profile, then a signed request — here against a local
//! emulator of AWS STS standing in for AWS, with a profile that assumes a role with static keys:
//!
//! ```
//! # let emulator = awscred_emulator::Emulator::start(awscred_emulator::EmulatorConfig::demo()).unwrap();
//! # let home = tempfile::tempdir().unwrap();
//! # std::fs::create_dir_all(home.path().join(".aws")).unwrap();
//! # std::fs::write(home.path().join(".aws/config"), "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = eu-west-1\n").unwrap();
//! # std::fs::write(home.path().join(".aws/credentials"), "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = emulator-static-secret-key\n").unwrap();
//! # let env_vars = [("HOME", home.path().display().to_string()), ("AWS_ENDPOINT_URL", emulator.url())];
//! use std::time::SystemTime;
//! use awscred_ureq::core::sigv4::{self, SigningParams};
//! use awscred_ureq::{Env, Provider};
//!
//! // `Provider::from_profile("app")` reads this process's environment; here it is explicit.
//! let provider = Provider::builder().env(Env::from_pairs(env_vars)).profile("app").build();
//! let credentials = provider.credentials_shared()?; // AssumeRole, once, then from memory
//! let region = provider.region()?.unwrap_or_else(|| "us-east-1".into());
//! assert_eq!(region, "eu-west-1");
//!
//! let mut request = awscred_ureq::http::Request::post(format!("{}/", emulator.url()))
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(b"Action=GetCallerIdentity&Version=2011-06-15".to_vec())?;
//! sigv4::sign(&mut request, &SigningParams::new(&credentials, &region, "sts", SystemTime::now()))?;
//! let response = provider.client().send_once(request)?;
//! assert_eq!(response.status(), 200);
//! assert!(String::from_utf8_lossy(response.body()).contains("assumed-role/app"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the `server` feature, `credential_server` serves a [`Provider`]'s credentials to
//! other processes over the container-credentials protocol on 127.0.0.1 (what `awscred serve`
//! runs), with std threads only.
//!
//! `examples/blocking_signing.rs` is the same as a program (`cargo run -p awscred-ureq --example
//! blocking_signing -- PROFILE`).

#[cfg(feature = "server")]
pub mod credential_server;
mod flow_loop;
mod transport;

pub use awscred_core as core;
pub use awscred_core::config::Env;
pub use awscred_core::flow::{Interact, NonInteractive};
pub use awscred_core::{Credentials, Error};
pub use http;
pub use transport::{Client, ClientConfig, MAX_BODY};
mod provider;
pub use provider::{Builder, Provider, Resolver};
mod sso_tools;
pub use sso_tools::load_config;
