//! Running a `credential_process` command the way botocore does: split POSIX-shell style,
//! run without a shell, standard output and error captured — with limits botocore does not
//! have: standard output is capped, and a command that does not finish in time is stopped.
//!
//! The limits. A `credential_process` prints one JSON document of a few hundred bytes
//! (botocore's `ProcessProvider`, the AWS CLI's "Sourcing credentials with an external
//! process" page), so [`MAX_STDOUT`] (1 MiB) refuses only garbage, and refuses it before it
//! fills memory. The timeout must not break helpers that wait for a person — an MFA prompt, a
//! hardware key, or a browser sign-in that itself waits up to 600 s as `aws sso login` does —
//! so [`DEFAULT_TIMEOUT`] is 15 minutes: the longest such sign-in plus generous room; it only
//! turns a hung helper into an error instead of a hang. [`TIMEOUT_ENV`] changes it.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// The most standard output accepted (1 MiB); more is refused and the command stopped.
pub const MAX_STDOUT: usize = 1024 * 1024;

/// The most standard error kept (64 KiB, for the error's excerpt); the rest is read and dropped
/// so that the command never blocks on a full pipe.
pub const MAX_STDERR: usize = 64 * 1024;

/// How long a command may run unless [`TIMEOUT_ENV`] says otherwise (15 minutes).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The environment variable that sets the timeout, in whole seconds (at least 1).
pub const TIMEOUT_ENV: &str = "AWSCRED_CREDENTIAL_PROCESS_TIMEOUT";

/// The most characters of the program's name quoted in an error.
const PROGRAM_CHARS: usize = 100;

/// What the command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Exit code, `None` when a signal ended it.
    pub status: Option<i32>,
    /// Standard output (at most [`Limits::max_stdout`] bytes).
    pub stdout: Vec<u8>,
    /// The first [`MAX_STDERR`] bytes of standard error.
    pub stderr: Vec<u8>,
}

/// How long a command may run and how much it may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The command is stopped (killed) after this long.
    pub timeout: Duration,
    /// More standard output than this is refused.
    pub max_stdout: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            max_stdout: MAX_STDOUT,
        }
    }
}

impl Limits {
    /// The defaults, with the timeout from [`TIMEOUT_ENV`] when it is set.
    pub fn from_env() -> io::Result<Limits> {
        Limits::from_env_value(std::env::var_os(TIMEOUT_ENV).as_deref())
    }

    /// The defaults, with the timeout from `value` (the value of [`TIMEOUT_ENV`], if set).
    pub fn from_env_value(value: Option<&OsStr>) -> io::Result<Limits> {
        let mut limits = Limits::default();
        if let Some(value) = value {
            let secs = value
                .to_str()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "{TIMEOUT_ENV} must be a whole number of seconds, at least 1 \
                             (it is {:?}); unset it for the default of {} s",
                            value.to_string_lossy().chars().take(40).collect::<String>(),
                            DEFAULT_TIMEOUT.as_secs()
                        ),
                    )
                })?;
            limits.timeout = Duration::from_secs(secs);
        }
        Ok(limits)
    }
}

/// Runs `command_line` with the [`Limits`] of the environment ([`Limits::from_env`]).
/// Standard input stays the caller's, so a nested tool can still prompt.
pub fn run(command_line: &str) -> io::Result<Finished> {
    run_with(command_line, Limits::from_env()?)
}

/// Runs `command_line` within `limits`. Standard input stays the caller's.
///
/// Fails with [`io::ErrorKind::TimedOut`] when the command (or something it started that still
/// holds its output open) runs past the timeout, and with [`io::ErrorKind::InvalidData`] when
/// it prints more than the cap; in both cases the command is killed. Error messages name the
/// program, never what it printed.
pub fn run_with(command_line: &str, limits: Limits) -> io::Result<Finished> {
    let words = shlex::split(command_line).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the command line has an unclosed quote or a trailing backslash",
        )
    })?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the command line is empty"))?;
    let name = printable_name(program);
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("could not start `{name}`: {e}")))?;
    let deadline = Instant::now() + limits.timeout;
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        read_stdout(out, limits.max_stdout, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        read_stderr(err, tx);
    }
    let outcome = collect(&mut child, &rx, deadline);
    match outcome {
        Ok(finished) => Ok(finished),
        Err(stop) => {
            // Kill before reporting, and reap, so no zombie or stray helper is left behind.
            let _ = child.kill();
            let _ = child.wait();
            Err(match stop {
                Stop::TooLarge => io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "`{name}` printed more than {} on standard output, so its output was \
                         refused and it was stopped (a credential_process prints one small JSON \
                         document)",
                        size(limits.max_stdout)
                    ),
                ),
                Stop::TimedOut => io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "`{name}` did not finish within {} s and was stopped; if it needs longer \
                         (it waits for you to sign in), set {TIMEOUT_ENV} to more seconds",
                        limits.timeout.as_secs_f64().ceil() as u64
                    ),
                ),
                Stop::Io(e) => e,
            })
        }
    }
}

