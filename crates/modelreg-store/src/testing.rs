//! Throwaway databases for tests: a temp SQLite file always, and a fresh
//! PostgreSQL database when `MODELREG_TEST_POSTGRES_URL` names a server.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The variable that names a PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "MODELREG_TEST_POSTGRES_URL";

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite file in a temp dir.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let url = dir.path().join("test.db").to_string_lossy().into_owned();
        TestDb {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when no server is configured.
    /// Under `CI=true` a missing server is a failure, not a skip.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{POSTGRES_URL_VAR} is not set, and CI=true requires the PostgreSQL leg");
            }
            eprintln!("skipping the PostgreSQL leg: {POSTGRES_URL_VAR} is not set");
            return None;
        };
        let name = format!("modelreg_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("cannot reach {POSTGRES_URL_VAR}={admin_url}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let url = replace_database(&admin_url, &name);
        Some(TestDb {
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// The URL to open the database with.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Swaps the database name of a `postgres://` URL, keeping its query string.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            replace_database("postgres://u@h:5/postgres", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            replace_database("postgres://u@h:5", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            replace_database("postgres://h/db?sslmode=disable", "t1"),
            "postgres://h/t1?sslmode=disable"
        );
    }
}
