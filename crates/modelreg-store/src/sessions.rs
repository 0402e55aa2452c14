//! Login sessions and long-lived API tokens. Both are random secrets stored
//! only as their SHA-256; API tokens carry the prefix `mrt_`.

use crate::error::{StoreError, StoreResult};
use crate::passwords::{as_client_hash, login_matches};
use crate::rows::{NewSessionRow, UserRow};
use crate::schema::{api_tokens, sessions, users};
use crate::time::{from_micros, now_micros};
use crate::{AuthUser, Store};
use diesel::prelude::*;
use modelreg_types::{Role, TokenInfo, User};
use sha2::{Digest, Sha256};

const API_TOKEN_PREFIX: &str = "mrt_";
/// The longest expiry an API token can be given (10 years).
const MAX_TOKEN_LIFETIME_SECS: i64 = 10 * 366 * 24 * 3600;

/// The stored form of a session or API token.
pub(crate) fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn bad_credentials() -> StoreError {
    StoreError::Unauthenticated("invalid credentials: wrong username or password".into())
}

fn auth_user(row: UserRow) -> AuthUser {
    AuthUser {
        id: row.id,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        username: row.username,
    }
}

type TokenRow = (i32, String, i32, String, i64, i64, bool);

fn token_info(row: TokenRow) -> TokenInfo {
    let (id, name, user_id, username, created_at, expires_at, revoked) = row;
    TokenInfo {
        id,
        name,
        user_id,
        username,
        created_at: from_micros(created_at),
        expires_at: (expires_at > 0).then(|| from_micros(expires_at)),
        revoked,
    }
}

impl Store {
    /// Checks a password and opens a session. `password` is the client-side
    /// hash when `is_hashed`, else the plain password; `""` is the blank
    /// password either way. Returns the session token and the user.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        is_hashed: bool,
    ) -> StoreResult<(String, User)> {
        let row: Option<UserRow> = self.read(|conn| {
            Ok(users::table
                .filter(users::username.eq(username))
                .select(UserRow::as_select())
                .first(conn)
                .optional()?)
        })?;
        // Checked before the user's existence is, and as slowly either way.
        let client_hash = as_client_hash(password, is_hashed);
        let ok = login_matches(row.as_ref().map(|r| r.password_hash.as_str()), &client_hash);
        let row = match row {
            Some(row) if ok => row,
            _ => return Err(bad_credentials()),
        };
        if !row.active {
            return Err(StoreError::Unauthenticated(format!(
                "user {username} is deactivated; ask an administrator to activate it"
            )));
        }
        let token = new_secret();
        let now = now_micros();
        let lifetime = self.session_lifetime.as_micros() as i64;
        let (hashed, user_id) = (token_hash(&token), row.id);
        self.write(move |conn| {
            diesel::insert_into(sessions::table)
                .values(NewSessionRow {
                    token_hash: &hashed,
                    user_id,
                    created_at: now,
                    expires_at: now + lifetime,
                })
                .execute(conn)?;
            Ok(())
        })?;
        Ok((token, row.into_user()))
    }

    /// The user a session token or API token acts as, if it is live and the user active.
    pub fn authenticate(&self, token: &str) -> StoreResult<AuthUser> {
        let hashed = token_hash(token);
        let now = now_micros();
        let row: Option<UserRow> = self.read(|conn| {
            let found = if token.starts_with(API_TOKEN_PREFIX) {
                api_tokens::table
                    .inner_join(users::table)
                    .filter(api_tokens::token_hash.eq(&hashed))
                    .filter(api_tokens::revoked.eq(false))
                    .filter(
                        api_tokens::expires_at
                            .eq(0)
                            .or(api_tokens::expires_at.gt(now)),
                    )
                    .filter(users::active.eq(true))
                    .select(UserRow::as_select())
                    .first(conn)
                    .optional()?
            } else {
                sessions::table
                    .inner_join(users::table)
                    .filter(sessions::token_hash.eq(&hashed))
                    .filter(sessions::expires_at.gt(now))
                    .filter(users::active.eq(true))
                    .select(UserRow::as_select())
                    .first(conn)
                    .optional()?
            };
            Ok(found)
        })?;
        row.map(auth_user).ok_or_else(|| {
            StoreError::Unauthenticated("the token is invalid, expired or revoked, or its user is deactivated; log in again".into())
        })
    }

    /// Ends the session of a token (API tokens are revoked through their id instead).
    pub fn logout(&self, token: &str) -> StoreResult<()> {
        let hashed = token_hash(token);
        self.write(move |conn| {
            diesel::delete(sessions::table.filter(sessions::token_hash.eq(&hashed)))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Creates an API token for a user. Returns the secret, shown this once.
    pub fn create_token(
        &self,
        user: &AuthUser,
        name: &str,
        expires_in_seconds: Option<i64>,
    ) -> StoreResult<(String, TokenInfo)> {
        let name = name.trim();
        if name.is_empty() || name.len() > 128 || name.contains('\0') {
            return Err(StoreError::InvalidArgument(
                "a token needs a name of 1 to 128 bytes saying what it is for".into(),
            ));
        }
        let expires_at = match expires_in_seconds {
            None | Some(0) => 0,
            Some(secs) if secs > 0 && secs <= MAX_TOKEN_LIFETIME_SECS => now_micros() + secs * 1_000_000,
            Some(secs) if secs > 0 => {
                return Err(StoreError::InvalidArgument(format!(
                    "expiresInSeconds can be at most {MAX_TOKEN_LIFETIME_SECS} (10 years), got {secs}; leave it out for a token that never expires"
                )))
            }
            Some(secs) => {
                return Err(StoreError::InvalidArgument(format!(
                    "expiresInSeconds must be positive, got {secs}"
                )))
            }
        };
        let secret = format!("{API_TOKEN_PREFIX}{}", new_secret());
        let (hashed, user_id, name) = (token_hash(&secret), user.id, name.to_owned());
        let info = self.write(move |conn| {
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::user_id.eq(user_id),
                    api_tokens::name.eq(name),
                    api_tokens::token_hash.eq(&hashed),
                    api_tokens::created_at.eq(now_micros()),
                    api_tokens::expires_at.eq(expires_at),
                    api_tokens::revoked.eq(false),
                ))
                .execute(conn)?;
            let row = token_query()
                .filter(api_tokens::token_hash.eq(&hashed))
                .first::<TokenRow>(conn)?;
            Ok(token_info(row))
        })?;
        Ok((secret, info))
    }

    /// The API tokens a user may see: their own, or everyone's for an admin.
    pub fn list_tokens(&self, user: &AuthUser) -> StoreResult<Vec<TokenInfo>> {
        self.read(|conn| {
            let mut query = token_query().order_by(api_tokens::id.desc()).into_boxed();
            if user.role != Role::Admin {
                query = query.filter(api_tokens::user_id.eq(user.id));
            }
            Ok(query
                .load::<TokenRow>(conn)?
                .into_iter()
                .map(token_info)
                .collect())
        })
    }

    /// Revokes an API token: one's own, or anyone's for an admin. It stops working at once.
    pub fn revoke_token(&self, user: &AuthUser, id: i32) -> StoreResult<TokenInfo> {
        let user = user.clone();
        self.write(move |conn| {
            let row = token_query()
                .filter(api_tokens::id.eq(id))
                .first::<TokenRow>(conn)
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("token {id} not found")))?;
            if row.2 != user.id && user.role != Role::Admin {
                return Err(StoreError::NotFound(format!("token {id} not found")));
            }
            diesel::update(api_tokens::table.find(id))
                .set(api_tokens::revoked.eq(true))
                .execute(conn)?;
            Ok(token_info((row.0, row.1, row.2, row.3, row.4, row.5, true)))
        })
    }
}

