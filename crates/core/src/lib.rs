//! awscred-core: the sans-IO heart of awscred.
//!
//! Everything here is pure: file contents, the environment, the current time and random bytes
//! come in as arguments; HTTP requests, file writes and waits go out as values. Drivers
//! (`awscred-ureq`, `awscred-hyper`) move the bytes.
//!
//! One operation, end to end, with the network played by a canned response:
//!
//! ```
//! use std::time::SystemTime;
//! use awscred_core::{endpoint, sso::GetRoleCredentials, EndpointConfig, Operation, Service};
//!
//! let portal = endpoint::resolve(
//!     Service::Sso,
//!     &EndpointConfig { region: Some("eu-west-1".into()), ..Default::default() },
//! )?;
//! let op = GetRoleCredentials {
//!     endpoint: portal,
//!     access_token: "token-from-the-sso-cache".into(),
//!     account_id: "123456789012".into(),
//!     role_name: "ReadOnly".into(),
//! };
//! let request = op.request(SystemTime::now())?;
//! assert_eq!(
//!     request.uri().to_string(),
//!     "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=ReadOnly&account_id=123456789012"
//! );
//!
//! // A driver sends `request`; here is what the portal answers.
//! let body = br#"{"roleCredentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"s",
//!     "sessionToken":"t","expiration":1795341600000}}"#;
//! let response = http::Response::builder().status(200).body(body.to_vec())?;
//! let credentials = op.parse(&response)?;
//! assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
//! assert_eq!(credentials.account_id(), Some("123456789012"));
//! // Secrets stay out of logs:
//! assert!(!format!("{credentials:?}").contains("\"s\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Multi-step work (resolve a profile, log in, log out) is a [`flow::Flow`]: the driver asks
//! for the next [`flow::Step`] — an [`flow::Effect`] to carry out, or done — and answers each
//! effect with one [`flow::Input`]. The [`flow`] module opens with a whole
//! [`resolve::ResolveFlow`] driven to its end by a fake transport and files held in memory.
//!
//! # Features
//!
//! All off by default, so that the core alone stays at 23 crates:
//!
//! * `login-session` — console login sessions (`login_session` profiles, `aws login`): the
//!   P-256 DPoP proofs (p256), the Sign-In token call and the login flow in [`signin`].
//!   Without it such a profile resolves to an [`Error::Config`] that names the profile and the
//!   missing feature. awscred-ureq and awscred-hyper turn it on by default.
//! * `trust-anchors` — the certificates a [`network::TrustChoice`] names
//!   (`TrustChoice::anchors_with`, `network::parse_pem_bundle`; rustls-pki-types).
//! * `mozilla-roots` — the Mozilla roots as the default trust (`network::mozilla_roots`,
//!   `TrustChoice::anchors`; webpki-root-certs). awscred-files turns it on.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cache;
mod cache_codec;
pub mod cli_cache;
pub mod config;
pub mod container;
pub mod container_endpoint;
pub mod credentials;
pub mod encoding;
pub mod endpoint;
pub mod error;
pub mod federation;
pub mod flow;
pub mod fuzzing;
pub mod http1;
pub mod imds;
pub mod login;
pub mod logout;
pub mod metadata;
pub mod network;
pub mod oidc;
pub mod operation;
pub mod populate;
pub mod printable;
pub mod provider;
pub mod region;
pub mod registration;
pub mod resolve;
pub mod retry;
pub mod secret;
pub mod signin;
pub mod sigv4;
pub mod sso;
pub mod stability;
pub mod start_url;
pub mod sts;
pub mod time;
pub mod token;
pub mod transport;
mod wire;
pub mod wire_error;

pub use credentials::{Credentials, ExportField, ExportFormat};
pub use endpoint::{Endpoint, EndpointConfig, Service};
pub use error::{Error, LoginHint, ServiceError, TransportKind};
pub use operation::Operation;
pub use secret::Secret;
