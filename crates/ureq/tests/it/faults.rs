//! Every fault the emulator can inject, on each call a resolution makes: injected once it is
//! retried away (when retrying can help); injected on every attempt it ends in a clear error
//! after the last attempt. Never a panic, never a corrupted or half-written cache file.

use std::time::Duration;

use awscred_core::Error;
use awscred_emulator::Fault;

use crate::common::{World, fast_client};

/// The read timeout of these tests, and a delay well beyond it.
const READ_TIMEOUT: Duration = Duration::from_millis(500);
const DELAY: Duration = Duration::from_millis(1500);
const ATTEMPTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    GetRoleCredentials,
    CreateToken,
    AssumeRole,
}

impl Target {
    fn operation(self) -> &'static str {
        match self {
            Target::GetRoleCredentials => "GetRoleCredentials",
            Target::CreateToken => "CreateToken",
            Target::AssumeRole => "AssumeRole",
        }
    }

    /// A fresh world where resolving the returned profile makes this call.
    fn world(self) -> (World, &'static str) {
        let world = World::new();
        let profile = match self {
            Target::GetRoleCredentials => {
                world.seed_session(Duration::from_secs(3600));
                "dev"
            }
            Target::CreateToken => {
                // Five minutes left: the mandatory window, so the refresh must happen.
                world.seed_session(Duration::from_secs(5 * 60));
                "dev"
            }
            Target::AssumeRole => "app",
        };
        (world, profile)
    }
}

fn faults() -> Vec<(Fault, &'static str)> {
    vec![
        (Fault::Throttle, "throttle"),
        (Fault::ServerError, "500"),
        (Fault::Unavailable, "503"),
        (Fault::CutConnection, "cut connection"),
        (Fault::MalformedBody, "malformed body"),
        (Fault::Delay(DELAY), "delay beyond the read timeout"),
    ]
}

fn retryable(fault: &Fault) -> bool {
    !matches!(fault, Fault::MalformedBody)
}

/// Words the error must contain so that a reader knows what went wrong.
fn names_the_problem(fault: &Fault, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    match fault {
        Fault::Throttle => m.contains("throttl") || m.contains("toomanyrequests"),
        Fault::ServerError => m.contains("500"),
        Fault::Unavailable => m.contains("503"),
        Fault::CutConnection => m.contains("network error"),
        Fault::Delay(_) => m.contains("network error") && m.contains("time"),
        Fault::MalformedBody => m.contains("unexpected") && m.contains("response"),
        Fault::Status(..) => true,
    }
}

fn client_for(fault: &Fault) -> awscred_ureq::Client {
    match fault {
        Fault::Delay(_) => fast_client(READ_TIMEOUT),
        _ => fast_client(Duration::from_secs(10)),
    }
}

/// The error a resolution ends with when `target` fails for good with `message`.
fn check_error(target: Target, fault: &Fault, name: &str, e: &Error) {
    let message = e.to_string();
    assert!(
        names_the_problem(fault, &message),
        "{target:?}/{name}: the error does not say what went wrong: {message}"
    );
    match (target, fault) {
        // botocore: a refresh that fails inside the mandatory window means logging in again.
        (Target::CreateToken, _) => match e {
            Error::LoginNeeded { reason, .. } => {
                assert_eq!(
                    e.login_command().as_deref(),
                    Some("awscred login --sso-session dev"),
                    "{target:?}/{name}"
                );
                assert!(reason.contains("could not be refreshed"), "{reason}");
            }
            other => panic!("{target:?}/{name}: expected LoginNeeded, got {other:?}"),
        },
        (_, Fault::MalformedBody) => assert!(
            matches!(e, Error::MalformedResponse { operation, .. } if *operation == target.operation()),
            "{target:?}/{name}: {e:?}"
        ),
        (_, Fault::CutConnection | Fault::Delay(_)) => {
            assert!(
                matches!(e, Error::Transport { .. }),
                "{target:?}/{name}: {e:?}"
            )
        }
        (_, Fault::Throttle | Fault::ServerError | Fault::Unavailable) => assert!(
            matches!(e, Error::Throttled(_) | Error::Service(_)),
            "{target:?}/{name}: {e:?}"
        ),
        (_, Fault::Status(..)) => {}
    }
}

