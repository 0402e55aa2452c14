//! Request bodies and list queries all the way into the store (SQLite in a
//! temporary folder), where the input limits and name rules are enforced:
//! create/patch a model, merge metadata, create a checkpoint, replace its
//! metadata, patch a version, and list models with a query string.
//!
//! The first byte picks the operation; the rest is the body (or query).
//!
//! Checks:
//! - no panic, and never an internal or unavailable error: bad input is a 4xx;
//! - what the store accepted obeys the rules (name rules, at most 64 labels of
//!   1-128 bytes, text up to 64 KiB, metadata up to 256 KiB and 32 levels);
//! - what it accepted reads back the same;
//! - every model a name/description filter returns contains that text
//!   (ASCII case-insensitively, as SQLite's lower() works).
//!
//! Found so far: a name/description filter with a NUL character gave an
//! internal error ("unterminated string" from the FTS5 trigram index) and,
//! below 3 characters, matched every model; NUL is now refused with 400.

#![no_main]

use libfuzzer_sys::fuzz_target;
use modelreg_server::body::{parse_json, parse_maybe_wrapped};
use modelreg_server::query::model_query;
use modelreg_store::{AuthUser, ModelKey, PoolOptions, Store, StoreError};
use modelreg_types::*;
use std::sync::OnceLock;

struct World {
    store: Store,
    user: AuthUser,
    model_id: i32,
    checkpoint: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir").keep();
        let url = dir.join("fuzz.db").to_string_lossy().into_owned();
        let store = Store::open(&url, &PoolOptions::default()).expect("the store opens");
        let (token, _) = store.login("admin", "", false).expect("admin logs in");
        let user = store.authenticate(&token).expect("the session works");
        let model = store
            .create_model(
                &user,
                CreateModelRequest {
                    name: "fuzz-target".into(),
                    ..Default::default()
                },
            )
            .expect("a model");
        let checkpoint = store
            .create_checkpoint(CreateCheckpointRequest::default())
            .expect("a checkpoint")
            .uuid;
        store
            .register_version(
                &ModelKey::Id(model.id),
                &user,
                RegisterVersionRequest {
                    checkpoint_uuid: checkpoint.clone(),
                    ..Default::default()
                },
            )
            .expect("a version");
        World {
            store,
            user,
            model_id: model.id,
            checkpoint,
        }
    })
}

/// A refusal must be a client error, never a server fault.
fn client_error<T>(what: &str, result: Result<T, StoreError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e @ (StoreError::Internal(_) | StoreError::Unavailable(_))) => {
            panic!("{what}: a server fault instead of a 4xx: {e:?}")
        }
        Err(_) => None,
    }
}

fn check_name(name: &str) {
    assert!(!name.trim().is_empty(), "blank name {name:?} accepted");
    assert!(
        !name.contains("  "),
        "name {name:?} with two spaces accepted"
    );
    assert!(
        !name.contains(['/', '\\']),
        "name {name:?} with a slash accepted"
    );
    assert!(
        !name.bytes().all(|b| b.is_ascii_digit()),
        "all-digit name {name:?} accepted"
    );
    assert!(name != "." && name != "..", "name {name:?} accepted");
    assert!(name.len() <= 256, "name of {} bytes accepted", name.len());
}

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn check_metadata(m: &Metadata) {
    let v = serde_json::Value::Object(m.clone());
    assert!(
        v.to_string().len() <= 256 * 1024,
        "metadata over 256 KiB accepted"
    );
    assert!(depth(&v) <= 32, "metadata deeper than 32 accepted");
}

fn check_labels(labels: &[String]) {
    assert!(labels.len() <= 64, "{} labels accepted", labels.len());
    for l in labels {
        assert!(
            !l.trim().is_empty() && l.len() <= 128,
            "label {l:?} accepted"
        );
    }
}

