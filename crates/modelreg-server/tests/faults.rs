//! Process-level tests: several replicas on one PostgreSQL database, SQLite
//! under many writers, database outages, and `kill -9` in the middle of writes.

use modelreg_server::testing::{TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `modelreg-server` process.
struct Replica {
    child: Child,
    url: String,
}

impl Replica {
    /// Starts a server process on the database URL, without waiting for it.
    fn spawn(database_url: &str, data_dir: &Path) -> Replica {
        // Generous: these tests run beside others on two shared cores.
        Replica::spawn_with_timeout(database_url, data_dir, 30)
    }

    /// Like [`Replica::spawn`], waiting at most `db_timeout_secs` for a database connection.
    fn spawn_with_timeout(database_url: &str, data_dir: &Path, db_timeout_secs: u32) -> Replica {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_modelreg-server"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", database_url, "--workers", "2"])
            .args(["--db-timeout-secs", &db_timeout_secs.to_string()])
            .env("MODELREG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start modelreg-server");
        Replica {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(resp) = reqwest::get(format!("{}/health", self.url)).await {
                if resp.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("modelreg-server exited early: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("modelreg-server at {} did not become healthy", self.url);
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    token: String,
}

impl Http {
    async fn login(url: &str) -> Http {
        let client = reqwest::Client::new();
        let body: Value = client
            .post(format!("{url}/api/v1/auth/login"))
            .body(json!({"username": "determined", "password": "", "isHashed": true}).to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Http {
            client,
            token: body["token"].as_str().expect("token").to_string(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        let mut req = self.client.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    async fn post(&self, url: String, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, url, Some(body))
            .await
            .expect("request")
    }

    async fn get(&self, url: String) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, url, None)
            .await
            .expect("request")
    }
}

fn postgres_db() -> Option<TestDb> {
    TestDb::postgres()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_one_postgres_database() {
    let Some(db) = postgres_db() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Both start at the same moment on an empty database: migrations must not collide.
    let mut a = Replica::spawn(db.url(), &dir.path().join("a"));
    let mut b = Replica::spawn(db.url(), &dir.path().join("b"));
    a.wait_healthy().await;
    b.wait_healthy().await;

    // A token issued by one replica works on the other.
    let http = Http::login(&a.url).await;
    let (status, me) = http.get(format!("{}/api/v1/me", b.url)).await;
    assert_eq!(status, 200, "{me}");

    // A model created on one is listed by the other at once.
    let (status, _) = http
        .post(
            format!("{}/api/v1/models", a.url),
            json!({"name": "shared"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, list) = http
        .get(format!("{}/api/v1/models?name=shared", b.url))
        .await;
    assert_eq!(list["models"][0]["name"], "shared");

    let (_, ckpt) = http
        .post(format!("{}/api/v1/checkpoints", b.url), json!({}))
        .await;
    let uuid = ckpt["checkpoint"]["uuid"].as_str().unwrap().to_string();
    let urls = [a.url.clone(), b.url.clone()];

    // 200 concurrent registrations over both replicas: 1..200, each once, no error.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (http, url, uuid) = (http.clone(), urls[i % 2].clone(), uuid.clone());
            tokio::spawn(async move {
                let (status, body) = http
                    .post(
                        format!("{url}/api/v1/models/shared/versions"),
                        json!({"checkpointUuid": uuid}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
                body["modelVersion"]["version"].as_i64().unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=200).collect::<Vec<_>>());

    // 100 concurrent merges of distinct keys over both replicas keep every key.
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let (http, url) = (http.clone(), urls[i % 2].clone());
            tokio::spawn(async move {
                let (status, body) = http
                    .post(
                        format!("{url}/api/v1/models/shared/metadata"),
                        json!({"add": {format!("k{i}"): i}}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let (_, model) = http.get(format!("{}/api/v1/models/shared", a.url)).await;
    assert_eq!(model["model"]["metadata"].as_object().unwrap().len(), 100);
    assert_eq!(model["model"]["numVersions"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_takes_64_concurrent_writers_without_errors() {
    let server = TestServer::start();
    let url = server.url();
    let http = Http::login(&url).await;
    let (_, ckpt) = http
        .post(format!("{url}/api/v1/checkpoints"), json!({}))
        .await;
    let uuid = ckpt["checkpoint"]["uuid"].as_str().unwrap().to_string();
    http.post(format!("{url}/api/v1/models"), json!({"name": "hot"}))
        .await;
    let tasks: Vec<_> = (0..64)
        .map(|client| {
            let (http, url, uuid) = (http.clone(), url.clone(), uuid.clone());
            tokio::spawn(async move {
                for step in 0..5 {
                    let name = format!("c{client}-s{step}");
                    let (status, body) = http
                        .post(format!("{url}/api/v1/models"), json!({"name": name}))
                        .await;
                    assert_eq!(status, 200, "{body}");
                    let (status, body) = http
                        .post(
                            format!("{url}/api/v1/models/hot/versions"),
                            json!({"checkpointUuid": uuid}),
                        )
                        .await;
                    assert_eq!(status, 200, "{body}");
                    let (status, body) = http
                        .post(
                            format!("{url}/api/v1/models/hot/metadata"),
                            json!({"add": {name: step}}),
                        )
                        .await;
                    assert_eq!(status, 200, "{body}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let (_, list) = http.get(format!("{url}/api/v1/models?limit=1")).await;
    assert_eq!(list["pagination"]["total"], 64 * 5 + 1);
    let (_, hot) = http.get(format!("{url}/api/v1/models/hot")).await;
    assert_eq!(hot["model"]["numVersions"], 64 * 5);
    assert_eq!(hot["model"]["metadata"].as_object().unwrap().len(), 64 * 5);
}

/// Writers create models as fast as they can; the server is killed with
/// SIGKILL; every model whose creation was acknowledged must be there after a restart.
async fn kill_9_loses_no_acknowledged_write(database_url: &str, data_dir: PathBuf) {
    let mut server = Replica::spawn(database_url, &data_dir);
    server.wait_healthy().await;
    let http = Http::login(&server.url).await;
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (http, url, acknowledged) =
                (http.clone(), server.url.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("w{w}-{i}");
                    match http
                        .send(
                            reqwest::Method::POST,
                            format!("{url}/api/v1/models"),
                            Some(json!({"name": name})),
                        )
                        .await
                    {
                        Ok((status, _)) if status == 200 => acknowledged.lock().unwrap().push(name),
                        Ok((status, body)) => panic!("unexpected {status}: {body}"),
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20,
        "the writers made progress before the kill ({})",
        acknowledged.len()
    );

    let mut restarted = Replica::spawn(database_url, &data_dir);
    restarted.wait_healthy().await;
    let http = Http::login(&restarted.url).await;
    // A page holds at most 1,000 models: read them all, page by page.
    let mut stored = std::collections::HashSet::new();
    loop {
        let (status, list) = http
            .get(format!(
                "{}/api/v1/models?limit=1000&offset={}",
                restarted.url,
                stored.len()
            ))
            .await;
        assert_eq!(status, 200, "{list}");
        let page = list["models"].as_array().unwrap();
        stored.extend(page.iter().map(|m| m["name"].as_str().unwrap().to_string()));
        if page.is_empty() || stored.len() as u64 >= list["pagination"]["total"].as_u64().unwrap() {
            break;
        }
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|n| !stored.contains(*n))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost after kill -9: {lost:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_kill_9_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("modelreg.db")
        .to_string_lossy()
        .into_owned();
    kill_9_loses_no_acknowledged_write(&db, dir.path().to_path_buf()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_kill_9_loses_no_acknowledged_write() {
    let Some(db) = postgres_db() else { return };
    let dir = tempfile::tempdir().unwrap();
    kill_9_loses_no_acknowledged_write(db.url(), dir.path().to_path_buf()).await;
}

/// A PostgreSQL cluster of this test's own, so it can be stopped and started.
struct OwnCluster {
    dir: tempfile::TempDir,
    url: String,
}

impl OwnCluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster")
    }

    fn run(action: &str, dir: &Path) -> String {
        let out = Command::new(Self::script())
            .args([action])
            .arg(dir)
            .output()
            .expect("run scripts/pg-cluster");
        assert!(
            out.status.success(),
            "pg-cluster {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn start() -> Option<OwnCluster> {
        // Needs the PostgreSQL binaries; the same switch as the rest of the PostgreSQL leg.
        TestDb::postgres()?;
        let dir = tempfile::Builder::new()
            .prefix("modelreg-outage")
            .tempdir_in("/tmp")
            .unwrap();
        let url = Self::run("start", dir.path());
        Some(OwnCluster { dir, url })
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_gives_503_and_the_server_recovers_without_a_restart() {
    let Some(cluster) = OwnCluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut server = Replica::spawn_with_timeout(&cluster.url, dir.path(), 1);
    server.wait_healthy().await;
    let http = Http::login(&server.url).await;
    let url = server.url.clone();
    assert_eq!(
        http.post(format!("{url}/api/v1/models"), json!({"name": "before"}))
            .await
            .0,
        200
    );
    assert_eq!(http.get(format!("{url}/ready")).await.0, 200);

    OwnCluster::run("stop", cluster.dir.path());
    let (status, body) = http.get(format!("{url}/api/v1/models/before")).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]["error"]
            .as_str()
            .unwrap()
            .contains("database is unavailable"),
        "{body}"
    );
    let (status, body) = http
        .post(format!("{url}/api/v1/models"), json!({"name": "during"}))
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(http.get(format!("{url}/ready")).await.0, 503);
    assert_eq!(
        http.get(format!("{url}/health")).await.0,
        200,
        "liveness stays up"
    );

    OwnCluster::run("resume", cluster.dir.path());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = http.get(format!("{url}/ready")).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        http.get(format!("{url}/api/v1/models/before")).await.0,
        200,
        "the old session still works"
    );
    assert_eq!(
        http.post(format!("{url}/api/v1/models"), json!({"name": "after"}))
            .await
            .0,
        200
    );
    let (status, _) = http.get(format!("{url}/api/v1/models/during")).await;
    assert_eq!(status, 404, "the refused write left nothing behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_upload_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("modelreg.db")
        .to_string_lossy()
        .into_owned();
    let mut server = Replica::spawn(&db, dir.path());
    server.wait_healthy().await;
    let http = Http::login(&server.url).await;
    let (_, created) = http
        .post(
            format!("{}/api/v1/checkpoints", server.url),
            json!({"state": "STATE_ACTIVE"}),
        )
        .await;
    let uuid = created["checkpoint"]["uuid"].as_str().unwrap().to_string();
    let put = |path: &str, body: reqwest::Body| {
        http.client
            .put(format!(
                "{}/api/v1/checkpoints/{uuid}/files/{path}",
                server.url
            ))
            .bearer_auth(&http.token)
            .body(body)
            .send()
    };
    assert_eq!(
        put("whole.bin", reqwest::Body::from(vec![7u8; 4096]))
            .await
            .unwrap()
            .status(),
        200
    );

    // A slow upload: 64 KiB every 20 ms, far from done when the server dies.
    let slow = futures::stream::unfold(0, |n| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        (n < 10_000).then(|| {
            (
                Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 64 * 1024])),
                n + 1,
            )
        })
    });
    let upload = tokio::spawn(put("partial.bin", reqwest::Body::wrap_stream(slow)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    assert!(
        upload.await.unwrap().is_err(),
        "the upload failed with the server"
    );
    let leftovers = std::fs::read_dir(dir.path().join("artifacts/.tmp"))
        .unwrap()
        .count();
    assert!(
        leftovers > 0,
        "the killed upload left a temp file behind, which a restart must clear"
    );

    let mut restarted = Replica::spawn(&db, dir.path());
    restarted.wait_healthy().await;
    assert_eq!(
        std::fs::read_dir(dir.path().join("artifacts/.tmp"))
            .unwrap()
            .count(),
        0,
        "temp files are cleared"
    );
    let http = Http::login(&restarted.url).await;
    let (_, manifest) = http
        .get(format!("{}/api/v1/checkpoints/{uuid}/files", restarted.url))
        .await;
    let paths: Vec<_> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].clone())
        .collect();
    assert_eq!(paths, [json!("whole.bin")]);
    let (_, checkpoint) = http
        .get(format!("{}/api/v1/checkpoints/{uuid}", restarted.url))
        .await;
    assert_eq!(
        checkpoint["checkpoint"]["state"], "STATE_ACTIVE",
        "never COMPLETED behind the client's back"
    );
}
