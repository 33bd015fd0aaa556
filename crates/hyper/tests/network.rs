//! The shared network scenarios (awscred-ureq's `tests/shared/network_scenarios.rs`, run by
//! both drivers) on `awscred_hyper::Client`, each call driven to its end on a multi-threaded
//! tokio runtime.

use std::sync::Arc;

use awscred_core::config::Env;
use awscred_core::flow::{Flow, Interact};
use awscred_core::transport::ClientConfig;
use awscred_core::{Credentials, Error};
use awscred_hyper::{Client, Provider};

#[macro_use]
#[path = "../../ureq/tests/shared/network_scenarios.rs"]
mod network_scenarios;

use network_scenarios::Driver;

/// The async client and the runtime its calls run on.
struct Hyper {
    client: Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Hyper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.client.fmt(f)
    }
}

impl Driver for Hyper {
    fn new(config: ClientConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Hyper {
            client: Client::new(config),
            runtime: Arc::new(runtime),
        }
    }

    fn run<F>(&self, flow: F, interact: impl Interact + Send + 'static) -> Result<F::Output, Error>
    where
        F: Flow + Send,
        F::Output: Send + 'static,
    {
        self.runtime.block_on(self.client.run(flow, interact))
    }

    fn provider_credentials(&self, env: Env, profile: &str) -> Result<Credentials, Error> {
        let provider =
            Provider::new(env, Some(profile.to_string())).with_client(self.client.clone());
        self.runtime.block_on(provider.credentials())
    }
}

network_scenarios!(Hyper);
