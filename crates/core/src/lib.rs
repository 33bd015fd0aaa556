//! awscred-core: the sans-IO heart of awscred.
//!
//! Everything here is pure: file contents, the environment, the current time and random bytes
//! come in as arguments; HTTP requests, file writes and waits go out as values. Drivers
//! (`awscred-ureq`, `awscred-hyper`) move the bytes.

pub mod cache;
pub mod cli_cache;
pub mod config;
pub mod credentials;
pub mod encoding;
pub mod endpoint;
pub mod error;
pub mod flow;
pub mod fuzzing;
pub mod login;
pub mod logout;
pub mod oidc;
pub mod operation;
pub mod registration;
pub mod resolve;
pub mod retry;
pub mod sigv4;
pub mod sso;
pub mod sts;
pub mod time;
pub mod token;
pub mod wire_error;

pub use credentials::{Credentials, ExportFormat};
pub use endpoint::{Endpoint, EndpointConfig, Service};
pub use error::{Error, ServiceError, TransportKind};
pub use operation::Operation;
