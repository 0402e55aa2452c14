//! Wire types of the modelreg REST API.
//!
//! Every JSON shape that crosses the wire lives here once, so that the server
//! and the Rust SDK agree on it. The shapes follow Determined's v1 REST API
//! (lowerCamelCase fields, enums by name, 64-bit integers as strings, RFC 3339
//! timestamps in UTC); see `API.md` for the contract.

mod checkpoint;
mod enums;
mod error;
mod model;
mod pagination;
mod serde_util;
mod user;

pub use checkpoint::*;
pub use enums::*;
pub use error::*;
pub use model::*;
pub use pagination::*;
pub use user::*;

/// The Determined API level this server speaks; the `det` CLI warns when its
/// own version differs.
pub const DETERMINED_API_VERSION: &str = "0.38.1";

/// The workspace every model lives in until more workspaces exist.
pub const DEFAULT_WORKSPACE_ID: i32 = 1;
/// The name of the default workspace.
pub const DEFAULT_WORKSPACE_NAME: &str = "Uncategorized";

/// An empty JSON object, the answer of endpoints that have nothing to return.
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Empty {}
