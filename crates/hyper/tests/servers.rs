//! The async driver on the sources servers run on, end to end over real HTTP against the
//! emulator: the default chain through `Provider` to IMDSv2 (token reused) and to the container
//! endpoint, an IMDS role chain, web identity from the environment, and IMDS never stalling.

use std::time::Duration;

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_core::resolve::{ResolveFlow, ResolveRequest};
use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use awscred_hyper::{Client, ClientConfig, NonInteractive, Provider};

struct Home {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: EmulatorConfig) -> Home {
        Home {
            emulator: Emulator::start(config).expect("the emulator starts"),
            dir: tempfile::tempdir().expect("a home"),
        }
    }

    fn env(&self, extra: &[(&str, String)]) -> Env {
        let mut pairs: Vec<(String, String)> = vec![
            ("HOME".into(), self.dir.path().display().to_string()),
            ("AWS_ENDPOINT_URL".into(), self.emulator.url()),
            ("AWS_REGION".into(), "us-east-1".into()),
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT".into(),
                self.emulator.url(),
            ),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Env::from_pairs(pairs)
    }

    fn write_config(&self, text: &str) {
        let dir = self.dir.path().join(".aws");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), text).unwrap();
    }
}

#[tokio::test]
async fn provider_without_a_profile_uses_imds_and_keeps_its_token() {
    let home = Home::new(EmulatorConfig::demo());
    let provider = Provider::new(home.env(&[]), None);
    let c = provider.credentials().await.expect("IMDS credentials");
    assert!(c.access_key_id().starts_with("ASIA"));
    assert!(!format!("{c:?}").contains(c.secret_access_key()));
    // An hour of credentials: the second call is served from memory.
    provider.credentials().await.unwrap();
    assert_eq!(home.emulator.count("GetInstanceCredentials"), 1);
    assert_eq!(home.emulator.count("GetMetadataToken"), 1);
}

#[tokio::test]
async fn imds_role_chain_and_static_stability() {
    let home = Home::new(EmulatorConfig::demo());
    home.write_config(
        "[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\ncredential_source = Ec2InstanceMetadata\n",
    );
    let provider = Provider::new(home.env(&[]), Some("app".into()));
    let c = provider.credentials().await.expect("IMDS → AssumeRole");
    assert_eq!(c.account_id(), Some("444455556666"));
    assert_eq!(home.emulator.count("AssumeRole"), 1);

    // Static stability through the default chain's provider.
    let soon = home.emulator.now() + Duration::from_secs(60);
    home.emulator.set_metadata_expiry(Some(soon));
    let provider = Provider::new(home.env(&[]), None);
    let first = provider.credentials().await.unwrap();
    home.emulator
        .inject("GetInstanceCredentials", Fault::Unavailable, 10);
    let served = provider
        .credentials()
        .await
        .expect("served through the outage");
    assert_eq!(served.access_key_id(), first.access_key_id());
    assert!(served.expiry().unwrap() > soon + Duration::from_secs(4 * 60));
}

#[tokio::test]
async fn container_endpoint_with_a_token_file() {
    let home = Home::new(EmulatorConfig {
        container_authorization: Some("eks-pod-token".into()),
        ..EmulatorConfig::demo()
    });
    let token = home.dir.path().join("eks-pod-identity-token");
    std::fs::write(&token, "eks-pod-token").unwrap();
    let env = home.env(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            home.emulator.container_url(),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token.display().to_string(),
        ),
    ]);
    let c = Provider::new(env, None)
        .credentials()
        .await
        .expect("container");
    assert_eq!(c.account_id(), Some("111122223333"));
    assert_eq!(home.emulator.count("GetContainerCredentials"), 1);
    assert_eq!(home.emulator.count("GetMetadataToken"), 0);
}

#[tokio::test]
async fn web_identity_from_the_environment() {
    let home = Home::new(EmulatorConfig::demo());
    let token = home.dir.path().join("token");
    // header {"alg":"RS256"} . claims {"sub":"system:serviceaccount:ns:app"} . sig
    std::fs::write(
        &token,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIn0.c2ln",
    )
    .unwrap();
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.display().to_string()),
        ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/irsa".into()),
    ]);
    let c = Provider::new(env, None).credentials().await.expect("IRSA");
    assert_eq!(c.account_id(), Some("111122223333"));
    assert_eq!(home.emulator.count("AssumeRoleWithWebIdentity"), 1);
    assert_eq!(home.emulator.count("GetMetadataToken"), 0);
}

/// The client's own timeouts are ten minutes: only the metadata limits end this in time.
#[tokio::test]
async fn a_silent_imds_ends_on_the_metadata_limits() {
    let home = Home::new(EmulatorConfig::demo());
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let env = home.env(&[(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    )]);
    let client = Client::new(ClientConfig {
        connect_timeout: Duration::from_secs(600),
        read_timeout: Duration::from_secs(600),
        ..ClientConfig::default()
    });
    let run = client.run(ResolveFlow::new(ResolveRequest::new(env)), NonInteractive);
    let result = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("ended on the metadata limits, not the client's ten minutes");
    let e = result.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains("instance metadata"), "{e}");
}
