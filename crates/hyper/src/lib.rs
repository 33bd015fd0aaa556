//! awscred-hyper: the async driver of awscred.
//!
//! [`Provider`] resolves credentials for a profile exactly as the AWS CLI v2 does (config files,
//! SSO token cache and refresh, AssumeRole chains, `credential_process`, the AWS CLI's
//! credential cache) — or from any other source ([`Provider::from_resolver`]) — behind
//! [`CredentialsCache`], so that any number of concurrent callers share one refresh; it also
//! tells the profile's region, which is all a server needs to sign requests. Under it,
//! [`Client`] runs the core's operations ([`Client::execute`]) and flows ([`Client::run`])
//! over hyper with hyper-util's pooled client and rustls (ring), on tokio: timeouts, retries
//! with real sleeps, TLS required except on loopback, response bodies capped at 1 MiB. Every
//! decision is the core's ([`core`]); this crate only moves bytes, files and time.
//!
//! This crate (with tokio) is the only dependency an async program needs: it re-exports
//! [`Credentials`], [`Error`], [`Env`], the whole core as [`core`] (SigV4 signing is
//! [`core::sigv4`]) and the [`http`] crate its requests are made of. With the `aws-sdk` feature,
//! [`Provider`] is an AWS SDK for Rust credentials provider (`ProvideCredentials`). Its default
//! feature `login-session` turns on the core's, for `login_session` profiles (`aws login`);
//! without it they are an error naming it.
//!
//! Credentials and region for a profile, then a signed request — here against a local
//! emulator of AWS STS standing in for AWS, with a profile that assumes a role with static keys:
//!
//! ```
//! use std::time::SystemTime;
//! use awscred_hyper::core::sigv4::{self, SigningParams};
//! use awscred_hyper::{Env, Provider};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #   let emulator = awscred_emulator::Emulator::start(awscred_emulator::EmulatorConfig::demo())?;
//! #   let home = tempfile::tempdir()?;
//! #   std::fs::create_dir_all(home.path().join(".aws"))?;
//! #   std::fs::write(home.path().join(".aws/config"), "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = eu-west-1\n")?;
//! #   std::fs::write(home.path().join(".aws/credentials"), "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = emulator-static-secret-key\n")?;
//! #   let env_vars = [("HOME", home.path().display().to_string()), ("AWS_ENDPOINT_URL", emulator.url())];
//!     // `Provider::from_profile("app")` reads this process's environment; here it is explicit.
//!     let provider = Provider::builder().env(Env::from_pairs(env_vars)).profile("app").build();
//!     let credentials = provider.credentials_shared().await?; // AssumeRole once, then memory
//!     let region = provider.region().await?.unwrap_or_else(|| "us-east-1".into());
//!     assert_eq!(region, "eu-west-1");
//!
//!     let mut request = awscred_hyper::http::Request::post(format!("{}/", emulator.url()))
//!         .header("content-type", "application/x-www-form-urlencoded")
//!         .body(b"Action=GetCallerIdentity&Version=2011-06-15".to_vec())?;
//!     let params = SigningParams::new(&credentials, &region, "sts", SystemTime::now());
//!     sigv4::sign(&mut request, &params)?;
//!     let response = provider.client().send_once(request).await?;
//!     assert_eq!(response.status(), 200);
//!     assert!(String::from_utf8_lossy(response.body()).contains("assumed-role/app"));
//!     Ok(())
//! }
//! ```
//!
//! `examples/async_signing.rs` is the same as a program (`cargo run -p awscred-hyper --example
//! async_signing -- PROFILE`).

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "aws-sdk")]
mod aws_sdk;
mod cache;
#[cfg(feature = "server")]
pub mod credential_server;
mod flow_loop;
mod provider;
mod transport;
mod tunnel;

// The README's library snippets are compiled (and the core's run) as doctests of this crate.
#[cfg(all(doctest, feature = "aws-sdk"))]
#[doc = include_str!("../../../README.md")]
mod readme {}

pub use awscred_core as core;
pub use awscred_core::config::Env;
pub use awscred_core::flow::{Interact, NonInteractive};
pub use awscred_core::{Credentials, Error};
pub use cache::{CredentialsCache, FAILED_REFRESH_BACKOFF};
pub use flow_loop::SharedInteract;
pub use http;
pub use provider::{BoxFuture, Builder, Provider, Resolver};
pub use transport::{Client, ClientConfig, MAX_BODY};
