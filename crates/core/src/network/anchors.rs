//! The certificates a [`TrustChoice`] names, as rustls-pki-types certificates: a CA bundle's
//! PEM parsed, or the default roots — the Mozilla roots followed by the operating system's
//! store, without duplicates. Behind the crate's `trust-anchors` feature (rustls-pki-types);
//! the Mozilla roots themselves behind `mozilla-roots` (webpki-root-certs). awscred-files,
//! which reads the files and the OS store for both drivers, turns both on.

use std::path::Path;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::TrustChoice;
use crate::Error;

impl TrustChoice {
    /// The trusted certificates, the Mozilla roots being the default: [`TrustChoice::anchors_with`]
    /// with [`mozilla_roots`]. Needs the crate's `mozilla-roots` feature (awscred-files, which
    /// both drivers call, turns it on).
    #[cfg(feature = "mozilla-roots")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mozilla-roots")))]
    pub fn anchors(
        &self,
        read_file: impl FnOnce(&Path) -> std::io::Result<Vec<u8>>,
        os_store: impl FnOnce() -> Vec<CertificateDer<'static>>,
    ) -> Result<Vec<CertificateDer<'static>>, Error> {
        self.anchors_with(read_file, mozilla_roots, os_store)
    }

    /// The trusted certificates. `read_file` reads the bundle (only called for
    /// [`TrustChoice::Bundle`]); `mozilla` gives the Mozilla roots and `os_store` the
    /// operating system's certificates (both only called for [`TrustChoice::Defaults`], whose
    /// certificates are the Mozilla roots followed by those of the OS store not among them).
    /// An unreadable bundle, or one without a certificate, is a [`Error::Config`] naming the
    /// file and the setting.
    ///
    /// The roots come in from the caller, so that this crate can do without certificates of
    /// its own; `TrustChoice::anchors` (feature `mozilla-roots`) passes `mozilla_roots`.
    #[cfg_attr(docsrs, doc(cfg(feature = "trust-anchors")))]
    pub fn anchors_with(
        &self,
        read_file: impl FnOnce(&Path) -> std::io::Result<Vec<u8>>,
        mozilla: impl FnOnce() -> Vec<CertificateDer<'static>>,
        os_store: impl FnOnce() -> Vec<CertificateDer<'static>>,
    ) -> Result<Vec<CertificateDer<'static>>, Error> {
        match self {
            TrustChoice::Defaults => {
                let mut all = mozilla();
                for cert in os_store() {
                    if !all.contains(&cert) {
                        all.push(cert);
                    }
                }
                Ok(all)
            }
            TrustChoice::Bundle(bundle) => {
                let bytes = read_file(&bundle.path).map_err(|e| {
                    Error::Config(format!(
                        "cannot read the CA bundle {} (from {}): {e}; fix the path, or remove the \
                         setting to trust the default roots",
                        bundle.path.display(),
                        bundle.setting
                    ))
                })?;
                parse_pem_bundle(&bytes).map_err(|why| {
                    Error::Config(format!(
                        "the CA bundle {} (from {}) is not usable: {why}; it must hold PEM \
                         certificates (-----BEGIN CERTIFICATE-----)",
                        bundle.path.display(),
                        bundle.setting
                    ))
                })
            }
        }
    }
}

/// The Mozilla root certificates (webpki-root-certs), the default trust of both drivers.
/// Needs the crate's `mozilla-roots` feature.
#[cfg(feature = "mozilla-roots")]
#[cfg_attr(docsrs, doc(cfg(feature = "mozilla-roots")))]
pub fn mozilla_roots() -> Vec<CertificateDer<'static>> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec()
}

/// The certificates of a PEM bundle (other PEM sections, such as keys, are skipped). An error
/// says why there is none to use.
#[cfg_attr(docsrs, doc(cfg(feature = "trust-anchors")))]
pub fn parse_pem_bundle(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(bytes) {
        match item {
            Ok(cert) => certs.push(cert),
            Err(e) => return Err(format!("a PEM section is malformed ({e})")),
        }
    }
    if certs.is_empty() {
        return Err("it contains no certificate".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{BundleSetting, CaBundle};

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";

    #[test]
    fn bundle_replaces_the_defaults() {
        let choice = TrustChoice::Bundle(CaBundle {
            path: "/b.pem".into(),
            setting: BundleSetting::Env("AWS_CA_BUNDLE"),
        });
        let certs = choice
            .anchors_with(
                |_| Ok(PEM.as_bytes().to_vec()),
                || panic!("the Mozilla roots are not taken"),
                || panic!("the OS store is not read"),
            )
            .unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), &[0x30, 0x03, 0x02, 0x01, 0x01]);
    }

    #[test]
    fn unusable_bundles_are_errors_naming_file_and_setting() {
        let choice = TrustChoice::Bundle(CaBundle {
            path: "/corp/ca.pem".into(),
            setting: BundleSetting::Env("AWS_CA_BUNDLE"),
        });
        let missing = choice
            .anchors_with(
                |_| Err(std::io::ErrorKind::NotFound.into()),
                Vec::new,
                Vec::new,
            )
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("cannot read the CA bundle /corp/ca.pem (from AWS_CA_BUNDLE)"),
            "{missing}"
        );
        for bytes in [
            &b""[..],
            b"not pem at all",
            b"-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n",
        ] {
            let e = choice
                .anchors_with(|_| Ok(bytes.to_vec()), Vec::new, Vec::new)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("/corp/ca.pem (from AWS_CA_BUNDLE) is not usable"),
                "{e}"
            );
        }
    }

    #[test]
    fn defaults_are_the_given_roots_plus_os_without_duplicates() {
        let a = CertificateDer::from(vec![0x30, 0x01, 0x01]);
        let b = CertificateDer::from(vec![0x30, 0x01, 0x02]);
        let os_extra = CertificateDer::from(vec![0x30, 0x00]);
        let all = TrustChoice::Defaults
            .anchors_with(
                |_| panic!("no file is read"),
                || vec![a.clone(), b.clone()],
                || vec![b.clone(), os_extra.clone(), a.clone()],
            )
            .unwrap();
        assert_eq!(all, vec![a, b, os_extra]);
    }

    #[cfg(feature = "mozilla-roots")]
    #[test]
    fn defaults_are_mozilla_plus_os_without_duplicates() {
        let mozilla = mozilla_roots();
        assert!(mozilla.len() > 100);
        let os_extra = CertificateDer::from(vec![0x30, 0x00]);
        let all = TrustChoice::Defaults
            .anchors(
                |_| panic!("no file is read"),
                || vec![mozilla[0].clone(), os_extra.clone()],
            )
            .unwrap();
        assert_eq!(all.len(), mozilla.len() + 1);
        assert!(all.contains(&os_extra));
    }
}
