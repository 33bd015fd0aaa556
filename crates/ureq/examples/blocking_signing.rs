//! Credentials for a profile, its region, and a signed AWS request, with awscred-ureq as the
//! program's only dependency.
//!
//! ```text
//! cargo run -p awscred-ureq --example blocking_signing -- [PROFILE [URL]]
//! ```
//!
//! Resolves PROFILE like `aws --profile PROFILE` (without it, as `aws` does: environment keys,
//! else `AWS_PROFILE`, else `default`), signs an STS `GetCallerIdentity` for the profile's
//! region and sends it to URL (default: that region's STS endpoint), then prints who STS says
//! the credentials belong to. To try it without AWS, start `awscred-emulator` and point the
//! program at it: `HOME=<a home whose ~/.aws names the emulator> … -- PROFILE http://127.0.0.1:PORT`.

use std::process::ExitCode;
use std::time::SystemTime;

use awscred_ureq::core::sigv4::{self, SigningParams};
use awscred_ureq::core::{EndpointConfig, Service, endpoint, wire_error};
use awscred_ureq::{Error, Provider};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let provider = match args.next() {
        Some(profile) => Provider::from_profile(profile),
        None => Provider::from_env(),
    };
    match caller_identity(&provider, args.next().as_deref()) {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Signs `GetCallerIdentity` with the provider's credentials for its region, sends it to `url`
/// (or the region's STS endpoint), and describes the answer.
pub fn caller_identity(provider: &Provider, url: Option<&str>) -> Result<String, Error> {
    let credentials = provider.credentials_shared()?;
    let region = provider
        .region()?
        .unwrap_or_else(|| "us-east-1".to_string());
    let url = match url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let config = EndpointConfig {
                region: Some(region.clone()),
                ..Default::default()
            };
            endpoint::resolve(Service::Sts, &config)?.url
        }
    };
    let mut request = awscred_ureq::http::Request::post(format!("{url}/"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(b"Action=GetCallerIdentity&Version=2011-06-15".to_vec())
        .map_err(|e| Error::InvalidInput(format!("{url} is not a usable URL: {e}")))?;
    let params = SigningParams::new(&credentials, &region, "sts", SystemTime::now());
    sigv4::sign(&mut request, &params)?;
    let response = provider.client().send_once(request)?;
    if !response.status().is_success() {
        return Err(wire_error::query_xml_error("GetCallerIdentity", &response));
    }
    let body = String::from_utf8_lossy(response.body());
    let arn = body
        .split_once("<Arn>")
        .and_then(|(_, rest)| rest.split_once("</Arn>"))
        .map_or("?", |(arn, _)| arn);
    Ok(format!("{credentials}, region {region}: signed as {arn}"))
}
