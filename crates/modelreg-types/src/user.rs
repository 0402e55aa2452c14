//! Users, login and server information.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user's id.
    pub id: i32,
    /// The login name.
    pub username: String,
    /// A name to show.
    #[serde(default)]
    pub display_name: String,
    /// Whether the user is an administrator.
    #[serde(default)]
    pub admin: bool,
    /// Whether the user may log in.
    #[serde(default)]
    pub active: bool,
    /// Whether the user is managed elsewhere (always false here).
    #[serde(default)]
    pub remote: bool,
    /// When the user was last changed.
    pub modified_at: Option<DateTime<Utc>>,
    /// What the user may do (modelreg extension; `admin` mirrors `role == admin`).
    #[serde(default)]
    pub role: Role,
}

/// What a user may do.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads models, versions and checkpoints.
    Viewer,
    /// Also creates and changes models, versions and checkpoints.
    #[default]
    Editor,
    /// Also deletes anything and manages users.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Role> {
        [Role::Viewer, Role::Editor, Role::Admin]
            .into_iter()
            .find(|r| r.name() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The user part of `POST /api/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    /// The login name.
    pub username: String,
    /// A name to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Make the user an administrator (same as `role: admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    /// Whether the user may log in (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Not supported; must be false or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<bool>,
    /// The role (default `editor`, or `admin` when `admin` is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// The body of `POST /api/v1/users` (Determined's shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    /// The new user.
    pub user: NewUser,
    /// The password, or its client-side hash when `isHashed`; absent or empty for a blank password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Whether `password` is the client-side hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hashed: Option<bool>,
}

/// The body of `PATCH /api/v1/users/{id}`; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchUserRequest {
    /// A new login name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A new display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Activate or deactivate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Make or unmake an administrator: `false` makes an admin an editor and
    /// leaves an editor or viewer as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    /// A new role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// A new password, or its client-side hash when `isHashed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Whether `password` is the client-side hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hashed: Option<bool>,
    /// Not supported; must be false or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<bool>,
}

/// The body of `POST /api/v1/users/{id}/password`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetPasswordRequest {
    /// The new password, or its client-side hash when `isHashed`.
    pub password: String,
    /// Whether `password` is the client-side hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hashed: Option<bool>,
}

/// `{"users": [...], "pagination": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UsersResponse {
    /// One page of users, by id.
    pub users: Vec<User>,
    /// Where the page sits.
    pub pagination: crate::Pagination,
}

/// The answer of `GET /api/v1/master`, which the `det` CLI reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MasterResponse {
    /// The Determined API level served.
    pub version: String,
    /// This server's id.
    pub master_id: String,
    /// This cluster's id.
    pub cluster_id: String,
    /// This cluster's name.
    pub cluster_name: String,
    /// Always false.
    pub has_custom_logo: bool,
    /// Always false.
    pub strict_job_queue_control: bool,
    /// Always false: roles are modelreg's own.
    pub rbac_enabled: bool,
}

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    /// A name saying what the token is for.
    pub name: String,
    /// Seconds until the token expires; absent or 0 for never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
}

/// A long-lived API token, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The token's id.
    pub id: i32,
    /// What it is for.
    pub name: String,
    /// The user it acts as.
    pub user_id: i32,
    /// That user's name.
    pub username: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it expires, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// The answer of `POST /api/v1/tokens`: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreateTokenResponse {
    /// The secret, to send as `Authorization: Bearer <token>`; it is not stored and cannot be shown again.
    pub token: String,
    /// The token's details.
    pub info: TokenInfo,
}

/// `{"tokens": [...]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokensResponse {
    /// The tokens, newest first.
    pub tokens: Vec<TokenInfo>,
}

/// The body of `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The login name.
    pub username: String,
    /// The password, or its client-side hash when `isHashed` is true.
    #[serde(default)]
    pub password: Option<String>,
    /// Whether `password` is already the client-side hash.
    #[serde(default)]
    pub is_hashed: Option<bool>,
}

/// The answer of a successful login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// The session token, to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The user logged in.
    pub user: User,
}

/// `{"user": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    /// The user.
    pub user: User,
}

/// The answer of `GET /info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InfoResponse {
    /// The Determined API level served.
    pub version: String,
    /// This server's id.
    pub master_id: String,
    /// This cluster's id.
    pub cluster_id: String,
    /// This cluster's name.
    pub cluster_name: String,
    /// Telemetry settings (always disabled).
    #[schema(value_type = Object)]
    pub telemetry: serde_json::Value,
    /// Single sign-on providers (none).
    #[schema(value_type = Option<Vec<Object>>)]
    pub sso_providers: Option<Vec<serde_json::Value>>,
    /// modelreg's own version.
    pub modelreg_version: String,
}

/// The answer of `GET /health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    /// `ok` when the process is up.
    pub status: String,
}
