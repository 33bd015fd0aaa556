//! The shared provider scenarios (`shared/provider_scenarios.rs`, also run by awscred-hyper)
//! on `awscred_ureq::Provider`.

use std::sync::Arc;

use awscred_core::config::Env;
use awscred_core::resolve::Resolved;
use awscred_core::transport::ClientConfig;
use awscred_core::{Credentials, Error};
use awscred_ureq::{Client, Provider};

#[macro_use]
#[path = "shared/provider_scenarios.rs"]
mod provider_scenarios;

use provider_scenarios::{CodeTyper, Driver, Options};

/// The blocking provider, called directly.
#[derive(Clone, Debug)]
struct Ureq(Provider);

impl Driver for Ureq {
    fn build(options: Options) -> Self {
        let clock = options.clock.clone();
        let mut builder = Provider::builder()
            .env(options.env)
            .use_cli_cache(options.use_cli_cache)
            .client(Client::new(options.client))
            .clock(move || clock.now());
        if let Some(profile) = options.profile {
            builder = builder.profile(profile);
        }
        if let Some(typer) = options.interact {
            builder = builder.interact(typer);
        }
        Ureq(builder.build())
    }

    fn new(
        env: Env,
        profile: Option<String>,
        client: ClientConfig,
        interact: Option<CodeTyper>,
    ) -> Self {
        let provider = Provider::new(env, profile).with_client(Client::new(client));
        Ureq(match interact {
            Some(typer) => provider.with_interact(typer),
            None => provider,
        })
    }

    fn from_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self {
        Ureq(Provider::from_resolver(Client::default(), move || {
            resolver()
        }))
    }

    fn credentials(&self) -> Result<Credentials, Error> {
        self.0.credentials()
    }

    fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        self.0.credentials_shared()
    }

    fn invalidate(&self) {
        self.0.invalidate()
    }

    fn region(&self) -> Result<Option<String>, Error> {
        self.0.region()
    }

    fn resolve_now(&self) -> Result<Resolved, Error> {
        self.0.resolve_now()
    }
}

provider_scenarios!(Ureq);
