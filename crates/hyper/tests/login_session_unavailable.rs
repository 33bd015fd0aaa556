//! A `login_session` profile in a build without the `login-session` feature
//! (`cargo test -p awscred-hyper --no-default-features --test login_session_unavailable`):
//! the provider answers with the error that says how to get a build that has it, and makes no
//! call. With the feature (the default), `login_session.rs` runs instead.
#![cfg(not(feature = "login-session"))]

mod common;

use awscred_core::Error;
use common::world::World;

#[tokio::test]
async fn a_login_session_profile_names_the_missing_feature() {
    let world = World::start();
    let config_path = world.home.path().join(".aws").join("config");
    let mut config = std::fs::read_to_string(&config_path).unwrap();
    config.push_str(
        "\n[profile console]\nlogin_session = arn:aws:iam::111122223333:user/dev\n\
         region = us-east-1\n",
    );
    std::fs::write(&config_path, config).unwrap();
    let provider = world.provider("console");
    let e = world
        .credentials(&provider)
        .await
        .expect_err("no credentials without the feature");
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("the profile \"console\""), "{text}");
    assert!(
        text.contains("without its `login-session` feature"),
        "{text}"
    );
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 0);
    world.finish();
}
