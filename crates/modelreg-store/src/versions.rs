//! Model versions: register, read, list, change, delete.

use crate::checkpoints::{checkpoint_by_id, checkpoint_state};
use crate::error::{on_not_found, StoreError, StoreResult};
use crate::fixed_sql::FixedSql;
use crate::metadata;
use crate::models::{find_model, load_model, model_by_id, page_window, ModelKey};
use crate::rows::{parse_metadata, CheckpointRow, ModelRow, NewVersionRow, VersionRow};
use crate::schema::{checkpoints, model_versions, models, users};
use crate::time::now_micros;
use crate::users::usernames;
use crate::validate;
use crate::{AuthUser, DbConnection, Store, Write};
use diesel::prelude::*;
use modelreg_types::{
    CheckpointState, MetadataChange, Model, ModelVersion, PageRequest, Pagination,
    PatchVersionRequest, RegisterVersionRequest, VersionQuery, VersionSortBy,
};

fn find_version(conn: &mut DbConnection, model: &Model, number: i32) -> StoreResult<VersionRow> {
    model_versions::table
        .filter(model_versions::model_id.eq(model.id))
        .filter(model_versions::version.eq(number))
        .select(VersionRow::as_select())
        .first(conn)
        .map_err(on_not_found(format!(
            "version {number} of model \"{}\" not found",
            model.name
        )))
}

/// A version row with its checkpoint and its creator's name, as one query loads them.
type VersionParts = (VersionRow, CheckpointRow, String);

/// The versions of one model, each with its checkpoint and creator, in one
/// query. A macro rather than a function: the query runs on the backend's own
/// connection (`on_backend!`), so its type differs per backend.
macro_rules! versions_of {
    ($model_id:expr) => {
        model_versions::table
            .inner_join(checkpoints::table)
            .inner_join(users::table)
            .filter(model_versions::model_id.eq($model_id))
            .select((
                VersionRow::as_select(),
                CheckpointRow::as_select(),
                users::username,
            ))
    };
}

fn to_versions(model: &Model, rows: Vec<VersionParts>) -> StoreResult<Vec<ModelVersion>> {
    rows.into_iter()
        .map(|(row, checkpoint, username)| {
            row.into_version(model.clone(), checkpoint.into_checkpoint()?, username)
        })
        .collect()
}

fn load_version(conn: &mut DbConnection, model_id: i32, number: i32) -> StoreResult<ModelVersion> {
    let model = model_by_id(conn, model_id)?;
    let parts: VersionParts = on_backend!(conn, |c| versions_of!(model_id)
        .filter(model_versions::version.eq(number))
        .first(c))
    .map_err(on_not_found(format!(
        "version {number} of model \"{}\" not found",
        model.name
    )))?;
    Ok(to_versions(&model, vec![parts])?.remove(0))
}

impl Store {
    /// Registers a completed checkpoint as the next version of a model. The
    /// number comes from a per-model counter bumped in the same transaction,
    /// so concurrent registrations get distinct numbers and none is reused.
    pub fn register_version(
        &self,
        key: &ModelKey,
        user: &AuthUser,
        req: RegisterVersionRequest,
    ) -> StoreResult<ModelVersion> {
        self.register_version_write(key, user, req)?.wait()
    }

