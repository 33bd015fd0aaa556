//! The CLI on a corporate network, end to end against the TLS emulator: the CA trusted
//! through `AWS_CA_BUNDLE`, the profile's `ca_bundle` or the OS store (`SSL_CERT_FILE`, which
//! rustls-native-certs reads on Linux), an authenticating CONNECT proxy, and the exit codes
//! and messages of an untrusted certificate, a refusing proxy and an empty `AWS_CA_BUNDLE`.

mod common;

use std::process::Command;

use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
use awscred_emulator::tls::PROXIED_NAME;
use awscred_emulator::{Emulator, EmulatorConfig};
use common::{CONFIG, Home, awscred, run};

const NETWORK: i32 = 6;
const CONFIG_ERROR: i32 = 3;

fn tls_emulator() -> Emulator {
    Emulator::start_tls(EmulatorConfig::demo().with_auto_approve(true))
        .expect("the TLS emulator starts")
}

fn write_ca(home: &Home, emulator: &Emulator) -> String {
    let path = home.path().join("corporate-ca.pem");
    emulator.write_ca(&path).unwrap();
    path.display().to_string()
}

fn with_env(mut cmd: Command, vars: &[(&str, &str)]) -> Command {
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn login(home: &Home, url: &str, vars: &[(&str, &str)]) {
    run(with_env(
        awscred(
            home,
            url,
            &["login", "--sso-session", "S", "--use-device-code"],
        ),
        vars,
    ))
    .ok();
}

#[test]
fn device_code_login_and_an_assume_role_chain_through_an_authenticating_proxy() {
    let emulator = tls_emulator();
    let home = Home::new(CONFIG);
    let ca = write_ca(&home, &emulator);
    login(&home, &emulator.url(), &[("AWS_CA_BUNDLE", &ca)]);
    assert_eq!(emulator.count("StartDeviceAuthorization"), 1);

    let proxy =
        ConnectProxy::start(ProxyOptions::default().with_credentials("corp", "hunter2")).unwrap();
    let proxied = format!("https://{PROXIED_NAME}:{}", emulator.port());
    let with_credentials = format!("http://corp:hunter2@127.0.0.1:{}", proxy.port());
    let r = run(with_env(
        awscred(
            &home,
            &proxied,
            &["--debug", "credentials", "--profile", "chained"],
        ),
        &[("AWS_CA_BUNDLE", &ca), ("HTTPS_PROXY", &with_credentials)],
    ));
    r.ok();
    assert!(r.stdout.contains("\"AccessKeyId\""), "{}", r.stdout);
    assert!(
        !r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"),
        "the proxy password is never shown"
    );
    let tunnels = proxy.tunnels();
    // GetRoleCredentials and AssumeRole share one tunnel (same host, kept alive).
    assert!(!tunnels.is_empty(), "the calls went through the proxy");
    assert!(
        tunnels
            .iter()
            .all(|t| t.status == 200 && t.target == format!("{PROXIED_NAME}:{}", emulator.port()))
    );
    assert_eq!(
        (
            emulator.count("GetRoleCredentials"),
            emulator.count("AssumeRole")
        ),
        (1, 1)
    );

    // Without the credentials the proxy answers 407: a network failure naming the variable.
    // (The CLI cache would answer without the network: empty it.)
    std::fs::remove_dir_all(home.cli_cache()).unwrap();
    let r = run(with_env(
        awscred(&home, &proxied, &["credentials", "--profile", "chained"]),
        &[("AWS_CA_BUNDLE", &ca), ("HTTPS_PROXY", &proxy.url())],
    ));
    r.expect_code(NETWORK);
    assert!(
        r.stderr.contains("HTTP 407") && r.stderr.contains("HTTPS_PROXY"),
        "{}",
        r.stderr
    );
}

#[test]
fn untrusted_certificates_exit_network_and_name_the_fix() {
    let emulator = tls_emulator();
    let home = Home::new(CONFIG);
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["login", "--sso-session", "S", "--use-device-code"],
    ));
    r.expect_code(NETWORK);
    assert!(
        r.stderr
            .contains("the TLS certificate of 127.0.0.1 is not trusted")
            && r.stderr
                .contains("set AWS_CA_BUNDLE or ca_bundle to your organisation's CA bundle"),
        "{}",
        r.stderr
    );
    let r = run(with_env(
        awscred(
            &home,
            &emulator.url(),
            &["login", "--sso-session", "S", "--use-device-code"],
        ),
        &[("AWS_CA_BUNDLE", "")],
    ));
    r.expect_code(CONFIG_ERROR);
    assert!(
        r.stderr.contains("AWS_CA_BUNDLE is set but empty"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_os_store_and_the_profile_bundle_are_trusted() {
    let emulator = tls_emulator();
    let home = Home::new(CONFIG);
    let ca = write_ca(&home, &emulator);
    // A CA "installed in the OS" (SSL_CERT_FILE is where rustls-native-certs looks first).
    login(&home, &emulator.url(), &[("SSL_CERT_FILE", &ca)]);
    // A profile's ca_bundle, picked by --profile.
    let config = CONFIG.replacen(
        "[profile sso]\n",
        &format!("[profile sso]\nca_bundle = {ca}\n"),
        1,
    );
    std::fs::write(home.config_path(), config).unwrap();
    run(awscred(
        &home,
        &emulator.url(),
        &["credentials", "--profile", "sso"],
    ))
    .ok();
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
}
