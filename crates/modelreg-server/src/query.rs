//! Query strings as grpc-gateway reads them: camelCase or snake_case names,
//! enums by name or number, lists as repeated keys.

use crate::errors::ServerError;
use modelreg_types::{ModelQuery, ModelSortBy, OrderBy, PageRequest, VersionQuery, VersionSortBy};

/// The longest name or description filter.
pub const MAX_FILTER_LEN: usize = 1024;

/// The most items one page holds.
pub const MAX_PAGE_SIZE: i32 = 1000;

/// The pairs of a query string, with names folded (`sort_by` and `sortBy` both read `sortby`).
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    /// Parses a raw query string.
    pub fn parse(query: &str) -> QueryPairs {
        QueryPairs(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (fold(&k), v.into_owned()))
                .collect(),
        )
    }

    fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_string();
        self.0
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of a parameter, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).last()
    }

    /// Every value of a repeated parameter, skipping empty ones.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// An integer parameter (0 when absent).
    pub fn int(&self, name: &str, display: &str) -> Result<i32, ServerError> {
        match self.get(name) {
            None | Some("") => Ok(0),
            Some(v) => v.parse().map_err(|_| {
                ServerError::BadRequest(format!(
                    "query parameter {display} must be an integer, got {v:?}"
                ))
            }),
        }
    }

    /// A list of integer parameters.
    pub fn int_list(&self, name: &str, display: &str) -> Result<Vec<i32>, ServerError> {
        self.list(name)
            .iter()
            .map(|v| {
                v.parse().map_err(|_| {
                    ServerError::BadRequest(format!(
                        "query parameter {display} must be integers, got {v:?}"
                    ))
                })
            })
            .collect()
    }

    /// A boolean parameter, if given.
    pub fn bool(&self, name: &str, display: &str) -> Result<Option<bool>, ServerError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ServerError::BadRequest(format!(
                "query parameter {display} must be true or false, got {v:?}"
            ))),
        }
    }

    /// The page asked for.
    /// The page asked for. A limit of 0 (or none) means the largest page,
    /// [`MAX_PAGE_SIZE`]; clients page on with `offset=endIndex`.
    pub fn page(&self) -> Result<PageRequest, ServerError> {
        let limit = self.int("limit", "limit")?;
        if !(0..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ServerError::BadRequest(format!(
                "query parameter limit must be between 0 and {MAX_PAGE_SIZE}, got {limit}; page on with offset=endIndex"
            )));
        }
        Ok(PageRequest {
            offset: self.int("offset", "offset")?,
            limit: if limit == 0 { MAX_PAGE_SIZE } else { limit },
        })
    }
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

macro_rules! enum_param {
    ($fn_name:ident, $ty:ty) => {
        fn $fn_name(pairs: &QueryPairs, name: &str, display: &str) -> Result<$ty, ServerError> {
            match pairs.get(name) {
                None | Some("") => Ok(<$ty>::default()),
                Some(v) => <$ty>::parse(v).ok_or_else(|| {
                    ServerError::BadRequest(format!(
                        "query parameter {display} has unknown value {v:?}; expected one of {}",
                        <$ty>::names()
                    ))
                }),
            }
        }
    };
}

enum_param!(model_sort, ModelSortBy);
enum_param!(version_sort, VersionSortBy);
enum_param!(order, OrderBy);

/// Refuses text the database cannot compare: a NUL character.
fn no_nul<'a>(values: impl IntoIterator<Item = &'a String>) -> Result<(), ServerError> {
    match values.into_iter().find(|v| v.contains('\0')) {
        Some(v) => Err(ServerError::BadRequest(format!(
            "query parameter value {v:?} contains a NUL character"
        ))),
        None => Ok(()),
    }
}

/// Reads the query of `GET /api/v1/models`.
pub fn model_query(query: &str) -> Result<ModelQuery, ServerError> {
    let p = QueryPairs::parse(query);
    no_nul(p.0.iter().map(|(_, v)| v))?;
    for key in ["name", "description"] {
        if p.get(key).is_some_and(|v| v.len() > MAX_FILTER_LEN) {
            return Err(ServerError::BadRequest(format!(
                "query parameter {key} cannot be longer than {MAX_FILTER_LEN} bytes"
            )));
        }
    }
    let page = p.page()?;
    Ok(ModelQuery {
        name: p.get("name").map(str::to_string),
        description: p.get("description").map(str::to_string),
        labels: p.list("labels"),
        archived: p.bool("archived", "archived")?,
        users: p.list("users"),
        user_ids: p.int_list("userids", "userIds")?,
        id: Some(p.int("id", "id")?),
        workspace_names: p.list("workspacenames"),
        workspace_ids: p.int_list("workspaceids", "workspaceIds")?,
        sort_by: model_sort(&p, "sortby", "sortBy")?,
        order_by: order(&p, "orderby", "orderBy")?,
        offset: page.offset,
        limit: page.limit,
    })
}

/// Reads the query of `GET /api/v1/models/{modelName}/versions`.
pub fn version_query(query: &str) -> Result<VersionQuery, ServerError> {
    let p = QueryPairs::parse(query);
    let page = p.page()?;
    Ok(VersionQuery {
        sort_by: version_sort(&p, "sortby", "sortBy")?,
        order_by: order(&p, "orderby", "orderBy")?,
        offset: page.offset,
        limit: page.limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_and_snake_names_and_enum_numbers_read_the_same() {
        let a = model_query("sortBy=SORT_BY_NAME&orderBy=ORDER_BY_DESC&labels=a&labels=b").unwrap();
        let b = model_query("sort_by=1&order_by=2&labels=a&labels=b").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.sort_by, ModelSortBy::Name);
        assert_eq!(a.labels, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn bad_values_are_refused_with_what_was_expected() {
        let err = model_query("sortBy=SORT_BY_COLOR").unwrap_err().to_string();
        assert!(err.contains("SORT_BY_NAME"), "{err}");
        assert!(model_query("limit=ten").is_err());
        assert!(model_query("archived=maybe").is_err());
        assert!(model_query("limit=-1").is_err());
        assert!(model_query("limit=1001").is_err());
        assert_eq!(model_query("limit=0").unwrap().limit, MAX_PAGE_SIZE);
    }

    #[test]
    fn nul_characters_are_refused() {
        assert!(model_query("name=a%00b").is_err());
        assert!(model_query("labels=x&labels=%00").is_err());
    }

    #[test]
    fn encoded_values_are_decoded() {
        let q = model_query("name=mnist%20cnn&description=ocr+model").unwrap();
        assert_eq!(q.name.as_deref(), Some("mnist cnn"));
        assert_eq!(q.description.as_deref(), Some("ocr model"));
    }
}
