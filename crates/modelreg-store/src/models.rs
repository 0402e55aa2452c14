//! Models: create, read, list, change, archive, delete.

use crate::error::{on_not_found, on_unique_violation, StoreError, StoreResult};
use crate::fixed_sql::FixedSql;
use crate::metadata;
use crate::rows::{parse_metadata, ModelRow, NewModelRow};
use crate::schema::{model_labels, models, users};
use crate::time::now_micros;
use crate::users::usernames;
use crate::validate;
use crate::{AuthUser, Backend, DbConnection, Store, Write};
use diesel::prelude::*;
use modelreg_types::{
    CreateModelRequest, MetadataChange, Model, ModelQuery, ModelSortBy, PageRequest, Pagination,
    PatchModelRequest,
};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// How a path names a model: an all-digit id, or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelKey {
    /// By id.
    Id(i32),
    /// By name.
    Name(String),
}

impl ModelKey {
    /// Reads the `{modelName}` path segment: all digits is an id.
    pub fn parse(segment: &str) -> ModelKey {
        if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(id) = segment.parse() {
                return ModelKey::Id(id);
            }
        }
        ModelKey::Name(segment.to_string())
    }
}

impl std::fmt::Display for ModelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelKey::Id(id) => write!(f, "model {id} not found"),
            ModelKey::Name(name) => write!(f, "model \"{name}\" not found"),
        }
    }
}

pub(crate) fn find_model(conn: &mut DbConnection, key: &ModelKey) -> StoreResult<ModelRow> {
    let found = on_backend!(conn, |c| {
        let query = models::table.select(ModelRow::as_select());
        match key {
            ModelKey::Id(id) => query.filter(models::id.eq(*id)).first(c),
            ModelKey::Name(name) => query.filter(models::name.eq(name)).first(c),
        }
    });
    found.map_err(on_not_found(key.to_string()))
}

/// A model with its owner's name, in one query.
pub(crate) fn load_model(conn: &mut DbConnection, key: &ModelKey) -> StoreResult<Model> {
    let found: QueryResult<(ModelRow, String)> = on_backend!(conn, |c| {
        let query = models::table
            .inner_join(users::table)
            .select((ModelRow::as_select(), users::username));
        match key {
            ModelKey::Id(id) => query.filter(models::id.eq(*id)).first(c),
            ModelKey::Name(name) => query.filter(models::name.eq(name)).first(c),
        }
    });
    let (row, username) = found.map_err(on_not_found(key.to_string()))?;
    row.into_model(username)
}

pub(crate) fn model_by_id(conn: &mut DbConnection, id: i32) -> StoreResult<Model> {
    load_model(conn, &ModelKey::Id(id))
}

fn to_models(conn: &mut DbConnection, rows: Vec<ModelRow>) -> StoreResult<Vec<Model>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.user_id).collect();
    let names = usernames(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let name = names.get(&r.user_id).cloned().unwrap_or_default();
            r.into_model(name)
        })
        .collect()
}

fn replace_labels(conn: &mut DbConnection, model_id: i32, labels: &[String]) -> StoreResult<()> {
    diesel::delete(model_labels::table.filter(model_labels::model_id.eq(model_id)))
        .execute(conn)?;
    add_labels(conn, model_id, labels)
}

