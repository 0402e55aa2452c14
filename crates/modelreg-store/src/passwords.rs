//! Password hashing, following the login scheme of `API.md`.
//!
//! The Determined client hashes a password before sending it: the hex SHA-512
//! of a fixed salt followed by the password (an empty password is sent as
//! `""`). The stored secret is an argon2 hash of that client-side hash; a
//! blank password is stored as `""`.

use crate::error::{StoreError, StoreResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha512};

const CLIENT_SALT: &str = "GubPEmmotfiK9TMD6Zdw";

/// The hash the Determined client sends instead of a password.
pub fn client_side_hash(password: &str) -> String {
    hex::encode(Sha512::digest(
        format!("{CLIENT_SALT}{password}").as_bytes(),
    ))
}

/// The client-side hash of a password as a request carries it: hashed
/// already (`is_hashed`), or plain. `""` (either way) is the blank password
/// and stays `""`.
pub fn as_client_hash(password: &str, is_hashed: bool) -> String {
    if password.is_empty() || password == client_side_hash("") {
        String::new()
    } else if is_hashed {
        password.to_ascii_lowercase()
    } else {
        client_side_hash(password)
    }
}

/// The stored secret for a client-side hash (`""` for a blank password).
pub fn stored_secret(client_hash: &str) -> StoreResult<String> {
    if client_hash.is_empty() {
        return Ok(String::new());
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(client_hash.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash password: {e}")))
}

/// What a login is checked against when there is no real secret to check:
/// the user does not exist, or has a blank password. An argon2 hash, with
/// the parameters `stored_secret` uses (a test checks), of a random value
/// that was thrown away. Matching it would grant nothing anyway.
const DUMMY_SECRET: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$4ah+MbqHQuUuLKVJF757Xg$KvhYKUenRoE+JItseKg6mYrnBWqxL/+J61c8fTOSpBU";

/// Whether a login's client-side hash matches the stored secret of the user
/// it names (`None`: no such user). Every non-blank attempt costs exactly
/// one argon2 verification, against the user's secret or else against
/// [`DUMMY_SECRET`], so the time taken does not tell whether the user exists
/// or has a password. A blank attempt costs none, for anyone.
pub fn login_matches(stored: Option<&str>, client_hash: &str) -> bool {
    if client_hash.is_empty() {
        return stored == Some("");
    }
    let real = stored.and_then(|s| PasswordHash::new(s).ok());
    let dummy = PasswordHash::new(DUMMY_SECRET).ok();
    match real.as_ref().or(dummy.as_ref()) {
        Some(secret) => verify(secret, client_hash) && real.is_some(),
        None => false,
    }
}

fn verify(secret: &PasswordHash, client_hash: &str) -> bool {
    #[cfg(test)]
    tests::VERIFICATIONS.with(|n| n.set(n.get() + 1));
    Argon2::default()
        .verify_password(client_hash.as_bytes(), secret)
        .is_ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// How many argon2 verifications this thread has run.
        pub(crate) static VERIFICATIONS: Cell<u32> = const { Cell::new(0) };
    }

    /// The argon2 verifications that `f` runs.
    pub(crate) fn verifications_of<T>(f: impl FnOnce() -> T) -> (T, u32) {
        let before = VERIFICATIONS.with(Cell::get);
        let out = f();
        (out, VERIFICATIONS.with(Cell::get) - before)
    }

    fn matches(stored: &str, client_hash: &str) -> bool {
        login_matches(Some(stored), client_hash)
    }

    #[test]
    fn the_dummy_secret_costs_what_real_ones_do() {
        let dummy = PasswordHash::new(DUMMY_SECRET).expect("the dummy secret parses");
        let real_secret = stored_secret(&client_side_hash("x")).unwrap();
        let real = PasswordHash::new(&real_secret).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }

    #[test]
    fn every_non_blank_attempt_runs_one_verification_whoever_it_is_for() {
        let stored = stored_secret(&as_client_hash("hunter2", false)).unwrap();
        let attempt = as_client_hash("hunter3", false);
        for (who, secret) in [
            ("an unknown user", None),
            ("a user with a password", Some(stored.as_str())),
            ("a user with a blank password", Some("")),
            ("a user with a damaged secret", Some("not-a-phc-string")),
        ] {
            let (ok, n) = verifications_of(|| login_matches(secret, &attempt));
            assert!(!ok, "{who}");
            assert_eq!(n, 1, "{who}");
        }
        assert!(!login_matches(None, ""), "no blank login as nobody");
        assert_eq!(verifications_of(|| login_matches(None, "")).1, 0);
        assert_eq!(verifications_of(|| login_matches(Some(&stored), "")).1, 0);
    }

    #[test]
    fn the_client_hash_matches_determineds() {
        // Value the determined 0.38.1 client sends for "Passw0rdX" (traced on the wire).
        assert_eq!(
            client_side_hash("Passw0rdX"),
            "5b12c17d4c02a39f02f472ea9a6394626088f985c8d71a89b4722d0be1c81d1e12c7b320c3306a44b76e49ffa91c408ffba71e50ee7104425e73f6ffc3e79d76"
        );
    }

    #[test]
    fn blank_passwords_match_only_blank_secrets() {
        assert!(matches("", &as_client_hash("", true)));
        assert!(matches("", &as_client_hash("", false)));
        let stored = stored_secret(&as_client_hash("hunter2", false)).unwrap();
        assert!(!matches(&stored, ""));
        assert!(!matches("", &client_side_hash("x")));
    }

    #[test]
    fn secrets_verify_only_their_own_password_in_either_form() {
        let stored = stored_secret(&as_client_hash("hunter2", false)).unwrap();
        assert!(matches(&stored, &as_client_hash("hunter2", false)));
        assert!(matches(
            &stored,
            &as_client_hash(&client_side_hash("hunter2"), true)
        ));
        assert!(!matches(&stored, &as_client_hash("hunter3", false)));
    }
}
