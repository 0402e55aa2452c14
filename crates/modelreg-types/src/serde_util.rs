//! Small serde helpers for Determined's JSON conventions.

use serde::{Deserialize, Deserializer, Serializer};
use std::collections::BTreeMap;

/// Accepts a 64-bit integer written as a JSON string or number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int64Repr {
    Number(i64),
    Text(String),
}

fn int64_from_repr<E: serde::de::Error>(repr: Int64Repr) -> Result<i64, E> {
    match repr {
        Int64Repr::Number(n) => Ok(n),
        Int64Repr::Text(s) => s
            .parse()
            .map_err(|_| E::custom(format!("expected a 64-bit integer, got {s:?}"))),
    }
}

/// Serializes a map of path -> size with sizes as strings, as Determined does.
pub fn serialize_sizes<S: Serializer>(
    sizes: &BTreeMap<String, i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(sizes.iter().map(|(k, v)| (k, v.to_string())))
}

/// Reads a map of path -> size whose sizes are strings or numbers; `null` is empty.
pub fn deserialize_sizes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, i64>, D::Error> {
    let raw: Option<BTreeMap<String, Int64Repr>> = Option::deserialize(deserializer)?;
    raw.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| Ok((k, int64_from_repr(v)?)))
        .collect()
}

/// Reads a value whose `null` means its default.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A 64-bit integer written as a string and read from a string or number.
pub mod int64_as_string {
    use super::{int64_from_repr, Int64Repr};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the integer as a string.
    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        int64_from_repr(Int64Repr::deserialize(deserializer)?)
    }
}
