//! What a tool needs besides credentials: log in with a device code, list accounts and roles,
//! log out — each against the emulator, with the resolution that follows.

use awscred_core::Error;
use awscred_core::config::LoginTarget;
use awscred_core::resolve::TokenTarget;
use awscred_emulator::EmulatorConfig;

use crate::common::{Recorder, World};

#[test]
fn login_list_and_logout() {
    let world = World::with(EmulatorConfig::demo().with_auto_approve(true));
    let client = world.client();
    let mut recorder = Recorder(world.audit.clone());

    // No token yet.
    let e = world.resolve("dev").expect_err("not logged in");
    world.audit.error("before login", &e);
    assert!(matches!(e, Error::LoginNeeded { .. }), "{e:?}");

    let outcome = client
        .login(
            &world.env,
            LoginTarget::SsoSession("dev"),
            true,
            &mut recorder,
        )
        .expect("the device-code login completes");
    world.audit.debug("login outcome", &outcome);
    assert_eq!(outcome.token_path, world.token_path("dev"));
    assert_eq!(world.emulator.count("RegisterClient"), 1);
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    let token = world.read_token("dev");
    assert!(
        token.can_refresh(std::time::SystemTime::now()),
        "login keeps the registration"
    );
    world.assert_files_intact("after login");

    let resolved = world.resolve("r2").expect("r2 resolves after login");
    assert_eq!(world.emulator.count("AssumeRole"), 2);
    world.audit.debug("resolved", &resolved);

    let access = client
        .sso_access(
            &world.env,
            TokenTarget::Profile(Some("dev".into())),
            &mut recorder,
        )
        .expect("the token is there");
    world.audit.debug("sso access", &access);
    let accounts = client.list_accounts(&access).expect("accounts listed");
    let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(
        ids,
        ["111122223333", "444455556666", "777788889999"],
        "all pages"
    );
    let roles = client
        .list_roles(&access, "111122223333")
        .expect("roles listed");
    let names: Vec<&str> = roles.iter().map(|r| r.role_name.as_str()).collect();
    assert_eq!(
        names,
        ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"]
    );
    assert_eq!(world.emulator.count("ListAccounts"), 2, "pages of two");

    let out = client.logout(&world.env, &mut recorder).expect("logout");
    world.audit.debug("logout", &out);
    assert_eq!(out.sessions_logged_out, 1);
    assert!(!world.token_path("dev").exists(), "the token is removed");
    let e = world.resolve("dev").expect_err("logged out");
    world.audit.error("after logout", &e);
    assert!(
        e.login_command().as_deref() == Some("awscred login --sso-session dev"),
        "{e:?}"
    );
    world.assert_files_intact("after logout");
}

/// A browser: opens the authorization URL (the emulator approves it and redirects to the
/// driver's callback listener on 127.0.0.1), and records every prompt for the audit.
struct Browser(crate::common::Audit);

impl awscred_core::flow::Interact for Browser {
    fn show(&mut self, prompt: &awscred_core::flow::Prompt) {
        self.0.debug("prompt", prompt);
        if let awscred_core::flow::Prompt::Authorize { url } = prompt {
            let url = url.clone();
            let audit = self.0.clone();
            // The listener answers once the flow waits for it, after this returns.
            std::thread::spawn(move || match ureq::get(&url).call() {
                Ok(r) => audit.text("browser", &format!("callback page: {}", r.status())),
                Err(e) => audit.text("browser", &format!("browser failed: {e}")),
            });
        }
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

#[test]
fn pkce_login_through_the_browser() {
    let world = World::with(EmulatorConfig::demo().with_auto_approve(true));
    let outcome = world
        .client()
        .login(
            &world.env,
            LoginTarget::Profile("dev"),
            false,
            &mut Browser(world.audit.clone()),
        )
        .expect("the authorization-code login completes");
    world.audit.debug("login outcome", &outcome);
    assert_eq!(world.emulator.count("Authorize"), 1);
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 0);
    assert!(
        world
            .read_token("dev")
            .can_refresh(std::time::SystemTime::now())
    );
    world.resolve("r1").expect("r1 resolves after the login");
    world.assert_files_intact("after the PKCE login");
}
