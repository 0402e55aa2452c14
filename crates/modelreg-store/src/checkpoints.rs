//! Checkpoints: the records that versions point at.

use crate::error::{on_not_found, on_unique_violation, StoreError, StoreResult};
use crate::models::page_window;
use crate::rows::{CheckpointRow, FileRow, NewCheckpointRow};
use crate::schema::{checkpoint_files, checkpoints, model_versions};
use crate::time::now_micros;
use crate::validate;
use crate::{DbConnection, Store};
use diesel::prelude::*;
use modelreg_types::{
    Checkpoint, CheckpointFile, CheckpointState, CheckpointStorage, CreateCheckpointRequest,
    PageRequest, Pagination,
};
use std::collections::BTreeMap;

pub(crate) fn find_checkpoint(conn: &mut DbConnection, uuid: &str) -> StoreResult<CheckpointRow> {
    on_backend!(conn, |c| checkpoints::table
        .filter(checkpoints::uuid.eq(uuid))
        .select(CheckpointRow::as_select())
        .first(c))
    .map_err(on_not_found(format!("checkpoint {uuid} not found")))
}

/// A checkpoint's id and state: what registering it checks, without its
/// file list and training metadata (which the registration's answer reads
/// after the commit, off the writer).
pub(crate) fn checkpoint_state(conn: &mut DbConnection, uuid: &str) -> StoreResult<(i32, String)> {
    on_backend!(conn, |c| checkpoints::table
        .filter(checkpoints::uuid.eq(uuid))
        .select((checkpoints::id, checkpoints::state))
        .first(c))
    .map_err(on_not_found(format!("checkpoint {uuid} not found")))
}

/// A checkpoint by id.
pub(crate) fn checkpoint_by_id(conn: &mut DbConnection, id: i32) -> StoreResult<CheckpointRow> {
    on_backend!(conn, |c| checkpoints::table
        .find(id)
        .select(CheckpointRow::as_select())
        .first(c))
    .map_err(on_not_found(format!("checkpoint {id} not found")))
}

fn check_training(req: &CreateCheckpointRequest) -> StoreResult<()> {
    validate::text("taskId", req.task_id.as_deref(), validate::MAX_NAME_LEN)?;
    if let Some(training) = &req.training {
        validate::json_value(
            "training",
            &serde_json::to_value(training)?,
            4 * validate::MAX_METADATA_BYTES,
        )?;
    }
    if req.resources.len() > 100_000 {
        return Err(StoreError::InvalidArgument(
            "a checkpoint lists at most 100000 resources".into(),
        ));
    }
    if let Some(path) = req
        .resources
        .keys()
        .find(|p| p.len() > validate::MAX_PATH_LEN)
    {
        return Err(StoreError::InvalidArgument(format!(
            "resource path {path:?} is longer than {} bytes",
            validate::MAX_PATH_LEN
        )));
    }
    if let Some(training) = &req.training {
        for (which, metrics) in [
            ("trainingMetrics", &training.training_metrics),
            ("validationMetrics", &training.validation_metrics),
        ] {
            if let Some((i, item)) = metrics
                .batch_metrics
                .iter()
                .enumerate()
                .find(|(_, item)| !item.is_object())
            {
                return Err(StoreError::InvalidArgument(format!(
                    "training.{which}.batchMetrics[{i}] must be a JSON object, got {}",
                    json_kind(item)
                )));
            }
        }
        if training.trial_id.is_some()
            && (training.experiment_id.is_none() || training.experiment_config.is_empty())
        {
            return Err(StoreError::InvalidArgument(
                "a checkpoint with training.trialId also needs training.experimentId and a non-empty training.experimentConfig".into(),
            ));
        }
    }
    if let Some((path, size)) = req.resources.iter().find(|(_, size)| **size < 0) {
        return Err(StoreError::InvalidArgument(format!(
            "resource {path:?} has a negative size ({size})"
        )));
    }
    Ok(())
}

/// What kind of JSON value this is, for messages.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn checked_uuid(uuid: Option<&str>) -> StoreResult<String> {
    match uuid.filter(|u| !u.is_empty()) {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(text) => uuid::Uuid::parse_str(text)
            .map(|u| u.hyphenated().to_string())
            .map_err(|_| {
                StoreError::InvalidArgument(format!("checkpoint uuid {text:?} is not a UUID"))
            }),
    }
}

