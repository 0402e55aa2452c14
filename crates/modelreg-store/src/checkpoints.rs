//! Checkpoints: the records that versions point at.

use crate::error::{on_not_found, on_unique_violation, StoreError, StoreResult};
use crate::models::page_window;
use crate::rows::{CheckpointRow, NewCheckpointRow};
use crate::schema::checkpoints;
use crate::time::now_micros;
use crate::{DbConnection, Store};
use diesel::prelude::*;
use modelreg_types::{
    Checkpoint, CheckpointState, CreateCheckpointRequest, PageRequest, Pagination,
};

pub(crate) fn find_checkpoint(conn: &mut DbConnection, uuid: &str) -> StoreResult<CheckpointRow> {
    checkpoints::table
        .filter(checkpoints::uuid.eq(uuid))
        .select(CheckpointRow::as_select())
        .first(conn)
        .map_err(on_not_found(format!("checkpoint {uuid} not found")))
}

pub(crate) fn checkpoint_by_id(conn: &mut DbConnection, id: i32) -> StoreResult<Checkpoint> {
    checkpoints::table
        .find(id)
        .select(CheckpointRow::as_select())
        .first(conn)?
        .into_checkpoint()
}

fn check_training(req: &CreateCheckpointRequest) -> StoreResult<()> {
    if let Some(training) = &req.training {
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
    /// defaults to `STATE_COMPLETED`.
    pub fn create_checkpoint(&self, req: CreateCheckpointRequest) -> StoreResult<Checkpoint> {
        check_training(&req)?;
        let uuid = checked_uuid(req.uuid.as_deref())?;
        let state = req
            .state
            .filter(|s| *s != CheckpointState::Unspecified)
            .unwrap_or(CheckpointState::Completed);
        let resources = serde_json::to_string(&req.resources)?;
        let metadata = crate::metadata::to_text(&req.metadata.unwrap_or_default());
        let training = serde_json::to_string(&req.training.unwrap_or_default())?;
        let report_time = req
            .report_time
            .map(|t| t.timestamp_micros())
            .unwrap_or_else(now_micros);
        self.write(|conn| {
            diesel::insert_into(checkpoints::table)
                .values(NewCheckpointRow {
                    uuid: &uuid,
                    task_id: req.task_id.as_deref().unwrap_or(""),
                    report_time,
                    resources: &resources,
                    metadata: &metadata,
                    state: state.name(),
                    training: &training,
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
