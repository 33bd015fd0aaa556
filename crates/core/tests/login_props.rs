//! Property tests: whatever the driver, the files and the services answer, the login and logout
//! flows never panic, always end, stay ended, and never show a secret in `Debug`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awscred_core::flow::{Effect, Flow, Input, Step};
use awscred_core::login::{LoginFlow, LoginRequest};
use awscred_core::logout::{LogoutFlow, LogoutRequest};
use awscred_core::{Endpoint, EndpointConfig, Error, TransportKind};
use proptest::prelude::*;

const SECRET: &str = "SECRETVALUE-zzz";

/// Answers built from a stream of random choices; once the stream is used up, every request
/// fails, which ends any flow.
struct Chaos {
    choices: Vec<u8>,
    next: usize,
    texts: Vec<String>,
}

impl Chaos {
    fn pick(&mut self) -> Option<u8> {
        let c = self.choices.get(self.next).copied();
        self.next += 1;
        c
    }

    fn text(&mut self) -> String {
        let i = self.pick().unwrap_or(0) as usize;
        self.texts
            .get(i % self.texts.len().max(1))
            .cloned()
            .unwrap_or_default()
    }

    fn body(&mut self) -> Vec<u8> {
        let t = self.text();
        let n = u64::from(self.pick().unwrap_or(0));
        let value = match self.pick().unwrap_or(0) % 7 {
            0 => serde_json::json!({"clientId": t, "clientSecret": SECRET,
                "clientSecretExpiresAt": 1_800_000_000u64 + n * 100_000}),
            1 => serde_json::json!({"deviceCode": SECRET, "userCode": t, "verificationUri": t,
                "verificationUriComplete": t, "expiresIn": n, "interval": n % 4}),
            2 => serde_json::json!({"accessToken": SECRET, "expiresIn": n, "refreshToken": SECRET}),
            3 => serde_json::json!({"error": t}),
            4 => serde_json::json!({"accessToken": SECRET, "region": t, "expiresAt": t}),
            5 => serde_json::json!({"ProviderType": t, "clientId": t, "clientSecret": SECRET,
                "expiresAt": "2026-12-01T00:00:00Z", "grantTypes": [t]}),
            _ => return t.into_bytes(),
        };
        value.to_string().into_bytes()
    }

    fn error(&self) -> Error {
        Error::Transport {
            kind: TransportKind::Timeout,
            message: "chaos".into(),
        }
    }

    fn answer<T>(&mut self, step: Step<T>) -> Result<Input, Option<Result<T, Error>>> {
        let Some(c) = self.pick() else {
            return Ok(match step {
                Step::Done(r) => return Err(Some(r)),
                Step::Effect(Effect::Send(_)) => Input::Response(Err(self.error())),
                Step::Effect(Effect::Listen) => Input::Listening(Err(self.error())),
                Step::Effect(Effect::AwaitCallback { .. }) => Input::Callback(Err(self.error())),
                Step::Effect(Effect::Read(_)) => Input::File(Ok(None)),
                Step::Effect(Effect::List(_)) => Input::Listed(Ok(Vec::new())),
                Step::Effect(Effect::Write { .. }) | Step::Effect(Effect::Remove(_)) => {
                    Input::Written(Ok(()))
                }
                Step::Effect(Effect::Wait(_)) => Input::Waited,
                _ => Input::Shown,
            });
        };
        Ok(match step {
            Step::Done(r) => return Err(Some(r)),
            Step::Effect(Effect::Read(_)) => match c % 4 {
                0 => Input::File(Ok(None)),
                1 => Input::File(Err(self.error())),
                _ => Input::File(Ok(Some(self.body()))),
            },
            Step::Effect(Effect::Send(_)) => {
                let status = [200u16, 400, 401, 429, 500][usize::from(c % 5)];
                let code = self.text();
                let body = self.body();
                match http::Response::builder()
                    .status(status)
                    .header("x-amzn-errortype", code)
                    .body(body)
                {
                    Ok(r) if c % 11 != 0 => Input::Response(Ok(r)),
                    _ => Input::Response(Err(self.error())),
                }
            }
            Step::Effect(Effect::Write { .. }) | Step::Effect(Effect::Remove(_)) => match c % 6 {
                0 => Input::Written(Err(self.error())),
                _ => Input::Written(Ok(())),
            },
            Step::Effect(Effect::List(_)) => match c % 5 {
                0 => Input::Listed(Err(self.error())),
                n => Input::Listed(Ok((0..n)
                    .map(|i| PathBuf::from(format!("/d/{i}.json")))
                    .collect())),
            },
            Step::Effect(Effect::Wait(_)) => Input::Waited,
            Step::Effect(Effect::Prompt(_)) => Input::Shown,
            Step::Effect(Effect::Listen) => Input::Listening(Ok(u16::from(c) * 200)),
            Step::Effect(Effect::AwaitCallback { .. }) => Input::Callback(Ok(self.text())),
            // Some wrong answers too: the flow must reject them cleanly.
            _ if c % 2 == 0 => Input::Unlocked,
            _ => Input::Shown,
        })
    }
}

fn drive<F: Flow + std::fmt::Debug>(flow: &mut F, chaos: &mut Chaos) {
    let mut now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_338_000);
    for _ in 0..100_000 {
        let shown = format!("{flow:?}");
        assert!(!shown.contains(SECRET), "secret in {shown}");
        let step = flow.next_step(now);
        if let Step::Effect(Effect::Wait(d)) = &step {
            now += *d;
        }
        match chaos.answer(step) {
            Ok(input) => flow.handle(input, now),
            Err(result) => {
                if let Some(Err(e)) = result {
                    assert!(!format!("{e} {e:?}").contains(SECRET));
                }
                assert!(matches!(flow.next_step(now), Step::Done(_)));
                return;
            }
        }
    }
    panic!("the flow did not end");
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just("AuthorizationPendingException".to_string()),
            Just("SlowDownException".to_string()),
            Just("ExpiredTokenException".to_string()),
            Just("code=c&state=00000000-0000-4000-8000-000000000000".to_string()),
            Just("error=access_denied".to_string()),
            Just("sso".to_string()),
            Just("us-east-1".to_string()),
            Just("authorization_code".to_string()),
            "\\PC{0,20}",
        ],
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn login_always_ends_cleanly(
        choices in prop::collection::vec(any::<u8>(), 0..200),
        texts in texts(),
        session in prop::option::of("[a-z]{1,8}"),
        use_device_code in any::<bool>(),
        random in prop::collection::vec(any::<u8>(), 96),
    ) {
        let mut bytes = [0u8; 96];
        bytes.copy_from_slice(&random);
        let mut flow = LoginFlow::new(LoginRequest {
            session_name: session,
            start_url: "https://d-123.awsapps.com/start".into(),
            sso_region: "us-east-1".into(),
            scopes: Vec::new(),
            use_device_code,
            oidc_endpoint: Endpoint {
                url: "https://oidc.us-east-1.amazonaws.com".into(),
                signing_region: "us-east-1".into(),
            },
            token_dir: "/t".into(),
            random: bytes,
        });
        drive(&mut flow, &mut Chaos { choices, next: 0, texts });
    }

    #[test]
    fn logout_always_ends_cleanly(
        choices in prop::collection::vec(any::<u8>(), 0..200),
        texts in texts(),
    ) {
        let mut flow = LogoutFlow::new(LogoutRequest {
            token_dir: "/t".into(),
            cli_cache_dir: "/c".into(),
            sso_endpoint: EndpointConfig::default(),
        });
        drive(&mut flow, &mut Chaos { choices, next: 0, texts });
    }
}
