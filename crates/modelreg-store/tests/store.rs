//! Store tests: the same bodies on SQLite always, and on PostgreSQL when
//! `MODELREG_TEST_POSTGRES_URL` is set.

use modelreg_store::testing::TestDb;
use modelreg_store::{AuthUser, ModelKey, PoolOptions, Store, StoreError};
use modelreg_types::{
    CreateCheckpointRequest, CreateModelRequest, MetadataChange, ModelQuery, ModelSortBy, OrderBy,
    RegisterVersionRequest,
};
use serde_json::json;
use std::sync::Arc;

fn open(db: &TestDb) -> Store {
    Store::open(db.url(), &PoolOptions::default()).expect("open the store")
}

fn user(store: &Store) -> AuthUser {
    let (_, user) = store
        .login("determined", "", true)
        .expect("built-in user logs in");
    AuthUser {
        id: user.id,
        username: user.username,
        role: user.role,
    }
}

fn model(store: &Store, name: &str, description: &str) -> i32 {
    let req = CreateModelRequest {
        name: name.into(),
        description: Some(description.into()),
        ..Default::default()
    };
    store
        .create_model(&user(store), req)
        .expect("create model")
        .id
}

fn checkpoint(store: &Store) -> String {
    store
        .create_checkpoint(CreateCheckpointRequest::default())
        .expect("create checkpoint")
        .uuid
}

fn register(store: &Store, name: &str, uuid: &str) -> Result<i32, StoreError> {
    let req = RegisterVersionRequest {
        checkpoint_uuid: uuid.into(),
        ..Default::default()
    };
    store
        .register_version(&ModelKey::Name(name.into()), &user(store), req)
        .map(|v| v.version)
}

fn listing_filters_sorts_and_pages_in_sql(store: Store) {
    model(&store, "mnist_cnn", "OCR digits");
    model(&store, "MNIST_pytorch", "digits");
    model(&store, "sentiment", "text");
    let query = ModelQuery {
        name: Some("mnist".into()),
        sort_by: ModelSortBy::Name,
        ..Default::default()
    };
    let (models, page) = store.list_models(&query).unwrap();
    let names: Vec<_> = models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["MNIST_pytorch", "mnist_cnn"],
        "case-insensitive match, byte order sort"
    );
    assert_eq!((page.total, page.end_index), (2, 2));
    let query = ModelQuery {
        order_by: OrderBy::Desc,
        limit: 1,
        offset: 1,
        ..Default::default()
    };
    let (models, page) = store.list_models(&query).unwrap();
    assert_eq!(models[0].name, "MNIST_pytorch");
    assert_eq!((page.start_index, page.end_index, page.total), (1, 2, 3));
    let beyond = ModelQuery {
        offset: 4,
        ..Default::default()
    };
    assert!(matches!(
        store.list_models(&beyond),
        Err(StoreError::InvalidArgument(_))
    ));
}

fn version_numbers_are_atomic_and_never_reused(store: Store) {
    model(&store, "m", "");
    let uuid = checkpoint(&store);
    let store = Arc::new(store);
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (store, uuid) = (store.clone(), uuid.clone());
            std::thread::spawn(move || register(&store, "m", &uuid).expect("register"))
        })
        .collect();
    let mut numbers: Vec<i32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=16).collect::<Vec<_>>());
    store
        .delete_version(&ModelKey::Name("m".into()), 16, &user(&store))
        .unwrap();
    assert_eq!(register(&store, "m", &uuid).unwrap(), 17);
}

