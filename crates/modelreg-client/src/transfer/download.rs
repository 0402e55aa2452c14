//! Downloading a checkpoint's files into a local folder, verified.

use super::local::{io_error, local_target};
use super::{DownloadOptions, Reporter};
use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::versions::RegisteredVersion;
use futures_util::StreamExt;
use modelreg_types::{Checkpoint, CheckpointFile, CheckpointState, CheckpointStorage};
use reqwest::Method;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncWriteExt, BufWriter};

/// Writes are gathered into this many bytes, so the small chunks of an HTTP
/// body do not each cost a trip to the blocking thread pool.
const WRITE_BUFFER: usize = 1024 * 1024;

impl Client {
    /// Downloads a completed checkpoint's files into `dir` (created if
    /// missing) and returns its manifest.
    ///
    /// Each file is streamed into a hidden staging folder inside `dir` while
    /// its size and SHA-256 are checked against the manifest; only when
    /// every file has arrived intact are they moved into place, replacing
    /// files of the same paths. A file that does not match is
    /// [`ClientError::Corrupt`] naming it (a file the server finds corrupt
    /// is a [`ClientError::File`] for which `is_corrupt()` is true), and a
    /// failed download leaves nothing of itself in `dir`. External and
    /// record-only checkpoints, whose files the registry does not hold, are
    /// [`ClientError::NoFiles`].
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client, uuid: &str) -> modelreg_client::Result<()> {
    /// let files = client.download_checkpoint(uuid, "./model").await?;
    /// println!("{} files", files.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download_checkpoint(
        &self,
        uuid: &str,
        dir: impl AsRef<Path>,
    ) -> Result<Vec<CheckpointFile>> {
        self.download_checkpoint_with(uuid, dir, DownloadOptions::default())
            .await
    }

    /// [`Client::download_checkpoint`] with options, e.g. a progress hook.
    pub async fn download_checkpoint_with(
        &self,
        uuid: &str,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<Vec<CheckpointFile>> {
        let checkpoint = self.get_checkpoint(uuid).await?;
        self.download_files(&checkpoint, dir.as_ref(), options)
            .await
    }

    pub(crate) async fn download_files(
        &self,
        checkpoint: &Checkpoint,
        dir: &Path,
        options: DownloadOptions,
    ) -> Result<Vec<CheckpointFile>> {
        check_downloadable(checkpoint)?;
        let uuid = checkpoint.uuid.as_str();
        let files = self.checkpoint_files(uuid).await?;
        let mut targets = Vec::with_capacity(files.len());
        for file in &files {
            if file.size < 0 {
                return Err(ClientError::Protocol(format!(
                    "the manifest gives {:?} a negative size",
                    file.path
                )));
            }
            targets.push(local_target(dir, &file.path)?);
        }
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(io_error(dir))?;
        // Removed with whatever it still holds when dropped, on success or failure.
        let staging = tempfile::Builder::new()
            .prefix(".modelreg-download-")
            .tempdir_in(dir)
            .map_err(io_error(dir))?;
        let reporter = Reporter::new(options.progress);
        reporter.start(files.len(), files.iter().map(|f| f.size as u64).sum());
        let result = self
            .fetch_all(uuid, &files, staging.path(), &reporter)
            .await;
        reporter.finish();
        let staged = result?;
        for (from, to) in staged.iter().zip(&targets) {
            move_into_place(from, to).await?;
        }
        Ok(files)
    }

    /// Fetches every file into `staging`; returns where each one went.
    async fn fetch_all(
        &self,
        uuid: &str,
        files: &[CheckpointFile],
        staging: &Path,
        reporter: &Reporter,
    ) -> Result<Vec<PathBuf>> {
        let mut staged = Vec::with_capacity(files.len());
        for file in files {
            reporter.file(&file.path, file.size as u64);
            let target = local_target(staging, &file.path)?;
            self.fetch_file(uuid, file, &target, reporter)
                .await
                .map_err(|e| e.in_file(&file.path))?;
            staged.push(target);
        }
        Ok(staged)
    }

    /// Streams one file to `target`, checking its size and SHA-256.
    async fn fetch_file(
        &self,
        uuid: &str,
        file: &CheckpointFile,
        target: &Path,
        reporter: &Reporter,
    ) -> Result<()> {
        let response = self
            .request(Method::GET, self.file_url(uuid, &file.path))
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().await?;
            return Err(ClientError::from_response(status.as_u16(), &body));
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io_error(parent))?;
        }
        let created = tokio::fs::File::create(target)
            .await
            .map_err(io_error(target))?;
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, created);
        let (mut hasher, mut got) = (Sha256::new(), 0u64);
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            got += chunk.len() as u64;
            if got > file.size as u64 {
                return Err(corrupt(file, got, "or more bytes arrived"));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(io_error(target))?;
            reporter.bytes(chunk.len() as u64);
        }
        let sha256 = hex::encode(hasher.finalize());
        if got != file.size as u64 || !sha256.eq_ignore_ascii_case(&file.sha256) {
            let detail = format!("bytes with SHA-256 {sha256} arrived");
            return Err(corrupt(file, got, &detail));
        }
        // On disk before it is renamed into place, so a crash cannot leave a
        // file of the right name with the wrong bytes.
        out.flush().await.map_err(io_error(target))?;
        out.into_inner().sync_all().await.map_err(io_error(target))
    }
}

fn corrupt(file: &CheckpointFile, got: u64, arrived: &str) -> ClientError {
    ClientError::Corrupt {
        path: file.path.clone(),
        detail: format!(
            "the manifest records {} bytes with SHA-256 {}, but {got} {arrived}",
            file.size, file.sha256
        ),
    }
}

/// Refuses checkpoints whose files the registry does not serve.
fn check_downloadable(checkpoint: &Checkpoint) -> Result<()> {
    let reason = match checkpoint.storage {
        CheckpointStorage::Managed if checkpoint.state == CheckpointState::Completed => {
            return Ok(())
        }
        CheckpointStorage::Managed => {
            format!("it is {}, not STATE_COMPLETED", checkpoint.state.name())
        }
        CheckpointStorage::External => format!(
            "it is external: its files are at {}, not in the registry",
            checkpoint.external_uri
        ),
        CheckpointStorage::Record => {
            "it is a record only: the registry holds none of its files".to_string()
        }
    };
    Err(ClientError::NoFiles {
        uuid: checkpoint.uuid.clone(),
        reason,
    })
}

async fn move_into_place(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(io_error(parent))?;
    }
    tokio::fs::rename(from, to).await.map_err(io_error(to))
}

impl RegisteredVersion {
    /// Downloads the checkpoint of this version into `dir`, verified; see
    /// [`Client::download_checkpoint`].
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// let model = client.get_model("mnist_cnn").await?;
    /// model.get_version(None).await?.download("./serving/mnist").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download(&self, dir: impl AsRef<Path>) -> Result<Vec<CheckpointFile>> {
        self.download_with(dir, DownloadOptions::default()).await
    }

    /// [`RegisteredVersion::download`] with options, e.g. a progress hook.
    pub async fn download_with(
        &self,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<Vec<CheckpointFile>> {
        self.client
            .download_files(self.checkpoint(), dir.as_ref(), options)
            .await
    }
}
