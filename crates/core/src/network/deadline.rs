//! The time budget of one call: every attempt and every wait between attempts fit in
//! [`ClientConfig::deadline`], so a call never takes longer than that, whatever the number of
//! attempts. The driver measures the elapsed time (the core has no clock) and asks.

use std::time::Duration;

use crate::transport::ClientConfig;
use crate::{Error, TransportKind};

/// The budget of one call, from a [`ClientConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallClock {
    deadline: Duration,
    attempt: Duration,
}

impl CallClock {
    /// The budget `config` gives a call: `deadline` in all, and at most `connect_timeout +
    /// read_timeout` for one attempt.
    pub fn new(config: &ClientConfig) -> CallClock {
        CallClock {
            deadline: config.deadline,
            attempt: config.connect_timeout.saturating_add(config.read_timeout),
        }
    }

    /// How long the next attempt may take when `elapsed` has passed since the call began, or
    /// `None` when the budget is spent.
    pub fn attempt_timeout(&self, elapsed: Duration) -> Option<Duration> {
        let left = self
            .deadline
            .checked_sub(elapsed)
            .filter(|d| !d.is_zero())?;
        Some(left.min(self.attempt))
    }

    /// Whether waiting `delay` before another attempt still leaves time for it.
    pub fn may_wait(&self, elapsed: Duration, delay: Duration) -> bool {
        elapsed.saturating_add(delay) < self.deadline
    }

    /// The call's whole budget.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The error of an attempt cut short by the budget (`timeout` is what it was given).
    pub fn timed_out(&self, timeout: Duration) -> Error {
        Error::Transport {
            kind: TransportKind::Timeout,
            message: format!(
                "no complete response within {} s (each attempt may take connect_timeout + \
                 read_timeout, a call {} s in all)",
                timeout.as_secs_f64(),
                self.deadline.as_secs_f64()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(deadline: u64, connect: u64, read: u64) -> CallClock {
        CallClock::new(&ClientConfig {
            deadline: Duration::from_secs(deadline),
            connect_timeout: Duration::from_secs(connect),
            read_timeout: Duration::from_secs(read),
            ..ClientConfig::default()
        })
    }

    #[test]
    fn attempts_get_the_smaller_of_their_limit_and_what_is_left() {
        let c = clock(180, 60, 60);
        assert_eq!(
            c.attempt_timeout(Duration::ZERO),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            c.attempt_timeout(Duration::from_secs(100)),
            Some(Duration::from_secs(80))
        );
        assert_eq!(c.attempt_timeout(Duration::from_secs(180)), None);
        assert_eq!(c.attempt_timeout(Duration::from_secs(999)), None);
    }

    #[test]
    fn waits_that_would_use_up_the_budget_are_refused() {
        let c = clock(10, 1, 1);
        assert!(c.may_wait(Duration::from_secs(5), Duration::from_secs(4)));
        assert!(!c.may_wait(Duration::from_secs(5), Duration::from_secs(5)));
    }
}
