//! SSO token refresh: inside the window the token is refreshed once and the file rewritten
//! atomically in the AWS CLI's format; a refresh that fails behaves like botocore.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use awscred_core::Error;
use awscred_emulator::Fault;

use crate::common::World;

/// The AWS CLI's key order (keys it did not write are absent, the rest stay in this order).
const CLI_ORDER: [&str; 8] = [
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
];

fn assert_cli_layout(text: &str) {
    let mut last = 0;
    for key in CLI_ORDER {
        let quoted = format!("\"{key}\": ");
        let at = text
            .find(&quoted)
            .unwrap_or_else(|| panic!("`{key}` missing from the rewritten token"));
        assert!(at >= last, "`{key}` is out of the AWS CLI's order");
        last = at;
    }
    assert!(
        text.starts_with("{\"startUrl\": "),
        "one line, CLI separators"
    );
    assert!(text.ends_with('}') && !text.contains('\n'), "no newline");
}

#[test]
fn token_inside_refresh_window_is_refreshed_and_rewritten() {
    let world = World::new();
    // 12 minutes left: inside the 15-minute advisory window, outside the mandatory one.
    let issued = world.seed_session(Duration::from_secs(12 * 60));
    let provider = world.provider("dev");
    let credentials = provider.credentials();
    world.audit.result("credentials", &credentials);
    world.audit.debug("provider", &provider);
    credentials.expect("dev resolves");

    assert_eq!(world.emulator.count("CreateToken"), 1);
    let path = world.token_path("dev");
    let text = String::from_utf8(std::fs::read(&path).unwrap()).expect("ASCII");
    assert_cli_layout(&text);
    let token = world.read_token("dev");
    assert_ne!(
        token.access_token, issued.access_token,
        "a new access token"
    );
    assert_ne!(
        token.refresh_token.as_deref(),
        Some(issued.refresh_token.as_str()),
        "the rotated refresh token was kept"
    );
    assert_eq!(token.client_id.as_deref(), Some(issued.client_id.as_str()));
    assert_eq!(token.start_url.as_deref(), Some(crate::common::START_URL));
    let left = token
        .expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(7 * 3600),
        "expiresAt moved: {left:?}"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    world.assert_files_intact("after the refresh");

    // The refreshed token is what GetRoleCredentials used, and it is now used as is.
    world.emulator.clear_requests();
    std::fs::remove_dir_all(world.cli_cache()).unwrap();
    world
        .resolve("dev")
        .expect("dev resolves with the new token");
    assert_eq!(world.emulator.count("CreateToken"), 0);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
}

#[test]
fn mandatory_refresh_failure_names_the_login_command() {
    let world = World::new();
    let issued = world.seed_session(Duration::from_secs(5 * 60));
    let before = std::fs::read(world.token_path("dev")).unwrap();
    world
        .emulator
        .inject("CreateToken", Fault::status(400, "invalid_grant"), 100);
    let e = world
        .resolve("dev")
        .expect_err("a mandatory refresh that fails is an error");
    match &e {
        Error::LoginNeeded { reason, .. } => {
            assert_eq!(
                e.login_command().as_deref(),
                Some("awscred login --sso-session dev")
            );
            assert!(reason.contains("could not be refreshed"), "{reason}");
            assert!(reason.contains("invalid_grant"), "{reason}");
        }
        other => panic!("expected LoginNeeded, got {other:?}"),
    }
    assert_eq!(
        world.emulator.count("CreateToken"),
        1,
        "a 400 is not retried"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
    assert_eq!(std::fs::read(world.token_path("dev")).unwrap(), before);
    assert_eq!(world.read_token("dev").access_token, issued.access_token);
    world.assert_files_intact("after a failed mandatory refresh");
}

#[test]
fn advisory_refresh_failure_keeps_the_old_token() {
    let world = World::new();
    world.seed_session(Duration::from_secs(12 * 60));
    let before = std::fs::read(world.token_path("dev")).unwrap();
    world
        .emulator
        .inject("CreateToken", Fault::ServerError, 100);
    let resolved = world.resolve("dev").expect("the old token still works");
    assert!(resolved.refresh_attempted_at.is_some());
    assert_eq!(
        world.emulator.count("CreateToken"),
        3,
        "retried, then given up"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(std::fs::read(world.token_path("dev")).unwrap(), before);
    world.assert_files_intact("after a failed advisory refresh");
}
