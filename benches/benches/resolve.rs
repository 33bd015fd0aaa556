//! A full resolution of an SSO + AssumeRole profile against the emulator on loopback, nothing
//! cached: read `~/.aws/config` and the SSO token, GetRoleCredentials, AssumeRole (SigV4-signed,
//! verified by the emulator). awscred's [`ResolveFlow`] with `use_cli_cache = false` over each
//! driver's client, next to aws-config's `ProfileFileCredentialsProvider`, built afresh every
//! iteration so that neither its parsed profile nor its SSO token stays in memory.
//!
//! aws-config reads `HOME` and `AWS_ENDPOINT_URL` from the process environment only (a custom
//! `Env`/`Fs` is test-only API), and this crate forbids the `unsafe` that `set_var` needs. So the
//! bench runs twice: the parent starts the emulator and writes the home directory, then runs this
//! same binary with HOME and AWS_ENDPOINT_URL set (and the caller's other `AWS_*` variables
//! removed), passing its arguments on; the child measures.
//!
//! A second group resolves the EC2 instance role from the emulator's IMDS (token, role name,
//! credentials: three requests, nothing reused) through the default chain, next to aws-config's
//! `ImdsCredentialsProvider`, also built afresh (so its token cache starts empty).
//!
//! `cargo bench -p awscred-benches --bench resolve`
#![allow(missing_docs)]

mod driver_world;

use std::hint::black_box;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::region::Region;
use awscred_core::Endpoint;
use awscred_core::config::Env;
use awscred_core::resolve::{ResolveFlow, ResolveRequest};
use awscred_core::sso::GetRoleCredentials;
use awscred_core::sts::{AssumeRole, AssumeRoleParams};
use awscred_core::token::{CachedToken, token_file_name};
use awscred_ureq::NonInteractive;
use criterion::Criterion;

use driver_world::{PROFILE, ROLE_ACCOUNT, World};

/// Set in the child: the emulator's URL (the parent keeps the emulator running).
const CHILD_MARK: &str = "AWSCRED_BENCH_EMULATOR";

fn main() -> ExitCode {
    if std::env::var_os(CHILD_MARK).is_some() {
        measure();
        return ExitCode::SUCCESS;
    }
    let world = World::start();
    let mut child = Command::new(std::env::current_exe().expect("the bench binary's path"));
    child.args(std::env::args_os().skip(1));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            child.env_remove(name);
        }
    }
    child
        .env("HOME", world.home.path())
        .env("AWS_ENDPOINT_URL", world.emulator.url())
        .env("AWS_REGION", "us-east-1")
        // Any instance metadata service either side asks is the emulator's (aws-config reads
        // this from the process environment).
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", world.emulator.url())
        .env(CHILD_MARK, world.emulator.url());
    let status = child.status().expect("the bench child runs");
    // What the emulator answered, so that a retried call cannot hide in the figures.
    let log = world.emulator.requests();
    let failed = log.iter().filter(|r| r.status != 200).count();
    println!(
        "emulator: {} requests ({} GetRoleCredentials, {} AssumeRole, {} IMDS credentials), {failed} not 200",
        log.len(),
        world.emulator.count("GetRoleCredentials"),
        world.emulator.count("AssumeRole"),
        world.emulator.count("GetInstanceCredentials"),
    );
    if status.success() {
        ExitCode::SUCCESS
    } else {
        eprintln!("resolve bench child failed: {status}");
        ExitCode::FAILURE
    }
}

fn request(env: &Env) -> ResolveRequest {
    let mut request = ResolveRequest::new(env.clone()).profile(PROFILE);
    request.use_cli_cache = false;
    request
}

/// aws-config's provider for the profile, with nothing carried over from a previous one but
/// the HTTP client (whose connection pool awscred's clients keep too).
fn aws_config_provider(http: &SharedHttpClient) -> ProfileFileCredentialsProvider {
    let config = ProviderConfig::without_region()
        .with_region(Some(Region::new("us-east-1")))
        .with_http_client(http.clone());
    ProfileFileCredentialsProvider::builder()
        .configure(&config)
        .profile_name(PROFILE)
        .build()
}

