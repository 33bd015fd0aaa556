//! The shared endpoint scenarios (awscred-ureq's `tests/shared/server_scenarios.rs`, run by
//! both drivers) on `awscred_hyper::credential_server`, on a tokio runtime of its own per
//! endpoint. (The AWS SDK for Rust as a client is in `tests/credential_server.rs`.)

#![cfg(feature = "server")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::config::Env;
use awscred_core::{Credentials, Error};
use awscred_hyper::credential_server::CredentialServer;
use awscred_hyper::{Client, Provider};

#[macro_use]
#[path = "../../ureq/tests/shared/server_scenarios.rs"]
mod server_scenarios;

use server_scenarios::Server;

/// The async endpoint and the runtime it serves on.
struct Hyper {
    server: CredentialServer,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Hyper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.server.fmt(f)
    }
}

impl Hyper {
    fn start(provider: Provider, random: [u8; 32]) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = runtime
            .block_on(CredentialServer::start(provider, 0, random))
            .expect("the endpoint starts");
        Hyper { server, runtime }
    }
}

impl Server for Hyper {
    fn start_profile(
        env: Env,
        profile: &str,
        clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    ) -> Self {
        let provider = Provider::builder()
            .env(env)
            .profile(profile.to_string())
            .use_cli_cache(false)
            .clock(move || clock())
            .build();
        Hyper::start(provider, [42; 32])
    }

    fn start_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self {
        let provider = Provider::from_resolver(Client::default(), move || {
            let outcome = resolver();
            async move { outcome }
        });
        Hyper::start(provider, [1; 32])
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    fn url(&self) -> String {
        self.server.url()
    }

    fn token(&self) -> String {
        self.server.token().expose().to_string()
    }

    fn env(&self) -> [(&'static str, String); 2] {
        self.server.env()
    }

    fn stop(self) {
        self.server.stop();
        // `stop` aborts the accepting task; the listener closes when the runtime drops it.
        self.runtime.shutdown_timeout(Duration::from_secs(5));
    }
}

server_scenarios!(Hyper);
