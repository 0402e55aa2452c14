//! The guide's workflows through the async SDK, against a real server.

mod common;

use common::{checkpoint, names};
use modelreg_client::{
    to_metadata, Client, ClientError, CreateModelOptions, ModelFilter, ModelSortBy, OrderBy,
    RegisterVersionRequest,
};
use modelreg_server::testing::TestServer;
use serde_json::json;

async fn login(server: &TestServer) -> Client {
    Client::login(&server.url(), "determined", "")
        .await
        .expect("log in as determined")
}

fn described(description: &str) -> CreateModelOptions {
    CreateModelOptions {
        description: Some(description.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn creating_and_getting_a_model() {
    let server = TestServer::start();
    let client = login(&server).await;

    let created = client
        .create_model(
            "mnist_cnn",
            CreateModelOptions {
                description: Some("a character recognition model".into()),
                metadata: Some(
                    to_metadata(&json!({
                        "dataset_url": "http://yann.lecun.com/exdb/mnist/",
                        "git_url": "http://github.com/user/repo"
                    }))
                    .unwrap(),
                ),
                labels: Some(vec!["vision".into(), "ocr".into(), "vision".into()]),
                notes: Some("# notes".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(created.name, "mnist_cnn");
    assert_eq!(created.description, "a character recognition model");
    assert_eq!(created.metadata["git_url"], "http://github.com/user/repo");
    assert_eq!(created.labels, vec!["vision", "ocr"]);
    assert_eq!(created.notes, "# notes");
    assert_eq!(created.num_versions, 0);
    assert!(!created.archived);
    assert_eq!(created.username, "determined");

    let by_name = client.get_model("mnist_cnn").await.unwrap();
    assert_eq!(by_name.model(), created.model());
    let by_id = client.get_model(&created.id.to_string()).await.unwrap();
    assert_eq!(by_id.name, "mnist_cnn");
}

#[tokio::test]
async fn names_with_spaces_and_symbols_survive_the_path() {
    let server = TestServer::start();
    let client = login(&server).await;
    let name = "my model+v2 %20 ?#&=;";
    let mut model = client
        .create_model(name, CreateModelOptions::default())
        .await
        .unwrap();
    assert_eq!(model.name, name);
    assert_eq!(client.get_model(name).await.unwrap().id, model.id);
    model.add_metadata(&json!({"k": 1})).await.unwrap();
    let ckpt = client.create_checkpoint(checkpoint(1)).await.unwrap();
    let version = model.register_version(&ckpt.uuid).await.unwrap();
    assert_eq!(version.model.name, name);
    assert_eq!(
        model.get_version(Some(1)).await.unwrap().checkpoint().uuid,
        ckpt.uuid
    );
    model.delete().await.unwrap();
    assert!(client.get_model(name).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn listing_sorts_by_each_key_in_both_orders() {
    let server = TestServer::start();
    let client = login(&server).await;
    // Created in this order; names, descriptions and version counts each sort differently.
    let ckpt = client.create_checkpoint(checkpoint(1)).await.unwrap();
    for (name, description, versions) in [
        ("b-model", "zeta", 1),
        ("c-model", "alpha", 3),
        ("a-model", "mid", 0),
    ] {
        let mut model = client
            .create_model(name, described(description))
            .await
            .unwrap();
        for _ in 0..versions {
            model.register_version(&ckpt.uuid).await.unwrap();
        }
    }
    // Touch b-model last, so it is the most recently updated.
    client
        .get_model("b-model")
        .await
        .unwrap()
        .set_notes("touched")
        .await
        .unwrap();

    let list = |sort_by, order_by| {
        let client = client.clone();
        async move {
            let models = client
                .get_models(ModelFilter {
                    sort_by,
                    order_by,
                    ..Default::default()
                })
                .await
                .unwrap();
            names(&models)
        }
    };
    assert_eq!(
        list(ModelSortBy::Unspecified, OrderBy::Unspecified).await,
        ["b-model", "c-model", "a-model"]
    );
    assert_eq!(
        list(ModelSortBy::Name, OrderBy::Asc).await,
        ["a-model", "b-model", "c-model"]
    );
    assert_eq!(
        list(ModelSortBy::Name, OrderBy::Desc).await,
        ["c-model", "b-model", "a-model"]
    );
    assert_eq!(
        list(ModelSortBy::Description, OrderBy::Asc).await,
        ["c-model", "a-model", "b-model"]
    );
    assert_eq!(
        list(ModelSortBy::Description, OrderBy::Desc).await,
        ["b-model", "a-model", "c-model"]
    );
    assert_eq!(
        list(ModelSortBy::CreationTime, OrderBy::Asc).await,
        ["b-model", "c-model", "a-model"]
    );
    assert_eq!(
        list(ModelSortBy::CreationTime, OrderBy::Desc).await,
        ["a-model", "c-model", "b-model"]
    );
    assert_eq!(
        list(ModelSortBy::LastUpdatedTime, OrderBy::Desc).await[0],
        "b-model"
    );
    assert_eq!(
        list(ModelSortBy::LastUpdatedTime, OrderBy::Asc).await[2],
        "b-model"
    );
    assert_eq!(
        list(ModelSortBy::NumVersions, OrderBy::Desc).await,
        ["c-model", "b-model", "a-model"]
    );
    assert_eq!(
        list(ModelSortBy::NumVersions, OrderBy::Asc).await,
        ["a-model", "b-model", "c-model"]
    );
}

#[tokio::test]
async fn listing_filters_by_name_description_labels_and_archived() {
    let server = TestServer::start();
    let client = login(&server).await;
    let spec = [
        ("mnist_pytorch", "digits, ocr pipeline", vec!["vision"]),
        ("MNIST_cnn", "character recognition", vec!["vision", "prod"]),
        ("sentiment", "OCR-free text model", vec!["nlp"]),
        ("100%_real", "percent", vec![]),
    ];
    for (name, description, labels) in spec {
        let options = CreateModelOptions {
            description: Some(description.into()),
            labels: Some(labels.into_iter().map(String::from).collect()),
            ..Default::default()
        };
        client.create_model(name, options).await.unwrap();
    }
    client
        .get_model("sentiment")
        .await
        .unwrap()
        .archive()
        .await
        .unwrap();

    let get = |filter: ModelFilter| {
        let client = client.clone();
        async move { names(&client.get_models(filter).await.unwrap()) }
    };
    let all = get(ModelFilter::default()).await;
    assert_eq!(
        all,
        ["mnist_pytorch", "MNIST_cnn", "sentiment", "100%_real"]
    );
    let by_name = get(ModelFilter {
        name: Some("mnist".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_name, ["mnist_pytorch", "MNIST_cnn"]);
    let by_description = get(ModelFilter {
        description: Some("ocr".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_description, ["mnist_pytorch", "sentiment"]);
    let literal_percent = get(ModelFilter {
        name: Some("0%_".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(literal_percent, ["100%_real"]);
    let by_labels = get(ModelFilter {
        labels: vec!["prod".into(), "nlp".into()],
        ..Default::default()
    })
    .await;
    assert_eq!(by_labels, ["MNIST_cnn", "sentiment"]);
    let archived = get(ModelFilter {
        archived: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(archived, ["sentiment"]);
    let active = get(ModelFilter {
        archived: Some(false),
        ..Default::default()
    })
    .await;
    assert_eq!(active, ["mnist_pytorch", "MNIST_cnn", "100%_real"]);
    let combined = get(ModelFilter {
        name: Some("mnist".into()),
        labels: vec!["prod".into()],
        sort_by: ModelSortBy::Name,
        ..Default::default()
    })
    .await;
    assert_eq!(combined, ["MNIST_cnn"]);
}

#[tokio::test]
async fn lists_are_walked_page_by_page() {
    let server = TestServer::start();
    let client = login(&server).await.with_page_size(2);
    for i in 0..5 {
        client
            .create_model(&format!("model-{i}"), CreateModelOptions::default())
            .await
            .unwrap();
    }
    let models = client.get_models(ModelFilter::default()).await.unwrap();
    assert_eq!(
        names(&models),
        ["model-0", "model-1", "model-2", "model-3", "model-4"]
    );

    let mut model = client.get_model("model-0").await.unwrap();
    let mut uuids = Vec::new();
    for steps in 0..5 {
        let ckpt = client.create_checkpoint(checkpoint(steps)).await.unwrap();
        model.register_version(&ckpt.uuid).await.unwrap();
        uuids.push(ckpt.uuid);
    }
    let numbers: Vec<i32> = model
        .get_versions()
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(numbers, [5, 4, 3, 2, 1]);
    let listed: Vec<String> = client
        .list_checkpoints()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.uuid)
        .collect();
    assert_eq!(listed, uuids);

    let page = client
        .list_models(&ModelFilter::default().to_query(4))
        .await
        .unwrap();
    assert_eq!(
        page.models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["model-4"]
    );
    assert_eq!(
        (
            page.pagination.start_index,
            page.pagination.end_index,
            page.pagination.total
        ),
        (4, 5, 5)
    );
}

#[tokio::test]
async fn metadata_merges_as_the_guide_says_key_by_key() {
    let server = TestServer::start();
    let client = login(&server).await;
    client
        .create_model("model_name", CreateModelOptions::default())
        .await
        .unwrap();
    let mut model = client.get_model("model_name").await.unwrap();

    model.add_metadata(&json!({"key": "value"})).await.unwrap();
    assert_eq!(json!(model.metadata), json!({"key": "value"}));
    model
        .add_metadata(&json!({"metrics": {"test_set_loss": 0.091}}))
        .await
        .unwrap();
    assert_eq!(
        json!(model.metadata),
        json!({"key": "value", "metrics": {"test_set_loss": 0.091}})
    );
    // Only top-level keys merge: "metrics" is replaced whole.
    model
        .add_metadata(&json!({"metrics": {"test_set_acc": 0.97}}))
        .await
        .unwrap();
    assert_eq!(
        json!(model.metadata),
        json!({"key": "value", "metrics": {"test_set_acc": 0.97}})
    );
    model.remove_metadata(["key"]).await.unwrap();
    assert_eq!(
        json!(model.metadata),
        json!({"metrics": {"test_set_acc": 0.97}})
    );

    // The server kept it, not only the handle.
    let fresh = client.get_model("model_name").await.unwrap();
    assert_eq!(
        json!(fresh.metadata),
        json!({"metrics": {"test_set_acc": 0.97}})
    );

    // A stale handle's merge does not lose a key another client added meanwhile.
    let mut other = client.get_model("model_name").await.unwrap();
    model.add_metadata(&json!({"a": 1})).await.unwrap();
    other.add_metadata(&json!({"b": 2})).await.unwrap();
    assert_eq!(
        json!(other.metadata),
        json!({"metrics": {"test_set_acc": 0.97}, "a": 1, "b": 2})
    );

    let err = model
        .add_metadata(&json!(["not", "an", "object"]))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn versions_register_number_and_list_newest_first() {
    let server = TestServer::start();
    let client = login(&server).await;
    let mut model = client
        .create_model("model_name", CreateModelOptions::default())
        .await
        .unwrap();

    let err = model.get_version(None).await.unwrap_err();
    assert!(
        matches!(err, ClientError::NoVersions { .. }) && err.is_not_found(),
        "{err:?}"
    );
    assert!(model.latest_version().await.unwrap().is_none());

    let mut uuids = Vec::new();
    for steps in 1..=3 {
        let ckpt = client
            .create_checkpoint(checkpoint(steps * 100))
            .await
            .unwrap();
        let version = model.register_version(&ckpt.uuid).await.unwrap();
        assert_eq!(version.version, i32::try_from(steps).unwrap());
        assert_eq!(version.checkpoint().uuid, ckpt.uuid);
        assert_eq!(
            model.num_versions, version.version,
            "the handle follows the registration"
        );
        uuids.push(ckpt.uuid);
    }

    let specific = model.get_version(Some(2)).await.unwrap();
    assert_eq!(specific.checkpoint().uuid, uuids[1]);
    assert_eq!(specific.checkpoint().metadata["steps_completed"], 200);
    assert_eq!(specific.checkpoint().resources["model.pt"], 1200);
    let latest = model.get_version(None).await.unwrap();
    assert_eq!(
        (latest.version, latest.checkpoint().uuid.clone()),
        (3, uuids[2].clone())
    );

    let numbers: Vec<i32> = model
        .get_versions()
        .await
        .unwrap()
        .iter()
        .map(|v| v.number())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);

    // Deleting the latest version does not free its number.
    latest.delete().await.unwrap();
    assert_eq!(model.get_version(None).await.unwrap().version, 2);
    assert!(model.get_version(Some(3)).await.unwrap_err().is_not_found());
    let ckpt = client.create_checkpoint(checkpoint(400)).await.unwrap();
    let fourth = model
        .register_version_with(RegisterVersionRequest {
            checkpoint_uuid: ckpt.uuid.clone(),
            name: Some("v4".into()),
            comment: Some("after a delete".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (
            fourth.version,
            fourth.name.as_str(),
            fourth.comment.as_str()
        ),
        (4, "v4", "after a delete")
    );
    let numbers: Vec<i32> = model
        .get_versions()
        .await
        .unwrap()
        .iter()
        .map(|v| v.number())
        .collect();
    assert_eq!(numbers, [4, 2, 1]);
    model.refresh().await.unwrap();
    assert_eq!(model.num_versions, 3);
}

#[tokio::test]
async fn a_version_handle_changes_its_version() {
    let server = TestServer::start();
    let client = login(&server).await;
    let mut model = client
        .create_model("m", CreateModelOptions::default())
        .await
        .unwrap();
    let ckpt = client.create_checkpoint(checkpoint(1)).await.unwrap();
    let mut version = model.register_version(&ckpt.uuid).await.unwrap();

    version.set_name("first").await.unwrap();
    version.set_comment("looks good").await.unwrap();
    version.set_notes("## results").await.unwrap();
    version.set_labels(["candidate"]).await.unwrap();
    version
        .add_metadata(&json!({"accuracy": 0.9, "drop": true}))
        .await
        .unwrap();
    version.remove_metadata(["drop"]).await.unwrap();

    let fresh = model.get_version(Some(1)).await.unwrap();
    assert_eq!(fresh.name, "first");
    assert_eq!(fresh.comment, "looks good");
    assert_eq!(fresh.notes, "## results");
    assert_eq!(fresh.labels, ["candidate"]);
    assert_eq!(json!(fresh.metadata), json!({"accuracy": 0.9}));
    assert_eq!(fresh.model_version(), version.model_version());
}

#[tokio::test]
async fn labels_description_name_archive_and_delete() {
    let server = TestServer::start();
    let client = login(&server).await;
    let mut model = client
        .create_model("old-name", CreateModelOptions::default())
        .await
        .unwrap();
    client
        .create_model(
            "other",
            CreateModelOptions {
                labels: Some(vec!["b".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    model.set_labels(["a", "b", "a"]).await.unwrap();
    assert_eq!(model.labels, ["a", "b"]);
    assert_eq!(
        client.get_model_labels().await.unwrap(),
        ["b", "a"],
        "most used first"
    );
    model.set_description("new description").await.unwrap();
    model.set_name("new-name").await.unwrap();
    assert_eq!(
        (model.name.as_str(), model.description.as_str()),
        ("new-name", "new description")
    );
    assert!(client
        .get_model("old-name")
        .await
        .unwrap_err()
        .is_not_found());

    model.archive().await.unwrap();
    assert!(model.archived);
    let ckpt = client.create_checkpoint(checkpoint(1)).await.unwrap();
    let err = model.register_version(&ckpt.uuid).await.unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert!(err.to_string().contains("archived"), "{err}");
    model.unarchive().await.unwrap();
    assert!(!model.archived);
    model.register_version(&ckpt.uuid).await.unwrap();

    model.delete().await.unwrap();
    assert!(client
        .get_model("new-name")
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        names(&client.get_models(ModelFilter::default()).await.unwrap()),
        ["other"]
    );
}

#[tokio::test]
async fn errors_carry_the_servers_status_and_message() {
    let server = TestServer::start();
    let client = login(&server).await;
    client
        .create_model("taken", CreateModelOptions::default())
        .await
        .unwrap();

    let err = client
        .create_model("taken", CreateModelOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    assert_eq!(err.api_error().unwrap().error.reason, "AlreadyExists");
    assert!(err.to_string().contains("taken"), "{err}");

    let err = client.get_model("missing").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "model \"missing\" not found");

    for (name, message) in [
        ("  ", "model names cannot be blank"),
        ("a  b", "model names cannot have excessive spacing"),
        ("a/b", "model names cannot have slashes"),
        ("123", "model names cannot be only numbers"),
    ] {
        let err = client
            .create_model(name, CreateModelOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            (err.status(), err.to_string().as_str()),
            (Some(400), message),
            "{name:?}"
        );
    }

    let mut model = client.get_model("taken").await.unwrap();
    let err = model
        .register_version("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(client
        .get_checkpoint("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err()
        .is_not_found());

    let unreachable = Client::with_token("http://127.0.0.1:1", "t").unwrap();
    let err = unreachable.me().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn checkpoints_are_created_read_and_listed() {
    let server = TestServer::start();
    let client = login(&server).await;
    let uuid = "6a24d772-f1f7-4655-9061-22d582afd96c";
    let created = client
        .create_checkpoint(modelreg_client::CreateCheckpointRequest {
            uuid: Some(uuid.into()),
            ..checkpoint(100)
        })
        .await
        .unwrap();
    assert_eq!(created.uuid, uuid);
    assert_eq!(created.state, modelreg_client::CheckpointState::Completed);
    let read = client.get_checkpoint(uuid).await.unwrap();
    assert_eq!(read, created);
    assert_eq!(read.metadata["framework"], "torch-2.4");
    assert_eq!(read.resources["config.yaml"], 42);
    let generated = client.create_checkpoint(checkpoint(200)).await.unwrap();
    assert_ne!(generated.uuid, uuid);
    let listed: Vec<String> = client
        .list_checkpoints()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.uuid)
        .collect();
    assert_eq!(listed, [uuid.to_string(), generated.uuid]);
    let err = client.create_checkpoint(modelreg_client::CreateCheckpointRequest {
        uuid: Some(uuid.into()),
        ..Default::default()
    });
    assert!(err.await.unwrap_err().is_already_exists());
}

#[tokio::test]
async fn login_tokens_and_logout() {
    let server = TestServer::start();
    let err = Client::login(&server.url(), "determined", "wrong")
        .await
        .unwrap_err();
    assert!(err.is_unauthenticated(), "{err:?}");
    let err = Client::login(&server.url(), "nobody", "")
        .await
        .unwrap_err();
    assert!(err.is_unauthenticated(), "{err:?}");

    let client = login(&server).await;
    assert_eq!(client.me().await.unwrap().username, "determined");
    let token = client.token().unwrap().to_string();
    let again = Client::with_token(&format!("{}/", server.url()), token).unwrap();
    assert_eq!(again.me().await.unwrap().username, "determined");
    assert_eq!(
        client.info().await.unwrap().version,
        modelreg_client::types::DETERMINED_API_VERSION
    );

    client.logout().await.unwrap();
    assert!(again.me().await.unwrap_err().is_unauthenticated());
    let anonymous = Client::anonymous(&server.url()).unwrap();
    assert!(anonymous
        .get_models(ModelFilter::default())
        .await
        .unwrap_err()
        .is_unauthenticated());
}
