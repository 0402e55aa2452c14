//! Corrupt files are never taken as good: the server refuses to serve a
//! stored file whose bytes changed, and the SDK checks every byte it gets.

mod common;

use common::{entries, write_tree};
use modelreg_client::{Client, ClientError, UploadOptions};
use modelreg_server::testing::TestServer;
use modelreg_server::ServerConfig;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The stored blob whose bytes are `content`, under the checkpoint's folder.
fn find_blob(data_dir: &Path, uuid: &str, content: &[u8]) -> PathBuf {
    let dir = data_dir.join("artifacts/checkpoints").join(uuid);
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read(p).unwrap() == content)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "blobs with that content in {}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_stored_file_whose_bytes_changed_fails_the_download_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(ServerConfig::for_data_dir(data.path()));
    let client = Client::login(&server.url(), "determined", "")
        .await
        .unwrap();
    let source = tempfile::tempdir().unwrap();
    let tree = write_tree(source.path());
    let checkpoint = client
        .upload_checkpoint(source.path(), UploadOptions::default())
        .await
        .unwrap();

    let blob = find_blob(data.path(), &checkpoint.uuid, &tree["weights/model.bin"]);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[1_000_000] ^= 0x01;
    std::fs::write(&blob, bytes).unwrap();

    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("keep.txt"), b"mine").unwrap();
    let err = client
        .download_checkpoint(&checkpoint.uuid, target.path())
        .await
        .unwrap_err();
    assert!(err.is_corrupt(), "{err:?}");
    assert_eq!(err.file_path(), Some("weights/model.bin"));
    assert!(err.to_string().contains("weights/model.bin"), "{err}");
    // Nothing of the download stays: not the good files, not the bad one,
    // not the staging folder.
    assert_eq!(entries(target.path()), vec!["keep.txt"]);
}

/// A fake server: answers each `GET path` from the table, then closes.
fn fake_server(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"{}".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A server whose manifest lists `good.bin` and `sub/bad.bin`, and that
/// serves `served` as the bytes of `sub/bad.bin`.
fn lying_server(manifest_path: &str, served: &[u8]) -> String {
    let checkpoint = json!({"checkpoint": {
        "uuid": "u1", "state": "STATE_COMPLETED", "storage": "managed",
        "resources": {"good.bin": "4", manifest_path: "5"}
    }});
    let files = json!({"files": [
        {"path": "good.bin", "size": "4", "sha256": sha(b"good")},
        {"path": manifest_path, "size": "5", "sha256": sha(b"hello")},
    ]});
    let json = |v: serde_json::Value| serde_json::to_vec(&v).unwrap();
    fake_server(vec![
        ("/api/v1/checkpoints/u1".into(), json(checkpoint)),
        ("/api/v1/checkpoints/u1/files".into(), json(files)),
        (
            "/api/v1/checkpoints/u1/files/good.bin".into(),
            b"good".to_vec(),
        ),
        (
            "/api/v1/checkpoints/u1/files/sub/bad.bin".into(),
            served.to_vec(),
        ),
    ])
}

#[tokio::test]
async fn bytes_that_do_not_match_the_manifest_are_corrupt_and_not_kept() {
    for served in [&b"hellO"[..], b"hell", b"hello!"] {
        let client = Client::with_token(&lying_server("sub/bad.bin", served), "t").unwrap();
        let target = tempfile::tempdir().unwrap();
        let err = client
            .download_checkpoint("u1", target.path())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ClientError::Corrupt { path, .. } if path == "sub/bad.bin"),
            "{served:?}: {err:?}"
        );
        assert!(err.is_corrupt());
        assert!(err.to_string().contains("sub/bad.bin"), "{err}");
        assert!(
            entries(target.path()).is_empty(),
            "{:?}",
            entries(target.path())
        );
    }
    // The same server with the right bytes: the check passes.
    let client = Client::with_token(&lying_server("sub/bad.bin", b"hello"), "t").unwrap();
    let target = tempfile::tempdir().unwrap();
    client
        .download_checkpoint("u1", target.path())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(target.path().join("sub/bad.bin")).unwrap(),
        b"hello"
    );
}

#[tokio::test]
async fn a_manifest_path_that_leaves_the_folder_is_refused() {
    let client = Client::with_token(&lying_server("../escape.bin", b"hello"), "t").unwrap();
    let outer = tempfile::tempdir().unwrap();
    let target = outer.path().join("target");
    let err = client.download_checkpoint("u1", &target).await.unwrap_err();
    assert!(matches!(err, ClientError::Protocol(_)), "{err:?}");
    assert!(err.to_string().contains("../escape.bin"), "{err}");
    assert_eq!(entries(outer.path()), Vec::<String>::new());
}
