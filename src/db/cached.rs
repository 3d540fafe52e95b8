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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A connection's `query_row`, `execute` or `prepare` is called with
    /// SQL as its first argument; a statement's take parameters. So a call
    /// whose first argument is a string or a `format!` parses its SQL on
    /// every run (and so does one named `sql`, the repos' habit for SQL built
    /// with `format!`): outside tests, use the cached forms.
    fn uncached_calls(source: &str) -> Vec<String> {
        let code = &source[..test_module_start(source)];
        let mut found = Vec::new();
        for method in [".query_row(", ".execute(", ".prepare("] {
            for (at, _) in code.match_indices(method) {
                let argument = code[at + method.len()..].trim_start();
                if ["\"", "r\"", "r#\"", "&format!", "format!", "&sql", "sql,"].iter().any(|p| argument.starts_with(p))
                {
                    let line = code[..at].lines().count();
                    found.push(format!("line {line}: {method}"));
                }
            }
        }
        found
    }

    /// Where the file's inline test module (`#[cfg(test)]` then `mod … {`)
    /// begins, or its end. Other test-only items (a helper function, a
    /// module kept in another file) do not end the checked part.
    fn test_module_start(source: &str) -> usize {
        source
            .match_indices("#[cfg(test)]")
            .map(|(at, attr)| at + attr.len())
            .find(|&after| {
                let rest = source[after..].trim_start();
                // A test module may lend its helpers to a neighbour's.
                let rest = rest.strip_prefix("pub(super) ").unwrap_or(rest);
                rest.starts_with("mod ") && rest.lines().next().is_some_and(|l| l.trim_end().ends_with('{'))
            })
            .map_or(source.len(), |after| after - "#[cfg(test)]".len())
    }

    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                out.extend(uncached_calls(&source).into_iter().map(|c| format!("{}: {c}", path.display())));
            }
        }
    }

    #[test]
    fn queries_outside_tests_go_through_the_statement_cache() {
        let mut found = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(
            found.is_empty(),
            "SQL parsed on every call (use query_row_cached, execute_cached, prepare_cached):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_check_sees_a_connection_call_and_not_a_statement_call() {
        let source = "fn a(c: &Connection) { c.query_row(\"SELECT 1\", [], |r| r.get(0)); stmt.execute([1]); c\n .execute(\n &format!(\"X\"), []); }";
        assert_eq!(uncached_calls(source).len(), 2);
        assert!(uncached_calls("#[cfg(test)]\nmod tests {\n c.execute(\"X\", []); }").is_empty());
        // A test-only helper or an out-of-file test module ends nothing.
        let helper = "#[cfg(test)]\nfn now() {}\n#[cfg(test)]\nmod flows;\nfn a() { c.execute(\"X\", []); }";
        assert_eq!(uncached_calls(helper).len(), 1);
    }
}
