//! A cached `credentials()` call in each driver, after one warm-up resolution of an SSO +
//! AssumeRole profile against the emulator: the cost every signed request of an application pays.
//!
//! Beside them, the pieces such a call is made of (a clock read, a `Credentials` clone, an
//! empty `block_on`), so that the figures can be explained. aws-config has no public cached read
//! to put next to them (its identity cache is reachable only through an SDK client's
//! orchestrator).
//!
//! `cargo bench -p awscred-benches --bench provider`
#![allow(missing_docs)]

mod driver_world;

use std::hint::black_box;
use std::time::{Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};

use driver_world::{PROFILE, ROLE_ACCOUNT, World};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn cached(c: &mut Criterion) {
    let world = World::start();
    let rt = current_thread();

    let ureq = awscred_ureq::Provider::new(world.env(), Some(PROFILE.into()));
    let hyper = awscred_hyper::Provider::new(world.env(), Some(PROFILE.into()));

    // Warm-up: one real resolution each (GetRoleCredentials + AssumeRole on the emulator).
    let from_ureq = ureq.credentials().expect("awscred-ureq resolves");
    let from_hyper = rt
        .block_on(hyper.credentials())
        .expect("awscred-hyper resolves");
    for credentials in [&from_ureq, &from_hyper] {
        assert_eq!(credentials.account_id(), Some(ROLE_ACCOUNT));
    }
    // The second provider may find the first one's entry in the AWS CLI's cache.
    let calls = world.emulator.count("AssumeRole");
    assert!(calls >= 1, "the warm-up reached the emulator");

    let mut group = c.benchmark_group("provider/cached");
    group.bench_function("awscred-ureq credentials_shared()", |b| {
        b.iter(|| black_box(ureq.credentials_shared()))
    });
    group.bench_function("awscred-ureq credentials()", |b| {
        b.iter(|| black_box(ureq.credentials()))
    });
    // Async callers await inside a running task: one `block_on` per sample, not per call.
    group.bench_function("awscred-hyper credentials_shared().await", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let _ = black_box(hyper.credentials_shared().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("awscred-hyper credentials().await", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let _ = black_box(hyper.credentials().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("awscred-hyper block_on(credentials())", |b| {
        b.iter(|| black_box(rt.block_on(hyper.credentials())))
    });

    // What the calls above are made of.
    group.bench_function("part: empty block_on (current-thread runtime)", |b| {
        b.iter(|| black_box(rt.block_on(async { black_box(1_u8) })))
    });
    group.bench_function("part: SystemTime::now()", |b| {
        b.iter(|| black_box(SystemTime::now()))
    });
    group.bench_function("part: Credentials::clone() (4 Strings)", |b| {
        b.iter(|| black_box(black_box(&from_ureq).clone()))
    });
    group.finish();

    // The cached calls made no request.
    assert_eq!(world.emulator.count("AssumeRole"), calls);
}

criterion_group!(benches, cached);
criterion_main!(benches);
