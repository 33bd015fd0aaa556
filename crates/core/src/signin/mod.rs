//! Console login sessions — the `login_session` profiles `aws login` writes (AWS CLI 2.32+):
//! the cache file ([`cache`]), the DPoP proof that binds every token request to the session's
//! key ([`dpop`]) and the Sign-In token call (`token`). The resolve flow uses them in
//! `resolve/login_session.rs`; the protocol is described in `docs/login-session.md`.
//!
//! What signs — `DpopKey`, the token call (`token`), the login (`login`, `login_flow`) —
//! needs the crate's `login-session` feature (P-256 ECDSA, the p256 crate). The cache file,
//! its name and directory, the JWK thumbprint and the `jti` are plain data and hashing, and
//! are here in every build: `logout` and the emulator need no key.

pub mod cache;
pub mod dpop;
#[cfg(feature = "login-session")]
#[cfg_attr(docsrs, doc(cfg(feature = "login-session")))]
pub mod login;
#[cfg(feature = "login-session")]
#[cfg_attr(docsrs, doc(cfg(feature = "login-session")))]
pub mod login_flow;
#[cfg(feature = "login-session")]
mod sec1;
#[cfg(feature = "login-session")]
#[cfg_attr(docsrs, doc(cfg(feature = "login-session")))]
pub mod token;

use std::time::Duration;

pub use cache::{LoginToken, cache_dir, cache_file_name, is_login_cache_file};
#[cfg(feature = "login-session")]
pub use dpop::DpopKey;
pub use dpop::{jti_from_random, jwk_thumbprint};
#[cfg(feature = "login-session")]
pub use login_flow::{ConsoleLogin, ConsoleLoginFlow, ConsoleLoginRequest};
#[cfg(feature = "login-session")]
pub use token::{CreateOAuth2Token, LoginGrant, TokenOutput, login_again_reason};

/// The `clientId` of a same-device (browser on this machine) login
/// (awscli/customizations/login/utils.py, `CLIENT_ID`).
pub const SAME_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/same-device";

/// The `clientId` of a cross-device (`--remote`) login.
pub const CROSS_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/cross-device";

/// Credentials are refreshed when less than this remains (botocore
/// `LoginCredentialFetcher._REFRESH_THRESHOLD`, aws-config `REFRESH_BUFFER_TIME`).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);
