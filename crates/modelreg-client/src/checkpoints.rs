//! Checkpoints: the records a model version points at.

use crate::client::{collect_pages, Client};
use crate::error::Result;
use crate::query;
use modelreg_types::{
    Checkpoint, CheckpointFile, CheckpointFilesResponse, CheckpointResponse, CheckpointsResponse,
    CreateCheckpointRequest, Metadata, PageRequest,
};
use std::collections::BTreeMap;

impl Client {
    /// Records a checkpoint (`POST /api/v1/checkpoints`). Its uuid is
    /// generated when the request has none, and its state is
    /// `STATE_COMPLETED` unless the request says otherwise.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// use modelreg_client::{to_metadata, CreateCheckpointRequest};
    ///
    /// let checkpoint = client
    ///     .create_checkpoint(CreateCheckpointRequest {
    ///         metadata: Some(to_metadata(&serde_json::json!({"framework": "torch-2.4", "format": "pt"}))?),
    ///         resources: [("model.pt".to_string(), 1234)].into(),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{}", checkpoint.uuid);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_checkpoint(&self, request: CreateCheckpointRequest) -> Result<Checkpoint> {
        let answer: CheckpointResponse = self.post(&["checkpoints"], &request).await?;
        Ok(answer.checkpoint)
    }

    /// A checkpoint by uuid.
    pub async fn get_checkpoint(&self, uuid: &str) -> Result<Checkpoint> {
        let answer: CheckpointResponse = self.get(&["checkpoints", uuid], &[]).await?;
        Ok(answer.checkpoint)
    }

    /// Every checkpoint, oldest first, fetching all pages.
    pub async fn list_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        collect_pages(|offset| async move {
            let page = self
                .list_checkpoints_page(PageRequest {
                    offset,
                    limit: self.page_size(),
                })
                .await?;
            Ok((page.checkpoints, page.pagination))
        })
        .await
    }

    /// One page of checkpoints, exactly as the server answers `GET /api/v1/checkpoints`.
    pub async fn list_checkpoints_page(&self, page: PageRequest) -> Result<CheckpointsResponse> {
        self.get(&["checkpoints"], &query::pages(page.offset, page.limit))
            .await
    }

    /// The manifest of a checkpoint: every file the registry holds for it,
    /// by path, with its size and SHA-256. Empty for external and
    /// record-only checkpoints.
    pub async fn checkpoint_files(&self, uuid: &str) -> Result<Vec<CheckpointFile>> {
        let answer: CheckpointFilesResponse =
            self.get(&["checkpoints", uuid, "files"], &[]).await?;
        Ok(answer.files)
    }

    /// Registers an external checkpoint, `STATE_COMPLETED`: its files stay
    /// at `uri` (`s3://...`, `gs://...`, `file://...`, ...) and `resources`
    /// (path -> size in bytes) lists them as given. The registry neither
    /// holds nor serves them.
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// let checkpoint = client
    ///     .register_external_checkpoint(
    ///         "s3://bucket/run-7/",
    ///         [("model.safetensors".to_string(), 1 << 30)].into(),
    ///         None,
    ///     )
    ///     .await?;
    /// assert_eq!(checkpoint.external_uri, "s3://bucket/run-7/");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_external_checkpoint(
        &self,
        uri: &str,
        resources: BTreeMap<String, i64>,
        metadata: Option<Metadata>,
    ) -> Result<Checkpoint> {
        self.create_checkpoint(CreateCheckpointRequest {
            external_uri: Some(uri.to_string()),
            resources,
            metadata,
            ..CreateCheckpointRequest::default()
        })
        .await
    }

    /// Deletes a checkpoint and the files the registry holds for it. One
    /// that a model version references is refused (HTTP 400): delete those
    /// versions first.
    pub async fn delete_checkpoint(&self, uuid: &str) -> Result<()> {
        self.delete(&["checkpoints", uuid]).await
    }
}
