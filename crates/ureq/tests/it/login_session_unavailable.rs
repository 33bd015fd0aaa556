//! A `login_session` profile in a build without the `login-session` feature
//! (`cargo test -p awscred-ureq --no-default-features --test it login_session_unavailable`):
//! the error says how to get a build that has it, and nothing is sent. With the feature (the
//! default), `login_session.rs` runs instead.

use awscred_core::Error;

use crate::common::World;

#[test]
fn a_login_session_profile_names_the_missing_feature() {
    let world = World::new();
    world.write_config(
        "[profile console]\nlogin_session = arn:aws:iam::111122223333:user/dev\n\
         region = us-east-1\n",
    );
    let e = world
        .resolve("console")
        .expect_err("no credentials without the feature");
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("the profile \"console\""), "{text}");
    assert!(
        text.contains("without its `login-session` feature"),
        "{text}"
    );
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 0);
}
