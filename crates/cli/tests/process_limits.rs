//! `credential_process` limits through the `awscred` binary: a command that hangs is stopped at
//! the timeout `AWSCRED_CREDENTIAL_PROCESS_TIMEOUT` sets, and one that prints without end is
//! refused at 1 MiB, each with a one-line error that names the command and what to do.

mod common;

use common::*;

const PROCESS_CONFIG: &str = "\
[profile hangs]
credential_process = sleep 600

[profile floods]
credential_process = yes AKIDFLOOD

[profile fails]
credential_process = sh -c 'printf \"\\033[2J\\342\\200\\256oops\\n\" >&2; exit 7'
";

#[test]
fn a_hanging_credential_process_is_stopped_at_the_configured_timeout() {
    let home = Home::new(PROCESS_CONFIG);
    let mut cmd = awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "hangs"],
    );
    cmd.env("AWSCRED_CREDENTIAL_PROCESS_TIMEOUT", "1");
    let r = run(cmd);
    r.expect_code(1);
    assert!(
        r.stderr.contains("`sleep` did not finish within 1 s")
            && r.stderr.contains("AWSCRED_CREDENTIAL_PROCESS_TIMEOUT"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());

    let mut cmd = awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "hangs"],
    );
    cmd.env("AWSCRED_CREDENTIAL_PROCESS_TIMEOUT", "soon");
    let r = run(cmd);
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("whole number of seconds"), "{}", r.stderr);
}

#[test]
fn endless_credential_process_output_is_refused() {
    let home = Home::new(PROCESS_CONFIG);
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "floods"],
    ));
    r.expect_code(1);
    assert!(r.stderr.contains("more than 1 MiB"), "{}", r.stderr);
    assert!(!r.stderr.contains("AKIDFLOOD"), "{}", r.stderr);
}

#[test]
fn a_failing_credential_process_is_reported_without_its_escape_sequences() {
    let home = Home::new(PROCESS_CONFIG);
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "fails"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr.contains("exited with code 7: [2Joops"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .chars()
            .all(|c| c == '\n' || awscred_core::printable::is_printable(c)),
        "{:?}",
        r.stderr
    );
}
