use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_listens_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscred-emulator"))
        .args(["--port", "0", "--auto-approve"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read");
    let port: u16 = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let r = crate::client::send(port, "GET", "/assignment/accounts", &[], b"");
    child.kill().expect("kill");
    let _ = child.wait();
    assert_eq!(r.status, 401);

    let out = Command::new(env!("CARGO_BIN_EXE_awscred-emulator"))
        .arg("--bogus")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument `--bogus`"));
}
