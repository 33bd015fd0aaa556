//! The flow loop carries out every kind of step for real and feeds the results back.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, Prompt, Step};
use awscred_hyper::{Client, Interact, NonInteractive};
use common::{Action, Server};

/// A flow that walks a fixed list of steps and records, as text, each answer it gets.
struct Script {
    steps: Vec<Step<Vec<String>>>,
    log: Vec<String>,
    /// Where the listener's port is published for the test's "browser".
    port: Arc<Mutex<Option<u16>>>,
}

impl Flow for Script {
    type Output = Vec<String>;

    fn next_step(&mut self, _now: SystemTime) -> Step<Vec<String>> {
        if self.steps.is_empty() {
            return Step::Done(Ok(std::mem::take(&mut self.log)));
        }
        self.steps.remove(0)
    }

    fn handle(&mut self, input: Input, _now: SystemTime) {
        let entry = match input {
            Input::File(Ok(None)) => "file: none".to_string(),
            Input::File(Ok(Some(b))) => format!("file: {}", String::from_utf8_lossy(&b)),
            Input::Response(Ok(r)) => format!(
                "response: {} {}",
                r.status().as_u16(),
                String::from_utf8_lossy(r.body())
            ),
            Input::Written(Ok(())) => "written".into(),
            Input::Listed(Ok(mut paths)) => {
                paths.sort();
                let names: Vec<_> = paths
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                format!("listed: {}", names.join(","))
            }
            Input::Locked(Ok(())) => "locked".into(),
            Input::Unlocked => "unlocked".into(),
            Input::Waited => "waited".into(),
            Input::ProcessOutput(Ok(o)) => {
                format!(
                    "process: {:?} {}",
                    o.status,
                    String::from_utf8_lossy(&o.stdout).trim()
                )
            }
            Input::TokenCode(r) => format!("code: {}", r.is_ok()),
            Input::Shown => "shown".into(),
            Input::Listening(Ok(port)) => {
                *self.port.lock().unwrap() = Some(port);
                "listening".into()
            }
            Input::Callback(Ok(query)) => format!("callback: {query}"),
            other => format!("error: {other:?}"),
        };
        self.log.push(entry);
    }
}

/// Records what it was shown where the test can still see it (the run owns the `Interact`).
#[derive(Default, Clone)]
struct Recorder {
    shown: Arc<Mutex<Vec<Prompt>>>,
}

impl Interact for Recorder {
    fn show(&mut self, prompt: &Prompt) {
        self.shown.lock().unwrap().push(prompt.clone());
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Ok(format!("123456 for {serial}"))
    }
}

#[tokio::test]
async fn every_step_is_carried_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache/sub/token.json");
    let lock = dir.path().join("cache/token.lock");
    let server = Server::start(vec![
        Action::Reply(503, vec![]),
        Action::Reply(200, b"hello".to_vec()),
    ])
    .await;
    let request = http::Request::get(server.url("/hi"))
        .body(Vec::new())
        .unwrap();
    let port = Arc::new(Mutex::new(None));
    let flow = Script {
        steps: vec![
            Step::Effect(Effect::Read(file.clone())),
            Step::Effect(Effect::Write {
                path: file.clone(),
                contents: b"{\"a\":1}".to_vec(),
            }),
            Step::Effect(Effect::Read(file.clone())),
            Step::Effect(Effect::List(file.parent().unwrap().to_path_buf())),
            Step::Effect(Effect::Lock(lock.clone())),
            Step::Effect(Effect::Unlock(lock.clone())),
            Step::Effect(Effect::Send(request)),
            Step::Effect(Effect::Wait(Duration::from_millis(30))),
            Step::Effect(Effect::Run("sh -c 'echo from-process'".into())),
            Step::Effect(Effect::AskTokenCode {
                serial: "arn:aws:iam::123456789012:mfa/me".into(),
            }),
            Step::Effect(Effect::Prompt(Prompt::Polling)),
            Step::Effect(Effect::Remove(file.clone())),
            Step::Effect(Effect::Read(file.clone())),
            Step::Effect(Effect::Listen),
            Step::Effect(Effect::AwaitCallback {
                timeout: Duration::from_secs(10),
                check: awscred_core::oidc::callback::CallbackCheck::new("xyz"),
            }),
        ],
        log: Vec::new(),
        port: port.clone(),
    };
    // The "browser": waits for the port, then follows the redirect.
    let browser = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Some(p) = *port.lock().unwrap() {
                break p;
            }
            assert!(Instant::now() < deadline, "the flow never listened");
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /oauth/callback?code=abc&state=xyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut page = String::new();
        s.read_to_string(&mut page).unwrap();
        assert!(page.starts_with("HTTP/1.1 200"));
    });
    let started = Instant::now();
    let interact = Recorder::default();
    let log = Client::default().run(flow, interact.clone()).await.unwrap();
    browser.await.unwrap();
    assert_eq!(
        log,
        [
            "file: none",
            "written",
            "file: {\"a\":1}",
            "listed: token.json",
            "locked",
            "unlocked",
            "response: 200 hello",
            "waited",
            "process: Some(0) from-process",
            "code: true",
            "shown",
            "written",
            "file: none",
            "listening",
            "callback: code=abc&state=xyz",
        ]
    );
    assert_eq!(server.count(), 2, "Send retries like Client::send");
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(*interact.shown.lock().unwrap(), [Prompt::Polling]);
    assert!(!file.exists() && lock.exists());
}

