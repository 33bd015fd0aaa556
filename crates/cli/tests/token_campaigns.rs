//! The SSO session survives what real use does to it (issue 16, items 1–3), with the real
//! `awscred` binary against the emulator on 127.0.0.1:
//!
//! - kill -9 at random points of a refresh: no corrupted file, no session lost once the new
//!   token has reached the disk, no orphaned temporary file in the SSO cache after the next
//!   normal run. `AWSCRED_KILL_TRIALS` (default 24) and `AWSCRED_KILL_SEED` (default 16) set the
//!   campaign; RELIABILITY.md has the full figures and the command.
//! - 16 processes refreshing at once make exactly one CreateToken, with the usual lock and
//!   with a lock file they cannot open (as `sudo awscred` leaves it).
//! - a refreshed token that cannot be saved still gives this call's credentials, and stderr
//!   says what the next run will need.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use awscred_core::token::CachedToken;
use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use common::{CONFIG, Home, START_URL, awscred, run, sha1_hex};

/// The profile of [`CONFIG`] on sso-session `S`.
const PROFILE: &str = "sso";

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo()).expect("the emulator starts")
}

fn token_path(home: &Home) -> PathBuf {
    home.sso_cache().join(format!("{}.json", sha1_hex("S")))
}

/// Has the emulator issue a session and writes its token, due for a refresh (one minute
/// left: inside the mandatory window), as the AWS CLI would.
fn seed(home: &Home, emulator: &Emulator) -> String {
    let issued = emulator.issue_access_token(Duration::from_secs(60));
    let token = CachedToken {
        access_token: issued.access_token.clone().into(),
        expires_at: issued.expires_at,
        refresh_token: Some(issued.refresh_token.into()),
        client_id: Some(issued.client_id),
        client_secret: Some(issued.client_secret.into()),
        registration_expires_at: Some(issued.registration_expires_at),
        region: Some("us-east-1".into()),
        start_url: Some(START_URL.into()),
        unknown: Default::default(),
    };
    awscred_files::write_private_atomic(token_path(home), &token.to_json()).expect("token");
    issued.access_token
}

/// Makes the token in the file due for a refresh again, keeping its refresh token, and
/// empties the AWS CLI cache so that the next run needs the token. Returns its access token.
fn make_due(home: &Home, emulator: &Emulator) -> String {
    let path = token_path(home);
    let mut token = CachedToken::parse(&std::fs::read(&path).unwrap()).unwrap();
    token.expires_at = emulator.now() + Duration::from_secs(60);
    awscred_files::write_private_atomic(&path, &token.to_json()).unwrap();
    let _ = std::fs::remove_dir_all(home.cli_cache());
    token.access_token.into_inner()
}