fn measure() {
    let env = Env::from_pairs(std::env::vars());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let ureq = awscred_ureq::Client::default();
    let hyper = awscred_hyper::Client::default();
    let http = aws_smithy_http_client::Builder::new().build_http();

    let resolve_ureq = || ureq.run(ResolveFlow::new(request(&env)), &mut NonInteractive);
    let resolve_hyper = || {
        rt.block_on(async {
            hyper
                .run(ResolveFlow::new(request(&env)), NonInteractive)
                .await
        })
    };
    let resolve_peer = || rt.block_on(aws_config_provider(&http).provide_credentials());

    // Refuse to time resolutions that do not reach the role's credentials.
    let ours = [resolve_ureq(), resolve_hyper()];
    for resolved in ours {
        let resolved = resolved.unwrap_or_else(|e| panic!("awscred resolves {PROFILE}: {e}"));
        assert!(!resolved.from_cli_cache);
        assert_eq!(resolved.credentials.account_id(), Some(ROLE_ACCOUNT));
    }
    let peer = resolve_peer().unwrap_or_else(|e| panic!("aws-config resolves {PROFILE}: {e:?}"));
    assert_eq!(peer.account_id().map(|a| a.as_str()), Some(ROLE_ACCOUNT));

    // The machine is shared: load that changes between criterion's groups skews their ratio.
    // Rounds that take turns, compared by their medians, share the load evenly.
    interleaved(&[
        ("awscred-ureq", &|| drop(resolve_ureq().expect("resolves"))),
        ("awscred-hyper", &|| {
            drop(resolve_hyper().expect("resolves"))
        }),
        ("aws-config", &|| drop(resolve_peer().expect("resolves"))),
    ]);

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("resolve/sso+assume_role");
    group.bench_function("awscred-ureq Client::run(ResolveFlow)", |b| {
        b.iter(|| black_box(resolve_ureq().expect("resolves")))
    });
    group.bench_function("awscred-hyper Client::run(ResolveFlow)", |b| {
        b.iter(|| black_box(resolve_hyper().expect("resolves")))
    });
    group.bench_function("aws-config ProfileFileCredentialsProvider", |b| {
        b.iter(|| black_box(resolve_peer().expect("resolves")))
    });
    group.finish();

    // The instance role from IMDS: no profile, the default chain ends there.
    let imds_env = Env::from_pairs([
        ("HOME", env.get("HOME").expect("HOME is set")),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            env.get(CHILD_MARK).expect("the emulator's URL"),
        ),
    ]);
    let imds_request = || {
        let mut request = ResolveRequest::new(imds_env.clone());
        request.use_cli_cache = false;
        request
    };
    let imds_ureq = || ureq.run(ResolveFlow::new(imds_request()), &mut NonInteractive);
    let imds_hyper = || {
        rt.block_on(async {
            hyper
                .run(ResolveFlow::new(imds_request()), NonInteractive)
                .await
        })
    };
    let imds_peer = || {
        let config = ProviderConfig::without_region().with_http_client(http.clone());
        rt.block_on(
            ImdsCredentialsProvider::builder()
                .configure(&config)
                .build()
                .provide_credentials(),
        )
    };
    for resolved in [imds_ureq(), imds_hyper()] {
        let resolved =
            resolved.unwrap_or_else(|e| panic!("awscred resolves the instance role: {e}"));
        assert!(resolved.credentials.access_key_id().starts_with("ASIA"));
    }
    imds_peer().unwrap_or_else(|e| panic!("aws-config resolves the instance role: {e:?}"));
    interleaved(&[
        ("awscred-ureq", &|| drop(imds_ureq().expect("resolves"))),
        ("awscred-hyper", &|| drop(imds_hyper().expect("resolves"))),
        ("aws-config", &|| drop(imds_peer().expect("resolves"))),
    ]);
    let mut group = c.benchmark_group("resolve/imds");
    group.bench_function("awscred-ureq Client::run(ResolveFlow) default chain", |b| {
        b.iter(|| black_box(imds_ureq().expect("resolves")))
    });
    group.bench_function(
        "awscred-hyper Client::run(ResolveFlow) default chain",
        |b| b.iter(|| black_box(imds_hyper().expect("resolves"))),
    );
    group.bench_function("aws-config ImdsCredentialsProvider", |b| {
        b.iter(|| black_box(imds_peer().expect("resolves")))
    });
    group.finish();

    // The two calls on their own, to tell the drivers' transports apart from the flow.
    let (get_role, assume_role) = operations(&env);
    let mut group = c.benchmark_group("resolve/one_call");
    group.bench_function("awscred-ureq GetRoleCredentials (GET)", |b| {
        b.iter(|| black_box(ureq.execute(&get_role).expect("answers")))
    });
    group.bench_function("awscred-hyper GetRoleCredentials (GET)", |b| {
        b.iter(|| black_box(rt.block_on(hyper.execute(&get_role)).expect("answers")))
    });
    group.bench_function("awscred-ureq AssumeRole (signed POST)", |b| {
        b.iter(|| black_box(ureq.execute(&assume_role).expect("answers")))
    });
    group.bench_function("awscred-hyper AssumeRole (signed POST)", |b| {
        b.iter(|| black_box(rt.block_on(hyper.execute(&assume_role)).expect("answers")))
    });
    group.finish();
    c.final_summary();
}

