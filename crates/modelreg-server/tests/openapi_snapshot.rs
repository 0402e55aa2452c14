//! The OpenAPI document is generated from the code; this snapshot makes any
//! change to it deliberate. To accept a change: `UPDATE_SNAPSHOTS=1 cargo test -p modelreg-server --test openapi_snapshot`.

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

#[test]
fn openapi_document_matches_the_snapshot() {
    let doc = modelreg_server::openapi_document();
    let current = serde_json::to_string_pretty(&doc).expect("serialize the spec") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, &current).unwrap();
        return;
    }
    let saved = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        saved == current,
        "the OpenAPI document changed; review the difference and run \
         `UPDATE_SNAPSHOTS=1 cargo test -p modelreg-server --test openapi_snapshot` to accept it"
    );
}

#[test]
fn every_route_is_documented_with_an_operation() {
    let doc = serde_json::to_value(modelreg_server::openapi_document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/models",
        "/api/v1/models/{modelName}",
        "/api/v1/models/{modelName}/versions/{modelVersionNum}",
        "/api/v1/models/{modelName}/metadata",
        "/api/v1/checkpoints/{checkpointUuid}",
        "/api/v1/auth/login",
        "/info",
        "/health",
    ] {
        assert!(paths.contains_key(path), "{path} is missing from the spec");
    }
    assert!(doc["components"]["schemas"]["Model"].is_object());
}
