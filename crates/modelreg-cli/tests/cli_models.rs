//! The guide's `det model` commands, run as `modelreg model` against a real server.

mod common;

use common::{names, uuid, Env};
use serde_json::json;

#[test]
fn create_and_describe_a_model_as_the_guide_does() {
    let env = Env::start();
    let table = env.ok(&[
        "model",
        "create",
        "mnist_cnn",
        "--description",
        "a character recognition model",
        "--metadata",
        r#"{"dataset_url": "http://yann.lecun.com/exdb/mnist/", "git_url": "http://github.com/user/repo"}"#,
        "--labels",
        "vision,ocr",
    ]);
    assert!(
        table.contains("mnist_cnn") && table.contains("a character recognition model"),
        "{table}"
    );
    assert!(table.contains("vision, ocr"), "{table}");

    let described = env.json(&["model", "describe", "mnist_cnn"]);
    let model = &described["model"];
    assert_eq!(model["name"], "mnist_cnn");
    assert_eq!(model["description"], "a character recognition model");
    assert_eq!(
        model["metadata"],
        json!({"dataset_url": "http://yann.lecun.com/exdb/mnist/", "git_url": "http://github.com/user/repo"})
    );
    assert_eq!(model["labels"], json!(["vision", "ocr"]));
    assert_eq!(model["numVersions"], 0);
    assert_eq!(described["modelVersion"], json!(null));

    let text = env.ok(&["model", "describe", "mnist_cnn"]);
    assert!(
        text.contains("\"git_url\": \"http://github.com/user/repo\""),
        "{text}"
    );
    assert!(text.contains("No versions."), "{text}");

    // By id, too.
    let id = model["id"].to_string();
    assert_eq!(
        env.json(&["model", "describe", &id])["model"]["name"],
        "mnist_cnn"
    );
}

#[test]
fn list_sorts_by_each_key_and_filters() {
    let env = Env::start();
    for (name, description, labels) in [
        ("b-model", "zeta ocr", "x"),
        ("c-model", "alpha", "y,x"),
        ("a-model", "mid OCR", "z"),
    ] {
        env.ok(&[
            "model",
            "create",
            name,
            "--description",
            description,
            "--labels",
            labels,
        ]);
    }
    let ckpt = env.checkpoint(&uuid(1), 1);
    env.ok(&["model", "register-version", "c-model", &ckpt]);
    env.ok(&["model", "register-version", "c-model", &ckpt]);
    env.ok(&["model", "register-version", "a-model", &ckpt]);
    env.ok(&["model", "update", "b-model", "--notes", "touched last"]);

    let list = |args: &[&str]| {
        let mut all = vec!["model", "list"];
        all.extend_from_slice(args);
        names(&env.json(&all)["models"])
    };
    assert_eq!(list(&[]), ["b-model", "c-model", "a-model"]);
    assert_eq!(
        list(&["--sort-by", "name"]),
        ["a-model", "b-model", "c-model"]
    );
    assert_eq!(
        list(&["--sort-by", "name", "--order-by", "desc"]),
        ["c-model", "b-model", "a-model"]
    );
    assert_eq!(
        list(&["--sort-by", "description"]),
        ["c-model", "a-model", "b-model"]
    );
    assert_eq!(
        list(&["--sort-by", "description", "--order-by", "desc"]),
        ["b-model", "a-model", "c-model"]
    );
    assert_eq!(
        list(&["--sort-by", "creation_time", "--order-by", "desc"]),
        ["a-model", "c-model", "b-model"]
    );
    assert_eq!(
        list(&["--sort-by", "creation_time", "--order-by", "asc"]),
        ["b-model", "c-model", "a-model"]
    );
    assert_eq!(
        list(&["--sort-by", "last_updated_time", "--order-by", "desc"])[0],
        "b-model"
    );
    assert_eq!(list(&["--sort-by", "last_updated_time"])[2], "b-model");
    assert_eq!(
        list(&["--sort-by", "num_versions", "--order-by", "desc"]),
        ["c-model", "a-model", "b-model"]
    );
    assert_eq!(
        list(&["--sort-by", "num_versions"]),
        ["b-model", "a-model", "c-model"]
    );

    assert_eq!(list(&["--name", "A-MOD"]), ["a-model"]);
    assert_eq!(list(&["--description", "ocr"]), ["b-model", "a-model"]);
    assert_eq!(list(&["--label", "x"]), ["b-model", "c-model"]);
    assert_eq!(
        list(&["--label", "y", "--label", "z"]),
        ["c-model", "a-model"]
    );
    env.ok(&["model", "archive", "c-model"]);
    assert_eq!(list(&["--archived", "true"]), ["c-model"]);
    assert_eq!(
        list(&["--archived", "false", "--sort-by", "name"]),
        ["a-model", "b-model"]
    );

    // The table lists the same models in the same order, one row each.
    let table = env.ok(&["model", "list", "--sort-by", "name", "--order-by", "desc"]);
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("-model")).collect();
    assert_eq!(rows.len(), 3, "{table}");
    for (row, name) in rows.iter().zip(["c-model", "b-model", "a-model"]) {
        assert!(row.contains(name), "{name} not in {row}\n{table}");
    }
    assert!(table.lines().nth(1).unwrap().contains("Name"), "{table}");
}

