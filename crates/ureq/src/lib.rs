//! awscred-ureq: the blocking driver of awscred.
//!
//! It runs the core's operations ([`Client::execute`]) and flows ([`Client::run`]) over ureq,
//! with timeouts, retries with real sleeps, TLS required except on loopback, and response bodies
//! capped at 1 MiB. Every decision is the core's; this crate only moves bytes, files and time.
//!
//! ```no_run
//! // Credentials for a profile of ~/.aws/config, exactly as `aws` would resolve them
//! // (SSO token cache, AssumeRole chain, the AWS CLI's credential cache), cached in memory.
//! let provider = awscred_ureq::Provider::from_profile("dev");
//! let credentials = provider.credentials()?;
//! println!("{credentials}"); // never prints the secret
//! # Ok::<(), awscred_core::Error>(())
//! ```

mod flow_loop;
mod transport;

pub use awscred_core::flow::{Interact, NonInteractive};
pub use transport::{Client, ClientConfig, MAX_BODY};
mod provider;
pub use provider::Provider;
mod sso_tools;
pub use sso_tools::load_config;
