//! Versions and checkpoints over the wire.

mod common;

use common::{assert_error, Api};
use reqwest::Method;
use serde_json::json;

async fn register_get_latest_and_list_newest_first(api: Api) {
    api.create_model("mnist_cnn", json!({})).await;
    let mut uuids = Vec::new();
    for _ in 0..3 {
        let uuid = api.create_checkpoint().await;
        let version = api.register("mnist_cnn", &uuid).await;
        assert_eq!(version["checkpoint"]["uuid"], uuid.as_str());
        assert_eq!(version["model"]["name"], "mnist_cnn");
        assert_eq!(
            version["checkpoint"]["resources"],
            json!({"model.pt": "1024"}),
            "int64 sizes are strings"
        );
        uuids.push(uuid);
    }
    let third = api
        .ok(Method::GET, "/api/v1/models/mnist_cnn/versions/3", None)
        .await;
    assert_eq!(third["modelVersion"]["version"], 3);
    assert_eq!(
        third["modelVersion"]["checkpoint"]["uuid"],
        uuids[2].as_str()
    );

    // The SDK's get_version() asks for the latest this way.
    let latest = api
        .ok(Method::GET, "/api/v1/models/mnist_cnn/versions?limit=1&orderBy=ORDER_BY_DESC&sortBy=SORT_BY_VERSION", None)
        .await;
    assert_eq!(latest["modelVersions"][0]["version"], 3);
    assert_eq!(latest["model"]["numVersions"], 3);
    assert_eq!(latest["pagination"]["total"], 3);

    // get_versions() sends only orderBy; the default sort is by version.
    let all = api
        .ok(
            Method::GET,
            "/api/v1/models/mnist_cnn/versions?offset=0&orderBy=ORDER_BY_DESC",
            None,
        )
        .await;
    let numbers: Vec<_> = all["modelVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    let by_time = api
        .ok(
            Method::GET,
            "/api/v1/models/1/versions?sortBy=SORT_BY_CREATION_TIME",
            None,
        )
        .await;
    assert_eq!(by_time["modelVersions"][0]["version"], 1);
}

async fn numbers_are_never_reused_after_a_delete(api: Api) {
    api.create_model("m", json!({})).await;
    let uuid = api.create_checkpoint().await;
    api.register("m", &uuid).await;
    api.register("m", &uuid).await;
    api.ok(Method::DELETE, "/api/v1/models/m/versions/2", None)
        .await;
    assert_eq!(api.register("m", &uuid).await["version"], 3);
    let model = api.ok(Method::GET, "/api/v1/models/m", None).await;
    assert_eq!(model["model"]["numVersions"], 2);
    let (status, body) = api.get("/api/v1/models/m/versions/2").await;
    assert_error(status, &body, 404, 5, "version 2 of model \"m\" not found");
    let (status, body) = api.get("/api/v1/models/m/versions/two").await;
    assert_error(status, &body, 400, 3, "version must be a positive integer");
}

async fn registration_refuses_archived_models_unknown_and_unfinished_checkpoints(api: Api) {
    api.create_model("m", json!({})).await;
    let (status, body) = api
        .post(
            "/api/v1/models/m/versions",
            json!({"checkpointUuid": "7b4f2c1e-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_error(
        status,
        &body,
        404,
        5,
        "checkpoint 7b4f2c1e-0000-4000-8000-000000000000 not found",
    );
    let active = api
        .ok(
            Method::POST,
            "/api/v1/checkpoints",
            Some(json!({"state": "STATE_ACTIVE"})),
        )
        .await;
    let active = active["checkpoint"]["uuid"].as_str().unwrap().to_string();
    let (status, body) = api
        .post(
            "/api/v1/models/m/versions",
            json!({"checkpointUuid": active}),
        )
        .await;
    assert_error(status, &body, 400, 9, "not STATE_COMPLETED");
    let uuid = api.create_checkpoint().await;
    api.ok(Method::POST, "/api/v1/models/m/archive", None).await;
    let (status, body) = api
        .post("/api/v1/models/m/versions", json!({"checkpointUuid": uuid}))
        .await;
    assert_error(status, &body, 400, 9, "archived");
    api.ok(Method::POST, "/api/v1/models/m/unarchive", None)
        .await;
    assert_eq!(
        api.register("m", &uuid).await["version"],
        1,
        "failed attempts used no number"
    );
}

async fn version_patch_and_delete(api: Api) {
    api.create_model("m", json!({})).await;
    let uuid = api.create_checkpoint().await;
    api.register("m", &uuid).await;
    let patched = api
        .ok(
            Method::PATCH,
            "/api/v1/models/m/versions/1",
            Some(json!({"modelVersion": {"name": "v-one", "notes": "n", "labels": ["a", "a"]}})),
        )
        .await;
    let v = &patched["modelVersion"];
    assert_eq!(
        (
            v["name"].as_str(),
            v["notes"].as_str(),
            v["comment"].as_str()
        ),
        (Some("v-one"), Some("n"), Some(""))
    );
    assert_eq!(v["labels"], json!(["a"]));
    api.ok(Method::DELETE, "/api/v1/models/m/versions/1", None)
        .await;
    let (status, _) = api
        .send(Method::DELETE, "/api/v1/models/m/versions/1", None)
        .await;
    assert_eq!(status, 404);
}

async fn checkpoints_create_get_list_and_refuse_duplicates(api: Api) {
    let uuid = "6a24d772-f1f7-4655-9061-22d582afd96c";
    let body = json!({
        "uuid": uuid,
        "resources": {"model.h5": 123456789012_i64},
        "metadata": {"framework": "tensorflow-1.14.0", "format": "h5"},
        "training": {"trialId": 1, "experimentId": 1, "experimentConfig": {"name": "mnist"}, "hparams": {"lr": 0.1}}
    });
    let created = api
        .ok(Method::POST, "/api/v1/checkpoints", Some(body.clone()))
        .await["checkpoint"]
        .clone();
    assert_eq!(created["state"], "STATE_COMPLETED");
    assert_eq!(created["resources"]["model.h5"], "123456789012");
    assert_eq!(created["training"]["trialId"], 1);
    let got = api
        .ok(Method::GET, &format!("/api/v1/checkpoints/{uuid}"), None)
        .await;
    assert_eq!(got["checkpoint"], created);
    let (status, err) = api.post("/api/v1/checkpoints", body).await;
    assert_error(status, &err, 409, 6, "already exists");
    let (status, err) = api
        .post("/api/v1/checkpoints", json!({"training": {"trialId": 3}}))
        .await;
    assert_error(status, &err, 400, 3, "experimentId");
    let (status, err) = api
        .post("/api/v1/checkpoints", json!({"uuid": "not-a-uuid"}))
        .await;
    assert_error(status, &err, 400, 3, "is not a UUID");
    api.create_checkpoint().await;
    let list = api
        .ok(Method::GET, "/api/v1/checkpoints?limit=1", None)
        .await;
    assert_eq!(list["checkpoints"][0]["uuid"], uuid);
    assert_eq!(list["pagination"]["total"], 2);
    let (status, _) = api
        .get("/api/v1/checkpoints/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(status, 404);
}

async fn batch_metrics_items_must_be_objects(api: Api) {
    for (which, items, index, kind) in [
        ("trainingMetrics", json!([null, 3]), 0, "got null"),
        (
            "validationMetrics",
            json!([{"loss": 0.5}, "x"]),
            1,
            "got a string",
        ),
        (
            "trainingMetrics",
            json!([{"loss": 0.5}, [1]]),
            1,
            "got an array",
        ),
    ] {
        let body = json!({"training": {which: {"batchMetrics": items}}});
        let (status, err) = api.post("/api/v1/checkpoints", body).await;
        assert_error(
            status,
            &err,
            400,
            3,
            &format!("training.{which}.batchMetrics[{index}] must be a JSON object, {kind}"),
        );
    }
    assert_eq!(
        api.get("/api/v1/checkpoints").await.1["pagination"]["total"],
        0
    );
    let good = json!({"training": {"trainingMetrics": {"batchMetrics": [{"loss": 0.5}]}}});
    let created = api
        .ok(Method::POST, "/api/v1/checkpoints", Some(good))
        .await;
    assert_eq!(
        created["checkpoint"]["training"]["trainingMetrics"]["batchMetrics"],
        json!([{"loss": 0.5}])
    );
}

async fn concurrent_registrations_get_each_number_once(api: Api) {
    let api = std::sync::Arc::new(api);
    api.create_model("busy", json!({})).await;
    let uuid = api.create_checkpoint().await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (api, uuid) = (api.clone(), uuid.clone());
            tokio::spawn(async move {
                let (status, body) = api
                    .post(
                        "/api/v1/models/busy/versions",
                        json!({"checkpointUuid": uuid}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
                body["modelVersion"]["version"].as_i64().unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=32).collect::<Vec<_>>());
}

common::on_both_backends!(
    register_get_latest_and_list_newest_first,
    numbers_are_never_reused_after_a_delete,
    registration_refuses_archived_models_unknown_and_unfinished_checkpoints,
    version_patch_and_delete,
    checkpoints_create_get_list_and_refuse_duplicates,
    batch_metrics_items_must_be_objects,
    concurrent_registrations_get_each_number_once
);
