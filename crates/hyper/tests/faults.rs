//! Every fault the emulator can inject, on each call a profile resolution makes
//! (GetRoleCredentials, AssumeRole, and CreateToken refreshing the SSO token): once, it is
//! retried and the resolution succeeds; on every attempt, the caller gets a clear error after
//! the last one. Either way the token file and the AWS CLI's cache stay valid, no temporary
//! file is left, and no secret shows in any error.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use awscred_core::cli_cache;
use awscred_core::token::CachedToken;
use awscred_core::{Error, TransportKind};
use awscred_emulator::Fault;
use awscred_hyper::{Client, ClientConfig, Provider};
use common::world::{SESSION, World, fast_retry, temp_files};

const HOUR: Duration = Duration::from_secs(3600);
const ATTEMPTS: usize = 3;

/// One of the calls a resolution makes, and the profile whose resolution makes it.
#[derive(Clone, Copy, Debug)]
enum Target {
    GetRoleCredentials,
    AssumeRole,
    CreateToken,
}

impl Target {
    const ALL: [Target; 3] = [
        Target::GetRoleCredentials,
        Target::AssumeRole,
        Target::CreateToken,
    ];

    fn operation(self) -> &'static str {
        match self {
            Target::GetRoleCredentials => "GetRoleCredentials",
            Target::AssumeRole => "AssumeRole",
            Target::CreateToken => "CreateToken",
        }
    }

    fn profile(self) -> &'static str {
        match self {
            Target::AssumeRole => "r1",
            _ => "dev",
        }
    }

    /// A world where resolving the profile makes this call exactly once.
    fn world(self) -> World {
        let world = World::start();
        let lifetime = match self {
            // Inside the mandatory refresh window: the refresh must succeed.
            Target::CreateToken => Duration::from_secs(5 * 60),
            _ => 8 * HOUR,
        };
        world.seed_session_token(lifetime);
        world
    }
}

/// A failure the emulator can make, whether the retry policy retries it, and what the error
/// says when it persists.
struct Kind {
    name: &'static str,
    fault: Fault,
    retried: bool,
    shown: fn(Target) -> &'static str,
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "throttling",
            fault: Fault::Throttle,
            retried: true,
            shown: |t| match t {
                Target::AssumeRole => "Throttling",
                _ => "TooManyRequestsException",
            },
        },
        Kind {
            name: "500",
            fault: Fault::ServerError,
            retried: true,
            shown: |_| "HTTP 500",
        },
        Kind {
            name: "503",
            fault: Fault::Unavailable,
            retried: true,
            shown: |_| "HTTP 503",
        },
        Kind {
            name: "cut connection",
            fault: Fault::CutConnection,
            retried: true,
            shown: |_| "network error",
        },
        Kind {
            name: "malformed body",
            fault: Fault::MalformedBody,
            retried: false,
            shown: |t| match t {
                Target::GetRoleCredentials => "unexpected GetRoleCredentials response",
                Target::AssumeRole => "unexpected AssumeRole response",
                Target::CreateToken => "unexpected CreateToken response",
            },
        },
        Kind {
            name: "400",
            fault: Fault::status(400, "InvalidRequestException"),
            retried: false,
            shown: |_| "InvalidRequestException",
        },
    ]
}

fn provider(world: &World, target: Target) -> Provider {
    world.provider(target.profile())
}

/// The token file parses, the AWS CLI cache entries parse, nothing temporary is left.
fn assert_files_valid(world: &World, context: &str) {
    let token = std::fs::read(world.token_path(SESSION)).unwrap();
    assert!(CachedToken::parse(&token).is_ok(), "{context}: token file");
    let cli_cache = world.home.path().join(".aws/cli/cache");
    if let Ok(entries) = std::fs::read_dir(&cli_cache) {
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                cli_cache::parse_entry(&bytes).is_ok(),
                "{context}: {}",
                entry.path().display()
            );
        }
    }
    assert!(
        temp_files(world.home.path()).is_empty(),
        "{context}: temp files"
    );
    #[cfg(unix)]
    assert_private(&world.home.path().join(".aws/sso/cache"), context);
}

