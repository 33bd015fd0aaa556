//! `awscred console` against the emulator's sign-in federation endpoint: the profile's
//! temporary credentials become a sign-in token, the login URL made with it signs in and lands
//! on the destination, long-term keys and bad input are refused before any call.

mod common;

use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;

/// Seeds a live SSO token for the sso-session `S`, as a login would.
fn seed_token(emulator: &Emulator, home: &Home) {
    std::fs::create_dir_all(home.sso_cache()).expect("sso cache dir");
    let issued = emulator.issue_access_token(Duration::from_secs(3600));
    let token = serde_json::json!({
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": issued.access_token,
        "expiresAt": awscred_core::time::format_z(issued.expires_at),
        "clientId": issued.client_id,
        "clientSecret": issued.client_secret,
        "registrationExpiresAt": awscred_core::time::format_z(issued.registration_expires_at),
        "refreshToken": issued.refresh_token,
    });
    std::fs::write(
        home.sso_cache().join(format!("{}.json", sha1_hex("S"))),
        token.to_string(),
    )
    .expect("token file");
}

fn setup() -> (Emulator, Home) {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let home = Home::new(CONFIG);
    seed_token(&emulator, &home);
    (emulator, home)
}

/// The decoded query parameter `name` of `url`.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn print_gives_a_url_that_signs_in_and_lands_on_the_console() {
    let (emulator, home) = setup();
    let url = emulator.url();
    let r = run(awscred(
        &home,
        &url,
        &["console", "--profile", "sso", "--print"],
    ));
    r.ok();
    let login = r.stdout.trim();
    assert!(
        login.starts_with(&format!("{url}/federation?Action=login&")),
        "{login}"
    );
    // The profile's region picks the console of its partition.
    assert_eq!(
        param(login, "Destination").as_deref(),
        Some("https://console.aws.amazon.com/console/home?region=eu-west-1")
    );
    assert_eq!(emulator.count("GetSigninToken"), 1);
    // No SessionDuration unless asked.
    let sent = emulator
        .requests()
        .into_iter()
        .find(|q| q.operation == "GetSigninToken")
        .unwrap();
    assert!(!sent.query.contains("SessionDuration"), "{}", sent.query);
    assert!(
        sent.query.contains("Session=**"),
        "the emulator logs no session"
    );

    // The URL works once, in a browser: the endpoint redirects to the destination.
    let (status, location, _) = http_get(login);
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("https://console.aws.amazon.com/console/home?region=eu-west-1")
    );
    assert_no_secrets(&emulator, &[("stderr".into(), r.stderr.clone())]);
}

#[test]
fn destination_and_duration_are_passed() {
    let (emulator, home) = setup();
    let url = emulator.url();
    let r = run(awscred(
        &home,
        &url,
        &[
            "console",
            "--profile",
            "chained",
            "--print",
            "--duration",
            "43200",
            "--destination",
            "https://console.aws.amazon.com/s3/home?region=us-east-1",
        ],
    ));
    r.ok();
    let login = r.stdout.trim();
    let (status, location, _) = http_get(login);
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("https://console.aws.amazon.com/s3/home?region=us-east-1")
    );
    let sent = emulator
        .requests()
        .into_iter()
        .find(|q| q.operation == "GetSigninToken")
        .unwrap();
    assert!(
        sent.query.contains("SessionDuration=43200"),
        "{}",
        sent.query
    );
    assert_eq!(sent.status, 200);
}

#[test]
fn long_term_keys_and_bad_input_are_refused_before_any_call() {
    let (emulator, home) = setup();
    let url = emulator.url();
    let r = run(awscred(
        &home,
        &url,
        &["console", "--profile", "static", "--print"],
    ));
    r.expect_code(3);
    assert!(
        r.stderr.contains("long-term access keys") && r.stderr.contains("source_profile = static"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("emulator-static-secret-key"));
    let r = run(awscred(
        &home,
        &url,
        &["console", "--profile", "sso", "--duration", "60"],
    ));
    r.expect_code(3);
    assert!(r.stderr.contains("900 to 43200"), "{}", r.stderr);
    let r = run(awscred(
        &home,
        &url,
        &[
            "console",
            "--profile",
            "sso",
            "--destination",
            "javascript:alert(1)",
        ],
    ));
    r.expect_code(3);
    assert!(r.stderr.contains("not an https:// URL"), "{}", r.stderr);
    assert_eq!(emulator.count("GetSigninToken"), 0);
}

#[test]
fn without_a_browser_the_url_is_printed_with_a_note() {
    let (emulator, home) = setup();
    let url = emulator.url();
    // `awscred` runs with AWSCRED_NO_BROWSER=1 in the tests.
    let r = run(awscred(&home, &url, &["console", "--profile", "sso"]));
    r.ok();
    assert!(
        r.stderr.contains("AWSCRED_NO_BROWSER is set"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout
            .starts_with(&format!("{url}/federation?Action=login&"))
    );
    let mut cmd = awscred(
        &home,
        &url,
        &["console", "--profile", "sso", "--no-browser"],
    );
    cmd.env_remove("AWSCRED_NO_BROWSER");
    let r = run(cmd);
    r.ok();
    assert!(r.stderr.contains("--no-browser"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn the_browser_gets_the_url() {
    use std::os::unix::fs::PermissionsExt;
    let (emulator, home) = setup();
    let url = emulator.url();
    let opened = home.path().join("opened.txt");
    let browser = home.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = awscred(&home, &url, &["console", "--profile", "sso"]);
    cmd.env_remove("AWSCRED_NO_BROWSER")
        .env("BROWSER", browser.display().to_string());
    let r = run(cmd);
    r.ok();
    assert_eq!(
        r.stdout, "",
        "the URL is not printed when a browser opened it"
    );
    assert!(r.stderr.contains("opened the AWS console"), "{}", r.stderr);
    let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
    let login = loop {
        if let Ok(text) = std::fs::read_to_string(&opened)
            && !text.is_empty()
        {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser was not started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let (status, _, _) = http_get(&login);
    assert_eq!(status, 302, "{login}");
}

#[test]
fn an_expired_or_forged_token_does_not_sign_in() {
    let (emulator, home) = setup();
    let url = emulator.url();
    let r = run(awscred(
        &home,
        &url,
        &["console", "--profile", "sso", "--print"],
    ));
    r.ok();
    let login = r.stdout.trim().to_string();
    let token = param(&login, "SigninToken").unwrap();
    let forged = login.replace(
        &format!(
            "SigninToken={}",
            &login.split("SigninToken=").nth(1).unwrap()
        ),
        &format!("SigninToken={}x", token),
    );
    assert_eq!(http_get(&forged).0, 400);
    emulator.advance(Duration::from_secs(16 * 60));
    assert_eq!(http_get(&login).0, 400, "a sign-in token lasts 15 minutes");
}