impl Store {
    /// Records a checkpoint. Its uuid is generated when absent; its state
    /// defaults to `STATE_COMPLETED`. A checkpoint created `STATE_ACTIVE`
    /// takes file uploads until it is completed; one with an `externalUri`
    /// keeps its files where they are.
    pub fn create_checkpoint(&self, req: CreateCheckpointRequest) -> StoreResult<Checkpoint> {
        check_training(&req)?;
        let uuid = checked_uuid(req.uuid.as_deref())?;
        let state = req
            .state
            .filter(|s| *s != CheckpointState::Unspecified)
            .unwrap_or(CheckpointState::Completed);
        let storage = storage_for(&req, state)?;
        let resources = serde_json::to_string(&req.resources)?;
        let metadata = req.metadata.unwrap_or_default();
        validate::metadata("metadata", &metadata)?;
        let metadata = crate::metadata::to_text(&metadata);
        let training = serde_json::to_string(&req.training.unwrap_or_default())?;
        let report_time = req
            .report_time
            .map(|t| t.timestamp_micros())
            .unwrap_or_else(now_micros);
        self.write(move |conn| {
            diesel::insert_into(checkpoints::table)
                .values(NewCheckpointRow {
                    uuid: &uuid,
                    task_id: req.task_id.as_deref().unwrap_or(""),
                    report_time,
                    resources: &resources,
                    metadata: &metadata,
                    state: state.name(),
                    training: &training,
                    storage: storage.name(),
                    external_uri: req.external_uri.as_deref().unwrap_or(""),
                    updated_at: now_micros(),
                })
                .execute(conn)
                .map_err(on_unique_violation(format!(
                    "checkpoint {uuid} already exists"
                )))?;
            find_checkpoint(conn, &uuid)?.into_checkpoint()
        })
    }

    /// A checkpoint by uuid.
    pub fn get_checkpoint(&self, uuid: &str) -> StoreResult<Checkpoint> {
        self.read(|conn| find_checkpoint(conn, uuid)?.into_checkpoint())
    }

    /// One page of checkpoints, oldest first.
    pub fn list_checkpoints(
        &self,
        page: PageRequest,
    ) -> StoreResult<(Vec<Checkpoint>, Pagination)> {
        self.read(|conn| {
            let total: i64 = checkpoints::table.count().get_result(conn)?;
            let (start, end, total) = page_window(page, total)?;
            let rows: Vec<CheckpointRow> = checkpoints::table
                .order_by(checkpoints::id.asc())
                .select(CheckpointRow::as_select())
                .offset(i64::from(start))
                .limit(i64::from(end - start))
                .load(conn)?;
            let list = rows
                .into_iter()
                .map(CheckpointRow::into_checkpoint)
                .collect::<StoreResult<_>>()?;
            Ok((list, page.pagination(start, end, total)))
        })
    }
}

fn storage_for(
    req: &CreateCheckpointRequest,
    state: CheckpointState,
) -> StoreResult<CheckpointStorage> {
    let invalid = |m: &str| Err(StoreError::InvalidArgument(m.to_string()));
    match (req.external_uri.as_deref().filter(|u| !u.is_empty()), state) {
        (Some(uri), CheckpointState::Completed) => {
            validate::external_uri(uri)?;
            Ok(CheckpointStorage::External)
        }
        (Some(_), _) => invalid("an external checkpoint (with externalUri) must be STATE_COMPLETED"),
        (None, CheckpointState::Active) if !req.resources.is_empty() => invalid(
            "a checkpoint created STATE_ACTIVE takes its resources from the files uploaded to it; leave resources out",
        ),
        (None, CheckpointState::Active) => Ok(CheckpointStorage::Managed),
        (None, _) => Ok(CheckpointStorage::Record),
    }
}

/// The artifact-store key prefix of a checkpoint's files.
pub fn blob_prefix(uuid: &str) -> String {
    format!("checkpoints/{uuid}/")
}

/// An uploaded file and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The file as the API shows it.
    pub file: CheckpointFile,
    /// The object key in the artifact store.
    pub blob_key: String,
}

impl From<FileRow> for StoredFile {
    fn from(row: FileRow) -> Self {
        StoredFile {
            file: CheckpointFile {
                path: row.path,
                size: row.size,
                sha256: row.sha256,
            },
            blob_key: row.blob_key,
        }
    }
}

