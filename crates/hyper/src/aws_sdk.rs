//! [`Provider`] as an AWS SDK for Rust credentials provider.

use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};

use crate::Provider;

/// The provider name the SDK records on the credentials it gets from us.
const PROVIDER_NAME: &str = "awscred";

impl ProvideCredentials for Provider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let credentials = self
                .credentials_shared()
                .await
                .map_err(CredentialsError::provider_error)?;
            Ok(to_sdk(&credentials))
        })
    }
}

fn to_sdk(c: &awscred_core::Credentials) -> aws_credential_types::Credentials {
    let mut builder = aws_credential_types::Credentials::builder()
        .access_key_id(c.access_key_id())
        .secret_access_key(c.secret_access_key())
        .provider_name(PROVIDER_NAME);
    if let Some(token) = c.session_token() {
        builder = builder.session_token(token);
    }
    if let Some(expiry) = c.expiry() {
        builder = builder.expiry(expiry);
    }
    if let Some(account) = c.account_id() {
        builder = builder.account_id(account);
    }
    // Never fails: both required fields and the provider name are set above.
    builder.build()
}
