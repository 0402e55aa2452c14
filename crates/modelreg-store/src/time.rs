//! Times are stored as microseconds since the Unix epoch.

use chrono::{DateTime, Utc};

/// Now, in stored form.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// A stored time as a UTC timestamp.
pub fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}
