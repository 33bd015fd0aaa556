//! The secrets audit: every error's Display and Debug, and the Debug of every provider,
//! credentials and resolution a test saw, is collected here and scanned at the end of the test
//! for every secret the emulator issued (access, refresh and session tokens, secret keys,
//! client secrets, device and authorization codes).

use std::fmt::Debug;
use std::sync::Mutex;

use awscred_core::Error;

/// Text a test produced that users could see (error messages, Debug output).
#[derive(Default)]
pub struct Audit {
    seen: Mutex<Vec<(String, String)>>,
}

impl Audit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error's Display and Debug.
    pub fn error(&self, what: &str, e: &Error) {
        self.text(&format!("{what} (Display)"), e.to_string());
        self.text(&format!("{what} (Debug)"), format!("{e:?}"));
    }

    /// Records a value's Debug (`{:?}` and `{:#?}`).
    pub fn debug(&self, what: &str, value: &dyn Debug) {
        self.text(what, format!("{value:?}"));
        self.text(what, format!("{value:#?}"));
    }

    /// Records any text.
    pub fn text(&self, what: &str, text: String) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((what.to_string(), text));
    }

    /// How many texts were recorded.
    pub fn len(&self) -> usize {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The labels of the recorded texts that contain one of `secrets` (never the secret itself,
    /// so that a failing audit does not leak what it caught).
    pub fn leaks(&self, secrets: &[String]) -> Vec<String> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut leaks = Vec::new();
        for (i, secret) in secrets.iter().enumerate() {
            // Short values (none of the emulator's) would match by accident.
            if secret.len() < 8 {
                continue;
            }
            for (what, text) in seen.iter() {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("secret #{i} appears in {what}"));
                }
            }
        }
        leaks
    }

    /// Fails the test if any recorded text contains one of `secrets`; there must be something
    /// to check on both sides, or the audit would pass by looking at nothing.
    pub fn assert_clean(&self, secrets: &[String]) {
        assert!(!secrets.is_empty(), "no secrets to look for");
        assert!(self.len() > 0, "nothing was recorded for the secrets audit");
        let leaks = self.leaks(secrets);
        assert!(leaks.is_empty(), "secrets leaked: {leaks:?}");
    }
}
