//! Uploading a local folder as a managed checkpoint.

use super::local::{io_error, walk, LocalFile};
use super::{Reporter, UploadOptions};
use crate::client::Client;
use crate::error::{ClientError, Result};
use modelreg_types::{
    Checkpoint, CheckpointFile, CheckpointFileResponse, CheckpointResponse, CheckpointState,
    CompleteCheckpointRequest, CreateCheckpointRequest,
};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Body, Method, Url};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::AsyncReadExt;

/// How much of a file is read and sent at a time.
const CHUNK: usize = 256 * 1024;

impl Client {
    /// Uploads every file under `dir` as a new checkpoint and returns it,
    /// `STATE_COMPLETED`, ready to be registered as a model version.
    ///
    /// The checkpoint is created `STATE_ACTIVE`, then each file is streamed
    /// up (in constant memory, at any size) while its SHA-256 is computed
    /// locally, and finally the checkpoint is completed with the expected
    /// manifest, which the server checks against what it received. Paths
    /// inside the checkpoint are relative to `dir`, with `/` between
    /// folders. Symbolic links are followed (a link is uploaded as the file
    /// or folder it points to; a loop of links is an error); other special
    /// files and empty folders are skipped. A folder without files is
    /// refused. If anything fails, the half-made checkpoint is deleted
    /// (best effort; the server also cleans up abandoned uploads) and the
    /// error names the file it failed on.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// use modelreg_client::UploadOptions;
    ///
    /// let checkpoint = client
    ///     .upload_checkpoint(
    ///         "./checkpoints/epoch-10",
    ///         UploadOptions {
    ///             framework: Some("torch-2.4".into()),
    ///             format: Some("safetensors".into()),
    ///             ..Default::default()
    ///         },
    ///     )
    ///     .await?;
    /// let mut model = client.get_model("mnist_cnn").await?;
    /// model.register_version(&checkpoint.uuid).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload_checkpoint(
        &self,
        dir: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<Checkpoint> {
        let dir = dir.as_ref();
        // The walk reads only metadata, so it runs inline.
        let files = walk(dir)?;
        if files.is_empty() {
            return Err(ClientError::InvalidInput(format!(
                "{} has no files to upload",
                dir.display()
            )));
        }
        let reporter = Reporter::new(options.progress.clone());
        let checkpoint = self.create_checkpoint(create_request(options)).await?;
        let result = self.upload_files(&checkpoint.uuid, &files, &reporter).await;
        reporter.finish();
        if result.is_err() {
            let _ = self.delete_checkpoint(&checkpoint.uuid).await;
        }
        result
    }

    async fn upload_files(
        &self,
        uuid: &str,
        files: &[LocalFile],
        reporter: &Reporter,
    ) -> Result<Checkpoint> {
        reporter.start(files.len(), files.iter().map(|f| f.size).sum());
        let mut expected = BTreeMap::new();
        for file in files {
            reporter.file(&file.path, file.size);
            let sent = self
                .put_file(uuid, &file.path, &file.file, file.size, reporter)
                .await
                .map_err(|e| e.in_file(&file.path))?;
            expected.insert(sent.path, sent.sha256);
        }
        self.complete_checkpoint(uuid, Some(expected)).await
    }

    /// Uploads one file into a checkpoint created `STATE_ACTIVE`, streamed
    /// from `local`; `path` is its `/`-separated path inside the checkpoint.
    /// Uploading a path again replaces it. Returns the file as the server
    /// recorded it, after checking that it recorded the bytes sent.
    /// [`Client::upload_checkpoint`] does all of this for a whole folder.
    pub async fn upload_checkpoint_file(
        &self,
        uuid: &str,
        path: &str,
        local: impl AsRef<Path>,
    ) -> Result<CheckpointFile> {
        let local = local.as_ref();
        let size = tokio::fs::metadata(local)
            .await
            .map_err(io_error(local))?
            .len();
        self.put_file(uuid, path, local, size, &Reporter::default())
            .await
            .map_err(|e| e.in_file(path))
    }

    /// Completes a checkpoint created `STATE_ACTIVE`: it becomes
    /// `STATE_COMPLETED` with the files uploaded so far and never changes
    /// again. With `expected` (path -> hex SHA-256), the server completes it
    /// only if the uploaded files are exactly those.
    pub async fn complete_checkpoint(
        &self,
        uuid: &str,
        expected: Option<BTreeMap<String, String>>,
    ) -> Result<Checkpoint> {
        let body = CompleteCheckpointRequest { files: expected };
        let answer: CheckpointResponse =
            self.post(&["checkpoints", uuid, "complete"], &body).await?;
        Ok(answer.checkpoint)
    }

    /// `.../checkpoints/{uuid}/files/{path}`, each segment of the path percent-encoded.
    pub(crate) fn file_url(&self, uuid: &str, path: &str) -> Url {
        let mut segments = vec!["checkpoints", uuid, "files"];
        segments.extend(path.split('/'));
        self.api_url(&segments)
    }

