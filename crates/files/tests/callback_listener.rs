//! The OAuth redirect listener against real TCP clients on 127.0.0.1: idle connections, a
//! slowloris drip, stray and forged requests, while the real redirect arrives.
//!
//! The clients' read timeouts (5 s) and the result wait (30 s) are hang detectors, far above
//! what the listener needs, not speed measurements: before the listener served connections at
//! once, each idle connection held the redirect up for the full 10 s request timeout, and a
//! drip held the whole wait for as long as it dripped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use awscred_core::oidc::callback::CallbackCheck;
use awscred_files::callback::CallbackListener;

const STATE: &str = "2d9a0f6e-1b2c-4d5e-8f90-123456789abc";
const HANG: Duration = Duration::from_secs(30);

/// Sends `GET target` and returns the whole response (status line, headers, page).
fn get(port: u16, target: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("no answer to {target} within 5 s: {e}"));
    String::from_utf8(out).expect("a text response")
}

/// Runs `wait` on its own thread; the receiver gets its result.
fn waiting(
    listener: CallbackListener,
    timeout: Duration,
) -> mpsc::Receiver<std::io::Result<String>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(listener.wait(timeout, &CallbackCheck::new(STATE)));
    });
    rx
}

/// A client that sends one byte of a request head every 50 ms until `stop` is set or the
/// listener closes the connection.
fn drip(port: u16, stop: Arc<AtomicBool>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let line = b"GET /oauth/callback?code=slow&state=x HTTP/1.1\r\nX-Drip: ";
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let byte = line.get(i).copied().unwrap_or(b'a');
            if s.write_all(&[byte]).is_err() {
                return;
            }
            i += 1;
            thread::sleep(Duration::from_millis(50));
        }
    })
}

#[test]
fn idle_drip_stray_and_forged_requests_do_not_stop_the_real_redirect() {
    let listener = CallbackListener::bind().unwrap();
    let port = listener.port();
    let result = waiting(listener, Duration::from_secs(120));
    let stop = Arc::new(AtomicBool::new(false));

    // Six connections that never send anything, and one that drips.
    let idle: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let dripper = drip(port, stop.clone());
    thread::sleep(Duration::from_millis(100));

    let favicon = get(port, "/favicon.ico");
    assert!(favicon.starts_with("HTTP/1.1 404 "), "{favicon}");

    let forged = get(port, "/oauth/callback?code=FORGED&state=wrong");
    assert!(forged.starts_with("HTTP/1.1 400 "), "{forged}");
    assert!(forged.contains("state does not match"), "{forged}");
    assert!(!forged.contains("approved") && !forged.contains("Signed in"));

    // An error without this login's state (anyone can send one) does not end the login.
    let forged_error = get(port, "/oauth/callback?error=access_denied");
    assert!(forged_error.starts_with("HTTP/1.1 400 "), "{forged_error}");
    assert!(
        forged_error.contains("state does not match"),
        "{forged_error}"
    );

    let bad = {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"POST /oauth/callback HTTP/1.1\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(bad.starts_with("HTTP/1.1 405 "), "{bad}");

    assert!(result.try_recv().is_err(), "none of these may end the wait");

    let real = get(port, &format!("/oauth/callback?code=REAL&state={STATE}"));
    assert!(real.starts_with("HTTP/1.1 200 "), "{real}");
    assert!(real.contains("Signed in"), "{real}");
    let query = result
        .recv_timeout(HANG)
        .expect("the wait ended")
        .expect("the redirect was accepted");
    assert_eq!(query, format!("code=REAL&state={STATE}"));

    stop.store(true, Ordering::Relaxed);
    dripper.join().unwrap();
    drop(idle);
}

#[test]
fn a_flood_of_idle_connections_does_not_lock_the_redirect_out() {
    let listener = CallbackListener::bind().unwrap();
    let port = listener.port();
    let result = waiting(listener, Duration::from_secs(120));
    // More idle connections than the listener reads at once: the oldest idle ones are closed.
    let idle: Vec<TcpStream> = (0..3 * awscred_files::callback::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let real = get(port, &format!("/oauth/callback?code=REAL&state={STATE}"));
    assert!(real.starts_with("HTTP/1.1 200 "), "{real}");
    assert_eq!(
        result.recv_timeout(HANG).unwrap().unwrap(),
        format!("code=REAL&state={STATE}")
    );
    drop(idle);
}

#[test]
fn the_overall_deadline_holds_against_a_drip() {
    let listener = CallbackListener::bind().unwrap();
    let port = listener.port();
    let stop = Arc::new(AtomicBool::new(false));
    let result = waiting(listener, Duration::from_secs(1));
    let dripper = drip(port, stop.clone());
    let outcome = result.recv_timeout(HANG);
    stop.store(true, Ordering::Relaxed);
    dripper.join().unwrap();
    let error = outcome
        .expect("the wait must end at its deadline while a client drips")
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn a_denial_with_this_logins_state_ends_the_wait_and_says_so() {
    let listener = CallbackListener::bind().unwrap();
    let port = listener.port();
    let result = waiting(listener, Duration::from_secs(60));
    let page = get(
        port,
        &format!(
            "/oauth/callback?error=access_denied&error_description=The+user+denied+the+request&state={STATE}"
        ),
    );
    assert!(page.starts_with("HTTP/1.1 400 "), "{page}");
    assert!(
        page.contains("denied in the browser (access_denied)"),
        "{page}"
    );
    assert!(
        !page.contains("approved") && !page.contains("Signed in"),
        "{page}"
    );
    let query = result.recv_timeout(HANG).unwrap().unwrap();
    assert!(query.starts_with("error=access_denied&"), "{query}");
}

#[test]
fn an_oversized_head_is_refused() {
    let listener = CallbackListener::bind().unwrap();
    let port = listener.port();
    let result = waiting(listener, Duration::from_secs(60));
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = write!(s, "GET /{} HTTP/1.1\r\n", "a".repeat(20 * 1024));
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
    assert!(result.try_recv().is_err());
    // The listener still serves the redirect.
    let real = get(port, &format!("/oauth/callback?code=c&state={STATE}"));
    assert!(real.starts_with("HTTP/1.1 200 "));
    assert_eq!(
        result.recv_timeout(HANG).unwrap().unwrap(),
        format!("code=c&state={STATE}")
    );
}

#[test]
fn times_out_with_no_request() {
    let l = CallbackListener::bind().unwrap();
    let e = l
        .wait(Duration::from_millis(50), &CallbackCheck::new(STATE))
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
}
