//! awscred-hyper: the async driver of awscred.
//!
//! It runs the core's operations ([`Client::execute`]) and flows ([`Client::run`]) over hyper
//! with hyper-util's pooled client and rustls (ring), on tokio: timeouts, retries with real
//! sleeps, TLS required except on loopback, response bodies capped at 1 MiB. Every decision is
//! the core's; this crate only moves bytes, files and time.
//!
//! [`Provider`] resolves a profile like the AWS CLI v2 ([`Provider::from_profile`],
//! [`Provider::from_env`], [`Provider::new`]: config files, SSO token refresh, AssumeRole
//! chains, the AWS CLI's caches) — or any other source ([`Provider::from_resolver`]) — behind
//! [`CredentialsCache`], so that many concurrent callers share one refresh. With the `aws-sdk` feature it implements the AWS SDK for Rust's
//! `ProvideCredentials`.

#[cfg(feature = "aws-sdk")]
mod aws_sdk;
mod cache;
mod flow_loop;
mod provider;
mod transport;

pub use awscred_core::flow::{Interact, NonInteractive};
pub use cache::{CredentialsCache, FAILED_REFRESH_BACKOFF};
pub use flow_loop::SharedInteract;
pub use provider::{BoxFuture, Provider, Resolver};
pub use transport::{Client, ClientConfig, MAX_BODY};
