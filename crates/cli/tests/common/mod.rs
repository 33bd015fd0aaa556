//! What the CLI test files share: a throw-away home with an `~/.aws/config`, running `awscred`
//! and the AWS CLI in a clean environment, and a tiny browser that follows the emulator's
//! `/authorize` redirect to the loopback callback of whichever tool is logging in.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use awscred_emulator::Emulator;

/// An AWS-owned start URL: the AWS CLI accepts it without a network call (docs/sso-oidc-and-login.md §5 item 2).
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";

/// A config with every kind of profile the tests use: sso-session, legacy SSO, a role chained
/// on the sso-session profile, and static keys the emulator's STS knows.
pub const CONFIG: &str = "\
[sso-session S]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sso]
sso_session = S
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = eu-west-1

[profile legacy]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444455556666
sso_role_name = Deployer
region = us-east-1

[profile chained]
source_profile = sso
role_arn = arn:aws:iam::777788889999:role/Chained
region = us-east-1

[profile static]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = emulator-static-secret-key
region = us-east-1
";

/// The profiles of [`CONFIG`].
pub const PROFILES: [&str; 4] = ["sso", "legacy", "chained", "static"];

/// Every `--format` both `awscred credentials` and `aws configure export-credentials` take.
pub const FORMATS: [&str; 6] = [
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
];

/// How long any one command may take before the test gives up on it.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(45);

/// A temporary `HOME` holding `.aws/config`.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// A home whose `~/.aws/config` is `config`.
    pub fn new(config: &str) -> Home {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join(".aws")).expect("~/.aws");
        std::fs::write(dir.path().join(".aws/config"), config).expect("~/.aws/config");
        Home { dir }
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `~/.aws/config`.
    pub fn config_path(&self) -> PathBuf {
        self.path().join(".aws/config")
    }

    /// `~/.aws/sso/cache`.
    pub fn sso_cache(&self) -> PathBuf {
        self.path().join(".aws/sso/cache")
    }

    /// `~/.aws/cli/cache`.
    pub fn cli_cache(&self) -> PathBuf {
        self.path().join(".aws/cli/cache")
    }

    /// The parsed JSON files of a cache directory, by file name (none when it does not exist).
    pub fn json_files(dir: &Path) -> Vec<(String, serde_json::Value)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut files: Vec<(String, serde_json::Value)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(e.path()).expect("a readable cache file");
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("{name} is not JSON: {err}"));
                (name, value)
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    }

    /// The SSO token files (those with an `accessToken`).
    pub fn tokens(&self) -> Vec<(String, serde_json::Value)> {
        Self::json_files(&self.sso_cache())
            .into_iter()
            .filter(|(_, v)| v.get("accessToken").is_some())
            .collect()
    }

    /// The client registration files (those without an `accessToken`).
    pub fn registrations(&self) -> Vec<(String, serde_json::Value)> {
        Self::json_files(&self.sso_cache())
            .into_iter()
            .filter(|(_, v)| v.get("accessToken").is_none())
            .collect()
    }

    /// The cached role credentials of `~/.aws/cli/cache`.
    pub fn cli_cache_entries(&self) -> Vec<(String, serde_json::Value)> {
        Self::json_files(&self.cli_cache())
    }
}

/// `lower-hex(sha1(key))`: the SSO token cache file stem (docs/token-cache.md §1), from the `sha1` the core uses.
pub fn sha1_hex(key: &str) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(key.as_bytes()))
}

/// A clean environment for a tool: nothing of the caller's but `PATH`, `HOME` in `home`, every
/// AWS endpoint at `endpoint`, no browser, no pager.
pub fn clean(cmd: &mut Command, home: &Home, endpoint: &str) {
    cmd.env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWSCRED_NO_BROWSER", "1")
        .env("AWS_PAGER", "")
        .current_dir(home.path());
}

/// `awscred ARGS` in a clean environment. `DISPLAY` is set, so awscred takes the machine for a
/// desktop (it would use the device code on a headless one); tests of headless logins remove it.
pub fn awscred(home: &Home, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    clean(&mut cmd, home, endpoint);
    cmd.env("DISPLAY", ":0");
    cmd.args(args);
    cmd
}

/// What a finished command left.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The command line, for failure messages.
    pub what: String,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "`{}` exited with {:?}, expected {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the command succeeded.
    pub fn ok(&self) -> &Run {
        self.expect_code(0)
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// A running command whose output lines arrive on a channel as they are printed.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    readers: Vec<std::thread::JoinHandle<String>>,
    seen: Vec<String>,
    what: String,
}

