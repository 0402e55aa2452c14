//! Group commit for SQLite: concurrent writes share one transaction and one
//! flush to disk.
//!
//! SQLite has one writer at a time, and each commit costs a flush (fsync) and,
//! with the search index, an index segment. So every write in the process runs
//! on one connection, in turn: the first write opens a transaction, and each
//! write runs in its own savepoint inside it (a write that fails rolls back
//! only its own changes). The write that finds nobody queued behind it, or
//! that fills the batch, commits for everyone; the others wait for that commit
//! before they answer. An acknowledged write is on disk (`synchronous = FULL`),
//! exactly as with one transaction per write; 32 concurrent writers just pay
//! for one commit instead of 32. A lone writer commits at once.

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The most writes that share one commit, so that none waits long.
const MAX_BATCH: usize = 32;

/// The process's one SQLite writer.
pub(crate) struct SqliteWriter {
    /// Handed on in arrival order (`unlock_fair`): with an unfair lock, a
    /// newly arrived write could overtake waiting ones again and again.
    turn: parking_lot::Mutex<Batch>,
    /// Writes waiting for their turn: while there are some, the batch stays open.
    queued: AtomicUsize,
}

struct Batch {
    conn: DbConnection,
    /// The open transaction's outcome, shared by the writes in it.
    open: Option<Outcome>,
    members: usize,
}

/// How one batch's commit ended (`None` until it has), and a wake-up for the
/// writes waiting on it.
type Outcome = Arc<(Mutex<Option<Result<(), String>>>, Condvar)>;

impl SqliteWriter {
    pub(crate) fn new(conn: DbConnection) -> SqliteWriter {
        SqliteWriter {
            turn: parking_lot::Mutex::new(Batch {
                conn,
                open: None,
                members: 0,
            }),
            queued: AtomicUsize::new(0),
        }
    }

    /// Runs `f` as one atomic write and returns once it is committed and on disk.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut batch = self.turn.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let outcome = match &batch.open {
            Some(outcome) => outcome.clone(),
            None => {
                begin(&mut batch.conn)?;
                let outcome = Outcome::default();
                batch.open = Some(outcome.clone());
                batch.members = 0;
                outcome
            }
        };
        // A nested `transaction` is a savepoint: a failure undoes only this write.
        let conn = &mut batch.conn;
        let result = match catch_unwind(AssertUnwindSafe(|| conn.transaction(f))) {
            Ok(result) => result,
            Err(_) => {
                // A panic skips the savepoint's rollback; undo this write here.
                let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                    &mut batch.conn,
                );
                Err(StoreError::Internal(
                    "a write failed unexpectedly and was rolled back".into(),
                ))
            }
        };
        batch.members += 1;
        if self.queued.load(Ordering::SeqCst) > 0 && batch.members < MAX_BATCH {
            parking_lot::MutexGuard::unlock_fair(batch);
            return wait_for(&outcome).and(result);
        }
        let commit = commit(&mut batch.conn);
        batch.open = None;
        parking_lot::MutexGuard::unlock_fair(batch);
        let (ended, committed) = &*outcome;
        *lock(ended) = Some(commit.as_ref().map(drop).map_err(|e| e.to_string()));
        committed.notify_all();
        commit.and(result)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits until the batch has committed; its error if the commit failed.
fn wait_for(outcome: &Outcome) -> StoreResult<()> {
    let (ended, committed) = &**outcome;
    let mut ended = lock(ended);
    loop {
        match &*ended {
            Some(Ok(())) => return Ok(()),
            Some(Err(reason)) => {
                return Err(StoreError::Unavailable(format!(
                    "the write was not saved: {reason}"
                )))
            }
            None => {
                ended = committed
                    .wait(ended)
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }
    }
}

/// `BEGIN IMMEDIATE`: takes SQLite's write lock now (waiting out another
/// process up to the busy timeout) rather than at the first write.
fn begin(conn: &mut DbConnection) -> StoreResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?
        }
    }
    Ok(())
}

/// Moves the queued search-index changes of a transaction into the index
/// (see migration `2026-11-27-000005_search_queue`). Run just before each
/// commit, so the index changes once per batch, in the same transaction.
pub const SEARCH_QUEUE_FLUSH: &str = "\
    INSERT INTO models_search(models_search, rowid, name, description) \
        SELECT CASE op WHEN 'delete' THEN 'delete' END, model_id, name, description \
        FROM models_search_queue ORDER BY seq; \
    DELETE FROM models_search_queue;";

fn commit(conn: &mut DbConnection) -> StoreResult<()> {
    let committed = conn
        .batch_execute(SEARCH_QUEUE_FLUSH)
        .and_then(|()| <DbConnection as Connection>::TransactionManager::commit_transaction(conn));
    if committed.is_err() {
        // Leaves the connection outside any transaction for the next batch.
        let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
    }
    Ok(committed?)
}
