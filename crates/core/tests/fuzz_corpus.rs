//! Replays the committed cargo-fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz bodies,
//! so every past finding and seed stays a regression test on the stable toolchain.

use std::path::Path;

use awscred_core::fuzzing;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            let data = std::fs::read(&path).expect("corpus file");
            body(&data);
            count += 1;
        }
    }
    assert!(
        count > 0,
        "the {target} corpus is empty: commit seeds under {}",
        dir.display()
    );
}

#[test]
fn config_parser_corpus() {
    replay("config_parser", fuzzing::config_parser::run);
}

#[test]
fn oidc_json_corpus() {
    replay("oidc_json", fuzzing::oidc_json::run);
}

#[test]
fn sso_json_corpus() {
    replay("sso_json", fuzzing::sso_json::run);
}

#[test]
fn sts_xml_corpus() {
    replay("sts_xml", fuzzing::sts_xml::run);
}

#[test]
fn token_cache_corpus() {
    replay("token_cache", fuzzing::token_cache::run);
}

#[test]
fn wire_error_corpus() {
    replay("wire_error", fuzzing::wire_error::run);
}

#[test]
fn credential_process_corpus() {
    replay("credential_process", fuzzing::credential_process::run);
}

#[test]
fn credentials_request_corpus() {
    replay("credentials_request", fuzzing::credentials_request::run);
}

#[test]
fn callback_request_corpus() {
    replay("callback_request", fuzzing::callback_request::run);
}
