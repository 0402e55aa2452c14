//! A real server for tests: bound to `127.0.0.1:0`, on a fresh database
//! (SQLite, or PostgreSQL when `MODELREG_TEST_POSTGRES_URL` is set), running
//! on its own thread.

use crate::{open_store, run, ServerConfig};
pub use modelreg_store::testing::TestDb;
use std::net::TcpListener;

/// Names an S3-compatible server and a bucket for artifact tests, e.g.
/// `s3://modelreg-test`; each test gets a prefix of its own in it.
pub const S3_URL_VAR: &str = "MODELREG_TEST_S3_URL";
/// The endpoint of that server, e.g. `http://127.0.0.1:9000`.
pub const S3_ENDPOINT_VAR: &str = "MODELREG_TEST_S3_ENDPOINT";

/// A running server; stopped when dropped.
pub struct TestServer {
    url: String,
    config: ServerConfig,
    store: modelreg_store::Store,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _data_dir: Option<tempfile::TempDir>,
    _db: Option<TestDb>,
}

impl TestServer {
    /// Starts a server on a fresh temporary SQLite database.
    pub fn start() -> TestServer {
        TestServer::start_on(TestDb::sqlite())
    }

    /// Starts a server on a fresh PostgreSQL database, or `None` when no
    /// test server is configured (see [`TestDb::postgres`]).
    pub fn start_postgres() -> Option<TestServer> {
        TestDb::postgres().map(TestServer::start_on)
    }

    /// Starts a server on the given test database, with a temp data dir.
    pub fn start_on(db: TestDb) -> TestServer {
        let dir = tempfile::tempdir().expect("create a temp data dir");
        let mut config = ServerConfig::for_data_dir(dir.path());
        config.database_url = Some(db.url().to_string());
        let mut server = TestServer::start_with(config);
        server._data_dir = Some(dir);
        server._db = Some(db);
        server
    }

    /// Starts a server on SQLite whose checkpoint files go to a fresh prefix
    /// of the S3 bucket that `MODELREG_TEST_S3_URL` names, or `None` when it
    /// is not set (under `CI=true` that is a failure).
    pub fn start_s3() -> Option<TestServer> {
        TestServer::start_s3_with(|_| {})
    }

    /// Like [`TestServer::start_s3`], with a chance to change the configuration.
    pub fn start_s3_with(adjust: impl FnOnce(&mut ServerConfig)) -> Option<TestServer> {
        let Ok(bucket) = std::env::var(S3_URL_VAR) else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{S3_URL_VAR} is not set, and CI=true requires the S3 leg");
            }
            eprintln!("skipping the S3 leg: {S3_URL_VAR} is not set");
            return None;
        };
        let dir = tempfile::tempdir().expect("create a temp data dir");
        let mut config = ServerConfig::for_data_dir(dir.path());
        config.artifact_store = format!(
            "{}/{}",
            bucket.trim_end_matches('/'),
            uuid::Uuid::new_v4().simple()
        );
        config.s3_endpoint = std::env::var(S3_ENDPOINT_VAR).ok();
        adjust(&mut config);
        let mut server = TestServer::start_with(config);
        server._data_dir = Some(dir);
        Some(server)
    }

    /// Starts a server on SQLite and the local artifact folder, with a chance
    /// to change the configuration.
    pub fn start_local_with(adjust: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("create a temp data dir");
        let mut config = ServerConfig::for_data_dir(dir.path());
        adjust(&mut config);
        let mut server = TestServer::start_with(config);
        server._data_dir = Some(dir);
        server
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The server's store, for tests that look behind the API.
    pub fn store(&self) -> &modelreg_store::Store {
        &self.store
    }

    /// Starts a server with the given configuration.
    pub fn start_with(config: ServerConfig) -> TestServer {
        let store = open_store(&config).expect("open the test store");
        let artifacts = config.artifacts().expect("open the test artifact store");
        let (kept_config, kept_store) = (config.clone(), store.clone());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let mut config = config;
                config.workers = Some(config.workers.unwrap_or(2));
                let server =
                    run(store, artifacts, &config, listener).expect("start the test server");
                tx.send(server.handle())
                    .expect("hand back the server handle");
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("the test server started");
        TestServer {
            url,
            config: kept_config,
            store: kept_store,
            handle,
            thread: Some(thread),
            _data_dir: None,
            _db: None,
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let stopper = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(handle.stop(false));
        });
        let _ = stopper.join();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
