//! A real server for tests: bound to `127.0.0.1:0`, on a fresh database
//! (SQLite, or PostgreSQL when `MODELREG_TEST_POSTGRES_URL` is set), running
//! on its own thread.

use crate::{open_store, run, ServerConfig};
pub use modelreg_store::testing::TestDb;
use std::net::TcpListener;

/// A running server; stopped when dropped.
pub struct TestServer {
    url: String,
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

    /// Starts a server with the given configuration.
    pub fn start_with(config: ServerConfig) -> TestServer {
        let store = open_store(&config).expect("open the test store");
        let artifacts = config.artifacts().expect("open the test artifact store");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let mut config = config;
                config.workers = Some(config.workers.unwrap_or(2));
                let server = run(store, artifacts, &config, listener).expect("start the test server");
                tx.send(server.handle())
                    .expect("hand back the server handle");
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("the test server started");
        TestServer {
            url,
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
