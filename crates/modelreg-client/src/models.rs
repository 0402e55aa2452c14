//! Models: create, find, list, and the [`RegisteredModel`] handle that
//! changes one.

use crate::client::{collect_pages, Client};
use crate::error::{ClientError, Result};
use crate::query;
use modelreg_types::{
    CreateModelRequest, Empty, LabelsResponse, Metadata, MetadataChange, Model, ModelQuery,
    ModelResponse, ModelSortBy, ModelsResponse, OrderBy, PatchModelRequest,
};
use serde::Serialize;

/// The optional parts of a new model, for [`Client::create_model`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateModelOptions {
    /// A free-text description.
    pub description: Option<String>,
    /// User-defined metadata (see [`to_metadata`] to build it from any serializable value).
    pub metadata: Option<Metadata>,
    /// Labels.
    pub labels: Option<Vec<String>>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// Which models [`Client::get_models`] returns, and in what order. The
/// default is every model, by id (creation order), ascending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFilter {
    /// Models whose name contains this, case-insensitively.
    pub name: Option<String>,
    /// Models whose description contains this, case-insensitively.
    pub description: Option<String>,
    /// Models carrying any of these labels (none: no filter).
    pub labels: Vec<String>,
    /// Only archived (`Some(true)`) or only unarchived (`Some(false)`) models.
    pub archived: Option<bool>,
    /// The sort key.
    pub sort_by: ModelSortBy,
    /// The order.
    pub order_by: OrderBy,
}

impl ModelFilter {
    /// The list query for one page of this filter.
    pub fn to_query(&self, offset: i32) -> ModelQuery {
        ModelQuery {
            name: self.name.clone(),
            description: self.description.clone(),
            labels: self.labels.clone(),
            archived: self.archived,
            sort_by: self.sort_by,
            order_by: self.order_by,
            offset,
            ..ModelQuery::default()
        }
    }
}

/// Turns any value that serializes to a JSON object (a `serde_json::json!`
/// object, a map, a struct) into [`Metadata`]; anything else is
/// [`ClientError::InvalidInput`].
///
/// ```
/// let metadata = modelreg_client::to_metadata(&serde_json::json!({"key": "value"})).unwrap();
/// assert_eq!(metadata["key"], "value");
/// assert!(modelreg_client::to_metadata(&[1, 2]).is_err());
/// ```
pub fn to_metadata<T: Serialize + ?Sized>(value: &T) -> Result<Metadata> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(other) => Err(ClientError::InvalidInput(format!(
            "metadata must be a JSON object, not {other}"
        ))),
        Err(e) => Err(ClientError::InvalidInput(format!(
            "metadata cannot be written as JSON: {e}"
        ))),
    }
}

impl Client {
    /// Creates a model with no versions.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// use modelreg_client::{to_metadata, CreateModelOptions};
    ///
    /// let model = client
    ///     .create_model(
    ///         "model_name",
    ///         CreateModelOptions {
    ///             description: Some("optional description".into()),
    ///             metadata: Some(to_metadata(&serde_json::json!({"optional": "JSON serializable dictionary"}))?),
    ///             ..Default::default()
    ///         },
    ///     )
    ///     .await?;
    /// assert_eq!(model.num_versions, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_model(
        &self,
        name: &str,
        options: CreateModelOptions,
    ) -> Result<RegisteredModel> {
        let body = CreateModelRequest {
            name: name.to_string(),
            description: options.description,
            metadata: options.metadata,
            labels: options.labels,
            notes: options.notes,
            ..CreateModelRequest::default()
        };
        let answer: ModelResponse = self.post(&["models"], &body).await?;
        Ok(self.model_handle(answer.model))
    }

    /// Every model that matches the filter, in its order, fetching all pages.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// use modelreg_client::{ModelFilter, ModelSortBy};
    ///
    /// let chronological = client
    ///     .get_models(ModelFilter { sort_by: ModelSortBy::CreationTime, ..Default::default() })
    ///     .await?;
    /// let mnist_models = client
    ///     .get_models(ModelFilter { name: Some("mnist".into()), ..Default::default() })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_models(&self, filter: ModelFilter) -> Result<Vec<RegisteredModel>> {
        let filter = &filter;
        let models = collect_pages(|offset| async move {
            let query = ModelQuery {
                limit: self.page_size(),
                ..filter.to_query(offset)
            };
            let page = self.list_models(&query).await?;
            Ok((page.models, page.pagination))
        })
        .await?;
        Ok(models.into_iter().map(|m| self.model_handle(m)).collect())
    }

    /// One page of models, exactly as the server answers `GET /api/v1/models`.
    pub async fn list_models(&self, query: &ModelQuery) -> Result<ModelsResponse> {
        self.get(&["models"], &query::models(query)).await
    }

    /// A model by name, or by id written as digits.
    pub async fn get_model(&self, name_or_id: &str) -> Result<RegisteredModel> {
        let answer: ModelResponse = self.get(&["models", name_or_id], &[]).await?;
        Ok(self.model_handle(answer.model))
    }

    /// Every label in use on some model, most used first.
    pub async fn get_model_labels(&self) -> Result<Vec<String>> {
        let answer: LabelsResponse = self.get(&["model", "labels"], &[]).await?;
        Ok(answer.labels)
    }

    pub(crate) fn model_handle(&self, model: Model) -> RegisteredModel {
        RegisteredModel {
            model,
            client: self.clone(),
        }
    }
}

