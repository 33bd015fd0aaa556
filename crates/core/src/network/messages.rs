//! The messages of network failures that the user can fix, written once for both drivers.

use super::trust::TrustChoice;
use crate::{Error, TransportKind};

/// The error for a server certificate that the trusted roots do not vouch for. `detail` is the
/// TLS library's reason (unknown issuer, expired, wrong name…). The fix depends on where the
/// trust came from: with the defaults, a TLS-inspecting network needs its CA configured; with
/// a configured bundle, that bundle lacks the CA.
pub fn untrusted_certificate(host: &str, detail: &str, trust: &TrustChoice) -> Error {
    let fix = match trust {
        TrustChoice::Defaults => "if your network inspects TLS, set AWS_CA_BUNDLE or ca_bundle to \
                                  your organisation's CA bundle"
            .to_string(),
        TrustChoice::Bundle(bundle) => format!(
            "the CA bundle {} (from {}) replaces the default roots and does not hold the CA that \
             signed it; add that CA to the bundle, or point {} at your organisation's CA bundle",
            bundle.path.display(),
            bundle.setting,
            bundle.setting
        ),
    };
    Error::Transport {
        kind: TransportKind::Tls,
        message: format!("the TLS certificate of {host} is not trusted ({detail}); {fix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{BundleSetting, CaBundle};

    #[test]
    fn names_host_reason_and_fix() {
        let m = untrusted_certificate(
            "sts.amazonaws.com",
            "unknown issuer",
            &TrustChoice::Defaults,
        )
        .to_string();
        assert_eq!(
            m,
            "network error: the TLS certificate of sts.amazonaws.com is not trusted (unknown issuer); \
             if your network inspects TLS, set AWS_CA_BUNDLE or ca_bundle to your organisation's CA bundle"
        );
        let bundle = TrustChoice::Bundle(CaBundle {
            path: "/ca.pem".into(),
            setting: BundleSetting::Env("AWS_CA_BUNDLE"),
        });
        let m = untrusted_certificate("h", "unknown issuer", &bundle).to_string();
        assert!(
            m.contains("the CA bundle /ca.pem (from AWS_CA_BUNDLE) replaces the default roots"),
            "{m}"
        );
    }
}
