//! The SDK and the CLI stay free of the server's stack: no diesel, no actix.

use std::process::Command;

fn normal_dependencies(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(String::from))
        .collect()
}

#[test]
fn the_client_and_the_cli_never_pull_in_diesel_or_actix() {
    for package in ["modelreg-client", "modelreg-cli"] {
        let crates = normal_dependencies(package);
        assert!(
            crates.iter().any(|c| c == "reqwest"),
            "{package}: the tree was not read: {crates:?}"
        );
        let server_side: Vec<&String> = crates
            .iter()
            .filter(|c| {
                c.starts_with("diesel") || c.starts_with("actix") || c.as_str() == "modelreg-store"
            })
            .collect();
        assert!(
            server_side.is_empty(),
            "{package} depends on {server_side:?}"
        );
    }
}
