//! Shared pieces of the SDK's end-to-end tests.

#![allow(dead_code)]

use modelreg_client::{to_metadata, CreateCheckpointRequest};
use serde_json::json;

/// A completed checkpoint record, as training would report it.
pub fn checkpoint(steps: i64) -> CreateCheckpointRequest {
    CreateCheckpointRequest {
        metadata: Some(
            to_metadata(
                &json!({"framework": "torch-2.4", "format": "pt", "steps_completed": steps}),
            )
            .unwrap(),
        ),
        resources: [
            ("model.pt".to_string(), 1000 + steps),
            ("config.yaml".to_string(), 42),
        ]
        .into(),
        ..Default::default()
    }
}

/// Names of a list of things that deref to a model.
pub fn names<T: std::ops::Deref<Target = modelreg_client::Model>>(models: &[T]) -> Vec<String> {
    models.iter().map(|m| m.name.clone()).collect()
}

/// Bytes that do not compress: a xorshift stream from `seed`.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Writes a checkpoint folder with nested files, an empty file, names that
/// need percent-encoding and a few-MB file; returns path -> bytes.
pub fn write_tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let files: std::collections::BTreeMap<String, Vec<u8>> = [
        ("weights/model.bin", noise(3 * 1024 * 1024 + 17, 7)),
        ("config.json", br#"{"layers": 3}"#.to_vec()),
        (
            "tokenizer/vocab files/100% sure #1?.txt",
            b"a b c\n".to_vec(),
        ),
        (
            "tokenizer/h\u{e9}llo w\u{f6}rld.txt",
            "\u{1f600}".as_bytes().to_vec(),
        ),
        ("empty.txt", Vec::new()),
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

/// Every file under `dir` (hidden ones included): path -> bytes.
pub fn read_tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn visit(
        root: &std::path::Path,
        dir: &std::path::Path,
        out: &mut std::collections::BTreeMap<String, Vec<u8>>,
    ) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                let name: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_str().unwrap())
                    .collect();
                out.insert(name.join("/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    visit(dir, dir, &mut out);
    out
}

/// Every entry directly in `dir`, by name (to spot leftovers such as staging folders).
pub fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
