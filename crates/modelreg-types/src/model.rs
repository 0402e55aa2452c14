//! Models, model versions, and the requests that make and change them.

use crate::serde_util::null_as_default;
use crate::{Checkpoint, OrderBy, Pagination};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A JSON object of user-defined metadata.
pub type Metadata = Map<String, Value>;

/// A registered model: a unique name grouping zero or more versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// The model's id, unique in the registry.
    pub id: i32,
    /// The model's unique, case-sensitive name.
    pub name: String,
    /// A free-text description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// User-defined metadata (a JSON object).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// Labels, deduplicated, in the order given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: Vec<String>,
    /// Free-text notes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub notes: String,
    /// Whether the model is archived; an archived model takes no new versions.
    #[serde(default)]
    pub archived: bool,
    /// How many versions the model has now.
    #[serde(default)]
    pub num_versions: i32,
    /// When the model was created.
    pub creation_time: DateTime<Utc>,
    /// When the model was last changed.
    pub last_updated_time: DateTime<Utc>,
    /// The id of the user who created the model.
    #[serde(default)]
    pub user_id: i32,
    /// The name of the user who created the model.
    #[serde(default)]
    pub username: String,
    /// The workspace the model lives in.
    #[serde(default)]
    pub workspace_id: i32,
}

/// One version of a model: a version number pointing at a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelVersion {
    /// The version's id, unique in the registry.
    pub id: i32,
    /// The version number within its model: 1, 2, 3, ...
    pub version: i32,
    /// The model this version belongs to.
    pub model: Model,
    /// The checkpoint this version points at.
    pub checkpoint: Checkpoint,
    /// An optional name for the version.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// An optional comment.
    #[serde(default, deserialize_with = "null_as_default")]
    pub comment: String,
    /// Free-text notes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub notes: String,
    /// User-defined metadata (a JSON object).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// Labels, deduplicated, in the order given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: Vec<String>,
    /// When the version was registered.
    pub creation_time: DateTime<Utc>,
    /// When the version was last changed.
    pub last_updated_time: DateTime<Utc>,
    /// The id of the user who registered the version.
    #[serde(default)]
    pub user_id: i32,
    /// The name of the user who registered the version.
    #[serde(default)]
    pub username: String,
}

/// The body of `POST /api/v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelRequest {
    /// The new model's name (required).
    pub name: String,
    /// A free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// User-defined metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Free-text notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The workspace to create the model in, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
    /// The workspace to create the model in, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i32>,
}

/// The body of `PATCH /api/v1/models/{modelName}`; absent or `null` fields stay unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchModelRequest {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// New metadata; replaces the old metadata whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// New labels; replace the old labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Move to this workspace, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
    /// Move to this workspace, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i32>,
}

/// Determined wraps the PATCH body of a model in `{"model": {...}}`; both forms are accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PatchModelBody {
    /// `{"model": {...}}`, as the Determined client sends it.
    Wrapped {
        /// The changes.
        model: PatchModelRequest,
    },
    /// The changes, unwrapped.
    Plain(PatchModelRequest),
}

impl PatchModelBody {
    /// The changes, whichever form they came in.
    pub fn into_inner(self) -> PatchModelRequest {
        match self {
            PatchModelBody::Wrapped { model } => model,
            PatchModelBody::Plain(p) => p,
        }
    }
}

/// The body of `POST /api/v1/models/{modelName}/move`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveModelRequest {
    /// The model to move (ignored; the path names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// The workspace to move it to.
    #[serde(default)]
    pub destination_workspace_id: i32,
}

/// The body of `POST /api/v1/models/{modelName}/versions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterVersionRequest {
    /// The checkpoint the new version points at (required).
    pub checkpoint_uuid: String,
    /// The model (ignored; the path names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// An optional name for the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An optional comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// User-defined metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Free-text notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The body of `PATCH /api/v1/models/{modelName}/versions/{n}`; absent or `null` fields stay unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchVersionRequest {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// New notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// New metadata; replaces the old metadata whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// New labels; replace the old labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

/// Determined wraps the PATCH body of a version in `{"modelVersion": {...}}`; both forms are accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PatchVersionBody {
    /// `{"modelVersion": {...}}`, as the Determined client sends it.
    Wrapped {
        /// The changes.
        #[serde(rename = "modelVersion")]
        model_version: PatchVersionRequest,
    },
    /// The changes, unwrapped.
    Plain(PatchVersionRequest),
}

impl PatchVersionBody {
    /// The changes, whichever form they came in.
    pub fn into_inner(self) -> PatchVersionRequest {
        match self {
            PatchVersionBody::Wrapped { model_version } => model_version,
            PatchVersionBody::Plain(p) => p,
        }
    }
}

/// The body of the atomic metadata endpoints: keys to merge in, then keys to remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetadataChange {
    /// Top-level keys to set; each replaces the old value of its key whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub add: Option<Metadata>,
    /// Top-level keys to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Vec<String>>,
}

/// `{"model": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelResponse {
    /// The model.
    pub model: Model,
}

/// `{"models": [...], "pagination": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelsResponse {
    /// One page of models.
    pub models: Vec<Model>,
    /// Where the page sits.
    pub pagination: Pagination,
}

/// `{"modelVersion": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelVersionResponse {
    /// The version.
    pub model_version: ModelVersion,
}

/// `{"model": ..., "modelVersions": [...], "pagination": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelVersionsResponse {
    /// The model.
    pub model: Model,
    /// One page of its versions.
    pub model_versions: Vec<ModelVersion>,
    /// Where the page sits.
    pub pagination: Pagination,
}

/// `{"labels": [...]}`: every label in use, most used first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelsResponse {
    /// The labels.
    pub labels: Vec<String>,
}

/// What to list of models: filters, order and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelQuery {
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    /// Case-insensitive substring of the description.
    pub description: Option<String>,
    /// Models carrying any of these labels.
    pub labels: Vec<String>,
    /// Only archived (`true`) or only unarchived (`false`) models.
    pub archived: Option<bool>,
    /// Models created by any of these users.
    pub users: Vec<String>,
    /// Models created by any of these user ids.
    pub user_ids: Vec<i32>,
    /// Only the model with this id (0: no filter).
    pub id: Option<i32>,
    /// Models in any of these workspaces, by name.
    pub workspace_names: Vec<String>,
    /// Models in any of these workspaces, by id.
    pub workspace_ids: Vec<i32>,
    /// The sort key.
    pub sort_by: crate::ModelSortBy,
    /// The order.
    pub order_by: OrderBy,
    /// The first item to return; negative counts back from the end.
    pub offset: i32,
    /// The most items to return; 0 means no limit.
    pub limit: i32,
}

/// What to list of a model's versions: order and page.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VersionQuery {
    /// The sort key.
    pub sort_by: crate::VersionSortBy,
    /// The order.
    pub order_by: OrderBy,
    /// The first item to return; negative counts back from the end.
    pub offset: i32,
    /// The most items to return; 0 means no limit.
    pub limit: i32,
}
