//! SigV4: the same STS AssumeRole request (form body, content type, session token) signed by
//! awscred-core and by aws-sigv4, in one criterion group so the ratio comes from one run.
//!
//! `cargo bench -p awscred-benches --bench sigv4`
#![allow(missing_docs)]

mod peers;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use awscred_benches::{assume_role_request, credentials, signing_time};
use awscred_core::sigv4::{self, SignableRequest, Signer, SigningParams};

/// Refuses to time anything unless both signers produce the same, verifiable header.
fn check_same_signature() {
    let creds = credentials();
    let params = SigningParams::new(&creds, "us-east-1", "sts", signing_time());
    let mut ours = assume_role_request();
    sigv4::sign(&mut ours, &params).expect("awscred signs");
    let mut theirs = assume_role_request();
    peers::Sigv4Peer::new(&creds).sign(&mut theirs, signing_time());
    assert_eq!(
        ours.headers()["authorization"],
        theirs.headers()["authorization"],
        "awscred and aws-sigv4 must sign identically"
    );
    sigv4::verify(&ours, &creds).expect("awscred's signature verifies");
    sigv4::verify(&theirs, &creds).expect("aws-sigv4's signature verifies");
}

fn sign_assume_role(c: &mut Criterion) {
    check_same_signature();
    let creds = credentials();
    let params = SigningParams::new(&creds, "us-east-1", "sts", signing_time());
    let peer = peers::Sigv4Peer::new(&creds);
    let peer_params = peer.params(signing_time());
    let unsigned = assume_role_request();

    let mut group = c.benchmark_group("sigv4/assume_role");
    group.throughput(Throughput::Elements(1));

    // Request in, signed request out. The clone of the unsigned request is setup, not timed.
    group.bench_function("aws-sigv4 sign+apply", |b| {
        b.iter_batched_ref(
            || unsigned.clone(),
            |req| peer.sign_with(req, &peer_params),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("awscred sign", |b| {
        b.iter_batched_ref(
            || unsigned.clone(),
            |req| sigv4::sign(req, &params).expect("signs"),
            BatchSize::SmallInput,
        )
    });
    let mut signer = Signer::new();
    group.bench_function("awscred Signer::sign (cached key)", |b| {
        b.iter_batched_ref(
            || unsigned.clone(),
            |req| signer.sign(req, &params).expect("signs"),
            BatchSize::SmallInput,
        )
    });
    // The headers only, request untouched: the signing work without header insertion.
    group.bench_function("awscred Signer::compute (cached key, no apply)", |b| {
        let signable = SignableRequest::from_http(&unsigned);
        b.iter(|| {
            signer
                .compute(std::hint::black_box(&signable), &params)
                .expect("signs")
                .authorization()
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, sign_assume_role);
criterion_main!(benches);
