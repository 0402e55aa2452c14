//! `modelreg user ...`, `modelreg token ...`, roles, `MODELREG_TOKEN` and
//! `--ca-file`, against a real server.

mod common;

use assert_cmd::Command;
use common::{Env, Run};
use modelreg_server::testing::TestServer;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs the binary as `user` (with `password`), with extra variables and
/// stdin, none of the security variables inherited.
fn run_as(
    env: &Env,
    user: &str,
    password: &str,
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: &str,
) -> Run {
    let mut cmd = env.command();
    cmd.env("MODELREG_USER", user)
        .env("MODELREG_PASSWORD", password)
        .env_remove("MODELREG_TOKEN")
        .env_remove("MODELREG_NEW_PASSWORD")
        .env_remove("MODELREG_CA_FILE")
        .args(args)
        .write_stdin(stdin);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    finish(cmd)
}

fn finish(mut cmd: Command) -> Run {
    let output = cmd.output().expect("run modelreg");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Runs a command as the built-in admin; it must succeed quietly.
fn admin(env: &Env, args: &[&str]) -> String {
    admin_with(env, args, &[], "")
}

fn admin_with(env: &Env, args: &[&str], vars: &[(&str, &str)], stdin: &str) -> String {
    let run = run_as(env, "admin", "", args, vars, stdin);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (0, ""),
        "modelreg {args:?}: {run:?}"
    );
    run.stdout
}

fn ok(run: Run) -> String {
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    run.stdout
}

/// A failure: exit 1, nothing on stdout, one error line on stderr; returns it.
fn fails(run: Run) -> String {
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    run.stderr
}