/// Why a run was stopped.
enum Stop {
    TooLarge,
    TimedOut,
    Io(io::Error),
}

/// What a reader thread reports.
enum Event {
    Stdout(Vec<u8>),
    StdoutTooLarge,
    Stderr(Vec<u8>),
}

/// Waits for the exit and both streams' ends, until `deadline`.
fn collect(child: &mut Child, rx: &Receiver<Event>, deadline: Instant) -> Result<Finished, Stop> {
    let mut stdout = None;
    let mut stderr = None;
    let mut status = None;
    loop {
        if status.is_none() {
            status = child.try_wait().map_err(Stop::Io)?;
        }
        if let Some(done) = status
            && stdout.is_some()
            && stderr.is_some()
        {
            let done: std::process::ExitStatus = done;
            return Ok(Finished {
                status: done.code(),
                stdout: stdout.take().unwrap_or_default(),
                stderr: stderr.take().unwrap_or_default(),
            });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stop::TimedOut);
        }
        // The readers' events double as the poll interval for the exit status.
        match rx.recv_timeout(left.min(Duration::from_millis(10))) {
            Ok(Event::Stdout(bytes)) => stdout = Some(bytes),
            Ok(Event::Stderr(bytes)) => stderr = Some(bytes),
            Ok(Event::StdoutTooLarge) => return Err(Stop::TooLarge),
            Err(RecvTimeoutError::Timeout) => {}
            // Both readers are gone without reporting (cannot happen; they always report).
            Err(RecvTimeoutError::Disconnected) => {
                stdout.get_or_insert_with(Vec::new);
                stderr.get_or_insert_with(Vec::new);
            }
        }
    }
}

/// Reads standard output to its end on a thread, reporting as soon as it passes `max`.
fn read_stdout(out: ChildStdout, max: usize, tx: Sender<Event>) {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
        let event = match out.take(cap).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() > max => Event::StdoutTooLarge,
            _ => Event::Stdout(bytes),
        };
        let _ = tx.send(event);
    });
}

/// Reads standard error to its end on a thread, keeping the first [`MAX_STDERR`] bytes.
fn read_stderr(mut err: ChildStderr, tx: Sender<Event>) {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match err.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = MAX_STDERR.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(Event::Stderr(kept));
    });
}

/// The program's name for a message: no control characters, cut short.
fn printable_name(program: &str) -> String {
    awscred_core::printable::printable(program, PROGRAM_CHARS)
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell_and_captures_output() {
        let f = run_with(
            "sh -c 'echo \"a b\"; echo err >&2; exit 3'",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(f.status, Some(3));
        assert_eq!(f.stdout, b"a b\n");
        assert_eq!(f.stderr, b"err\n");
    }

    #[test]
    fn bad_command_lines_are_errors() {
        assert!(run_with("echo 'unclosed", Limits::default()).is_err());
        assert!(run_with("   ", Limits::default()).is_err());
        let e = run_with("/nonexistent/awscred-\x1b[31mtest", Limits::default()).unwrap_err();
        assert!(!e.to_string().contains('\x1b'), "{e}");
    }

    #[test]
    fn more_output_than_the_cap_is_refused() {
        let e = run_with("head -c 3000000 /dev/zero", Limits::default()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("more than 1 MiB"), "{e}");
        // An endless writer is stopped too, not read to the end.
        let e = run_with("yes", Limits::default()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        // Exactly the cap is accepted.
        let f = run_with(
            "head -c 1000 /dev/zero",
            Limits {
                max_stdout: 1000,
                ..Limits::default()
            },
        )
        .unwrap();
        assert_eq!(f.stdout.len(), 1000);
    }

    #[test]
    fn a_hanging_command_is_stopped_at_the_timeout() {
        let limits = Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let e = run_with("sleep 60", limits).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(
            e.to_string().contains("`sleep` did not finish within 1 s"),
            "{e}"
        );
        assert!(e.to_string().contains(TIMEOUT_ENV), "{e}");
    }

    #[test]
    fn stderr_is_kept_only_up_to_its_cap() {
        let f = run_with("sh -c 'head -c 1000000 /dev/zero >&2'", Limits::default()).unwrap();
        assert_eq!(f.status, Some(0));
        assert_eq!(f.stderr.len(), MAX_STDERR);
    }

    #[test]
    fn the_timeout_comes_from_the_environment() {
        assert_eq!(Limits::from_env_value(None).unwrap(), Limits::default());
        assert_eq!(
            Limits::from_env_value(Some(OsStr::new("90")))
                .unwrap()
                .timeout,
            Duration::from_secs(90)
        );
        for bad in ["0", "-1", "ten", "1.5", ""] {
            let e = Limits::from_env_value(Some(OsStr::new(bad))).unwrap_err();
            assert!(e.to_string().contains(TIMEOUT_ENV), "{e}");
        }
    }
}