fn uploading(conn: &mut DbConnection, uuid: &str) -> StoreResult<CheckpointRow> {
    let row = find_checkpoint(conn, uuid)?;
    if row.storage != CheckpointStorage::Managed.name()
        || row.state != CheckpointState::Active.name()
    {
        return Err(StoreError::FailedPrecondition(format!(
            "checkpoint {uuid} is {} ({}); files can only be uploaded to a checkpoint created STATE_ACTIVE, before it is completed",
            row.state, row.storage
        )));
    }
    Ok(row)
}

fn files_of(conn: &mut DbConnection, checkpoint_id: i32) -> StoreResult<Vec<FileRow>> {
    Ok(checkpoint_files::table
        .filter(checkpoint_files::checkpoint_id.eq(checkpoint_id))
        .order_by(checkpoint_files::path.asc())
        .select(FileRow::as_select())
        .load(conn)?)
}

fn sizes(files: &[FileRow]) -> StoreResult<String> {
    let map: BTreeMap<&str, i64> = files.iter().map(|f| (f.path.as_str(), f.size)).collect();
    Ok(serde_json::to_string(&map)?)
}

impl Store {
    /// A fresh object key for an upload to a checkpoint, after checking that
    /// the checkpoint takes uploads and the path is valid.
    pub fn begin_upload(&self, uuid: &str, path: &str) -> StoreResult<String> {
        validate::file_path(path)?;
        self.read(|conn| uploading(conn, uuid))?;
        Ok(format!(
            "{}{}",
            blob_prefix(uuid),
            uuid::Uuid::new_v4().simple()
        ))
    }

    /// Records an uploaded file (replacing an earlier upload of the same
    /// path). Returns the object key the file replaced, which the caller deletes.
    pub fn record_upload(
        &self,
        uuid: &str,
        file: &CheckpointFile,
        blob_key: &str,
    ) -> StoreResult<Option<String>> {
        validate::file_path(&file.path)?;
        let (uuid, file, blob_key) = (uuid.to_owned(), file.clone(), blob_key.to_owned());
        self.write(move |conn| {
            let row = uploading(conn, &uuid)?;
            let target = checkpoint_files::table
                .filter(checkpoint_files::checkpoint_id.eq(row.id))
                .filter(checkpoint_files::path.eq(&file.path));
            let replaced: Option<String> = target
                .select(checkpoint_files::blob_key)
                .first(conn)
                .optional()?;
            diesel::delete(target).execute(conn)?;
            diesel::insert_into(checkpoint_files::table)
                .values(FileRow {
                    checkpoint_id: row.id,
                    path: file.path,
                    size: file.size,
                    sha256: file.sha256,
                    blob_key,
                })
                .execute(conn)?;
            let resources = sizes(&files_of(conn, row.id)?)?;
            diesel::update(checkpoints::table.find(row.id))
                .set((
                    checkpoints::resources.eq(resources),
                    checkpoints::updated_at.eq(now_micros()),
                ))
                .execute(conn)?;
            Ok(replaced)
        })
    }

    /// Completes an upload: the checkpoint becomes `STATE_COMPLETED` with
    /// exactly the files uploaded, and never changes again. When `expected`
    /// (path -> SHA-256) is given, the uploaded files must match it.
    pub fn complete_checkpoint(
        &self,
        uuid: &str,
        expected: Option<&BTreeMap<String, String>>,
    ) -> StoreResult<Checkpoint> {
        let (uuid, expected) = (uuid.to_owned(), expected.cloned());
        self.write(move |conn| {
            let row = uploading(conn, &uuid)?;
            let files = files_of(conn, row.id)?;
            if let Some(expected) = expected {
                let uploaded: BTreeMap<String, String> =
                    files.iter().map(|f| (f.path.clone(), f.sha256.clone())).collect();
                let missing: Vec<_> = expected.keys().filter(|p| !uploaded.contains_key(*p)).collect();
                let unexpected: Vec<_> = uploaded.keys().filter(|p| !expected.contains_key(*p)).collect();
                let differ: Vec<_> = expected
                    .iter()
                    .filter(|(p, sha)| uploaded.get(*p).is_some_and(|u| !u.eq_ignore_ascii_case(sha)))
                    .map(|(p, _)| p)
                    .collect();
                if !missing.is_empty() || !unexpected.is_empty() || !differ.is_empty() {
                    return Err(StoreError::FailedPrecondition(format!(
                        "checkpoint {uuid} does not match the expected files: missing {missing:?}, unexpected {unexpected:?}, different SHA-256 {differ:?}"
                    )));
                }
            }
            diesel::update(checkpoints::table.find(row.id))
                .set((
                    checkpoints::state.eq(CheckpointState::Completed.name()),
                    checkpoints::resources.eq(sizes(&files)?),
                    checkpoints::updated_at.eq(now_micros()),
                ))
                .execute(conn)?;
            find_checkpoint(conn, &uuid)?.into_checkpoint()
        })
    }

