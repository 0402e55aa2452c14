//! Model versions: registering checkpoints onto a model, finding versions,
//! and the [`RegisteredVersion`] handle that changes one.

use crate::client::{collect_pages, Client};
use crate::error::{ClientError, Result};
use crate::models::{to_metadata, RegisteredModel};
use crate::query;
use modelreg_types::{
    Checkpoint, MetadataChange, ModelVersion, ModelVersionResponse, ModelVersionsResponse, OrderBy,
    PatchVersionRequest, RegisterVersionRequest, VersionQuery, VersionSortBy,
};
use serde::Serialize;

impl RegisteredModel {
    /// Registers a checkpoint (which must be `STATE_COMPLETED`) as the
    /// model's next version. The registry assigns the number: one more than
    /// the highest number the model ever had, so a deleted version's number
    /// is never reused.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client, uuid: &str) -> modelreg_client::Result<()> {
    /// let mut model = client.get_model("model_name").await?;
    /// let version = model.register_version(uuid).await?;
    /// println!("registered version {}", version.version);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_version(&mut self, checkpoint_uuid: &str) -> Result<RegisteredVersion> {
        self.register_version_with(RegisterVersionRequest {
            checkpoint_uuid: checkpoint_uuid.to_string(),
            ..RegisterVersionRequest::default()
        })
        .await
    }

    /// Registers a version with a name, comment, metadata, labels or notes.
    pub async fn register_version_with(
        &mut self,
        request: RegisterVersionRequest,
    ) -> Result<RegisteredVersion> {
        let answer: ModelVersionResponse = self
            .client
            .post(&["models", &self.model.name, "versions"], &request)
            .await?;
        self.model = answer.model_version.model.clone();
        Ok(self.client.version_handle(answer.model_version))
    }

    /// A version by number, or the latest version for `None`.
    ///
    /// Asked for the latest version, a model without versions gives
    /// [`ClientError::NoVersions`] (for which `is_not_found()` is true); use
    /// [`RegisteredModel::latest_version`] to get `Ok(None)` instead. A
    /// number the model does not have is a 404 [`ClientError::Api`].
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// let model = client.get_model("model_name").await?;
    /// let specific_version = model.get_version(Some(3)).await?;
    /// let latest_version = model.get_version(None).await?;
    /// println!("{}", latest_version.checkpoint().uuid);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_version(&self, version: Option<i32>) -> Result<RegisteredVersion> {
        match version {
            Some(number) => {
                let number = number.to_string();
                let answer: ModelVersionResponse = self
                    .client
                    .get(&["models", &self.model.name, "versions", &number], &[])
                    .await?;
                Ok(self.client.version_handle(answer.model_version))
            }
            None => self
                .latest_version()
                .await?
                .ok_or_else(|| ClientError::NoVersions {
                    model: self.model.name.clone(),
                }),
        }
    }

    /// The version with the highest number, or `None` when the model has none.
    pub async fn latest_version(&self) -> Result<Option<RegisteredVersion>> {
        let query = VersionQuery {
            sort_by: VersionSortBy::Version,
            order_by: OrderBy::Desc,
            offset: 0,
            limit: 1,
        };
        let page = self.list_versions(&query).await?;
        Ok(page
            .model_versions
            .into_iter()
            .next()
            .map(|v| self.client.version_handle(v)))
    }

    /// Every version of the model, newest (highest number) first, fetching all pages.
    pub async fn get_versions(&self) -> Result<Vec<RegisteredVersion>> {
        let versions = collect_pages(|offset| async move {
            let query = VersionQuery {
                sort_by: VersionSortBy::Version,
                order_by: OrderBy::Desc,
                offset,
                limit: self.client.page_size(),
            };
            let page = self.list_versions(&query).await?;
            Ok((page.model_versions, page.pagination))
        })
        .await?;
        Ok(versions
            .into_iter()
            .map(|v| self.client.version_handle(v))
            .collect())
    }

    /// One page of versions, exactly as the server answers
    /// `GET /api/v1/models/{name}/versions`.
    pub async fn list_versions(&self, query: &VersionQuery) -> Result<ModelVersionsResponse> {
        self.client
            .get(
                &["models", &self.model.name, "versions"],
                &query::versions(query),
            )
            .await
    }
}

