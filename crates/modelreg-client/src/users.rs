//! Users and their roles. Listing and finding users needs any role;
//! creating them and changing their activation or role needs an admin;
//! anyone may change their own password.

use crate::auth::hash_password;
use crate::client::{collect_pages, Client};
use crate::error::Result;
use crate::query;
use modelreg_types::{
    CreateUserRequest, NewUser, PageRequest, PatchUserRequest, Role, SetPasswordRequest, User,
    UserResponse, UsersResponse,
};

impl Client {
    /// Creates a user with a password and a role (admins only; others get
    /// HTTP 403, see [`crate::ClientError::is_permission_denied`]). The
    /// password leaves the client only as its client-side hash
    /// ([`crate::hash_password`]). A taken username is HTTP 409.
    ///
    /// ```no_run
    /// # async fn demo() -> modelreg_client::Result<()> {
    /// use modelreg_client::{Client, Role};
    ///
    /// let admin = Client::login("http://127.0.0.1:8080", "admin", "").await?;
    /// let alice = admin.create_user("alice", "correct horse", Role::Viewer).await?;
    /// assert!(alice.active);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_user(&self, username: &str, password: &str, role: Role) -> Result<User> {
        let user = NewUser {
            username: username.to_string(),
            role: Some(role),
            ..NewUser::default()
        };
        self.create_user_with(user, password).await
    }

    /// Creates a user described in full (display name, inactive at first,
    /// ...); see [`Client::create_user`].
    pub async fn create_user_with(&self, user: NewUser, password: &str) -> Result<User> {
        let body = CreateUserRequest {
            user,
            password: Some(hash_password(password)),
            is_hashed: Some(true),
        };
        let answer: UserResponse = self.post(&["users"], &body).await?;
        Ok(answer.user)
    }

    /// Every user, by id, fetching all pages: only the active ones
    /// (`Some(true)`), only the deactivated ones (`Some(false)`), or all
    /// (`None`).
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// for user in client.list_users(Some(true)).await? {
    ///     println!("{} ({})", user.username, user.role);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_users(&self, active: Option<bool>) -> Result<Vec<User>> {
        collect_pages(|offset| async move {
            let page = self
                .list_users_page(
                    active,
                    PageRequest {
                        offset,
                        limit: self.page_size(),
                    },
                )
                .await?;
            Ok((page.users, page.pagination))
        })
        .await
    }

    /// One page of users, exactly as the server answers `GET /api/v1/users`
    /// (the server caps a page at 1000 users).
    pub async fn list_users_page(
        &self,
        active: Option<bool>,
        page: PageRequest,
    ) -> Result<UsersResponse> {
        let mut params = query::pages(page.offset, page.limit);
        if let Some(active) = active {
            params.push(("active", active.to_string()));
        }
        self.get(&["users"], &params).await
    }

    /// A user by id.
    pub async fn get_user(&self, id: i32) -> Result<User> {
        let answer: UserResponse = self.get(&["users", &id.to_string()], &[]).await?;
        Ok(answer.user)
    }

    /// A user by login name (HTTP 404 when there is none).
    pub async fn get_user_by_name(&self, username: &str) -> Result<User> {
        let answer: UserResponse = self.get(&["users", username, "by-username"], &[]).await?;
        Ok(answer.user)
    }

    /// A user by login name or, when no user has that name and it is all
    /// digits, by id.
    pub async fn find_user(&self, name_or_id: &str) -> Result<User> {
        match self.get_user_by_name(name_or_id).await {
            Err(err) if err.is_not_found() => match name_or_id.parse::<i32>() {
                Ok(id) => self.get_user(id).await,
                Err(_) => Err(err),
            },
            other => other,
        }
    }

    /// Changes a user by id (`PATCH /api/v1/users/{id}`); absent fields stay
    /// as they are. Admins may change anything; others only their own
    /// display name and password.
    pub async fn patch_user(&self, id: i32, patch: &PatchUserRequest) -> Result<User> {
        let answer: UserResponse = self.patch(&["users", &id.to_string()], patch).await?;
        Ok(answer.user)
    }

    /// Activates or deactivates a user, by name or id (admins only). A
    /// deactivated user's sessions and API tokens stop working at once, and
    /// they cannot log in until activated again.
    ///
    /// ```no_run
    /// # async fn demo(admin: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// let bob = admin.set_user_active("bob", false).await?;
    /// assert!(!bob.active);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_user_active(&self, name_or_id: &str, active: bool) -> Result<User> {
        let user = self.find_user(name_or_id).await?;
        let patch = PatchUserRequest {
            active: Some(active),
            ..PatchUserRequest::default()
        };
        self.patch_user(user.id, &patch).await
    }

    /// Gives a user, by name or id, a role (admins only). The last active
    /// admin cannot be demoted.
    pub async fn set_user_role(&self, name_or_id: &str, role: Role) -> Result<User> {
        let user = self.find_user(name_or_id).await?;
        let patch = PatchUserRequest {
            role: Some(role),
            ..PatchUserRequest::default()
        };
        self.patch_user(user.id, &patch).await
    }

    /// Sets a user's password, by name or id: one's own, or anyone's for an
    /// admin. Only the client-side hash is sent (`isHashed: true`), as
    /// logins send it.
    ///
    /// ```no_run
    /// # async fn demo(admin: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// admin.set_user_password("alice", "a new secret").await?;
    /// let alice = modelreg_client::Client::login(&admin.server_url(), "alice", "a new secret").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_user_password(&self, name_or_id: &str, password: &str) -> Result<User> {
        let user = self.find_user(name_or_id).await?;
        let body = SetPasswordRequest {
            password: hash_password(password),
            is_hashed: Some(true),
        };
        let answer: UserResponse = self
            .post(&["users", &user.id.to_string(), "password"], &body)
            .await?;
        Ok(answer.user)
    }
}
