//! The flows beyond credentials resolution ([`SsoAccessFlow`], [`LoginFlow::from_env`],
//! [`LogoutFlow::from_env`]) ask for the configuration's retry settings once they have read
//! it, as `ResolveFlow` does: the environment over the profile, the profile selected as for
//! their endpoints.

use std::time::SystemTime;

use awscred_core::config::{Env, Platform};
use awscred_core::flow::{Effect, Flow, Input, Step};
use awscred_core::login::LoginFlow;
use awscred_core::logout::LogoutFlow;
use awscred_core::resolve::{SsoAccessFlow, TokenTarget};
use awscred_core::retry::{RetryMode, RetrySettings};

const CONFIG: &str = "\
[sso-session S]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = S
sso_account_id = 111122223333
sso_role_name = ReadOnly
max_attempts = 2
retry_mode = legacy

[default]
max_attempts = 4
";

fn env(extra: &[(&str, &str)]) -> Env {
    let mut vars = vec![("HOME", "/home/u")];
    vars.extend_from_slice(extra);
    Env::from_pairs(vars)
}

/// Answers the config and credentials reads, and returns the settings the flow asks for at
/// its first effect after them (`retry_settings` before the read is the driver's own).
fn settings_after_config(mut flow: impl Flow) -> RetrySettings {
    let now = SystemTime::UNIX_EPOCH;
    assert_eq!(flow.retry_settings(), RetrySettings::default());
    loop {
        let Step::Effect(Effect::Read(path)) = flow.next_step(now) else {
            panic!("the flow stopped before reading its files")
        };
        let contents = if path.ends_with(".aws/config") {
            Some(CONFIG.as_bytes().to_vec())
        } else if path.ends_with(".aws/credentials") {
            None
        } else {
            // A token or registration file: the configuration is read.
            return flow.retry_settings();
        };
        flow.handle(Input::File(Ok(contents)), now);
    }
}

fn dev() -> RetrySettings {
    RetrySettings {
        mode: RetryMode::Legacy,
        max_attempts: Some(2),
    }
}

fn default_profile() -> RetrySettings {
    RetrySettings {
        mode: RetryMode::default(),
        max_attempts: Some(4),
    }
}

#[test]
fn sso_access_uses_the_named_profiles_settings() {
    let flow = SsoAccessFlow::new(
        env(&[]),
        TokenTarget::Profile(Some("dev".into())),
        Platform::Unix,
    );
    assert_eq!(settings_after_config(flow), dev());
}

#[test]
fn sso_access_for_a_session_uses_the_selected_profile_and_the_environment_wins() {
    let flow = SsoAccessFlow::new(
        env(&[]),
        TokenTarget::SsoSession("S".into()),
        Platform::Unix,
    );
    assert_eq!(settings_after_config(flow), default_profile());
    let flow = SsoAccessFlow::new(
        env(&[("AWS_MAX_ATTEMPTS", "1"), ("AWS_PROFILE", "dev")]),
        TokenTarget::SsoSession("S".into()),
        Platform::Unix,
    );
    let expected = RetrySettings {
        max_attempts: Some(1),
        ..dev()
    };
    assert_eq!(settings_after_config(flow), expected);
}

#[test]
fn login_from_env_uses_the_profiles_settings() {
    let flow = LoginFlow::from_env(
        env(&[]),
        Platform::Unix,
        TokenTarget::Profile(Some("dev".into())),
        true,
        [7; 96],
    );
    assert_eq!(settings_after_config(flow), dev());
}

#[test]
fn logout_from_env_uses_the_selected_profiles_settings() {
    let flow = LogoutFlow::from_env(env(&[("AWS_PROFILE", "dev")]), Platform::Unix);
    let mut flow = flow;
    let now = SystemTime::UNIX_EPOCH;
    // Logout lists the token directory after the configuration, instead of reading a file.
    loop {
        match flow.next_step(now) {
            Step::Effect(Effect::Read(path)) => {
                let contents = path
                    .ends_with(".aws/config")
                    .then(|| CONFIG.as_bytes().to_vec());
                flow.handle(Input::File(Ok(contents)), now);
            }
            Step::Effect(Effect::List(_)) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(flow.retry_settings(), dev());
}

#[test]
fn a_bad_setting_fails_the_flow_naming_it() {
    let mut flow = LoginFlow::from_env(
        env(&[("AWS_MAX_ATTEMPTS", "zero")]),
        Platform::Unix,
        TokenTarget::SsoSession("S".into()),
        true,
        [7; 96],
    );
    let now = SystemTime::UNIX_EPOCH;
    let e = loop {
        match flow.next_step(now) {
            Step::Effect(Effect::Read(path)) => {
                let contents = path
                    .ends_with(".aws/config")
                    .then(|| CONFIG.as_bytes().to_vec());
                flow.handle(Input::File(Ok(contents)), now);
            }
            Step::Done(Err(e)) => break e,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(e.to_string().contains("AWS_MAX_ATTEMPTS"), "{e}");
}
