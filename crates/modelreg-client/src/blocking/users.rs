//! The blocking client's calls for users and API tokens.

use super::Client;
use crate::error::Result;
use modelreg_types::{
    NewUser, PageRequest, PatchUserRequest, Role, TokenInfo, User, UsersResponse,
};
use std::time::Duration;

impl Client {
    /// Creates a user (admins only); see [`crate::Client::create_user`].
    ///
    /// ```no_run
    /// use modelreg_client::{blocking::Client, Role};
    ///
    /// let admin = Client::login("http://127.0.0.1:8080", "admin", "")?;
    /// admin.create_user("ci-bot", "a long random password", Role::Editor)?;
    /// admin.set_user_role("ci-bot", Role::Viewer)?;
    /// admin.set_user_active("ci-bot", false)?;
    /// # Ok::<(), modelreg_client::ClientError>(())
    /// ```
    pub fn create_user(&self, username: &str, password: &str, role: Role) -> Result<User> {
        self.run(self.inner.create_user(username, password, role))
    }

    /// Creates a user described in full; see [`crate::Client::create_user_with`].
    pub fn create_user_with(&self, user: NewUser, password: &str) -> Result<User> {
        self.run(self.inner.create_user_with(user, password))
    }

    /// Every user, fetching all pages; see [`crate::Client::list_users`].
    pub fn list_users(&self, active: Option<bool>) -> Result<Vec<User>> {
        self.run(self.inner.list_users(active))
    }

    /// One page of users, as the server answers it.
    pub fn list_users_page(
        &self,
        active: Option<bool>,
        page: PageRequest,
    ) -> Result<UsersResponse> {
        self.run(self.inner.list_users_page(active, page))
    }

    /// A user by id.
    pub fn get_user(&self, id: i32) -> Result<User> {
        self.run(self.inner.get_user(id))
    }

    /// A user by login name.
    pub fn get_user_by_name(&self, username: &str) -> Result<User> {
        self.run(self.inner.get_user_by_name(username))
    }

    /// A user by login name, or by id; see [`crate::Client::find_user`].
    pub fn find_user(&self, name_or_id: &str) -> Result<User> {
        self.run(self.inner.find_user(name_or_id))
    }

    /// Changes a user by id; see [`crate::Client::patch_user`].
    pub fn patch_user(&self, id: i32, patch: &PatchUserRequest) -> Result<User> {
        self.run(self.inner.patch_user(id, patch))
    }

    /// Activates or deactivates a user; see [`crate::Client::set_user_active`].
    pub fn set_user_active(&self, name_or_id: &str, active: bool) -> Result<User> {
        self.run(self.inner.set_user_active(name_or_id, active))
    }

    /// Gives a user a role; see [`crate::Client::set_user_role`].
    pub fn set_user_role(&self, name_or_id: &str, role: Role) -> Result<User> {
        self.run(self.inner.set_user_role(name_or_id, role))
    }

    /// Sets a user's password; see [`crate::Client::set_user_password`].
    pub fn set_user_password(&self, name_or_id: &str, password: &str) -> Result<User> {
        self.run(self.inner.set_user_password(name_or_id, password))
    }

    /// Creates an API token; returns its secret, shown only this once, and
    /// its details. See [`crate::Client::create_token`].
    ///
    /// ```no_run
    /// use modelreg_client::blocking::Client;
    ///
    /// let client = Client::login("http://127.0.0.1:8080", "determined", "")?;
    /// let (secret, info) = client.create_token("ci", None)?;
    /// let ci = Client::with_token(&client.server_url(), secret)?;
    /// ci.me()?;
    /// client.revoke_token(info.id)?;
    /// # Ok::<(), modelreg_client::ClientError>(())
    /// ```
    pub fn create_token(
        &self,
        name: &str,
        expires_in: Option<Duration>,
    ) -> Result<(String, TokenInfo)> {
        self.run(self.inner.create_token(name, expires_in))
    }

    /// This user's API tokens (everyone's for an admin), newest first.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.run(self.inner.list_tokens())
    }

    /// Revokes an API token by id; it stops working at once.
    pub fn revoke_token(&self, id: i32) -> Result<TokenInfo> {
        self.run(self.inner.revoke_token(id))
    }
}
