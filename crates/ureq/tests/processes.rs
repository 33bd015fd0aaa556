//! Several processes at once. This test binary has its own `main`: run plainly it is the parent
//! (it starts the emulator and its children); run with `AWSCRED_UREQ_CHILD` set it is one of
//! the children, which re-execute this same binary.
//!
//! - 16 processes resolving the same sso-session profile whose token must be refreshed make
//!   exactly one CreateToken call between them (the token file's lock), and all succeed.
//! - A process killed while it rewrites the token file never leaves a partial file behind.

#[path = "common/mod.rs"]
mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::{env, thread};

use awscred_core::token::CachedToken;
use common::{World, env_for, fast_client};

const CHILD_ENV: &str = "AWSCRED_UREQ_CHILD";
const HOME_ENV: &str = "AWSCRED_UREQ_HOME";
const URL_ENV: &str = "AWSCRED_UREQ_EMULATOR";
const START_ENV: &str = "AWSCRED_UREQ_START_MS";
const TARGET_ENV: &str = "AWSCRED_UREQ_TARGET";
const REFRESHERS: usize = 16;
const MID_WRITE_KILLS: usize = 4;
const MAX_KILL_ROUNDS: usize = 400;
/// The token's padding: large enough that writing it (before the rename, which now comes
/// before the fsync) takes long enough to be interrupted now and then.
const PADDING: usize = 8 << 20;

const TESTS: [&str; 2] = [
    "sixteen_processes_refresh_once",
    "killed_writer_leaves_a_whole_file",
];

fn main() -> ExitCode {
    if let Ok(role) = env::var(CHILD_ENV) {
        return match child(&role) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("child {role} failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args: Vec<String> = env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for t in TESTS {
            println!("{t}: test");
        }
        return ExitCode::SUCCESS;
    }
    // Honour name filters the way the default harness does: substring match.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&str> = TESTS
        .into_iter()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.contains(f.as_str())))
        .collect();
    println!("running {} tests", selected.len());
    let mut failed = 0;
    for name in selected {
        let result = std::panic::catch_unwind(|| match name {
            "sixteen_processes_refresh_once" => sixteen_processes_refresh_once(),
            _ => killed_writer_leaves_a_whole_file(),
        });
        match result {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn spawn(role: &str, envs: &[(&str, String)]) -> Child {
    let exe = env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .env(CHILD_ENV, role)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    command.spawn().expect("a child starts")
}

fn sixteen_processes_refresh_once() {
    let world = World::new();
    // Five minutes left: inside the mandatory window, every process must have a fresh token.
    let issued = world.seed_session(Duration::from_secs(5 * 60));
    let start = now_ms() + 1500;
    let children: Vec<Child> = (0..REFRESHERS)
        .map(|_| {
            spawn(
                "refresh",
                &[
                    (HOME_ENV, world.home.path().display().to_string()),
                    (URL_ENV, world.emulator.url()),
                    (START_ENV, start.to_string()),
                ],
            )
        })
        .collect();
    let mut refreshed = 0;
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("the child ran");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        world.audit.text("child stdout", &stdout);
        world.audit.text("child stderr", &stderr);
        assert!(out.status.success(), "child {i} failed: {stderr}");
        assert!(
            stdout.contains("resolved ASIA"),
            "child {i} printed {stdout:?}"
        );
        if stdout.contains("refreshed=true") {
            refreshed += 1;
        }
    }
    assert_eq!(
        world.emulator.count("CreateToken"),
        1,
        "one refresh for all processes"
    );
    assert_eq!(refreshed, 1, "exactly one process made the refresh");
    let token = world.read_token("dev");
    assert_ne!(
        token.access_token, issued.access_token,
        "the file has the new token"
    );
    assert!(
        world.emulator.requests().iter().all(|r| r.status == 200),
        "every call succeeded: {:?}",
        world.emulator.requests()
    );
    world.assert_files_intact("after 16 processes");
}

/// A token file of about 8 MiB, so that a write takes long enough to be interrupted.
fn big_token(round: u64) -> Vec<u8> {
    let padding = "p".repeat(PADDING);
    format!(
        "{{\"startUrl\": \"{}\", \"region\": \"us-east-1\", \"accessToken\": \"access-{round}\", \
         \"expiresAt\": \"2099-01-01T00:00:00Z\", \"padding\": \"{padding}\", \"round\": {round}}}",
        common::START_URL
    )
    .into_bytes()
}

fn assert_whole(path: &Path, context: &str) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{context}: {e}"));
    let token = CachedToken::parse(&bytes)
        .unwrap_or_else(|e| panic!("{context}: the token file is not whole: {e}"));
    let padding = token.unknown.get("padding").and_then(|v| v.as_str());
    assert_eq!(
        padding.map(str::len),
        Some(PADDING),
        "{context}: padding cut"
    );
    let round = token.unknown.get("round").and_then(|v| v.as_u64());
    let round = round.unwrap_or_else(|| panic!("{context}: no round"));
    assert_eq!(token.access_token, format!("access-{round}"), "{context}");
}