#[cfg(unix)]
fn assert_private(dir: &Path, context: &str) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            assert_eq!(
                common::world::mode(&path),
                0o600,
                "{context}: {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_fault_once_is_retried_and_the_resolution_succeeds() {
    for target in Target::ALL {
        for kind in kinds() {
            let context = format!("{} once on {target:?}", kind.name);
            let world = target.world();
            let token_before = std::fs::read(world.token_path(SESSION)).unwrap();
            world
                .emulator
                .inject(target.operation(), kind.fault.clone(), 1);
            let result = world.credentials(&provider(&world, target)).await;
            let calls = world.emulator.count(target.operation());
            match (target, &kind.fault, kind.retried) {
                // The emulator answered the refresh before the connection was cut, so the
                // single-use refresh token is spent: the retry is refused, and a refresh in
                // the mandatory window cannot succeed. The user is told to log in again.
                (Target::CreateToken, Fault::CutConnection, _) => {
                    let e = result.expect_err(&context);
                    assert_login_needed(&e, "InvalidGrantException", &context);
                    assert_eq!(calls, 2, "{context}");
                }
                (_, _, true) => {
                    let c = result.unwrap_or_else(|e| panic!("{context}: {e}"));
                    assert!(c.access_key_id().starts_with("ASIA"), "{context}");
                    assert_eq!(calls, 2, "{context}: one failure, one retry");
                }
                (_, _, false) => {
                    let e = result.expect_err(&context);
                    assert_failed(&e, target, (kind.shown)(target), &context);
                    assert_eq!(calls, 1, "{context}: not retried");
                }
            }
            let token_after = std::fs::read(world.token_path(SESSION)).unwrap();
            match target {
                Target::CreateToken
                    if calls == 2
                        && kind.retried
                        && !matches!(kind.fault, Fault::CutConnection) =>
                {
                    assert_ne!(
                        token_before, token_after,
                        "{context}: refreshed token written"
                    )
                }
                _ if !matches!(target, Target::CreateToken) => {
                    assert_eq!(token_before, token_after, "{context}: token untouched")
                }
                _ => {}
            }
            assert_files_valid(&world, &context);
            world.finish();
        }
    }
}

#[tokio::test]
async fn a_fault_on_every_attempt_is_a_clear_error_after_the_last_one() {
    for target in Target::ALL {
        for kind in kinds() {
            let context = format!("{} always on {target:?}", kind.name);
            let world = target.world();
            let token_before = std::fs::read(world.token_path(SESSION)).unwrap();
            world
                .emulator
                .inject(target.operation(), kind.fault.clone(), 100);
            let e = world
                .credentials(&provider(&world, target))
                .await
                .expect_err(&context);
            let expected = if kind.retried { ATTEMPTS } else { 1 };
            assert_eq!(
                world.emulator.count(target.operation()),
                expected,
                "{context}"
            );
            assert_failed(&e, target, (kind.shown)(target), &context);
            if matches!(target, Target::CreateToken) {
                // A failed refresh leaves the file as it was; nothing else was called.
                assert_eq!(world.emulator.count("GetRoleCredentials"), 0, "{context}");
                let after = std::fs::read(world.token_path(SESSION)).unwrap();
                assert_eq!(token_before, after, "{context}: token file unchanged");
            }
            assert_files_valid(&world, &context);
            world.finish();
        }
    }
}

/// What the caller gets when `target` fails for good.
fn assert_failed(e: &Error, target: Target, shown: &str, context: &str) {
    match target {
        // A refresh that fails inside the mandatory window means logging in again; the
        // message says why the refresh failed.
        Target::CreateToken => assert_login_needed(e, shown, context),
        _ => {
            let text = e.to_string();
            assert!(text.contains(shown), "{context}: {text}");
            assert!(
                !matches!(e, Error::LoginNeeded { .. }),
                "{context}: a service failure is not a login problem: {text}"
            );
        }
    }
}

