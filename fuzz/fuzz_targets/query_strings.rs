//! The query-string readers of the list endpoints and the path-segment
//! readers: `modelreg_server::query::{model_query, version_query, QueryPairs}`,
//! `modelreg_server::routes::{model_key, version_number}`.
//!
//! Checks: no panic; an accepted page size is 1..=1000 (`limit=0` or none
//! means 1000); camelCase and snake_case names read the same; a model key is
//! an id only for an all-digit segment that fits an i32.

#![no_main]

use libfuzzer_sys::fuzz_target;
use modelreg_server::query::{model_query, version_query, QueryPairs, MAX_PAGE_SIZE};
use modelreg_server::routes::{model_key, version_number};
use modelreg_store::ModelKey;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let query = text.as_ref();

    if let Ok(q) = model_query(query) {
        assert!(
            (1..=MAX_PAGE_SIZE).contains(&q.limit),
            "limit {} from {query:?}",
            q.limit
        );
        // snake_case spellings of the same names read the same.
        let snake = query
            .split('&')
            .map(|pair| {
                let (key, rest) = pair.split_at(pair.find('=').unwrap_or(pair.len()));
                let key = match key {
                    "sortBy" => "sort_by",
                    "orderBy" => "order_by",
                    "userIds" => "user_ids",
                    "workspaceNames" => "workspace_names",
                    "workspaceIds" => "workspace_ids",
                    other => other,
                };
                format!("{key}{rest}")
            })
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(model_query(&snake).ok(), Some(q), "{query:?} vs {snake:?}");
    }
    if let Ok(q) = version_query(query) {
        assert!(
            (1..=MAX_PAGE_SIZE).contains(&q.limit),
            "limit {} from {query:?}",
            q.limit
        );
    }
    let pairs = QueryPairs::parse(query);
    if let Ok(page) = pairs.page() {
        assert!((1..=MAX_PAGE_SIZE).contains(&page.limit));
    }
    let _ = pairs.list("labels");
    let _ = pairs.int_list("userids", "userIds");
    let _ = pairs.bool("archived", "archived");

    // Path segments (as actix hands them over: percent-decoded text).
    match model_key(query) {
        ModelKey::Id(id) => {
            assert!(
                !query.is_empty() && query.bytes().all(|b| b.is_ascii_digit()),
                "{query:?}"
            );
            assert_eq!(query.parse::<i32>().ok(), Some(id));
        }
        ModelKey::Name(name) => assert_eq!(name, query),
    }
    if let Ok(n) = version_number(query) {
        assert!(n > 0, "version {n} from {query:?}");
    }
});