fn usernames(list: &Value) -> Vec<String> {
    list["users"]
        .as_array()
        .expect("a user list")
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn admins_create_list_deactivate_activate_and_set_roles() {
    let env = Env::start();
    let out = admin_with(
        &env,
        &["user", "create", "vera", "--role", "viewer"],
        &[("MODELREG_NEW_PASSWORD", "vera pw")],
        "",
    );
    assert_eq!(out, "Created user vera (viewer).\n");
    // Without MODELREG_NEW_PASSWORD, the first line of stdin is the password.
    let out = admin_with(&env, &["user", "create", "eddie"], &[], "eddie pw\n");
    assert_eq!(out, "Created user eddie (editor).\n");
    ok(run_as(&env, "eddie", "eddie pw", &["whoami"], &[], ""));
    ok(run_as(&env, "vera", "vera pw", &["whoami"], &[], ""));

    let table = admin(&env, &["user", "list"]);
    for needle in ["vera", "eddie", "viewer", "editor", "admin", "determined"] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    let listed: Value = serde_json::from_str(&admin(&env, &["user", "list", "--json"])).unwrap();
    assert_eq!(usernames(&listed), ["admin", "determined", "vera", "eddie"]);
    assert_eq!(listed["pagination"]["total"], 4);

    assert_eq!(
        admin(&env, &["user", "set-role", "vera", "admin"]),
        "User vera is now an admin.\n"
    );
    let vera: Value = serde_json::from_str(&admin(
        &env,
        &["user", "set-role", "vera", "editor", "--json"],
    ))
    .unwrap();
    assert_eq!(
        (&vera["user"]["role"], &vera["user"]["admin"]),
        (&Value::from("editor"), &Value::from(false))
    );

    assert_eq!(
        admin(&env, &["user", "deactivate", "vera"]),
        "Deactivated user vera.\n"
    );
    let active: Value = serde_json::from_str(&admin(&env, &["user", "list", "--json"])).unwrap();
    assert_eq!(usernames(&active), ["admin", "determined", "eddie"]);
    let all: Value =
        serde_json::from_str(&admin(&env, &["user", "list", "--all", "--json"])).unwrap();
    assert_eq!(usernames(&all).len(), 4);
    fails(run_as(&env, "vera", "vera pw", &["whoami"], &[], ""));
    assert_eq!(
        admin(&env, &["user", "activate", "vera"]),
        "Activated user vera.\n"
    );
    ok(run_as(&env, "vera", "vera pw", &["whoami"], &[], ""));

    // Bad input is refused before anything is sent, or by the server.
    let err = fails(run_as(
        &env,
        "admin",
        "",
        &["user", "create", "nopw"],
        &[],
        "",
    ));
    assert!(err.contains("MODELREG_NEW_PASSWORD"), "{err}");
    let err = fails(run_as(
        &env,
        "admin",
        "",
        &["user", "create", "vera"],
        &[("MODELREG_NEW_PASSWORD", "x")],
        "",
    ));
    assert!(err.contains("already exists"), "{err}");
    let err = fails(run_as(
        &env,
        "admin",
        "",
        &["user", "deactivate", "nobody"],
        &[],
        "",
    ));
    assert!(err.contains("not found"), "{err}");
    let run = run_as(
        &env,
        "admin",
        "",
        &["user", "set-role", "vera", "owner"],
        &[],
        "",
    );
    assert_eq!(run.code, 2, "a usage error: {run:?}");
}

#[test]
fn a_viewer_is_refused_writes_with_exit_1_and_a_clear_message() {
    let env = Env::start();
    admin_with(
        &env,
        &["user", "create", "vera", "--role", "viewer"],
        &[("MODELREG_NEW_PASSWORD", "pw")],
        "",
    );
    admin(&env, &["model", "create", "shared"]);

    let as_vera = |args: &[&str]| run_as(&env, "vera", "pw", args, &[], "");
    assert!(ok(as_vera(&["model", "list"])).contains("shared"));
    for args in [
        &["model", "create", "mine"][..],
        &["model", "update", "shared", "-d", "changed"],
        &["model", "delete", "shared"],
        &["model", "archive", "shared"],
    ] {
        let err = fails(as_vera(args));
        assert_eq!(
            err, "error: user vera is a viewer and this needs the editor role\n",
            "{args:?}"
        );
    }
    let err = fails(run_as(
        &env,
        "vera",
        "pw",
        &["user", "create", "x"],
        &[("MODELREG_NEW_PASSWORD", "pw")],
        "",
    ));
    assert!(err.contains("viewer") && err.contains("admin"), "{err}");
    let err = fails(as_vera(&["user", "set-role", "vera", "admin"]));
    assert!(err.contains("administrator"), "{err}");
    assert!(ok(as_vera(&["model", "list"])).contains("shared"));
    let shared: Value =
        serde_json::from_str(&ok(as_vera(&["model", "describe", "shared", "--json"]))).unwrap();
    assert_eq!(shared["model"]["description"], "", "nothing changed");
}

#[test]
fn only_the_owner_or_an_admin_deletes_a_model() {
    let env = Env::start();
    for name in ["owner", "other"] {
        admin_with(
            &env,
            &["user", "create", name],
            &[("MODELREG_NEW_PASSWORD", "pw")],
            "",
        );
    }
    ok(run_as(
        &env,
        "owner",
        "pw",
        &["model", "create", "owned"],
        &[],
        "",
    ));
    ok(run_as(
        &env,
        "owner",
        "pw",
        &["model", "create", "second"],
        &[],
        "",
    ));
    let err = fails(run_as(
        &env,
        "other",
        "pw",
        &["model", "delete", "owned"],
        &[],
        "",
    ));
    assert!(
        err.contains("owner") || err.contains("permission") || err.contains("may"),
        "{err}"
    );
    ok(run_as(
        &env,
        "owner",
        "pw",
        &["model", "delete", "owned"],
        &[],
        "",
    ));
    admin(&env, &["model", "delete", "second"]);
    let left: Value = serde_json::from_str(&admin(&env, &["model", "list", "--json"])).unwrap();
    assert_eq!(left["models"], Value::Array(vec![]));
}

#[test]
fn a_token_is_printed_once_used_as_modelreg_token_listed_and_revoked() {
    let env = Env::start();
    let run = run_as(
        &env,
        "determined",
        "",
        &["token", "create", "nightly", "--expires-in", "30d"],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let secret = run.stdout.trim_end().to_string();
    assert_eq!(
        run.stdout,
        format!("{secret}\n"),
        "the secret alone on stdout"
    );
    assert!(secret.starts_with("mrt_"), "{secret}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(run.stderr.contains("cannot be shown again"), "{run:?}");
    assert!(
        !run.stderr.contains(&secret),
        "the warning does not repeat the secret"
    );

    // A fresh config folder: no cached session, so only the token can work.
    let other = tempfile::tempdir().unwrap();
    let with_token = |args: &[&str]| {
        let mut cmd = env.command();
        cmd.env("MODELREG_CONFIG_DIR", other.path())
            .env("MODELREG_USER", "admin")
            .env("MODELREG_PASSWORD", "not the admin's password")
            .env("MODELREG_TOKEN", &secret)
            .args(args);
        finish(cmd)
    };
    assert_eq!(ok(with_token(&["whoami"])), "determined\n");
    ok(with_token(&["model", "create", "from-ci"]));
    assert!(
        !other.path().join("tokens.json").exists(),
        "an API token is not cached"
    );

    let listed: Value = serde_json::from_str(&ok(run_as(
        &env,
        "determined",
        "",
        &["token", "list", "--json"],
        &[],
        "",
    )))
    .unwrap();
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "nightly");
    assert!(tokens[0]["expiresAt"].is_string(), "{listed}");
    assert!(
        !listed.to_string().contains(&secret),
        "secrets are never listed"
    );
    let id = tokens[0]["id"].as_i64().unwrap().to_string();
    let table = ok(run_as(&env, "determined", "", &["token", "list"], &[], ""));
    assert!(
        table.contains("nightly") && table.contains("active"),
        "{table}"
    );

    let out = ok(run_as(
        &env,
        "determined",
        "",
        &["token", "revoke", &id],
        &[],
        "",
    ));
    assert_eq!(out, format!("Revoked token {id} (nightly).\n"));
    let err = fails(with_token(&["whoami"]));
    assert!(
        err.contains("MODELREG_TOKEN") && err.contains("revoked"),
        "{err}"
    );
    assert!(!err.contains(&secret), "{err}");
    let table = ok(run_as(&env, "determined", "", &["token", "list"], &[], ""));
    assert!(table.contains("revoked"), "{table}");

    // JSON output carries the secret for scripts; the warning still goes to stderr.
    let run = run_as(
        &env,
        "determined",
        "",
        &["token", "create", "json", "--json"],
        &[],
        "",
    );
    let created: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(created["token"].as_str().unwrap().starts_with("mrt_"));
    assert_eq!(created["info"]["expiresAt"], Value::Null);
    assert!(run.stderr.contains("cannot be shown again"), "{run:?}");

    let run = run_as(
        &env,
        "determined",
        "",
        &["token", "create", "x", "--expires-in", "3 days"],
        &[],
        "",
    );
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn deactivating_a_user_ends_their_cached_session_at_once() {
    let env = Env::start();
    admin_with(
        &env,
        &["user", "create", "pat"],
        &[("MODELREG_NEW_PASSWORD", "old pw")],
        "",
    );
    let pat = tempfile::tempdir().unwrap();
    let as_pat = |password: &str, args: &[&str]| {
        let mut cmd = env.command();
        cmd.env("MODELREG_CONFIG_DIR", pat.path())
            .env("MODELREG_USER", "pat")
            .env("MODELREG_PASSWORD", password)
            .env_remove("MODELREG_TOKEN")
            .args(args);
        finish(cmd)
    };
    ok(as_pat("old pw", &["login"]));
    assert_eq!(
        ok(as_pat("", &["whoami"])),
        "pat\n",
        "the cached session is used"
    );

    admin(&env, &["user", "deactivate", "pat"]);
    let err = fails(as_pat("old pw", &["whoami"]));
    assert!(
        err.contains("invalid") || err.contains("deactivated") || err.contains("credentials"),
        "{err}"
    );
    admin(&env, &["user", "activate", "pat"]);

    // set-password: the new one logs in, the old one no longer does.
    admin_with(&env, &["user", "set-password", "pat"], &[], "new pw\n");
    fails(as_pat("old pw", &["login"]));
    ok(as_pat("new pw", &["login"]));
    // Users set their own password too.
    let run = {
        let mut cmd = env.command();
        cmd.env("MODELREG_CONFIG_DIR", pat.path())
            .env("MODELREG_USER", "pat")
            .env("MODELREG_PASSWORD", "new pw")
            .env("MODELREG_NEW_PASSWORD", "newest pw")
            .args(["user", "set-password", "pat"]);
        finish(cmd)
    };
    assert_eq!(ok(run), "Changed the password of pat.\n");
    ok(as_pat("newest pw", &["login"]));
}

/// A private CA and a server certificate it signed for 127.0.0.1 and
/// localhost, as PEM files in `dir`: (CA, certificate, key).
fn private_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "modelreg test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[test]
fn https_works_with_ca_file_or_modelreg_ca_file_and_fails_clearly_without() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = private_ca(dir.path());
    let server = TestServer::start_local_with(|c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    });
    let url = server.url().replacen("http://", "https://", 1);
    let config = tempfile::tempdir().unwrap();
    let cli = |args: &[&str], vars: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelreg"));
        cmd.env("MODELREG_SERVER", &url)
            .env("MODELREG_CONFIG_DIR", config.path())
            .env_remove("MODELREG_USER")
            .env_remove("MODELREG_PASSWORD")
            .env_remove("MODELREG_TOKEN")
            .env_remove("MODELREG_CA_FILE")
            .args(args);
        for (name, value) in vars {
            cmd.env(name, value);
        }
        finish(cmd)
    };
    let ca = ca.to_str().unwrap();

    let err = fails(cli(&["whoami"], &[]));
    assert!(err.contains("certificate"), "{err}");
    assert!(
        err.contains("--ca-file"),
        "the error says what to do: {err}"
    );

    assert_eq!(ok(cli(&["--ca-file", ca, "whoami"], &[])), "determined\n");
    ok(cli(&["model", "create", "over-tls", "--ca-file", ca], &[]));
    let listed = ok(cli(&["model", "list"], &[("MODELREG_CA_FILE", ca)]));
    assert!(listed.contains("over-tls"), "{listed}");
    // The cached session is reused over TLS, and logout reaches the server too.
    ok(cli(&["logout"], &[("MODELREG_CA_FILE", ca)]));

    let err = fails(cli(&["whoami", "--ca-file", key.to_str().unwrap()], &[]));
    assert!(err.contains("no PEM certificate"), "{err}");
    let err = fails(cli(&["whoami", "--ca-file", "/nonexistent/ca.pem"], &[]));
    assert!(err.contains("/nonexistent/ca.pem"), "{err}");
}