fn once(target: Target) {
    for (fault, name) in faults() {
        let (world, profile) = target.world();
        let token_before = std::fs::read(world.token_path("dev")).ok();
        world.emulator.inject(target.operation(), fault.clone(), 1);
        let result = world.resolve_with(&client_for(&fault), profile);
        let context = format!("{target:?} / {name} once");
        world.assert_files_intact(&context);
        let count = world.emulator.count(target.operation());
        if target == Target::CreateToken && fault == Fault::CutConnection {
            // The emulator, like the real service, answered only after rotating the refresh
            // token; the answer was lost, so the retry presents a spent refresh token. No retry
            // can fix that: the user must log in again, and is told so.
            let e = result.expect_err("the spent refresh token is refused");
            assert!(
                matches!(&e, Error::LoginNeeded { reason, .. } if reason.contains("InvalidGrant")),
                "{context}: {e:?}"
            );
            assert_eq!(count, 2, "{context}: the cut attempt and the refused retry");
            assert_eq!(std::fs::read(world.token_path("dev")).ok(), token_before);
            continue;
        }
        match (&result, retryable(&fault)) {
            (Ok(_), true) => {
                if !matches!(fault, Fault::Delay(_)) {
                    // A delayed request is logged only when its late answer is sent.
                    assert_eq!(count, 2, "{context}: one failure, one retry");
                }
                if target == Target::CreateToken {
                    let token = world.read_token("dev");
                    let before = token_before.as_deref().unwrap_or_default();
                    assert_ne!(token.to_json(), before, "{context}: token rewritten");
                }
            }
            (Err(e), false) => {
                check_error(target, &fault, name, e);
                assert_eq!(count, 1, "{context}: not retried");
                if target == Target::CreateToken {
                    assert_eq!(std::fs::read(world.token_path("dev")).ok(), token_before);
                }
            }
            (Ok(r), false) => panic!("{context}: expected an error, got {r:?}"),
            (Err(e), true) => panic!("{context}: the retry should have succeeded: {e}"),
        }
    }
}

fn forever(target: Target) {
    for (fault, name) in faults() {
        let (world, profile) = target.world();
        let token_before = std::fs::read(world.token_path("dev")).ok();
        world
            .emulator
            .inject(target.operation(), fault.clone(), 100);
        let result = world.resolve_with(&client_for(&fault), profile);
        let context = format!("{target:?} / {name} forever");
        world.assert_files_intact(&context);
        let e = match result {
            Ok(r) => panic!("{context}: expected an error, got {r:?}"),
            Err(e) => e,
        };
        check_error(target, &fault, name, &e);
        let count = world.emulator.count(target.operation());
        match fault {
            Fault::MalformedBody => assert_eq!(count, 1, "{context}: not retried"),
            Fault::Delay(_) => {}
            _ => assert_eq!(
                count, ATTEMPTS,
                "{context}: every attempt made, then no more"
            ),
        }
        assert_eq!(
            std::fs::read(world.token_path("dev")).ok(),
            token_before,
            "{context}: the token file is untouched"
        );
        assert!(
            !world.cli_cache().exists()
                || std::fs::read_dir(world.cli_cache()).unwrap().count() == 0,
            "{context}: nothing cached for a failed call"
        );
    }
}

#[test]
fn get_role_credentials_fault_once_is_retried() {
    once(Target::GetRoleCredentials);
}

#[test]
fn get_role_credentials_fault_forever_is_a_clear_error() {
    forever(Target::GetRoleCredentials);
}

#[test]
fn create_token_fault_once_is_retried() {
    once(Target::CreateToken);
}

#[test]
fn create_token_fault_forever_is_a_clear_error() {
    forever(Target::CreateToken);
}

/// The same lost answer inside the advisory window: the old token is still good and used.
#[test]
fn create_token_cut_in_the_advisory_window_keeps_the_old_token() {
    let world = World::new();
    let issued = world.seed_session(Duration::from_secs(12 * 60));
    world
        .emulator
        .inject("CreateToken", Fault::CutConnection, 1);
    let resolved = world.resolve("dev");
    world.assert_files_intact("advisory cut");
    resolved.expect("the old token still works");
    assert_eq!(world.emulator.count("CreateToken"), 2);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(world.read_token("dev").access_token, issued.access_token);
}

#[test]
fn assume_role_fault_once_is_retried() {
    once(Target::AssumeRole);
}

#[test]
fn assume_role_fault_forever_is_a_clear_error() {
    forever(Target::AssumeRole);
}

/// Nobody listening at the endpoint: retried, then a network error naming the failure.
#[test]
fn refused_connection_is_a_clear_network_error() {
    let mut world = World::new();
    world.seed_session(Duration::from_secs(3600));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    world.env = crate::common::env_for(world.home.path(), &format!("http://127.0.0.1:{port}"));
    let e = world.resolve("dev").expect_err("nothing listens there");
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: awscred_core::TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("network error"), "{e}");
    world.assert_files_intact("after a refused connection");
}