/// `.*.tmp` files in `dir`.
fn orphans(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    name.starts_with('.') && name.ends_with(".tmp")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// JSON cache files (not hidden) that do not parse.
fn corrupted(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    !name.starts_with('.') && name.ends_with(".json")
                })
                .filter(|p| {
                    std::fs::read(p)
                        .ok()
                        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                        .is_none()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A small deterministic generator (xorshift64*): the kill points are reproducible from the
/// seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[lo, hi)` microseconds.
    fn micros(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_micros(lo + self.next() % (hi - lo).max(1))
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where a killed run was, from its `--debug` trace (each step is logged before it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// The CreateToken request was not sent: the old refresh token is still good.
    NotSent,
    /// Sent, and the process had not begun writing the answer.
    Sent,
    /// The process had the new token and had begun writing it; the lock was not released.
    Writing,
    /// The refresh was over (the lock released): the run was getting role credentials.
    Refreshed,
    /// The run ended by itself before the kill.
    Finished,
}

#[derive(Default, Debug)]
struct Figures {
    trials: u64,
    killed: u64,
    /// Runs by where they were when killed, and of those, the sessions lost.
    not_sent: u64,
    lost_not_sent: u64,
    sent: u64,
    lost_sent: u64,
    writing: u64,
    lost_writing: u64,
    refreshed: u64,
    lost_refreshed: u64,
    finished: u64,
    lost_finished: u64,
    /// Kills after which the new token was on disk (in the token file or a temporary file),
    /// and of those, the sessions lost.
    on_disk: u64,
    lost_on_disk: u64,
    corrupted: u64,
    sso_orphans_after_kill: u64,
    sso_orphans_after_next_run: u64,
    cli_orphans_after_next_run: u64,
}

/// How long an undisturbed refresh run takes, and when its CreateToken is sent, both from
/// spawn (the shortest of five runs: the kills should land inside runs, not after them).
fn calibrate(home: &Home, emulator: &Emulator) -> (Duration, Duration) {
    let mut total = Duration::MAX;
    let mut send = Duration::MAX;
    for _ in 0..5 {
        make_due(home, emulator);
        let mut running = common::start(awscred(
            home,
            &emulator.url(),
            &["--debug", "credentials", "--profile", PROFILE],
        ));
        let started = Instant::now();
        running.wait_for_line("path=/token", common::COMMAND_TIMEOUT);
        send = send.min(started.elapsed());
        running.finish(common::COMMAND_TIMEOUT).ok();
        total = total.min(started.elapsed());
    }
    (total, send)
}

fn kill_campaign(trials: u64, seed: u64) -> Figures {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed_session(&home, &emulator);
    let (mut total, send) = calibrate(&home, &emulator);
    // Half the kills anywhere in a run, half around the refresh (from a little before the
    // request to the end), where a session can be lost.
    let around = send.saturating_sub(Duration::from_millis(3));
    let mut rng = Rng(seed.max(1));
    let mut f = Figures::default();
    let token_name = token_path(&home)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    for trial in 0..trials {
        let old_access = make_due(&home, &emulator);
        let end = total.max(around + Duration::from_millis(1));
        let delay = if trial % 2 == 0 {
            rng.micros(0, end.as_micros() as u64)
        } else {
            rng.micros(around.as_micros() as u64, end.as_micros() as u64)
        };
        let mut cmd = awscred(
            &home,
            &emulator.url(),
            &["--debug", "credentials", "--profile", PROFILE],
        );
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("awscred starts");
        std::thread::sleep(delay);
        let killed = child.try_wait().expect("status").is_none();
        if killed {
            child.kill().expect("SIGKILL");
        }
        let out = child.wait_with_output().expect("awscred ended");
        let trace = String::from_utf8_lossy(&out.stderr);
        let reached = if !killed {
            Reached::Finished
        } else if trace.contains(" unlock path=") {
            Reached::Refreshed
        } else if trace.contains(&format!("write file path={}", token_path(&home).display())) {
            Reached::Writing
        } else if trace.contains("path=/token") {
            Reached::Sent
        } else {
            Reached::NotSent
        };
        f.trials += 1;
        match reached {
            Reached::NotSent => f.not_sent += 1,
            Reached::Sent => f.sent += 1,
            Reached::Writing => f.writing += 1,
            Reached::Refreshed => f.refreshed += 1,
            Reached::Finished => f.finished += 1,
        }
        f.killed += u64::from(killed);
        if !killed {
            // Runs get faster than the calibration once caches are warm, or slower under load:
            // a run that finished first narrows the window, so the kills keep landing inside.
            total = total.mul_f64(0.9);
        }

        // What the kill left on disk.
        let bad = corrupted(&home.sso_cache()).len() + corrupted(&home.cli_cache()).len();
        f.corrupted += bad as u64;
        let sso_orphans = orphans(&home.sso_cache());
        f.sso_orphans_after_kill += sso_orphans.len() as u64;
        let new_on_disk = std::iter::once(token_path(&home))
            .chain(sso_orphans.into_iter().filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!(".{token_name}."))
            }))
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| CachedToken::parse(&b).ok())
            .any(|t| t.access_token != old_access);
        f.on_disk += u64::from(killed && new_on_disk);

        // The next normal run: the session is lost when it needs a login.
        let _ = std::fs::remove_dir_all(home.cli_cache());
        let next = run(awscred(
            &home,
            &emulator.url(),
            &["credentials", "--profile", PROFILE],
        ));
        let lost = next.code != Some(0);
        if lost {
            assert_eq!(
                next.code,
                Some(4),
                "a lost session asks for a login: {}",
                next.stderr
            );
            match reached {
                Reached::NotSent => f.lost_not_sent += 1,
                Reached::Sent => f.lost_sent += 1,
                Reached::Writing => f.lost_writing += 1,
                Reached::Refreshed => f.lost_refreshed += 1,
                Reached::Finished => f.lost_finished += 1,
            }
            f.lost_on_disk += u64::from(new_on_disk);
            seed_session(&home, &emulator);
        }
        f.sso_orphans_after_next_run += orphans(&home.sso_cache()).len() as u64;
        f.cli_orphans_after_next_run += orphans(&home.cli_cache()).len() as u64;
        // Start every trial clean, so that each one's figures are its own.
        for p in orphans(&home.sso_cache())
            .into_iter()
            .chain(orphans(&home.cli_cache()))
        {
            let _ = std::fs::remove_file(p);
        }
    }
    f
}

fn seed_session(home: &Home, emulator: &Emulator) {
    seed(home, emulator);
}

