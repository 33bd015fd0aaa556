//! `awscred login` in the browser while other local programs poke at its loopback listener:
//! idle connections, a slow drip, a forged redirect with another `state`; and a login the user
//! denies in the browser. Real sockets on 127.0.0.1, the emulator playing IAM Identity Center.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;

/// The value of `name` in the authorize URL's query, percent-decoded (enough for these URLs).
fn query_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').expect("a query").1;
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"));
    raw.replace("%3A", ":").replace("%2F", "/")
}

/// The listener's port, from the `redirect_uri` in the authorize URL.
fn callback_port(url: &str) -> u16 {
    let redirect = query_param(url, "redirect_uri");
    let authority = redirect
        .strip_prefix("http://127.0.0.1:")
        .expect("a loopback redirect");
    authority
        .split('/')
        .next()
        .unwrap()
        .parse()
        .expect("a port")
}

/// Starts a browser login and returns it with the authorize URL it printed.
fn start_login(home: &Home, emulator: &Emulator) -> (Running, String) {
    let mut running = start(awscred(
        home,
        &emulator.url(),
        &["login", "--sso-session", "S"],
    ));
    let line = running.wait_for_line("/authorize?", Duration::from_secs(30));
    let url = line
        .split_whitespace()
        .find(|w| w.contains("/authorize?"))
        .expect("a URL on the line")
        .to_string();
    (running, url)
}

#[test]
fn the_login_completes_despite_idle_dripping_and_forged_requests() {
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).expect("the emulator");
    let home = Home::new(CONFIG);
    let (running, url) = start_login(&home, &emulator);
    let port = callback_port(&url);

    // Six connections that never send a byte, as a port scanner leaves them.
    let idle: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    // One that drips a request head a byte at a time.
    let stop = Arc::new(AtomicBool::new(false));
    let dripper = {
        let stop = stop.clone();
        // Connected before the real redirect can end the login, so the drip is really there.
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) && s.write_all(b"G").is_ok() {
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // A redirect forged by another program: a code, but not this login's state.
    let (status, _, page) = http_get(&format!(
        "http://127.0.0.1:{port}/oauth/callback?code=FORGED&state=00000000-0000-4000-8000-000000000000"
    ));
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("state does not match"), "{page}");
    assert!(!page.contains("approved"), "{page}");

    // The real redirect still arrives and completes the login.
    let (status, page) = browse(&url);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in"), "{page}");
    let run = running.finish(COMMAND_TIMEOUT);
    stop.store(true, Ordering::Relaxed);
    dripper.join().unwrap();
    drop(idle);
    run.ok();
    assert!(
        run.stdout
            .contains(&format!("Successfully logged into Start URL: {START_URL}")),
        "{}",
        run.stdout
    );
    assert_eq!(
        emulator.count("CreateToken"),
        1,
        "only the real code is exchanged"
    );
    assert_eq!(home.tokens().len(), 1);
}

#[test]
fn a_denial_in_the_browser_is_a_login_failure_with_the_services_reason() {
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_auto_approve(false)).expect("the emulator");
    let home = Home::new(CONFIG);
    let (running, url) = start_login(&home, &emulator);
    // The user opens the page, then clicks Deny.
    let (status, _, _) = http_get(&url);
    assert_eq!(status, 200, "the emulator shows its approve/deny page");
    let location = emulator
        .decide_authorization(&query_param(&url, "state"), false)
        .expect("a pending authorization");
    let (status, _, page) = http_get(&location);
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("the request was denied in the browser (access_denied)"),
        "{page}"
    );
    assert!(
        !page.contains("approved") && !page.contains("Signed in"),
        "{page}"
    );

    let run = running.finish(COMMAND_TIMEOUT);
    run.expect_code(4);
    assert!(
        run.stderr
            .contains("the request was denied in the browser (access_denied)"),
        "{}",
        run.stderr
    );
    assert_eq!(emulator.count("CreateToken"), 0);
    assert!(home.tokens().is_empty());
}
