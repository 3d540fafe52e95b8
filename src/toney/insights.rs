//! The insights engine: one useful thing to do next, with the evidence.
//!
//! [`load`] reads one artist's facts — the launch snapshots, the analytics
//! monthly rollups, earnings per item and loyalty — and nothing of any
//! other artist, never a pillar's table. The rules are pure functions of
//! those facts, each with its confidence rule: too little data gives no
//! insight (the chat still tells the figures and what is missing).

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use super::repo::{self, BopLaunch, LAUNCH_WINDOW_MS, TrackLaunch};
use crate::analytics::config::LoyaltyConfig;
use crate::analytics::figures::{self, Money as Figures, TopItem};
use crate::analytics::loyalty::{self, DriftedFan, TopFan};
use crate::core::ids::ArtistId;
use crate::core::{Currency, Money};

/// Fewest launches in a group (a weekday, an hour) and in what it is
/// compared with, before Toney says anything about it.
pub const MIN_GROUP: usize = 3;
/// A group must beat the artist's median by this much to be news.
pub const MIN_LIFT: f64 = 1.2;
/// Units sold before a product is called the best seller.
pub const MIN_UNITS: i64 = 3;
/// Tips before a Bop is called the most tipped.
pub const MIN_TIPS: i64 = 2;
/// A newest track older than this is no longer news.
pub const TRACK_NEWS_MS: i64 = 14 * 86_400_000;
/// A fan quiet for more than this many loyalty half-lives has drifted.
pub const DRIFT_HALF_LIVES: f64 = 2.0;
/// Points a drifted fan must have had to be worth naming.
pub const DRIFT_MIN_POINTS: i64 = 10;
/// A month's gross (micro-units) below which its mix is not compared.
pub const MIN_MONTH_MICROS: i64 = 1_000_000;
/// Launches read per artist: the newest 240 (eight months of daily Bops,
/// some 34 per weekday) — enough for the medians, and the dashboard reads
/// them on every visit (730 made it 3× slower at a million Bops).
pub const LAUNCHES_READ: usize = 240;

pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    BestDay,
    BestHour,
    TrackMomentum,
    TopProduct,
    TipGrowth,
    TopTippedBop,
    EarningsMix,
    LoyalFans,
    DriftedFans,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

fn figure(label: &str, value: impl ToString) -> Figure {
    Figure { label: label.to_owned(), value: value.to_string() }
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub label: String,
    pub link: String,
}

fn action(label: &str, link: impl Into<String>) -> Action {
    Action { label: label.to_owned(), link: link.into() }
}

/// One insight: what, the evidence, and what to do.
#[derive(Debug, Clone, Serialize)]
pub struct Insight {
    pub kind: Kind,
    pub sentence: String,
    /// How many launches, sales, tips or fans it rests on.
    pub samples: i64,
    /// What it was compared with, in words.
    pub comparison: String,
    /// How far above (or below) the comparison, in percent.
    pub lift_pct: Option<i64>,
    pub figures: Vec<Figure>,
    pub action: Action,
}

/// A month's name and money.
#[derive(Debug, Clone, Default)]
pub struct MonthFigures {
    pub name: String,
    pub money: Figures,
}

/// Everything the rules read about one artist.
#[derive(Debug, Clone)]
pub struct Facts {
    pub now: i64,
    pub currency: Currency,
    pub half_life_days: u32,
    /// Bop launches whose 48 hours are over, newest first.
    pub bops: Vec<BopLaunch>,
    /// Track launches, newest first.
    pub tracks: Vec<TrackLaunch>,
    /// Best-selling products and most-tipped Bops, best first.
    pub products: Vec<TopItem>,
    pub tipped_bops: Vec<TopItem>,
    /// This month so far, last month, the month before.
    pub months: [MonthFigures; 3],
    pub top_fans: Vec<TopFan>,
    pub drifted: Vec<DriftedFan>,
}

