//! Models over the wire: create, read, list (every sort and filter), change.

mod common;

use common::{assert_error, Api};
use reqwest::Method;
use serde_json::json;

async fn create_answers_every_field_with_defaults_for_nulls(api: Api) {
    let (status, body) = api
        .post(
            "/api/v1/models",
            json!({"name": "mnist_cnn", "description": "a character recognition model",
                   "metadata": {"dataset_url": "http://yann.lecun.com/exdb/mnist/"},
                   "labels": null, "notes": null, "workspaceName": null}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let model = &body["model"];
    assert_eq!(model["name"], "mnist_cnn");
    assert_eq!(model["description"], "a character recognition model");
    assert_eq!(
        model["metadata"],
        json!({"dataset_url": "http://yann.lecun.com/exdb/mnist/"})
    );
    assert_eq!(model["labels"], json!([]));
    assert_eq!(model["notes"], "");
    assert_eq!(model["archived"], false);
    assert_eq!(model["numVersions"], 0);
    assert_eq!(model["workspaceId"], 1);
    assert_eq!(model["username"], "determined");
    assert!(model["userId"].as_i64().unwrap() > 0);
    let created = model["creationTime"].as_str().unwrap();
    assert!(
        created.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );

    let by_name = api.ok(Method::GET, "/api/v1/models/mnist_cnn", None).await;
    let by_id = api
        .ok(
            Method::GET,
            &format!("/api/v1/models/{}", model["id"]),
            None,
        )
        .await;
    assert_eq!(by_name, by_id);
    assert_eq!(&by_name["model"], model);
}

async fn names_are_validated_with_determined_messages_and_nothing_is_written(api: Api) {
    for (name, message) in [
        ("   ", "model names cannot be blank"),
        ("a  b", "model names cannot have excessive spacing"),
        ("a/b", "model names cannot have slashes"),
        ("a\\b", "model names cannot have slashes"),
        ("12345", "model names cannot be only numbers"),
    ] {
        let (status, body) = api.post("/api/v1/models", json!({"name": name})).await;
        assert_error(status, &body, 400, 3, message);
    }
    api.create_model("taken", json!({})).await;
    let (status, body) = api.post("/api/v1/models", json!({"name": "taken"})).await;
    assert_error(
        status,
        &body,
        409,
        6,
        "a model named \"taken\" already exists",
    );
    // Names are case-sensitive.
    api.create_model("Taken", json!({})).await;
    assert_eq!(api.names("").await, vec!["taken", "Taken"]);

    let (status, body) = api
        .send(
            Method::PATCH,
            "/api/v1/models/taken",
            Some(json!({"model": {"name": "Taken"}})),
        )
        .await;
    assert_error(status, &body, 409, 6, "already exists");
    let (status, body) = api
        .send(
            Method::PATCH,
            "/api/v1/models/taken",
            Some(json!({"name": "x/y"})),
        )
        .await;
    assert_error(status, &body, 400, 3, "model names cannot have slashes");
}

async fn malformed_bodies_wrong_types_and_unknown_enums_are_400(api: Api) {
    let (status, body) = api.send(Method::POST, "/api/v1/models", None).await;
    assert_error(status, &body, 400, 3, "missing field `name`");
    let resp = api
        .http
        .post(api.url("/api/v1/models"))
        .bearer_auth(&api.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (status, body) = api.post("/api/v1/models", json!({"name": 7})).await;
    assert_error(status, &body, 400, 3, "invalid type");
    let (status, body) = api.get("/api/v1/models?sortBy=SORT_BY_COLOR").await;
    assert_error(status, &body, 400, 3, "SORT_BY_NAME");
    let (status, body) = api
        .post("/api/v1/checkpoints", json!({"state": "STATE_MELTED"}))
        .await;
    assert_error(status, &body, 400, 3, "STATE_COMPLETED");
    let (_, list) = api.get("/api/v1/models").await;
    assert_eq!(list["pagination"]["total"], 0, "nothing was written");
}

async fn bodies_over_the_limit_get_413(api: Api) {
    let huge = "x".repeat(2 * 1024 * 1024);
    let (status, body) = api
        .post(
            "/api/v1/models",
            json!({"name": "big", "description": huge}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["error"].as_str().unwrap().contains("limit"));
}

async fn every_sort_key_in_both_orders(api: Api) {
    // Created in this order: ids 1, 2, 3.
    api.create_model("bravo", json!({"description": "zeta"}))
        .await;
    api.create_model("alpha", json!({"description": "beta"}))
        .await;
    api.create_model("charlie", json!({"description": "alpha"}))
        .await;
    let ckpt = api.create_checkpoint().await;
    api.register("alpha", &ckpt).await;
    api.register("alpha", &ckpt).await;
    api.register("charlie", &ckpt).await;
    // Touch bravo last so it is the most recently updated.
    api.ok(
        Method::PATCH,
        "/api/v1/models/bravo",
        Some(json!({"notes": "touched"})),
    )
    .await;

    let cases: [(&str, [&str; 3]); 7] = [
        ("SORT_BY_UNSPECIFIED", ["bravo", "alpha", "charlie"]),
        ("SORT_BY_NAME", ["alpha", "bravo", "charlie"]),
        ("SORT_BY_DESCRIPTION", ["charlie", "alpha", "bravo"]),
        ("SORT_BY_CREATION_TIME", ["bravo", "alpha", "charlie"]),
        ("SORT_BY_LAST_UPDATED_TIME", ["alpha", "charlie", "bravo"]),
        ("SORT_BY_NUM_VERSIONS", ["bravo", "charlie", "alpha"]),
        ("SORT_BY_WORKSPACE", ["bravo", "alpha", "charlie"]),
    ];
    for (sort, ascending) in cases {
        let asc = api
            .names(&format!("sortBy={sort}&orderBy=ORDER_BY_ASC"))
            .await;
        assert_eq!(asc, ascending, "{sort} ascending");
        let desc = api
            .names(&format!("sortBy={sort}&orderBy=ORDER_BY_DESC"))
            .await;
        let mut reversed = ascending.to_vec();
        reversed.reverse();
        assert_eq!(desc, reversed, "{sort} descending");
    }
    // snake_case names and enum numbers read the same.
    assert_eq!(
        api.names("sort_by=1&order_by=2").await,
        ["charlie", "bravo", "alpha"]
    );
}

async fn filters_by_name_description_labels_archived_user_and_id(api: Api) {
    api.create_model(
        "mnist_pytorch",
        json!({"description": "digits", "labels": ["vision", "prod"]}),
    )
    .await;
    api.create_model(
        "MNIST_cnn",
        json!({"description": "OCR for forms", "labels": ["vision"]}),
    )
    .await;
    let sentiment = api
        .create_model(
            "sentiment",
            json!({"description": "text 100%_sure", "labels": ["nlp"]}),
        )
        .await;
    api.ok(Method::POST, "/api/v1/models/sentiment/archive", None)
        .await;

    assert_eq!(
        api.names("name=mnist").await,
        ["mnist_pytorch", "MNIST_cnn"]
    );
    assert_eq!(api.names("description=ocr").await, ["MNIST_cnn"]);
    assert_eq!(
        api.names("description=%25_").await,
        ["sentiment"],
        "% and _ match literally"
    );
    assert_eq!(
        api.names("name=_").await,
        ["mnist_pytorch", "MNIST_cnn"],
        "_ is not a wildcard"
    );
    assert_eq!(
        api.names("labels=prod&labels=nlp").await,
        ["mnist_pytorch", "sentiment"]
    );
    assert_eq!(api.names("archived=true").await, ["sentiment"]);
    assert_eq!(
        api.names("archived=false").await,
        ["mnist_pytorch", "MNIST_cnn"]
    );
    assert_eq!(api.names("users=determined").await.len(), 3);
    assert_eq!(api.names("users=admin").await.len(), 0);
    assert_eq!(
        api.names(&format!("id={}", sentiment["id"])).await,
        ["sentiment"]
    );
    assert_eq!(api.names("id=0").await.len(), 3);

    let labels = api.ok(Method::GET, "/api/v1/model/labels", None).await;
    assert_eq!(
        labels["labels"],
        json!(["vision", "nlp", "prod"]),
        "most used first, then alphabetical"
    );
}

async fn pagination_walks_with_end_index_and_refuses_offsets_past_the_end(api: Api) {
    for i in 0..7 {
        api.create_model(&format!("m{i}"), json!({})).await;
    }
    let mut offset = 0;
    let mut seen = Vec::new();
    loop {
        let page = api
            .ok(
                Method::GET,
                &format!("/api/v1/models?offset={offset}&limit=3"),
                None,
            )
            .await;
        let p = &page["pagination"];
        assert_eq!(p["startIndex"], offset);
        seen.extend(
            page["models"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["name"].clone()),
        );
        let end = p["endIndex"].as_i64().unwrap();
        if end >= p["total"].as_i64().unwrap() {
            break;
        }
        assert!(end > offset, "endIndex advances");
        offset = end;
    }
    assert_eq!(seen.len(), 7);
    let last_two = api.ok(Method::GET, "/api/v1/models?offset=-2", None).await;
    assert_eq!(last_two["models"].as_array().unwrap().len(), 2);
    let (status, body) = api.get("/api/v1/models?offset=8").await;
    assert_error(status, &body, 400, 3, "offset 8 is beyond the end");
}

async fn patch_changes_only_given_fields_and_bumps_last_updated(api: Api) {
    let before = api
        .create_model(
            "m",
            json!({"description": "d", "metadata": {"a": 1}, "labels": ["x"]}),
        )
        .await;
    let after = api
        .ok(
            Method::PATCH,
            "/api/v1/models/m",
            Some(json!({"model": {"labels": ["y", "y", "z"], "description": null}})),
        )
        .await["model"]
        .clone();
    assert_eq!(
        after["labels"],
        json!(["y", "z"]),
        "deduplicated, order kept"
    );
    assert_eq!(after["description"], "d");
    assert_eq!(after["metadata"], json!({"a": 1}));
    assert!(after["lastUpdatedTime"].as_str() > before["lastUpdatedTime"].as_str());
    // metadata in a PATCH replaces the whole object; {} clears it (the SDK's remove_metadata relies on it).
    let cleared = api
        .ok(
            Method::PATCH,
            "/api/v1/models/m",
            Some(json!({"metadata": {}})),
        )
        .await;
    assert_eq!(cleared["model"]["metadata"], json!({}));
    // Workspaces: the default is accepted, another is 404.
    api.ok(
        Method::PATCH,
        "/api/v1/models/m",
        Some(json!({"workspaceName": "Uncategorized"})),
    )
    .await;
    let (status, body) = api
        .send(
            Method::PATCH,
            "/api/v1/models/m",
            Some(json!({"workspaceName": "research"})),
        )
        .await;
    assert_error(status, &body, 404, 5, "workspace \"research\" not found");
    let (status, body) = api
        .post(
            "/api/v1/models/m/move",
            json!({"destinationWorkspaceId": 9}),
        )
        .await;
    assert_error(status, &body, 404, 5, "workspace 9 not found");
}

async fn unknown_models_are_404_and_trailing_slashes_are_ignored(api: Api) {
    let (status, body) = api.get("/api/v1/models/nope").await;
    assert_error(status, &body, 404, 5, "model \"nope\" not found");
    let (status, body) = api.get("/api/v1/models/42").await;
    assert_error(status, &body, 404, 5, "model 42 not found");
    api.create_model("m", json!({})).await;
    let body = api.ok(Method::GET, "/api/v1/models/m/", None).await;
    assert_eq!(body["model"]["name"], "m");
    api.ok(Method::DELETE, "/api/v1/models/m", None).await;
    let (status, _) = api.get("/api/v1/models/m").await;
    assert_eq!(status, 404);
}

common::on_both_backends!(
    create_answers_every_field_with_defaults_for_nulls,
    names_are_validated_with_determined_messages_and_nothing_is_written,
    malformed_bodies_wrong_types_and_unknown_enums_are_400,
    bodies_over_the_limit_get_413,
    every_sort_key_in_both_orders,
    filters_by_name_description_labels_archived_user_and_id,
    pagination_walks_with_end_index_and_refuses_offsets_past_the_end,
    patch_changes_only_given_fields_and_bumps_last_updated,
    unknown_models_are_404_and_trailing_slashes_are_ignored
);

mod nul_characters {
    use super::common::{assert_error, Api};
    use serde_json::json;

    async fn are_refused_everywhere_with_400(api: Api) {
        let (status, body) = api.post("/api/v1/models", json!({"name": "a\u{0}b"})).await;
        assert_error(status, &body, 400, 3, "NUL");
        let (status, body) = api
            .post(
                "/api/v1/models",
                json!({"name": "ok", "description": "x\u{0}"}),
            )
            .await;
        assert_error(status, &body, 400, 3, "NUL");
        let (status, body) = api.get("/api/v1/models?name=a%00b").await;
        assert_error(status, &body, 400, 3, "NUL");
        let (status, body) = api
            .post(
                "/api/v1/checkpoints",
                json!({"externalUri": "s3://b/\u{0}"}),
            )
            .await;
        assert_error(status, &body, 400, 3, "NUL");
        assert_eq!(api.get("/api/v1/models").await.1["pagination"]["total"], 0);
    }

    super::common::on_both_backends!(are_refused_everywhere_with_400);
}

mod hostile_shapes {
    use super::common::{assert_error, Api};
    use reqwest::Method;
    use serde_json::json;

    async fn arrays_for_objects_and_huge_filters_are_400(api: Api) {
        let (status, body) = api
            .send(Method::POST, "/api/v1/models", Some(json!(["x", "desc"])))
            .await;
        assert_error(status, &body, 400, 3, "expected a JSON object");
        let long = "a".repeat(2000);
        let (status, body) = api.get(&format!("/api/v1/models?description={long}")).await;
        assert_error(status, &body, 400, 3, "cannot be longer than 1024 bytes");
        let (status, body) = api
            .post(
                "/api/v1/tokens",
                json!({"name": "t", "expiresInSeconds": 630000000000_i64}),
            )
            .await;
        assert_error(status, &body, 400, 3, "at most");
        assert_eq!(api.get("/api/v1/models").await.1["pagination"]["total"], 0);
    }

    super::common::on_both_backends!(arrays_for_objects_and_huge_filters_are_400);
}