    /// [`Store::register_version`], checked and ready to run.
    pub fn register_version_write(
        &self,
        key: &ModelKey,
        user: &AuthUser,
        req: RegisterVersionRequest,
    ) -> StoreResult<Write<ModelVersion>> {
        if req.checkpoint_uuid.trim().is_empty() {
            return Err(StoreError::InvalidArgument(
                "checkpointUuid is required".into(),
            ));
        }
        let labels = serde_json::to_string(&validate::dedup_labels(
            req.labels.clone().unwrap_or_default(),
        )?)?;
        let metadata = req.metadata.clone().unwrap_or_default();
        validate::metadata("metadata", &metadata)?;
        let metadata = metadata::to_text(&metadata);
        validate::text("name", req.name.as_deref(), validate::MAX_NAME_LEN)?;
        validate::text("comment", req.comment.as_deref(), validate::MAX_TEXT_LEN)?;
        validate::text("notes", req.notes.as_deref(), validate::MAX_TEXT_LEN)?;
        let (key, user_id) = (key.clone(), user.id);
        let write = move |conn: &mut DbConnection| {
            // The checkpoint first: a refused registration changes nothing.
            let (checkpoint_id, state) = match checkpoint_state(conn, &req.checkpoint_uuid) {
                Ok(found) => found,
                Err(e) => {
                    // A missing or archived model is the first thing to fix.
                    registrable_model(conn, &key)?;
                    return Err(e);
                }
            };
            if state != CheckpointState::Completed.name() {
                registrable_model(conn, &key)?;
                return Err(StoreError::FailedPrecondition(format!(
                    "checkpoint {} is {state}, not STATE_COMPLETED; only a completed checkpoint can be registered",
                    req.checkpoint_uuid
                )));
            }
            let now = now_micros();
            // The model's next number, taken under the model's row lock
            // (PostgreSQL), and the model as bumped, in one statement.
            let bumped = on_backend!(conn, |c| {
                let bump = (
                    models::last_version.eq(models::last_version + 1),
                    models::num_versions.eq(models::num_versions + 1),
                    models::last_updated_time.eq(now),
                );
                let open = models::archived.eq(false);
                match &key {
                    ModelKey::Id(id) => FixedSql::new(
                        diesel::update(models::table.filter(models::id.eq(*id)).filter(open))
                            .set(bump)
                            .returning(ModelRow::as_returning()),
                    )
                    .get_result(c),
                    // Borrows the name: cached under a name of its own.
                    ModelKey::Name(name) => FixedSql::<_, BumpByName>::named(
                        diesel::update(models::table.filter(models::name.eq(name)).filter(open))
                            .set(bump)
                            .returning(ModelRow::as_returning()),
                    )
                    .get_result(c),
                }
                .optional()
            })?;
            let Some(model) = bumped else {
                let model = registrable_model(conn, &key)?;
                return Err(StoreError::FailedPrecondition(format!(
                    "model \"{}\" changed while the version was registered; try again",
                    model.name
                )));
            };
            let number = model.last_version;
            let new_row = NewVersionRow {
                model_id: model.id,
                version: number,
                checkpoint_id,
                name: req.name.as_deref().unwrap_or(""),
                comment: req.comment.as_deref().unwrap_or(""),
                notes: req.notes.as_deref().unwrap_or(""),
                metadata: &metadata,
                labels: &labels,
                creation_time: now,
                last_updated_time: now,
                user_id,
            };
            let id: i32 = on_backend!(conn, |c| FixedSql::<
                _,
                (NewVersionRow<'static>, model_versions::id),
            >::named(
                diesel::insert_into(model_versions::table)
                    .values(&new_row)
                    .returning(model_versions::id)
            )
            .get_result(c))?;
            // The answer is made of what the write read and wrote, so it
            // needs no read-back: the model as bumped, the version as inserted.
            let version = VersionRow {
                id,
                model_id: model.id,
                version: number,
                name: req.name.unwrap_or_default(),
                comment: req.comment.unwrap_or_default(),
                notes: req.notes.unwrap_or_default(),
                metadata,
                labels,
                creation_time: now,
                last_updated_time: now,
                user_id,
            };
            Ok((model, version, checkpoint_id))
        };
        let creator = user.username.clone();
        Ok(
            self.prepare_write(write, move |store, (model, version, checkpoint_id)| {
                let (checkpoint, owner) = store.read(|conn| {
                    let checkpoint = checkpoint_by_id(conn, checkpoint_id)?;
                    let owner = if model.user_id == user_id {
                        creator.clone()
                    } else {
                        usernames(conn, &[model.user_id])?
                            .remove(&model.user_id)
                            .unwrap_or_default()
                    };
                    Ok((checkpoint, owner))
                })?;
                version.into_version(
                    model.into_model(owner)?,
                    checkpoint.into_checkpoint()?,
                    creator,
                )
            }),
        )
    }

    /// One version of a model.
    pub fn get_version(&self, key: &ModelKey, number: i32) -> StoreResult<ModelVersion> {
        self.read(|conn| {
            let id = find_model(conn, key)?.id;
            load_version(conn, id, number)
        })
    }

    /// The model and one page of its versions.
    pub fn list_versions(
        &self,
        key: &ModelKey,
        query: VersionQuery,
    ) -> StoreResult<(Model, Vec<ModelVersion>, Pagination)> {
        let page = PageRequest {
            offset: query.offset,
            limit: query.limit,
        };
        self.read(|conn| {
            let model = load_model(conn, key)?;
            // models.num_versions moves with every registration and deletion, in the same transaction.
            let total = i64::from(model.num_versions);
            let (start, end, total) = page_window(page, total)?;
            let desc = query.order_by.is_desc();
            let (offset, limit) = (i64::from(start), i64::from(end - start));
            let rows: Vec<VersionParts> = on_backend!(conn, |c| {
                let q = versions_of!(model.id).offset(offset).limit(limit);
                match (query.sort_by, desc) {
                    (VersionSortBy::CreationTime, false) => q
                        .order_by((
                            model_versions::creation_time.asc(),
                            model_versions::id.asc(),
                        ))
                        .load(c),
                    (VersionSortBy::CreationTime, true) => q
                        .order_by((
                            model_versions::creation_time.desc(),
                            model_versions::id.desc(),
                        ))
                        .load(c),
                    (_, false) => q.order_by(model_versions::version.asc()).load(c),
                    (_, true) => q.order_by(model_versions::version.desc()).load(c),
                }
            })?;
            let versions = to_versions(&model, rows)?;
            Ok((model, versions, page.pagination(start, end, total)))
        })
    }

    /// Changes a version's fields; absent fields stay as they are.
    pub fn patch_version(
        &self,
        key: &ModelKey,
        number: i32,
        patch: PatchVersionRequest,
    ) -> StoreResult<ModelVersion> {
        let labels = patch.labels.map(validate::dedup_labels).transpose()?;
        if let Some(metadata) = &patch.metadata {
            validate::metadata("metadata", metadata)?;
        }
        validate::text("name", patch.name.as_deref(), validate::MAX_NAME_LEN)?;
        validate::text("comment", patch.comment.as_deref(), validate::MAX_TEXT_LEN)?;
        validate::text("notes", patch.notes.as_deref(), validate::MAX_TEXT_LEN)?;
        let key = key.clone();
        self.write(move |conn| {
            let model = load_model(conn, &key)?;
            let row = find_version(conn, &model, number)?;
            let target = model_versions::table.find(row.id);
            let mut changed = false;
            for (value, current, column) in [
                (&patch.name, &row.name, 0),
                (&patch.comment, &row.comment, 1),
                (&patch.notes, &row.notes, 2),
            ] {
                if let Some(value) = value.as_ref().filter(|v| *v != current) {
                    match column {
                        0 => diesel::update(target)
                            .set(model_versions::name.eq(value))
                            .execute(conn)?,
                        1 => diesel::update(target)
                            .set(model_versions::comment.eq(value))
                            .execute(conn)?,
                        _ => diesel::update(target)
                            .set(model_versions::notes.eq(value))
                            .execute(conn)?,
                    };
                    changed = true;
                }
            }
            if let Some(metadata) = &patch.metadata {
                if parse_metadata(&row.metadata)? != *metadata {
                    diesel::update(target)
                        .set(model_versions::metadata.eq(metadata::to_text(metadata)))
                        .execute(conn)?;
                    changed = true;
                }
            }
            if let Some(labels) = &labels {
                let text = serde_json::to_string(labels)?;
                if text != row.labels {
                    diesel::update(target)
                        .set(model_versions::labels.eq(text))
                        .execute(conn)?;
                    changed = true;
                }
            }
            if changed {
                diesel::update(target)
                    .set(model_versions::last_updated_time.eq(now_micros()))
                    .execute(conn)?;
            }
            load_version(conn, model.id, number)
        })
    }

    /// Merges keys into a version's metadata and removes keys, atomically.
    pub fn change_version_metadata(
        &self,
        key: &ModelKey,
        number: i32,
        change: &MetadataChange,
    ) -> StoreResult<ModelVersion> {
        metadata::check_change(change)?;
        let (key, change) = (key.clone(), change.clone());
        let loaded = self.write(move |conn| {
            let model = load_model(conn, &key)?;
            let id = find_version(conn, &model, number)?.id;
            // Write first, so the row is locked before it is read (see models.rs).
            let text: String =
                on_backend!(conn, |c| diesel::update(model_versions::table.find(id))
                    .set(model_versions::last_updated_time.eq(now_micros()))
                    .returning(model_versions::metadata)
                    .get_result(c))?;
            let mut current = parse_metadata(&text)?;
            metadata::apply(&mut current, &change);
            validate::metadata("the merged metadata", &current)?;
            diesel::update(model_versions::table.find(id))
                .set(model_versions::metadata.eq(metadata::to_text(&current)))
                .execute(conn)?;
            Ok((model.id, number))
        })?;
        self.read(|conn| load_version(conn, loaded.0, loaded.1))
    }

    /// Deletes one version; its number is not handed out again. Only the
    /// version's creator, the model's owner or an administrator may.
    pub fn delete_version(&self, key: &ModelKey, number: i32, actor: &AuthUser) -> StoreResult<()> {
        let (key, actor) = (key.clone(), actor.clone());
        self.write(move |conn| {
            let model = load_model(conn, &key)?;
            let row = find_version(conn, &model, number)?;
            if !actor.is_admin() && row.user_id != actor.id && model.user_id != actor.id {
                return Err(StoreError::PermissionDenied(format!(
                    "only the creator of version {number}, the owner of model \"{}\" or an administrator may delete it",
                    model.name
                )));
            }
            diesel::delete(model_versions::table.find(row.id)).execute(conn)?;
            diesel::update(models::table.find(model.id))
                .set((
                    models::num_versions.eq(models::num_versions - 1),
                    models::last_updated_time.eq(now_micros()),
                ))
                .execute(conn)?;
            Ok(())
        })
    }
}

/// The model `key` names, if it exists and is not archived; else why not.
fn registrable_model(conn: &mut DbConnection, key: &ModelKey) -> StoreResult<ModelRow> {
    let model = find_model(conn, key)?;
    if model.archived {
        return Err(StoreError::FailedPrecondition(format!(
            "model \"{}\" is archived and cannot take new versions; unarchive it first",
            model.name
        )));
    }
    Ok(model)
}

/// Names the prepared statement that bumps a model found by name.
struct BumpByName;