/// What the engine needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub currency: Currency,
    pub loyalty: LoyaltyConfig,
}

/// Reads the artist's facts: a dozen indexed reads, whatever the history.
pub fn load(conn: &Connection, artist: ArtistId, setup: &Setup, now: i64) -> rusqlite::Result<Facts> {
    let today = chrono::DateTime::from_timestamp_millis(now).map_or(NaiveDate::MIN, |d| d.date_naive());
    let first = today.with_day(1).unwrap_or(today);
    let mut months: [MonthFigures; 3] = Default::default();
    for (i, month) in months.iter_mut().enumerate() {
        let day = first - Months::new(i as u32);
        let key = day.format("%Y-%m").to_string();
        month.money = figures::sum_months(conn, artist, &key, &key)?.0;
        month.name = day.format("%B").to_string();
    }
    Ok(Facts {
        now,
        currency: setup.currency,
        half_life_days: setup.loyalty.half_life_days,
        bops: repo::list_complete_bop_launches(conn, artist, now, LAUNCHES_READ)?,
        tracks: repo::list_track_launches(conn, artist, 50)?,
        products: figures::top_items(conn, artist, "product", 2)?,
        tipped_bops: figures::top_items(conn, artist, "bop", 1)?,
        months,
        top_fans: loyalty::top_fans(conn, artist, &setup.loyalty, now, 3)?,
        drifted: loyalty::drifted_fans(conn, artist, &setup.loyalty, now, DRIFT_HALF_LIVES, 3)?,
    })
}

/// Every insight the artist's data supports, the most useful first.
pub fn for_artist(conn: &Connection, artist: ArtistId, setup: &Setup, now: i64) -> rusqlite::Result<Vec<Insight>> {
    Ok(all(&load(conn, artist, setup, now)?))
}

