//! Group commit for SQLite: concurrent writes share one transaction and one
//! flush to disk.
//!
//! SQLite has one writer at a time, and each commit costs a flush (fsync).
//! So every write in the process runs on one connection, owned by one writer
//! thread. A caller queues its write; the writer opens a transaction, runs each queued write in its own
//! savepoint (a write that fails rolls back only its own changes), and commits
//! once the queue is empty or the batch is full. Only then does each caller
//! get its answer. An acknowledged write is on disk (`synchronous = FULL`),
//! exactly as with one transaction per write; 32 concurrent writers just pay
//! for one commit instead of 32.
//!
//! The trigram search index is not changed by the writer: the writes queue
//! their changes to it (`models_search_queue`, filled by triggers in the same
//! transaction), and the index's own thread applies them to its own file
//! (search_index.rs). The writer tells it after each commit, and deletes
//! the queued changes the index holds once it has been idle for a while
//! (`PoolOptions::search_index_delay`, 10 ms by default) or after
//! [`PRUNE_BATCHES`] batches.
//!
//! A caller may wait on its own thread ([`SqliteWriter::write`]) or await a
//! future ([`SqliteWriter::write_async`]): the server awaits, so no thread is
//! parked per write in flight, and one wake-up of a server worker collects
//! the answers of all its requests in a batch.

use crate::error::{StoreError, StoreResult};
use crate::search_index::SearchIndex;
use crate::DbConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The most writes that share one commit, so that none waits long.
const MAX_BATCH: usize = 32;

/// The search index's applied queue rows are deleted after this many
/// batches at the latest.
const PRUNE_BATCHES: u32 = 16;

/// A queued write: runs in the open transaction and returns how to answer
/// its caller once the commit has ended.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Reply + Send>;
type Reply = Box<dyn FnOnce(&Result<(), String>) + Send>;

/// The process's one SQLite writer: a thread that owns the connection.
pub(crate) struct SqliteWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a job is queued or the writer is closed.
    wake: Condvar,
}

struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl SqliteWriter {
    /// Starts the writer thread on `conn`.
    pub(crate) fn start(
        conn: DbConnection,
        search_index: Arc<SearchIndex>,
    ) -> StoreResult<SqliteWriter> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                closed: false,
            }),
            wake: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn({
                let shared = shared.clone();
                move || run_writer(&shared, conn, &search_index)
            })
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteWriter {
            shared,
            thread: Some(thread),
        })
    }

    /// Runs `f` as one atomic write and returns once it is committed and on disk.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (answer, answered) = mpsc::sync_channel(1);
        self.queue(f, move |result| {
            let _ = answer.send(result);
        });
        answered.recv().unwrap_or_else(|_| Err(writer_stopped()))
    }

    /// Queues `f` as one atomic write; the future resolves once it is
    /// committed and on disk. No thread waits meanwhile.
    pub(crate) fn write_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> impl Future<Output = StoreResult<T>> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.queue(f, move |result| {
            let _ = answer.send(result);
        });
        async move { answered.await.unwrap_or_else(|_| Err(writer_stopped())) }
    }

    fn queue<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
        answer: impl FnOnce(StoreResult<T>) + Send + 'static,
    ) {
        let job: Job = Box::new(move |conn| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: &Result<(), String>| {
                answer(match commit {
                    Ok(()) => result,
                    Err(reason) => Err(StoreError::Unavailable(format!(
                        "the write was not saved: {reason}"
                    ))),
                })
            })
        });
        lock(&self.shared.queue).jobs.push_back(job);
        self.shared.wake.notify_one();
    }
}

impl Drop for SqliteWriter {
    /// Lets the writer finish the queued writes, then closes the connection.
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A caller whose write was dropped unanswered hears this.
fn writer_stopped() -> StoreError {
    StoreError::Unavailable(
        "the write was not saved: the database could not run it; see the server log".into(),
    )
}

/// The writer thread: runs batches until the writer is closed and its queue empty.
fn run_writer(shared: &Shared, mut conn: DbConnection, search_index: &SearchIndex) {
    let idle_delay = search_index.delay();
    let mut prune = Prune::default();
    // Batches committed since the search queue was last pruned.
    let mut unpruned: u32 = 0;
    loop {
        let first = {
            let mut queue = lock(&shared.queue);
            loop {
                if unpruned >= PRUNE_BATCHES {
                    break None;
                }
                if let Some(job) = queue.jobs.pop_front() {
                    break Some(job);
                }
                if queue.closed {
                    break None;
                }
                if unpruned == 0 {
                    queue = shared
                        .wake
                        .wait(queue)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                } else {
                    let (next, waited) = shared
                        .wake
                        .wait_timeout(queue, idle_delay)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    queue = next;
                    if waited.timed_out() && queue.jobs.is_empty() {
                        break None;
                    }
                }
            }
        };
        let Some(first) = first else {
            if unpruned == 0 {
                // Closed, with nothing queued.
                return;
            }
            if catch_unwind(AssertUnwindSafe(|| prune.run(&mut conn, search_index))).is_err() {
                tracing::error!("deleting applied search-queue rows failed unexpectedly");
                let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                    &mut conn,
                );
            }
            unpruned = 0;
            continue;
        };
        // Each write's own panic is caught in its savepoint; this catches the
        // writer's, so that it goes on (the batch's callers hear it failed).
        if catch_unwind(AssertUnwindSafe(|| run_batch(shared, &mut conn, first))).is_err() {
            tracing::error!(
                "the writer failed in the middle of a batch; its writes were rolled back"
            );
            let _ =
                <DbConnection as Connection>::TransactionManager::rollback_transaction(&mut conn);
        }
        search_index.changed();
        unpruned += 1;
    }
}