fn check_model(m: &Model) {
    check_name(&m.name);
    check_labels(&m.labels);
    check_metadata(&m.metadata);
    assert!(m.description.len() <= 64 * 1024 && m.notes.len() <= 64 * 1024);
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, body)) = data.split_first() else {
        return;
    };
    let w = world();
    let target = ModelKey::Id(w.model_id);
    match op % 7 {
        0 => {
            let Ok(req) = parse_json::<CreateModelRequest>(body) else {
                return;
            };
            if let Some(m) =
                client_error("create_model", w.store.create_model(&w.user, req.clone()))
            {
                check_model(&m);
                assert_eq!(m.name, req.name);
                let back = w
                    .store
                    .get_model(&ModelKey::Name(m.name.clone()))
                    .expect("reads back");
                assert_eq!(back, m, "a created model reads back differently");
            }
        }
        1 => {
            let Ok(value) = parse_json::<serde_json::Value>(body) else {
                return;
            };
            let Ok(patch) = parse_maybe_wrapped::<PatchModelRequest>(value, "model") else {
                return;
            };
            if let Some(m) =
                client_error("patch_model", w.store.patch_model(&target, patch.clone()))
            {
                check_model(&m);
                if let Some(name) = &patch.name {
                    assert_eq!(&m.name, name);
                }
                if let Some(metadata) = &patch.metadata {
                    assert_eq!(&m.metadata, metadata, "PATCH metadata must replace");
                }
                assert_eq!(w.store.get_model(&target).expect("reads back"), m);
            }
        }
        2 => {
            let Ok(change) = parse_json::<MetadataChange>(body) else {
                return;
            };
            if let Some(m) = client_error(
                "change_model_metadata",
                w.store.change_model_metadata(&target, &change),
            ) {
                check_model(&m);
            }
        }
        3 => {
            let Ok(req) = parse_json::<CreateCheckpointRequest>(body) else {
                return;
            };
            if let Some(c) = client_error("create_checkpoint", w.store.create_checkpoint(req)) {
                check_metadata(&c.metadata);
                assert_eq!(w.store.get_checkpoint(&c.uuid).expect("reads back"), c);
            }
        }
        4 => {
            let Ok(metadata) = parse_json::<Metadata>(body) else {
                return;
            };
            if let Some(c) = client_error(
                "replace_checkpoint_metadata",
                w.store
                    .replace_checkpoint_metadata(&w.checkpoint, metadata.clone()),
            ) {
                assert_eq!(c.metadata, metadata);
                check_metadata(&c.metadata);
            }
        }
        5 => {
            let Ok(value) = parse_json::<serde_json::Value>(body) else {
                return;
            };
            let Ok(patch) = parse_maybe_wrapped::<PatchVersionRequest>(value, "modelVersion")
            else {
                return;
            };
            if let Some(v) = client_error("patch_version", w.store.patch_version(&target, 1, patch))
            {
                check_labels(&v.labels);
                check_metadata(&v.metadata);
            }
        }
        _ => {
            let query = String::from_utf8_lossy(body);
            let Ok(q) = model_query(&query) else { return };
            if let Some((models, page)) = client_error("list_models", w.store.list_models(&q)) {
                assert!(models.len() <= q.limit as usize);
                assert!(page.end_index >= page.start_index);
                for m in &models {
                    if let Some(name) = q.name.as_deref().filter(|s| !s.is_empty()) {
                        assert!(
                            m.name
                                .to_ascii_lowercase()
                                .contains(&name.to_ascii_lowercase()),
                            "filter name={name:?} returned model {:?}",
                            m.name
                        );
                    }
                    if let Some(desc) = q.description.as_deref().filter(|s| !s.is_empty()) {
                        assert!(
                            m.description
                                .to_ascii_lowercase()
                                .contains(&desc.to_ascii_lowercase()),
                            "filter description={desc:?} returned model with description {:?}",
                            m.description
                        );
                    }
                }
            }
        }
    }
});
