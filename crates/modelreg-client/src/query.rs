//! Query strings of the list endpoints, in the server's camelCase names.
//! Defaults are left out, so URLs stay short; lists are repeated keys.

use modelreg_types::{ModelQuery, ModelSortBy, OrderBy, VersionQuery, VersionSortBy};

/// A query string as `(key, value)` pairs, in order.
pub(crate) type Params = Vec<(&'static str, String)>;

/// The parameters of `GET /api/v1/models`.
pub(crate) fn models(query: &ModelQuery) -> Params {
    let mut params = Params::new();
    if query.sort_by != ModelSortBy::Unspecified {
        params.push(("sortBy", query.sort_by.name().to_string()));
    }
    order(&mut params, query.order_by);
    page(&mut params, query.offset, query.limit);
    if let Some(name) = &query.name {
        params.push(("name", name.clone()));
    }
    if let Some(description) = &query.description {
        params.push(("description", description.clone()));
    }
    for label in &query.labels {
        params.push(("labels", label.clone()));
    }
    if let Some(archived) = query.archived {
        params.push(("archived", archived.to_string()));
    }
    for user in &query.users {
        params.push(("users", user.clone()));
    }
    for id in &query.user_ids {
        params.push(("userIds", id.to_string()));
    }
    if let Some(id) = query.id.filter(|id| *id != 0) {
        params.push(("id", id.to_string()));
    }
    params
}

/// The parameters of `GET /api/v1/models/{name}/versions`.
pub(crate) fn versions(query: &VersionQuery) -> Params {
    let mut params = Params::new();
    if query.sort_by != VersionSortBy::Unspecified {
        params.push(("sortBy", query.sort_by.name().to_string()));
    }
    order(&mut params, query.order_by);
    page(&mut params, query.offset, query.limit);
    params
}

/// The parameters of a plain paginated list.
pub(crate) fn pages(offset: i32, limit: i32) -> Params {
    let mut params = Params::new();
    page(&mut params, offset, limit);
    params
}

fn order(params: &mut Params, order_by: OrderBy) {
    if order_by != OrderBy::Unspecified {
        params.push(("orderBy", order_by.name().to_string()));
    }
}

fn page(params: &mut Params, offset: i32, limit: i32) {
    if offset != 0 {
        params.push(("offset", offset.to_string()));
    }
    if limit != 0 {
        params.push(("limit", limit.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(params: &Params) -> Vec<(&str, &str)> {
        params.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[test]
    fn a_default_query_has_no_parameters() {
        assert!(models(&ModelQuery::default()).is_empty());
        assert!(versions(&VersionQuery::default()).is_empty());
        assert!(pages(0, 0).is_empty());
    }

    #[test]
    fn model_queries_use_camel_case_names_and_repeat_labels() {
        let query = ModelQuery {
            name: Some("mnist".into()),
            description: Some("ocr".into()),
            labels: vec!["a".into(), "b c".into()],
            archived: Some(false),
            sort_by: ModelSortBy::CreationTime,
            order_by: OrderBy::Desc,
            offset: 10,
            limit: 5,
            ..ModelQuery::default()
        };
        assert_eq!(
            pairs(&models(&query)),
            vec![
                ("sortBy", "SORT_BY_CREATION_TIME"),
                ("orderBy", "ORDER_BY_DESC"),
                ("offset", "10"),
                ("limit", "5"),
                ("name", "mnist"),
                ("description", "ocr"),
                ("labels", "a"),
                ("labels", "b c"),
                ("archived", "false"),
            ]
        );
    }

    #[test]
    fn version_queries_name_sort_and_order() {
        let query = VersionQuery {
            sort_by: VersionSortBy::Version,
            order_by: OrderBy::Desc,
            offset: 0,
            limit: 1,
        };
        assert_eq!(
            pairs(&versions(&query)),
            vec![
                ("sortBy", "SORT_BY_VERSION"),
                ("orderBy", "ORDER_BY_DESC"),
                ("limit", "1")
            ]
        );
    }

    #[test]
    fn an_id_of_zero_is_no_filter() {
        let query = ModelQuery {
            id: Some(0),
            ..ModelQuery::default()
        };
        assert!(models(&query).is_empty());
    }
}
