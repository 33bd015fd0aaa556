//! The container-credentials endpoint ([`awscred_hyper::credential_server`]) with real
//! clients: the AWS SDK for Rust (aws-config's ECS provider, in a child process of this test
//! binary so that it reads the variables from its environment) and the AWS CLI v2 call
//! GetCallerIdentity through it against the emulator, many at once, before and after the
//! credentials expire on the emulator's clock: one AssumeRole for each round. (What both
//! endpoints must answer to raw and hostile clients is in `tests/server_suite.rs`.)

#![cfg(feature = "server")]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use awscred_hyper::credential_server::CredentialServer;
use awscred_hyper::{Env, Provider};

/// Set in the child: it is the SDK client, not the test.
const CHILD: &str = "AWSCRED_TEST_SDK_CHILD";
/// SDK clients per child (each with its own provider and identity cache, so each asks).
const SDK_CLIENTS: usize = 8;
/// AWS CLI processes per round.
const CLI_RUNS: usize = 3;

use awscred_emulator::interop::aws_cli;

/// The child's work: SDK_CLIENTS STS clients, each with aws-config's ECS provider reading this
/// process's environment, call GetCallerIdentity at once; prints each ARN.
async fn sdk_child() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let mut calls = Vec::new();
    for _ in 0..SDK_CLIENTS {
        let config = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(endpoint.clone())
            .credentials_provider(
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .configure(
                        &aws_config::provider_config::ProviderConfig::without_region()
                            .with_http_client(aws_smithy_http_client::Builder::new().build_http()),
                    )
                    .build(),
            )
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        let client = aws_sdk_sts::Client::from_conf(config);
        calls.push(tokio::spawn(async move {
            client.get_caller_identity().send().await
        }));
    }
    for call in calls {
        match call.await.expect("a client task") {
            Ok(identity) => println!("ARN {}", identity.arn().unwrap_or_default()),
            Err(e) => println!("ERROR {}", aws_sdk_sts::error::DisplayErrorContext(e)),
        }
    }
}

/// One round: the SDK child and the AWS CLI runs, all at once; every one must succeed.
fn round(
    server: &CredentialServer,
    emulator: &Emulator,
    home: &std::path::Path,
    aws: Option<&PathBuf>,
) {
    let with_endpoint = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_ENDPOINT_URL", emulator.url())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_PAGER", "")
            .envs(server.env().map(|(k, v)| (k.to_string(), v)));
    };
    let mut child = Command::new(std::env::current_exe().expect("this test binary"));
    with_endpoint(&mut child);
    child.env(CHILD, "1").args([
        "--exact",
        "the_sdk_and_the_aws_cli_share_one_refresh_across_an_expiry",
        "--nocapture",
        "--test-threads=1",
    ]);
    let mut runs = vec![("the SDK child", child.output_async())];
    if let Some(aws) = aws {
        for _ in 0..CLI_RUNS {
            let mut cli = Command::new(aws);
            with_endpoint(&mut cli);
            cli.args(["sts", "get-caller-identity", "--output", "json"]);
            runs.push(("the AWS CLI", cli.output_async()));
        }
    }
    for (what, run) in runs {
        let out = run.join().expect("a runner thread");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{what} failed\n{stdout}\n{stderr}");
        if what == "the SDK child" {
            let arns = stdout.matches("ARN arn:").count();
            assert_eq!(arns, SDK_CLIENTS, "{stdout}\n{stderr}");
            assert!(!stdout.contains("ERROR"), "{stdout}");
        } else {
            assert!(stdout.contains("assumed-role/app"), "{stdout}\n{stderr}");
        }
        for secret in emulator.issued_secrets() {
            assert!(!stderr.contains(&secret), "{what} printed a secret");
        }
    }
}

/// Runs a command on a thread of its own, so several run at once.
trait OutputAsync {
    fn output_async(self) -> std::thread::JoinHandle<std::process::Output>;
}

impl OutputAsync for Command {
    fn output_async(mut self) -> std::thread::JoinHandle<std::process::Output> {
        std::thread::spawn(move || self.output().expect("the command starts"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_and_the_aws_cli_share_one_refresh_across_an_expiry() {
    if std::env::var_os(CHILD).is_some() {
        return sdk_child().await;
    }
    let aws = aws_cli();
    let lifetime = Duration::from_secs(15 * 60);
    let emulator = Arc::new(
        Emulator::start(EmulatorConfig {
            credential_lifetime: lifetime,
            // The clients sign with this machine's clock; the emulator's moves ahead of it.
            max_clock_skew: None,
            ..EmulatorConfig::demo()
        })
        .expect("the emulator starts"),
    );
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = emulator-static-secret-key\n",
    )
    .unwrap();
    let env = Env::from_pairs([
        ("HOME", home.path().display().to_string()),
        ("AWS_ENDPOINT_URL", emulator.url()),
    ]);
    let clock = Arc::clone(&emulator);
    let provider = Provider::builder()
        .env(env)
        .profile("app")
        .use_cli_cache(false)
        .clock(move || clock.now())
        .build();
    let server = CredentialServer::start(provider, 0, [42; 32])
        .await
        .unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));

    // The clients block on their processes: off the runtime's threads.
    let run = |emulator: Arc<Emulator>, server: Arc<CredentialServer>| {
        let (aws, home) = (aws.clone(), home.path().to_path_buf());
        tokio::task::spawn_blocking(move || round(&server, &emulator, &home, aws.as_ref()))
    };
    let server = Arc::new(server);
    run(Arc::clone(&emulator), Arc::clone(&server))
        .await
        .unwrap();
    let clients = 1 + if aws.is_some() { CLI_RUNS } else { 0 };
    assert_eq!(
        emulator.count("AssumeRole"),
        1,
        "one refresh for every client"
    );
    assert!(emulator.count("GetCallerIdentity") >= SDK_CLIENTS + clients - 1);

    // The credentials expire on the emulator's clock: the next round refreshes, once.
    emulator.advance(lifetime + Duration::from_secs(60));
    run(Arc::clone(&emulator), Arc::clone(&server))
        .await
        .unwrap();
    assert_eq!(
        emulator.count("AssumeRole"),
        2,
        "one refresh after the expiry"
    );
    let refused = emulator
        .requests()
        .iter()
        .filter(|r| r.operation == "GetCallerIdentity" && r.status != 200)
        .count();
    assert_eq!(refused, 0, "no client got expired credentials");
}
