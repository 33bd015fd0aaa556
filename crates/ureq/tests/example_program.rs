//! `examples/blocking_signing.rs`, the program that depends on awscred-ureq alone, run against
//! the emulator (in the shared scenarios' world): credentials for a profile, its region, and a
//! signed request STS accepts — or refuses, when the keys are wrong.

#[allow(dead_code)]
#[path = "../examples/blocking_signing.rs"]
mod example;
#[allow(unused_macros)]
#[path = "shared/provider_scenarios.rs"]
mod provider_scenarios;

use std::time::Duration;

use awscred_ureq::Provider;
use provider_scenarios::World;

fn run(world: &World, profile: &str) -> Result<String, awscred_ureq::Error> {
    let provider = Provider::new(world.env(), Some(profile.into()));
    example::caller_identity(&provider, Some(&world.emulator.url()))
}

#[test]
fn the_program_gets_credentials_and_region_and_signs_a_request() {
    let world = World::new(Duration::from_secs(3600));
    let answer = run(&world, "signer").expect("the program succeeds");
    provider_scenarios::assert_signed_answer(&world, &answer);
}

#[test]
fn the_program_reports_a_refused_signature() {
    let world = World::new(Duration::from_secs(3600));
    let e = run(&world, "wrong-signer").expect_err("STS refuses the signature");
    assert!(e.to_string().contains("SignatureDoesNotMatch"), "{e}");
}
