//! awscred-emulator: a local IAM Identity Center (SSO portal + SSO-OIDC) and STS on 127.0.0.1,
//! with the wire shapes of the real services, for awscred's end-to-end tests and `awscred demo`.
//!
//! ```no_run
//! use awscred_emulator::{Emulator, EmulatorConfig, Fault};
//!
//! let emulator = Emulator::start(EmulatorConfig::demo().with_auto_approve(true))?;
//! // point AWS_ENDPOINT_URL_SSO, _SSO_OIDC and _STS at emulator.url() …
//! emulator.inject("GetRoleCredentials", Fault::Throttle, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! One listener serves every route (their paths do not collide):
//! portal `GET /federation/credentials`, `GET /assignment/accounts`, `GET /assignment/roles`,
//! `POST /logout`; OIDC `POST /client/register`, `POST /device_authorization`, `POST /token`,
//! and the browser pages `GET /authorize` and `GET /device`; STS `POST /` (`Action=AssumeRole`,
//! `AssumeRoleWithWebIdentity`, `GetCallerIdentity`); the EC2 instance metadata service
//! (`PUT /latest/api/token`, `GET /latest/meta-data/iam/security-credentials/[role]`) and the
//! container credentials endpoint (`GET /v1/credentials`, `GET /v2/credentials/<id>`); the sign-in federation endpoint
//! `GET /federation` (`Action=getSigninToken`, `Action=login`).

mod clock;
mod config;
mod emulator;
mod fault;
mod federation;
pub mod interop;
mod metadata;
mod oidc;
mod portal;
#[cfg(feature = "tls")]
pub mod proxy;
mod random;
mod reply;
mod request;
mod server;
mod sigcheck;
mod signin;
mod state;
mod sts;
#[cfg(feature = "tls")]
pub mod tls;

pub use config::{Account, EmulatorConfig, StsTrust};
pub use emulator::{Emulator, IssuedToken};
pub use fault::Fault;
pub use signin::IssuedConsoleSession;
pub use state::LoggedRequest;

/// `base64url(sha256(verifier))` without padding: the PKCE S256 challenge the emulator checks.
pub fn pkce_challenge(verifier: &str) -> String {
    oidc::s256(verifier)
}
