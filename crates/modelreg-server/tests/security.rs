//! Security behaviour a deployment relies on: throttled logins, input limits,
//! the blank-password exposure check, offline admin commands, TLS, and no
//! secrets in the log.

mod common;

use common::{assert_error, Api};
use modelreg_server::testing::TestServer;
use reqwest::Method;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_modelreg-server");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn repeated_failed_logins_are_slowed_down_with_429() {
    let api = Api::sqlite().await;
    let wrong = json!({"username": "admin", "password": "guess"});
    for _ in 0..5 {
        let (status, _) = api.post("/api/v1/auth/login", wrong.clone()).await;
        assert_eq!(status, 401);
    }
    let resp = api
        .http
        .post(api.url("/api/v1/auth/login"))
        .body(wrong.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after));
    // Even the right password waits until the pause is over.
    let (status, body) = api
        .post(
            "/api/v1/auth/login",
            json!({"username": "admin", "password": ""}),
        )
        .await;
    assert_error(status, &body, 429, 8, "too many failed logins for admin");
    // Other users are not affected.
    let (status, _) = api
        .post(
            "/api/v1/auth/login",
            json!({"username": "determined", "password": ""}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_input_is_refused_and_changes_nothing() {
    let api = Api::sqlite().await;
    let labels: Vec<String> = (0..65).map(|i| format!("l{i}")).collect();
    let (status, body) = api
        .post("/api/v1/models", json!({"name": "m", "labels": labels}))
        .await;
    assert_error(status, &body, 400, 3, "at most 64 labels");
    let (status, body) = api
        .post(
            "/api/v1/models",
            json!({"name": "m", "labels": ["x".repeat(129)]}),
        )
        .await;
    assert_error(status, &body, 400, 3, "must be 1 to 128 bytes");
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!({"d": deep});
    }
    let (status, body) = api
        .post(
            "/api/v1/models",
            json!({"name": "m", "metadata": {"deep": deep}}),
        )
        .await;
    assert_error(status, &body, 400, 3, "nested deeper than 32");
    let (status, body) = api
        .post(
            "/api/v1/models",
            json!({"name": "m", "notes": "n".repeat(70_000)}),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        3,
        "notes cannot be longer than 65536 bytes",
    );
    let (status, body) = api
        .post("/api/v1/models", json!({"name": "x".repeat(300)}))
        .await;
    assert_error(status, &body, 400, 3, "cannot be longer than 256");
    assert_eq!(
        api.get("/api/v1/models").await.1["pagination"]["total"],
        0,
        "nothing was created"
    );

    api.create_model("m", json!({"metadata": {"keep": 1}}))
        .await;
    let chunk = "y".repeat(200_000);
    api.ok(
        Method::POST,
        "/api/v1/models/m/metadata",
        Some(json!({"add": {"a": chunk}})),
    )
    .await;
    let (status, body) = api
        .post("/api/v1/models/m/metadata", json!({"add": {"b": chunk}}))
        .await;
    assert_error(status, &body, 400, 3, "the merged metadata is");
    let model = api.ok(Method::GET, "/api/v1/models/m", None).await;
    assert!(
        model["model"]["metadata"].get("b").is_none(),
        "the refused merge changed nothing"
    );
    let (status, body) = api.get("/api/v1/models?limit=5000").await;
    assert_error(status, &body, 400, 3, "between 0 and 1000");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the server binary until it exits or `wait` passes; returns (exited, stderr).
fn run_server(
    args: &[&str],
    envs: &[(&str, &str)],
    wait: Duration,
) -> (Option<std::process::ExitStatus>, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(SERVER)
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + wait;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, std::fs::read_to_string(log.path()).unwrap())
}

fn admin(data_dir: &Path, args: &[&str], password: &str) -> String {
    let out = Command::new(SERVER)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("admin")
        .args(args)
        .env("MODELREG_NEW_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn blank_passwords_keep_the_server_off_the_network_until_set() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let bind = format!("0.0.0.0:{}", free_port());
    let (status, log) = run_server(
        &["--bind", &bind, "--data-dir", data],
        &[],
        Duration::from_secs(20),
    );
    let status = status.expect("the server refused to start");
    assert!(!status.success());
    for needed in [
        "blank passwords: admin, determined",
        "modelreg-server admin set-password",
        "--allow-blank-passwords",
    ] {
        assert!(log.contains(needed), "the refusal says {needed:?}: {log}");
    }
    // The escape hatch works.
    let (status, _) = run_server(
        &[
            "--bind",
            &bind,
            "--data-dir",
            data,
            "--allow-blank-passwords",
        ],
        &[],
        Duration::from_secs(2),
    );
    assert!(status.is_none(), "it serves with --allow-blank-passwords");

    // Offline admin commands set the passwords; then it serves.
    assert!(admin(dir.path(), &["list-users"], "").contains("blank password"));
    admin(dir.path(), &["set-password", "admin"], "An-admin-pw1");
    let (status, log) = run_server(
        &["--bind", &bind, "--data-dir", data],
        &[("MODELREG_NEW_PASSWORD", "unused")],
        Duration::from_secs(20),
    );
    assert!(
        status.is_some() && log.contains("determined"),
        "determined still has a blank password: {log}"
    );
    admin(dir.path(), &["set-password", "determined"], "A-det-pw1");
    admin(
        dir.path(),
        &["create-user", "carol", "--role", "viewer"],
        "Carol-pw1",
    );
    let listing = admin(dir.path(), &["list-users"], "");
    assert!(
        listing.contains("carol")
            && listing.contains("viewer")
            && !listing.contains("blank password"),
        "{listing}"
    );
    let (status, log) = run_server(
        &["--bind", &bind, "--data-dir", data],
        &[],
        Duration::from_secs(2),
    );
    assert!(
        status.is_none(),
        "it serves once every active user has a password: {log}"
    );
}

#[test]
fn the_initial_admin_password_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let bind = format!("127.0.0.1:{}", free_port());
    let (status, _) = run_server(
        &["--bind", &bind, "--data-dir", data],
        &[("MODELREG_INITIAL_ADMIN_PASSWORD", "Initial-pw1")],
        Duration::from_secs(2),
    );
    assert!(status.is_none());
    let listing = admin(dir.path(), &["list-users"], "");
    let admin_line = listing.lines().find(|l| l.contains("admin")).unwrap();
    assert!(admin_line.contains("password set"), "{listing}");
}

fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl generates a test certificate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let server = TestServer::start_local_with(|c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    });
    let https = server.url().replace("http://", "https://");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let resp = trusting
        .get(format!("{https}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let login = trusting
        .post(format!("{https}/api/v1/auth/login"))
        .body(json!({"username": "admin", "password": ""}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    // A client that does not trust the certificate is refused, and plain HTTP does not work.
    assert!(reqwest::Client::new()
        .get(format!("{https}/health"))
        .send()
        .await
        .is_err());
    assert!(reqwest::Client::new()
        .get(format!("{}/health", server.url()))
        .send()
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passwords_and_tokens_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(SERVER)
        .args(["--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .env("MODELREG_LOG", "trace")
        .env("MODELREG_ACCESS_LOG", "true")
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{url}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut req = http.post(format!("{url}{path}")).body(body.to_string());
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    let login = |user: &str, password: &str| {
        post(
            "/api/v1/auth/login",
            None,
            json!({"username": user, "password": password}),
        )
    };
    let admin_token: serde_json::Value = login("admin", "").await.unwrap().json().await.unwrap();
    let admin_token = admin_token["token"].as_str().unwrap().to_string();
    let password = "Sup3r-Secret-Passw0rd";
    let body = json!({"user": {"username": "dana"}, "password": password, "isHashed": false});
    assert_eq!(
        post("/api/v1/users", Some(&admin_token), body)
            .await
            .unwrap()
            .status(),
        200
    );
    let session: serde_json::Value = login("dana", password).await.unwrap().json().await.unwrap();
    let session = session["token"].as_str().unwrap().to_string();
    let created: serde_json::Value = post("/api/v1/tokens", Some(&session), json!({"name": "ci"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_token = created["token"].as_str().unwrap().to_string();
    let hashed = modelreg_store::client_side_hash("Wr0ng-Passw0rd-abc");
    assert_eq!(
        login("dana", "Wr0ng-Passw0rd-abc").await.unwrap().status(),
        401
    );
    assert_eq!(
        post(
            "/api/v1/auth/login",
            None,
            json!({"username": "dana", "password": hashed, "isHashed": true})
        )
        .await
        .unwrap()
        .status(),
        401
    );
    let resp = http
        .get(format!("{url}/api/v1/models"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .get(format!("{url}/api/v1/models"))
        .bearer_auth("mrt_not-a-real-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let _ = child.kill();
    let _ = child.wait();

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("/api/v1/auth/login"),
        "the log was written at trace level"
    );
    for secret in [
        password,
        "Wr0ng-Passw0rd-abc",
        &hashed,
        &admin_token,
        &session,
        &api_token,
        "mrt_not-a-real-token",
    ] {
        assert!(!log.contains(secret), "a secret reached the log: {secret}");
    }
}
