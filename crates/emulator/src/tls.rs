//! HTTPS for the emulator and the test proxies: a certificate authority generated at start
//! (ECDSA P-256 with ring, via rcgen) and server certificates it signs, served with
//! tokio-rustls. Nothing is written to disk unless asked ([`TestCa::write_pem`]).

use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the emulator's certificate is valid for: every way a test reaches 127.0.0.1.
/// Clients never send loopback names through a proxy, so two more let the network tests
/// route a request through one and still land on the emulator: [`PROXIED_NAME`] and the
/// IPv4-mapped `::ffff:127.0.0.1` (which connects to 127.0.0.1 without a proxy).
pub const LOOPBACK_NAMES: &[&str] = &[
    "127.0.0.1",
    "localhost",
    "::1",
    "::ffff:127.0.0.1",
    PROXIED_NAME,
];

/// A name only the test proxies resolve (to 127.0.0.1): `.test` is reserved (RFC 6761), so a
/// request for it can reach the emulator only through a [`crate::proxy::ConnectProxy`].
pub const PROXIED_NAME: &str = "emulator.test";

/// A certificate authority that lives as long as the process that made it.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("cannot make a test certificate: {e}"))
}

impl TestCa {
    /// A new CA whose certificate's common name is `name`.
    pub fn generate(name: &str) -> std::io::Result<TestCa> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().map_err(tls_error)?;
        let issuer = CertifiedIssuer::self_signed(params, key).map_err(tls_error)?;
        Ok(TestCa { issuer })
    }

    /// The CA certificate, PEM: what a client puts in `AWS_CA_BUNDLE` to trust this CA.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER.
    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// Writes [`TestCa::pem`] to `path`.
    pub fn write_pem(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.pem())
    }

    /// A rustls server configuration presenting a fresh certificate for `names` (host names
    /// or IP addresses) signed by this CA, speaking HTTP/1.1.
    pub fn server_config(&self, names: &[&str]) -> std::io::Result<Arc<rustls::ServerConfig>> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).map_err(tls_error)?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(tls_error)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(tls_error)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone(), self.der()], key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// What an emulator started with TLS holds: its CA and the acceptor for its listener.
#[derive(Clone)]
pub(crate) struct ServerTls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub ca_pem: String,
}

impl ServerTls {
    /// A new CA and a certificate for [`LOOPBACK_NAMES`].
    pub(crate) fn generate() -> std::io::Result<ServerTls> {
        let ca = TestCa::generate("awscred-emulator test CA")?;
        let config = ca.server_config(LOOPBACK_NAMES)?;
        Ok(ServerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(config),
            ca_pem: ca.pem(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_chain_to_their_ca() {
        let ca = TestCa::generate("t").unwrap();
        let pem = ca.pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(ca.server_config(LOOPBACK_NAMES).is_ok());
        // Two CAs are two different roots.
        assert_ne!(TestCa::generate("t").unwrap().der(), ca.der());
    }
}
