//! Row structs: what the database holds, kept apart from the wire types.

use crate::error::StoreResult;
use crate::schema::{checkpoint_files, checkpoints, model_versions, models, sessions, users};
use crate::time::from_micros;
use diesel::prelude::*;
use modelreg_types::{Checkpoint, CheckpointState, Metadata, Model, ModelVersion, User};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    #[allow(dead_code)] // kept in step with role for old readers; role decides
    pub admin: bool,
    pub active: bool,
    pub modified_at: i64,
    pub role: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub admin: bool,
    pub active: bool,
    pub modified_at: i64,
    pub role: &'a str,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSessionRow<'a> {
    pub token_hash: &'a str,
    pub user_id: i32,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = models)]
pub struct ModelRow {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub metadata: String,
    pub labels: String,
    pub notes: String,
    pub archived: bool,
    pub workspace_id: i32,
    pub user_id: i32,
    pub creation_time: i64,
    pub last_updated_time: i64,
    pub num_versions: i32,
    #[allow(dead_code)] // selected so the row matches the table
    pub last_version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = models)]
pub struct NewModelRow<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub metadata: &'a str,
    pub labels: &'a str,
    pub notes: &'a str,
    pub archived: bool,
    pub workspace_id: i32,
    pub user_id: i32,
    pub creation_time: i64,
    pub last_updated_time: i64,
    pub num_versions: i32,
    pub last_version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checkpoints)]
pub struct CheckpointRow {
    pub id: i32,
    pub uuid: String,
    pub task_id: String,
    pub report_time: i64,
    pub resources: String,
    pub metadata: String,
    pub state: String,
    pub training: String,
    pub storage: String,
    pub external_uri: String,
    #[allow(dead_code)] // selected so the row matches the table
    pub updated_at: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = checkpoints)]
pub struct NewCheckpointRow<'a> {
    pub uuid: &'a str,
    pub task_id: &'a str,
    pub report_time: i64,
    pub resources: &'a str,
    pub metadata: &'a str,
    pub state: &'a str,
    pub training: &'a str,
    pub storage: &'a str,
    pub external_uri: &'a str,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = checkpoint_files)]
pub struct FileRow {
    pub checkpoint_id: i32,
    pub path: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = model_versions)]
pub struct VersionRow {
    pub id: i32,
    #[allow(dead_code)] // selected so the row matches the table
    pub model_id: i32,
    pub version: i32,
    pub name: String,
    pub comment: String,
    pub notes: String,
    pub metadata: String,
    pub labels: String,
    pub creation_time: i64,
    pub last_updated_time: i64,
    pub user_id: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = model_versions)]
pub struct NewVersionRow<'a> {
    pub model_id: i32,
    pub version: i32,
    pub checkpoint_id: i32,
    pub name: &'a str,
    pub comment: &'a str,
    pub notes: &'a str,
    pub metadata: &'a str,
    pub labels: &'a str,
    pub creation_time: i64,
    pub last_updated_time: i64,
    pub user_id: i32,
}

pub fn parse_metadata(text: &str) -> StoreResult<Metadata> {
    Ok(serde_json::from_str(text)?)
}

fn parse_labels(text: &str) -> StoreResult<Vec<String>> {
    Ok(serde_json::from_str(text)?)
}

impl ModelRow {
    pub fn into_model(self, username: String) -> StoreResult<Model> {
        Ok(Model {
            id: self.id,
            metadata: parse_metadata(&self.metadata)?,
            labels: parse_labels(&self.labels)?,
            name: self.name,
            description: self.description,
            notes: self.notes,
            archived: self.archived,
            num_versions: self.num_versions,
            creation_time: from_micros(self.creation_time),
            last_updated_time: from_micros(self.last_updated_time),
            user_id: self.user_id,
            username,
            workspace_id: self.workspace_id,
        })
    }
}

/// Where Determined's SDK looks for a managed checkpoint's files: a shared
/// folder that does not exist, so `Checkpoint.download()` in AUTO mode falls
/// back to fetching the archive through the server (MASTER mode).
fn determined_storage_hint() -> serde_json::Value {
    serde_json::json!({
        "type": "shared_fs",
        "host_path": "/nonexistent/modelreg-managed-checkpoints",
        "storage_path": "modelreg",
    })
}

impl CheckpointRow {
    pub fn into_checkpoint(self) -> StoreResult<Checkpoint> {
        let mut training: modelreg_types::CheckpointTraining =
            serde_json::from_str(&self.training)?;
        if self.storage == modelreg_types::CheckpointStorage::Managed.name() {
            training
                .experiment_config
                .entry("checkpoint_storage")
                .or_insert_with(determined_storage_hint);
        }
        Ok(Checkpoint {
            resources: serde_json::from_str(&self.resources)?,
            metadata: parse_metadata(&self.metadata)?,
            state: CheckpointState::parse(&self.state).unwrap_or_default(),
            training,
            report_time: Some(from_micros(self.report_time)),
            storage: modelreg_types::CheckpointStorage::parse(&self.storage).unwrap_or_default(),
            external_uri: self.external_uri,
            uuid: self.uuid,
            task_id: self.task_id,
        })
    }
}

impl VersionRow {
    pub fn into_version(
        self,
        model: Model,
        checkpoint: Checkpoint,
        username: String,
    ) -> StoreResult<ModelVersion> {
        Ok(ModelVersion {
            id: self.id,
            version: self.version,
            model,
            checkpoint,
            metadata: parse_metadata(&self.metadata)?,
            labels: parse_labels(&self.labels)?,
            name: self.name,
            comment: self.comment,
            notes: self.notes,
            creation_time: from_micros(self.creation_time),
            last_updated_time: from_micros(self.last_updated_time),
            user_id: self.user_id,
            username,
        })
    }
}

impl UserRow {
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            admin: self.role == "admin",
            active: self.active,
            remote: false,
            modified_at: Some(from_micros(self.modified_at)),
            role: modelreg_types::Role::parse(&self.role).unwrap_or_default(),
        }
    }
}
