//! Logging in, the token cache, and how the binary exits.

mod common;

use common::Env;
use serde_json::Value;
use std::process::Stdio;

fn cached_token(env: &Env) -> Option<String> {
    let text = std::fs::read_to_string(env.token_file()).ok()?;
    let file: Value = serde_json::from_str(&text).unwrap();
    let entry = &file["servers"][env.server.url().as_str()];
    if entry.is_null() {
        return None;
    }
    assert_eq!(entry["username"], "determined");
    entry["token"].as_str().map(String::from)
}

#[test]
fn the_first_command_logs_in_and_caches_the_token_for_the_next() {
    let env = Env::start();
    assert_eq!(cached_token(&env), None);
    assert_eq!(env.ok(&["whoami"]), "determined\n");
    let token = cached_token(&env).expect("a cached token");
    env.ok(&["model", "list"]);
    assert_eq!(
        cached_token(&env).as_deref(),
        Some(token.as_str()),
        "the cached token is reused"
    );
}

#[test]
fn a_refused_cached_token_logs_in_again_once() {
    let env = Env::start();
    env.ok(&["whoami"]);
    let text = std::fs::read_to_string(env.token_file()).unwrap();
    let token = cached_token(&env).unwrap();
    std::fs::write(env.token_file(), text.replace(&token, "bogus-token")).unwrap();

    let created = env.ok(&["model", "create", "after-relogin"]);
    assert!(created.contains("after-relogin"), "{created}");
    let fresh = cached_token(&env).unwrap();
    assert_ne!(fresh, "bogus-token");
    assert_eq!(
        env.json(&["model", "list"])["models"][0]["name"],
        "after-relogin"
    );
}

#[test]
fn login_logout_and_bad_credentials() {
    let env = Env::start();
    let out = env.ok(&["login"]);
    assert_eq!(
        out,
        format!("Logged in to {} as determined.\n", env.server.url())
    );
    let token = cached_token(&env).unwrap();

    let out = env.ok(&["logout"]);
    assert_eq!(
        out,
        format!("Logged determined out of {}.\n", env.server.url())
    );
    assert_eq!(cached_token(&env), None);
    assert_eq!(
        env.ok(&["logout"]),
        format!("Not logged in to {}.\n", env.server.url())
    );
    // The old token is dead on the server too.
    let client = modelreg_client::blocking::Client::with_token(&env.server.url(), token).unwrap();
    assert!(client.me().unwrap_err().is_unauthenticated());

    let run = env
        .command()
        .args(["whoami"])
        .env("MODELREG_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: invalid credentials: wrong username or password\n"
    );
    let run = env
        .command()
        .args(["login", "--user", "nobody"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn an_unreachable_server_is_one_clear_line() {
    let env = Env::start();
    let run = env
        .command()
        .args(["model", "list", "--server", "http://127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot reach the server: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(run.stdout.is_empty());
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = Env::start();
    for i in 0..30 {
        env.ok(&["model", "create", &format!("model-{i}")]);
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_modelreg"))
        .args(["model", "list"])
        .env("MODELREG_SERVER", env.server.url())
        .env("MODELREG_CONFIG_DIR", env.config.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
