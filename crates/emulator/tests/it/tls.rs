//! The emulator over HTTPS, and the test proxies, with a blocking rustls client over
//! `std::net::TcpStream` so the tests see the handshake's outcome directly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;

use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
use awscred_emulator::tls::TestCa;
use awscred_emulator::{Emulator, EmulatorConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

fn client_config(ca_pem: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The rustls error inside an I/O error (a refused handshake), or a general one.
fn tls_cause(e: std::io::Error) -> rustls::Error {
    e.into_inner()
        .and_then(|i| i.downcast::<rustls::Error>().ok())
        .map(|b| *b)
        .unwrap_or(rustls::Error::General("io".into()))
}

/// `GET path` over TLS on `tcp` (already connected, possibly through a tunnel); the status,
/// or the TLS error.
fn get_status(tcp: TcpStream, ca_pem: &str, host: &str, path: &str) -> Result<u16, rustls::Error> {
    let name = ServerName::try_from(host.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(client_config(ca_pem), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).map_err(tls_cause)?;
    let mut reply = Vec::new();
    if let Err(e) = tls.read_to_end(&mut reply)
        && reply.is_empty()
    {
        return Err(tls_cause(e));
    }
    let text = String::from_utf8_lossy(&reply);
    Ok(text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line"))
}

#[test]
fn serves_https_with_a_certificate_from_its_own_ca() {
    let emulator = Emulator::start_tls(EmulatorConfig::demo()).unwrap();
    assert!(emulator.url().starts_with("https://127.0.0.1:"));
    let ca = emulator.ca_pem().unwrap().to_string();
    for host in ["127.0.0.1", "localhost"] {
        let tcp = TcpStream::connect(("127.0.0.1", emulator.port())).unwrap();
        assert_eq!(
            get_status(tcp, &ca, host, "/assignment/accounts"),
            Ok(401),
            "{host}"
        );
    }
    // Another CA's certificate does not vouch for it.
    let other = TestCa::generate("other").unwrap().pem();
    let tcp = TcpStream::connect(("127.0.0.1", emulator.port())).unwrap();
    assert!(matches!(
        get_status(tcp, &other, "127.0.0.1", "/assignment/accounts"),
        Err(rustls::Error::InvalidCertificate(_))
    ));
    // The plain emulator has no CA.
    assert!(
        Emulator::start(EmulatorConfig::demo())
            .unwrap()
            .ca_pem()
            .is_none()
    );
}

fn connect_through(proxy: &ConnectProxy, target: &str, auth: Option<&str>) -> (TcpStream, u16) {
    let mut tcp = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
    let auth = auth
        .map(|a| format!("Proxy-Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        tcp,
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{auth}\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(tcp.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
            break;
        }
    }
    (tcp, status)
}

#[test]
fn connect_proxy_records_tunnels_and_checks_credentials() {
    let emulator = Emulator::start_tls(EmulatorConfig::demo()).unwrap();
    let ca = emulator.ca_pem().unwrap().to_string();
    let target = format!("127.0.0.1:{}", emulator.port());
    let proxy = ConnectProxy::start(ProxyOptions::default().with_credentials("u", "p")).unwrap();
    assert_eq!(connect_through(&proxy, &target, None).1, 407);
    let (tcp, status) = connect_through(&proxy, &target, Some("Basic dTpw"));
    assert_eq!(status, 200);
    assert_eq!(
        get_status(tcp, &ca, "127.0.0.1", "/assignment/accounts"),
        Ok(401)
    );
    let tunnels = proxy.tunnels();
    assert_eq!(
        tunnels.iter().map(|t| t.status).collect::<Vec<_>>(),
        [407, 200]
    );
    assert_eq!(tunnels[1].authorization.as_deref(), Some("Basic dTpw"));
    assert!(!format!("{tunnels:?}").contains("dTpw"));
    // Nothing but loopback is tunnelled.
    assert_eq!(
        connect_through(&proxy, "example.com:443", Some("Basic dTpw")).1,
        403
    );
    let refusing = ConnectProxy::start(ProxyOptions::default().refusing_with(403)).unwrap();
    assert_eq!(connect_through(&refusing, &target, None).1, 403);
}

#[test]
fn inspecting_proxy_is_trusted_only_through_its_ca() {
    let emulator = Emulator::start_tls(EmulatorConfig::demo()).unwrap();
    let target = format!("127.0.0.1:{}", emulator.port());
    let middlebox = TestCa::generate("corporate inspection CA").unwrap();
    let middlebox_pem = middlebox.pem();
    let proxy = ConnectProxy::start(
        ProxyOptions::default()
            .inspecting_tls(middlebox, emulator.ca_pem().unwrap())
            .unwrap(),
    )
    .unwrap();
    // Trusting only the emulator's CA: the proxy's certificate is refused.
    let (tcp, _) = connect_through(&proxy, &target, None);
    assert!(
        get_status(
            tcp,
            emulator.ca_pem().unwrap(),
            "127.0.0.1",
            "/assignment/accounts"
        )
        .is_err()
    );
    // Trusting the middlebox's CA: the request goes through, and the proxy read it.
    let (tcp, _) = connect_through(&proxy, &target, None);
    assert_eq!(
        get_status(tcp, &middlebox_pem, "127.0.0.1", "/assignment/accounts"),
        Ok(401)
    );
    let tunnels = proxy.tunnels();
    assert_eq!(tunnels[0].client_trusted_inspection, Some(false));
    assert_eq!(tunnels[1].client_trusted_inspection, Some(true));
    assert_eq!(
        tunnels[1].inspected_requests,
        ["GET /assignment/accounts HTTP/1.1"]
    );
}

#[test]
fn binary_serves_tls_and_writes_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_awscred-emulator"))
            .args(["--port", "0", "--tls", "--ca-out"])
            .arg(&ca_path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn"),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let mut second = String::new();
    out.read_line(&mut second).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening on https://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(second.starts_with("CA certificate written to"), "{second}");
    let ca = std::fs::read_to_string(&ca_path).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(
        get_status(tcp, &ca, "localhost", "/assignment/accounts"),
        Ok(401)
    );
    drop(child);

    let out = Command::new(env!("CARGO_BIN_EXE_awscred-emulator"))
        .args(["--ca-out", "x.pem"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ca-out goes with --tls"));
}
