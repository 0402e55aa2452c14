//! The guide's metadata example, key by key, and atomic merges under concurrency.

mod common;

use common::{assert_error, Api};
use reqwest::Method;
use serde_json::json;

async fn the_guides_metadata_example_key_by_key(api: Api) {
    api.create_model("model_name", json!({"metadata": {}}))
        .await;
    let merge = |body| async {
        api.ok(
            Method::POST,
            "/api/v1/models/model_name/metadata",
            Some(body),
        )
        .await["model"]["metadata"]
            .clone()
    };

    assert_eq!(
        merge(json!({"add": {"key": "value"}})).await,
        json!({"key": "value"})
    );
    assert_eq!(
        merge(json!({"add": {"metrics": {"test_set_loss": 0.091}}})).await,
        json!({"key": "value", "metrics": {"test_set_loss": 0.091}})
    );
    // Only top-level keys are merged: "metrics" is replaced whole.
    assert_eq!(
        merge(json!({"add": {"metrics": {"test_set_acc": 0.97}}})).await,
        json!({"key": "value", "metrics": {"test_set_acc": 0.97}})
    );
    assert_eq!(
        merge(json!({"remove": ["key"]})).await,
        json!({"metrics": {"test_set_acc": 0.97}})
    );

    let (status, body) = api
        .post("/api/v1/models/model_name/metadata", json!({}))
        .await;
    assert_error(status, &body, 400, 3, "needs \"add\"");
    let (status, body) = api
        .post("/api/v1/models/model_name/metadata", json!({"add": [1]}))
        .await;
    assert_error(status, &body, 400, 3, "invalid request body");
    let (status, _) = api
        .post("/api/v1/models/missing/metadata", json!({"add": {"a": 1}}))
        .await;
    assert_eq!(status, 404);
}

async fn version_metadata_merges_too(api: Api) {
    api.create_model("m", json!({})).await;
    let ckpt = api.create_checkpoint().await;
    api.register("m", &ckpt).await;
    let path = "/api/v1/models/m/versions/1/metadata";
    api.ok(Method::POST, path, Some(json!({"add": {"a": 1, "b": 2}})))
        .await;
    let body = api
        .ok(
            Method::POST,
            path,
            Some(json!({"add": {"c": 3}, "remove": ["a"]})),
        )
        .await;
    assert_eq!(body["modelVersion"]["metadata"], json!({"b": 2, "c": 3}));
}

async fn concurrent_merges_of_distinct_keys_keep_every_key(api: Api) {
    let api = std::sync::Arc::new(api);
    api.create_model("shared", json!({})).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                let (status, body) = api
                    .post(
                        "/api/v1/models/shared/metadata",
                        json!({"add": {format!("k{i}"): i}}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let model = api.ok(Method::GET, "/api/v1/models/shared", None).await;
    let metadata = model["model"]["metadata"].as_object().unwrap();
    assert_eq!(metadata.len(), 32, "{metadata:?}");
    for i in 0..32 {
        assert_eq!(metadata[&format!("k{i}")], i);
    }
}

common::on_both_backends!(
    the_guides_metadata_example_key_by_key,
    version_metadata_merges_too,
    concurrent_merges_of_distinct_keys_keep_every_key
);
