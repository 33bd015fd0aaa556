//! `examples/async_signing.rs`, the program that depends on awscred-hyper and tokio alone, run against
//! the emulator (in the shared scenarios' world): credentials for a profile, its region, and a
//! signed request STS accepts — or refuses, when the keys are wrong.

#[allow(dead_code)]
#[path = "../examples/async_signing.rs"]
mod example;
#[allow(unused_macros)]
#[path = "../../ureq/tests/shared/provider_scenarios.rs"]
mod provider_scenarios;

use std::time::Duration;

use awscred_hyper::Provider;
use provider_scenarios::World;

async fn run(world: &World, profile: &str) -> Result<String, awscred_hyper::Error> {
    let provider = Provider::new(world.env(), Some(profile.into()));
    example::caller_identity(&provider, Some(&world.emulator.url())).await
}

#[tokio::test]
async fn the_program_gets_credentials_and_region_and_signs_a_request() {
    let world = World::new(Duration::from_secs(3600));
    let answer = run(&world, "signer").await.expect("the program succeeds");
    provider_scenarios::assert_signed_answer(&world, &answer);
}

#[tokio::test]
async fn the_program_reports_a_refused_signature() {
    let world = World::new(Duration::from_secs(3600));
    let e = run(&world, "wrong-signer")
        .await
        .expect_err("STS refuses the signature");
    assert!(e.to_string().contains("SignatureDoesNotMatch"), "{e}");
}