fn failed_writes_change_nothing(store: Store) {
    model(&store, "m", "");
    let err = store.create_model(
        &user(&store),
        CreateModelRequest {
            name: "m".into(),
            ..Default::default()
        },
    );
    assert!(matches!(err, Err(StoreError::AlreadyExists(_))));
    store
        .set_archived(&ModelKey::Name("m".into()), true)
        .unwrap();
    let uuid = checkpoint(&store);
    assert!(matches!(
        register(&store, "m", &uuid),
        Err(StoreError::FailedPrecondition(_))
    ));
    // A registration refused for its model and its checkpoint both names
    // the model's problem first.
    let active = store
        .create_checkpoint(CreateCheckpointRequest {
            state: Some(modelreg_types::CheckpointState::Active),
            ..Default::default()
        })
        .unwrap()
        .uuid;
    let refused = |model: &str, uuid: &str| match register(&store, model, uuid) {
        Err(StoreError::FailedPrecondition(m) | StoreError::NotFound(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(refused("m", &active).contains("is archived"));
    assert!(refused("m", "no-such-checkpoint").contains("is archived"));
    assert!(refused("nope", &active).contains("model \"nope\" not found"));
    let m = store.get_model(&ModelKey::Name("m".into())).unwrap();
    assert_eq!((m.num_versions, m.archived), (0, true));
    store
        .set_archived(&ModelKey::Name("m".into()), false)
        .unwrap();
    assert!(refused("m", &active).contains("not STATE_COMPLETED"));
    assert!(refused("m", "no-such-checkpoint").contains("no-such-checkpoint"));
    let m = store.get_model(&ModelKey::Name("m".into())).unwrap();
    assert_eq!(m.num_versions, 0, "refusals changed nothing");
    assert_eq!(register(&store, "m", &uuid).unwrap(), 1);
    let by_id = store
        .register_version(
            &ModelKey::Id(m.id),
            &user(&store),
            RegisterVersionRequest {
                checkpoint_uuid: uuid.clone(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((by_id.version, by_id.model.num_versions), (2, 2));
}

fn metadata_merges_are_atomic(store: Store) {
    model(&store, "m", "");
    let store = Arc::new(store);
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let change = MetadataChange {
                    add: json!({format!("k{i}"): i}).as_object().cloned(),
                    remove: None,
                };
                store
                    .change_model_metadata(&ModelKey::Name("m".into()), &change)
                    .expect("merge");
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(
        store
            .get_model(&ModelKey::Name("m".into()))
            .unwrap()
            .metadata
            .len(),
        16
    );
}

/// Concurrent writes, some of which fail, as SQLite's group commit batches
/// them: each failure undoes only itself, and every success is saved.
fn concurrent_writes_fail_alone_and_the_rest_are_saved(store: Store, db: &TestDb) {
    model(&store, "taken", "");
    let store = Arc::new(store);
    let start = Arc::new(std::sync::Barrier::new(32));
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let (store, start) = (store.clone(), start.clone());
            std::thread::spawn(move || {
                let name = if i % 4 == 0 {
                    "taken".to_string()
                } else {
                    format!("m{i}")
                };
                let req = CreateModelRequest {
                    name,
                    labels: Some(vec![format!("l{i}")]),
                    ..Default::default()
                };
                start.wait();
                store.create_model(&user(&store), req)
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        match thread.join().unwrap() {
            Ok(m) => assert_eq!(
                (i % 4 != 0, m.name, m.labels),
                (true, format!("m{i}"), vec![format!("l{i}")])
            ),
            Err(e) => assert!(
                i % 4 == 0 && matches!(e, StoreError::AlreadyExists(_)),
                "{i}: {e}"
            ),
        }
    }
    drop(store);
    let reopened = open(db);
    let all = reopened.list_models(&ModelQuery::default()).unwrap().0;
    let mut names: Vec<String> = all.into_iter().map(|m| m.name).collect();
    names.sort();
    let mut expected: Vec<String> = (0..32)
        .filter(|i| i % 4 != 0)
        .map(|i| format!("m{i}"))
        .collect();
    expected.push("taken".into());
    expected.sort();
    assert_eq!(names, expected);
    let labels = reopened.model_labels().unwrap();
    assert_eq!(labels.len(), 24, "one label per saved model: {labels:?}");
}

/// Past `COUNT_AHEAD` matches beyond the page, `total` is a lower bound that
/// keeps clients paging (`endIndex < total`) until the real end.
fn broad_listings_count_ahead_of_the_page(store: Store) {
    let ahead = modelreg_store::COUNT_AHEAD as i32;
    // More than one chunk (512) of the search index's walk.
    let n = 815;
    let user = user(&store);
    for i in 0..n {
        let req = CreateModelRequest {
            name: format!("bulk-{i:05}"),
            ..Default::default()
        };
        store.create_model(&user, req).unwrap();
    }
    let page = |offset, limit, order_by| {
        let query = ModelQuery {
            name: Some("BULK".into()),
            offset,
            limit,
            order_by,
            ..Default::default()
        };
        store.list_models(&query).unwrap()
    };
    let names = |models: Vec<modelreg_types::Model>| -> Vec<String> {
        models.into_iter().map(|m| m.name).collect()
    };
    let (first, pagination) = page(0, 10, OrderBy::Asc);
    assert_eq!(first.len(), 10);
    assert_eq!(pagination.total, 10 + ahead, "a lower bound past the page");
    let (deep, pagination) = page(600, 100, OrderBy::Asc);
    let expected: Vec<String> = (600..700).map(|i| format!("bulk-{i:05}")).collect();
    assert_eq!((names(deep), pagination.total), (expected, 700 + ahead));
    let (newest, _) = page(0, 2, OrderBy::Desc);
    assert_eq!(
        names(newest),
        [format!("bulk-{:05}", n - 1), format!("bulk-{:05}", n - 2)]
    );
    // Walking the pages as clients do reaches every model; the last total is exact.
    let (mut seen, mut offset) = (Vec::new(), 0);
    loop {
        let (models, pagination) = page(offset, 100, OrderBy::Asc);
        seen.extend(names(models));
        if pagination.end_index >= pagination.total {
            assert_eq!(pagination.total, n);
            break;
        }
        offset = pagination.end_index;
    }
    let all: Vec<String> = (0..n).map(|i| format!("bulk-{i:05}")).collect();
    assert_eq!(seen, all);
    // A page counted from the end needs, and gets, the exact total.
    let (last, pagination) = page(-5, 10, OrderBy::Asc);
    assert_eq!((last.len(), pagination.total), (5, n));
}

fn sessions_survive_a_reopen_and_end_at_logout(store: Store, db: &TestDb) {
    let (token, _) = store.login("admin", "", false).unwrap();
    drop(store);
    let reopened = open(db);
    assert_eq!(reopened.authenticate(&token).unwrap().username, "admin");
    reopened.logout(&token).unwrap();
    assert!(matches!(
        reopened.authenticate(&token),
        Err(StoreError::Unauthenticated(_))
    ));
    reopened.set_password("admin", "s3cret").unwrap();
    assert!(
        reopened.login("admin", "", true).is_err(),
        "blank no longer works"
    );
    assert!(reopened.login("admin", "s3cret", false).is_ok());
    assert!(reopened
        .login("admin", &modelreg_store::client_side_hash("s3cret"), true)
        .is_ok());
}

/// A registration answers without reading back what it wrote; its answer
/// must be exactly what a later read of the version returns, whether the
/// model's owner registers it or another user does.
fn a_registration_answers_what_a_read_returns(store: Store) {
    let (_, admin) = store.login("admin", "", true).unwrap();
    let admin = AuthUser {
        id: admin.id,
        username: admin.username,
        role: admin.role,
    };
    let created = store
        .create_model(
            &admin,
            CreateModelRequest {
                name: "shared".into(),
                description: Some("a model with history".into()),
                labels: Some(vec!["prod".into()]),
                metadata: Some(serde_json::from_value(json!({"dataset": "s3://d"})).unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    let key = ModelKey::Name("shared".into());
    for registrant in [user(&store), admin.clone()] {
        let req = RegisterVersionRequest {
            checkpoint_uuid: checkpoint(&store),
            name: Some(format!("by {}", registrant.username)),
            comment: Some("a comment".into()),
            notes: Some("some notes".into()),
            labels: Some(vec!["a".into(), "b".into()]),
            metadata: Some(serde_json::from_value(json!({"acc": 0.9})).unwrap()),
            ..Default::default()
        };
        let answered = store.register_version(&key, &registrant, req).unwrap();
        let read = store.get_version(&key, answered.version).unwrap();
        assert_eq!(
            serde_json::to_value(&answered).unwrap(),
            serde_json::to_value(&read).unwrap()
        );
        assert_eq!(answered.model.username, "admin");
        assert_eq!(answered.username, registrant.username);
        assert!(answered.model.last_updated_time >= created.last_updated_time);
    }
    assert_eq!(store.get_model(&key).unwrap().num_versions, 2);
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { let db = super::TestDb::sqlite(); super::$name(super::open(&db)); } )*
        }
        mod postgres {
            $( #[test] fn $name() { if let Some(db) = super::TestDb::postgres() { super::$name(super::open(&db)); } } )*
        }
    };
}

on_both_backends!(
    listing_filters_sorts_and_pages_in_sql,
    version_numbers_are_atomic_and_never_reused,
    broad_listings_count_ahead_of_the_page,
    failed_writes_change_nothing,
    metadata_merges_are_atomic,
    substring_search_follows_renames_and_deletes,
    a_registration_answers_what_a_read_returns,
);

/// Tests that reopen the database take it too.
macro_rules! on_both_backends_with_db {
    ($($name:ident),* $(,)?) => {
        mod sqlite_reopened {
            $( #[test] fn $name() { let db = super::TestDb::sqlite(); super::$name(super::open(&db), &db); } )*
        }
        mod postgres_reopened {
            $( #[test] fn $name() { if let Some(db) = super::TestDb::postgres() { super::$name(super::open(&db), &db); } } )*
        }
    };
}

on_both_backends_with_db!(
    concurrent_writes_fail_alone_and_the_rest_are_saved,
    sessions_survive_a_reopen_and_end_at_logout,
);

#[test]
fn migrations_of_both_backends_stay_in_step() {
    let versions = |backend: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(versions("sqlite"), versions("postgres"));
}

fn roles_ownership_and_tokens(store: Store) {
    let admin = {
        let (_, u) = store.login("admin", "", true).unwrap();
        AuthUser {
            id: u.id,
            username: u.username,
            role: u.role,
        }
    };
    let alice_user = store
        .create_user(
            &modelreg_types::NewUser {
                username: "alice".into(),
                ..Default::default()
            },
            "Alice-pw1",
            false,
        )
        .unwrap();
    assert_eq!(alice_user.role, modelreg_types::Role::Editor);
    let alice = AuthUser {
        id: alice_user.id,
        username: "alice".into(),
        role: alice_user.role,
    };
    store
        .create_model(
            &alice,
            CreateModelRequest {
                name: "hers".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let bob_user = store
        .create_user(
            &modelreg_types::NewUser {
                username: "bob".into(),
                ..Default::default()
            },
            "Bob-pw1",
            false,
        )
        .unwrap();
    let bob = AuthUser {
        id: bob_user.id,
        username: "bob".into(),
        role: bob_user.role,
    };
    let key = ModelKey::Name("hers".into());
    assert!(matches!(
        store.delete_model(&key, &bob),
        Err(StoreError::PermissionDenied(_))
    ));
    assert!(
        store.get_model(&key).is_ok(),
        "the refused delete changed nothing"
    );

    let (secret, info) = store.create_token(&bob, "ci", None).unwrap();
    assert!(secret.starts_with("mrt_"));
    assert_eq!(store.authenticate(&secret).unwrap().username, "bob");
    assert!(
        store.list_tokens(&alice).unwrap().is_empty(),
        "others' tokens are not listed"
    );
    assert_eq!(store.list_tokens(&admin).unwrap().len(), 1);
    store.revoke_token(&bob, info.id).unwrap();
    assert!(store.authenticate(&secret).is_err(), "revoked at once");

    let (session, _) = store.login("alice", "Alice-pw1", false).unwrap();
    let deactivate = modelreg_types::PatchUserRequest {
        active: Some(false),
        ..Default::default()
    };
    assert!(matches!(
        store.patch_user(&bob, alice.id, &deactivate),
        Err(StoreError::PermissionDenied(_))
    ));
    store.patch_user(&admin, alice.id, &deactivate).unwrap();
    assert!(
        store.authenticate(&session).is_err(),
        "a deactivated user's session stops at once"
    );
    let demote = modelreg_types::PatchUserRequest {
        role: Some(modelreg_types::Role::Viewer),
        ..Default::default()
    };
    assert!(matches!(
        store.patch_user(&admin, admin.id, &demote),
        Err(StoreError::FailedPrecondition(_))
    ));
    assert_eq!(
        store.users_with_blank_password().unwrap(),
        ["admin", "determined"]
    );
    let (bob_session, _) = store.login("bob", "Bob-pw1", false).unwrap();
    let new_password = modelreg_types::PatchUserRequest {
        password: Some("Bob-pw2".into()),
        ..Default::default()
    };
    store.patch_user(&bob, bob.id, &new_password).unwrap();
    assert!(
        store.authenticate(&bob_session).is_err(),
        "a new password ends old sessions"
    );
    let conflicting = modelreg_types::PatchUserRequest {
        role: Some(modelreg_types::Role::Viewer),
        admin: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        store.patch_user(&admin, bob.id, &conflicting),
        Err(StoreError::InvalidArgument(_))
    ));
    store.delete_model(&key, &admin).unwrap();
}

#[test]
fn sqlite_roles_ownership_and_tokens() {
    let db = TestDb::sqlite();
    roles_ownership_and_tokens(open(&db));
}

#[test]
fn postgres_roles_ownership_and_tokens() {
    if let Some(db) = TestDb::postgres() {
        roles_ownership_and_tokens(open(&db));
    }
}

fn substring_search_follows_renames_and_deletes(store: Store) {
    let admin = {
        let (_, u) = store.login("admin", "", true).unwrap();
        AuthUser {
            id: u.id,
            username: u.username,
            role: u.role,
        }
    };
    model(&store, "Sentiment-Analysis", "reviews");
    model(&store, "object-detector", "boxes");
    let names = |text: &str| {
        let q = ModelQuery {
            name: Some(text.into()),
            ..Default::default()
        };
        store
            .list_models(&q)
            .unwrap()
            .0
            .into_iter()
            .map(|m| m.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names("ANALYSIS"), ["Sentiment-Analysis"]);
    assert_eq!(names("t-a"), ["Sentiment-Analysis"]);
    let rename = modelreg_types::PatchModelRequest {
        name: Some("sentiment-v2".into()),
        ..Default::default()
    };
    store
        .patch_model(&ModelKey::Name("Sentiment-Analysis".into()), rename)
        .unwrap();
    assert!(
        names("analysis").is_empty(),
        "the old name is gone from the index"
    );
    assert_eq!(names("ent-v2"), ["sentiment-v2"]);
    store
        .delete_model(&ModelKey::Name("object-detector".into()), &admin)
        .unwrap();
    assert!(names("detector").is_empty());
    let q = ModelQuery {
        description: Some("REVIEW".into()),
        ..Default::default()
    };
    assert_eq!(store.list_models(&q).unwrap().1.total, 1);
}

#[test]
fn sqlite_substring_search_uses_the_trigram_index() {
    use diesel::prelude::*;
    let db = TestDb::sqlite();
    drop(open(&db));
    let mut conn = search_attached(&db);
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let plan: Vec<Plan> = diesel::sql_query(
        "EXPLAIN QUERY PLAN SELECT id FROM models WHERE models.id IN \
         (SELECT rowid FROM search.models_search WHERE models_search MATCH 'name : \"mnist\"' \
          UNION ALL SELECT model_id FROM models_search_queue \
              WHERE seq > (SELECT applied_seq FROM search.search_state))",
    )
    .load(&mut conn)
    .unwrap();
    let plan: Vec<_> = plan.into_iter().map(|p| p.detail).collect();
    assert!(
        plan.iter().any(|d| d.contains("VIRTUAL TABLE INDEX")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|d| d == "SCAN models"),
        "no table scan: {plan:?}"
    );
}

/// A connection to a test database with its search index's file attached.
fn search_attached(db: &TestDb) -> diesel::SqliteConnection {
    use diesel::prelude::*;
    let mut conn = diesel::SqliteConnection::establish(db.url()).unwrap();
    diesel::sql_query(format!("ATTACH DATABASE '{}-search' AS search", db.url()))
        .execute(&mut conn)
        .unwrap();
    conn
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Changes queued that the search index does not hold yet, and changes queued in all.
fn search_queue(conn: &mut diesel::SqliteConnection) -> (i64, i64) {
    use diesel::prelude::*;
    let count = |conn: &mut diesel::SqliteConnection, sql: &str| {
        diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
    };
    (
        count(
            conn,
            "SELECT count(*) AS n FROM models_search_queue \
             WHERE seq > (SELECT applied_seq FROM search.search_state)",
        ),
        count(conn, "SELECT count(*) AS n FROM models_search_queue"),
    )
}

/// Writes that queue nothing for the search index (archiving `model` and
/// back), with idle spells between, until the writer has deleted every
/// queued change (it deletes those the index held one idle spell earlier).
fn writes_until_the_queue_is_empty(
    store: &Store,
    conn: &mut diesel::SqliteConnection,
    model: &str,
) {
    let key = ModelKey::Name(model.into());
    for i in 0..500 {
        if search_queue(conn).1 == 0 {
            return;
        }
        store.set_archived(&key, i % 2 == 0).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Searches on SQLite read the trigram index (a file of its own, kept by a
/// thread of its own) and the changes still queued for it: every page, in
/// both orders and by name, equals what a plain LIKE over the models finds,
/// whether a change is indexed or still queued.
#[test]
fn sqlite_search_finds_changes_still_queued_for_the_index() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let db = TestDb::sqlite();
    let store = open(&db);
    for i in 0..150 {
        model(&store, &format!("bert-indexed-{i:03}"), "");
        model(&store, &format!("resnet-{i:03}"), "");
    }
    drop(store);
    let mut conn = search_attached(&db);
    let unapplied = |conn: &mut diesel::SqliteConnection| search_queue(conn).0;
    assert_eq!(
        unapplied(&mut conn),
        0,
        "closing the store indexed the queue"
    );

    // Changes made while no store runs stay queued until its first write:
    // 150 models described anew (two queue rows each) below new models, so
    // that a search matching only new models walks more queue rows than ids.
    conn.batch_execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59) \
         INSERT INTO models(name, user_id, creation_time, last_updated_time) \
         SELECT printf('BERT-queued-%03d', i), (SELECT id FROM users WHERE username = 'admin'), 0, 0 FROM n; \
         UPDATE models SET description = 'retrained' WHERE name LIKE 'resnet-%'; \
         UPDATE models SET name = 'renamed-away' WHERE name = 'bert-indexed-001'; \
         UPDATE models SET name = 'resnet-now-bert' WHERE name = 'resnet-005'; \
         DELETE FROM models WHERE name = 'bert-indexed-002';",
    )
    .unwrap();
    assert!(unapplied(&mut conn) > 0);
    let expected = |conn: &mut diesel::SqliteConnection, text: &str, order: &str| -> Vec<String> {
        diesel::sql_query(format!(
            "SELECT name FROM models WHERE lower(name) LIKE '%{text}%' ORDER BY {order}"
        ))
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
    };

    let listed = |store: &Store, text: &str, sort_by: ModelSortBy, order_by: OrderBy| {
        let mut names: Vec<String> = Vec::new();
        loop {
            let q = ModelQuery {
                name: Some(text.into()),
                sort_by,
                order_by,
                offset: names.len() as i32,
                limit: 100,
                ..Default::default()
            };
            let (page, _) = store.list_models(&q).unwrap();
            if page.is_empty() {
                return names;
            }
            names.extend(page.into_iter().map(|m| m.name));
        }
    };
    let check = |store: &Store, conn: &mut diesel::SqliteConnection| {
        assert_eq!(expected(conn, "bert", "id").len(), 150 - 2 + 60 + 1);
        assert!(expected(conn, "bert", "id").contains(&"resnet-now-bert".to_string()));
        assert_eq!(expected(conn, "queued", "id").len(), 60);
        for text in ["Bert", "queued"] {
            let by_id = expected(conn, &text.to_lowercase(), "id");
            let asc = listed(store, text, ModelSortBy::Unspecified, OrderBy::Asc);
            assert_eq!(asc, by_id, "{text}");
            let mut by_id_desc = by_id.clone();
            by_id_desc.reverse();
            let desc = listed(store, text, ModelSortBy::Unspecified, OrderBy::Desc);
            assert_eq!(desc, by_id_desc, "{text}");
            assert_eq!(
                listed(store, text, ModelSortBy::Name, OrderBy::Asc),
                expected(conn, &text.to_lowercase(), "name, id"),
                "{text}"
            );
            let q = ModelQuery {
                name: Some(text.into()),
                ..Default::default()
            };
            assert_eq!(store.list_models(&q).unwrap().1.total, by_id.len() as i32);
        }
    };

    // A store whose index waits an hour before it takes changes: they stay
    // queued while it answers.
    let waiting = PoolOptions {
        search_index_delay: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let store = Store::open(db.url(), &waiting).unwrap();
    check(&store, &mut conn);
    let still_queued = unapplied(&mut conn);
    assert!(still_queued > 300, "{still_queued} changes queued");
    drop(store);
    assert_eq!(
        unapplied(&mut conn),
        0,
        "closing the store indexed the queue"
    );
    let store = open(&db);
    check(&store, &mut conn);

    // Once indexed, the writer deletes the queued rows the index holds, in
    // the idle spells after its writes (a write that queues nothing here).
    conn.batch_execute("UPDATE models SET description = 'again' WHERE name LIKE 'resnet-%'")
        .unwrap();
    assert!(store
        .wait_for_search_index(std::time::Duration::from_secs(10))
        .unwrap());
    assert_eq!(unapplied(&mut conn), 0);
    check(&store, &mut conn);
    writes_until_the_queue_is_empty(&store, &mut conn, "resnet-000");
    assert_eq!(
        search_queue(&mut conn),
        (0, 0),
        "the writer emptied the queue"
    );
    check(&store, &mut conn);
}

/// The search index holds nothing that is not in the models: a missing index
/// file, or one older than the database (a file restored from a backup,
/// say), is built anew when the store opens, and searches find every model.
#[test]
fn sqlite_search_index_missing_or_older_than_the_database_is_rebuilt() {
    let db = TestDb::sqlite();
    let index = format!("{}-search", db.url());
    let names = |store: &Store, text: &str| {
        assert!(store
            .wait_for_search_index(std::time::Duration::from_secs(10))
            .unwrap());
        let q = ModelQuery {
            name: Some(text.into()),
            limit: 100,
            ..Default::default()
        };
        store.list_models(&q).unwrap().0.len()
    };
    let store = open(&db);
    for i in 0..20 {
        model(&store, &format!("alpha-{i}"), "");
    }
    assert_eq!(names(&store, "alpha"), 20);
    drop(store);
    std::fs::copy(&index, format!("{index}.old")).unwrap();

    // The index takes 20 more models, and the writer deletes them from the queue.
    let store = open(&db);
    for i in 0..20 {
        model(&store, &format!("beta-{i}"), "");
    }
    assert_eq!(names(&store, "beta"), 20);
    let mut conn = search_attached(&db);
    writes_until_the_queue_is_empty(&store, &mut conn, "alpha-0");
    assert_eq!(search_queue(&mut conn).1, 0);
    drop(conn);
    drop(store);

    std::fs::rename(format!("{index}.old"), &index).unwrap();
    let store = open(&db);
    assert_eq!(names(&store, "beta"), 20, "the older index was rebuilt");
    assert_eq!(names(&store, "alpha"), 20);
    drop(store);

    for file in [
        index.clone(),
        format!("{index}-wal"),
        format!("{index}-shm"),
    ] {
        let _ = std::fs::remove_file(file);
    }
    let store = open(&db);
    assert_eq!(names(&store, "beta"), 20, "the missing index was rebuilt");
    assert_eq!(names(&store, "alpha-1"), 11);
}
