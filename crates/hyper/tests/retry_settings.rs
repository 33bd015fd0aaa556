//! `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` and the profile's `max_attempts` / `retry_mode` decide
//! how many requests a resolution makes, as in the AWS CLI: counted at the emulator, with its
//! `500` fault on every attempt. The same scenarios as the blocking driver's.

mod common;

use std::time::Duration;

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_emulator::Fault;
use awscred_hyper::Provider;
use common::world::{CONFIG, World, fast_client};

/// A bad setting: the environment, the profile's lines, the words its error must contain.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

/// A world with a valid SSO session, `dev` carrying `dev_settings` lines, and
/// GetRoleCredentials failing with 500 on every attempt.
fn world(dev_settings: &str) -> World {
    let world = World::start();
    write_config(
        &world,
        &CONFIG.replace("[profile dev]\n", &format!("[profile dev]\n{dev_settings}")),
    );
    world.seed_session_token(Duration::from_secs(3600));
    world
        .emulator
        .inject("GetRoleCredentials", Fault::ServerError, 100);
    world
}

fn write_config(world: &World, text: &str) {
    std::fs::write(world.home.path().join(".aws").join("config"), text).unwrap();
}

/// The world's environment plus `extra`.
fn env(world: &World, extra: &[(&str, &str)]) -> Env {
    let mut vars = vec![
        ("HOME".to_string(), world.home.path().display().to_string()),
        ("AWS_ENDPOINT_URL".to_string(), world.emulator.url()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Env::from_pairs(vars)
}

/// Resolves `profile` through a provider and returns the error.
async fn resolve(world: &World, extra: &[(&str, &str)], profile: &str) -> Error {
    let provider =
        Provider::new(env(world, extra), Some(profile.into())).with_client(fast_client());
    world
        .credentials(&provider)
        .await
        .expect_err("every attempt fails")
}

/// How many GetRoleCredentials requests a failing resolution of `profile` makes.
async fn attempts(world: World, extra: &[(&str, &str)], profile: &str) -> usize {
    let e = resolve(&world, extra, profile).await;
    assert!(
        matches!(e, Error::Service(ref s) if s.status == 500),
        "{e:?}"
    );
    let count = world.emulator.count("GetRoleCredentials");
    world.finish();
    count
}

#[tokio::test]
async fn aws_max_attempts_one_makes_one_request() {
    assert_eq!(
        attempts(world(""), &[("AWS_MAX_ATTEMPTS", "1")], "dev").await,
        1
    );
}

#[tokio::test]
async fn the_profiles_max_attempts_is_honoured() {
    assert_eq!(attempts(world("max_attempts = 2\n"), &[], "dev").await, 2);
}

#[tokio::test]
async fn without_settings_three_attempts() {
    assert_eq!(attempts(world(""), &[], "dev").await, 3);
}

#[tokio::test]
async fn the_environment_wins_over_the_profile() {
    let world = world("max_attempts = 4\n");
    assert_eq!(
        attempts(world, &[("AWS_MAX_ATTEMPTS", "1")], "dev").await,
        1
    );
}

#[tokio::test]
async fn the_selected_profile_decides_for_the_whole_chain() {
    // r1 assumes a role on top of dev: botocore builds every client from r1's settings.
    let world = world("max_attempts = 4\n");
    let config = std::fs::read_to_string(world.home.path().join(".aws/config")).unwrap();
    write_config(
        &world,
        &config.replace("[profile r1]\n", "[profile r1]\nmax_attempts = 2\n"),
    );
    assert_eq!(attempts(world, &[], "r1").await, 2);
}

#[tokio::test]
async fn legacy_mode_makes_five_attempts_and_adaptive_three() {
    assert_eq!(
        attempts(world("retry_mode = legacy\n"), &[], "dev").await,
        5
    );
    let adaptive = [("AWS_RETRY_MODE", "adaptive")];
    assert_eq!(
        attempts(world("retry_mode = legacy\n"), &adaptive, "dev").await,
        3
    );
    let capped = [("AWS_MAX_ATTEMPTS", "2")];
    assert_eq!(
        attempts(world("retry_mode = legacy\n"), &capped, "dev").await,
        2
    );
}

#[tokio::test]
async fn bad_values_are_config_errors_naming_their_source() {
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
    for (extra, settings, words) in cases {
        let world = world(settings);
        let e = resolve(&world, extra, "dev").await;
        let Error::Config(message) = &e else {
            panic!("{extra:?} {settings:?}: expected a config error, got {e:?}")
        };
        for word in words {
            assert!(message.contains(word), "{message:?} lacks {word:?}");
        }
        assert_eq!(world.emulator.count("GetRoleCredentials"), 0, "{message}");
        world.finish();
    }
}
