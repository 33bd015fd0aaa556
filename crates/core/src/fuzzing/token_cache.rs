//! Fuzz body for the `token_cache` target.

/// Feeds `data` to the parser.
pub fn run(data: &[u8]) {
    let _ = data;
}
