//! Connections: one enum over both backends, the pool, and migrations.

use crate::error::{StoreError, StoreResult};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for several server replicas.
    Postgres(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://PATH` or a plain file path.
    Sqlite,
}

impl Backend {
    /// Chooses the backend from the URL's scheme and returns the URL the driver takes.
    pub fn from_url(url: &str) -> (Backend, String) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            (Backend::Sqlite, path.to_string())
        }
    }
}

/// Opens one connection to the backend the URL names.
pub fn establish(backend: Backend, url: &str) -> diesel::ConnectionResult<DbConnection> {
    Ok(match backend {
        Backend::Postgres => DbConnection::Postgres(PgConnection::establish(url)?),
        Backend::Sqlite => DbConnection::Sqlite(SqliteConnection::establish(url)?),
    })
}

/// Builds connections for the pool.
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    url: String,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        establish(self.backend, &self.url).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Sets the SQLite pragmas every connection needs (WAL, foreign keys, a busy
/// timeout) and attaches the search index's file (search_index.rs).
#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout: Duration,
    /// The main database's path.
    path: String,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            set_sqlite_pragmas(c, self.busy_timeout).map_err(diesel::r2d2::Error::QueryError)?;
            crate::search_index::attach(c, &self.path).map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// WAL, foreign keys, a busy timeout, and synchronous=FULL: a commit returns
/// once it is on disk, so an acknowledged write survives even the machine dying.
pub(crate) fn set_sqlite_pragmas(
    conn: &mut SqliteConnection,
    busy_timeout: Duration,
) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        busy_timeout.as_millis()
    ))
}

/// Opens a SQLite connection of its own (not from the pool), with the pragmas
/// every connection needs.
pub(crate) fn open_sqlite(path: &str, busy_timeout: Duration) -> StoreResult<SqliteConnection> {
    let mut conn = SqliteConnection::establish(path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {path}: {e}")))?;
    set_sqlite_pragmas(&mut conn, busy_timeout)?;
    Ok(conn)
}

/// Opens the SQLite connection that makes every write (see group_commit.rs).
pub(crate) fn sqlite_writer_connection(
    url: &str,
    busy_timeout: Duration,
) -> StoreResult<DbConnection> {
    let (_, path) = Backend::from_url(url);
    let mut conn = open_sqlite(&path, busy_timeout)?;
    // Each write of a batch runs in a savepoint, whose journal of the pages
    // it changed outgrows SQLite's 64 KiB in memory and spills to a temporary
    // file: a write(2) per page under the writer. Keep it in memory.
    conn.batch_execute("PRAGMA temp_store = MEMORY;")?;
    Ok(DbConnection::Sqlite(conn))
}

/// A pool of connections.
pub type DbPool = Pool<Manager>;
/// A connection taken from the pool.
pub type PooledConn = PooledConnection<Manager>;

/// Settings of the connection pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The most connections held open.
    pub max_size: u32,
    /// How long a request waits for a free connection.
    pub connection_timeout: Duration,
    /// How long SQLite waits for a lock before giving up.
    pub busy_timeout: Duration,
    /// On SQLite, how long the search index's thread lets committed changes
    /// gather before it applies them to the index (searches read them from
    /// the queue meanwhile).
    pub search_index_delay: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 16,
            connection_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            search_index_delay: Duration::from_millis(10),
        }
    }
}

/// Builds the pool and applies pending migrations.
pub fn connect(url: &str, options: &PoolOptions) -> StoreResult<(Backend, DbPool)> {
    let (backend, driver_url) = Backend::from_url(url);
    if backend == Backend::Sqlite {
        if let Some(dir) = std::path::Path::new(&driver_url).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
    }
    let manager = Manager {
        backend,
        url: driver_url.clone(),
    };
    let pool = Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(1))
        .connection_timeout(options.connection_timeout)
        // A PostgreSQL connection may have died with its server; a SQLite one cannot.
        .test_on_check_out(backend == Backend::Postgres)
        .connection_customizer(Box::new(SqlitePragmas {
            busy_timeout: options.busy_timeout,
            path: driver_url,
        }))
        .build(manager)?;
    let mut conn = pool.get()?;
    run_migrations(&mut conn)?;
    Ok((backend, pool))
}

/// Applies pending migrations. On PostgreSQL an advisory lock keeps replicas
/// that start together from running them twice.
pub fn run_migrations(conn: &mut DbConnection) -> StoreResult<()> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
        DbConnection::Postgres(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7262930221)")?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop);
            c.batch_execute("SELECT pg_advisory_unlock(7262930221)")?;
            result
        }
    };
    result.map_err(|e| StoreError::Internal(format!("migrations failed: {e}")))
}
