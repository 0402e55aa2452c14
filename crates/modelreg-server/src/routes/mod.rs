//! The HTTP routes, one module per resource.

pub mod archive;
pub mod checkpoints;
pub mod files;
pub mod models;
pub mod session;
pub mod system;
pub mod tokens;
pub mod users;
pub mod versions;

use crate::errors::ServerError;
use actix_web::web;
use modelreg_store::{ModelKey, Store};

/// The store, as handlers take it.
pub type StoreData = web::Data<Store>;

/// A clone of the store to move into a blocking call.
pub fn owned(store: &StoreData) -> Store {
    store.get_ref().clone()
}

/// Reads an integer id from a path segment, e.g. `{tokenId}` (`what` is
/// "token"). The message quotes the segment as it came, never Rust internals.
pub fn path_id(what: &str, segment: &str) -> Result<i32, ServerError> {
    segment.parse::<i32>().map_err(|_| {
        ServerError::BadRequest(format!("{what} id must be an integer, got {segment:?}"))
    })
}

/// Reads the `{n}` version segment.
pub fn version_number(segment: &str) -> Result<i32, ServerError> {
    segment
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ServerError::BadRequest(format!(
                "version must be a positive integer, got {segment:?}"
            ))
        })
}

/// Reads the `{modelName}` segment: a name, or an all-digit id.
pub fn model_key(segment: &str) -> ModelKey {
    ModelKey::parse(segment)
}
