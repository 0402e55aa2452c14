//! Checkpoints: the records a model version points at.

use crate::client::{collect_pages, Client};
use crate::error::Result;
use crate::query;
use modelreg_types::{
    Checkpoint, CheckpointResponse, CheckpointsResponse, CreateCheckpointRequest, PageRequest,
};

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
}
