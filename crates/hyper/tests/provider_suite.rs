//! The shared provider scenarios (awscred-ureq's `tests/shared/provider_scenarios.rs`, run by
//! both drivers) on `awscred_hyper::Provider`, each call driven to its end on a multi-threaded
//! tokio runtime.

use std::sync::Arc;

use awscred_core::config::Env;
use awscred_core::resolve::Resolved;
use awscred_core::transport::ClientConfig;
use awscred_core::{Credentials, Error};
use awscred_hyper::{Client, Provider};

#[macro_use]
#[path = "../../ureq/tests/shared/provider_scenarios.rs"]
mod provider_scenarios;

use provider_scenarios::{CodeTyper, Driver, Options};

/// The async provider and the runtime its calls run on (shared by clones, so that threads of
/// the concurrency scenario each `block_on` the same runtime).
#[derive(Clone)]
struct Hyper {
    provider: Provider,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Hyper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.provider.fmt(f)
    }
}

fn runtime() -> Arc<tokio::runtime::Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    )
}

impl Driver for Hyper {
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
        Hyper {
            provider: builder.build(),
            runtime: runtime(),
        }
    }

    fn new(
        env: Env,
        profile: Option<String>,
        client: ClientConfig,
        interact: Option<CodeTyper>,
    ) -> Self {
        let provider = Provider::new(env, profile).with_client(Client::new(client));
        let provider = match interact {
            Some(typer) => provider.with_interact(typer),
            None => provider,
        };
        Hyper {
            provider,
            runtime: runtime(),
        }
    }

    fn from_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self {
        let provider = Provider::from_resolver(Client::default(), move || {
            let outcome = resolver();
            async move { outcome }
        });
        Hyper {
            provider,
            runtime: runtime(),
        }
    }

    fn credentials(&self) -> Result<Credentials, Error> {
        self.runtime.block_on(self.provider.credentials())
    }

    fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        self.runtime.block_on(self.provider.credentials_shared())
    }

    fn invalidate(&self) {
        self.provider.invalidate()
    }

    fn region(&self) -> Result<Option<String>, Error> {
        self.runtime.block_on(self.provider.region())
    }

    fn resolve_now(&self) -> Result<Resolved, Error> {
        self.runtime.block_on(self.provider.resolve_now())
    }
}

provider_scenarios!(Hyper);
