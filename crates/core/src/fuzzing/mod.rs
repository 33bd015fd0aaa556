//! Bodies of the cargo-fuzz targets in `fuzz/`, kept here as plain functions so that an ordinary
//! `#[test]` replays the committed corpus on the stable toolchain. Each body feeds arbitrary
//! bytes to one parser; a panic is the bug.
#![doc(hidden)]

pub mod callback_request;
pub mod config_parser;
pub mod credential_process;
pub mod credentials_request;
pub mod oidc_json;
pub mod sso_json;
pub mod sts_xml;
pub mod token_cache;
pub mod wire_error;
