//! Storage of modelreg: diesel over SQLite (the embedded default) or PostgreSQL.
//!
//! Store functions are plain and synchronous and return [`StoreResult`]; the
//! server calls them from a blocking thread pool. Every write runs in one
//! transaction; filtering, sorting and pagination happen in SQL. The hot
//! writes also come as a [`Write`], which the server awaits instead of
//! parking a thread on it.

/// Runs one diesel expression on the backend's own connection type rather
/// than through [`DbConnection`]. diesel finds a prepared statement for a
/// `DbConnection` query by rebuilding its SQL text on every execution (15% of
/// the CPU of a model lookup); on the backend's own connection it finds it by
/// the query's type. For the hottest queries: the point reads, and the
/// statements of creates, registrations and metadata merges.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConnection::Sqlite($c) => $body,
            $crate::DbConnection::Postgres($c) => $body,
        }
    };
}

mod checkpoints;
mod connection;
mod error;
mod fixed_sql;
mod group_commit;
mod metadata;
mod models;
mod passwords;
mod rows;
mod schema;
mod search_index;
mod sessions;
pub mod testing;
mod time;
mod users;
mod validate;
mod versions;

pub use checkpoints::{blob_prefix, StoredFile};
pub use connection::{Backend, DbConnection, PoolOptions};
pub use error::{StoreError, StoreResult};
pub use models::{ModelKey, COUNT_AHEAD};
pub use passwords::client_side_hash;
pub use users::AuthUser;

use connection::{DbPool, PooledConn};
use diesel::Connection;
use group_commit::SqliteWriter;
use search_index::SearchIndex;
use std::sync::Arc;

/// The registry's storage: a pool of connections to one database.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    backend: Backend,
    /// SQLite has one writer at a time: on SQLite every write goes through
    /// one connection, and concurrent writes share a commit.
    sqlite_writer: Option<Arc<SqliteWriter>>,
    /// SQLite's trigram index, kept by a thread of its own.
    search_index: Option<Arc<SearchIndex>>,
    session_lifetime: std::time::Duration,
}

impl Store {
    /// Connects to the database the URL names (`postgres://...`, `sqlite://PATH`
    /// or a file path), applies pending migrations and creates the built-in users.
    pub fn open(url: &str, options: &PoolOptions) -> StoreResult<Store> {
        let (backend, pool) = connection::connect(url, options)?;
        let (sqlite_writer, search_index) = match backend {
            Backend::Sqlite => {
                let (_, path) = Backend::from_url(url);
                let search_index = Arc::new(SearchIndex::start(
                    &path,
                    options.busy_timeout,
                    options.search_index_delay,
                )?);
                let writer = SqliteWriter::start(
                    connection::sqlite_writer_connection(url, options.busy_timeout)?,
                    search_index.clone(),
                )?;
                (Some(Arc::new(writer)), Some(search_index))
            }
            Backend::Postgres => (None, None),
        };
        let store = Store {
            pool,
            backend,
            sqlite_writer,
            search_index,
            session_lifetime: std::time::Duration::from_secs(7 * 24 * 3600),
        };
        store.ensure_builtin_users()?;
        Ok(store)
    }

    /// Sets how long login sessions last (default 7 days).
    pub fn with_session_lifetime(mut self, lifetime: std::time::Duration) -> Store {
        self.session_lifetime = lifetime;
        self
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> StoreResult<()> {
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// Whether searches on SQLite may use the trigram index (false while it
    /// is built anew; they scan the models meanwhile).
    fn search_index_ready(&self) -> bool {
        self.search_index
            .as_ref()
            .is_some_and(|index| index.is_ready())
    }

    /// Waits (up to `timeout`) until SQLite's trigram index holds every
    /// change committed so far, rather than reading the newest from its
    /// queue; true once it does (at once on PostgreSQL). For tools that
    /// load a database, and tests.
    pub fn wait_for_search_index(&self, timeout: std::time::Duration) -> StoreResult<bool> {
        use diesel::RunQueryDsl;
        let Some(index) = &self.search_index else {
            return Ok(true);
        };
        #[derive(diesel::QueryableByName)]
        struct Issued {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            seq: i64,
        }
        let issued = self.read(|conn| {
            Ok(
                diesel::sql_query("SELECT coalesce(max(seq), 0) AS seq FROM models_search_queue")
                    .get_result::<Issued>(conn)?
                    .seq,
            )
        })?;
        Ok(index.wait_until_current(issued, timeout))
    }

    /// Whether a short read may run on the caller's thread: on SQLite, when
    /// the pool has an idle connection, so it neither waits for the network
    /// nor for a connection.
    pub fn can_read_inline(&self) -> bool {
        self.backend == Backend::Sqlite && self.pool.state().idle_connections > 0
    }

    fn conn(&self) -> StoreResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` on a connection, for reads.
    fn read<T>(&self, f: impl FnOnce(&mut DbConnection) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// A write to run later: `f` in one transaction, then `then` with its
    /// result once it is saved (to read back what it wrote, say).
    fn prepare_write<R: Send + 'static, T: 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<R> + Send + 'static,
        then: impl FnOnce(&Store, R) -> StoreResult<T> + Send + 'static,
    ) -> Write<T> {
        Write {
            store: self.clone(),
            job: Box::new(move |conn| {
                let written = f(conn)?;
                Ok(Box::new(move |store: &Store| then(store, written)) as Then<T>)
            }),
        }
    }

    /// Runs `f` in one transaction, for writes: all of it lands or none of it,
    /// and what landed is on disk when this returns.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        match &self.sqlite_writer {
            Some(writer) => writer.write(f),
            None => {
                let mut conn = self.conn()?;
                let conn: &mut DbConnection = &mut conn;
                conn.transaction(f)
            }
        }
    }
}

/// A checked write, ready to run: [`Write::wait`] runs it on this thread;
/// [`Write::queue`] hands it to SQLite's writer without holding a thread.
pub struct Write<T> {
    store: Store,
    job: WriteJob<T>,
}

/// The transaction of a [`Write`], returning what is left once it is saved.
type WriteJob<T> = Box<dyn FnOnce(&mut DbConnection) -> StoreResult<Then<T>> + Send>;

/// What is left of a write once it is saved, such as reading back the rows
/// it wrote; a short read on the store.
pub type Then<T> = Box<dyn FnOnce(&Store) -> StoreResult<T> + Send>;

impl<T: 'static> Write<T> {
    /// Runs the write and what follows it; returns once it is saved.
    pub fn wait(self) -> StoreResult<T> {
        let then = self.store.write(self.job)?;
        then(&self.store)
    }

    /// On SQLite, queues the write and returns a future that resolves once it
    /// is saved, to what is left to do. On PostgreSQL, where each write takes
    /// a connection of its own and may wait on the network, gives the write
    /// back to [`wait`](Write::wait) for on a thread that may block.
    pub fn queue(
        self,
    ) -> Result<impl std::future::Future<Output = StoreResult<Then<T>>>, Write<T>> {
        match &self.store.sqlite_writer {
            Some(writer) => Ok(writer.write_async(self.job)),
            None => Err(self),
        }
    }
}
