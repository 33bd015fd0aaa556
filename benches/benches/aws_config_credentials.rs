//! The whole-process peer of a cold `awscred credentials`: a small aws-config program that
//! resolves one profile (SSO + AssumeRole in `benches/whole-process.sh`) with
//! `ProfileFileCredentialsProvider` over a plain-HTTP client (no aws-lc) and prints the
//! credentials as `credential_process` JSON (without the expiry), like `awscred credentials --format process`.
//! aws-config keeps no credential cache on disk, so every run is cold: both calls, every time.
//!
//! ```sh
//! cargo bench -p awscred-benches --bench aws_config_credentials --no-run
//! HOME=… AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_REGION=us-east-1 \
//!   target/release/deps/aws_config_credentials-<hash> PROFILE
//! ```
//!
//! Run by `cargo bench` (no profile given) it does nothing: the timing is whole-process.sh's.
#![allow(missing_docs)]

use std::process::ExitCode;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_types::region::Region;

fn main() -> ExitCode {
    let Some(profile) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        return ExitCode::SUCCESS;
    };
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = ProviderConfig::without_region()
        .with_region(Some(Region::new(region)))
        .with_http_client(http);
    let provider = ProfileFileCredentialsProvider::builder()
        .configure(&config)
        .profile_name(&profile)
        .build();
    match rt.block_on(provider.provide_credentials()) {
        Ok(c) => {
            // The expiry is left out: formatting it is not the work being compared.
            println!(
                "{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\", \
                 \"SessionToken\": \"{}\"}}",
                c.access_key_id(),
                c.secret_access_key(),
                c.session_token().unwrap_or("")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aws-config could not resolve {profile}: {e}");
            ExitCode::FAILURE
        }
    }
}
