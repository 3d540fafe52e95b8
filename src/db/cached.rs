//! Statements run through the connection's statement cache.
//!
//! `Connection::query_row` and `Connection::execute` parse and plan their SQL
//! on every call. On the pages measured at a million Bops that was a fifth
//! of the work (the public profile's artist lookup alone: 19% of its
//! profile in SQLite's parser). Repos call these instead; the cache keeps
//! [`super::connection`]'s `STATEMENTS_KEPT` statements per connection.

use rusqlite::{Connection, Params, Row};

pub trait CachedSql {
    /// [`Connection::query_row`] through the statement cache.
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;

    /// [`Connection::execute`] through the statement cache.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl CachedSql for Connection {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}
