//! SQLite's trigram search index, in a database file of its own, written by
//! a thread of its own.
//!
//! FTS5 adds a segment to its index per transaction and merges segments as
//! they pile up; on the one writer, those merges held up every write queued
//! behind them for up to tens of milliseconds (docs/benchmarks.md). So the
//! index lives in `<database>-search`, attached to every read connection as
//! `search`, and only this module's thread writes it: it takes its own
//! file's write lock and merely reads the main database, so the writer never
//! waits for it.
//!
//! The writes queue each change of a model's name or description in
//! `models_search_queue` (triggers, in the write's own transaction). The
//! indexer applies the queue in `seq` order and records the last `seq` it
//! applied in the index file, in the same transaction; the writer later
//! deletes the applied rows ([`SearchIndex::prunable`]). Searches take their
//! candidates from the index and the queue both and check each with LIKE,
//! so a change is found as soon as it is committed. A statement takes its
//! snapshot of the main database before the index's (SQLite begins the
//! databases of a statement in order), and a queue row is deleted only after
//! the index had it at the previous prune; so no change is missed between
//! them.
//!
//! The index holds nothing that is not in `models`: when its file is missing
//! it is built anew from the models, in the background, and searches scan
//! the models meanwhile ([`SearchIndex::is_ready`]).

use crate::connection::open_sqlite;
use crate::error::{StoreError, StoreResult};
use crate::group_commit::lock;
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most queued changes applied in one transaction of the index.
const MAX_APPLY: i64 = 5000;

/// The index file of the main database at `path`.
pub(crate) fn search_path(path: &str) -> String {
    format!("{path}-search")
}

/// Attaches the index file of the main database at `path` as `search`.
pub(crate) fn attach(conn: &mut SqliteConnection, path: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("ATTACH DATABASE ? AS search")
        .bind::<diesel::sql_types::Text, _>(search_path(path))
        .execute(conn)
        .map(drop)
}

/// The index's thread and what it shares with the store.
pub(crate) struct SearchIndex {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    delay: Duration,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when changes are committed, or the index is wanted now or closed.
    wake: Condvar,
    /// Signalled after each transaction of the index.
    progressed: Condvar,
    /// Whether the index holds every model (searches may use it).
    ready: AtomicBool,
    /// The last queued change the index holds.
    applied: AtomicI64,
}

#[derive(Default)]
struct State {
    /// Changes may have been queued since the last transaction of the index.
    pending: bool,
    /// Someone waits for the index: apply without the usual delay.
    urgent: bool,
    closed: bool,
}

