//! Fuzz body for the `oidc_json` target.

/// Feeds `data` to the parser.
pub fn run(data: &[u8]) {
    let _ = data;
}
