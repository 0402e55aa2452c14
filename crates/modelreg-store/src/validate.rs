//! Validation of what users name and send, with messages they can act on.

use crate::error::{StoreError, StoreResult};

/// The longest model name accepted.
pub const MAX_NAME_LEN: usize = 256;

/// Checks a model name against Determined's rules (messages as `API.md` §3 gives them).
pub fn model_name(name: &str) -> StoreResult<()> {
    let invalid = |m: &str| Err(StoreError::InvalidArgument(m.to_string()));
    if name.trim().is_empty() {
        return invalid("model names cannot be blank");
    }
    if name.contains('\0') {
        return invalid("model names cannot contain NUL characters");
    }
    if name.contains("  ") {
        return invalid("model names cannot have excessive spacing");
    }
    if name.contains('/') || name.contains('\\') {
        return invalid("model names cannot have slashes");
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return invalid("model names cannot be only numbers");
    }
    if name == "." || name == ".." {
        // HTTP clients remove dot segments from paths, so such a model could never be read back.
        return invalid("model names cannot be . or ..");
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StoreError::InvalidArgument(format!(
            "model names cannot be longer than {MAX_NAME_LEN} bytes"
        )));
    }
    Ok(())
}

/// The most labels on one model or version.
pub const MAX_LABELS: usize = 64;
/// The longest label.
pub const MAX_LABEL_LEN: usize = 128;
/// The longest description, notes or comment.
pub const MAX_TEXT_LEN: usize = 64 * 1024;
/// The largest metadata object, serialized.
pub const MAX_METADATA_BYTES: usize = 256 * 1024;
/// The deepest nesting of metadata.
pub const MAX_METADATA_DEPTH: usize = 32;

/// Removes repeated labels, keeping the first of each in order, and checks
/// their number and lengths.
pub fn dedup_labels(labels: Vec<String>) -> StoreResult<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let labels: Vec<String> = labels
        .into_iter()
        .filter(|l| seen.insert(l.clone()))
        .collect();
    if labels.len() > MAX_LABELS {
        return Err(StoreError::InvalidArgument(format!(
            "at most {MAX_LABELS} labels are allowed, got {}",
            labels.len()
        )));
    }
    if let Some(bad) = labels
        .iter()
        .find(|l| l.trim().is_empty() || l.len() > MAX_LABEL_LEN || l.contains('\0'))
    {
        return Err(StoreError::InvalidArgument(format!(
            "label {bad:?} must be 1 to {MAX_LABEL_LEN} bytes and not blank"
        )));
    }
    Ok(labels)
}

/// Checks the length of a free-text field.
pub fn text(what: &str, value: Option<&str>, max: usize) -> StoreResult<()> {
    match value {
        Some(v) if v.contains('\0') => Err(StoreError::InvalidArgument(format!(
            "{what} cannot contain NUL characters"
        ))),
        Some(v) if v.len() > max => Err(StoreError::InvalidArgument(format!(
            "{what} cannot be longer than {max} bytes (got {})",
            v.len()
        ))),
        _ => Ok(()),
    }
}

/// Checks the size and nesting depth of a metadata object.
pub fn metadata(
    what: &str,
    metadata: &serde_json::Map<String, serde_json::Value>,
) -> StoreResult<()> {
    json_value(
        what,
        &serde_json::Value::Object(metadata.clone()),
        MAX_METADATA_BYTES,
    )
}

/// Checks the size and nesting depth of any stored JSON value.
pub fn json_value(what: &str, value: &serde_json::Value, max_bytes: usize) -> StoreResult<()> {
    fn depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    let size = value.to_string().len();
    if size > max_bytes {
        return Err(StoreError::InvalidArgument(format!(
            "{what} is {size} bytes; the limit is {max_bytes}"
        )));
    }
    if depth(value) > MAX_METADATA_DEPTH {
        return Err(StoreError::InvalidArgument(format!(
            "{what} is nested deeper than {MAX_METADATA_DEPTH} levels"
        )));
    }
    Ok(())
}

