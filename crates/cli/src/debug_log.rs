//! `--debug`: awscred's trace events as plain lines on stderr.
//!
//! A dozen lines of subscriber instead of tracing-subscriber: the command only ever needs
//! "print each event with its fields", not filtering layers or span storage.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Prints awscred's debug events to stderr with the time since the command started.
pub struct StderrLog {
    started: Instant,
}

/// Installs the subscriber for the rest of the process.
pub fn install() {
    let _ = tracing::subscriber::set_global_default(StderrLog {
        started: Instant::now(),
    });
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl Subscriber for StderrLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::DEBUG && metadata.target().starts_with("awscred")
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let elapsed = self.started.elapsed();
        let mut line = Line(format!(
            "[{:>4}.{:03}s {:<5} {}]",
            elapsed.as_secs(),
            elapsed.subsec_millis(),
            meta.level(),
            meta.target()
        ));
        event.record(&mut line);
        line.0.push('\n');
        let _ = std::io::stderr().write_all(line.0.as_bytes());
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