fn assert_login_needed(e: &Error, shown: &str, context: &str) {
    let text = e.to_string();
    assert!(
        e.login_command().as_deref() == Some("awscred login --sso-session corp"),
        "{context}: {e:?}"
    );
    assert!(text.contains("could not be refreshed"), "{context}: {text}");
    assert!(text.contains(shown), "{context}: {text}");
}

#[tokio::test]
async fn a_slow_answer_times_out_and_the_retry_succeeds() {
    let client = Client::new(ClientConfig {
        // One attempt may take connect_timeout + read_timeout = 0.5 s in all.
        connect_timeout: Duration::from_millis(200),
        read_timeout: Duration::from_millis(300),
        retry: fast_retry(),
    });
    let delay = Duration::from_secs(2);
    for target in Target::ALL {
        let context = format!("a slow {target:?}");
        let world = target.world();
        world
            .emulator
            .inject(target.operation(), Fault::Delay(delay), 1);
        let provider =
            Provider::new(world.env(), Some(target.profile().into())).with_client(client.clone());
        let started = Instant::now();
        let c = world
            .credentials(&provider)
            .await
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert!(c.access_key_id().starts_with("ASIA"), "{context}");
        // Waiting out the delay would have taken longer: the first attempt was abandoned.
        assert!(
            started.elapsed() < delay,
            "{context}: {:?}",
            started.elapsed()
        );
        assert_files_valid(&world, &context);
        world.finish();
    }
}

#[tokio::test]
async fn slow_answers_on_every_attempt_are_a_timeout_error() {
    let client = Client::new(ClientConfig {
        connect_timeout: Duration::from_millis(100),
        read_timeout: Duration::from_millis(150),
        retry: fast_retry(),
    });
    let world = Target::GetRoleCredentials.world();
    world.emulator.inject(
        "GetRoleCredentials",
        Fault::Delay(Duration::from_secs(1)),
        100,
    );
    let provider = Provider::new(world.env(), Some("dev".into())).with_client(client);
    let e = world.credentials(&provider).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("network error"), "{e}");
    assert_files_valid(&world, "slow GetRoleCredentials");
    world.finish();
}

#[tokio::test]
async fn an_advisory_refresh_that_fails_keeps_using_the_token() {
    // Twelve minutes left: inside the advisory window (15 min) but outside the mandatory one.
    // Credentials too short-lived for the AWS CLI's cache, so each resolution reads the token.
    let world = World::with(awscred_emulator::EmulatorConfig {
        credential_lifetime: Duration::from_secs(5 * 60),
        ..awscred_emulator::EmulatorConfig::demo()
    });
    world.seed_session_token(Duration::from_secs(12 * 60));
    let before = std::fs::read(world.token_path(SESSION)).unwrap();
    world
        .emulator
        .inject("CreateToken", Fault::ServerError, 100);
    let provider = world.provider("dev");
    let c = world.credentials(&provider).await.unwrap();
    assert!(c.access_key_id().starts_with("ASIA"));
    assert_eq!(world.emulator.count("CreateToken"), ATTEMPTS);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(std::fs::read(world.token_path(SESSION)).unwrap(), before);

    // The provider remembers the attempt: resolving again within a minute uses the token
    // without another refresh (the AWS CLI's one attempt per minute).
    provider.invalidate();
    world.credentials(&provider).await.unwrap();
    assert_eq!(world.emulator.count("CreateToken"), ATTEMPTS);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 2);
    // A new provider knows of no attempt and tries again.
    world.credentials(&world.provider("dev")).await.unwrap();
    assert_eq!(world.emulator.count("CreateToken"), 2 * ATTEMPTS);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 3);
    assert_files_valid(&world, "advisory refresh failure");
    world.finish();
}