/// The rules over loaded facts, in the order they are shown.
pub fn all(facts: &Facts) -> Vec<Insight> {
    [
        best_day(&facts.bops),
        best_hour(&facts.bops),
        track_momentum(facts),
        top_product(facts),
        tip_growth(facts),
        top_tipped_bop(facts),
        earnings_mix(facts),
        loyal_fans(facts),
        drifted_fans(facts),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The best time to post, if the artist's Bops show one (the upload page).
pub fn best_time(conn: &Connection, artist: ArtistId, now: i64) -> rusqlite::Result<Option<Insight>> {
    let bops = repo::list_complete_bop_launches(conn, artist, now, LAUNCHES_READ)?;
    Ok(best_day(&bops).or_else(|| best_hour(&bops)))
}

/// The median of some counts.
pub fn median(values: &[i64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[mid] as f64 } else { (sorted[mid - 1] + sorted[mid]) as f64 / 2.0 }
}

/// A count as words show it: whole, or with one decimal.
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 { format!("{}", value.round() as i64) } else { format!("{value:.1}") }
}

fn times(lift: f64) -> String {
    format!("{lift:.1}×")
}

fn lift_pct(lift: f64) -> i64 {
    ((lift - 1.0) * 100.0).round() as i64
}

/// Micro-units shown as money.
pub fn show(micros: i64, currency: Currency) -> String {
    let text = crate::ledger::Micros(micros).format_decimal(currency.exponent());
    let minor: i64 = text.replace('.', "").parse().unwrap_or(0);
    Money::new(minor, currency).display()
}

/// The best group of launches by `key`: (key, its median, its size, the
/// artist's median, all launches, lift), under the confidence rule.
struct Group {
    key: u8,
    median: f64,
    samples: usize,
    overall: f64,
    total: usize,
    lift: f64,
}

fn best_group(launches: &[BopLaunch], key: impl Fn(&BopLaunch) -> u8) -> Option<Group> {
    let total = launches.len();
    if total < 2 * MIN_GROUP {
        return None;
    }
    let overall = median(&launches.iter().map(|l| l.views_48h).collect::<Vec<_>>());
    if overall < 1.0 {
        return None;
    }
    let mut best: Option<Group> = None;
    for k in 0..24u8 {
        let views: Vec<i64> = launches.iter().filter(|l| key(l) == k).map(|l| l.views_48h).collect();
        if views.len() < MIN_GROUP || total - views.len() < MIN_GROUP {
            continue;
        }
        let m = median(&views);
        let better = best.as_ref().is_none_or(|b| m > b.median || (m == b.median && views.len() > b.samples));
        if better {
            best = Some(Group { key: k, median: m, samples: views.len(), overall, total, lift: m / overall });
        }
    }
    best.filter(|b| b.lift >= MIN_LIFT)
}

/// The weekday (0 = Monday) Toney names as the best to post, if any.
pub fn best_weekday(bops: &[BopLaunch]) -> Option<u8> {
    best_group(bops, |l| l.weekday).map(|g| g.key)
}

/// The UTC hour Toney names as the best to post, if any.
pub fn best_hour_of_day(bops: &[BopLaunch]) -> Option<u8> {
    best_group(bops, |l| l.hour).map(|g| g.key)
}

pub fn best_day(bops: &[BopLaunch]) -> Option<Insight> {
    let g = best_group(bops, |l| l.weekday)?;
    let day = WEEKDAYS[usize::from(g.key)];
    let when = LaunchTime {
        kind: Kind::BestDay,
        subject: format!("Your {day} Bops"),
        time: day.to_owned(),
        these: format!("{day} Bops"),
        compared_figure: true,
        action: format!("Post your next Bop on a {day}"),
    };
    Some(launch_insight(&g, when))
}

pub fn best_hour(bops: &[BopLaunch]) -> Option<Insight> {
    let g = best_group(bops, |l| l.hour)?;
    let hour = format!("{:02}:00 UTC", g.key);
    let when = LaunchTime {
        kind: Kind::BestHour,
        subject: format!("Bops you post at {hour}"),
        time: hour.clone(),
        these: "Bops at that hour".to_owned(),
        compared_figure: false,
        action: format!("Post around {hour}"),
    };
    Some(launch_insight(&g, when))
}

/// How a best time to post is put into words.
struct LaunchTime {
    kind: Kind,
    /// "Your Tuesday Bops", "Bops you post at 18:00 UTC".
    subject: String,
    /// "Tuesday", "18:00 UTC".
    time: String,
    /// The group's Bops: "Tuesday Bops", "Bops at that hour".
    these: String,
    /// Whether the figures also say how many Bops were compared.
    compared_figure: bool,
    action: String,
}

/// A best time to post, from its group's figures.
fn launch_insight(g: &Group, when: LaunchTime) -> Insight {
    let LaunchTime { kind, subject, time, these, compared_figure, action: act } = when;
    let (median, overall) = (number(g.median), number(g.overall));
    let mut figures = vec![
        figure(&format!("{time} median, first 48 h"), &median),
        figure("Your median, first 48 h", &overall),
        figure(&these, g.samples),
    ];
    if compared_figure {
        figures.push(figure("Bops compared", g.total));
    }
    Insight {
        kind,
        sentence: format!(
            "{subject} do best: a median of {median} views in their first 48 hours, {} your median of {overall} ({} {these} of {}).",
            times(g.lift),
            g.samples,
            g.total
        ),
        samples: g.samples as i64,
        comparison: format!("your median of {overall} views over {} Bops", g.total),
        lift_pct: Some(lift_pct(g.lift)),
        figures,
        action: action(&act, "/studio/bops/new"),
    }
}

/// The link to the upload page with a caption and the track tagged.
pub fn announce_link(track_uid: &str, caption: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("caption", caption)
        .append_pair("track", track_uid)
        .finish();
    format!("/studio/bops/new?{query}")
}

pub fn announce_caption(title: &str) -> String {
    format!("\"{title}\" is out now — have a listen #newmusic")
}

/// The newest release's first track, and the earlier launches it is
/// compared with (those published more than 48 hours before it: separate
/// launches, complete).
pub fn newest_track(facts: &Facts) -> Option<(&TrackLaunch, Vec<&TrackLaunch>)> {
    let latest = facts.tracks.first()?;
    let newest = facts
        .tracks
        .iter()
        .filter(|t| t.release_uid == latest.release_uid)
        .min_by_key(|t| t.position)
        .unwrap_or(latest);
    let earlier =
        facts.tracks.iter().filter(|t| t.published_at + LAUNCH_WINDOW_MS <= newest.published_at).collect::<Vec<_>>();
    Some((newest, earlier))
}

pub fn track_momentum(facts: &Facts) -> Option<Insight> {
    let (newest, earlier) = newest_track(facts)?;
    if facts.now - newest.published_at > TRACK_NEWS_MS || earlier.len() < MIN_GROUP {
        return None;
    }
    let m = median(&earlier.iter().map(|t| t.streams_48h).collect::<Vec<_>>());
    if m < 1.0 {
        return None;
    }
    let lift = newest.streams_48h as f64 / m;
    if lift < MIN_LIFT {
        return None;
    }
    let so_far = if facts.now < newest.published_at + LAUNCH_WINDOW_MS { " so far" } else { "" };
    Some(Insight {
        kind: Kind::TrackMomentum,
        sentence: format!(
            "\"{}\" is moving: {} streams in its first 48 hours{so_far}, {} your median launch of {} ({} earlier tracks). Post a Bop about it while it is moving.",
            newest.title,
            newest.streams_48h,
            times(lift),
            number(m),
            earlier.len()
        ),
        samples: earlier.len() as i64,
        comparison: format!("your median launch of {} streams over {} tracks", number(m), earlier.len()),
        lift_pct: Some(lift_pct(lift)),
        figures: vec![
            figure("Streams, first 48 h", newest.streams_48h),
            figure("Your median launch", number(m)),
            figure("Earlier tracks", earlier.len()),
        ],
        action: action("Post a Bop about it", announce_link(&newest.track_uid, &announce_caption(&newest.title))),
    })
}

pub fn top_product(facts: &Facts) -> Option<Insight> {
    let top = facts.products.first().filter(|p| p.sales >= MIN_UNITS)?;
    let money = show(top.gross_micros, facts.currency);
    let (comparison, lift) = match facts.products.get(1) {
        Some(next) if next.gross_micros > 0 => {
            let lift = top.gross_micros as f64 / next.gross_micros as f64;
            (
                format!("\"{}\": {} sold, {}", next.title, next.sales, show(next.gross_micros, facts.currency)),
                Some(lift),
            )
        }
        _ => ("no other product has sold yet".to_owned(), None),
    };
    let against =
        lift.map(|l| format!(", {} your next best, \"{}\"", times(l), facts.products[1].title)).unwrap_or_default();
    Some(Insight {
        kind: Kind::TopProduct,
        sentence: format!(
            "\"{}\" sells best: {} sold for {money}{against}. Keep it in stock, or try a new colourway.",
            top.title, top.sales
        ),
        samples: top.sales,
        comparison,
        lift_pct: lift.map(lift_pct),
        figures: vec![figure("Units sold", top.sales), figure("Earned", money)],
        action: action("Restock it or add a colourway", format!("/studio/shop/products/{}", top.item)),
    })
}

pub fn tip_growth(facts: &Facts) -> Option<Insight> {
    let (last, before) = (&facts.months[1], &facts.months[2]);
    if before.money.tips <= 0 || last.money.tips <= 0 {
        return None;
    }
    let lift = last.money.tips as f64 / before.money.tips as f64;
    let pct = lift_pct(lift);
    if pct.abs() < 10 {
        return None;
    }
    let verb = if pct > 0 { "grew" } else { "fell" };
    let (l, b) = (show(last.money.tips, facts.currency), show(before.money.tips, facts.currency));
    Some(Insight {
        kind: Kind::TipGrowth,
        sentence: format!("Tips {verb} {}% in {}: {l} against {b} in {}.", pct.abs(), last.name, before.name),
        samples: 2,
        comparison: format!("{b} in {}", before.name),
        lift_pct: Some(pct),
        figures: vec![figure(&format!("Tips in {}", last.name), l), figure(&format!("Tips in {}", before.name), b)],
        action: action("See which Bops earn tips", "/dashboard/earnings"),
    })
}

pub fn top_tipped_bop(facts: &Facts) -> Option<Insight> {
    let top = facts.tipped_bops.first().filter(|b| b.sales >= MIN_TIPS)?;
    let title =
        if top.title.trim().is_empty() { "A Bop without a caption".to_owned() } else { format!("\"{}\"", top.title) };
    let money = show(top.gross_micros, facts.currency);
    Some(Insight {
        kind: Kind::TopTippedBop,
        sentence: format!(
            "{title} is your most-tipped Bop: {money} from {} tips. Fans pay for more like it.",
            top.sales
        ),
        samples: top.sales,
        comparison: "your other Bops' tips".to_owned(),
        lift_pct: None,
        figures: vec![figure("Tips", top.sales), figure("Tipped", money)],
        action: action("Post more like it", "/studio/bops/new"),
    })
}

const SOURCES: [&str; 3] = ["tips", "royalties", "shop"];

fn by_source(money: &Figures) -> [i64; 3] {
    [money.tips, money.royalties, money.shop]
}

pub fn earnings_mix(facts: &Facts) -> Option<Insight> {
    let (last, before) = (&facts.months[1], &facts.months[2]);
    if last.money.gross() < MIN_MONTH_MICROS || before.money.gross() < MIN_MONTH_MICROS {
        return None;
    }
    let (now, then) = (by_source(&last.money), by_source(&before.money));
    let (i, change) = (0..3).map(|i| (i, now[i] - then[i])).max_by_key(|(_, c)| c.abs())?;
    if change == 0 {
        return None;
    }
    let gross = last.money.gross();
    let shares: Vec<String> =
        (0..3).map(|i| format!("{} {}%", SOURCES[i], (now[i] as f64 * 100.0 / gross as f64).round() as i64)).collect();
    let verb = if change > 0 { "grew most" } else { "shrank most" };
    let (a, b) = (show(now[i], facts.currency), show(then[i], facts.currency));
    let name = SOURCES[i];
    let mut capital = name.to_owned();
    capital[..1].make_ascii_uppercase();
    Some(Insight {
        kind: Kind::EarningsMix,
        sentence: format!(
            "Your earnings in {}: {}. {capital} {verb}: {a} against {b} in {}.",
            last.name,
            shares.join(", "),
            before.name
        ),
        samples: 2,
        comparison: format!("{} in {}", show(before.money.gross(), facts.currency), before.name),
        lift_pct: (then[i] > 0).then(|| lift_pct(now[i] as f64 / then[i] as f64)),
        figures: (0..3)
            .map(|i| figure(&format!("{} in {}", SOURCES[i], last.name), show(now[i], facts.currency)))
            .chain([figure(&format!("Gross in {}", before.name), show(before.money.gross(), facts.currency))])
            .collect(),
        action: action("See earnings by month", "/dashboard/earnings?by=month"),
    })
}

pub fn loyal_fans(facts: &Facts) -> Option<Insight> {
    let fans: Vec<&TopFan> = facts.top_fans.iter().filter(|f| f.points >= 1).collect();
    if fans.len() < MIN_GROUP {
        return None;
    }
    let list: Vec<String> = fans.iter().map(|f| format!("{} ({} points)", f.display_name, f.points)).collect();
    Some(Insight {
        kind: Kind::LoyalFans,
        sentence: format!("Your most loyal fans right now: {}. A thank-you Bop keeps them close.", list.join(", ")),
        samples: fans.len() as i64,
        comparison: "your other fans' loyalty points".to_owned(),
        lift_pct: None,
        figures: fans.iter().map(|f| figure(&f.display_name, f.points)).collect(),
        action: action("See your top fans", "/dashboard/fans"),
    })
}

pub fn drifted_fans(facts: &Facts) -> Option<Insight> {
    let fans: Vec<&DriftedFan> = facts.drifted.iter().filter(|f| f.points_then >= DRIFT_MIN_POINTS).collect();
    if fans.is_empty() {
        return None;
    }
    let days = |f: &DriftedFan| (facts.now - f.last_active_at) / 86_400_000;
    let list: Vec<String> = fans
        .iter()
        .map(|f| format!("{} ({} points, quiet for {} days)", f.display_name, f.points_then, days(f)))
        .collect();
    Some(Insight {
        kind: Kind::DriftedFans,
        sentence: format!(
            "{} who used to be close {} drifted away: {}.",
            if fans.len() == 1 { "A fan" } else { "Fans" },
            if fans.len() == 1 { "has" } else { "have" },
            list.join(", ")
        ),
        samples: fans.len() as i64,
        comparison: format!(
            "no activity for over {} days ({} loyalty half-lives)",
            (DRIFT_HALF_LIVES * f64::from(facts.half_life_days)) as i64,
            number(DRIFT_HALF_LIVES)
        ),
        lift_pct: None,
        figures: fans.iter().map(|f| figure(&f.display_name, format!("{} days quiet", days(f)))).collect(),
        action: action("Win them back with a Bop", "/studio/bops/new"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_800_000_000_000;

    fn facts() -> Facts {
        Facts {
            now: NOW,
            currency: Currency::parse("USD").unwrap(),
            half_life_days: 21,
            bops: Vec::new(),
            tracks: Vec::new(),
            products: Vec::new(),
            tipped_bops: Vec::new(),
            months: Default::default(),
            top_fans: Vec::new(),
            drifted: Vec::new(),
        }
    }

    fn bop(weekday: u8, hour: u8, views: i64) -> BopLaunch {
        BopLaunch {
            bop_uid: format!("b{weekday}{hour}{views}"),
            published_at: NOW - 10 * DAY,
            weekday,
            hour,
            views_48h: views,
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[5, 1, 3]), 3.0);
        assert_eq!(median(&[4, 1, 3, 2]), 2.5);
        assert_eq!(number(2.0), "2");
        assert_eq!(number(2.5), "2.5");
    }

    #[test]
    fn best_day_needs_three_bops_in_the_group_and_three_others() {
        let mut f = facts();
        // Tuesday ×3 at 60, others ×3 at 20: enough.
        f.bops = vec![bop(1, 9, 60), bop(1, 10, 60), bop(1, 11, 60), bop(3, 9, 20), bop(4, 10, 20), bop(5, 11, 20)];
        let insight = best_day(&f.bops).expect("a best day");
        assert_eq!(insight.kind, Kind::BestDay);
        assert!(insight.sentence.contains("Tuesday"), "{}", insight.sentence);
        assert_eq!(insight.samples, 3);
        // The median of 60,60,60,20,20,20 is 40: 1.5×.
        assert_eq!(insight.lift_pct, Some(50));
        assert!(insight.sentence.contains("1.5× your median of 40"), "{}", insight.sentence);
        // Two Tuesday Bops only: nothing.
        f.bops.remove(0);
        assert!(best_day(&f.bops).is_none());
        // Three Tuesdays but only two others: nothing.
        let mut g = facts();
        g.bops = vec![bop(1, 9, 60), bop(1, 10, 60), bop(1, 11, 60), bop(3, 9, 20), bop(4, 10, 20)];
        assert!(best_day(&g.bops).is_none());
    }

    #[test]
    fn best_day_needs_a_real_lift_and_some_views() {
        let mut f = facts();
        f.bops = vec![bop(1, 9, 22), bop(1, 10, 22), bop(1, 11, 22), bop(3, 9, 20), bop(4, 10, 20), bop(5, 11, 20)];
        assert!(best_day(&f.bops).is_none(), "10% is noise");
        f.bops = vec![bop(1, 9, 3), bop(1, 10, 3), bop(1, 11, 3), bop(3, 9, 0), bop(4, 10, 0), bop(5, 11, 0)];
        // The median is 1.5 here: a lift of 2 on tiny numbers is still a lift, with samples shown.
        assert!(best_day(&f.bops).is_some());
        f.bops = vec![bop(1, 9, 1), bop(1, 10, 0), bop(1, 11, 0), bop(3, 9, 0), bop(4, 10, 0), bop(5, 11, 0)];
        assert!(best_day(&f.bops).is_none(), "a median of no views says nothing");
    }

    #[test]
    fn best_hour_groups_by_hour_with_the_same_rule() {
        let mut f = facts();
        f.bops = vec![bop(0, 18, 50), bop(2, 18, 50), bop(4, 18, 50), bop(1, 9, 10), bop(3, 9, 10), bop(5, 12, 10)];
        let insight = best_hour(&f.bops).expect("a best hour");
        assert!(insight.sentence.contains("18:00 UTC"), "{}", insight.sentence);
        f.bops.truncate(5);
        f.bops[0].hour = 7;
        assert!(best_hour(&f.bops).is_none());
    }

    fn track(uid: &str, days_ago: i64, streams: i64) -> TrackLaunch {
        TrackLaunch {
            track_uid: uid.into(),
            release_uid: format!("r-{uid}"),
            position: 1,
            title: uid.to_uppercase(),
            published_at: NOW - days_ago * DAY,
            streams_48h: streams,
        }
    }

    #[test]
    fn track_momentum_needs_three_earlier_launches_and_a_recent_track() {
        let mut f = facts();
        f.tracks = vec![track("new", 1, 40), track("a", 30, 10), track("b", 60, 20), track("c", 90, 10)];
        let insight = track_momentum(&f).expect("momentum");
        assert!(insight.sentence.contains("\"NEW\" is moving: 40 streams"), "{}", insight.sentence);
        assert!(insight.sentence.contains("so far"), "its 48 hours are not over");
        assert_eq!(insight.lift_pct, Some(300));
        assert!(insight.action.link.starts_with("/studio/bops/new?caption="), "{}", insight.action.link);
        assert!(insight.action.link.ends_with("&track=new"));
        // Two earlier launches: nothing.
        f.tracks.pop();
        assert!(track_momentum(&f).is_none());
        // An old newest track: nothing.
        let mut g = facts();
        g.tracks = vec![track("new", 20, 40), track("a", 30, 10), track("b", 60, 20), track("c", 90, 10)];
        assert!(track_momentum(&g).is_none());
        // Tracks of the same release are not each other's comparison.
        let mut h = facts();
        h.tracks = vec![track("new", 1, 40), track("same1", 1, 10), track("same2", 1, 10), track("a", 30, 10)];
        assert!(track_momentum(&h).is_none());
        // A release's first track speaks for it.
        let mut album = facts();
        album.tracks =
            vec![track("two", 1, 40), track("one", 1, 40), track("a", 30, 10), track("b", 60, 10), track("c", 90, 10)];
        album.tracks[0].position = 2;
        album.tracks[1].release_uid = "r-two".into();
        assert!(track_momentum(&album).unwrap().sentence.starts_with("\"ONE\" is moving"));
    }

    fn item(title: &str, gross: i64, sales: i64) -> TopItem {
        TopItem { item: title.to_lowercase(), title: title.into(), gross_micros: gross, sales }
    }

    #[test]
    fn top_product_needs_three_units() {
        let mut f = facts();
        f.products = vec![item("Tee", 50_000_000, 2)];
        assert!(top_product(&f).is_none());
        f.products = vec![item("Tee", 75_000_000, 3), item("Poster", 25_000_000, 2)];
        let insight = top_product(&f).expect("a best seller");
        assert!(
            insight.sentence.contains("\"Tee\" sells best: 3 sold for $75.00, 3.0× your next best"),
            "{}",
            insight.sentence
        );
        assert_eq!(insight.action.link, "/studio/shop/products/tee");
    }

    fn month(name: &str, tips: i64, royalties: i64, shop: i64) -> MonthFigures {
        MonthFigures { name: name.into(), money: Figures { tips, royalties, shop, ..Default::default() } }
    }

    #[test]
    fn tip_growth_needs_tips_in_both_months_and_a_real_change() {
        let mut f = facts();
        f.months = [month("March", 0, 0, 0), month("February", 7_000_000, 0, 0), month("January", 0, 0, 0)];
        assert!(tip_growth(&f).is_none(), "nothing to grow from");
        f.months[2] = month("January", 5_000_000, 0, 0);
        let insight = tip_growth(&f).expect("growth");
        assert_eq!(insight.sentence, "Tips grew 40% in February: $7.00 against $5.00 in January.");
        f.months[2] = month("January", 6_800_000, 0, 0);
        assert!(tip_growth(&f).is_none(), "3% is noise");
    }

    #[test]
    fn the_most_tipped_bop_needs_two_tips() {
        let mut f = facts();
        f.tipped_bops = vec![item("Night drive", 5_000_000, 1)];
        assert!(top_tipped_bop(&f).is_none());
        f.tipped_bops = vec![item("Night drive", 10_000_000, 2)];
        assert!(
            top_tipped_bop(&f)
                .unwrap()
                .sentence
                .contains("\"Night drive\" is your most-tipped Bop: $10.00 from 2 tips")
        );
    }

    #[test]
    fn earnings_mix_needs_two_months_of_income() {
        let mut f = facts();
        f.months =
            [month("March", 0, 0, 0), month("February", 1_000_000, 6_000_000, 3_000_000), month("January", 0, 0, 0)];
        assert!(earnings_mix(&f).is_none());
        f.months[2] = month("January", 1_000_000, 2_000_000, 3_000_000);
        let insight = earnings_mix(&f).expect("a mix");
        assert!(insight.sentence.contains("tips 10%, royalties 60%, shop 30%"), "{}", insight.sentence);
        assert!(
            insight.sentence.contains("Royalties grew most: $6.00 against $2.00 in January"),
            "{}",
            insight.sentence
        );
    }

    fn fan(name: &str, points: i64) -> TopFan {
        TopFan {
            display_name: name.into(),
            points,
            following: true,
            views: 0,
            likes: 0,
            comments: 0,
            tips: 0,
            purchases: 0,
            streams: 0,
        }
    }

    #[test]
    fn loyal_fans_need_three_fans_and_drifted_fans_real_loyalty() {
        let mut f = facts();
        f.top_fans = vec![fan("Ada", 40), fan("Bob", 12)];
        assert!(loyal_fans(&f).is_none());
        f.top_fans.push(fan("Cy", 3));
        assert!(loyal_fans(&f).unwrap().sentence.contains("Ada (40 points), Bob (12 points), Cy (3 points)"));
        f.drifted = vec![DriftedFan {
            display_name: "Dee".into(),
            points_then: 5,
            points_now: 1,
            last_active_at: NOW - 50 * DAY,
        }];
        assert!(drifted_fans(&f).is_none(), "five points was never close");
        f.drifted[0].points_then = 30;
        assert!(drifted_fans(&f).unwrap().sentence.contains("Dee (30 points, quiet for 50 days)"));
    }
}