#[tokio::test]
async fn failures_come_back_as_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let flow = Script {
        steps: vec![
            Step::Effect(Effect::Read(dir.path().to_path_buf())),
            Step::Effect(Effect::Run("/nonexistent/awscred-test-program".into())),
            Step::Effect(Effect::AskTokenCode {
                serial: "mfa".into(),
            }),
            Step::Effect(Effect::AwaitCallback {
                timeout: Duration::from_millis(10),
                check: awscred_core::oidc::callback::CallbackCheck::new("xyz"),
            }),
            Step::Effect(Effect::Send(
                http::Request::get("http://example.com/")
                    .body(Vec::new())
                    .unwrap(),
            )),
        ],
        log: Vec::new(),
        port: Arc::default(),
    };
    let log = Client::default().run(flow, NonInteractive).await.unwrap();
    assert!(log[0].starts_with("error: File(Err(Io"), "{}", log[0]);
    assert!(
        log[1].starts_with("error: ProcessOutput(Err(Process"),
        "{}",
        log[1]
    );
    assert_eq!(log[2], "code: false");
    assert!(
        log[3].starts_with("error: Callback(Err(Login"),
        "{}",
        log[3]
    );
    assert!(
        log[4].starts_with("error: Response(Err(InvalidInput"),
        "{}",
        log[4]
    );
}

#[tokio::test]
async fn the_flow_ends_with_its_result() {
    struct Fails;
    impl Flow for Fails {
        type Output = ();
        fn next_step(&mut self, _now: SystemTime) -> Step<()> {
            Step::Done(Err(Error::Config("profile `x` not found".into())))
        }
        fn handle(&mut self, _input: Input, _now: SystemTime) {}
    }
    let e = Client::default()
        .run(Fails, NonInteractive)
        .await
        .unwrap_err();
    assert_eq!(e, Error::Config("profile `x` not found".into()));
}

#[tokio::test]
async fn flows_run_inside_spawned_tasks() {
    // Resolvers box the flow's future as `Send`; spawning it proves it is.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.json");
    let task = tokio::spawn(async move {
        let flow = Script {
            steps: vec![
                Step::Effect(Effect::Write {
                    path: file.clone(),
                    contents: b"1".to_vec(),
                }),
                Step::Effect(Effect::Read(file)),
            ],
            log: Vec::new(),
            port: Arc::default(),
        };
        Client::default().run(flow, NonInteractive).await
    });
    assert_eq!(task.await.unwrap().unwrap(), ["written", "file: 1"]);
}

/// An MFA prompt that can only be answered by another task of the same runtime.
struct WaitsForTheRuntime(std::sync::mpsc::Receiver<String>);

impl Interact for WaitsForTheRuntime {
    fn show(&mut self, _prompt: &Prompt) {}
    fn token_code(&mut self, _serial: &str) -> Result<String, Error> {
        // A human takes seconds; 10 s only bounds the failure, it is no speed claim.
        self.0
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| Error::Login("the runtime's other tasks never ran".into()))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_mfa_prompt_does_not_hold_the_async_worker() {
    // One worker thread: if the prompt blocked it, the task that answers could never run.
    let (answer, answers) = std::sync::mpsc::channel();
    let answering = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Fails only when the run already gave up waiting; the assertion below says so.
        let _ = answer.send("123456".to_string());
    });
    let flow = Script {
        steps: vec![
            Step::Effect(Effect::AskTokenCode {
                serial: "arn:aws:iam::123456789012:mfa/me".into(),
            }),
            Step::Effect(Effect::Prompt(Prompt::Polling)),
        ],
        log: Vec::new(),
        port: Arc::default(),
    };
    let log = Client::default()
        .run(flow, WaitsForTheRuntime(answers))
        .await
        .unwrap();
    answering.await.unwrap();
    assert_eq!(log, ["code: true", "shown"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_lock_wait_does_not_hold_the_async_worker() {
    // Another holder keeps the lock until a task of this runtime lets it go.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token.json.lock");
    let held = awscred_files::FileLock::acquire(&path).unwrap();
    let releasing = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
    });
    let flow = Script {
        steps: vec![
            Step::Effect(Effect::Lock(path.clone())),
            Step::Effect(Effect::Unlock(path)),
        ],
        log: Vec::new(),
        port: Arc::default(),
    };
    let log = Client::default().run(flow, NonInteractive).await.unwrap();
    releasing.await.unwrap();
    assert_eq!(log, ["locked", "unlocked"]);
}
