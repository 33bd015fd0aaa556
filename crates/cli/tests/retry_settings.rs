//! `AWS_MAX_ATTEMPTS` and the profile's `max_attempts` decide how many requests the commands
//! beyond `credentials` make too (`accounts`, `login`), as the AWS CLI applies its retry
//! settings to every client: counted at the emulator, with its `500` fault on every attempt.

mod common;

use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use common::{CONFIG, Home, awscred, run};

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).expect("the emulator starts")
}

/// Logs in to `S` with the device code, so that `accounts` has a token to use.
fn logged_in(home: &Home, url: &str) {
    run(awscred(
        home,
        url,
        &["login", "--sso-session", "S", "--use-device-code"],
    ))
    .ok();
}

/// Runs `awscred accounts --profile sso` with `vars`, every ListAccounts failing with 500, and
/// returns how many ListAccounts requests reached the emulator.
fn list_accounts_attempts(config: &str, vars: &[(&str, &str)]) -> usize {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(config);
    logged_in(&home, &url);
    emulator.inject("ListAccounts", Fault::ServerError, 100);
    let mut cmd = awscred(&home, &url, &["accounts", "--profile", "sso"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let r = run(cmd);
    assert_ne!(r.code, Some(0), "accounts succeeded against a 500: {r:?}");
    emulator.count("ListAccounts")
}

#[test]
fn accounts_with_aws_max_attempts_one_makes_one_request() {
    assert_eq!(
        list_accounts_attempts(CONFIG, &[("AWS_MAX_ATTEMPTS", "1")]),
        1
    );
}

#[test]
fn accounts_honours_the_profiles_max_attempts() {
    let config = CONFIG.replace("[profile sso]\n", "[profile sso]\nmax_attempts = 2\n");
    assert_eq!(list_accounts_attempts(&config, &[]), 2);
}

#[test]
fn device_code_login_with_aws_max_attempts_one_registers_once() {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    emulator.inject("RegisterClient", Fault::ServerError, 100);
    let mut cmd = awscred(
        &home,
        &url,
        &["login", "--sso-session", "S", "--use-device-code"],
    );
    cmd.env("AWS_MAX_ATTEMPTS", "1");
    let r = run(cmd);
    assert_ne!(r.code, Some(0), "login succeeded against a 500: {r:?}");
    assert_eq!(emulator.count("RegisterClient"), 1);
}

#[test]
fn logout_with_aws_max_attempts_one_calls_logout_once() {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    logged_in(&home, &url);
    emulator.inject("Logout", Fault::ServerError, 100);
    let mut cmd = awscred(&home, &url, &["logout"]);
    cmd.env("AWS_MAX_ATTEMPTS", "1");
    run(cmd);
    assert_eq!(emulator.count("Logout"), 1);
}