impl SearchIndex {
    /// Opens (or creates) the index file of the main database at `path` and
    /// starts its thread, which builds the index first if the file is new.
    /// `delay`: how long the thread lets changes gather before applying them.
    pub(crate) fn start(
        path: &str,
        busy_timeout: Duration,
        delay: Duration,
    ) -> StoreResult<SearchIndex> {
        let mut conn = open_sqlite(path, busy_timeout)?;
        attach(&mut conn, path).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot open the search index {}: {e}",
                search_path(path)
            ))
        })?;
        conn.batch_execute(
            "PRAGMA search.journal_mode = WAL; PRAGMA search.synchronous = FULL; \
             CREATE VIRTUAL TABLE IF NOT EXISTS search.models_search USING fts5(\
                 name, description, content='', tokenize='trigram case_sensitive 0'); \
             CREATE TABLE IF NOT EXISTS search.search_state (\
                 id INTEGER PRIMARY KEY CHECK (id = 1), applied_seq INTEGER NOT NULL);",
        )?;
        let applied = applied_seq(&mut conn)?.filter(|&applied| {
            let current = matches_queue(&mut conn, applied).unwrap_or(false);
            if !current {
                tracing::warn!(
                    "the search index does not match this database (restored from another time?); building it anew"
                );
            }
            current
        });
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                pending: true,
                ..State::default()
            }),
            wake: Condvar::new(),
            progressed: Condvar::new(),
            ready: AtomicBool::new(applied.is_some()),
            applied: AtomicI64::new(applied.unwrap_or(0)),
        });
        let thread = std::thread::Builder::new()
            .name("search-indexer".into())
            .spawn({
                let shared = shared.clone();
                move || run_indexer(&shared, conn, delay)
            })
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the search indexer thread: {e}"))
            })?;
        Ok(SearchIndex {
            shared,
            thread: Some(thread),
            delay,
        })
    }

    /// How long committed changes gather before the index takes them.
    pub(crate) fn delay(&self) -> Duration {
        self.delay
    }

    /// Whether searches may use the index: it holds every model up to the
    /// queue (false while it is built anew).
    pub(crate) fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::Acquire)
    }

    /// The last queued change the index holds.
    pub(crate) fn applied(&self) -> i64 {
        self.shared.applied.load(Ordering::Acquire)
    }

    /// Tells the thread that changes were committed.
    pub(crate) fn changed(&self) {
        let mut state = lock(&self.shared.state);
        if !state.pending {
            state.pending = true;
            self.shared.wake.notify_one();
        }
    }

    /// Waits (up to `timeout`) until the index is ready and holds every
    /// change queued when this was called; true if it does.
    pub(crate) fn wait_until_current(&self, queued_up_to: i64, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        state.pending = true;
        state.urgent = true;
        self.shared.wake.notify_one();
        loop {
            if self.is_ready() && self.applied() >= queued_up_to {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline || state.closed {
                return false;
            }
            state = self
                .shared
                .progressed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

impl Drop for SearchIndex {
    /// Lets the thread apply what is queued, then stops it.
    fn drop(&mut self) {
        lock(&self.shared.state).closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    /// Wakes whoever waits for the index. Takes the lock first: a waiter
    /// checks the index under it, so it either saw the new state or is
    /// already waiting when the wake-up comes.
    fn announce_progress(&self) {
        drop(lock(&self.state));
        self.progressed.notify_all();
    }
}

fn run_indexer(shared: &Shared, mut conn: SqliteConnection, delay: Duration) {
    while !shared.ready.load(Ordering::Acquire) {
        match build(&mut conn) {
            Ok(applied) => {
                shared.applied.store(applied, Ordering::Release);
                shared.ready.store(true, Ordering::Release);
                shared.announce_progress();
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot build the search index; searches scan the models meanwhile; retrying in 10 s");
                let state = lock(&shared.state);
                let (state, _) = shared
                    .wake
                    .wait_timeout_while(state, Duration::from_secs(10), |s| !s.closed)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if state.closed {
                    return;
                }
            }
        }
    }
    loop {
        let closed = {
            let mut state = lock(&shared.state);
            while !state.pending && !state.closed {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            // Let the changes of the next few commits gather: one segment
            // for many commits.
            state = shared
                .wake
                .wait_timeout_while(state, delay, |s| !s.urgent && !s.closed)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
            state.pending = false;
            state.urgent = false;
            state.closed
        };
        loop {
            match apply_queue(&mut conn, shared.applied.load(Ordering::Acquire)) {
                Ok((applied, more)) => {
                    shared.applied.store(applied, Ordering::Release);
                    shared.announce_progress();
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the search index could not take the queued changes; searches read them from the queue meanwhile; retrying");
                    let _ = conn.batch_execute("ROLLBACK");
                    std::thread::sleep(Duration::from_millis(100));
                    lock(&shared.state).pending = true;
                    break;
                }
            }
        }
        if closed {
            return;
        }
    }
}

/// Builds the index from the models; returns the last queued change it holds.
fn build(conn: &mut SqliteConnection) -> diesel::QueryResult<i64> {
    let started = std::time::Instant::now();
    let applied = conn.transaction(|conn| {
        conn.batch_execute(
            "INSERT INTO search.models_search(models_search) VALUES ('delete-all'); \
             INSERT INTO search.models_search(rowid, name, description) \
                 SELECT id, name, description FROM main.models; \
             INSERT OR REPLACE INTO search.search_state(id, applied_seq) \
                 SELECT 1, coalesce(max(seq), 0) FROM main.models_search_queue;",
        )?;
        applied_seq(conn).map(|seq| seq.unwrap_or(0))
    })?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "built the search index"
    );
    Ok(applied)
}

/// Applies up to [`MAX_APPLY`] queued changes after `applied`, in order;
/// returns the last one the index now holds, and whether more are queued.
fn apply_queue(conn: &mut SqliteConnection, applied: i64) -> diesel::QueryResult<(i64, bool)> {
    #[derive(diesel::QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        last: Option<i64>,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let next: Next = diesel::sql_query(
        "SELECT max(seq) AS last, count(*) AS n FROM \
             (SELECT seq FROM main.models_search_queue WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
    )
    .bind::<BigInt, _>(applied)
    .bind::<BigInt, _>(MAX_APPLY)
    .get_result(conn)?;
    let Some(last) = next.last else {
        return Ok((applied, false));
    };
    conn.transaction(|conn| {
        diesel::sql_query(
            "INSERT INTO search.models_search(models_search, rowid, name, description) \
                 SELECT CASE op WHEN 'delete' THEN 'delete' END, model_id, name, description \
                 FROM main.models_search_queue WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        )
        .bind::<BigInt, _>(applied)
        .bind::<BigInt, _>(last)
        .execute(conn)?;
        diesel::sql_query("UPDATE search.search_state SET applied_seq = ?")
            .bind::<BigInt, _>(last)
            .execute(conn)
    })?;
    Ok((last, next.n == MAX_APPLY))
}

/// Whether an index that holds the queued changes up to `applied` belongs
/// with this database's queue. The queue's numbers are issued in commit order
/// and never reused (`AUTOINCREMENT`), and rows are deleted, oldest first,
/// only once the index holds them: so the index holds no number not yet
/// issued, and every number before the oldest row still queued (all of
/// them, if none is).
fn matches_queue(conn: &mut SqliteConnection, applied: i64) -> diesel::QueryResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Bounds {
        #[diesel(sql_type = BigInt)]
        issued: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        first: Option<i64>,
    }
    let bounds: Bounds = diesel::sql_query(
        "SELECT coalesce((SELECT seq FROM main.sqlite_sequence WHERE name = 'models_search_queue'), 0) AS issued, \
                (SELECT min(seq) FROM main.models_search_queue) AS first",
    )
    .get_result(conn)?;
    let oldest_queued = bounds.first.unwrap_or(bounds.issued + 1);
    Ok(applied <= bounds.issued && applied + 1 >= oldest_queued)
}

#[derive(diesel::QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// The last queued change the index holds; None if it was never built.
fn applied_seq(conn: &mut SqliteConnection) -> diesel::QueryResult<Option<i64>> {
    diesel::sql_query("SELECT applied_seq AS seq FROM search.search_state WHERE id = 1")
        .get_result::<Seq>(conn)
        .map(|s| Some(s.seq))
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })
}