/// Rounds of the contenders in turn.
const ROUNDS: usize = 60;
/// Resolutions per contender per round.
const BATCH: u32 = 10;

/// Runs [`ROUNDS`] rounds in which each contender resolves [`BATCH`] times, and prints each
/// one's median time per resolution and its ratio to the last contender (the peer).
fn interleaved(contenders: &[(&str, &dyn Fn())]) {
    let mut rounds: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); contenders.len()];
    for _ in 0..ROUNDS {
        for (times, (_, resolve)) in rounds.iter_mut().zip(contenders) {
            let start = Instant::now();
            for _ in 0..BATCH {
                resolve();
            }
            times.push(start.elapsed() / BATCH);
        }
    }
    let medians: Vec<Duration> = rounds
        .iter_mut()
        .map(|times| {
            times.sort();
            times[times.len() / 2]
        })
        .collect();
    let Some(peer) = medians.last().copied() else {
        return;
    };
    println!("interleaved: {ROUNDS} rounds x {BATCH} resolutions each, median per resolution");
    for ((name, _), median) in contenders.iter().zip(&medians) {
        println!(
            "  {name:<14} {:>8.1} µs   {:.2}x the peer's time",
            median.as_secs_f64() * 1e6,
            median.as_secs_f64() / peer.as_secs_f64()
        );
    }
}

/// GetRoleCredentials with the cached SSO token, and AssumeRole signed with its answer.
fn operations(env: &Env) -> (GetRoleCredentials, AssumeRole) {
    let home = env.get("HOME").expect("HOME is set");
    let path = std::path::Path::new(home)
        .join(".aws/sso/cache")
        .join(token_file_name("bench"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let token = CachedToken::parse(&bytes).expect("the seeded token parses");
    let endpoint = Endpoint {
        url: env.get("AWS_ENDPOINT_URL").expect("set").to_string(),
        signing_region: "us-east-1".into(),
    };
    let get_role = GetRoleCredentials {
        endpoint: endpoint.clone(),
        access_token: token.access_token,
        account_id: "111122223333".into(),
        role_name: "ReadOnlyAccess".into(),
    };
    let source = awscred_ureq::Client::default()
        .execute(&get_role)
        .expect("GetRoleCredentials answers");
    let assume_role = AssumeRole::new(
        endpoint,
        source,
        AssumeRoleParams::new("arn:aws:iam::444455556666:role/bench", "bench"),
    );
    (get_role, assume_role)
}
