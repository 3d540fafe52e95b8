//! Bops matching several words, newest first, with a bound on the work.
//!
//! FTS5 answers one word newest-first lazily (it stops at the page's end),
//! but for `a AND b` it walks both words' postings until it has a page: two
//! common words that rarely meet ("studio rehearsal", each in a fifth of a
//! million captions) cost ~15 ms for an empty answer. Here the rarest word
//! drives, a chunk of its newest postings at a time, and each other word is
//! checked on that chunk's rowid span — by reading its postings in the span
//! when they are few, or by a rowid lookup per candidate when they are many.
//! A budget of postings read and lookups made ends the walk: a search of
//! common words looks through the newest few thousand of their Bops (where
//! fans expect to find them), while a search with one rare word is exact.

use std::collections::HashSet;

use rusqlite::{Connection, params};

/// Postings of the driving word read per step.
const CHUNK: usize = 256;
/// Postings read and lookups made (a lookup counts as many postings: it
/// costs about as much as reading that many) before the walk stops.
const BUDGET: usize = 8_192;
const LOOKUP_COST: usize = 48;

/// Newest rowids below `below` of one word's FTS expression.
fn newest(conn: &Connection, word: &str, below: i64, limit: usize) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT rowid FROM search_bops_fts WHERE search_bops_fts MATCH ?1 AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3",
    )?
    .query_map(params![word, below, limit as i64], |r| r.get(0))?
    .collect()
}

fn within(conn: &Connection, word: &str, low: i64, high: i64) -> rusqlite::Result<HashSet<i64>> {
    conn.prepare_cached("SELECT rowid FROM search_bops_fts WHERE search_bops_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3")?
        .query_map(params![word, low, high], |r| r.get(0))?
        .collect()
}

fn has(conn: &Connection, word: &str, rowid: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM search_bops_fts WHERE search_bops_fts MATCH ?1 AND rowid = ?2")?
        .exists(params![word, rowid])
}

/// How one word's postings are spread: its newest chunk and the rowids it spans.
struct Head {
    word: String,
    newest: Vec<i64>,
}

impl Head {
    /// Postings per rowid, from the newest chunk (a short chunk is all of them).
    fn density(&self, top: i64) -> f64 {
        match self.newest.last() {
            Some(oldest) if self.newest.len() == CHUNK => CHUNK as f64 / ((top - oldest + 1) as f64),
            _ => 0.0,
        }
    }
}

/// The rowids of up to `limit` Bops matching every one of `words` (each an
/// FTS5 expression for one word), newest first.
pub fn matching(conn: &Connection, words: &[String], limit: usize) -> rusqlite::Result<Vec<i64>> {
    walk(conn, words, limit).map(|(found, _)| found)
}

