//! The shared network scenarios (`shared/network_scenarios.rs`, also run by awscred-hyper) on
//! `awscred_ureq::Client`, and what only this driver has: `Client::login` over TLS.

use awscred_core::config::{Env, LoginTarget};
use awscred_core::flow::{Flow, Interact};
use awscred_core::{Credentials, Error};
use awscred_emulator::EmulatorConfig;
use awscred_ureq::{Client, ClientConfig, Provider};

use crate::common::{Recorder, World};

#[macro_use]
#[path = "../shared/network_scenarios.rs"]
mod network_scenarios;

use network_scenarios::{Driver, TlsBrowser};

/// The blocking client.
struct Ureq(Client);

impl std::fmt::Debug for Ureq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Driver for Ureq {
    fn new(config: ClientConfig) -> Self {
        Ureq(Client::new(config))
    }

    fn run<F>(&self, flow: F, interact: impl Interact + Send + 'static) -> Result<F::Output, Error>
    where
        F: Flow + Send,
        F::Output: Send + 'static,
    {
        let mut interact = interact;
        self.0.run(flow, &mut interact)
    }

    fn provider_credentials(&self, env: Env, profile: &str) -> Result<Credentials, Error> {
        Provider::new(env, Some(profile.to_string()))
            .with_client(self.0.clone())
            .credentials()
    }
}

network_scenarios!(Ureq);

/// `Client::login` (the async driver has no such call) over TLS: it reads the login's settings
/// from the profile, then logs in with the device code and, through a browser, with PKCE.
#[test]
fn client_login_over_tls() {
    let world = World::with_tls(EmulatorConfig::demo().with_auto_approve(true));
    let client = world.client();
    client
        .login(
            &world.env,
            LoginTarget::SsoSession("dev"),
            true,
            &mut Recorder(world.audit.clone()),
        )
        .expect("device-code login over TLS");
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    world.resolve("dev").expect("GetRoleCredentials over TLS");

    let prompts = network_scenarios::Audit::default();
    let mut browser = TlsBrowser {
        audit: prompts.clone(),
        ca: world.emulator.ca_pem().unwrap().to_string(),
    };
    client
        .login(&world.env, LoginTarget::Profile("dev"), false, &mut browser)
        .expect("PKCE login over TLS");
    assert_eq!(world.emulator.count("Authorize"), 1);
    world.audit.text("browser", &prompts.seen());
    world.resolve("r1").expect("r1 after the PKCE login");
}
