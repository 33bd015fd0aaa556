//! The network rules both drivers follow: which proxy a request goes through, which
//! certificates are trusted, how a CONNECT tunnel is opened, how long a call may take, and the
//! messages that tell the user what to fix. `docs/networks.md` gives the precedence and the
//! public sources.
//!
//! Everything here is pure like the rest of the core: the environment comes in as an [`Env`],
//! the profile as a [`Section`]. [`TrustChoice`] decides which certificates are trusted; the
//! certificates themselves (a bundle's PEM parsed, the Mozilla roots merged with the OS store)
//! are behind this crate's `trust-anchors` and `mozilla-roots` features, which awscred-files
//! turns on: it reads the files and the OS store for both drivers. The drivers open the
//! sockets and move the bytes.
//!
//! ```
//! use awscred_core::config::Env;
//! use awscred_core::network::{NetworkSettings, Route};
//!
//! let env = Env::from_pairs([
//!     ("HTTPS_PROXY", "http://proxy.corp.example:3128"),
//!     ("NO_PROXY", ".internal.example,10.0.0.0/8"),
//! ]);
//! let settings = NetworkSettings::from_env(&env, None)?;
//! let sts = "https://sts.eu-west-1.amazonaws.com/".parse()?;
//! assert!(matches!(settings.proxies.route(&sts)?, Route::Tunnel(_)));
//! let internal = "https://sso.internal.example/".parse()?;
//! assert!(matches!(settings.proxies.route(&internal)?, Route::Direct));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "trust-anchors")]
mod anchors;
mod deadline;
mod messages;
mod no_proxy;
mod proxy;
mod trust;
mod tunnel;

#[cfg(feature = "mozilla-roots")]
#[cfg_attr(docsrs, doc(cfg(feature = "mozilla-roots")))]
pub use anchors::mozilla_roots;
#[cfg(feature = "trust-anchors")]
#[cfg_attr(docsrs, doc(cfg(feature = "trust-anchors")))]
pub use anchors::parse_pem_bundle;
pub use deadline::CallClock;
pub use messages::untrusted_certificate;
pub use no_proxy::NoProxy;
pub use proxy::{ProxyRules, ProxyServer, Route};
pub use trust::{BundleSetting, CaBundle, TrustChoice};
pub use tunnel::{ConnectHead, connect_request, parse_connect_head, proxy_refused};

use crate::Error;
use crate::config::{Env, Section};

/// The proxy and trust settings of one client, decided once from the environment and the
/// profile. `Default` is "no proxy, default roots": what a caller gets who configures nothing
/// and reads no environment (tests, embedders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSettings {
    /// Which requests go through which proxy.
    pub proxies: ProxyRules,
    /// Which certificates are trusted.
    pub trust: TrustChoice,
}

impl NetworkSettings {
    /// The settings `env` and `profile` (the selected profile's section, if any) make:
    /// proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (lower-case names first), the CA
    /// bundle from `AWS_CA_BUNDLE`, the profile's `ca_bundle`, then `REQUESTS_CA_BUNDLE`.
    /// A malformed proxy URL or an empty bundle setting is a [`Error::Config`] naming it.
    pub fn from_env(env: &Env, profile: Option<&Section>) -> Result<NetworkSettings, Error> {
        Ok(NetworkSettings {
            proxies: ProxyRules::from_env(env)?,
            trust: TrustChoice::from_env(env, profile)?,
        })
    }
}
