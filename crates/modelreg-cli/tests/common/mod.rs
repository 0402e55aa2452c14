//! Runs the `modelreg` binary against a real server with its own config folder.

#![allow(dead_code)]

use assert_cmd::Command;
use modelreg_server::testing::TestServer;
use serde_json::Value;
use std::path::PathBuf;

/// A server and a config folder (for the token cache), both fresh.
pub struct Env {
    pub server: TestServer,
    pub config: tempfile::TempDir,
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn start() -> Env {
        Env {
            server: TestServer::start(),
            config: tempfile::tempdir().expect("a temp config dir"),
        }
    }

    /// The binary, pointed at the server and the config folder, with no
    /// user or password from the caller's environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelreg"));
        cmd.env("MODELREG_SERVER", self.server.url())
            .env("MODELREG_CONFIG_DIR", self.config.path())
            .env_remove("MODELREG_USER")
            .env_remove("MODELREG_PASSWORD");
        cmd
    }

    pub fn token_file(&self) -> PathBuf {
        self.config.path().join("tokens.json")
    }

    /// Runs the binary with arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command().args(args).output().expect("run modelreg");
        Run {
            code: output.status.code().expect("an exit code"),
            stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
        }
    }

    /// Runs a command that must succeed quietly; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, ""),
            "modelreg {args:?} failed: {run:?}"
        );
        run.stdout
    }

    /// Runs a command with `--json`; returns its parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("modelreg {args:?} printed no JSON ({e}): {stdout}"))
    }

    /// Runs a command that must fail with exit code `code`; returns its stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, code, "modelreg {args:?}: {run:?}");
        assert_eq!(run.stdout, "", "modelreg {args:?} printed on failure");
        run.stderr
    }

    /// Creates a completed checkpoint with the given uuid.
    pub fn checkpoint(&self, uuid: &str, steps: u32) -> String {
        let metadata = format!(r#"{{"framework": "torch-2.4", "steps_completed": {steps}}}"#);
        let created = self.json(&[
            "checkpoint",
            "create",
            "--uuid",
            uuid,
            "--metadata",
            &metadata,
            "--resources",
            r#"{"model.pt": 1234}"#,
        ]);
        created["checkpoint"]["uuid"]
            .as_str()
            .expect("a uuid")
            .to_string()
    }
}

/// The `name` of each object in a JSON list.
pub fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON list")
        .iter()
        .map(|m| m["name"].as_str().expect("a name").to_string())
        .collect()
}

/// A uuid that differs by its last digits.
pub fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}
