//! The async driver traces every step as the blocking one does: what the step does, never what
//! it carries. Alone in its test binary: tracing caches per call site whether anyone listens,
//! and tests on other threads would race the subscriber installed here.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awscred_core::flow::{Effect, Flow, Input, Step};
use awscred_hyper::{Client, NonInteractive};

/// Walks a fixed list of steps.
struct Script(Vec<Step<()>>);

impl Flow for Script {
    type Output = ();

    fn next_step(&mut self, _now: SystemTime) -> Step<()> {
        if self.0.is_empty() {
            return Step::Done(Ok(()));
        }
        self.0.remove(0)
    }

    fn handle(&mut self, _input: Input, _now: SystemTime) {}
}

/// Collects the message and fields of every event, as text.
struct Events(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = Line(event.metadata().target().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn every_step_is_traced_without_what_it_carries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token.json");
    let events = Arc::new(Mutex::new(Vec::new()));
    let _guard = tracing::subscriber::set_default(Events(events.clone()));
    let flow = Script(vec![
        Step::Effect(Effect::Write {
            path: file.clone(),
            contents: b"refresh-token-secret".to_vec(),
        }),
        Step::Effect(Effect::Read(file.clone())),
        Step::Effect(Effect::Wait(Duration::from_millis(1))),
    ]);
    Client::default().run(flow, NonInteractive).await.unwrap();
    let events = events.lock().unwrap().join("\n");
    for message in ["write file", "read file", "wait", "done"] {
        assert!(
            events.contains(message),
            "{message:?} not traced:\n{events}"
        );
    }
    assert!(events.contains("bytes=20"), "{events}");
    assert!(!events.contains("refresh-token-secret"), "{events}");
}
