//! The Rust SDK of the modelreg model registry.
//!
//! It mirrors the Python API of Determined's model registry: a [`Client`]
//! creates and finds models, a [`RegisteredModel`] handle changes one model
//! and registers its versions, and a [`RegisteredVersion`] handle changes one
//! version. [`Client::upload_checkpoint`] uploads a folder as a checkpoint
//! and [`Client::download_checkpoint`] or [`RegisteredVersion::download`]
//! fetch one back, streamed and checked against SHA-256. All JSON shapes
//! are the wire types of [`modelreg_types`], re-exported here. [`blocking`]
//! has the same API without `async`.
//!
//! Admins manage users and their roles ([`Client::create_user`],
//! [`Client::set_user_role`], [`Client::set_user_active`], ...); anyone
//! can create long-lived API tokens for automation
//! ([`Client::create_token`]) and use one with [`Client::with_token`]. A
//! server whose HTTPS certificate comes from a private CA is reached with
//! [`ClientOptions::ca_file`] ([`Client::login_with`]).
//!
//! ```no_run
//! # async fn demo() -> modelreg_client::Result<()> {
//! use modelreg_client::{Client, CreateModelOptions, UploadOptions};
//! use serde_json::json;
//!
//! let client = Client::login("http://127.0.0.1:8080", "determined", "").await?;
//! let mut model = client.create_model("mnist_cnn", CreateModelOptions::default()).await?;
//! model.add_metadata(&json!({"dataset_url": "http://yann.lecun.com/exdb/mnist/"})).await?;
//!
//! let checkpoint = client
//!     .upload_checkpoint("./checkpoints/epoch-10", UploadOptions::default())
//!     .await?;
//! let version = model.register_version(&checkpoint.uuid).await?;
//! assert_eq!(version.version, 1);
//! let latest = model.get_version(None).await?;
//! assert_eq!(latest.checkpoint().uuid, checkpoint.uuid);
//! latest.download("./serving/mnist_cnn").await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod auth;
pub mod blocking;
mod checkpoints;
mod client;
mod error;
mod models;
mod options;
mod query;
mod tokens;
mod transfer;
mod users;
mod versions;

pub use auth::hash_password;
pub use client::{Client, MAX_PAGE_SIZE};
pub use error::{ClientError, Result};
pub use models::{to_metadata, CreateModelOptions, ModelFilter, RegisteredModel};
pub use options::ClientOptions;
pub use transfer::{DownloadOptions, Progress, ProgressHook, UploadOptions};
pub use versions::RegisteredVersion;

/// The wire types, for requests and answers not re-exported by name.
pub use modelreg_types as types;
pub use modelreg_types::{
    ApiError, Checkpoint, CheckpointFile, CheckpointState, CheckpointStorage, CheckpointTraining,
    CreateCheckpointRequest, Metadata, Model, ModelQuery, ModelSortBy, ModelVersion, OrderBy,
    PageRequest, PatchModelRequest, PatchVersionRequest, RegisterVersionRequest, User,
    VersionQuery, VersionSortBy,
};
pub use modelreg_types::{NewUser, PatchUserRequest, Role, TokenInfo, UsersResponse};

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
