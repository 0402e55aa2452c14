//! Checkpoints: the saved state of a trained model that a version points at.

use crate::serde_util::{deserialize_sizes, null_as_default, serialize_sizes};
use crate::{CheckpointState, Metadata, Pagination};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A checkpoint: its files (`resources`) and training metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The checkpoint's unique id.
    pub uuid: String,
    /// The task that wrote it, if any.
    #[serde(default, deserialize_with = "null_as_default")]
    pub task_id: String,
    /// When it was reported.
    pub report_time: Option<DateTime<Utc>>,
    /// Its files: path -> size in bytes (64-bit, written as a string).
    #[serde(
        default,
        serialize_with = "serialize_sizes",
        deserialize_with = "deserialize_sizes"
    )]
    #[schema(value_type = BTreeMap<String, String>)]
    pub resources: BTreeMap<String, i64>,
    /// User metadata, e.g. `framework`, `format`, `steps_completed`.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// Its state.
    #[serde(default)]
    pub state: CheckpointState,
    /// What training produced it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub training: CheckpointTraining,
    /// How its files are kept (modelreg extension).
    #[serde(default)]
    pub storage: CheckpointStorage,
    /// Where an external checkpoint's files are, e.g. `s3://bucket/run-7/` (modelreg extension).
    #[serde(default, deserialize_with = "null_as_default")]
    pub external_uri: String,
}

/// How a checkpoint's files are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointStorage {
    /// Only the record: no files are kept or served by the registry.
    #[default]
    Record,
    /// Uploaded to, kept and served by the registry's artifact store.
    Managed,
    /// Left where they are, at `externalUri`.
    External,
}

impl CheckpointStorage {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            CheckpointStorage::Record => "record",
            CheckpointStorage::Managed => "managed",
            CheckpointStorage::External => "external",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Record, Self::Managed, Self::External]
            .into_iter()
            .find(|s| s.name() == text)
    }
}

/// One uploaded file of a managed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointFile {
    /// The path inside the checkpoint, with `/` separators.
    pub path: String,
    /// Its size in bytes (64-bit, written as a string).
    #[serde(with = "crate::serde_util::int64_as_string")]
    #[schema(value_type = String)]
    pub size: i64,
    /// The hex SHA-256 of its bytes.
    pub sha256: String,
}

/// `{"file": ...}`: the answer of a file upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointFileResponse {
    /// The file as stored.
    pub file: CheckpointFile,
}

/// `{"files": [...]}`: a checkpoint's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointFilesResponse {
    /// Every file, by path.
    pub files: Vec<CheckpointFile>,
}

/// The body of `POST /api/v1/checkpoints/{uuid}/complete`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteCheckpointRequest {
    /// If given, the exact set of files expected (path -> hex SHA-256); the
    /// checkpoint completes only if the uploaded files match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
}

/// The training metadata of a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointTraining {
    /// The trial that produced it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_id: Option<i32>,
    /// The experiment that produced it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment_id: Option<i32>,
    /// The experiment's configuration.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub experiment_config: Metadata,
    /// The hyperparameters.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub hparams: Metadata,
    /// Training metrics.
    #[serde(default, deserialize_with = "null_as_default")]
    pub training_metrics: CheckpointMetrics,
    /// Validation metrics.
    #[serde(default, deserialize_with = "null_as_default")]
    pub validation_metrics: CheckpointMetrics,
    /// The value of the searcher's metric, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searcher_metric: Option<f64>,
}

/// Aggregated and per-batch metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointMetrics {
    /// Averaged metrics.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Object)]
    pub avg_metrics: Metadata,
    /// Per-batch metrics.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Vec<Object>)]
    pub batch_metrics: Vec<serde_json::Value>,
}

/// The body of `POST /api/v1/checkpoints`: a checkpoint whose `uuid` is
/// generated when absent and whose `state` defaults to `STATE_COMPLETED`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckpointRequest {
    /// The checkpoint's id; a new one is generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The task that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// When it was reported; now when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_time: Option<DateTime<Utc>>,
    /// Its files: path -> size in bytes.
    #[serde(
        default,
        serialize_with = "serialize_sizes",
        deserialize_with = "deserialize_sizes"
    )]
    #[schema(value_type = BTreeMap<String, String>)]
    pub resources: BTreeMap<String, i64>,
    /// User metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// Its state; `STATE_COMPLETED` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<CheckpointState>,
    /// What training produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<CheckpointTraining>,
    /// Registers an external checkpoint: its files stay at this URI
    /// (`s3://...`, `file://...`) and are listed in `resources` as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_uri: Option<String>,
}

/// `{"checkpoint": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointResponse {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
}

/// `{"checkpoints": [...], "pagination": ...}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointsResponse {
    /// One page of checkpoints, oldest first.
    pub checkpoints: Vec<Checkpoint>,
    /// Where the page sits.
    pub pagination: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_written_as_strings_and_read_from_either() {
        let req: CreateCheckpointRequest =
            serde_json::from_str(r#"{"resources": {"a.pt": "12", "b.pt": 7}, "metadata": null}"#)
                .unwrap();
        assert_eq!(req.resources["a.pt"], 12);
        assert_eq!(req.resources["b.pt"], 7);
        assert_eq!(req.metadata, None);
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["resources"]["b.pt"], "7");
    }

    #[test]
    fn unset_training_ids_are_omitted() {
        let json = serde_json::to_value(CheckpointTraining::default()).unwrap();
        assert!(json.get("trialId").is_none());
        assert_eq!(
            json["trainingMetrics"]["batchMetrics"],
            serde_json::json!([])
        );
    }
}