#[test]
fn kill_9_at_random_points_of_a_refresh_loses_no_session_once_the_token_is_on_disk() {
    let trials = env_number("AWSCRED_KILL_TRIALS", 24);
    let seed = env_number("AWSCRED_KILL_SEED", 16);
    let f = kill_campaign(trials, seed);
    println!("kill -9 campaign (seed {seed}): {f:#?}");
    assert_eq!(f.corrupted, 0, "corrupted cache files: {f:#?}");
    assert_eq!(
        f.lost_not_sent, 0,
        "a kill before the refresh lost the session: {f:#?}"
    );
    assert_eq!(
        f.lost_refreshed + f.lost_finished,
        0,
        "a run killed after its refresh was over lost the session: {f:#?}"
    );
    assert_eq!(
        f.lost_on_disk, 0,
        "the new token was on disk and still lost: {f:#?}"
    );
    assert_eq!(
        f.sso_orphans_after_next_run, 0,
        "orphans left in the SSO cache: {f:#?}"
    );
    // The campaign means something only if kills landed in the refresh.
    assert!(f.killed * 3 >= f.trials, "too few runs were killed: {f:#?}");
    assert!(
        f.on_disk > 0,
        "no kill landed after the new token reached the disk: {f:#?}"
    );
}

/// Starts 16 `awscred credentials` at once against a session due for a refresh; the first
/// CreateToken is slowed so that the others pile up on the lock.
fn sixteen_at_once(home: &Home, emulator: &Emulator) -> Vec<common::Run> {
    emulator.clear_requests();
    emulator.inject("/token", Fault::Delay(Duration::from_millis(400)), 1);
    let running: Vec<_> = (0..16)
        .map(|_| {
            common::start(awscred(
                home,
                &emulator.url(),
                &["credentials", "--profile", PROFILE],
            ))
        })
        .collect();
    running
        .into_iter()
        .map(|r| r.finish(common::COMMAND_TIMEOUT))
        .collect()
}

#[test]
fn sixteen_processes_make_one_create_token_with_the_usual_lock() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed(&home, &emulator);
    let runs = sixteen_at_once(&home, &emulator);
    for r in &runs {
        r.ok();
    }
    assert_eq!(emulator.count("CreateToken"), 1);
}

#[test]
fn sixteen_processes_make_one_create_token_when_the_lock_file_cannot_be_opened() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed(&home, &emulator);
    // What `sudo awscred` leaves is a root-owned 0600 lock file; a test may run as root, for
    // whom no file mode is a barrier, so the unopenable lock here is a directory at its path.
    let lock = PathBuf::from(format!("{}.lock", token_path(&home).display()));
    std::fs::create_dir(&lock).unwrap();
    let runs = sixteen_at_once(&home, &emulator);
    for r in &runs {
        r.ok();
    }
    assert_eq!(emulator.count("CreateToken"), 1, "one refresh for all 16");
    let warned: Vec<_> = runs
        .iter()
        .filter(|r| {
            r.stderr
                .contains(&format!("the lock file {} cannot be used", lock.display()))
        })
        .collect();
    assert!(
        !warned.is_empty(),
        "no process named the unusable lock file"
    );
    for r in warned {
        assert!(
            r.stderr.contains(&format!("sudo rm {}", lock.display())),
            "{}",
            r.stderr
        );
    }
}

/// Makes a directory unwritable for the current user, root included, and undoes it on drop.
struct Unwritable(PathBuf);

impl Unwritable {
    fn new(dir: &Path) -> Option<Unwritable> {
        let root = std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false);
        let ok = if root {
            Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o500)).is_ok()
        };
        let guard = Unwritable(dir.to_path_buf());
        // Only a directory that really refuses a new file makes the test mean something.
        (ok && std::fs::write(dir.join("probe"), b"").is_err()).then_some(guard)
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o700));
    }
}

#[test]
fn a_refreshed_token_that_cannot_be_saved_still_gives_credentials_and_says_so() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed(&home, &emulator);
    let cache = home.sso_cache();
    let Some(_guard) = Unwritable::new(&cache) else {
        // chattr needs a file system that has the attribute (not tmpfs) and CAP_LINUX_IMMUTABLE.
        eprintln!("skipping: cannot make {} unwritable here", cache.display());
        return;
    };
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["credentials", "--profile", PROFILE],
    ));
    r.ok();
    assert!(r.stdout.contains("AccessKeyId"), "{}", r.stdout);
    assert_eq!(emulator.count("CreateToken"), 1);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("could not be saved"))
        .unwrap_or_else(|| panic!("no warning on stderr: {:?}", r.stderr));
    assert!(line.starts_with("awscred: warning: "), "{line}");
    assert!(
        line.contains(&token_path(&home).display().to_string()),
        "{line}"
    );
    assert!(line.contains("next run will need a new login"), "{line}");
    assert!(line.contains("awscred login"), "{line}");
    for secret in emulator.issued_secrets() {
        assert!(!r.stderr.contains(&secret), "a secret on stderr");
    }
}
