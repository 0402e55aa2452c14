//! The blocking model handle.

use super::versions::RegisteredVersion;
use crate::error::Result;
use modelreg_types::{
    Model, ModelVersionsResponse, PatchModelRequest, RegisterVersionRequest, VersionQuery,
};
use serde::Serialize;
use std::sync::Arc;
use tokio::runtime::Runtime;

/// A model in the registry and the client to change it with; the blocking
/// twin of [`crate::RegisteredModel`]. It derefs to the [`Model`] data as
/// last seen.
#[derive(Debug, Clone)]
pub struct RegisteredModel {
    pub(super) inner: crate::RegisteredModel,
    pub(super) rt: Arc<Runtime>,
}

impl std::ops::Deref for RegisteredModel {
    type Target = Model;

    fn deref(&self) -> &Model {
        self.inner.model()
    }
}

impl RegisteredModel {
    /// The model's data as last seen.
    pub fn model(&self) -> &Model {
        self.inner.model()
    }

    /// The model's data, without the client.
    pub fn into_model(self) -> Model {
        self.inner.into_model()
    }

    /// The async handle inside.
    pub fn as_async(&self) -> &crate::RegisteredModel {
        &self.inner
    }

    fn version_handle(&self, inner: crate::RegisteredVersion) -> RegisteredVersion {
        RegisteredVersion {
            inner,
            rt: self.rt.clone(),
        }
    }

    /// Reads the model again from the server.
    pub fn refresh(&mut self) -> Result<()> {
        self.rt.block_on(self.inner.refresh())
    }

    /// Merges top-level keys into the model's metadata; see [`crate::RegisteredModel::add_metadata`].
    pub fn add_metadata<T: Serialize + ?Sized>(&mut self, metadata: &T) -> Result<()> {
        self.rt.block_on(self.inner.add_metadata(metadata))
    }

    /// Removes top-level keys from the model's metadata.
    pub fn remove_metadata<I, S>(&mut self, keys: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rt.block_on(self.inner.remove_metadata(keys))
    }

    /// Changes any of the model's fields at once; see [`crate::RegisteredModel::patch`].
    pub fn patch(&mut self, patch: PatchModelRequest) -> Result<()> {
        self.rt.block_on(self.inner.patch(patch))
    }

    /// Replaces the model's labels.
    pub fn set_labels<I, S>(&mut self, labels: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rt.block_on(self.inner.set_labels(labels))
    }

    /// Replaces the model's description.
    pub fn set_description(&mut self, description: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_description(description))
    }

    /// Replaces the model's notes.
    pub fn set_notes(&mut self, notes: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_notes(notes))
    }

    /// Renames the model.
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        self.rt.block_on(self.inner.set_name(name))
    }

    /// Archives the model: it takes no new versions.
    pub fn archive(&mut self) -> Result<()> {
        self.rt.block_on(self.inner.archive())
    }

    /// Unarchives the model.
    pub fn unarchive(&mut self) -> Result<()> {
        self.rt.block_on(self.inner.unarchive())
    }

    /// Deletes the model and all its versions.
    pub fn delete(self) -> Result<()> {
        self.rt.block_on(self.inner.delete())
    }

    /// Registers a completed checkpoint as the model's next version.
    pub fn register_version(&mut self, checkpoint_uuid: &str) -> Result<RegisteredVersion> {
        let version = self
            .rt
            .block_on(self.inner.register_version(checkpoint_uuid))?;
        Ok(self.version_handle(version))
    }

    /// Registers a version with a name, comment, metadata, labels or notes.
    pub fn register_version_with(
        &mut self,
        request: RegisterVersionRequest,
    ) -> Result<RegisteredVersion> {
        let version = self
            .rt
            .block_on(self.inner.register_version_with(request))?;
        Ok(self.version_handle(version))
    }

    /// A version by number, or the latest for `None`; see [`crate::RegisteredModel::get_version`].
    pub fn get_version(&self, version: Option<i32>) -> Result<RegisteredVersion> {
        let version = self.rt.block_on(self.inner.get_version(version))?;
        Ok(self.version_handle(version))
    }

    /// The version with the highest number, or `None` when the model has none.
    pub fn latest_version(&self) -> Result<Option<RegisteredVersion>> {
        let version = self.rt.block_on(self.inner.latest_version())?;
        Ok(version.map(|v| self.version_handle(v)))
    }

    /// Every version of the model, newest first, fetching all pages.
    pub fn get_versions(&self) -> Result<Vec<RegisteredVersion>> {
        let versions = self.rt.block_on(self.inner.get_versions())?;
        Ok(versions
            .into_iter()
            .map(|v| self.version_handle(v))
            .collect())
    }

    /// One page of versions, as the server answers it.
    pub fn list_versions(&self, query: &VersionQuery) -> Result<ModelVersionsResponse> {
        self.rt.block_on(self.inner.list_versions(query))
    }
}
