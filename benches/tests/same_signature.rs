//! The benchmarks compare like with like: both signers sign the same AssumeRole request into
//! the same, valid `Authorization` header, and both config loaders see the same profiles.
#![allow(missing_docs)]

#[path = "../benches/peers.rs"]
mod peers;

use awscred_benches::{assume_role_request, credentials, generated_config, signing_time};
use awscred_core::sigv4::{self, SigningParams};

#[test]
fn awscred_and_aws_sigv4_sign_identically_and_both_verify() {
    let creds = credentials();
    let params = SigningParams::new(&creds, "us-east-1", "sts", signing_time());

    let mut ours = assume_role_request();
    sigv4::sign(&mut ours, &params).expect("awscred signs");
    let mut cached = assume_role_request();
    let mut signer = sigv4::Signer::new();
    signer
        .sign(&mut cached, &params)
        .expect("awscred Signer signs");
    signer
        .sign(&mut cached, &params)
        .expect("awscred Signer signs again");

    let peer = peers::Sigv4Peer::new(&creds);
    let mut theirs = assume_role_request();
    peer.sign(&mut theirs, signing_time());

    let auth = |r: &http::Request<Vec<u8>>| r.headers()["authorization"].clone();
    assert_eq!(auth(&ours), auth(&theirs), "byte-identical Authorization");
    assert_eq!(auth(&ours), auth(&cached), "the cached signer agrees");
    for (who, request) in [("awscred", &ours), ("aws-sigv4", &theirs)] {
        let parsed = sigv4::verify(request, &creds)
            .unwrap_or_else(|e| panic!("{who}'s signature does not verify: {e}"));
        assert_eq!(
            parsed.signed_headers,
            ["content-type", "host", "x-amz-date", "x-amz-security-token"],
            "{who}"
        );
    }

    // The check can fail: a changed body no longer verifies.
    let mut tampered = theirs;
    tampered.body_mut().push(b'x');
    assert!(sigv4::verify(&tampered, &creds).is_err());
}

#[test]
fn both_config_loaders_see_the_generated_profiles() {
    let (config, credentials) = generated_config();
    let set = awscred_core::config::ConfigSet::load(
        Some(("config", config.as_bytes())),
        Some(("credentials", credentials.as_bytes())),
    )
    .expect("awscred parses the generated files");
    assert_eq!(set.profiles().count(), awscred_benches::PROFILES + 1);
    assert_eq!(set.sso_sessions().count(), 10);
    assert!(set.services("svc3").is_some());

    let peer = peers::ConfigPeer::new(&config, &credentials);
    let profiles = peer.load();
    assert_eq!(profiles.profiles().count(), awscred_benches::PROFILES + 1);
    assert_eq!(profiles.sso_sessions().count(), 10);

    let env = awscred_core::config::Env::default();
    let plan =
        awscred_core::config::plan(&set, awscred_benches::CHAIN_PROFILE, &env, signing_time())
            .expect("the chain plans");
    let ours: Vec<&str> = plan.chain.iter().map(|s| s.role_arn.as_str()).collect();
    assert!(matches!(
        plan.source,
        awscred_core::config::Source::Static(_)
    ));
    let theirs = peers::ConfigPeer::walk_chain(&profiles, awscred_benches::CHAIN_PROFILE);
    assert_eq!(ours.len(), 3);
    assert_eq!(ours, theirs.iter().map(String::as_str).collect::<Vec<_>>());
}
