//! The CONNECT handshake that opens a tunnel through an HTTP proxy (RFC 9110 §9.3.6), as bytes:
//! the driver writes [`connect_request`] and feeds what it reads to [`parse_connect_head`]
//! until the head is complete.

use super::proxy::ProxyServer;
use crate::{Error, TransportKind};

/// Heads longer than this are refused: a proxy's answer to CONNECT is a few lines.
const MAX_HEAD: usize = 16 * 1024;

/// The CONNECT request for `host:port` through `proxy`, with `Proxy-Authorization` when the
/// proxy URL carried credentials. The bytes hold a secret: never log them.
pub fn connect_request(host: &str, port: u16, proxy: &ProxyServer) -> Vec<u8> {
    let target = format!("{host}:{port}");
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = proxy.authorization() {
        head.push_str("Proxy-Authorization: ");
        head.push_str(auth);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// What [`parse_connect_head`] made of the bytes read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectHead {
    /// Not all of the head yet: read more.
    Incomplete,
    /// The proxy opened the tunnel; its head was this many bytes (what follows is the
    /// endpoint's).
    Established(usize),
}

/// Reads the proxy's answer to CONNECT. A 2xx opens the tunnel; any other status is an
/// error naming the proxy, its status and the variable that configured it, with what to do.
pub fn parse_connect_head(
    buf: &[u8],
    proxy: &ProxyServer,
    host: &str,
) -> Result<ConnectHead, Error> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > MAX_HEAD {
            return Err(protocol(proxy, "its answer to CONNECT has no end"));
        }
        return Ok(ConnectHead::Incomplete);
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let status_line = head.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let reason = parts.next().unwrap_or("").trim();
    let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
        return Err(protocol(proxy, "its answer to CONNECT is not HTTP"));
    };
    if (200..300).contains(&status) {
        return Ok(ConnectHead::Established(end + 4));
    }
    Err(proxy_refused(proxy, host, status, reason))
}

/// The error for a proxy that answered CONNECT with `status`.
pub fn proxy_refused(proxy: &ProxyServer, host: &str, status: u16, reason: &str) -> Error {
    let variable = proxy.variable();
    let fix = match status {
        407 if proxy.authorization().is_some() => {
            format!("the proxy rejected the user name and password in {variable}; correct them")
        }
        407 => format!(
            "the proxy wants credentials: put them in {variable} as http://USER:PASSWORD@{}:{}",
            proxy.host(),
            proxy.port()
        ),
        _ => format!(
            "check {variable}, or add {host} to NO_PROXY if it must be reached without the proxy"
        ),
    };
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(" {reason}")
    };
    Error::Transport {
        // A refusal is the proxy's policy: retrying gets the same answer, except for a
        // gateway error (the proxy could not reach the endpoint this time).
        kind: if matches!(status, 502..=504) {
            TransportKind::Connect
        } else {
            TransportKind::Protocol
        },
        message: format!(
            "the proxy {} (from {variable}) refused to open a tunnel to {host}: HTTP {status}{reason}; {fix}",
            proxy.display()
        ),
    }
}

fn protocol(proxy: &ProxyServer, what: &str) -> Error {
    Error::Transport {
        kind: TransportKind::Protocol,
        message: format!(
            "the proxy {} (from {}) is not an HTTP proxy: {what}; check {}",
            proxy.display(),
            proxy.variable(),
            proxy.variable()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(url: &str) -> ProxyServer {
        ProxyServer::parse(url, "HTTPS_PROXY").unwrap()
    }

    #[test]
    fn request_carries_credentials_only_when_configured() {
        let plain = String::from_utf8(connect_request(
            "sts.amazonaws.com",
            443,
            &proxy("http://p:3128"),
        ))
        .unwrap();
        assert_eq!(
            plain,
            "CONNECT sts.amazonaws.com:443 HTTP/1.1\r\nHost: sts.amazonaws.com:443\r\n\r\n"
        );
        let auth =
            String::from_utf8(connect_request("h", 443, &proxy("http://u:pw@p:3128"))).unwrap();
        assert!(
            auth.contains("\r\nProxy-Authorization: Basic dTpwdw==\r\n"),
            "{auth}"
        );
    }

    #[test]
    fn established_after_the_whole_head() {
        let p = proxy("http://p:1");
        assert_eq!(
            parse_connect_head(b"HTTP/1.1 200 Connection established\r\n", &p, "h").unwrap(),
            ConnectHead::Incomplete
        );
        let buf = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n\x16\x03";
        assert_eq!(
            parse_connect_head(buf, &p, "h").unwrap(),
            ConnectHead::Established(buf.len() - 2)
        );
    }

    #[test]
    fn refusals_name_status_variable_and_fix() {
        let p = proxy("http://p:3128");
        let e = parse_connect_head(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            &p,
            "sts.amazonaws.com",
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("HTTP 407 Proxy Authentication Required")
                && m.contains("from HTTPS_PROXY")
                && m.contains("USER:PASSWORD"),
            "{m}"
        );
        assert!(matches!(
            e,
            Error::Transport {
                kind: TransportKind::Protocol,
                ..
            }
        ));
        let with = proxy("http://u:pw@p:3128");
        let m = parse_connect_head(b"HTTP/1.1 407 No\r\n\r\n", &with, "h")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("rejected the user name and password in HTTPS_PROXY") && !m.contains("pw"),
            "{m}"
        );
        let m = parse_connect_head(b"HTTP/1.0 403 Forbidden\r\n\r\n", &p, "sso.example")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("HTTP 403 Forbidden") && m.contains("add sso.example to NO_PROXY"),
            "{m}"
        );
        let e = parse_connect_head(b"HTTP/1.1 502 Bad Gateway\r\n\r\n", &p, "h").unwrap_err();
        assert!(matches!(
            e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ));
        let m = parse_connect_head(b"SSH-2.0-OpenSSH\r\n\r\n", &p, "h")
            .unwrap_err()
            .to_string();
        assert!(m.contains("not an HTTP proxy"), "{m}");
    }
}
