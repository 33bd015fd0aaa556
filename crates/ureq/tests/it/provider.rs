//! The in-memory provider: one refresh for many concurrent callers, served from memory until
//! the refresh window, and still-valid credentials kept when a refresh fails.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use awscred_emulator::{EmulatorConfig, Fault};

use crate::common::World;

/// Credentials living just under five minutes: the provider's refresh window (five minutes
/// plus up to 2.5 of jitter) is open at once, whatever the jitter.
fn short_lived() -> World {
    World::with(EmulatorConfig {
        credential_lifetime: Duration::from_secs(5 * 60 - 10),
        ..EmulatorConfig::demo()
    })
}

/// Credentials living ten minutes: outside the provider's refresh window (at most 7.5 minutes)
/// but too short for the AWS CLI's cache (15 minutes), so only memory can spare a call.
fn memory_only() -> World {
    World::with(EmulatorConfig {
        credential_lifetime: Duration::from_secs(10 * 60),
        ..EmulatorConfig::demo()
    })
}

#[test]
fn sixty_four_threads_on_a_cold_provider_make_one_call() {
    let world = memory_only();
    world.seed_session(Duration::from_secs(3600));
    let provider = Arc::new(world.provider("dev"));
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (provider, barrier) = (provider.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                provider.credentials_shared()
            })
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("no thread panicked"))
        .collect();
    world.audit.debug("provider", &*provider);
    let mut keys = Vec::new();
    for r in &results {
        world.audit.result("credentials", r);
        keys.push(
            r.as_ref()
                .expect("every caller gets credentials")
                .access_key_id()
                .to_string(),
        );
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 1, "every caller got the same credentials");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
}

#[test]
fn served_from_memory_until_the_refresh_window() {
    let world = memory_only();
    world.seed_session(Duration::from_secs(3600));
    let provider = world.provider("r1");
    let first = provider.credentials_shared().expect("r1 resolves");
    world.audit.credentials("first", &first);
    // Without the files, only memory can answer.
    std::fs::remove_dir_all(world.aws_dir()).unwrap();
    world.emulator.clear_requests();
    for _ in 0..10 {
        let again = provider.credentials_shared().expect("served from memory");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same credentials, not a copy"
        );
    }
    assert_eq!(world.emulator.requests().len(), 0);
    world.audit.debug("provider", &provider);

    // resolve_now bypasses memory: with the files gone that is a clear error.
    let e = provider.resolve_now().expect_err("no config, no token");
    world.audit.error("resolve_now", &e);
    assert!(matches!(e, awscred_core::Error::Config(_)), "{e:?}");
}

#[test]
fn credentials_inside_the_window_are_refreshed() {
    let world = short_lived();
    world.seed_session(Duration::from_secs(3600));
    let provider = world.provider("dev");
    let first = provider.credentials().expect("dev resolves");
    let second = provider.credentials().expect("dev refreshes");
    world.audit.credentials("first", &first);
    world.audit.credentials("second", &second);
    world.audit.debug("provider", &provider);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 2);
    assert_ne!(first.access_key_id(), second.access_key_id());
}

#[test]
fn failed_refresh_keeps_serving_valid_credentials() {
    let world = short_lived();
    world.seed_session(Duration::from_secs(3600));
    let provider = world.provider("dev");
    let first = provider.credentials().expect("dev resolves");
    world
        .emulator
        .inject("GetRoleCredentials", Fault::ServerError, 1000);
    let second = provider
        .credentials()
        .expect("still-valid credentials are served");
    assert_eq!(first.access_key_id(), second.access_key_id());
    assert_eq!(
        world.emulator.count("GetRoleCredentials"),
        1 + 3,
        "the refresh was tried"
    );
    world.audit.credentials("kept", &second);
    world.audit.debug("provider", &provider);

    // A provider with nothing in memory reports the failure.
    let cold = world.provider("dev");
    let e = cold.credentials().expect_err("nothing to fall back on");
    world.audit.error("cold provider", &e);
    assert!(e.to_string().contains("500"), "{e}");
}

/// botocore's `_attempt_timeout`: after a refresh attempt, none for 60 s, and meanwhile the
/// token in hand is used. A failed mandatory refresh is an error, but the next call within the
/// minute must not hammer CreateToken again; it uses the still-valid token.
#[test]
fn failed_mandatory_refresh_is_not_retried_within_a_minute() {
    let world = World::new();
    world.seed_session(Duration::from_secs(5 * 60));
    world
        .emulator
        .inject("CreateToken", Fault::ServerError, 1000);
    let provider = world.provider("dev");
    let first = provider.credentials();
    world.audit.result("first", &first);
    let e = first.expect_err("a mandatory refresh that fails is an error");
    assert!(
        matches!(&e, awscred_core::Error::LoginNeeded { reason, .. } if reason.contains("500")),
        "{e:?}"
    );
    assert_eq!(world.emulator.count("CreateToken"), 3);

    let second = provider.credentials();
    world.audit.result("second", &second);
    second.expect("the token still has five minutes: used as is");
    assert_eq!(
        world.emulator.count("CreateToken"),
        3,
        "no new attempt within 60 s"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.audit.debug("provider", &provider);
}