#[test]
fn metadata_add_and_remove_follow_the_guide_key_by_key() {
    let env = Env::start();
    env.ok(&["model", "create", "model_name"]);
    let steps: [(&[&str], serde_json::Value); 4] = [
        (
            &["add", "model_name", r#"{"key": "value"}"#],
            json!({"key": "value"}),
        ),
        (
            &[
                "add",
                "model_name",
                r#"{"metrics": {"test_set_loss": 0.091}}"#,
            ],
            json!({"key": "value", "metrics": {"test_set_loss": 0.091}}),
        ),
        (
            &[
                "add",
                "model_name",
                r#"{"metrics": {"test_set_acc": 0.97}}"#,
            ],
            json!({"key": "value", "metrics": {"test_set_acc": 0.97}}),
        ),
        (
            &["remove", "model_name", "key"],
            json!({"metrics": {"test_set_acc": 0.97}}),
        ),
    ];
    for (args, expected) in steps {
        let mut all = vec!["model", "metadata"];
        all.extend_from_slice(args);
        // Without --json the command prints the resulting metadata, as JSON.
        let printed: serde_json::Value = serde_json::from_str(&env.ok(&all)).unwrap();
        assert_eq!(printed, expected, "after {args:?}");
        assert_eq!(
            env.json(&["model", "describe", "model_name"])["model"]["metadata"],
            expected
        );
    }
}

#[test]
fn versions_register_describe_list_and_are_never_renumbered() {
    let env = Env::start();
    env.ok(&["model", "create", "model_name"]);
    let uuids: Vec<String> = (1..=3).map(|n| env.checkpoint(&uuid(n), n * 100)).collect();
    for (i, u) in uuids.iter().enumerate() {
        let out = env.ok(&["model", "register-version", "model_name", u]);
        assert!(
            out.contains(&format!(
                "Registered version {} of model \"model_name\".",
                i + 1
            )),
            "{out}"
        );
        assert!(out.contains(u.as_str()), "{out}");
    }

    // describe shows the latest version by default, or the one asked for.
    let latest = env.json(&["model", "describe", "model_name"]);
    assert_eq!(latest["modelVersion"]["version"], 3);
    assert_eq!(
        latest["modelVersion"]["checkpoint"]["uuid"],
        uuids[2].as_str()
    );
    let text = env.ok(&["model", "describe", "model_name"]);
    assert!(
        text.contains("Latest version:") && text.contains(&uuids[2]) && !text.contains(&uuids[0]),
        "{text}"
    );
    let second = env.json(&["model", "describe", "model_name", "--version", "2"]);
    assert_eq!(
        second["modelVersion"]["checkpoint"]["uuid"],
        uuids[1].as_str()
    );
    assert_eq!(
        second["modelVersion"]["checkpoint"]["metadata"]["steps_completed"],
        200
    );

    // list-versions: newest first, in JSON and in the table.
    let listed = env.json(&["model", "list-versions", "model_name"]);
    let numbers: Vec<i64> = listed["modelVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    let table = env.ok(&["model", "list-versions", "model_name"]);
    let positions: Vec<usize> = uuids
        .iter()
        .rev()
        .map(|u| table.find(u.as_str()).expect("every uuid listed"))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "not newest first:\n{table}"
    );

    // A deleted version's number is not handed out again.
    let out = env.ok(&["model", "delete-version", "model_name", "3"]);
    assert!(out.contains("Deleted version 3"), "{out}");
    assert_eq!(
        env.json(&["model", "describe", "model_name"])["modelVersion"]["version"],
        2
    );
    let registered = env.json(&["model", "register-version", "model_name", &uuids[0]]);
    assert_eq!(registered["modelVersion"]["version"], 4);
    let listed = env.json(&["model", "list-versions", "model_name"]);
    let numbers: Vec<i64> = listed["modelVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 2, 1]);
    let err = env.fails(1, &["model", "describe", "model_name", "--version", "3"]);
    assert_eq!(err, "error: version 3 of model \"model_name\" not found\n");
}

#[test]
fn labels_archive_unarchive_and_delete() {
    let env = Env::start();
    env.ok(&["model", "create", "m1", "--labels", "shared"]);
    env.ok(&["model", "create", "m2"]);

    assert_eq!(
        env.ok(&["model", "labels", "m2", "new,shared"]),
        "new\nshared\n"
    );
    assert_eq!(env.ok(&["model", "labels", "m2"]), "new\nshared\n");
    assert_eq!(
        env.ok(&["model", "labels"]),
        "shared\nnew\n",
        "most used first"
    );
    assert_eq!(
        env.json(&["model", "labels"]),
        json!({"labels": ["shared", "new"]})
    );
    assert_eq!(
        env.json(&["model", "labels", "m2", ""])["model"]["labels"],
        json!([])
    );

    assert_eq!(
        env.ok(&["model", "archive", "m1"]),
        "Archived model \"m1\".\n"
    );
    assert_eq!(
        env.json(&["model", "describe", "m1"])["model"]["archived"],
        true
    );
    let ckpt = env.checkpoint(&uuid(9), 1);
    let err = env.fails(1, &["model", "register-version", "m1", &ckpt]);
    assert_eq!(
        err,
        "error: model \"m1\" is archived and cannot take new versions; unarchive it first\n"
    );
    assert_eq!(
        env.json(&["model", "unarchive", "m1"])["model"]["archived"],
        false
    );
    env.ok(&["model", "register-version", "m1", &ckpt]);

    let out = env.ok(&["model", "delete", "m1"]);
    assert_eq!(out, "Deleted model \"m1\" and its 1 version(s).\n");
    assert_eq!(
        env.fails(1, &["model", "describe", "m1"]),
        "error: model \"m1\" not found\n"
    );
    assert_eq!(names(&env.json(&["model", "list"])["models"]), ["m2"]);
    assert_eq!(env.json(&["model", "delete", "m2"]), json!({}));
}

#[test]
fn update_renames_and_redescribes() {
    let env = Env::start();
    env.ok(&["model", "create", "old"]);
    let updated = env.json(&[
        "model",
        "update",
        "old",
        "--new-name",
        "new",
        "-d",
        "described",
        "--notes",
        "n",
    ]);
    assert_eq!(updated["model"]["name"], "new");
    assert_eq!(updated["model"]["description"], "described");
    assert_eq!(updated["model"]["notes"], "n");
    env.fails(1, &["model", "describe", "old"]);
}

#[test]
fn checkpoints_create_describe_and_list() {
    let env = Env::start();
    let created = env.json(&[
        "checkpoint",
        "create",
        "--uuid",
        "6a24d772-f1f7-4655-9061-22d582afd96c",
        "--metadata",
        r#"{"framework": "tensorflow-1.14.0", "format": "h5"}"#,
        "--resources",
        r#"{"model.h5": 2048, "vars.json": "16"}"#,
        "--training",
        r#"{"experimentId": 1, "trialId": 1, "experimentConfig": {"name": "mnist"}, "hparams": {"lr": 0.1}}"#,
    ]);
    let checkpoint = &created["checkpoint"];
    assert_eq!(checkpoint["uuid"], "6a24d772-f1f7-4655-9061-22d582afd96c");
    assert_eq!(checkpoint["state"], "STATE_COMPLETED");
    assert_eq!(
        checkpoint["resources"],
        json!({"model.h5": "2048", "vars.json": "16"})
    );
    assert_eq!(checkpoint["training"]["trialId"], 1);

    let text = env.ok(&[
        "checkpoint",
        "describe",
        "6a24d772-f1f7-4655-9061-22d582afd96c",
    ]);
    for needle in [
        "STATE_COMPLETED",
        "model.h5 (2048 bytes)",
        "\"format\": \"h5\"",
        "\"lr\": 0.1",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    let active = env.json(&["checkpoint", "create", "--state", "active"]);
    assert_eq!(active["checkpoint"]["state"], "STATE_ACTIVE");
    let listed = env.json(&["checkpoint", "list"]);
    let uuids: Vec<&str> = listed["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(
        uuids,
        [
            "6a24d772-f1f7-4655-9061-22d582afd96c",
            active["checkpoint"]["uuid"].as_str().unwrap()
        ]
    );
    let table = env.ok(&["checkpoint", "list"]);
    assert!(
        table.contains("6a24d772-f1f7-4655-9061-22d582afd96c") && table.contains("2064"),
        "{table}"
    );

    env.ok(&["model", "create", "m"]);
    let err = env.fails(
        1,
        &[
            "model",
            "register-version",
            "m",
            active["checkpoint"]["uuid"].as_str().unwrap(),
        ],
    );
    assert!(
        err.starts_with("error: checkpoint ") && err.contains("not STATE_COMPLETED"),
        "{err}"
    );
    let err = env.fails(
        1,
        &[
            "checkpoint",
            "describe",
            "00000000-0000-4000-8000-000000000000",
        ],
    );
    assert_eq!(
        err,
        "error: checkpoint 00000000-0000-4000-8000-000000000000 not found\n"
    );
}

#[test]
fn errors_are_one_line_with_the_servers_message_and_exit_1() {
    let env = Env::start();
    env.ok(&["model", "create", "taken"]);
    assert_eq!(
        env.fails(1, &["model", "create", "taken"]),
        "error: a model named \"taken\" already exists\n"
    );
    assert_eq!(
        env.fails(1, &["model", "describe", "nope"]),
        "error: model \"nope\" not found\n"
    );
    assert_eq!(
        env.fails(1, &["model", "list-versions", "nope"]),
        "error: model \"nope\" not found\n"
    );
    assert_eq!(
        env.fails(1, &["model", "create", "a/b"]),
        "error: model names cannot have slashes\n"
    );

    // Usage errors are clap's, with exit code 2.
    let err = env.fails(2, &["model", "create", "m", "--metadata", "[1, 2]"]);
    assert!(err.contains("expected a JSON object"), "{err}");
    let err = env.fails(2, &["model", "list", "--sort-by", "colour"]);
    assert!(err.contains("creation_time"), "{err}");
    env.fails(2, &["model", "metadata", "remove", "m"]);
    env.fails(2, &["model"]);
}
