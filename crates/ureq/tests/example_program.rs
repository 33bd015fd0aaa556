//! `examples/blocking_signing.rs`, the program that depends on awscred-ureq alone, run against
//! the emulator: credentials for a profile, its region, and a signed request STS accepts.

#[allow(dead_code)]
#[path = "../examples/blocking_signing.rs"]
mod example;

use awscred_emulator::{Emulator, EmulatorConfig};
use awscred_ureq::{Env, Provider};

const CONFIG: &str = "\
[profile app]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
region = eu-west-1
";

fn home(secret: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
    let keys = format!(
        "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = {secret}\n"
    );
    std::fs::write(home.path().join(".aws/credentials"), keys).unwrap();
    home
}

fn provider(home: &tempfile::TempDir, emulator: &Emulator) -> Provider {
    let env = Env::from_pairs([
        ("HOME", home.path().display().to_string()),
        ("AWS_ENDPOINT_URL", emulator.url()),
    ]);
    Provider::new(env, Some("app".into()))
}

#[test]
fn the_program_gets_credentials_and_region_and_signs_a_request() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let home = home("emulator-static-secret-key");
    let answer = example::caller_identity(&provider(&home, &emulator), Some(&emulator.url()))
        .expect("the program succeeds");
    assert!(answer.contains("region eu-west-1"), "{answer}");
    assert!(
        answer.contains("signed as arn:aws:sts::123456789012:assumed-role/app/"),
        "{answer}"
    );
    assert_eq!(emulator.count("AssumeRole"), 1);
    assert_eq!(emulator.count("GetCallerIdentity"), 1);
    assert!(!answer.contains("emulator-static-secret-key"));
}

#[test]
fn the_program_reports_a_refused_signature() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    // The AssumeRole call itself is signed with the wrong secret and refused.
    let home = home("not-the-secret-key");
    let e = example::caller_identity(&provider(&home, &emulator), Some(&emulator.url()))
        .expect_err("STS refuses the signature");
    assert!(e.to_string().contains("SignatureDoesNotMatch"), "{e}");
}