fn add_labels(conn: &mut DbConnection, model_id: i32, labels: &[String]) -> StoreResult<()> {
    for label in labels {
        on_backend!(conn, |c| diesel::insert_into(model_labels::table)
            .values((
                model_labels::model_id.eq(model_id),
                model_labels::label.eq(label),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` so a user's text matches literally inside LIKE.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The queued changes the search index does not hold yet (search_index.rs):
/// a table and a WHERE clause, to which more conditions may be added.
const UNAPPLIED: &str =
    "models_search_queue WHERE seq > (SELECT applied_seq FROM search.search_state)";

type ModelFilter<'a> = models::BoxedQuery<'a, crate::connection::MultiBackend>;

/// An FTS5 query for a substring of one column: a quoted phrase of trigrams.
fn fts_phrase(column: &str, text: &str) -> String {
    format!("{column} : \"{}\"", text.replace('"', "\"\""))
}

/// On SQLite, the trigram-index (`models_search`) query for a listing's
/// substring filters, if it has any the index can serve (3 characters or more)
/// and the index is ready (search_index.rs). PostgreSQL's trigram indexes
/// serve the LIKE itself.
fn search_match(query: &ModelQuery, backend: Backend, index_ready: bool) -> Option<String> {
    if backend != Backend::Sqlite || !index_ready {
        return None;
    }
    let phrases: Vec<String> = [
        ("name", query.name.as_deref()),
        ("description", query.description.as_deref()),
    ]
    .into_iter()
    .filter_map(|(column, text)| {
        text.filter(|t| t.chars().count() >= 3)
            .map(|t| fts_phrase(column, t))
    })
    .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// The models a query's filters match. With `search`, the trigram index
/// narrows them first, with the models whose changes still wait in the
/// index's queue (see group_commit.rs); the LIKE that follows keeps the exact
/// semantics (and drops index entries of names since changed).
fn filtered<'a>(query: &'a ModelQuery, search: Option<&str>) -> ModelFilter<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut q = models::table.into_boxed();
    if let Some(search) = search {
        q = q.filter(
            sql::<Bool>(
                "models.id IN (SELECT rowid FROM search.models_search WHERE models_search MATCH ",
            )
            .bind::<Text, _>(search.to_string())
            .sql(&format!(" UNION ALL SELECT model_id FROM {UNAPPLIED})")),
        );
    }
    if let Some(name) = query.name.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            lower(models::name)
                .like(lower(like_pattern(name)))
                .escape('\\'),
        );
    }
    if let Some(desc) = query.description.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            lower(models::description)
                .like(lower(like_pattern(desc)))
                .escape('\\'),
        );
    }
    if !query.labels.is_empty() {
        let with_label = model_labels::table
            .filter(model_labels::label.eq_any(query.labels.clone()))
            .select(model_labels::model_id);
        q = q.filter(models::id.eq_any(with_label));
    }
    if let Some(archived) = query.archived {
        q = q.filter(models::archived.eq(archived));
    }
    if !query.users.is_empty() || !query.user_ids.is_empty() {
        let named = users::table
            .filter(users::username.eq_any(query.users.clone()))
            .select(users::id);
        q = q.filter(
            models::user_id
                .eq_any(named)
                .or(models::user_id.eq_any(query.user_ids.clone())),
        );
    }
    if let Some(id) = query.id.filter(|id| *id != 0) {
        q = q.filter(models::id.eq(id));
    }
    if !query.workspace_names.is_empty() || !query.workspace_ids.is_empty() {
        // Only the default workspace exists: other names and ids match nothing.
        let mut ids = query.workspace_ids.clone();
        if query
            .workspace_names
            .iter()
            .any(|n| n == modelreg_types::DEFAULT_WORKSPACE_NAME)
        {
            ids.push(modelreg_types::DEFAULT_WORKSPACE_ID);
        }
        q = q.filter(models::workspace_id.eq_any(ids));
    }
    q
}

fn sorted(q: ModelFilter<'_>, sort_by: ModelSortBy, desc: bool) -> ModelFilter<'_> {
    macro_rules! by {
        ($col:expr) => {
            if desc {
                q.order_by($col.desc()).then_order_by(models::id.desc())
            } else {
                q.order_by($col.asc()).then_order_by(models::id.asc())
            }
        };
    }
    match sort_by {
        ModelSortBy::Unspecified => by!(models::id),
        ModelSortBy::Name => by!(models::name),
        ModelSortBy::Description => by!(models::description),
        ModelSortBy::CreationTime => by!(models::creation_time),
        ModelSortBy::LastUpdatedTime => by!(models::last_updated_time),
        ModelSortBy::NumVersions => by!(models::num_versions),
        ModelSortBy::Workspace => by!(models::workspace_id),
    }
}

/// Lists models in id order by walking the trigram index in id order, a chunk
/// at a time (at most 512), until the page and [`COUNT_AHEAD`] more are found or the index
/// runs out: the cost follows the page, not the number of matches (a broad
/// filter on a million models stops after a few chunks). The models whose
/// changes still wait in the index's queue walk along with it.
fn list_through_search_index(
    conn: &mut DbConnection,
    query: &ModelQuery,
    search: &str,
    page: PageRequest,
    cap: i64,
) -> StoreResult<(Vec<Model>, Pagination)> {
    use diesel::sql_types::{BigInt, Text};
    const MAX_CHUNK: i64 = 512;
    #[derive(QueryableByName)]
    struct Candidate {
        #[diesel(sql_type = BigInt)]
        rowid: i64,
    }
    let desc = query.order_by.is_desc();
    let (after_op, order) = if desc { ("<", "DESC") } else { (">", "ASC") };
    let walk = format!(
        "SELECT id AS rowid FROM (SELECT rowid AS id FROM search.models_search \
             WHERE models_search MATCH ?1 AND rowid {after_op} ?2 ORDER BY rowid {order} LIMIT ?3) \
         UNION SELECT id FROM (SELECT DISTINCT model_id AS id FROM {UNAPPLIED} \
             AND model_id {after_op} ?2 ORDER BY model_id {order} LIMIT ?3) \
         ORDER BY 1 {order} LIMIT ?3"
    );
    let mut after = if desc { i64::MAX } else { 0 };
    let mut found: Vec<i32> = Vec::new();
    loop {
        // As many candidates as matches still wanted: most pass the LIKE.
        let chunk = (cap - found.len() as i64).clamp(64, MAX_CHUNK);
        let candidates: Vec<i32> = diesel::sql_query(&walk)
            .bind::<Text, _>(search)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(chunk)
            .load::<Candidate>(conn)?
            .into_iter()
            .filter_map(|c| i32::try_from(c.rowid).ok())
            .collect();
        let mut passed: Vec<i32> = filtered(query, None)
            .filter(id_in(&candidates)?)
            .select(models::id)
            .load(conn)?;
        passed.sort_unstable();
        if desc {
            passed.reverse();
        }
        found.extend(passed);
        match candidates.last() {
            Some(last) if candidates.len() as i64 == chunk && (found.len() as i64) < cap => {
                after = i64::from(*last)
            }
            _ => break,
        }
    }
    found.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    let (start, end, total) = page_window(page, found.len() as i64)?;
    let ids = &found[start as usize..end as usize];
    let mut rows: Vec<ModelRow> = models::table
        .filter(id_in(ids)?)
        .select(ModelRow::as_select())
        .load(conn)?;
    rows.sort_unstable_by_key(|row| row.id);
    if desc {
        rows.reverse();
    }
    Ok((to_models(conn, rows)?, page.pagination(start, end, total)))
}

/// `models.id IN ids`, on SQLite, with the ids bound as one JSON array: the
/// statement's text is the same for any number of ids, so it is prepared
/// once per connection, not parsed on every listing with hundreds of `?`
/// (diesel caches no `eq_any` of a list; 18% of a filtered listing's CPU).
fn id_in(
    ids: &[i32],
) -> StoreResult<
    diesel::expression::SqlLiteral<
        diesel::sql_types::Bool,
        impl diesel::query_builder::QueryFragment<crate::connection::MultiBackend>,
    >,
> {
    use diesel::sql_types::{Bool, Text};
    let json = serde_json::to_string(ids)?;
    Ok(
        diesel::dsl::sql::<Bool>("models.id IN (SELECT value FROM json_each(")
            .bind::<Text, _>(json)
            .sql("))"),
    )
}

/// How many matches past a page's end a listing with a substring filter
/// counts; `total` is exact when fewer match, and a lower bound (the page's
/// end plus this) when more do.
pub const COUNT_AHEAD: i64 = 100;

/// The most matches to count for a page. Only substring filters (`name`,
/// `description`) are capped: their matches can only be counted by reading
/// them. Other listings, pages taken from the end (a negative offset) and
/// pages without a limit count everything.
fn count_cap(query: &ModelQuery) -> Option<i64> {
    let substring = [&query.name, &query.description]
        .iter()
        .any(|text| text.as_deref().is_some_and(|t| !t.is_empty()));
    (substring && query.offset >= 0 && query.limit > 0)
        .then(|| i64::from(query.offset) + i64::from(query.limit) + COUNT_AHEAD)
}

pub(crate) fn page_window(page: PageRequest, total: i64) -> StoreResult<(i32, i32, i32)> {
    let total = i32::try_from(total).unwrap_or(i32::MAX);
    let (start, end) = page.window(total).ok_or_else(|| {
        StoreError::InvalidArgument(format!(
            "offset {} is beyond the end of the results ({total} in all)",
            page.offset
        ))
    })?;
    Ok((start, end, total))
}

fn check_text_lengths(description: Option<&str>, notes: Option<&str>) -> StoreResult<()> {
    validate::text("description", description, validate::MAX_TEXT_LEN)?;
    validate::text("notes", notes, validate::MAX_TEXT_LEN)
}

impl Store {
    /// Registers a new model with no versions.
    pub fn create_model(&self, user: &AuthUser, req: CreateModelRequest) -> StoreResult<Model> {
        self.create_model_write(user, req)?.wait()
    }

    /// [`Store::create_model`], checked and ready to run.
    pub fn create_model_write(
        &self,
        user: &AuthUser,
        req: CreateModelRequest,
    ) -> StoreResult<Write<Model>> {
        validate::model_name(&req.name)?;
        check_text_lengths(req.description.as_deref(), req.notes.as_deref())?;
        let workspace_id = validate::workspace(req.workspace_name.as_deref(), req.workspace_id)?;
        let labels = validate::dedup_labels(req.labels.unwrap_or_default())?;
        let metadata = req.metadata.unwrap_or_default();
        validate::metadata("metadata", &metadata)?;
        let metadata = metadata::to_text(&metadata);
        let labels_text = serde_json::to_string(&labels)?;
        let now = now_micros();
        let user = user.clone();
        let write = move |conn: &mut DbConnection| {
            let new_row = NewModelRow {
                name: &req.name,
                description: req.description.as_deref().unwrap_or(""),
                metadata: &metadata,
                labels: &labels_text,
                notes: req.notes.as_deref().unwrap_or(""),
                archived: false,
                workspace_id,
                user_id: user.id,
                creation_time: now,
                last_updated_time: now,
                num_versions: 0,
                last_version: 0,
            };
            let row: ModelRow = on_backend!(conn, |c| FixedSql::<
                _,
                (NewModelRow<'static>, ModelRow),
            >::named(
                diesel::insert_into(models::table)
                    .values(&new_row)
                    .returning(ModelRow::as_returning())
            )
            .get_result(c))
            .map_err(on_unique_violation(format!(
                "a model named \"{}\" already exists",
                req.name
            )))?;
            add_labels(conn, row.id, &labels)?;
            row.into_model(user.username)
        };
        Ok(self.prepare_write(write, |_, model| Ok(model)))
    }

    /// A model by id or name.
    pub fn get_model(&self, key: &ModelKey) -> StoreResult<Model> {
        self.read(|conn| load_model(conn, key))
    }

    /// One page of the models that match a query, and where it sits.
    pub fn list_models(&self, query: &ModelQuery) -> StoreResult<(Vec<Model>, Pagination)> {
        let page = PageRequest {
            offset: query.offset,
            limit: query.limit,
        };
        let search = search_match(query, self.backend, self.search_index_ready());
        let by_id = query.sort_by == ModelSortBy::Unspecified;
        self.read(|conn| {
            if let (Some(search), Some(cap), true) = (&search, count_cap(query), by_id) {
                return list_through_search_index(conn, query, search, page, cap);
            }
            let total: i64 = match count_cap(query) {
                // Counting every match of a broad filter costs as much as the
                // matches; counting a little past the page does not.
                Some(cap) => filtered(query, search.as_deref())
                    .select(models::id)
                    .limit(cap)
                    .load::<i32>(conn)?
                    .len() as i64,
                None => filtered(query, search.as_deref())
                    .count()
                    .get_result(conn)?,
            };
            let (start, end, total) = page_window(page, total)?;
            let rows: Vec<ModelRow> = sorted(
                filtered(query, search.as_deref()),
                query.sort_by,
                query.order_by.is_desc(),
            )
            .select(ModelRow::as_select())
            .offset(i64::from(start))
            .limit(i64::from(end - start))
            .load(conn)?;
            Ok((to_models(conn, rows)?, page.pagination(start, end, total)))
        })
    }

    /// Changes a model's fields; absent fields stay as they are.
    pub fn patch_model(&self, key: &ModelKey, patch: PatchModelRequest) -> StoreResult<Model> {
        if let Some(name) = &patch.name {
            validate::model_name(name)?;
        }
        check_text_lengths(patch.description.as_deref(), patch.notes.as_deref())?;
        if patch.workspace_name.is_some() || patch.workspace_id.is_some() {
            validate::workspace(patch.workspace_name.as_deref(), patch.workspace_id)?;
        }
        let labels = patch.labels.map(validate::dedup_labels).transpose()?;
        if let Some(metadata) = &patch.metadata {
            validate::metadata("metadata", metadata)?;
        }
        let key = key.clone();
        self.write(move |conn| {
            let row = find_model(conn, &key)?;
            let mut changed = false;
            let target = models::table.find(row.id);
            if let Some(name) = patch.name.as_ref().filter(|n| **n != row.name) {
                diesel::update(target)
                    .set(models::name.eq(name))
                    .execute(conn)
                    .map_err(on_unique_violation(format!(
                        "a model named \"{name}\" already exists"
                    )))?;
                changed = true;
            }
            if let Some(description) = patch
                .description
                .as_ref()
                .filter(|d| **d != row.description)
            {
                diesel::update(target)
                    .set(models::description.eq(description))
                    .execute(conn)?;
                changed = true;
            }
            if let Some(notes) = patch.notes.as_ref().filter(|n| **n != row.notes) {
                diesel::update(target)
                    .set(models::notes.eq(notes))
                    .execute(conn)?;
                changed = true;
            }
            if let Some(metadata) = &patch.metadata {
                let text = metadata::to_text(metadata);
                if parse_metadata(&row.metadata)? != *metadata {
                    diesel::update(target)
                        .set(models::metadata.eq(text))
                        .execute(conn)?;
                    changed = true;
                }
            }
            if let Some(labels) = &labels {
                let text = serde_json::to_string(labels)?;
                if text != row.labels {
                    diesel::update(target)
                        .set(models::labels.eq(text))
                        .execute(conn)?;
                    replace_labels(conn, row.id, labels)?;
                    changed = true;
                }
            }
            if changed {
                diesel::update(target)
                    .set(models::last_updated_time.eq(now_micros()))
                    .execute(conn)?;
            }
            model_by_id(conn, row.id)
        })
    }

    /// Merges keys into a model's metadata and removes keys, atomically.
    pub fn change_model_metadata(
        &self,
        key: &ModelKey,
        change: &MetadataChange,
    ) -> StoreResult<Model> {
        self.change_model_metadata_write(key, change)?.wait()
    }

    /// [`Store::change_model_metadata`], checked and ready to run.
    pub fn change_model_metadata_write(
        &self,
        key: &ModelKey,
        change: &MetadataChange,
    ) -> StoreResult<Write<Model>> {
        metadata::check_change(change)?;
        let (key, change) = (key.clone(), change.clone());
        let write = move |conn: &mut DbConnection| {
            let id = find_model(conn, &key)?.id;
            // Write first: the row lock (PostgreSQL) is taken before the read,
            // so concurrent merges queue up instead of overwriting each other.
            let text: String = on_backend!(conn, |c| FixedSql::new(
                diesel::update(models::table.find(id))
                    .set(models::last_updated_time.eq(now_micros()))
                    .returning(models::metadata)
            )
            .get_result(c))?;
            let mut current = parse_metadata(&text)?;
            metadata::apply(&mut current, &change);
            validate::metadata("the merged metadata", &current)?;
            let text = metadata::to_text(&current);
            on_backend!(conn, |c| FixedSql::new(
                diesel::update(models::table.find(id)).set(models::metadata.eq(text))
            )
            .execute(c))?;
            Ok(id)
        };
        Ok(self.prepare_write(write, |store, id| store.read(|conn| model_by_id(conn, id))))
    }

    /// Archives or unarchives a model.
    pub fn set_archived(&self, key: &ModelKey, archived: bool) -> StoreResult<()> {
        let key = key.clone();
        self.write(move |conn| {
            let row = find_model(conn, &key)?;
            if row.archived != archived {
                diesel::update(models::table.find(row.id))
                    .set((
                        models::archived.eq(archived),
                        models::last_updated_time.eq(now_micros()),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    }

    /// Moves a model to a workspace (only the default one exists).
    pub fn move_model(&self, key: &ModelKey, workspace_id: i32) -> StoreResult<()> {
        let workspace_id = validate::workspace(None, Some(workspace_id))?;
        let key = key.clone();
        self.write(move |conn| {
            let row = find_model(conn, &key)?;
            diesel::update(models::table.find(row.id))
                .set(models::workspace_id.eq(workspace_id))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Deletes a model and all its versions; only its owner or an administrator may.
    pub fn delete_model(&self, key: &ModelKey, actor: &AuthUser) -> StoreResult<()> {
        use crate::schema::model_versions;
        let (key, actor) = (key.clone(), actor.clone());
        self.write(move |conn| {
            let row = find_model(conn, &key)?;
            if !actor.is_admin() && row.user_id != actor.id {
                return Err(StoreError::PermissionDenied(format!(
                    "only the owner of model \"{}\" or an administrator may delete it",
                    row.name
                )));
            }
            diesel::delete(model_versions::table.filter(model_versions::model_id.eq(row.id)))
                .execute(conn)?;
            diesel::delete(model_labels::table.filter(model_labels::model_id.eq(row.id)))
                .execute(conn)?;
            diesel::delete(models::table.find(row.id)).execute(conn)?;
            Ok(())
        })
    }

    /// Every label in use, most used first, then alphabetical.
    pub fn model_labels(&self) -> StoreResult<Vec<String>> {
        use diesel::dsl::count_star;
        self.read(|conn| {
            Ok(model_labels::table
                .group_by(model_labels::label)
                .select(model_labels::label)
                .order_by((count_star().desc(), model_labels::label.asc()))
                .load(conn)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_phrases_quote_their_text() {
        assert_eq!(fts_phrase("name", "mn\"ist"), "name : \"mn\"\"ist\"");
    }

    #[test]
    fn like_patterns_match_percent_and_underscore_literally() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn all_digit_segments_are_ids() {
        assert_eq!(ModelKey::parse("42"), ModelKey::Id(42));
        assert_eq!(ModelKey::parse("mnist"), ModelKey::Name("mnist".into()));
        assert_eq!(ModelKey::parse("4a"), ModelKey::Name("4a".into()));
    }
}