    /// A checkpoint with its uploaded files, by path.
    pub fn checkpoint_files(&self, uuid: &str) -> StoreResult<(Checkpoint, Vec<StoredFile>)> {
        self.read(|conn| {
            let row = find_checkpoint(conn, uuid)?;
            let files = files_of(conn, row.id)?
                .into_iter()
                .map(StoredFile::from)
                .collect();
            Ok((row.into_checkpoint()?, files))
        })
    }

    /// One uploaded file of a checkpoint.
    pub fn checkpoint_file(&self, uuid: &str, path: &str) -> StoreResult<(Checkpoint, StoredFile)> {
        let (checkpoint, files) = self.checkpoint_files(uuid)?;
        let file = files
            .into_iter()
            .find(|f| f.file.path == path)
            .ok_or_else(|| {
                StoreError::NotFound(format!("checkpoint {uuid} has no file {path:?}"))
            })?;
        Ok((checkpoint, file))
    }

    /// Marks a checkpoint deleted, refusing if a model version references it.
    /// The caller then removes its files and calls [`Store::forget_checkpoint`].
    pub fn begin_delete_checkpoint(&self, uuid: &str) -> StoreResult<Checkpoint> {
        let uuid = uuid.to_owned();
        self.write(move |conn| {
            let row = find_checkpoint(conn, &uuid)?;
            let references: i64 = model_versions::table
                .filter(model_versions::checkpoint_id.eq(row.id))
                .count()
                .get_result(conn)?;
            if references > 0 {
                return Err(StoreError::FailedPrecondition(format!(
                    "checkpoint {uuid} is registered as {references} model version(s); delete those versions first"
                )));
            }
            diesel::update(checkpoints::table.find(row.id))
                .set((checkpoints::state.eq(CheckpointState::Deleted.name()), checkpoints::updated_at.eq(now_micros())))
                .execute(conn)?;
            row.into_checkpoint()
        })
    }

    /// Removes a deleted or abandoned checkpoint's rows, once its files are gone.
    pub fn forget_checkpoint(&self, uuid: &str) -> StoreResult<()> {
        let uuid = uuid.to_owned();
        self.write(move |conn| {
            let row = find_checkpoint(conn, &uuid)?;
            diesel::delete(
                checkpoint_files::table.filter(checkpoint_files::checkpoint_id.eq(row.id)),
            )
            .execute(conn)?;
            diesel::delete(checkpoints::table.find(row.id)).execute(conn)?;
            Ok(())
        })
    }

    /// Checkpoints whose files should go: uploads left `STATE_ACTIVE` since
    /// before `cutoff_micros`, and deletions that did not finish.
    pub fn abandoned_checkpoints(&self, cutoff_micros: i64) -> StoreResult<Vec<String>> {
        self.read(|conn| {
            Ok(checkpoints::table
                .filter(
                    checkpoints::state
                        .eq(CheckpointState::Active.name())
                        .and(checkpoints::storage.eq(CheckpointStorage::Managed.name()))
                        .and(checkpoints::updated_at.lt(cutoff_micros))
                        .or(checkpoints::state.eq(CheckpointState::Deleted.name())),
                )
                .select(checkpoints::uuid)
                .load(conn)?)
        })
    }
}

impl Store {
    /// Replaces a checkpoint's user metadata (Determined's checkpoint metadata call).
    pub fn replace_checkpoint_metadata(
        &self,
        uuid: &str,
        metadata: modelreg_types::Metadata,
    ) -> StoreResult<Checkpoint> {
        crate::validate::metadata("checkpoint metadata", &metadata)?;
        let uuid = uuid.to_owned();
        self.write(move |conn| {
            let row = find_checkpoint(conn, &uuid)?;
            diesel::update(checkpoints::table.find(row.id))
                .set(checkpoints::metadata.eq(crate::metadata::to_text(&metadata)))
                .execute(conn)?;
            find_checkpoint(conn, &uuid)?.into_checkpoint()
        })
    }
}
