//! Endpoints for sso (portal), sso-oidc and sts in every partition (WIRE §1.4, §2.3, §6.2).

use crate::Error;

/// The services awscred talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The SSO portal (`portal.sso`).
    Sso,
    /// SSO-OIDC (`oidc`).
    SsoOidc,
    /// STS (`sts`).
    Sts,
}

/// What endpoint resolution starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    /// The region (`sso_region` for sso and sso-oidc, the session region for sts).
    pub region: Option<String>,
    /// `use_fips_endpoint`.
    pub use_fips: bool,
    /// `use_dualstack_endpoint`.
    pub use_dual_stack: bool,
    /// A configured endpoint URL (AWS_ENDPOINT_URL_*, `[services]`, `endpoint_url`), used verbatim.
    pub url: Option<String>,
}

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Base URL without a trailing `/`, e.g. `https://portal.sso.us-east-1.amazonaws.com`.
    pub url: String,
    /// The region requests to it are signed for.
    pub signing_region: String,
}
