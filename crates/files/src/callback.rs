//! The loopback listener that receives the browser's OAuth redirect (authorization-code login).
//!
//! The AWS CLI binds every interface; we bind 127.0.0.1 only, since the redirect URI names it
//! and nothing off the machine has any business reaching the listener.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// How long one browser connection may take to send its request (the AWS CLI's 10 s).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>awscred</title></head>\
<body><h1>Request approved</h1><p>awscred has been given the authorization it asked for. \
You can close this window and return to your terminal.</p></body></html>";

/// A listener on 127.0.0.1, on an ephemeral port.
#[derive(Debug)]
pub struct CallbackListener {
    listener: TcpListener,
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

    /// Waits for a request whose query carries `code` or `error`, answers it with a short page,
    /// and returns its raw query string. Other requests (a favicon…) are answered and ignored.
    pub fn wait(self, timeout: Duration) -> io::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(query) = serve_one(stream)? {
                        return Ok(query);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "no authorization arrived from the browser in time",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn serve_one(stream: TcpStream) -> io::Result<Option<String>> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(16 * 1024);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return Ok(None);
    }
    // Drain the headers so the browser sees a clean response.
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map(|(_, q)| q.to_string());
    let mut stream = stream;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
        PAGE.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    Ok(query.filter(|q| {
        q.split('&')
            .any(|kv| kv.starts_with("code=") || kv.starts_with("error="))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn returns_the_query_of_the_redirect() {
        let l = CallbackListener::bind().unwrap();
        let port = l.port();
        let client = std::thread::spawn(move || {
            for path in ["/favicon.ico", "/oauth/callback?code=abc&state=xyz"] {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).unwrap();
                assert!(out.starts_with("HTTP/1.1 200"));
            }
        });
        assert_eq!(
            l.wait(Duration::from_secs(5)).unwrap(),
            "code=abc&state=xyz"
        );
        client.join().unwrap();
    }

    #[test]
    fn times_out() {
        let l = CallbackListener::bind().unwrap();
        let e = l.wait(Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }
}
