//! The in-memory cache and the provider: single flight, serving still-valid credentials when a
//! refresh fails, errors only when nothing valid is left.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use awscred_core::{Credentials, Error};
use awscred_hyper::{Client, CredentialsCache, Provider};

fn creds(key: &str, lifetime: Option<Duration>) -> Credentials {
    Credentials::new(
        key,
        "SECRETVALUE",
        Some("TOKENVALUE".into()),
        lifetime.map(|d| SystemTime::now() + d),
    )
}

fn expired(key: &str) -> Credentials {
    Credentials::new(
        key,
        "secret",
        None,
        Some(SystemTime::now() - Duration::from_secs(1)),
    )
}

const HOUR: Option<Duration> = Some(Duration::from_secs(3600));
/// Inside the refresh window (5 min before expiry) but still valid.
const MINUTE: Option<Duration> = Some(Duration::from_secs(60));

fn down() -> Error {
    Error::Transport {
        kind: awscred_core::TransportKind::Connect,
        message: "connection refused".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_callers_cause_one_refresh() {
    let cache = Arc::new(CredentialsCache::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let (cache, calls) = (cache.clone(), calls.clone());
            tokio::spawn(async move {
                cache
                    .get_or_refresh(|| async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(creds("AKIDONE", HOUR))
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().access_key_id(), "AKIDONE");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        cache.fresh().map(|c| c.access_key_id().to_string()),
        Some("AKIDONE".into())
    );
}

#[tokio::test]
async fn fresh_credentials_are_served_without_refreshing() {
    let cache = CredentialsCache::new();
    assert!(cache.fresh().is_none());
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        let c = cache
            .get_or_refresh(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(creds("AKID", HOUR))
            })
            .await
            .unwrap();
        assert_eq!(c.access_key_id(), "AKID");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Long-term keys never need a refresh.
    let cache = CredentialsCache::new();
    cache
        .get_or_refresh(|| async { Ok(creds("LONG", None)) })
        .await
        .unwrap();
    let c = cache
        .get_or_refresh(|| async { Err(down()) })
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "LONG");
}

#[tokio::test]
async fn credentials_in_the_refresh_window_are_refreshed() {
    let cache = CredentialsCache::new();
    cache
        .get_or_refresh(|| async { Ok(creds("OLD", MINUTE)) })
        .await
        .unwrap();
    let c = cache
        .get_or_refresh(|| async { Ok(creds("NEW", HOUR)) })
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "NEW");
    assert_eq!(cache.fresh().unwrap().access_key_id(), "NEW");
}

#[tokio::test]
async fn a_failed_refresh_serves_still_valid_credentials_and_backs_off() {
    let cache = CredentialsCache::new();
    cache
        .get_or_refresh(|| async { Ok(creds("OLD", MINUTE)) })
        .await
        .unwrap();
    let calls = AtomicUsize::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(down())
    };
    assert_eq!(
        cache.get_or_refresh(failing).await.unwrap().access_key_id(),
        "OLD"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Within the back-off the still-valid credentials are served without another attempt.
    assert_eq!(
        cache.get_or_refresh(failing).await.unwrap().access_key_id(),
        "OLD"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn expired_credentials_and_a_failed_refresh_are_an_error() {
    let cache = CredentialsCache::new();
    cache
        .get_or_refresh(|| async { Ok(expired("GONE")) })
        .await
        .unwrap();
    let e = cache
        .get_or_refresh(|| async { Err(down()) })
        .await
        .unwrap_err();
    assert_eq!(e, down());
    // An empty cache with a failing refresh: the error too.
    let e = CredentialsCache::new()
        .get_or_refresh(|| async { Err(down()) })
        .await
        .unwrap_err();
    assert_eq!(e, down());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_a_failed_refresh() {
    let cache = Arc::new(CredentialsCache::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (cache, calls) = (cache.clone(), calls.clone());
            tokio::spawn(async move {
                cache
                    .get_or_refresh(|| async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err::<Credentials, _>(down())
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap_err(), down());
    }
    // Callers that arrive after the failure try again; those that waited for it do not.
    let calls = calls.load(Ordering::SeqCst);
    assert!(calls < 10, "{calls} refreshes for 1000 callers");
}

#[tokio::test]
async fn clearing_forces_a_refresh() {
    let cache = CredentialsCache::new();
    cache
        .get_or_refresh(|| async { Ok(creds("A", HOUR)) })
        .await
        .unwrap();
    cache.clear();
    assert!(cache.fresh().is_none());
    assert_eq!(
        cache
            .get_or_refresh(|| async { Ok(creds("B", HOUR)) })
            .await
            .unwrap()
            .access_key_id(),
        "B"
    );
}

#[tokio::test]
async fn a_cancelled_refresh_lets_the_next_caller_refresh() {
    let cache = Arc::new(CredentialsCache::new());
    let stuck = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_or_refresh(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(creds("NEVER", HOUR))
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    stuck.abort();
    let c = tokio::time::timeout(
        Duration::from_secs(5),
        cache.get_or_refresh(|| async { Ok(creds("NEXT", HOUR)) }),
    )
    .await
    .expect("not blocked by the cancelled refresh")
    .unwrap();
    assert_eq!(c.access_key_id(), "NEXT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_resolves_once_for_concurrent_callers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = Provider::from_resolver(Client::default(), move || {
        let counter = counter.clone();
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(creds(&format!("AKID{n}"), HOUR))
        }
    });
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.credentials().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().access_key_id(), "AKID0");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    provider.invalidate();
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id(),
        "AKID1"
    );
    let shown = format!("{provider:?}");
    assert!(shown.contains("AKID1"), "{shown}");
    assert!(
        !shown.contains("SECRETVALUE") && !shown.contains("TOKENVALUE"),
        "{shown}"
    );
}

#[tokio::test]
async fn shared_reads_hand_out_the_cached_credentials_without_copying_them() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = Provider::from_resolver(Client::default(), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok(creds(&format!("KEY{n}"), HOUR)) }
    });
    let first = provider.credentials_shared().await.unwrap();
    let second = provider.credentials_shared().await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &second),
        "the same allocation, not a copy"
    );
    assert_eq!(first.access_key_id(), "KEY0");
    // The copying accessor serves the same cached value.
    assert_eq!(provider.credentials().await.unwrap(), *first);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A refresh replaces the shared value; earlier holders keep theirs.
    provider.invalidate();
    let third = provider.credentials_shared().await.unwrap();
    assert_eq!(third.access_key_id(), "KEY1");
    assert_eq!(first.access_key_id(), "KEY0");
}