/// A model in the registry, and the client to change it with.
///
/// It derefs to the [`Model`] data as last seen (`model.name`,
/// `model.metadata`, ...). Every method that changes the model refreshes that
/// data from the server's answer.
#[derive(Debug, Clone)]
pub struct RegisteredModel {
    pub(crate) model: Model,
    pub(crate) client: Client,
}

impl std::ops::Deref for RegisteredModel {
    type Target = Model;

    fn deref(&self) -> &Model {
        &self.model
    }
}

impl RegisteredModel {
    /// The model's data as last seen.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model's data, without the client.
    pub fn into_model(self) -> Model {
        self.model
    }

    /// The client this handle uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the model again from the server.
    pub async fn refresh(&mut self) -> Result<()> {
        let answer: ModelResponse = self.client.get(&["models", &self.model.name], &[]).await?;
        self.model = answer.model;
        Ok(())
    }

    /// Merges top-level keys into the model's metadata, atomically on the
    /// server: each key replaces its old value whole, other keys stay.
    ///
    /// ```no_run
    /// # async fn demo(mut model: modelreg_client::RegisteredModel) -> modelreg_client::Result<()> {
    /// use serde_json::json;
    ///
    /// model.add_metadata(&json!({"key": "value"})).await?;
    /// model.add_metadata(&json!({"metrics": {"test_set_loss": 0.091}})).await?;
    /// model.add_metadata(&json!({"metrics": {"test_set_acc": 0.97}})).await?;
    /// model.remove_metadata(["key"]).await?;
    /// assert_eq!(json!(model.metadata), json!({"metrics": {"test_set_acc": 0.97}}));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add_metadata<T: Serialize + ?Sized>(&mut self, metadata: &T) -> Result<()> {
        let change = MetadataChange {
            add: Some(to_metadata(metadata)?),
            remove: None,
        };
        self.change_metadata(&change).await
    }

    /// Removes top-level keys from the model's metadata, atomically on the
    /// server; keys that are not there are ignored.
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
        let answer: ModelResponse = self
            .client
            .post(&["models", &self.model.name, "metadata"], change)
            .await?;
        self.model = answer.model;
        Ok(())
    }

    /// Changes any of the model's fields at once; `None` fields stay as they are.
    /// Metadata given here replaces the old metadata whole.
    pub async fn patch(&mut self, patch: PatchModelRequest) -> Result<()> {
        let answer: ModelResponse = self
            .client
            .patch(&["models", &self.model.name], &patch)
            .await?;
        self.model = answer.model;
        Ok(())
    }

    /// Replaces the model's labels.
    pub async fn set_labels<I, S>(&mut self, labels: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let labels = labels.into_iter().map(Into::into).collect();
        self.patch(PatchModelRequest {
            labels: Some(labels),
            ..Default::default()
        })
        .await
    }

    /// Replaces the model's description.
    pub async fn set_description(&mut self, description: &str) -> Result<()> {
        self.patch(PatchModelRequest {
            description: Some(description.into()),
            ..Default::default()
        })
        .await
    }

    /// Replaces the model's notes.
    pub async fn set_notes(&mut self, notes: &str) -> Result<()> {
        self.patch(PatchModelRequest {
            notes: Some(notes.into()),
            ..Default::default()
        })
        .await
    }

    /// Renames the model.
    pub async fn set_name(&mut self, name: &str) -> Result<()> {
        self.patch(PatchModelRequest {
            name: Some(name.into()),
            ..Default::default()
        })
        .await
    }

    /// Archives the model: it stays listed and readable but takes no new versions.
    pub async fn archive(&mut self) -> Result<()> {
        let _: Empty = self
            .client
            .post(&["models", &self.model.name, "archive"], &Empty {})
            .await?;
        self.refresh().await
    }

    /// Unarchives the model.
    pub async fn unarchive(&mut self) -> Result<()> {
        let _: Empty = self
            .client
            .post(&["models", &self.model.name, "unarchive"], &Empty {})
            .await?;
        self.refresh().await
    }

    /// Deletes the model and all its versions.
    pub async fn delete(self) -> Result<()> {
        self.client.delete(&["models", &self.model.name]).await
    }
}
