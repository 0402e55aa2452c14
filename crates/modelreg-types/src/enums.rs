//! Enums of the API. On the wire they are their names (`SORT_BY_NAME`); in
//! requests, their numbers (`1`) are accepted too, as grpc-gateway does.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = ($wire:literal, $num:literal) ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, ToSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name, e.g. `SORT_BY_NAME`.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The protobuf number.
            pub fn number(self) -> i32 {
                match self { $($name::$variant => $num),+ }
            }

            /// Parses a wire name or a number written as text.
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                if let Ok(n) = text.parse::<i64>() {
                    return Self::ALL.iter().copied().find(|v| i64::from(v.number()) == n);
                }
                Self::ALL.iter().copied().find(|v| v.name() == text)
            }

            /// The accepted names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let parsed = match &value {
                    serde_json::Value::String(s) => Self::parse(s),
                    serde_json::Value::Number(n) => n.as_i64().and_then(|n| Self::parse(&n.to_string())),
                    serde_json::Value::Null => Some(Self::default()),
                    _ => None,
                };
                parsed.ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} {value}; expected one of {}",
                        stringify!($name),
                        Self::names()
                    ))
                })
            }
        }
    };
}

wire_enum! {
    /// The order in which models are listed.
    ModelSortBy {
        /// By id (creation order).
        #[default]
        Unspecified = ("SORT_BY_UNSPECIFIED", 0),
        /// By name.
        Name = ("SORT_BY_NAME", 1),
        /// By description.
        Description = ("SORT_BY_DESCRIPTION", 2),
        /// By creation time.
        CreationTime = ("SORT_BY_CREATION_TIME", 4),
        /// By last update time.
        LastUpdatedTime = ("SORT_BY_LAST_UPDATED_TIME", 5),
        /// By number of versions.
        NumVersions = ("SORT_BY_NUM_VERSIONS", 6),
        /// By workspace.
        Workspace = ("SORT_BY_WORKSPACE", 7),
    }
}

wire_enum! {
    /// The order in which model versions are listed.
    VersionSortBy {
        /// By version number.
        #[default]
        Unspecified = ("SORT_BY_UNSPECIFIED", 0),
        /// By version number.
        Version = ("SORT_BY_VERSION", 3),
        /// By creation time.
        CreationTime = ("SORT_BY_CREATION_TIME", 4),
    }
}

wire_enum! {
    /// Ascending or descending.
    OrderBy {
        /// Ascending.
        #[default]
        Unspecified = ("ORDER_BY_UNSPECIFIED", 0),
        /// Ascending.
        Asc = ("ORDER_BY_ASC", 1),
        /// Descending.
        Desc = ("ORDER_BY_DESC", 2),
    }
}

impl OrderBy {
    /// Whether this order is descending.
    pub fn is_desc(self) -> bool {
        self == OrderBy::Desc
    }
}

wire_enum! {
    /// The state of a checkpoint.
    CheckpointState {
        /// Not set.
        #[default]
        Unspecified = ("STATE_UNSPECIFIED", 0),
        /// Being written.
        Active = ("STATE_ACTIVE", 1),
        /// Complete: all its files are in place.
        Completed = ("STATE_COMPLETED", 2),
        /// Failed.
        Error = ("STATE_ERROR", 3),
        /// Deleted.
        Deleted = ("STATE_DELETED", 4),
        /// Some of its files were deleted.
        PartiallyDeleted = ("STATE_PARTIALLY_DELETED", 5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_read_names_and_numbers_and_write_names() {
        let by_name: ModelSortBy = serde_json::from_str("\"SORT_BY_NAME\"").unwrap();
        let by_number: ModelSortBy = serde_json::from_str("1").unwrap();
        assert_eq!(by_name, ModelSortBy::Name);
        assert_eq!(by_number, ModelSortBy::Name);
        assert_eq!(
            serde_json::to_string(&ModelSortBy::NumVersions).unwrap(),
            "\"SORT_BY_NUM_VERSIONS\""
        );
        assert_eq!(
            CheckpointState::parse("2"),
            Some(CheckpointState::Completed)
        );
    }

    #[test]
    fn unknown_enum_values_are_refused_with_the_accepted_names() {
        let err = serde_json::from_str::<OrderBy>("\"SIDEWAYS\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ORDER_BY_DESC"), "{err}");
        assert!(serde_json::from_str::<ModelSortBy>("3").is_err());
    }
}
