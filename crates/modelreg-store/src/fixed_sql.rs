//! Prepared-statement caching for UPDATEs whose SQL cannot vary.
//!
//! diesel never caches an UPDATE: a changeset's optional fields can change
//! its SET list, so it builds the SQL and SQLite parses it on every run (a
//! sixth of the writer thread's time in a run of registrations). An UPDATE
//! that sets a fixed list of columns has one SQL text per Rust type, so
//! [`FixedSql`] lets diesel cache it by its type, like a SELECT. The same
//! goes for an INSERT of one row on SQLite, whose SQL diesel rebuilds on
//! every run to look the statement up.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};
use std::marker::PhantomData;

/// A statement whose SQL is the same for every value of its type `Q`; only
/// its bind parameters vary. Wrap only statements without optional parts.
/// `Id` names the statement in the cache: `Q` itself, or for a statement
/// that borrows its values (not `'static`), a `'static` type that stands
/// for it, such as its row type with `'static` lifetimes.
pub(crate) struct FixedSql<Q, Id = Q>(Q, PhantomData<Id>);

impl<Q> FixedSql<Q> {
    /// `query`, cached by its type.
    pub(crate) fn new(query: Q) -> FixedSql<Q> {
        FixedSql(query, PhantomData)
    }
}

impl<Q, Id> FixedSql<Q, Id> {
    /// `query`, cached by the type `Id`.
    pub(crate) fn named(query: Q) -> FixedSql<Q, Id> {
        FixedSql(query, PhantomData)
    }
}

impl<Q, Id, DB> QueryFragment<DB> for FixedSql<Q, Id>
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

impl<Q, Id: 'static> QueryId for FixedSql<Q, Id> {
    type QueryId = FixedSql<(), Id>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q: Query, Id> Query for FixedSql<Q, Id> {
    type SqlType = Q::SqlType;
}

impl<Q, Id, Conn> RunQueryDsl<Conn> for FixedSql<Q, Id> {}
