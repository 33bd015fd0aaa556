//! [`Provider`] as an AWS SDK for Rust credentials provider (the `aws-sdk` feature).

use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use awscred_core::{Error, TransportKind};

use crate::Provider;

/// The provider name the SDK records on the credentials it gets from us.
const PROVIDER_NAME: &str = "awscred";

/// An AWS SDK for Rust credentials provider: hand a [`Provider`] to any SDK client's config
/// builder (`.credentials_provider(provider)`), or put it in an aws-config
/// `CredentialsProviderChain`.
///
/// Errors are mapped so that a chain falls through to its next provider only when this one
/// has nothing to offer: a profile that is missing or wrong ([`Error::Config`]) or an SSO
/// session that needs a login ([`Error::LoginNeeded`]) is `CredentialsError::not_loaded`; a
/// request that timed out is `provider_timed_out` (with the client's read timeout); anything
/// else (a refused connection, a service error, a bad `credential_process`…) is
/// `provider_error`, which stops the chain. `not_loaded` and `provider_error` keep ours as
/// their source, so the SDK's message still names the file, profile or command to fix it.
///
/// An STS client signing with a profile's credentials, in the profile's region (the same code
/// as the README's; here against a local emulator standing in for AWS):
///
/// ```
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// #   let emulator = awscred_emulator::Emulator::start(awscred_emulator::EmulatorConfig::demo())?;
/// #   let home = tempfile::tempdir()?;
/// #   std::fs::create_dir_all(home.path().join(".aws"))?;
/// #   std::fs::write(home.path().join(".aws/config"), "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\nregion = eu-west-1\n")?;
/// #   std::fs::write(home.path().join(".aws/credentials"), "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = emulator-static-secret-key\n")?;
/// #   let test_env = awscred_hyper::Env::from_pairs([("HOME", home.path().display().to_string()), ("AWS_ENDPOINT_URL", emulator.url())]);
///     let provider = awscred_hyper::Provider::from_profile("deploy");
/// #   let provider = awscred_hyper::Provider::builder().env(test_env).profile("deploy").build();
///     let region = provider.region().await?.unwrap_or_else(|| "us-east-1".into());
///     let config = aws_sdk_sts::Config::builder()
///         .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
///         .region(aws_sdk_sts::config::Region::new(region))
///         .credentials_provider(provider)
/// #       .endpoint_url(emulator.url())
/// #       .http_client(aws_smithy_http_client::Builder::new().build_http())
///         .build();
///     let sts = aws_sdk_sts::Client::from_conf(config);
///     let me = sts.get_caller_identity().send().await?;
///     println!("signed as {}", me.arn().unwrap_or("?"));
/// #   assert!(me.arn().is_some_and(|arn| arn.contains("assumed-role/deploy")), "{me:?}");
///     Ok(())
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "aws-sdk")))]
impl ProvideCredentials for Provider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let credentials = self
                .credentials_shared()
                .await
                .map_err(|e| to_sdk_error(self, e))?;
            Ok(to_sdk(&credentials))
        })
    }
}

/// Sorts our error into the SDK's kinds (see the impl's documentation).
fn to_sdk_error(provider: &Provider, e: Error) -> CredentialsError {
    match e {
        Error::Config(_) | Error::LoginNeeded { .. } => CredentialsError::not_loaded(e),
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        } => CredentialsError::provider_timed_out(provider.client().config().read_timeout),
        other => CredentialsError::provider_error(other),
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
