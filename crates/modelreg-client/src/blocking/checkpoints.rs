//! The blocking client's checkpoint calls, files included.

use super::Client;
use crate::error::Result;
use crate::{DownloadOptions, UploadOptions};
use modelreg_types::{
    Checkpoint, CheckpointFile, CheckpointsResponse, CreateCheckpointRequest, Metadata, PageRequest,
};
use std::collections::BTreeMap;
use std::path::Path;

impl Client {
    /// Records a checkpoint; see [`crate::Client::create_checkpoint`].
    pub fn create_checkpoint(&self, request: CreateCheckpointRequest) -> Result<Checkpoint> {
        self.run(self.inner.create_checkpoint(request))
    }

    /// A checkpoint by uuid.
    pub fn get_checkpoint(&self, uuid: &str) -> Result<Checkpoint> {
        self.run(self.inner.get_checkpoint(uuid))
    }

    /// Every checkpoint, oldest first, fetching all pages.
    pub fn list_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        self.run(self.inner.list_checkpoints())
    }

    /// One page of checkpoints, as the server answers it.
    pub fn list_checkpoints_page(&self, page: PageRequest) -> Result<CheckpointsResponse> {
        self.run(self.inner.list_checkpoints_page(page))
    }

    /// Uploads every file under `dir` as a new, completed checkpoint; see
    /// [`crate::Client::upload_checkpoint`].
    ///
    /// ```no_run
    /// use modelreg_client::blocking::Client;
    /// use modelreg_client::UploadOptions;
    ///
    /// let client = Client::login("http://127.0.0.1:8080", "determined", "")?;
    /// let options = UploadOptions { framework: Some("torch-2.4".into()), ..Default::default() };
    /// let checkpoint = client.upload_checkpoint("./checkpoints/epoch-10", options)?;
    /// client.get_model("mnist_cnn")?.register_version(&checkpoint.uuid)?;
    /// # Ok::<(), modelreg_client::ClientError>(())
    /// ```
    pub fn upload_checkpoint(
        &self,
        dir: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<Checkpoint> {
        self.run(self.inner.upload_checkpoint(dir, options))
    }

    /// Uploads one file into a checkpoint created `STATE_ACTIVE`; see
    /// [`crate::Client::upload_checkpoint_file`].
    pub fn upload_checkpoint_file(
        &self,
        uuid: &str,
        path: &str,
        local: impl AsRef<Path>,
    ) -> Result<CheckpointFile> {
        self.run(self.inner.upload_checkpoint_file(uuid, path, local))
    }

    /// Completes a checkpoint created `STATE_ACTIVE`; see
    /// [`crate::Client::complete_checkpoint`].
    pub fn complete_checkpoint(
        &self,
        uuid: &str,
        expected: Option<BTreeMap<String, String>>,
    ) -> Result<Checkpoint> {
        self.run(self.inner.complete_checkpoint(uuid, expected))
    }

    /// Downloads a completed checkpoint into `dir`, verified; see
    /// [`crate::Client::download_checkpoint`].
    pub fn download_checkpoint(
        &self,
        uuid: &str,
        dir: impl AsRef<Path>,
    ) -> Result<Vec<CheckpointFile>> {
        self.run(self.inner.download_checkpoint(uuid, dir))
    }

    /// [`Client::download_checkpoint`] with options, e.g. a progress hook.
    pub fn download_checkpoint_with(
        &self,
        uuid: &str,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<Vec<CheckpointFile>> {
        self.run(self.inner.download_checkpoint_with(uuid, dir, options))
    }

    /// The manifest of a checkpoint; see [`crate::Client::checkpoint_files`].
    pub fn checkpoint_files(&self, uuid: &str) -> Result<Vec<CheckpointFile>> {
        self.run(self.inner.checkpoint_files(uuid))
    }

    /// Registers an external checkpoint; see
    /// [`crate::Client::register_external_checkpoint`].
    pub fn register_external_checkpoint(
        &self,
        uri: &str,
        resources: BTreeMap<String, i64>,
        metadata: Option<Metadata>,
    ) -> Result<Checkpoint> {
        self.run(
            self.inner
                .register_external_checkpoint(uri, resources, metadata),
        )
    }

    /// Deletes a checkpoint no model version references, with its files.
    pub fn delete_checkpoint(&self, uuid: &str) -> Result<()> {
        self.run(self.inner.delete_checkpoint(uuid))
    }
}
