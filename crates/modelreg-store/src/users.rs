//! Users: the built-in ones, and what administrators manage.

use crate::error::{on_not_found, on_unique_violation, StoreError, StoreResult};
use crate::models::page_window;
use crate::passwords::{as_client_hash, stored_secret};
use crate::rows::{NewUserRow, UserRow};
use crate::schema::users;
use crate::time::now_micros;
use crate::{DbConnection, Store};
use diesel::prelude::*;
use modelreg_types::{NewUser, PageRequest, Pagination, PatchUserRequest, Role, User};

/// The user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: i32,
    /// The user's login name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
}

impl AuthUser {
    /// Whether the user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

fn check_username(name: &str) -> StoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '\\');
    if !ok {
        return Err(StoreError::InvalidArgument(format!(
            "invalid username {name:?}: use 1 to 128 bytes without spaces or slashes"
        )));
    }
    if name.chars().all(|c| c == '.') {
        // HTTP clients remove `.` and `..` path segments, so such a user could
        // not be addressed as `/users/{username}`; longer runs of dots look the same.
        return Err(StoreError::InvalidArgument(format!(
            "invalid username {name:?}: a username cannot be only dots"
        )));
    }
    Ok(())
}

pub(crate) fn user_by_id(conn: &mut DbConnection, id: i32) -> StoreResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .map_err(on_not_found(format!("user {id} not found")))
}

/// Usernames of the given user ids.
pub(crate) fn usernames(
    conn: &mut DbConnection,
    ids: &[i32],
) -> StoreResult<std::collections::HashMap<i32, String>> {
    // A page of models or versions names few owners, each many times.
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(i32, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::username))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn end_sessions(conn: &mut DbConnection, user_id: i32) -> StoreResult<()> {
    end_sessions_except(conn, user_id, None)
}

fn end_sessions_except(
    conn: &mut DbConnection,
    user_id: i32,
    keep_hash: Option<&str>,
) -> StoreResult<()> {
    use crate::schema::sessions;
    let of_user = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep_hash {
        Some(keep) => {
            diesel::delete(of_user.filter(sessions::token_hash.ne(keep))).execute(conn)?
        }
        None => diesel::delete(of_user).execute(conn)?,
    };
    Ok(())
}

fn active_admins(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.name()))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?)
}

