//! A short-lived cache of who a token belongs to, so that most requests
//! need no database round trip to authenticate.
//!
//! Entries live for a short time (default 1 s, `--auth-cache-ms`). This
//! replica forgets every entry the moment it logs a user out, revokes a
//! token or changes a user; other replicas notice within that time.

use modelreg_store::AuthUser;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_ENTRIES: usize = 10_000;

/// Token -> user, for a short time.
pub struct AuthCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (AuthUser, Instant)>>,
}

impl AuthCache {
    /// A cache whose entries live `ttl` (zero disables it).
    pub fn new(ttl: Duration) -> AuthCache {
        AuthCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The user of a token, if known and fresh.
    pub fn get(&self, token: &str) -> Option<AuthUser> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (user, at) = entries.get(token)?;
        (at.elapsed() < self.ttl).then(|| user.clone())
    }

    /// Remembers the user of a token.
    pub fn put(&self, token: &str, user: &AuthUser) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), (user.clone(), Instant::now()));
    }

    /// Forgets everything: after a logout, a revocation or a change to a user.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelreg_types::Role;

    fn user() -> AuthUser {
        AuthUser {
            id: 1,
            username: "u".into(),
            role: Role::Editor,
        }
    }

    #[test]
    fn entries_expire_and_clear() {
        let cache = AuthCache::new(Duration::from_millis(50));
        cache.put("t", &user());
        assert_eq!(cache.get("t"), Some(user()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("t"), None);
        cache.put("t", &user());
        cache.clear();
        assert_eq!(cache.get("t"), None);
    }

    #[test]
    fn a_zero_ttl_disables_it() {
        let cache = AuthCache::new(Duration::ZERO);
        cache.put("t", &user());
        assert_eq!(cache.get("t"), None);
    }
}