#[allow(clippy::type_complexity)]
fn token_query() -> diesel::dsl::Select<
    diesel::dsl::InnerJoin<api_tokens::table, users::table>,
    (
        api_tokens::id,
        api_tokens::name,
        api_tokens::user_id,
        users::username,
        api_tokens::created_at,
        api_tokens::expires_at,
        api_tokens::revoked,
    ),
> {
    api_tokens::table.inner_join(users::table).select((
        api_tokens::id,
        api_tokens::name,
        api_tokens::user_id,
        users::username,
        api_tokens::created_at,
        api_tokens::expires_at,
        api_tokens::revoked,
    ))
}

#[cfg(test)]
mod tests {
    use crate::passwords::tests::verifications_of;
    use crate::testing::TestDb;
    use crate::{PoolOptions, Store, StoreError};

    #[test]
    fn a_login_as_an_unknown_user_verifies_a_password_too() {
        let db = TestDb::sqlite();
        let store = Store::open(db.url(), &PoolOptions::default()).unwrap();
        let user = modelreg_types::NewUser {
            username: "alice".into(),
            ..Default::default()
        };
        store.create_user(&user, "Alice-pw1", false).unwrap();
        for who in ["alice", "nobody", "admin"] {
            let (result, n) = verifications_of(|| store.login(who, "wrong-pw", false));
            assert!(
                matches!(&result, Err(StoreError::Unauthenticated(m)) if m.contains("wrong username or password")),
                "{who}: {result:?}"
            );
            assert_eq!(n, 1, "{who}: one argon2 verification, like any other");
        }
        let (result, n) = verifications_of(|| store.login("alice", "Alice-pw1", false));
        assert!(result.is_ok());
        assert_eq!(n, 1);
    }
}
