//! StartDeviceAuthorization: begins the device-code login (RFC 8628).

use std::time::{Duration, SystemTime};

use http::Method;
use serde_json::{Map, Value};

use super::oidc_error;
use crate::wire::require;
use crate::wire::rest_json::{Object, build, json_body, parse_body};
use crate::{Endpoint, Error, Operation, Secret};

/// The polling interval when the service sends none (botocore `_DEFAULT_INTERVAL`).
pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 5;

/// `POST /device_authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartDeviceAuthorization {
    /// The OIDC endpoint.
    pub endpoint: Endpoint,
    /// The registered client's id.
    pub client_id: String,
    /// The registered client's secret.
    pub client_secret: Secret,
    /// The (resolved) SSO start URL.
    pub start_url: String,
}

/// What StartDeviceAuthorization returns: what to show the user and how to poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// `deviceCode`, sent back with every CreateToken poll. Secret.
    pub device_code: Secret,
    /// `userCode`, shown to the user.
    pub user_code: String,
    /// `verificationUri`, where the user enters the code.
    pub verification_uri: String,
    /// `verificationUriComplete`, the same with the code filled in (opened in the browser).
    pub verification_uri_complete: String,
    /// `expiresIn`: seconds until the device code expires.
    pub expires_in: u64,
    /// `interval`: seconds between polls, when the service sets it.
    pub interval: Option<u64>,
}

impl DeviceAuthorization {
    /// The time to wait between polls: `interval`, else [`DEFAULT_POLL_INTERVAL_SECS`].
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.interval.unwrap_or(DEFAULT_POLL_INTERVAL_SECS))
    }
}

impl Operation for StartDeviceAuthorization {
    type Output = DeviceAuthorization;
    const NAME: &'static str = "StartDeviceAuthorization";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        require(&self.client_id, "the OIDC client id")?;
        require(&self.client_secret, "the OIDC client secret")?;
        require(&self.start_url, "the SSO start URL")?;
        let mut body = Map::new();
        body.insert("clientId".into(), Value::String(self.client_id.clone()));
        body.insert(
            "clientSecret".into(),
            Value::String(self.client_secret.expose().to_string()),
        );
        body.insert("startUrl".into(), Value::String(self.start_url.clone()));
        build(
            Method::POST,
            &self.endpoint,
            "/device_authorization",
            "",
            Vec::new(),
            json_body(body),
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<DeviceAuthorization, Error> {
        if !response.status().is_success() {
            return Err(oidc_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        Ok(DeviceAuthorization {
            device_code: root.string("deviceCode")?.into(),
            user_code: root.string("userCode")?,
            verification_uri: root.string("verificationUri")?,
            verification_uri_complete: root.string("verificationUriComplete")?,
            expires_in: root.unsigned("expiresIn")?,
            interval: root.optional_unsigned("interval")?,
        })
    }
}
