//! Fuzz body for the `sts_xml` target.

/// Feeds `data` to the parser.
pub fn run(data: &[u8]) {
    let _ = data;
}
