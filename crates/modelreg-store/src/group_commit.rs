//! Group commit for SQLite: concurrent writes share one transaction and one
//! flush to disk.
//!
//! SQLite has one writer at a time, and each commit costs a flush (fsync) and,
//! with the search index, an index segment. So every write in the process runs
//! on one thread that owns the one write connection. Callers queue their
//! writes and wait. The writer thread opens a transaction, runs each queued
//! write in its own savepoint (a write that fails rolls back only its own
//! changes), and commits once the queue is empty or the batch is full; only
//! then does each caller get its answer. An acknowledged write is on disk
//! (`synchronous = FULL`), exactly as with one transaction per write; 32
//! concurrent writers just pay for one commit instead of 32. A lone write
//! commits at once.
//!
//! One thread runs every write, so the connection's caches stay warm and no
//! write waits for another caller's thread to be scheduled.

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// The most writes that share one commit, so that none waits long.
const MAX_BATCH: usize = 32;

/// A queued write: runs in the open transaction and returns how to answer
/// its caller once the commit has ended.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Reply + Send>;
type Reply = Box<dyn FnOnce(&Result<(), String>) + Send>;

/// The process's one SQLite writer: a thread that owns the write connection.
pub(crate) struct SqliteWriter {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl SqliteWriter {
    pub(crate) fn start(conn: DbConnection) -> StoreResult<SqliteWriter> {
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(conn, queue))
            .map_err(|e| StoreError::Internal(format!("cannot start the SQLite writer: {e}")))?;
        Ok(SqliteWriter {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `f` as one atomic write and returns once it is committed and on disk.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (answer, answered) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: &Result<(), String>| {
                let outcome = match commit {
                    Ok(()) => result,
                    Err(reason) => Err(StoreError::Unavailable(format!(
                        "the write was not saved: {reason}"
                    ))),
                };
                // The caller waits for its answer; nothing to do if it is gone.
                let _ = answer.send(outcome);
            })
        });
        let not_saved = || {
            StoreError::Unavailable(
                "the write was not saved: the database writer stopped; see the server log".into(),
            )
        };
        self.jobs
            .as_ref()
            .ok_or_else(not_saved)?
            .send(job)
            .map_err(|_| not_saved())?;
        answered.recv().map_err(|_| not_saved())?
    }
}

impl Drop for SqliteWriter {
    /// Lets the writer finish the queued writes, then closes the connection.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: one batch per turn, until every sender is gone.
fn run_writer(mut conn: DbConnection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        if let Err(e) = begin(&mut conn) {
            // Dropping the jobs answers their callers that the write was not saved.
            tracing::error!(error = %e, "cannot start a write transaction");
            drop(first);
            while queue.try_recv().is_ok() {}
            continue;
        }
        let mut replies = vec![first(&mut conn)];
        while replies.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => replies.push(job(&mut conn)),
                Err(_) => break,
            }
        }
        let commit = commit(&mut conn).map_err(|e| {
            tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
            e.to_string()
        });
        for reply in replies {
            reply(&commit);
        }
    }
}

/// Runs one write in its own savepoint: a failure undoes only this write.
fn in_savepoint<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    match catch_unwind(AssertUnwindSafe(|| conn.transaction(f))) {
        Ok(result) => result,
        Err(_) => {
            // A panic skips the savepoint's rollback; undo this write here.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(StoreError::Internal(
                "a write failed unexpectedly and was rolled back".into(),
            ))
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
            return Err(StoreError::Internal(
                "the group-commit writer is for SQLite only".into(),
            ))
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
