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
    if name.contains("  ") {
        return invalid("model names cannot have excessive spacing");
    }
    if name.contains('/') || name.contains('\\') {
        return invalid("model names cannot have slashes");
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return invalid("model names cannot be only numbers");
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StoreError::InvalidArgument(format!(
            "model names cannot be longer than {MAX_NAME_LEN} bytes"
        )));
    }
    Ok(())
}

/// Removes repeated labels, keeping the first of each in order.
pub fn dedup_labels(labels: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    labels
        .into_iter()
        .filter(|l| seen.insert(l.clone()))
        .collect()
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
        assert!(model_name("mnist cnn-2").is_ok());
        assert!(model_name("123a").is_ok());
    }

    #[test]
    fn labels_are_deduplicated_in_order() {
        let labels = vec!["b".into(), "a".into(), "b".into()];
        assert_eq!(dedup_labels(labels), vec!["b".to_string(), "a".to_string()]);
    }
}