/// Deletes the queued search-index changes that the index holds.
#[derive(Default)]
struct Prune {
    /// What the index held at the previous prune: deleted at this one.
    held_before: i64,
    /// Rows up to this one are deleted.
    deleted_to: i64,
}

impl Prune {
    /// Deletes, in a transaction of its own, the queue rows the index held
    /// at the previous prune. One prune later rather than now: a search
    /// that read the index just before it took a change must still find the
    /// change in the queue (see search_index.rs). On failure the rows stay.
    fn run(&mut self, conn: &mut DbConnection, search_index: &SearchIndex) {
        use diesel::sql_types::BigInt;
        use diesel::RunQueryDsl;
        let up_to = std::mem::replace(&mut self.held_before, search_index.applied());
        if up_to <= self.deleted_to {
            return;
        }
        let deleted = begin(conn).and_then(|()| {
            diesel::sql_query("DELETE FROM models_search_queue WHERE seq <= ?")
                .bind::<BigInt, _>(up_to)
                .execute(conn)?;
            commit(conn)
        });
        match deleted {
            Ok(()) => self.deleted_to = up_to,
            Err(e) => {
                tracing::warn!(error = %e, "cannot delete the search-queue rows the index holds; retrying later");
                let _ =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            }
        }
    }
}

/// Runs `first` and the writes queued after it in one transaction, until the
/// queue is empty or the batch is full; commits, then answers them all.
fn run_batch(shared: &Shared, conn: &mut DbConnection, first: Job) {
    if let Err(e) = begin(conn) {
        // Dropping the job answers its caller that nothing was saved.
        tracing::error!(error = %e, "cannot start a write transaction");
        return;
    }
    let mut replies = vec![first(conn)];
    while replies.len() < MAX_BATCH {
        let Some(job) = lock(&shared.queue).jobs.pop_front() else {
            break;
        };
        replies.push(job(conn));
    }
    let commit = commit(conn).map_err(|e| {
        tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
        e.to_string()
    });
    for reply in replies {
        reply(&commit);
    }
}

/// Locks `mutex`, going on after a thread panicked holding it: the state
/// behind it is a queue and flags, always consistent between statements.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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

fn commit(conn: &mut DbConnection) -> StoreResult<()> {
    let committed = <DbConnection as Connection>::TransactionManager::commit_transaction(conn);
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

    fn one_thread_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// Ten batches' worth of callers at once: each gets its own answer once
    /// its batch is saved.
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

    /// Queued writes are awaited, not waited for: on a runtime of one thread,
    /// ten batches' worth of them are saved and each gets its own answer.
    #[test]
    fn queued_writes_need_no_thread_each() {
        let db = TestDb::sqlite();
        let store = store_with_table(&db);
        let writer = store.sqlite_writer.clone().unwrap();
        let callers = 10 * super::MAX_BATCH;
        let runtime = one_thread_runtime();
        let answers = runtime.block_on(async {
            let queued: Vec<_> = (0..callers)
                .map(|i| {
                    writer.write_async(move |conn| {
                        insert(conn, &format!("v{i}"))?;
                        Ok(i)
                    })
                })
                .collect();
            let mut answers = Vec::new();
            for answer in queued {
                answers.push(answer.await.unwrap());
            }
            answers
        });
        assert_eq!(answers, (0..callers).collect::<Vec<_>>());
        assert_eq!(rows(&store), callers as i64);
    }

    /// Closing the store lets the writer save what is queued first.
    #[test]
    fn queued_writes_are_saved_when_the_store_closes() {
        let db = TestDb::sqlite();
        let store = store_with_table(&db);
        let writer = store.sqlite_writer.clone().unwrap();
        let queued: Vec<_> = (0..100)
            .map(|i| writer.write_async(move |conn| insert(conn, &format!("v{i}"))))
            .collect();
        drop(writer);
        drop(store);
        let runtime = one_thread_runtime();
        for answer in queued {
            runtime.block_on(answer).unwrap();
        }
        let reopened = Store::open(db.url(), &PoolOptions::default()).unwrap();
        assert_eq!(rows(&reopened), 100);
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
