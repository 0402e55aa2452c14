//! Bulk seeder: grows a modelreg SQLite database to N models with V versions
//! each (one checkpoint per version), in minutes for 1,000,000 models and
//! 10,000,000 versions.
//!
//! The database must already carry the server's schema and one model with one
//! version made through the API (`bench/run` does that: it starts the server
//! on an empty data dir, registers a template model, and stops it). Every new
//! row is a copy of those template rows with its own id, name, uuid, numbers
//! and times, so columns this tool does not know about get the values the
//! server itself wrote. Rows are generated inside SQLite by prepared
//! `INSERT ... SELECT` statements over a range of ids, one transaction per
//! batch; triggers (for example the search index's queue) fire as for any
//! insert, and the store's indexer takes the queue at the end.
//!
//! Names are `{family}-{team}-{id:07}`, so a family (`bert`) matches one
//! model in 16 and a padded id (`-0000420`) matches exactly one.
//!
//! Usage: `bench-seed --db PATH --models N [--versions-per-model 10] [--batch 20000]`

use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// The SQLite file (the server must not be running on it).
    #[arg(long)]
    db: String,
    /// Total number of models wanted; models are added until there are this many.
    #[arg(long)]
    models: i64,
    /// Versions (and checkpoints) for each new model.
    #[arg(long, default_value_t = 10)]
    versions_per_model: i64,
    /// Models per transaction.
    #[arg(long, default_value_t = 20_000)]
    batch: i64,
}

/// Sixteen families: a family name matches one model in 16.
pub const FAMILIES: [&str; 16] = [
    "bert", "resnet", "llama", "whisper", "vit", "t5", "gpt", "clip", "yolo", "unet", "mamba",
    "xgb", "lstm", "gan", "rnnt", "dino",
];
const TEAMS: [&str; 7] = [
    "vision", "speech", "search", "ads", "fraud", "robotics", "nlp",
];

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn columns(conn: &mut SqliteConnection, table: &str) -> QueryResult<Vec<String>> {
    let rows: Vec<Column> =
        diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')")).load(conn)?;
    Ok(rows.into_iter().map(|c| c.name).collect())
}

