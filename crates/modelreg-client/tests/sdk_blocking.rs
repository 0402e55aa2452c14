//! The guide's workflows through the blocking SDK, against a real server,
//! from plain (non-async) tests as a script would run them.

mod common;

use common::{checkpoint, names};
use modelreg_client::blocking::Client;
use modelreg_client::{to_metadata, CreateModelOptions, ModelFilter, ModelSortBy, OrderBy};
use modelreg_server::testing::TestServer;
use serde_json::json;

fn login(server: &TestServer) -> Client {
    Client::login(&server.url(), "determined", "").expect("log in as determined")
}

#[test]
fn the_guide_end_to_end() {
    let server = TestServer::start();
    let client = login(&server);

    // Registering models.
    let model = client
        .create_model(
            "model_name",
            CreateModelOptions {
                description: Some("optional description".into()),
                metadata: Some(
                    to_metadata(&json!({"optional": "JSON serializable dictionary"})).unwrap(),
                ),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(model.description, "optional description");
    assert_eq!(model.metadata["optional"], "JSON serializable dictionary");
    for (name, description) in [
        ("mnist_pytorch", "digits"),
        ("mnist_cnn", "ocr digits"),
        ("sentiment", "text"),
    ] {
        let options = CreateModelOptions {
            description: Some(description.into()),
            ..Default::default()
        };
        client.create_model(name, options).unwrap();
    }

    // Querying models.
    let all_models = client.get_models(ModelFilter::default()).unwrap();
    assert_eq!(
        names(&all_models),
        ["model_name", "mnist_pytorch", "mnist_cnn", "sentiment"]
    );
    let chronological = client
        .get_models(ModelFilter {
            sort_by: ModelSortBy::CreationTime,
            order_by: OrderBy::Desc,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        names(&chronological),
        ["sentiment", "mnist_cnn", "mnist_pytorch", "model_name"]
    );
    let mnist_models = client
        .get_models(ModelFilter {
            name: Some("mnist".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&mnist_models), ["mnist_pytorch", "mnist_cnn"]);
    let ocr_models = client
        .get_models(ModelFilter {
            description: Some("ocr".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&ocr_models), ["mnist_cnn"]);
    let mut model = client.get_model("model_name").unwrap();

    // Modifying model metadata.
    model.add_metadata(&json!({"key": "value"})).unwrap();
    model
        .add_metadata(&json!({"metrics": {"test_set_loss": 0.091}}))
        .unwrap();
    assert_eq!(
        json!(model.metadata["metrics"]),
        json!({"test_set_loss": 0.091})
    );
    model
        .add_metadata(&json!({"metrics": {"test_set_acc": 0.97}}))
        .unwrap();
    assert_eq!(
        json!(model.metadata),
        json!({"optional": "JSON serializable dictionary", "key": "value", "metrics": {"test_set_acc": 0.97}})
    );
    model.remove_metadata(["key", "optional"]).unwrap();
    assert_eq!(
        json!(model.metadata),
        json!({"metrics": {"test_set_acc": 0.97}})
    );

    // Creating versions.
    assert!(model.get_version(None).unwrap_err().is_not_found());
    let mut uuids = Vec::new();
    for steps in 1..=3 {
        let ckpt = client.create_checkpoint(checkpoint(steps)).unwrap();
        let version = model.register_version(&ckpt.uuid).unwrap();
        assert_eq!(i64::from(version.version), steps);
        uuids.push(ckpt.uuid);
    }

    // Accessing versions.
    let specific_version = model.get_version(Some(3)).unwrap();
    assert_eq!(specific_version.checkpoint().uuid, uuids[2]);
    let latest_version = model.get_version(None).unwrap();
    assert_eq!(latest_version.version, 3);
    let second = model.get_version(Some(2)).unwrap();
    assert_eq!(second.checkpoint().metadata["steps_completed"], 2);
    let model_versions = model.get_versions().unwrap();
    assert_eq!(
        model_versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );

    // Version numbers are never reused.
    latest_version.delete().unwrap();
    let ckpt = client.create_checkpoint(checkpoint(4)).unwrap();
    assert_eq!(model.register_version(&ckpt.uuid).unwrap().version, 4);
    assert_eq!(
        model
            .get_versions()
            .unwrap()
            .iter()
            .map(|v| v.number())
            .collect::<Vec<_>>(),
        [4, 2, 1]
    );

    // Labels, archive, delete.
    model.set_labels(["production"]).unwrap();
    assert_eq!(client.get_model_labels().unwrap(), ["production"]);
    model.archive().unwrap();
    let archived = client
        .get_models(ModelFilter {
            archived: Some(true),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&archived), ["model_name"]);
    assert!(model.register_version(&ckpt.uuid).unwrap_err().is_invalid());
    model.unarchive().unwrap();
    model.delete().unwrap();
    assert!(client.get_model("model_name").unwrap_err().is_not_found());
}

#[test]
fn version_handles_and_errors() {
    let server = TestServer::start();
    let client = login(&server).with_page_size(1);
    let mut model = client
        .create_model("m", CreateModelOptions::default())
        .unwrap();
    let duplicate = client
        .create_model("m", CreateModelOptions::default())
        .unwrap_err();
    assert!(duplicate.is_already_exists(), "{duplicate:?}");

    let ckpt = client.create_checkpoint(checkpoint(7)).unwrap();
    assert_eq!(client.get_checkpoint(&ckpt.uuid).unwrap(), ckpt);
    assert_eq!(client.list_checkpoints().unwrap(), vec![ckpt.clone()]);
    let mut version = model.register_version(&ckpt.uuid).unwrap();
    version.set_name("seven").unwrap();
    version.set_comment("c").unwrap();
    version.set_notes("n").unwrap();
    version.add_metadata(&json!({"x": 1, "y": 2})).unwrap();
    version.remove_metadata(["y"]).unwrap();
    let fresh = model.get_version(Some(1)).unwrap();
    assert_eq!(
        (
            fresh.name.as_str(),
            fresh.comment.as_str(),
            fresh.notes.as_str()
        ),
        ("seven", "c", "n")
    );
    assert_eq!(json!(fresh.metadata), json!({"x": 1}));

    assert_eq!(client.me().unwrap().username, "determined");
    client.logout().unwrap();
    assert!(client.me().unwrap_err().is_unauthenticated());
}
