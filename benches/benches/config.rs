//! Config: a generated 200-profile config + credentials pair parsed and merged by awscred-core
//! and by aws-config (`aws_config::profile::load` over an in-memory `Fs`/`Env`), and a 3-deep
//! role chain resolved, in one criterion group so the ratios come from one run.
//!
//! `cargo bench -p awscred-benches --bench config`
#![allow(missing_docs)]

mod peers;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use awscred_benches::{CHAIN_PROFILE, generated_config, signing_time};
use awscred_core::config::{ConfigSet, Env, plan};

fn load_ours(config: &str, credentials: &str) -> ConfigSet {
    ConfigSet::load(
        Some(("config", config.as_bytes())),
        Some(("credentials", credentials.as_bytes())),
    )
    .expect("awscred parses the generated files")
}

fn config_files(c: &mut Criterion) {
    let (config, credentials) = generated_config();
    let peer = peers::ConfigPeer::new(&config, &credentials);
    let env = Env::default();
    let now = signing_time();

    // Refuse to time loaders that disagree on what the files say.
    let set = load_ours(&config, &credentials);
    let profiles = peer.load();
    let ours: Vec<String> = plan(&set, CHAIN_PROFILE, &env, now)
        .expect("the chain plans")
        .chain
        .into_iter()
        .map(|s| s.role_arn)
        .collect();
    assert_eq!(ours.len(), 3);
    assert_eq!(
        ours,
        peers::ConfigPeer::walk_chain(&profiles, CHAIN_PROFILE)
    );
    assert_eq!(set.profiles().count(), profiles.profiles().count());

    let mut group = c.benchmark_group("config/200_profiles");
    group.throughput(Throughput::Bytes((config.len() + credentials.len()) as u64));
    group.bench_function("aws-config profile::load", |b| b.iter(|| peer.load()));
    group.bench_function("awscred ConfigSet::load", |b| {
        b.iter(|| load_ours(black_box(&config), black_box(&credentials)))
    });
    group.finish();

    let mut group = c.benchmark_group("config/3_deep_chain");
    group.bench_function("aws-config load + walk source_profile", |b| {
        b.iter(|| peers::ConfigPeer::walk_chain(&peer.load(), black_box(CHAIN_PROFILE)))
    });
    group.bench_function("awscred ConfigSet::load + plan", |b| {
        b.iter(|| {
            let set = load_ours(black_box(&config), black_box(&credentials));
            plan(&set, black_box(CHAIN_PROFILE), &env, now).expect("plans")
        })
    });
    group.bench_function("awscred plan (loaded set)", |b| {
        b.iter(|| plan(black_box(&set), black_box(CHAIN_PROFILE), &env, now).expect("plans"))
    });
    group.bench_function("aws-config walk source_profile (loaded set)", |b| {
        b.iter(|| peers::ConfigPeer::walk_chain(black_box(&profiles), black_box(CHAIN_PROFILE)))
    });
    group.finish();
}

criterion_group!(benches, config_files);
criterion_main!(benches);