impl Client {
    pub(crate) fn version_handle(&self, version: ModelVersion) -> RegisteredVersion {
        RegisteredVersion {
            version,
            client: self.clone(),
        }
    }
}

/// One version of a model, and the client to change it with.
///
/// It derefs to the [`ModelVersion`] data as last seen (`version.version`,
/// `version.checkpoint`, ...). Every method that changes the version
/// refreshes that data from the server's answer.
#[derive(Debug, Clone)]
pub struct RegisteredVersion {
    pub(crate) version: ModelVersion,
    pub(crate) client: Client,
}

impl std::ops::Deref for RegisteredVersion {
    type Target = ModelVersion;

    fn deref(&self) -> &ModelVersion {
        &self.version
    }
}

impl RegisteredVersion {
    /// The version's data as last seen.
    pub fn model_version(&self) -> &ModelVersion {
        &self.version
    }

    /// The version's data, without the client.
    pub fn into_model_version(self) -> ModelVersion {
        self.version
    }

    /// The version number within its model.
    pub fn number(&self) -> i32 {
        self.version.version
    }

    /// The checkpoint this version points at.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.version.checkpoint
    }

    fn path(&self) -> [String; 3] {
        [
            self.version.model.name.clone(),
            "versions".into(),
            self.version.version.to_string(),
        ]
    }

    /// Reads the version again from the server.
    pub async fn refresh(&mut self) -> Result<()> {
        let [model, versions, number] = self.path();
        let answer: ModelVersionResponse = self
            .client
            .get(&["models", &model, &versions, &number], &[])
            .await?;
        self.version = answer.model_version;
        Ok(())
    }

    /// Changes any of the version's fields at once; `None` fields stay as
    /// they are. Metadata given here replaces the old metadata whole.
    pub async fn patch(&mut self, patch: PatchVersionRequest) -> Result<()> {
        let [model, versions, number] = self.path();
        let answer: ModelVersionResponse = self
            .client
            .patch(&["models", &model, &versions, &number], &patch)
            .await?;
        self.version = answer.model_version;
        Ok(())
    }

    /// Replaces the version's name.
    pub async fn set_name(&mut self, name: &str) -> Result<()> {
        self.patch(PatchVersionRequest {
            name: Some(name.into()),
            ..Default::default()
        })
        .await
    }

    /// Replaces the version's comment.
    pub async fn set_comment(&mut self, comment: &str) -> Result<()> {
        self.patch(PatchVersionRequest {
            comment: Some(comment.into()),
            ..Default::default()
        })
        .await
    }

    /// Replaces the version's notes.
    pub async fn set_notes(&mut self, notes: &str) -> Result<()> {
        self.patch(PatchVersionRequest {
            notes: Some(notes.into()),
            ..Default::default()
        })
        .await
    }

    /// Replaces the version's labels.
    pub async fn set_labels<I, S>(&mut self, labels: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let labels = labels.into_iter().map(Into::into).collect();
        self.patch(PatchVersionRequest {
            labels: Some(labels),
            ..Default::default()
        })
        .await
    }

    /// Merges top-level keys into the version's metadata, atomically on the server.
    pub async fn add_metadata<T: Serialize + ?Sized>(&mut self, metadata: &T) -> Result<()> {
        let change = MetadataChange {
            add: Some(to_metadata(metadata)?),
            remove: None,
        };
        self.change_metadata(&change).await
    }

    /// Removes top-level keys from the version's metadata, atomically on the server.
    pub async fn remove_metadata<I, S>(&mut self, keys: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let change = MetadataChange {
            add: None,
            remove: Some(keys.into_iter().map(Into::into).collect()),
        };
        self.change_metadata(&change).await
    }

    async fn change_metadata(&mut self, change: &MetadataChange) -> Result<()> {
        let [model, versions, number] = self.path();
        let answer: ModelVersionResponse = self
            .client
            .post(&["models", &model, &versions, &number, "metadata"], change)
            .await?;
        self.version = answer.model_version;
        Ok(())
    }

    /// Deletes the version. Its number is not handed out again.
    pub async fn delete(self) -> Result<()> {
        let [model, versions, number] = self.path();
        self.client
            .delete(&["models", &model, &versions, &number])
            .await
    }
}
