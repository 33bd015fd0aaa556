//! The local side of the network rules (`awscred_core::network`): the process environment and
//! the config file a client's proxy and CA settings come from, the CA bundle file, and the
//! operating system's certificate store (read once per process with rustls-native-certs:
//! `/etc/ssl/certs` and `SSL_CERT_FILE`/`SSL_CERT_DIR` on Linux, the keychain on macOS, the
//! certificate store on Windows).

use std::sync::OnceLock;

use awscred_core::Error;
use awscred_core::config::{self, Env, Platform};
use awscred_core::network::{NetworkSettings, TrustChoice};
use rustls_pki_types::CertificateDer;

use crate::checked::{FileKind, read_checked};

/// The process environment, minus variables whose name or value is not Unicode (no setting
/// awscred reads can be one).
pub fn process_env() -> Env {
    Env::from_pairs(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
    )
}

/// The settings of a client built without explicit ones: proxies from `env`, the CA bundle
/// from `env` and the `ca_bundle` of `profile` (or of the profile `env` selects) in the
/// shared config file. A config file that cannot be read or parsed adds nothing here (the
/// credential flows report it); a bad proxy URL or an empty CA setting is an error.
pub fn settings_for(env: &Env, profile: Option<&str>) -> Result<NetworkSettings, Error> {
    let set = config::config_paths(env, Platform::current())
        .ok()
        .and_then(|paths| {
            let bytes = read_checked(&paths.config, FileKind::of(&paths.config)).ok()??;
            config::load_files(&paths, Some(&bytes), None).ok()
        });
    let name = config::select_profile(env, profile);
    NetworkSettings::from_env(env, set.as_ref().and_then(|s| s.profile(&name)))
}

/// The certificates `trust` names: the bundle's (read now), or the Mozilla roots plus the
/// operating system's store (read on first use, then kept for the life of the process).
pub fn trust_anchors(trust: &TrustChoice) -> Result<Vec<CertificateDer<'static>>, Error> {
    trust.anchors(|path| std::fs::read(path), || os_store().to_vec())
}

fn os_store() -> &'static [CertificateDer<'static>] {
    static STORE: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    STORE.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            // Unreadable entries of the OS store are skipped: the Mozilla roots remain.
            tracing::debug!(
                errors = found.errors.len(),
                "some OS certificates could not be read"
            );
        }
        found.certs
    })
}