fn killed_writer_leaves_a_whole_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target: PathBuf = dir.path().join("sso").join("cache").join("token.json");
    awscred_files::write_private_atomic(&target, &big_token(0)).expect("the first write");
    let temps = || {
        std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with('.'))
            })
            .count()
    };
    // A leftover temporary file is the documented trace of a write killed before its rename.
    // Keep killing until enough kills landed mid-write for the test to mean something.
    let mut round = 0;
    while temps() < MID_WRITE_KILLS {
        assert!(
            round < MAX_KILL_ROUNDS,
            "only {} of {round} kills landed mid-write",
            temps()
        );
        let mut child = spawn("writer", &[(TARGET_ENV, target.display().to_string())]);
        // Wait until the writer is writing (it prints a line just before its first write).
        let mut first = [0u8; 1];
        let stdout = child.stdout.as_mut().expect("piped stdout");
        stdout.read_exact(&mut first).expect("the writer started");
        // Kill at a different moment each round.
        let pause = 1 + (now_ms() as u64 * 7919 + round as u64 * 104_729) % 40;
        thread::sleep(Duration::from_millis(pause));
        child.kill().expect("SIGKILL delivered");
        let status = child.wait().expect("the writer is reaped");
        assert!(
            !status.success(),
            "round {round}: the writer was killed, not finished"
        );
        assert_whole(&target, &format!("round {round} (killed after {pause} ms)"));
        round += 1;
    }
    println!("  ({round} kills, {} of them mid-write)", temps());
}

fn child(role: &str) -> Result<(), String> {
    match role {
        "refresh" => {
            let home = env::var(HOME_ENV).map_err(|e| e.to_string())?;
            let url = env::var(URL_ENV).map_err(|e| e.to_string())?;
            let start: u128 = env::var(START_ENV)
                .map_err(|e| e.to_string())?
                .parse()
                .map_err(|_| "bad start time")?;
            let wait = start.saturating_sub(now_ms());
            thread::sleep(Duration::from_millis(wait as u64));
            let provider =
                awscred_ureq::Provider::new(env_for(Path::new(&home), &url), Some("dev".into()))
                    .with_client(fast_client(Duration::from_secs(10)));
            let resolved = provider.resolve_now().map_err(|e| e.to_string())?;
            // Only what is not secret: the key id and whether this process refreshed.
            println!(
                "resolved {} refreshed={}",
                resolved.credentials.access_key_id(),
                resolved.refresh_attempted_at.is_some()
            );
            Ok(())
        }
        "writer" => {
            let target = PathBuf::from(env::var(TARGET_ENV).map_err(|e| e.to_string())?);
            // Built up front, so that the loop spends its time writing.
            let versions = [big_token(1), big_token(2)];
            println!("w");
            loop {
                for bytes in &versions {
                    awscred_files::write_private_atomic(&target, bytes)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        other => Err(format!("unknown child role {other:?}")),
    }
}