impl Store {
    /// Creates the built-in users `admin` (an administrator) and `determined`
    /// (an editor), both with blank passwords, if they do not exist yet.
    pub(crate) fn ensure_builtin_users(&self) -> StoreResult<()> {
        for (username, role) in [("admin", Role::Admin), ("determined", Role::Editor)] {
            let created = self.write(move |conn| {
                let exists: i64 = users::table
                    .filter(users::username.eq(username))
                    .count()
                    .get_result(conn)?;
                if exists == 0 {
                    diesel::insert_into(users::table)
                        .values(NewUserRow {
                            username,
                            display_name: "",
                            password_hash: "",
                            admin: role == Role::Admin,
                            active: true,
                            modified_at: now_micros(),
                            role: role.name(),
                        })
                        .execute(conn)?;
                }
                Ok(())
            });
            match created {
                // Another replica starting at the same moment created it first.
                Ok(()) | Err(StoreError::AlreadyExists(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// A user by id.
    pub fn get_user(&self, id: i32) -> StoreResult<User> {
        self.read(|conn| user_by_id(conn, id))
            .map(UserRow::into_user)
    }

    /// A user by login name.
    pub fn user_by_name(&self, username: &str) -> StoreResult<User> {
        self.read(|conn| {
            users::table
                .filter(users::username.eq(username))
                .select(UserRow::as_select())
                .first(conn)
                .map_err(on_not_found(format!("user {username} not found")))
        })
        .map(UserRow::into_user)
    }

    /// One page of users by id, optionally only active (or inactive) ones.
    pub fn list_users(
        &self,
        active: Option<bool>,
        page: PageRequest,
    ) -> StoreResult<(Vec<User>, Pagination)> {
        self.read(|conn| {
            let filtered = || {
                let mut q = users::table.into_boxed();
                if let Some(active) = active {
                    q = q.filter(users::active.eq(active));
                }
                q
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let (start, end, total) = page_window(page, total)?;
            let rows: Vec<UserRow> = filtered()
                .order_by(users::id.asc())
                .select(UserRow::as_select())
                .offset(i64::from(start))
                .limit(i64::from(end - start))
                .load(conn)?;
            Ok((
                rows.into_iter().map(UserRow::into_user).collect(),
                page.pagination(start, end, total),
            ))
        })
    }

    /// Creates a user. `password` is as a request carries it (see `is_hashed`).
    pub fn create_user(
        &self,
        user: &NewUser,
        password: &str,
        is_hashed: bool,
    ) -> StoreResult<User> {
        check_username(&user.username)?;
        crate::validate::text("displayName", user.display_name.as_deref(), 256)?;
        if user.remote == Some(true) {
            return Err(StoreError::InvalidArgument(
                "remote users are not supported".into(),
            ));
        }
        let role = match (user.role, user.admin) {
            (Some(role), _) => role,
            (None, Some(true)) => Role::Admin,
            (None, _) => Role::Editor,
        };
        let secret = stored_secret(&as_client_hash(password, is_hashed))?;
        let user = user.clone();
        self.write(move |conn| {
            diesel::insert_into(users::table)
                .values(NewUserRow {
                    username: &user.username,
                    display_name: user.display_name.as_deref().unwrap_or(""),
                    password_hash: &secret,
                    admin: role == Role::Admin,
                    active: user.active.unwrap_or(true),
                    modified_at: now_micros(),
                    role: role.name(),
                })
                .execute(conn)
                .map_err(on_unique_violation(format!(
                    "a user named {} already exists",
                    user.username
                )))?;
            users::table
                .filter(users::username.eq(&user.username))
                .select(UserRow::as_select())
                .first(conn)
                .map(UserRow::into_user)
                .map_err(StoreError::from)
        })
    }

    /// Changes a user. An administrator may change anything of anyone;
    /// others may change only their own display name and password. The last
    /// active administrator cannot be deactivated or demoted. A new password
    /// ends the user's login sessions.
    pub fn patch_user(
        &self,
        actor: &AuthUser,
        id: i32,
        patch: &PatchUserRequest,
    ) -> StoreResult<User> {
        self.patch_user_keeping(actor, id, patch, None)
    }

    /// Like [`Store::patch_user`], but a password change keeps the login
    /// session of `current_token` (the one making the change) alive.
    pub fn patch_user_keeping(
        &self,
        actor: &AuthUser,
        id: i32,
        patch: &PatchUserRequest,
        current_token: Option<&str>,
    ) -> StoreResult<User> {
        let keep = current_token.map(crate::sessions::token_hash);
        let privileged = patch.username.is_some()
            || patch.active.is_some()
            || patch.admin.is_some()
            || patch.role.is_some();
        if !actor.is_admin() && (actor.id != id || privileged) {
            return Err(StoreError::PermissionDenied(
                "only an administrator may change other users, usernames, roles or activation"
                    .into(),
            ));
        }
        if patch.remote == Some(true) {
            return Err(StoreError::InvalidArgument(
                "remote users are not supported".into(),
            ));
        }
        if let Some(name) = &patch.username {
            check_username(name)?;
        }
        crate::validate::text("displayName", patch.display_name.as_deref(), 256)?;
        if let (Some(role), Some(admin)) = (patch.role, patch.admin) {
            if admin != (role == Role::Admin) {
                return Err(StoreError::InvalidArgument(format!(
                    "role {role} and admin {admin} disagree; send one of them"
                )));
            }
        }
        let secret = match &patch.password {
            Some(p) => Some(stored_secret(&as_client_hash(
                p,
                patch.is_hashed.unwrap_or(false),
            ))?),
            None => None,
        };
        let patch = patch.clone();
        self.write(move |conn| {
            let row = user_by_id(conn, id)?;
            let role = patch.role.or(match patch.admin {
                Some(true) => Some(Role::Admin),
                // `admin: false` (Determined's `det user edit --admin false`) takes
                // away admin rights only: an admin becomes an editor, and an editor
                // or a viewer keeps their role.
                Some(false) if row.role == Role::Admin.name() => Some(Role::Editor),
                Some(false) | None => None,
            });
            let target = users::table.find(id);
            if let Some(name) = &patch.username {
                diesel::update(target)
                    .set(users::username.eq(name))
                    .execute(conn)
                    .map_err(on_unique_violation(format!(
                        "a user named {name} already exists"
                    )))?;
            }
            if let Some(display) = &patch.display_name {
                diesel::update(target)
                    .set(users::display_name.eq(display))
                    .execute(conn)?;
            }
            if let Some(active) = patch.active {
                diesel::update(target)
                    .set(users::active.eq(active))
                    .execute(conn)?;
                if !active {
                    // Deactivation ends login sessions for good; reactivating does not revive them.
                    end_sessions(conn, id)?;
                }
            }
            if let Some(role) = role {
                diesel::update(target)
                    .set((
                        users::role.eq(role.name()),
                        users::admin.eq(role == Role::Admin),
                    ))
                    .execute(conn)?;
            }
            if let Some(secret) = &secret {
                diesel::update(target)
                    .set(users::password_hash.eq(secret))
                    .execute(conn)?;
                // A new password ends every other login session made with the old one.
                // API tokens are separate credentials: revoke them explicitly.
                end_sessions_except(conn, id, keep.as_deref())?;
            }
            if row.role == Role::Admin.name() && row.active && active_admins(conn)? == 0 {
                return Err(StoreError::FailedPrecondition(
                    "this would leave no active administrator; make another user admin first"
                        .into(),
                ));
            }
            diesel::update(target)
                .set(users::modified_at.eq(now_micros()))
                .execute(conn)?;
            Ok(user_by_id(conn, id)?.into_user())
        })
    }

    /// Sets a user's password by name (plain text; `""` makes it blank). For
    /// the offline `modelreg-server admin` commands.
    pub fn set_password(&self, username: &str, password: &str) -> StoreResult<()> {
        let secret = stored_secret(&as_client_hash(password, false))?;
        let username = username.to_owned();
        self.write(move |conn| {
            let n = diesel::update(users::table.filter(users::username.eq(&username)))
                .set((
                    users::password_hash.eq(&secret),
                    users::modified_at.eq(now_micros()),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {username} not found")));
            }
            let id: i32 = users::table
                .filter(users::username.eq(&username))
                .select(users::id)
                .first(conn)?;
            end_sessions(conn, id)
        })
    }

    /// Active users whose password is blank.
    pub fn users_with_blank_password(&self) -> StoreResult<Vec<String>> {
        self.read(|conn| {
            Ok(users::table
                .filter(users::active.eq(true))
                .filter(users::password_hash.eq(""))
                .order_by(users::id.asc())
                .select(users::username)
                .load(conn)?)
        })
    }
}