/// Checks that a workspace given by name or id is the default one.
pub fn workspace(name: Option<&str>, id: Option<i32>) -> StoreResult<i32> {
    use modelreg_types::{DEFAULT_WORKSPACE_ID, DEFAULT_WORKSPACE_NAME};
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        if name != DEFAULT_WORKSPACE_NAME {
            return Err(StoreError::NotFound(format!(
                "workspace \"{name}\" not found; this registry has only the \"{DEFAULT_WORKSPACE_NAME}\" workspace"
            )));
        }
    }
    if let Some(id) = id.filter(|id| *id != 0) {
        if id != DEFAULT_WORKSPACE_ID {
            return Err(StoreError::NotFound(format!(
                "workspace {id} not found; this registry has only workspace {DEFAULT_WORKSPACE_ID} (\"{DEFAULT_WORKSPACE_NAME}\")"
            )));
        }
    }
    Ok(DEFAULT_WORKSPACE_ID)
}

/// The longest file path accepted inside a checkpoint.
pub const MAX_PATH_LEN: usize = 1024;

/// Checks a file path inside a checkpoint: relative, `/`-separated, and
/// unable to leave the checkpoint.
pub fn file_path(path: &str) -> StoreResult<()> {
    let refuse = |why: &str| {
        Err(StoreError::InvalidArgument(format!(
            "invalid file path {path:?}: {why}"
        )))
    };
    if path.is_empty() {
        return refuse("it is empty");
    }
    if path.len() > MAX_PATH_LEN {
        return refuse(&format!("it is longer than {MAX_PATH_LEN} bytes"));
    }
    if path.contains('\0') {
        return refuse("it contains a NUL byte");
    }
    if path.contains('\\') {
        return refuse("it contains a backslash; use / between folders");
    }
    if path.starts_with('/') {
        return refuse("it is absolute; give a path relative to the checkpoint");
    }
    for segment in path.split('/') {
        match segment {
            "" => return refuse("it has an empty segment (// or a trailing /)"),
            "." | ".." => return refuse("it has a . or .. segment"),
            _ => {}
        }
    }
    Ok(())
}

/// Checks the URI of an external checkpoint.
pub fn external_uri(uri: &str) -> StoreResult<()> {
    const SCHEMES: &[&str] = &[
        "s3://", "gs://", "az://", "file://", "http://", "https://", "hdfs://",
    ];
    text("externalUri", Some(uri), MAX_PATH_LEN * 4)?;
    if !SCHEMES
        .iter()
        .any(|s| uri.starts_with(s) && uri.len() > s.len())
    {
        return Err(StoreError::InvalidArgument(format!(
            "externalUri {uri:?} must be a URI with one of the schemes {}",
            SCHEMES.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_stay_inside_the_checkpoint() {
        for good in ["model.pt", "weights/layer-1.bin", "a b/c.d"] {
            assert!(file_path(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/",
            "a\\b",
            "a\0b",
            "./a",
        ] {
            assert!(file_path(bad).is_err(), "{bad:?}");
        }
    }

    fn message(name: &str) -> String {
        model_name(name).unwrap_err().to_string()
    }

    #[test]
    fn names_follow_determined_rules() {
        assert_eq!(message("   "), "model names cannot be blank");
        assert_eq!(message("a  b"), "model names cannot have excessive spacing");
        assert_eq!(message("a/b"), "model names cannot have slashes");
        assert_eq!(message("a\\b"), "model names cannot have slashes");
        assert_eq!(message("123"), "model names cannot be only numbers");
        assert_eq!(message(".."), "model names cannot be . or ..");
        assert!(model_name("mnist cnn-2").is_ok());
        assert!(model_name("123a").is_ok());
    }

    #[test]
    fn labels_are_deduplicated_in_order_and_limited() {
        let labels = vec!["b".into(), "a".into(), "b".into()];
        assert_eq!(
            dedup_labels(labels).unwrap(),
            vec!["b".to_string(), "a".to_string()]
        );
        assert!(dedup_labels((0..65).map(|i| i.to_string()).collect()).is_err());
        assert!(dedup_labels(vec!["x".repeat(129)]).is_err());
        assert!(dedup_labels(vec![" ".into()]).is_err());
    }

    #[test]
    fn metadata_is_limited_in_size_and_depth() {
        let mut deep = serde_json::json!(1);
        for _ in 0..40 {
            deep = serde_json::json!([deep]);
        }
        let m = serde_json::json!({"deep": deep});
        assert!(metadata("metadata", m.as_object().unwrap())
            .unwrap_err()
            .to_string()
            .contains("nested deeper"));
        let big = serde_json::json!({"big": "x".repeat(MAX_METADATA_BYTES)});
        assert!(metadata("metadata", big.as_object().unwrap()).is_err());
        assert!(metadata(
            "metadata",
            serde_json::json!({"ok": [1, {"a": 2}]})
                .as_object()
                .unwrap()
        )
        .is_ok());
    }
}