    async fn put_file(
        &self,
        uuid: &str,
        path: &str,
        local: &Path,
        size: u64,
        reporter: &Reporter,
    ) -> Result<CheckpointFile> {
        let file = tokio::fs::File::open(local)
            .await
            .map_err(io_error(local))?;
        let tap = Arc::new(Mutex::new(Tap::default()));
        let body = Body::wrap_stream(read_chunks(file, size, tap.clone(), reporter.clone()));
        let request = self
            .request(Method::PUT, self.file_url(uuid, path))
            .header(CONTENT_LENGTH, size)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let answer = self.send::<CheckpointFileResponse>(request).await;
        let mut tap = tap.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(source) = tap.error.take() {
            // A local read failed mid-stream: say that, not "cannot reach the server".
            return Err(ClientError::Io {
                path: local.to_path_buf(),
                source,
            });
        }
        let recorded = answer?.file;
        let sha256 = hex::encode(std::mem::take(&mut tap.hasher).finalize());
        if recorded.size != tap.sent as i64 || !recorded.sha256.eq_ignore_ascii_case(&sha256) {
            return Err(ClientError::Corrupt {
                path: path.to_string(),
                detail: format!(
                    "{} bytes with SHA-256 {sha256} were sent, but the server recorded {} bytes with SHA-256 {}",
                    tap.sent, recorded.size, recorded.sha256
                ),
            });
        }
        Ok(recorded)
    }
}

/// What an upload stream saw: the hash and count of the bytes sent, and a
/// local read error if one ended it.
#[derive(Default)]
struct Tap {
    hasher: Sha256,
    sent: u64,
    error: Option<io::Error>,
}

/// The first `size` bytes of `file` as a stream of chunks, hashed and
/// counted into `tap` as they are read. A file that ends early (it shrank
/// since it was measured) fails the stream, so a short file is never sent
/// as if complete.
fn read_chunks(
    file: tokio::fs::File,
    size: u64,
    tap: Arc<Mutex<Tap>>,
    reporter: Reporter,
) -> impl futures_util::Stream<Item = io::Result<Vec<u8>>> + Send + 'static {
    futures_util::stream::try_unfold((file, size), move |(mut file, remaining)| {
        let (tap, reporter) = (tap.clone(), reporter.clone());
        async move {
            if remaining == 0 {
                return Ok(None);
            }
            let mut buf = vec![0; CHUNK.min(usize::try_from(remaining).unwrap_or(CHUNK))];
            let read = match file.read(&mut buf).await {
                Ok(0) => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file shrank while it was uploaded ({remaining} bytes short)"),
                )),
                other => other,
            };
            let mut tap = tap.lock().unwrap_or_else(PoisonError::into_inner);
            let n = match read {
                Ok(n) => n,
                Err(e) => {
                    let copy = io::Error::new(e.kind(), e.to_string());
                    tap.error = Some(e);
                    return Err(copy);
                }
            };
            buf.truncate(n);
            tap.hasher.update(&buf);
            tap.sent += n as u64;
            reporter.bytes(n as u64);
            Ok(Some((buf, (file, remaining - n as u64))))
        }
    })
}

/// The create request of an upload: `STATE_ACTIVE`, with `framework` and
/// `format` written into the metadata.
fn create_request(options: UploadOptions) -> CreateCheckpointRequest {
    let mut metadata = options.metadata.unwrap_or_default();
    for (key, value) in [("framework", options.framework), ("format", options.format)] {
        if let Some(value) = value {
            metadata.insert(key.to_string(), value.into());
        }
    }
    CreateCheckpointRequest {
        uuid: options.uuid,
        task_id: options.task_id,
        metadata: Some(metadata),
        state: Some(CheckpointState::Active),
        training: options.training,
        ..CreateCheckpointRequest::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[test]
    fn each_segment_of_a_file_path_is_percent_encoded() {
        let client = Client::with_token("http://h:1", "t").unwrap();
        assert_eq!(
            client.file_url("u", "dir/a b%?#.bin").as_str(),
            "http://h:1/api/v1/checkpoints/u/files/dir/a%20b%25%3F%23.bin"
        );
    }

    #[test]
    fn framework_and_format_go_into_the_metadata() {
        let request = create_request(UploadOptions {
            metadata: Some(
                serde_json::from_str(r#"{"framework": "old", "steps_completed": 5}"#).unwrap(),
            ),
            framework: Some("torch-2.4".into()),
            format: Some("pt".into()),
            ..Default::default()
        });
        let metadata = request.metadata.unwrap();
        assert_eq!(metadata["framework"], "torch-2.4");
        assert_eq!(metadata["format"], "pt");
        assert_eq!(metadata["steps_completed"], 5);
        assert_eq!(request.state, Some(CheckpointState::Active));
        assert!(request.resources.is_empty() && request.external_uri.is_none());
    }

    async fn stream_of(bytes: &[u8], size: u64) -> (io::Result<Vec<Vec<u8>>>, Arc<Mutex<Tap>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let tap = Arc::new(Mutex::new(Tap::default()));
        let chunks = read_chunks(file, size, tap.clone(), Reporter::default())
            .try_collect()
            .await;
        (chunks, tap)
    }

    #[tokio::test]
    async fn chunks_are_hashed_and_counted_as_they_are_read() {
        let data: Vec<u8> = (0..CHUNK * 2 + 10).map(|i| (i % 251) as u8).collect();
        let (chunks, tap) = stream_of(&data, data.len() as u64).await;
        let chunks = chunks.unwrap();
        assert_eq!(chunks.concat(), data);
        let tap = tap.lock().unwrap();
        assert_eq!(tap.sent, data.len() as u64);
        assert_eq!(
            hex::encode(tap.hasher.clone().finalize()),
            hex::encode(Sha256::digest(&data))
        );
    }

    #[tokio::test]
    async fn a_file_that_shrank_fails_the_stream_and_one_that_grew_is_cut() {
        let (chunks, tap) = stream_of(b"12345", 8).await;
        assert_eq!(chunks.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert!(tap.lock().unwrap().error.is_some());
        let (chunks, _) = stream_of(b"12345", 3).await;
        assert_eq!(chunks.unwrap().concat(), b"123");
    }
}
