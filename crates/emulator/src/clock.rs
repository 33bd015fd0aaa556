//! The emulator's clock: real time shifted by whatever the test says.
//!
//! It keeps ticking between `set_now`/`advance` calls, so polling intervals and delays still
//! behave, while a test can jump hours ahead to expire tokens and credentials.

use std::time::{Duration, Instant, SystemTime};

#[derive(Debug)]
pub(crate) struct Clock {
    anchor: SystemTime,
    at: Instant,
}

impl Clock {
    pub(crate) fn real() -> Self {
        Clock {
            anchor: SystemTime::now(),
            at: Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.anchor + self.at.elapsed()
    }

    pub(crate) fn set_now(&mut self, now: SystemTime) {
        self.anchor = now;
        self.at = Instant::now();
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        self.anchor += by;
    }
}
