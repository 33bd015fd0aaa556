//! `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` and the profile's `max_attempts` / `retry_mode` decide
//! how many requests a resolution makes, as in the AWS CLI: counted at the emulator, with its
//! `500` fault on every attempt.

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_emulator::Fault;

use crate::common::{CONFIG, World};

/// A bad setting: the environment, the profile's lines, the words its error must contain.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

/// A world with a valid SSO session, `extra_env` set, `dev` carrying `dev_settings` lines, and
/// GetRoleCredentials failing with 500 on every attempt.
fn world(extra_env: &[(&str, &str)], dev_settings: &str) -> World {
    let mut world = World::new();
    world.write_config(
        &CONFIG.replace("[profile dev]\n", &format!("[profile dev]\n{dev_settings}")),
    );
    let mut vars = vec![
        ("HOME".to_string(), world.home.path().display().to_string()),
        ("AWS_ENDPOINT_URL".to_string(), world.emulator.url()),
    ];
    vars.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    world.env = Env::from_pairs(vars);
    world.seed_session(std::time::Duration::from_secs(3600));
    world
        .emulator
        .inject("GetRoleCredentials", Fault::ServerError, 100);
    world
}

/// Resolves `profile` and returns how many GetRoleCredentials requests reached the emulator.
fn attempts(world: &World, profile: &str) -> usize {
    let e = world.resolve(profile).expect_err("every attempt fails");
    assert!(
        matches!(e, Error::Service(ref s) if s.status == 500),
        "{e:?}"
    );
    world.emulator.count("GetRoleCredentials")
}

#[test]
fn aws_max_attempts_one_makes_one_request() {
    let world = world(&[("AWS_MAX_ATTEMPTS", "1")], "");
    assert_eq!(attempts(&world, "dev"), 1);
}

#[test]
fn the_profiles_max_attempts_is_honoured() {
    let world = world(&[], "max_attempts = 2\n");
    assert_eq!(attempts(&world, "dev"), 2);
}

#[test]
fn without_settings_three_attempts() {
    let world = world(&[], "");
    assert_eq!(attempts(&world, "dev"), 3);
}

#[test]
fn the_environment_wins_over_the_profile() {
    let world = world(&[("AWS_MAX_ATTEMPTS", "1")], "max_attempts = 4\n");
    assert_eq!(attempts(&world, "dev"), 1);
}

#[test]
fn the_selected_profile_decides_for_the_whole_chain() {
    // r1 assumes a role on top of dev: botocore builds every client from r1's settings.
    let world = world(&[], "max_attempts = 4\n");
    world.write_config(&CONFIG.replace("[profile r1]\n", "[profile r1]\nmax_attempts = 2\n"));
    assert_eq!(attempts(&world, "r1"), 2);
}

#[test]
fn legacy_mode_makes_five_attempts_and_adaptive_three() {
    let legacy = world(&[], "retry_mode = legacy\n");
    assert_eq!(attempts(&legacy, "dev"), 5);
    let adaptive = world(&[("AWS_RETRY_MODE", "adaptive")], "retry_mode = legacy\n");
    assert_eq!(attempts(&adaptive, "dev"), 3);
    let capped = world(&[("AWS_MAX_ATTEMPTS", "2")], "retry_mode = legacy\n");
    assert_eq!(attempts(&capped, "dev"), 2);
}

#[test]
fn bad_values_are_config_errors_naming_their_source() {
    let cases: [Case; 4] = [
        (
            &[("AWS_MAX_ATTEMPTS", "0")],
            "",
            &["AWS_MAX_ATTEMPTS", "\"0\""],
        ),
        (
            &[],
            "max_attempts = many\n",
            &[
                "max_attempts",
                "profile \"dev\"",
                "config line 2",
                "\"many\"",
            ],
        ),
        (
            &[("AWS_RETRY_MODE", "Standard")],
            "",
            &["AWS_RETRY_MODE", "\"Standard\""],
        ),
        (
            &[],
            "retry_mode = turbo\n",
            &[
                "retry_mode",
                "profile \"dev\"",
                "\"turbo\"",
                "standard, legacy or adaptive",
            ],
        ),
    ];
    for (env, settings, words) in cases {
        let world = world(env, settings);
        let e = world.resolve("dev").expect_err("a bad setting is an error");
        let Error::Config(message) = &e else {
            panic!("{env:?} {settings:?}: expected a config error, got {e:?}")
        };
        for word in words {
            assert!(message.contains(word), "{message:?} lacks {word:?}");
        }
        assert_eq!(world.emulator.count("GetRoleCredentials"), 0, "{message}");
    }
}
