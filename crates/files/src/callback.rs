//! The loopback listener that receives the browser's OAuth redirect (authorization-code login).
//!
//! The AWS CLI binds every interface; we bind 127.0.0.1 only, since the redirect URI names it
//! and nothing off the machine has any business reaching the listener.
//!
//! Anything on the machine can still connect, so the listener serves every connection at once
//! (non-blocking sockets polled in one loop, no thread per connection): an idle or dripping
//! connection cannot hold up the real redirect, each one is dropped after
//! [`REQUEST_TIMEOUT`], and the overall deadline is checked on every round. Which request ends
//! the wait is decided by the core ([`CallbackCheck`]); requests it refuses get the page it
//! chose and the wait goes on.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use awscred_core::oidc::callback::{
    CallbackCheck, MAX_REQUEST_HEAD, RequestHead, parse_request_head, refusal_response,
};

/// How long one browser connection may take to send its request (the AWS CLI's 10 s).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many connections are read at once; a new one beyond that closes an idle one.
pub const MAX_CONNECTIONS: usize = 64;

/// How long writing a (small) page may block before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the loop sleeps when no socket had anything to do.
const IDLE_SLEEP: Duration = Duration::from_millis(10);

/// A listener on 127.0.0.1, on an ephemeral port.
#[derive(Debug)]
pub struct CallbackListener {
    listener: TcpListener,
}

/// A connection whose request head has not fully arrived yet.
struct Pending {
    stream: TcpStream,
    head: Vec<u8>,
    since: Instant,
}

impl CallbackListener {
    /// Binds 127.0.0.1 on a port the system picks.
    pub fn bind() -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        Ok(CallbackListener { listener })
    }

    /// The port to put in the redirect URI.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves requests until one that `check` finds final (this login's redirect, with a code
    /// or an error) arrives, and returns its query string. Every request gets the page of its
    /// verdict; the others (a favicon, a forged or stale redirect) do not end the wait.
    ///
    /// Fails with [`io::ErrorKind::TimedOut`] when `timeout` passes first, however many
    /// connections are open or how slowly they send.
    pub fn wait(self, timeout: Duration, check: &CallbackCheck) -> io::Result<String> {
        let deadline = Instant::now() + timeout;
        let mut pending: Vec<Pending> = Vec::new();
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no authorization arrived from the browser in time",
                ));
            }
            let mut busy = self.accept_all(&mut pending, now)?;
            let mut i = 0;
            while i < pending.len() {
                match read_some(&mut pending[i]) {
                    Progress::Waiting => {
                        if now.duration_since(pending[i].since) >= REQUEST_TIMEOUT {
                            let mut p = pending.swap_remove(i);
                            answer(
                                &mut p.stream,
                                &refusal_response(408, "the request took too long"),
                            );
                            continue;
                        }
                    }
                    Progress::Read => busy = true,
                    Progress::Closed => {
                        pending.swap_remove(i);
                        busy = true;
                        continue;
                    }
                }
                match parse_request_head(&pending[i].head) {
                    RequestHead::Incomplete => i += 1,
                    RequestHead::Invalid { status, reason } => {
                        let mut p = pending.swap_remove(i);
                        answer(&mut p.stream, &refusal_response(status, reason));
                    }
                    RequestHead::Complete { target } => {
                        let mut p = pending.swap_remove(i);
                        let verdict = check.verdict(&target);
                        answer(&mut p.stream, &verdict.response());
                        if verdict.is_final() {
                            let query = target.split_once('?').map_or("", |(_, q)| q);
                            return Ok(query.to_string());
                        }
                    }
                }
            }
            if !busy {
                std::thread::sleep(IDLE_SLEEP.min(deadline.saturating_duration_since(now)));
            }
        }
    }

    /// Takes every connection waiting in the backlog. Whether any was taken.
    fn accept_all(&self, pending: &mut Vec<Pending>, now: Instant) -> io::Result<bool> {
        let mut any = false;
        // At most one table's worth per round, so the connections taken get read in between.
        for _ in 0..MAX_CONNECTIONS {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    any = true;
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    if pending.len() >= MAX_CONNECTIONS {
                        // Make room: the oldest connection that has sent nothing (a browser
                        // sends its request as soon as it connects), else the oldest.
                        let victim = pending.iter().position(|p| p.head.is_empty()).unwrap_or(0);
                        pending.remove(victim);
                    }
                    pending.push(Pending {
                        stream,
                        head: Vec::new(),
                        since: now,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(any),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A connection that went away before it was taken (ECONNABORTED), or the
                // process out of descriptors for a moment: not the listener's end.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(e) if e.raw_os_error().is_some_and(|c| c == 23 || c == 24) => {
                    return Ok(any);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(any)
    }
}

enum Progress {
    /// Nothing new.
    Waiting,
    /// New bytes arrived.
    Read,
    /// The peer closed or the connection failed.
    Closed,
}

/// Reads what has arrived on a non-blocking connection, up to one byte past the head cap (so
/// an oversized head is recognised and refused).
fn read_some(p: &mut Pending) -> Progress {
    let mut buf = [0u8; 4096];
    let room = (MAX_REQUEST_HEAD + 1).saturating_sub(p.head.len());
    if room == 0 {
        return Progress::Waiting;
    }
    let want = room.min(buf.len());
    match p.stream.read(&mut buf[..want]) {
        Ok(0) => Progress::Closed,
        Ok(n) => {
            p.head.extend_from_slice(&buf[..n]);
            Progress::Read
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Progress::Waiting,
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Progress::Waiting,
        Err(_) => Progress::Closed,
    }
}

/// Sends a whole response on a loopback connection and closes it (the OAuth callback here, the
/// ureq driver's credentials endpoint): a client that does not read it only loses its answer.
pub fn answer(stream: &mut TcpStream, response: &[u8]) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.write_all(response);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Closing with unread input makes the kernel send a reset, which can destroy the page
    // before the browser reads it: discard what has already arrived (bounded).
    let _ = stream.set_nonblocking(true);
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}
