//! The async driver against the emulator over real HTTP: the core's operations, retries on
//! injected faults, giving up after the last attempt, signed calls verified by the emulator.

use std::time::Duration;

use awscred_core::sso::{GetRoleCredentials, ListAccounts};
use awscred_core::sts::GetCallerIdentity;
use awscred_core::{Credentials, Endpoint, Error, TransportKind};
use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use awscred_hyper::{Client, Provider};

fn start() -> (Emulator, String) {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let token = emulator
        .issue_access_token(Duration::from_secs(3600))
        .access_token;
    (emulator, token)
}

fn endpoint(emulator: &Emulator) -> Endpoint {
    Endpoint {
        url: emulator.url(),
        signing_region: "us-east-1".into(),
    }
}

fn role_credentials(emulator: &Emulator, token: &str) -> GetRoleCredentials {
    GetRoleCredentials {
        endpoint: endpoint(emulator),
        access_token: token.into(),
        account_id: "111122223333".into(),
        role_name: "ReadOnlyAccess".into(),
    }
}

#[tokio::test]
async fn executes_portal_operations() {
    let (emulator, token) = start();
    let client = Client::default();
    let credentials = client
        .execute(&role_credentials(&emulator, &token))
        .await
        .unwrap();
    assert!(
        credentials.access_key_id().starts_with("ASIA"),
        "{credentials:?}"
    );
    assert!(credentials.expiry().is_some());
    let page = client
        .execute(&ListAccounts::new(endpoint(&emulator), token.clone()))
        .await
        .unwrap();
    assert_eq!(page.accounts.len(), 2, "the demo fixture pages by two");
    assert!(page.next_token.is_some());
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
}

#[tokio::test]
async fn retries_injected_faults_then_succeeds() {
    let (emulator, token) = start();
    let client = Client::default();
    let op = role_credentials(&emulator, &token);
    for (fault, name) in [
        (Fault::Throttle, "429 throttling"),
        (Fault::Unavailable, "503"),
        (Fault::ServerError, "500"),
        (Fault::CutConnection, "cut connection"),
    ] {
        emulator.clear_requests();
        emulator.inject("GetRoleCredentials", fault, 1);
        let credentials = client
            .execute(&op)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(credentials.access_key_id().starts_with("ASIA"));
        assert_eq!(
            emulator.count("GetRoleCredentials"),
            2,
            "{name}: one failure, one retry"
        );
    }
}

#[tokio::test]
async fn gives_up_after_the_last_attempt() {
    let (emulator, token) = start();
    emulator.inject("GetRoleCredentials", Fault::Unavailable, 10);
    let client = Client::default();
    let e = client
        .execute(&role_credentials(&emulator, &token))
        .await
        .unwrap_err();
    assert_eq!(e.service_error().map(|s| s.status), Some(503), "{e:?}");
    let attempts = client.config().retry.max_attempts as usize;
    assert_eq!(emulator.count("GetRoleCredentials"), attempts);
}

#[tokio::test]
async fn does_not_retry_what_cannot_succeed() {
    let (emulator, token) = start();
    let client = Client::default();
    emulator.inject("GetRoleCredentials", Fault::MalformedBody, 1);
    let e = client
        .execute(&role_credentials(&emulator, &token))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::MalformedResponse {
                operation: "GetRoleCredentials",
                ..
            }
        ),
        "{e:?}"
    );
    let e = client
        .execute(&role_credentials(&emulator, "not-a-token"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::LoginNeeded { .. }), "{e:?}");
    assert_eq!(emulator.count("GetRoleCredentials"), 2);
}

#[tokio::test]
async fn slow_answers_time_out() {
    let (emulator, token) = start();
    emulator.inject(
        "GetRoleCredentials",
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    let client = Client::new(awscred_hyper::ClientConfig {
        connect_timeout: Duration::from_millis(200),
        read_timeout: Duration::from_millis(300),
        ..Default::default()
    });
    let request = {
        use awscred_core::Operation;
        role_credentials(&emulator, &token)
            .request(std::time::SystemTime::now())
            .unwrap()
    };
    match client.send_once(request).await {
        Err(Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn signed_calls_are_re_signed_on_each_attempt_and_verified() {
    let (emulator, token) = start();
    let client = Client::default();
    let credentials = client
        .execute(&role_credentials(&emulator, &token))
        .await
        .unwrap();
    emulator.inject("/", Fault::Throttle, 1);
    let identity = client
        .execute(&GetCallerIdentity::new(endpoint(&emulator), credentials))
        .await
        .unwrap();
    assert_eq!(identity.account, "111122223333");
    assert!(identity.arn.contains("ReadOnlyAccess"), "{}", identity.arn);
    // A wrong secret is refused by the emulator's SigV4 check, and not retried.
    let forged = Credentials::new("AKIAEMULATORSTATIC01", "not-the-secret", None, None);
    let e = client
        .execute(&GetCallerIdentity::new(endpoint(&emulator), forged))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Service(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_over_the_emulator_fetches_once_for_many_callers() {
    let (emulator, token) = start();
    let client = Client::default();
    let op = role_credentials(&emulator, &token);
    let resolver_client = client.clone();
    let provider = Provider::from_resolver(client, move || {
        let (client, op) = (resolver_client.clone(), op.clone());
        async move { client.execute(&op).await }
    });
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.credentials().await })
        })
        .collect();
    let mut keys = Vec::new();
    for task in tasks {
        keys.push(task.await.unwrap().unwrap().access_key_id().to_string());
    }
    keys.dedup();
    assert_eq!(keys.len(), 1);
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
}
