//! Prepared-statement caching for UPDATEs whose SQL cannot vary.
//!
//! diesel never caches an UPDATE: a changeset's optional fields can change
//! its SET list, so it builds the SQL and SQLite parses it on every run (a
//! sixth of the writer thread's time in a run of registrations). An UPDATE
//! that sets a fixed list of columns has one SQL text per Rust type, so
//! [`FixedSql`] lets diesel cache it by its type, like a SELECT.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A statement whose SQL is the same for every value of its type `Q`; only
/// its bind parameters vary. Wrap only statements without optional parts.
pub(crate) struct FixedSql<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for FixedSql<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: 'static> QueryId for FixedSql<Q> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q: Query> Query for FixedSql<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for FixedSql<Q> {}
