//! The blocking version handle.

use crate::error::Result;
use crate::DownloadOptions;
use modelreg_types::{Checkpoint, CheckpointFile, ModelVersion, PatchVersionRequest};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use tokio::runtime::Runtime;

/// One version of a model and the client to change it with; the blocking
/// twin of [`crate::RegisteredVersion`]. It derefs to the [`ModelVersion`]
/// data as last seen.
#[derive(Debug, Clone)]
pub struct RegisteredVersion {
    pub(super) inner: crate::RegisteredVersion,
    pub(super) rt: Arc<Runtime>,
}

impl std::ops::Deref for RegisteredVersion {
    type Target = ModelVersion;

    fn deref(&self) -> &ModelVersion {
        self.inner.model_version()
    }
}

impl RegisteredVersion {
    /// The version's data as last seen.
    pub fn model_version(&self) -> &ModelVersion {
        self.inner.model_version()
    }

    /// The version's data, without the client.
    pub fn into_model_version(self) -> ModelVersion {
        self.inner.into_model_version()
    }

    /// The async handle inside.
    pub fn as_async(&self) -> &crate::RegisteredVersion {
        &self.inner
    }

    /// The version number within its model.
    pub fn number(&self) -> i32 {
        self.inner.number()
    }

    /// The checkpoint this version points at.
    pub fn checkpoint(&self) -> &Checkpoint {
        self.inner.checkpoint()
    }

    /// Downloads the version's checkpoint into `dir`, verified; see
    /// [`crate::Client::download_checkpoint`].
    ///
    /// ```no_run
    /// let client = modelreg_client::blocking::Client::login("http://127.0.0.1:8080", "determined", "")?;
    /// client.get_model("mnist_cnn")?.get_version(None)?.download("./serving/mnist")?;
    /// # Ok::<(), modelreg_client::ClientError>(())
    /// ```
    pub fn download(&self, dir: impl AsRef<Path>) -> Result<Vec<CheckpointFile>> {
        self.rt.block_on(self.inner.download(dir))
    }

    /// [`RegisteredVersion::download`] with options, e.g. a progress hook.
    pub fn download_with(
        &self,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<Vec<CheckpointFile>> {
        self.rt.block_on(self.inner.download_with(dir, options))
    }

    /// Reads the version again from the server.
    pub fn refresh(&mut self) -> Result<()> {
        self.rt.block_on(self.inner.refresh())
    }

    /// Changes any of the version's fields at once; see [`crate::RegisteredVersion::patch`].
    pub fn patch(&mut self, patch: PatchVersionRequest) -> Result<()> {
        self.rt.block_on(self.inner.patch(patch))
    }

    /// Replaces the version's name.
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_name(name))
    }

    /// Replaces the version's comment.
    pub fn set_comment(&mut self, comment: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_comment(comment))
    }

    /// Replaces the version's notes.
    pub fn set_notes(&mut self, notes: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_notes(notes))
    }

    /// Replaces the version's labels.
    pub fn set_labels<I, S>(&mut self, labels: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rt.block_on(self.inner.set_labels(labels))
    }

    /// Merges top-level keys into the version's metadata, atomically on the server.
    pub fn add_metadata<T: Serialize + ?Sized>(&mut self, metadata: &T) -> Result<()> {
        self.rt.block_on(self.inner.add_metadata(metadata))
    }

    /// Removes top-level keys from the version's metadata, atomically on the server.
    pub fn remove_metadata<I, S>(&mut self, keys: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rt.block_on(self.inner.remove_metadata(keys))
    }

    /// Deletes the version. Its number is not handed out again.
    pub fn delete(self) -> Result<()> {
        self.rt.block_on(self.inner.delete())
    }
}
