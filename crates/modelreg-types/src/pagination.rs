//! Pagination, as Determined reports it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a page sits in the whole result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Pagination {
    /// The offset that was asked for.
    pub offset: i32,
    /// The limit that was asked for; 0 means no limit.
    pub limit: i32,
    /// Index of the first item of this page in the whole result.
    pub start_index: i32,
    /// Index after the last item of this page (exclusive); page on with `offset=endIndex`.
    pub end_index: i32,
    /// Number of items in the whole result. For model listings with a `name`
    /// or `description` filter it is exact up to `endIndex` + 100; when more
    /// match it is that lower bound, so clients that page on while
    /// `endIndex < total` still reach the end.
    pub total: i32,
}

/// The page a client asked for: `offset` (negative counts back from the end)
/// and `limit` (0 means no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// The offset asked for.
    pub offset: i32,
    /// The limit asked for; 0 means no limit.
    pub limit: i32,
}

impl PageRequest {
    /// Resolves the request against a total, returning the `(start, end)`
    /// window, or `None` when the offset lies beyond the total.
    pub fn window(&self, total: i32) -> Option<(i32, i32)> {
        let start = if self.offset < 0 {
            (total + self.offset).max(0)
        } else {
            self.offset
        };
        if start > total {
            return None;
        }
        let end = if self.limit > 0 {
            start.saturating_add(self.limit).min(total)
        } else {
            total
        };
        Some((start, end))
    }

    /// The pagination block for a window of a result.
    pub fn pagination(&self, start: i32, end: i32, total: i32) -> Pagination {
        Pagination {
            offset: self.offset,
            limit: self.limit,
            start_index: start,
            end_index: end,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_clamps_to_total() {
        let page = PageRequest {
            offset: 5,
            limit: 10,
        };
        assert_eq!(page.window(8), Some((5, 8)));
        assert_eq!(page.window(100), Some((5, 15)));
    }

    #[test]
    fn zero_limit_means_everything_after_offset() {
        assert_eq!(
            PageRequest {
                offset: 2,
                limit: 0
            }
            .window(7),
            Some((2, 7))
        );
    }

    #[test]
    fn negative_offset_counts_from_the_end() {
        assert_eq!(
            PageRequest {
                offset: -3,
                limit: 0
            }
            .window(10),
            Some((7, 10))
        );
        assert_eq!(
            PageRequest {
                offset: -30,
                limit: 0
            }
            .window(10),
            Some((0, 10))
        );
    }

    #[test]
    fn offset_beyond_total_is_refused_but_at_total_is_an_empty_page() {
        assert_eq!(
            PageRequest {
                offset: 11,
                limit: 0
            }
            .window(10),
            None
        );
        assert_eq!(
            PageRequest {
                offset: 10,
                limit: 5
            }
            .window(10),
            Some((10, 10))
        );
    }
}
