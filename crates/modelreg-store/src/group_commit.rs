//! Group commit for SQLite: concurrent writes share one transaction and one
//! flush to disk.
//!
//! SQLite has one writer at a time, and each commit costs a flush (fsync) and,
//! with the search index, an index segment. So every write in the process
//! runs on one connection. A caller queues its write; if no other caller is
//! running the queue, it runs it itself: it opens a transaction, runs each
//! queued write in its own savepoint (a write that fails rolls back only its
//! own changes), and commits once the queue is empty or the batch is full.
//! Only then does each caller get its answer. An acknowledged write is on disk
//! (`synchronous = FULL`), exactly as with one transaction per write; 32
//! concurrent writers just pay for one commit instead of 32.
//!
//! A lone write runs on its caller's thread and commits at once. Under load,
//! one caller runs a whole batch of the others' writes, so no write waits for
//! another thread to be scheduled; after each batch the turn passes to the
//! caller of the next queued write, so nobody's answer waits for more than
//! the batch it is in.

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Mutex, MutexGuard};

/// The most writes that share one commit, so that none waits long.
const MAX_BATCH: usize = 32;

/// A queued write.
struct Job {
    /// Runs the write in the open transaction; returns how to answer its
    /// caller once the commit has ended.
    run: Box<dyn FnOnce(&mut DbConnection) -> Reply + Send>,
    /// Tells the write's caller to run the queue now.
    pass_turn: Box<dyn FnOnce() + Send>,
}
type Reply = Box<dyn FnOnce(&Result<(), String>) + Send>;

/// What a waiting caller hears.
enum Signal<T> {
    Done(StoreResult<T>),
    YourTurn,
}

/// The process's one SQLite writer.
pub(crate) struct SqliteWriter {
    queue: Mutex<Queue>,
    /// Locked only by the caller whose turn it is.
    conn: Mutex<DbConnection>,
}

struct Queue {
    jobs: VecDeque<Job>,
    /// Whether some caller is running the queue.
    running: bool,
}

impl SqliteWriter {
    pub(crate) fn new(conn: DbConnection) -> SqliteWriter {
        SqliteWriter {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                running: false,
            }),
            conn: Mutex::new(conn),
        }
    }

    /// Runs `f` as one atomic write and returns once it is committed and on disk.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (signal, signals) = mpsc::sync_channel(1);
        let turn = signal.clone();
        let job = Job {
            run: Box::new(move |conn| {
                let result = in_savepoint(conn, f);
                Box::new(move |commit: &Result<(), String>| {
                    let outcome = match commit {
                        Ok(()) => result,
                        Err(reason) => Err(StoreError::Unavailable(format!(
                            "the write was not saved: {reason}"
                        ))),
                    };
                    let _ = signal.send(Signal::Done(outcome));
                })
            }),
            pass_turn: Box::new(move || {
                let _ = turn.send(Signal::YourTurn);
            }),
        };
        let my_turn = {
            let mut queue = lock(&self.queue);
            queue.jobs.push_back(job);
            !std::mem::replace(&mut queue.running, true)
        };
        if my_turn {
            self.run_batch();
        }
        loop {
            match signals.recv() {
                Ok(Signal::Done(result)) => return result,
                Ok(Signal::YourTurn) => self.run_batch(),
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        "the write was not saved: the database could not start a transaction; see the server log".into(),
                    ))
                }
            }
        }
    }

    /// Runs queued writes in one transaction until the queue is empty or the
    /// batch is full, commits, answers them, and passes the turn on.
    fn run_batch(&self) {
        let mut conn = lock(&self.conn);
        let mut replies = Vec::new();
        match begin(&mut conn) {
            Ok(()) => {
                while replies.len() < MAX_BATCH {
                    let Some(job) = lock(&self.queue).jobs.pop_front() else {
                        break;
                    };
                    replies.push((job.run)(&mut conn));
                }
            }
            Err(e) => {
                // Dropping the batch's jobs answers their callers that nothing was saved.
                tracing::error!(error = %e, "cannot start a write transaction");
                let mut queue = lock(&self.queue);
                let n = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..n);
            }
        }
        let commit = if replies.is_empty() {
            Ok(())
        } else {
            commit(&mut conn).map_err(|e| {
                tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
                e.to_string()
            })
        };
        drop(conn);
        let next = {
            let mut queue = lock(&self.queue);
            let next = queue
                .jobs
                .front_mut()
                .map(|job| std::mem::replace(&mut job.pass_turn, Box::new(|| ())));
            queue.running = next.is_some();
            next
        };
        for reply in replies {
            reply(&commit);
        }
        if let Some(pass_turn) = next {
            pass_turn();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

#[cfg(test)]
mod tests {
    use crate::testing::TestDb;
    use crate::{PoolOptions, Store, StoreError};
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Text};
    use diesel::RunQueryDsl;
    use std::sync::Arc;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn rows(store: &Store) -> i64 {
        store
            .read(|conn| {
                Ok(diesel::sql_query("SELECT count(*) AS n FROM w")
                    .get_result::<Count>(conn)?
                    .n)
            })
            .unwrap()
    }

    fn store_with_table(db: &TestDb) -> Store {
        let store = Store::open(db.url(), &PoolOptions::default()).unwrap();
        store
            .write(|conn| Ok(conn.batch_execute("CREATE TABLE w (v TEXT UNIQUE NOT NULL)")?))
            .unwrap();
        store
    }

    fn insert(conn: &mut crate::DbConnection, v: &str) -> crate::StoreResult<()> {
        diesel::sql_query("INSERT INTO w (v) VALUES (?)")
            .bind::<Text, _>(v)
            .execute(conn)?;
        Ok(())
    }

    /// Ten batches' worth of callers at once: each gets its own answer, and
    /// the turn to run the queue passes from caller to caller until all are saved.
    #[test]
    fn every_caller_of_many_batches_gets_its_own_answer() {
        let db = TestDb::sqlite();
        let store = Arc::new(store_with_table(&db));
        let callers = 10 * super::MAX_BATCH;
        let threads: Vec<_> = (0..callers)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    store.write(move |conn| {
                        insert(conn, &format!("v{i}"))?;
                        Ok(i)
                    })
                })
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            assert_eq!(thread.join().unwrap().unwrap(), i);
        }
        assert_eq!(rows(&store), callers as i64);
    }

    /// A write that panics is rolled back alone; the writer goes on.
    #[test]
    fn a_panicking_write_is_undone_alone() {
        let db = TestDb::sqlite();
        let store = store_with_table(&db);
        store.write(|conn| insert(conn, "before")).unwrap();
        let failed = store.write(|conn| -> crate::StoreResult<()> {
            insert(conn, "half-done")?;
            panic!("a bug in a write");
        });
        assert!(matches!(failed, Err(StoreError::Internal(_))), "{failed:?}");
        store.write(|conn| insert(conn, "after")).unwrap();
        assert_eq!(rows(&store), 2);
    }
}
