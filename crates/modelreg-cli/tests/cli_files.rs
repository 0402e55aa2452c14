//! `modelreg checkpoint upload/download/files/delete/register-external` and
//! `modelreg model download` against a real server.

mod common;

use common::Env;
use std::collections::BTreeMap;
use std::path::Path;

/// Writes nested files, one of a few MB; returns path -> bytes.
fn write_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let big: Vec<u8> = (0..2 * 1024 * 1024 + 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let files: BTreeMap<String, Vec<u8>> = [
        ("model/weights.bin", big),
        ("model/config.json", br#"{"layers": 3}"#.to_vec()),
        ("tokenizer/vocab 1%.txt", b"a b c\n".to_vec()),
        ("README.md", b"# checkpoint\n".to_vec()),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_string(), b))
    .collect();
    for (path, bytes) in &files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    files
}

/// Every file under `dir`: path -> bytes.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_str().unwrap();
                out.insert(relative.replace('\\', "/"), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[test]
fn upload_prints_the_uuid_and_download_reproduces_the_tree() {
    let env = Env::start();
    let source = tempfile::tempdir().unwrap();
    let tree = write_tree(source.path());
    let dir = source.path().to_str().unwrap();

    // Piped, so no progress bar: stdout is the uuid alone and stderr is empty.
    let printed = env.ok(&[
        "checkpoint",
        "upload",
        dir,
        "--framework",
        "torch-2.4",
        "--format",
        "safetensors",
        "--metadata",
        r#"{"steps_completed": 100}"#,
    ]);
    let uuid = printed.strip_suffix('\n').expect("a line");
    assert!(is_uuid(uuid), "{printed:?}");

    let described = env.json(&["checkpoint", "describe", uuid]);
    let checkpoint = &described["checkpoint"];
    assert_eq!(checkpoint["state"], "STATE_COMPLETED");
    assert_eq!(checkpoint["storage"], "managed");
    assert_eq!(checkpoint["metadata"]["framework"], "torch-2.4");
    assert_eq!(checkpoint["metadata"]["format"], "safetensors");
    assert_eq!(checkpoint["metadata"]["steps_completed"], 100);
    assert_eq!(
        checkpoint["resources"]["model/weights.bin"],
        (2 * 1024 * 1024 + 3).to_string()
    );

    let target = tempfile::tempdir().unwrap();
    let out = target.path().join("out");
    let said = env.ok(&["checkpoint", "download", uuid, "-o", out.to_str().unwrap()]);
    assert!(said.contains("4 file(s)"), "{said}");
    assert_eq!(read_tree(&out), tree);

    let files = env.ok(&["checkpoint", "files", uuid]);
    assert!(files.contains("tokenizer/vocab 1%.txt"), "{files}");
    let listed = env.json(&["checkpoint", "files", uuid]);
    assert_eq!(listed["files"].as_array().unwrap().len(), 4);
    assert_eq!(listed["files"][0]["path"], "README.md");
}

#[test]
fn upload_with_json_prints_the_checkpoint() {
    let env = Env::start();
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("model.pt"), b"weights").unwrap();
    let printed = env.json(&["checkpoint", "upload", source.path().to_str().unwrap()]);
    let checkpoint = &printed["checkpoint"];
    assert!(is_uuid(checkpoint["uuid"].as_str().unwrap()), "{printed}");
    assert_eq!(
        checkpoint["resources"],
        serde_json::json!({"model.pt": "7"})
    );
}

#[test]
fn model_download_fetches_the_latest_version_or_the_one_named() {
    let env = Env::start();
    env.ok(&["model", "create", "mnist_cnn"]);
    let source = tempfile::tempdir().unwrap();
    let dir = source.path().to_str().unwrap();
    for epoch in ["epoch 1", "epoch 2"] {
        std::fs::write(source.path().join("model.pt"), epoch).unwrap();
        let uuid = env.ok(&["checkpoint", "upload", dir]);
        env.ok(&["model", "register-version", "mnist_cnn", uuid.trim()]);
    }

    let latest = tempfile::tempdir().unwrap();
    let said = env.ok(&[
        "model",
        "download",
        "mnist_cnn",
        "-o",
        latest.path().to_str().unwrap(),
    ]);
    assert!(said.contains("version 2 of \"mnist_cnn\""), "{said}");
    assert_eq!(read_tree(latest.path())["model.pt"], b"epoch 2");

    let first = tempfile::tempdir().unwrap();
    let out = first.path().to_str().unwrap();
    let listed = env.json(&[
        "model",
        "download",
        "mnist_cnn",
        "--version",
        "1",
        "-o",
        out,
    ]);
    assert_eq!(listed["files"][0]["path"], "model.pt");
    assert_eq!(read_tree(first.path())["model.pt"], b"epoch 1");

    let err = env.fails(
        1,
        &[
            "model",
            "download",
            "mnist_cnn",
            "--version",
            "9",
            "-o",
            out,
        ],
    );
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn a_referenced_checkpoint_is_not_deleted_and_a_free_one_is() {
    let env = Env::start();
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("model.pt"), b"weights").unwrap();
    let dir = source.path().to_str().unwrap();
    let kept = env.ok(&["checkpoint", "upload", dir]).trim().to_string();
    let free = env.ok(&["checkpoint", "upload", dir]).trim().to_string();
    env.ok(&["model", "create", "m"]);
    env.ok(&["model", "register-version", "m", &kept]);

    let err = env.fails(1, &["checkpoint", "delete", &kept]);
    assert!(err.contains("model version"), "{err}");
    assert_eq!(
        env.ok(&["checkpoint", "delete", &free]),
        format!("Deleted checkpoint {free}.\n")
    );
    let err = env.fails(1, &["checkpoint", "describe", &free]);
    assert!(err.contains(&free), "{err}");
    env.ok(&["checkpoint", "describe", &kept]);
}

#[test]
fn an_external_checkpoint_registers_and_cannot_be_downloaded() {
    let env = Env::start();
    let created = env.json(&[
        "checkpoint",
        "register-external",
        "s3://bucket/run-7/",
        "--resources",
        r#"{"model.safetensors": "5000000000", "config.json": 12}"#,
        "--metadata",
        r#"{"framework": "jax"}"#,
    ]);
    let checkpoint = &created["checkpoint"];
    assert_eq!(checkpoint["storage"], "external");
    assert_eq!(checkpoint["externalUri"], "s3://bucket/run-7/");
    assert_eq!(checkpoint["resources"]["model.safetensors"], "5000000000");
    let uuid = checkpoint["uuid"].as_str().unwrap();
    let table = env.ok(&["checkpoint", "describe", uuid]);
    assert!(table.contains("s3://bucket/run-7/"), "{table}");

    let target = tempfile::tempdir().unwrap();
    let out = target.path().join("out");
    let err = env.fails(
        1,
        &["checkpoint", "download", uuid, "-o", out.to_str().unwrap()],
    );
    assert!(err.contains("external"), "{err}");
    assert!(!out.exists(), "a refused download created its folder");
}

#[test]
fn upload_failures_say_which_file_or_folder() {
    let env = Env::start();
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("back\\slash.bin"), b"x").unwrap();
    let err = env.fails(
        1,
        &["checkpoint", "upload", source.path().to_str().unwrap()],
    );
    assert!(err.contains(r#""back\\slash.bin""#), "{err}");
    let missing = source.path().join("missing");
    let err = env.fails(1, &["checkpoint", "upload", missing.to_str().unwrap()]);
    assert!(err.contains("missing"), "{err}");
    assert_eq!(
        env.json(&["checkpoint", "list"])["checkpoints"],
        serde_json::json!([])
    );
}