/// [`matching`], and the work it took (postings read, lookups weighted).
fn walk(conn: &Connection, words: &[String], limit: usize) -> rusqlite::Result<(Vec<i64>, usize)> {
    let mut heads = Vec::with_capacity(words.len());
    for word in words {
        let newest = newest(conn, word, i64::MAX, CHUNK)?;
        if newest.is_empty() {
            return Ok((Vec::new(), 0));
        }
        heads.push(Head { word: word.clone(), newest });
    }
    let top = heads.iter().map(|h| h.newest[0]).max().unwrap_or(0);
    // The driver is the word with the fewest postings: a short head, or the
    // widest span for its chunk.
    heads.sort_by(|a, b| a.density(top).total_cmp(&b.density(top)).then(a.newest.len().cmp(&b.newest.len())));
    let (driver, others) = heads.split_first().expect("at least one word");
    let mut found = Vec::new();
    let mut spent = 0;
    let mut chunk = driver.newest.clone();
    loop {
        let (high, low) = (chunk[0], *chunk.last().expect("non-empty chunk"));
        let mut candidates = chunk.clone();
        for other in others {
            let expected = (other.density(top) * ((high - low + 1) as f64)) as usize;
            if other.newest.len() < CHUNK || expected <= 4 * CHUNK {
                let present = within(conn, &other.word, low, high)?;
                spent += present.len().max(1);
                candidates.retain(|rowid| present.contains(rowid));
            } else {
                let mut kept = Vec::with_capacity(candidates.len());
                for rowid in candidates {
                    spent += LOOKUP_COST;
                    if has(conn, &other.word, rowid)? {
                        kept.push(rowid);
                    }
                }
                candidates = kept;
            }
        }
        spent += chunk.len();
        found.extend(candidates);
        if found.len() >= limit || chunk.len() < CHUNK || spent >= BUDGET {
            break;
        }
        chunk = newest(conn, &driver.word, low, CHUNK)?;
        if chunk.is_empty() {
            break;
        }
    }
    found.truncate(limit);
    Ok((found, spent))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` captions: "studio" in every fifth, "rehearsal" in the next
    /// (never together), "night" in every third, and `extra` rows' own words.
    fn corpus(n: i64, extra: &[(i64, &str)]) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE search_bops_fts USING fts5 (caption, tags, tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\")").unwrap();
        let mut insert =
            conn.prepare_cached("INSERT INTO search_bops_fts (rowid, caption, tags) VALUES (?1, ?2, '')").unwrap();
        for id in 1..=n {
            let mut words = vec!["song"];
            match id % 5 {
                0 => words.push("studio"),
                1 => words.push("rehearsal"),
                _ => {}
            }
            if id % 3 == 0 {
                words.push("night");
            }
            let own = extra.iter().find(|(at, _)| *at == id).map(|(_, w)| *w);
            words.extend(own);
            insert.execute(params![id, words.join(" ")]).unwrap();
        }
        drop(insert);
        conn
    }

    fn exact(conn: &Connection, words: &[&str], limit: usize) -> Vec<i64> {
        let expression = words.join(" ");
        conn.prepare_cached(
            "SELECT rowid FROM search_bops_fts WHERE search_bops_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )
        .unwrap()
        .query_map(params![expression, limit as i64], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn common_words_that_meet_give_the_exact_newest_page() {
        let conn = corpus(50_000, &[]);
        for query in
            [&["\"studio\"", "\"night\""][..], &["\"night\"", "\"song\"", "\"rehearsa\"*"], &["\"so\"*", "\"studio\""]]
        {
            assert_eq!(matching(&conn, &words(query), 20).unwrap(), exact(&conn, query, 20), "{query:?}");
        }
    }

    #[test]
    fn a_rare_word_is_found_however_old_and_however_common_the_others() {
        let conn = corpus(50_000, &[(10, "zebra"), (15, "zebra"), (40_000, "zebra")]);
        let query = ["\"studio\"", "\"zebra\""];
        assert_eq!(matching(&conn, &words(&query), 20).unwrap(), vec![40_000, 15, 10]);
        assert_eq!(matching(&conn, &words(&query), 20).unwrap(), exact(&conn, &query, 20));
        assert_eq!(matching(&conn, &words(&["\"zebra\"", "\"rehearsal\""]), 20).unwrap(), Vec::<i64>::new());
        assert_eq!(matching(&conn, &words(&["\"nothing\"", "\"studio\""]), 20).unwrap(), Vec::<i64>::new());
    }

    #[test]
    fn common_words_that_never_meet_stop_within_the_budget() {
        let conn = corpus(200_000, &[(5, "studio rehearsal")]);
        // The exact answer is one old Bop; the bounded walk looks through
        // the newest few thousand and gives up: the bound is the point.
        assert_eq!(exact(&conn, &["\"studio\"", "\"rehearsal\""], 20), vec![5]);
        let (found, spent) = walk(&conn, &words(&["\"studio\"", "\"rehearsal\""]), 20).unwrap();
        assert!(found.is_empty());
        assert!(spent <= BUDGET + 2 * CHUNK, "the walk read {spent} postings, not the whole index");
        // One rare word among common ones stays exact at any age, cheaply.
        let conn = corpus(200_000, &[(7, "zebra studio")]);
        let (found, spent) = walk(&conn, &words(&["\"studio\"", "\"zebra\""]), 20).unwrap();
        assert_eq!(found, vec![7]);
        assert!(spent < 1_000, "{spent}");
    }
}
