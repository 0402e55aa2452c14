//! Shared pieces of the SDK's end-to-end tests.

#![allow(dead_code)]

use modelreg_client::{to_metadata, CreateCheckpointRequest};
use serde_json::json;

/// A completed checkpoint record, as training would report it.
pub fn checkpoint(steps: i64) -> CreateCheckpointRequest {
    CreateCheckpointRequest {
        metadata: Some(
            to_metadata(
                &json!({"framework": "torch-2.4", "format": "pt", "steps_completed": steps}),
            )
            .unwrap(),
        ),
        resources: [
            ("model.pt".to_string(), 1000 + steps),
            ("config.yaml".to_string(), 42),
        ]
        .into(),
        ..Default::default()
    }
}

/// Names of a list of things that deref to a model.
pub fn names<T: std::ops::Deref<Target = modelreg_client::Model>>(models: &[T]) -> Vec<String> {
    models.iter().map(|m| m.name.clone()).collect()
}
