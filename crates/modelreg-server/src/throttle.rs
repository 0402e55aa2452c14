//! Slows down password guessing: after a few failed logins for a username
//! from one address, further attempts are refused for a while that doubles
//! with each failure (429 with `Retry-After`). Per process: each replica
//! counts on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before attempts are refused.
const FREE_FAILURES: u32 = 5;
/// The longest wait.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(900);

#[derive(Default)]
struct Record {
    failures: u32,
    last: Option<Instant>,
    blocked_until: Option<Instant>,
}

/// Failed logins by (username, address).
#[derive(Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<(String, String), Record>>,
}

impl LoginThrottle {
    /// Seconds to wait before `key` may try again, if it must wait.
    pub fn wait(&self, user: &str, addr: &str) -> Option<u64> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let until = records
            .get(&(user.to_string(), addr.to_string()))?
            .blocked_until?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    /// Counts a failed login.
    pub fn failed(&self, user: &str, addr: &str) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        records.retain(|_, r| r.last.is_some_and(|t| now.duration_since(t) < FORGET_AFTER));
        let record = records
            .entry((user.to_string(), addr.to_string()))
            .or_default();
        record.failures += 1;
        record.last = Some(now);
        if record.failures >= FREE_FAILURES {
            let doublings = (record.failures - FREE_FAILURES).min(16);
            let wait = Duration::from_secs(1u64 << doublings).min(MAX_WAIT);
            record.blocked_until = Some(now + wait);
        }
    }

    /// Forgets the failures of a successful login.
    pub fn succeeded(&self, user: &str, addr: &str) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records.remove(&(user.to_string(), addr.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_failures_are_free_then_waits_grow() {
        let throttle = LoginThrottle::default();
        for _ in 0..FREE_FAILURES - 1 {
            throttle.failed("admin", "1.2.3.4");
            assert_eq!(throttle.wait("admin", "1.2.3.4"), None);
        }
        throttle.failed("admin", "1.2.3.4");
        assert_eq!(throttle.wait("admin", "1.2.3.4"), Some(1));
        assert_eq!(
            throttle.wait("admin", "5.6.7.8"),
            None,
            "other addresses are not slowed"
        );
        throttle.succeeded("admin", "1.2.3.4");
        assert_eq!(throttle.wait("admin", "1.2.3.4"), None);
    }
}
