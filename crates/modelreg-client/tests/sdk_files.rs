//! Checkpoint files through the SDK against a real server: upload a folder,
//! download it back, by uuid and through a model version, and the refusals.

mod common;

use common::{entries, read_tree, write_tree};
use modelreg_client::{
    to_metadata, CheckpointState, CheckpointStorage, Client, ClientError, CreateModelOptions,
    DownloadOptions, Progress, UploadOptions,
};
use modelreg_server::testing::TestServer;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

async fn login(server: &TestServer) -> Client {
    Client::login(&server.url(), "determined", "")
        .await
        .expect("log in as determined")
}

/// A progress hook that remembers what it was told.
#[derive(Default)]
struct Recorder {
    total: AtomicU64,
    bytes: AtomicU64,
    files: Mutex<Vec<String>>,
    finished: AtomicUsize,
}

impl Progress for Recorder {
    fn start(&self, _files: usize, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::SeqCst);
    }
    fn file(&self, path: &str, _size: u64) {
        self.files.lock().unwrap().push(path.to_string());
    }
    fn on_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::SeqCst);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_folder_goes_up_and_comes_back_byte_for_byte() {
    let server = TestServer::start();
    let client = login(&server).await;
    let source = tempfile::tempdir().unwrap();
    let tree = write_tree(source.path());
    let total: u64 = tree.values().map(|b| b.len() as u64).sum();

    let progress = Arc::new(Recorder::default());
    let checkpoint = client
        .upload_checkpoint(
            source.path(),
            UploadOptions {
                metadata: Some(
                    to_metadata(&json!({"steps_completed": 10, "format": "x"})).unwrap(),
                ),
                framework: Some("torch-2.4".into()),
                format: Some("safetensors".into()),
                progress: Some(progress.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(checkpoint.state, CheckpointState::Completed);
    assert_eq!(checkpoint.storage, CheckpointStorage::Managed);
    assert_eq!(checkpoint.metadata["framework"], "torch-2.4");
    assert_eq!(checkpoint.metadata["format"], "safetensors");
    assert_eq!(checkpoint.metadata["steps_completed"], 10);
    let sizes: Vec<(String, i64)> = tree
        .iter()
        .map(|(p, b)| (p.clone(), b.len() as i64))
        .collect();
    assert_eq!(
        checkpoint.resources.clone().into_iter().collect::<Vec<_>>(),
        sizes
    );
    assert_eq!(progress.total.load(Ordering::SeqCst), total);
    assert_eq!(progress.bytes.load(Ordering::SeqCst), total);
    assert_eq!(
        *progress.files.lock().unwrap(),
        tree.keys().cloned().collect::<Vec<_>>()
    );
    assert_eq!(progress.finished.load(Ordering::SeqCst), 1);

    let manifest = client.checkpoint_files(&checkpoint.uuid).await.unwrap();
    let listed: Vec<(String, i64, String)> = manifest
        .iter()
        .map(|f| (f.path.clone(), f.size, f.sha256.clone()))
        .collect();
    let expected: Vec<(String, i64, String)> = tree
        .iter()
        .map(|(p, b)| (p.clone(), b.len() as i64, hex::encode(Sha256::digest(b))))
        .collect();
    assert_eq!(listed, expected);

    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("fresh/nested");
    let progress = Arc::new(Recorder::default());
    let files = client
        .download_checkpoint_with(
            &checkpoint.uuid,
            &into,
            DownloadOptions {
                progress: Some(progress.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(files, manifest);
    assert_eq!(
        read_tree(&into),
        tree,
        "the download differs from the upload"
    );
    assert_eq!(progress.bytes.load(Ordering::SeqCst), total);
    assert_eq!(progress.finished.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_download_replaces_same_named_files_and_keeps_others() {
    let server = TestServer::start();
    let client = login(&server).await;
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("model.bin"), b"new weights").unwrap();
    let checkpoint = client
        .upload_checkpoint(source.path(), UploadOptions::default())
        .await
        .unwrap();

    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("model.bin"), b"old").unwrap();
    std::fs::write(target.path().join("notes.txt"), b"mine").unwrap();
    client
        .download_checkpoint(&checkpoint.uuid, target.path())
        .await
        .unwrap();
    let tree = read_tree(target.path());
    assert_eq!(tree["model.bin"], b"new weights");
    assert_eq!(tree["notes.txt"], b"mine");
    assert_eq!(entries(target.path()), vec!["model.bin", "notes.txt"]);
}

#[test]
fn the_latest_version_downloads_in_one_call() {
    let server = TestServer::start();
    let client = modelreg_client::blocking::Client::login(&server.url(), "determined", "").unwrap();
    let mut model = client
        .create_model("mnist_cnn", CreateModelOptions::default())
        .unwrap();
    let source = tempfile::tempdir().unwrap();
    let mut uuids = Vec::new();
    for epoch in [1u8, 2] {
        std::fs::write(source.path().join("model.pt"), [epoch; 1000]).unwrap();
        let checkpoint = client
            .upload_checkpoint(source.path(), UploadOptions::default())
            .unwrap();
        model.register_version(&checkpoint.uuid).unwrap();
        uuids.push(checkpoint.uuid);
    }

    let serving = tempfile::tempdir().unwrap();
    let files = model
        .get_version(None)
        .unwrap()
        .download(serving.path())
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(read_tree(serving.path())["model.pt"], [2u8; 1000]);

    let older = tempfile::tempdir().unwrap();
    model
        .get_version(Some(1))
        .unwrap()
        .download(older.path())
        .unwrap();
    assert_eq!(read_tree(older.path())["model.pt"], [1u8; 1000]);
    assert_eq!(client.checkpoint_files(&uuids[0]).unwrap()[0].size, 1000);
}

#[tokio::test]
async fn a_path_the_server_refuses_is_an_error_naming_the_file() {
    let server = TestServer::start();
    let client = login(&server).await;
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("fine.txt"), b"ok").unwrap();
    // A legal file name on Unix, but not a checkpoint path.
    std::fs::write(source.path().join("back\\slash.bin"), b"x").unwrap();

    let err = client
        .upload_checkpoint(source.path(), UploadOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert_eq!(err.file_path(), Some("back\\slash.bin"));
    assert!(err.to_string().contains(r#""back\\slash.bin""#), "{err}");
    // The half-made checkpoint was deleted rather than left ACTIVE.
    assert_eq!(client.list_checkpoints().await.unwrap(), vec![]);
}

#[tokio::test]
async fn a_file_over_the_servers_upload_limit_is_refused_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let mut config = modelreg_server::ServerConfig::for_data_dir(data.path());
    config.max_upload_bytes = 1000;
    let server = TestServer::start_with(config);
    let client = login(&server).await;
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("small.txt"), b"fits").unwrap();
    std::fs::write(source.path().join("big.bin"), common::noise(8 << 20, 3)).unwrap();

    // The server answers 413 before reading the body; that answer, not a
    // broken connection, is what the caller sees.
    let err = client
        .upload_checkpoint(source.path(), UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413), "{err:?}");
    assert_eq!(err.file_path(), Some("big.bin"));
    assert!(err.to_string().contains("upload limit"), "{err}");
    assert_eq!(client.list_checkpoints().await.unwrap(), vec![]);
}

#[tokio::test]
async fn empty_and_missing_folders_are_refused_before_anything_is_created() {
    let server = TestServer::start();
    let client = login(&server).await;
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join("no files here")).unwrap();
    let err = client
        .upload_checkpoint(empty.path(), UploadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidInput(_)), "{err:?}");
    let missing = empty.path().join("missing");
    let err = client
        .upload_checkpoint(&missing, UploadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert_eq!(client.list_checkpoints().await.unwrap(), vec![]);
}

#[tokio::test]
async fn an_external_checkpoint_is_listed_as_given_and_not_downloadable() {
    let server = TestServer::start();
    let client = login(&server).await;
    let resources = [
        ("model.safetensors".to_string(), 5_000_000_000_i64),
        ("config.json".to_string(), 12),
    ]
    .into();
    let metadata = to_metadata(&json!({"framework": "jax"})).unwrap();
    let created = client
        .register_external_checkpoint("s3://bucket/run-7/", resources, Some(metadata))
        .await
        .unwrap();
    assert_eq!(created.storage, CheckpointStorage::External);
    assert_eq!(created.external_uri, "s3://bucket/run-7/");
    assert_eq!(created.state, CheckpointState::Completed);
    assert_eq!(created.resources["model.safetensors"], 5_000_000_000);
    assert_eq!(created.metadata["framework"], "jax");
    assert_eq!(client.get_checkpoint(&created.uuid).await.unwrap(), created);

    let mut model = client
        .create_model("external", CreateModelOptions::default())
        .await
        .unwrap();
    let version = model.register_version(&created.uuid).await.unwrap();
    let target = tempfile::tempdir().unwrap();
    let err = version.download(target.path()).await.unwrap_err();
    assert!(matches!(err, ClientError::NoFiles { .. }), "{err:?}");
    assert!(err.to_string().contains("s3://bucket/run-7/"), "{err}");
    assert!(entries(target.path()).is_empty());

    let err = client
        .register_external_checkpoint("ftp://nope", Default::default(), None)
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
}

#[tokio::test]
async fn a_referenced_checkpoint_cannot_be_deleted_and_an_unreferenced_one_can() {
    let server = TestServer::start();
    let client = login(&server).await;
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("model.pt"), b"weights").unwrap();
    let checkpoint = client
        .upload_checkpoint(source.path(), UploadOptions::default())
        .await
        .unwrap();
    let mut model = client
        .create_model("m", CreateModelOptions::default())
        .await
        .unwrap();
    let version = model.register_version(&checkpoint.uuid).await.unwrap();

    let err = client
        .delete_checkpoint(&checkpoint.uuid)
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    let target = tempfile::tempdir().unwrap();
    version.download(target.path()).await.unwrap();
    assert_eq!(read_tree(target.path())["model.pt"], b"weights");

    version.delete().await.unwrap();
    client.delete_checkpoint(&checkpoint.uuid).await.unwrap();
    let err = client.get_checkpoint(&checkpoint.uuid).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = client
        .download_checkpoint(&checkpoint.uuid, target.path())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn an_unfinished_upload_is_not_downloadable_and_completes_only_as_expected() {
    let server = TestServer::start();
    let client = login(&server).await;
    let active = client
        .create_checkpoint(modelreg_client::CreateCheckpointRequest {
            state: Some(CheckpointState::Active),
            ..Default::default()
        })
        .await
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("a.bin");
    std::fs::write(&file, b"abc").unwrap();
    let recorded = client
        .upload_checkpoint_file(&active.uuid, "dir/a.bin", &file)
        .await
        .unwrap();
    assert_eq!(recorded.size, 3);
    assert_eq!(recorded.sha256, hex::encode(Sha256::digest(b"abc")));

    let err = client
        .download_checkpoint(&active.uuid, local.path().join("out"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NoFiles { .. }), "{err:?}");
    assert!(err.to_string().contains("STATE_ACTIVE"), "{err}");

    let wrong = [("dir/a.bin".to_string(), hex::encode(Sha256::digest(b"abd")))].into();
    let err = client
        .complete_checkpoint(&active.uuid, Some(wrong))
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    let right = [("dir/a.bin".to_string(), recorded.sha256.clone())].into();
    let done = client
        .complete_checkpoint(&active.uuid, Some(right))
        .await
        .unwrap();
    assert_eq!(done.state, CheckpointState::Completed);
    assert_eq!(done.resources["dir/a.bin"], 3);
}