/// Starts `cmd` with both output streams read line by line in the background.
pub fn start(mut cmd: Command) -> Running {
    let what = describe(&cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start `{what}`: {e}"));
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let readers = vec![reader(stdout, tx.clone()), reader(stderr, tx)];
    Running {
        child,
        lines: rx,
        readers,
        seen: Vec::new(),
        what,
    }
}

fn reader(
    stream: impl Read + Send + 'static,
    tx: mpsc::Sender<String>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut all = String::new();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while let Ok(n) = reader.read_line(&mut line) {
            if n == 0 {
                break;
            }
            all.push_str(&line);
            let _ = tx.send(line.clone());
            line.clear();
        }
        all
    })
}

impl Running {
    /// Waits for an output line (either stream) containing `needle`; returns the line trimmed.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line.trim().to_string();
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "`{}` printed no line containing {needle:?} within {timeout:?}; it printed:\n{}",
                        self.what,
                        self.seen.concat()
                    );
                }
            }
        }
    }

    /// Waits for the command to end (killing it after `timeout`) and collects its output.
    pub fn finish(mut self, timeout: Duration) -> Run {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
            }
        };
        let mut streams = self
            .readers
            .into_iter()
            .map(|h| h.join().unwrap_or_default());
        let stdout = streams.next().unwrap_or_default();
        let stderr = streams.next().unwrap_or_default();
        let run = Run {
            code: status.and_then(|s| s.code()),
            stdout,
            stderr,
            what: self.what,
        };
        assert!(
            status.is_some(),
            "`{}` did not finish within {timeout:?}\n--- stdout\n{}\n--- stderr\n{}",
            run.what,
            run.stdout,
            run.stderr
        );
        run
    }
}

/// Runs `cmd` to its end (at most [`COMMAND_TIMEOUT`]).
pub fn run(cmd: Command) -> Run {
    start(cmd).finish(COMMAND_TIMEOUT)
}

/// Runs a login command that opens an authorize URL, playing the browser: waits for the URL on
/// its output, lets the emulator (auto-approving) redirect to the tool's loopback callback and
/// calls that callback. Returns the finished run.
pub fn login_in_browser(cmd: Command, emulator: &Emulator) -> Run {
    let mut running = start(cmd);
    let line = running.wait_for_line("/authorize?", Duration::from_secs(30));
    let url = line
        .split_whitespace()
        .find(|w| w.contains("/authorize?"))
        .expect("a URL on the line")
        .to_string();
    assert!(
        url.starts_with(&emulator.url()),
        "the authorize URL {url} is not the emulator's ({})",
        emulator.url()
    );
    let (status, body) = browse(&url);
    let run = running.finish(COMMAND_TIMEOUT);
    assert_eq!(
        status, 200,
        "the loopback callback answered {status} ({body}); the tool said:\n{}\n{}",
        run.stdout, run.stderr
    );
    run
}

/// What a browser does with an authorize URL: GET it, follow the redirect to the loopback
/// callback, GET that. Returns the callback's status and body.
pub fn browse(authorize_url: &str) -> (u16, String) {
    let (status, location, body) = http_get(authorize_url);
    assert_eq!(
        status, 302,
        "the emulator's /authorize answered {status} instead of a redirect: {body}"
    );
    let location = location.expect("a Location header");
    assert!(
        location.starts_with("http://127.0.0.1:") && location.contains("/oauth/callback?"),
        "the redirect does not go to a loopback callback: {location}"
    );
    let (status, _, body) = http_get(&location);
    (status, body)
}

/// A minimal HTTP/1.1 GET of an `http://127.0.0.1:PORT/…` URL, without following redirects:
/// status, `Location` header, body.
pub fn http_get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status line from {authority}: {text:?}"));
    let location = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    (status, location, body.to_string())
}

/// Panics naming the text if any issued secret occurs in any of `texts` (labelled).
pub fn assert_no_secrets(emulator: &Emulator, texts: &[(String, String)]) {
    let secrets = emulator.issued_secrets();
    assert!(!secrets.is_empty(), "the emulator issued no secrets at all");
    for (label, text) in texts {
        for secret in &secrets {
            // Short issued values (none today) could match by chance; every secret is long.
            if secret.len() >= 8 && text.contains(secret.as_str()) {
                panic!(
                    "an issued secret ({} chars) appears in {label}",
                    secret.len()
                );
            }
        }
    }
}

/// The AWS CLI v2 the interop tests run against (`awscred_emulator::interop`).
/// (Not every test binary that includes this module runs it.)
#[allow(unused_imports)]
pub use awscred_emulator::interop::aws_cli;