fn scalar(conn: &mut SqliteConnection, sql: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

/// `CASE expr % n WHEN 0 THEN 'a' ... END`
fn pick(expr: &str, words: &[&str]) -> String {
    let mut sql = format!("CASE ({expr}) % {} ", words.len());
    for (i, w) in words.iter().enumerate() {
        sql.push_str(&format!("WHEN {i} THEN '{w}' "));
    }
    sql.push_str("END");
    sql
}

/// `INSERT INTO table (cols) SELECT <override or t.col> FROM <source>, table t WHERE t.id = ?`
fn copy_insert(
    table: &str,
    cols: &[String],
    overrides: &[(&str, String)],
    source: &str,
    template_param: &str,
) -> String {
    let values: Vec<String> = cols
        .iter()
        .map(|c| match overrides.iter().find(|(name, _)| name == c) {
            Some((_, expr)) => expr.clone(),
            None => format!("t.{c}"),
        })
        .collect();
    format!(
        "INSERT INTO {table} ({}) {source} SELECT {} FROM s, {table} t WHERE t.id = {template_param}",
        cols.join(", "),
        values.join(", ")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut conn = SqliteConnection::establish(&args.db)?;
    // A bulk load: no fsync per transaction, a large page cache. The file stays
    // in WAL mode, as the server leaves it; a checkpoint at the end folds the
    // WAL back in.
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; \
         PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;",
    )?;

    let template_version = scalar(
        &mut conn,
        "SELECT COALESCE(MIN(id), 0) AS n FROM model_versions",
    )?;
    if template_version == 0 {
        return Err(
            "the database has no model version to copy; register one through the API first".into(),
        );
    }
    let template_model = scalar(
        &mut conn,
        &format!("SELECT model_id AS n FROM model_versions WHERE id = {template_version}"),
    )?;
    let template_checkpoint = scalar(
        &mut conn,
        &format!("SELECT checkpoint_id AS n FROM model_versions WHERE id = {template_version}"),
    )?;
    let have = scalar(&mut conn, "SELECT COUNT(*) AS n FROM models")?;
    let mut next_model = scalar(
        &mut conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM models",
    )?;
    let version_base = scalar(
        &mut conn,
        "SELECT COALESCE(MAX(id), 0) AS n FROM model_versions",
    )?;
    let checkpoint_base = scalar(
        &mut conn,
        "SELECT COALESCE(MAX(id), 0) AS n FROM checkpoints",
    )?;
    let to_add = (args.models - have).max(0);
    let v = args.versions_per_model;
    eprintln!(
        "bench-seed: {have} models now; adding {to_add} models with {v} versions each to {}",
        args.db
    );

    // Ids of new rows, from the model id `i` (and version number `v.n`):
    // version id = vbase + (i - first) * V + n, checkpoint id likewise.
    let first = next_model;
    let model_sql = copy_insert(
        "models",
        &columns(&mut conn, "models")?,
        &[
            ("id", "s.i".into()),
            (
                "name",
                format!(
                    "printf('%s-%s-%07d', {}, {}, s.i)",
                    pick("s.i", &FAMILIES),
                    pick("s.i / 16", &TEAMS)
                ),
            ),
            ("creation_time", "?3 + s.i * 1000".into()),
            ("last_updated_time", "?3 + s.i * 1000".into()),
            ("num_versions", format!("{v}")),
            ("last_version", format!("{v}")),
        ],
        "WITH RECURSIVE s(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM s WHERE i < ?2)",
        &template_model.to_string(),
    );
    let seq_versions = format!(
        "WITH RECURSIVE m(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM m WHERE i < ?2), \
         n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {v}), \
         s(i, k, id) AS (SELECT m.i, n.k, (m.i - {first}) * {v} + n.k FROM m, n ORDER BY m.i, n.k)"
    );
    let checkpoint_sql = copy_insert(
        "checkpoints",
        &columns(&mut conn, "checkpoints")?,
        &[
            ("id", format!("{checkpoint_base} + s.id")),
            (
                "uuid",
                format!("printf('5eed0000-0000-4000-8000-%012x', {checkpoint_base} + s.id)"),
            ),
            ("report_time", "?3 + s.i * 1000".into()),
            ("updated_at", "?3 + s.i * 1000".into()),
        ],
        &seq_versions,
        &template_checkpoint.to_string(),
    );
    let version_sql = copy_insert(
        "model_versions",
        &columns(&mut conn, "model_versions")?,
        &[
            ("id", format!("{version_base} + s.id")),
            ("model_id", "s.i".into()),
            ("version", "s.k".into()),
            ("checkpoint_id", format!("{checkpoint_base} + s.id")),
            ("creation_time", "?3 + s.i * 1000 + s.k".into()),
            ("last_updated_time", "?3 + s.i * 1000 + s.k".into()),
        ],
        &seq_versions,
        &template_version.to_string(),
    );

    // Times start a year before now, one millisecond apart per model.
    let epoch: i64 = 1_764_000_000_000_000;
    let started = Instant::now();
    let last = first + to_add - 1;
    while next_model <= last {
        let end = (next_model + args.batch - 1).min(last);
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for sql in [&checkpoint_sql, &model_sql, &version_sql] {
                diesel::sql_query(sql.as_str())
                    .bind::<Integer, _>(i32::try_from(next_model).unwrap_or(i32::MAX))
                    .bind::<Integer, _>(i32::try_from(end).unwrap_or(i32::MAX))
                    .bind::<BigInt, _>(epoch)
                    .execute(conn)?;
            }
            Ok(())
        })?;
        next_model = end + 1;
        let done = end - first + 1;
        if done % (args.batch * 10) == 0 || end == last {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "bench-seed: {done} models, {} versions in {secs:.1} s ({:.0} rows/s)",
                done * v,
                (done * (1 + 2 * v)) as f64 / secs
            );
        }
    }
    // The search index's triggers queued every new model: the store's
    // indexer builds the index (or applies the queue), then the applied rows go.
    drop(conn);
    let indexing = Instant::now();
    let store = modelreg_store::Store::open(&args.db, &modelreg_store::PoolOptions::default())?;
    if !store.wait_for_search_index(std::time::Duration::from_secs(3600))? {
        return Err("the search index was not built within an hour".into());
    }
    drop(store);
    eprintln!(
        "bench-seed: search index ready in {:.1} s",
        indexing.elapsed().as_secs_f64()
    );
    let mut conn = SqliteConnection::establish(&args.db)?;
    conn.batch_execute(&format!(
        "ATTACH DATABASE '{}-search' AS search; \
         DELETE FROM models_search_queue WHERE seq <= (SELECT applied_seq FROM search.search_state); \
         PRAGMA wal_checkpoint(TRUNCATE);",
        args.db.replace('\'', "''")
    ))?;
    let total = scalar(&mut conn, "SELECT COUNT(*) AS n FROM models")?;
    let versions = scalar(&mut conn, "SELECT COUNT(*) AS n FROM model_versions")?;
    println!(
        "{{\"models\": {total}, \"versions\": {versions}, \"seconds\": {:.1}}}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
