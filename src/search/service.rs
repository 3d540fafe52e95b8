//! Search's use cases: a search over every kind, and explore.

use std::net::IpAddr;

use serde::Serialize;

use super::query::{SearchQuery, Target};
use super::repo::{self, ArtistHit, BopHit, DAY_MS, ProductHit, TrackHit};
use crate::app::AppState;
use crate::core::memo::Memo;
use crate::error::{AppError, AppResult};
use crate::media::{Audience, Media, MediaKey};

/// The kinds a search answers; `kind=` narrows it to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Artists,
    Bops,
    Tracks,
    Products,
}

impl Kind {
    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "artists" => Some(Kind::Artists),
            "bops" => Some(Kind::Bops),
            "tracks" => Some(Kind::Tracks),
            "products" => Some(Kind::Products),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtistResult {
    pub id: String,
    pub handle: String,
    pub stage_name: String,
    pub photo_url: Option<String>,
    pub url: String,
}

/// An artist inside another result.
#[derive(Debug, Clone, Serialize)]
pub struct ByArtist {
    pub id: String,
    pub handle: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BopResult {
    pub id: String,
    pub caption: String,
    pub poster_url: Option<String>,
    pub published_at: i64,
    pub artist: ByArtist,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackResult {
    pub id: String,
    pub title: String,
    pub release_id: String,
    pub artist: ByArtist,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductResult {
    pub id: String,
    pub title: String,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub artist: ByArtist,
    pub url: String,
}

/// `GET /api/v1/search`'s answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub artists: Vec<ArtistResult>,
    pub bops: Vec<BopResult>,
    pub tracks: Vec<TrackResult>,
    pub products: Vec<ProductResult>,
}

impl SearchResults {
    pub fn is_empty(&self) -> bool {
        self.artists.is_empty() && self.bops.is_empty() && self.tracks.is_empty() && self.products.is_empty()
    }
}

fn public_url(media: &Media, key: Option<&str>) -> Option<String> {
    key.and_then(MediaKey::parse).map(|k| media.link(&k, Audience::Public))
}

fn artist_result(hit: ArtistHit, media: &Media) -> ArtistResult {
    ArtistResult {
        url: format!("/@{}", hit.handle),
        photo_url: public_url(media, hit.photo_key.as_deref()),
        id: hit.uid,
        handle: hit.handle,
        stage_name: hit.stage_name,
    }
}

fn by_artist(hit: ArtistHit) -> ByArtist {
    ByArtist { id: hit.uid, handle: hit.handle, name: hit.stage_name }
}

/// What each kind is searched with, for the query's target.
struct Expressions {
    artists: Option<String>,
    /// One expression per word: Bops intersect them with a bound (`bounded`).
    bops: Option<Vec<String>>,
    tracks: Option<String>,
    products: Option<String>,
}

impl Expressions {
    fn of(query: &SearchQuery, only: Option<Kind>) -> Expressions {
        let (artists, bops, tracks, products) = match query.target {
            Target::Everything => {
                let all = query.expression.clone();
                let words = all.is_some().then(|| query.word_expressions(None));
                (all.clone(), words, all.clone(), all)
            }
            Target::Hashtag => {
                let words = query.expression.is_some().then(|| query.word_expressions(Some("tags")));
                (None, words, None, query.in_columns("tags"))
            }
            Target::Handle => (query.in_columns("handle"), None, None, None),
        };
        fn keep<T>(only: Option<Kind>, kind: Kind, e: Option<T>) -> Option<T> {
            e.filter(|_| only.is_none_or(|k| k == kind))
        }
        Expressions {
            artists: keep(only, Kind::Artists, artists),
            bops: keep(only, Kind::Bops, bops),
            tracks: keep(only, Kind::Tracks, tracks),
            products: keep(only, Kind::Products, products),
        }
    }
}

/// Searches every kind (or `only` one) for `q`, at most `limit` each,
/// within the client's budget of searches.
/// Empty or over-long text → 422 on `q`; a `limit` outside 1 to the
/// configured maximum → 422 on `limit`.
pub async fn search(
    state: &AppState,
    client: IpAddr,
    q: &str,
    limit: Option<u32>,
    only: Option<Kind>,
) -> AppResult<SearchResults> {
    let config = super::state(state).config;
    super::state(state).limits.check(client).map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    let query = SearchQuery::parse(q, config.max_query_chars as usize).map_err(|m| AppError::invalid("q", m))?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT.min(config.max_results));
    if !(1..=config.max_results).contains(&limit) {
        return Err(AppError::invalid("limit", format!("Ask for 1 to {} results.", config.max_results)));
    }
    let key = (q.to_owned(), only, limit);
    let generation = super::events::generation();
    let recent = &super::state(state).recent;
    if let Some(results) = recent.get(&key, &generation) {
        return Ok(results);
    }
    let expressions = Expressions::of(&query, only);
    let limit = limit as usize;
    let (artists, bops, tracks, products) = state
        .db
        .read(move |c| {
            let (mut a, mut b, mut t, mut p) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            if let Some(e) = &expressions.artists {
                a = tolerated(repo::search_artists(c, e, limit))?;
            }
            if let Some(words) = &expressions.bops {
                b = tolerated(repo::search_bops(c, words, limit))?;
            }
            if let Some(e) = &expressions.tracks {
                t = tolerated(repo::search_tracks(c, e, limit))?;
            }
            if let Some(e) = &expressions.products {
                p = tolerated(repo::search_products(c, e, limit))?;
            }
            Ok::<_, rusqlite::Error>((a, b, t, p))
        })
        .await?;
    let found = results(&state.media, artists, bops, tracks, products);
    recent.put(key, generation, found.clone());
    Ok(found)
}

/// Searches answered in the last seconds, by query, kind and limit, under
/// the index's generation: the same words asked again (a trending tag, a
/// name being typed by many fans) are answered without walking the index
/// again, and any change to the index makes them stale at once.
pub type RecentSearches = Memo<(String, Option<Kind>, u32), u64, SearchResults>;

/// Searches kept; past this the memo starts over (anyone can make up
/// queries, so it must not grow with them).
const RECENT_KEPT: usize = 512;
/// The longest a kept answer is served (a change the generation missed —
/// one made while the answer was being worked out — lasts at most this).
const RECENT_AGE: std::time::Duration = std::time::Duration::from_secs(5);

pub fn recent_searches() -> RecentSearches {
    Memo::new(RECENT_KEPT, Some(RECENT_AGE))
}

/// An FTS5 complaint about a query finds nothing instead of failing the
/// request. The parser quotes every word, so this is a guard for what it
/// did not foresee, logged so it gets fixed.
fn tolerated<T>(found: rusqlite::Result<Vec<T>>) -> rusqlite::Result<Vec<T>> {
    match found {
        Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.starts_with("fts5:") => {
            tracing::warn!(%message, "search query refused by FTS5");
            Ok(Vec::new())
        }
        other => other,
    }
}

/// Results per kind when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 8;

fn results(
    media: &Media,
    artists: Vec<ArtistHit>,
    bops: Vec<BopHit>,
    tracks: Vec<TrackHit>,
    products: Vec<ProductHit>,
) -> SearchResults {
    SearchResults {
        artists: artists.into_iter().map(|a| artist_result(a, media)).collect(),
        bops: bops
            .into_iter()
            .map(|b| BopResult {
                url: format!("/bops/{}", b.uid),
                poster_url: public_url(media, b.poster_key.as_deref()),
                id: b.uid,
                caption: b.caption,
                published_at: b.published_at,
                artist: by_artist(b.artist),
            })
            .collect(),
        tracks: tracks
            .into_iter()
            .map(|t| TrackResult { id: t.uid, title: t.title, release_id: t.release_uid, artist: by_artist(t.artist) })
            .collect(),
        products: products
            .into_iter()
            .map(|p| ProductResult {
                url: format!("/shop/products/{}", p.uid),
                id: p.uid,
                title: p.title,
                price_minor: p.price_minor,
                currency: p.currency,
                artist: by_artist(p.artist),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendingTag {
    pub tag: String,
    pub bops: i64,
}

/// `GET /api/v1/explore`'s answer and the explore page.
#[derive(Debug, Clone, Serialize)]
pub struct Explore {
    pub hashtags: Vec<TrendingTag>,
    pub artists: Vec<ArtistResult>,
    pub days: u32,
}

/// Hashtags and artists listed on explore.
pub const EXPLORE_SIZE: usize = 12;

/// Trending hashtags (public Bops published in the last `trending_days`)
/// and artists (follows and likes then), topped up with the most
/// followed: two reads of counts the handlers keep.
pub async fn explore(state: &AppState) -> AppResult<Explore> {
    let days = super::state(state).config.trending_days;
    let from_day = state.clock.now_ms().div_euclid(DAY_MS) - i64::from(days) + 1;
    let (tags, artists) = state
        .db
        .read(move |c| {
            let tags = repo::trending_tags(c, from_day, EXPLORE_SIZE)?;
            let mut artists = repo::trending_artists(c, from_day, EXPLORE_SIZE)?;
            if artists.len() < EXPLORE_SIZE {
                for artist in repo::most_followed_artists(c, EXPLORE_SIZE * 2)? {
                    if artists.len() < EXPLORE_SIZE && !artists.iter().any(|a| a.uid == artist.uid) {
                        artists.push(artist);
                    }
                }
            }
            Ok::<_, rusqlite::Error>((tags, artists))
        })
        .await?;
    Ok(Explore {
        hashtags: tags.into_iter().map(|(tag, bops)| TrendingTag { tag, bops }).collect(),
        artists: artists.into_iter().map(|a| artist_result(a, &state.media)).collect(),
        days,
    })
}
