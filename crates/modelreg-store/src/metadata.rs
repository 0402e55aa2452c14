//! Metadata merge: top-level keys only, as the guide describes.

use crate::error::{StoreError, StoreResult};
use modelreg_types::{Metadata, MetadataChange};

/// Applies a change to metadata: each added key replaces its old value whole,
/// then each removed key goes. Returns whether anything changed.
pub fn apply(metadata: &mut Metadata, change: &MetadataChange) -> bool {
    let before = metadata.clone();
    if let Some(add) = &change.add {
        for (key, value) in add {
            metadata.insert(key.clone(), value.clone());
        }
    }
    for key in change.remove.iter().flatten() {
        metadata.remove(key);
    }
    *metadata != before
}

/// Checks that a change names something to do.
pub fn check_change(change: &MetadataChange) -> StoreResult<()> {
    if change.add.is_none() && change.remove.is_none() {
        return Err(StoreError::InvalidArgument(
            "a metadata change needs \"add\" (an object of keys to set) or \"remove\" (a list of keys)".into(),
        ));
    }
    Ok(())
}

/// Serializes metadata for storage.
pub fn to_text(metadata: &Metadata) -> String {
    serde_json::Value::Object(metadata.clone()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(add: serde_json::Value, remove: &[&str]) -> MetadataChange {
        MetadataChange {
            add: add.as_object().cloned(),
            remove: Some(remove.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn the_guides_example_step_by_step() {
        let mut m = Metadata::new();
        apply(&mut m, &change(json!({"key": "value"}), &[]));
        apply(
            &mut m,
            &change(json!({"metrics": {"test_set_loss": 0.091}}), &[]),
        );
        assert_eq!(
            json!(m),
            json!({"key": "value", "metrics": {"test_set_loss": 0.091}})
        );
        apply(
            &mut m,
            &change(json!({"metrics": {"test_set_acc": 0.97}}), &[]),
        );
        assert_eq!(
            json!(m),
            json!({"key": "value", "metrics": {"test_set_acc": 0.97}})
        );
        apply(&mut m, &change(json!({}), &["key"]));
        assert_eq!(json!(m), json!({"metrics": {"test_set_acc": 0.97}}));
    }

    #[test]
    fn removing_a_missing_key_changes_nothing() {
        let mut m = json!({"a": 1}).as_object().cloned().unwrap();
        assert!(!apply(&mut m, &change(json!({}), &["zzz"])));
    }
}
