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
