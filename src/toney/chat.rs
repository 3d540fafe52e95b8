//! The chat, offline: a question is matched to the insight kinds it asks
//! about, and answered from the engine with the figures, or with what is
//! still missing. Nothing here executes or follows the text it is given;
//! the artist's message and every fan-written name are data only.
//!
//! With `[toney.llm]` set, a language model phrases the answer, picking
//! among these same per-artist answers as its tool (`super::llm`).

use super::insights::{self, Action, Facts, Insight, MIN_GROUP, WEEKDAYS};

/// What a question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    BestTime,
    TopProduct,
    Tips,
    Fans,
    NewTrack,
    EarningsMix,
}

impl Intent {
    pub const ALL: [Intent; 6] =
        [Intent::BestTime, Intent::TopProduct, Intent::Tips, Intent::Fans, Intent::NewTrack, Intent::EarningsMix];

    /// The topic's name in the language model's tool.
    pub fn name(self) -> &'static str {
        match self {
            Intent::BestTime => "best_time_to_post",
            Intent::TopProduct => "best_sellers",
            Intent::Tips => "tips",
            Intent::Fans => "fans",
            Intent::NewTrack => "new_track",
            Intent::EarningsMix => "earnings_mix",
        }
    }

    pub fn parse(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Words that point at each intent, checked in this order.
const INTENTS: [(Intent, &[&str]); 6] = [
    (Intent::TopProduct, &["sold", "sell", "product", "merch", "shop", "order"]),
    (Intent::BestTime, &["when", "post", "time", "day", "hour", "schedule"]),
    (Intent::Tips, &["tip"]),
    (Intent::Fans, &["fan", "loyal", "supporter", "drift"]),
    (Intent::NewTrack, &["track", "song", "release", "stream", "music"]),
    (Intent::EarningsMix, &["money", "earn", "income", "revenue", "mix", "come from", "royalt"]),
];

/// The intents of a message, at most two, in the order listed.
pub fn intents(message: &str) -> Vec<Intent> {
    let text = message.to_lowercase();
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let matches = |key: &str| {
        if key.contains(' ') { text.contains(key) } else { words.iter().any(|w| w.starts_with(key)) }
    };
    INTENTS.iter().filter(|(_, keys)| keys.iter().any(|k| matches(k))).map(|(i, _)| *i).take(2).collect()
}

/// Toney's answer: text (shown escaped) and at most one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: String,
    pub action: Option<(String, String)>,
}

fn with(insight: &Insight) -> Option<(String, String)> {
    let Action { label, link } = &insight.action;
    Some((label.clone(), link.clone()))
}

pub const HELP: &str = "I can answer from your own numbers: \"when should I post?\", \"what sold best?\", \
\"how are tips doing?\", \"who are my top fans?\", \"how is my new track doing?\" and \"where does my money come from?\".";

/// Answers `message` from the artist's facts.
pub fn answer(message: &str, facts: &Facts) -> Answer {
    let found = intents(message);
    if found.is_empty() {
        let top = insights::all(facts);
        let body = match top.first() {
            Some(insight) => format!("{HELP}\n\nThe most useful thing I see right now: {}", insight.sentence),
            None => HELP.to_owned(),
        };
        return Answer { body, action: top.first().and_then(with) };
    }
    let parts: Vec<Answer> = found.into_iter().map(|intent| answer_one(intent, facts)).collect();
    Answer {
        body: parts.iter().map(|a| a.body.as_str()).collect::<Vec<_>>().join("\n\n"),
        action: parts.into_iter().find_map(|a| a.action),
    }
}

/// The answer about one intent, from the facts.
pub fn answer_one(intent: Intent, facts: &Facts) -> Answer {
    let money = |micros| insights::show(micros, facts.currency);
    match intent {
        Intent::BestTime => {
            let found: Vec<Insight> =
                [insights::best_day(&facts.bops), insights::best_hour(&facts.bops)].into_iter().flatten().collect();
            if let Some(first) = found.first() {
                let body = found.iter().map(|i| i.sentence.as_str()).collect::<Vec<_>>().join(" ");
                return Answer { body, action: with(first) };
            }
            let n = facts.bops.len();
            let mut per_day = [0usize; 7];
            facts.bops.iter().for_each(|b| per_day[usize::from(b.weekday)] += 1);
            let busiest = (0..7).max_by_key(|d| per_day[*d]).unwrap_or(0);
            let median = insights::median(&facts.bops.iter().map(|b| b.views_48h).collect::<Vec<_>>());
            let body = if n == 0 {
                format!(
                    "None of your Bops has finished its first 48 hours yet. I compare weekdays once one day has {MIN_GROUP} Bops and other days {MIN_GROUP} more."
                )
            } else {
                format!(
                    "Not enough to tell yet: {n} Bops have finished their first 48 hours (median {} views; most on {}s: {}). \
                     I name a best day once one weekday has {MIN_GROUP} Bops, other days {MIN_GROUP} more, and one clearly leads.",
                    insights::number(median),
                    WEEKDAYS[busiest],
                    per_day[busiest]
                )
            };
            Answer { body, action: Some(("Post a Bop".into(), "/studio/bops/new".into())) }
        }
        Intent::TopProduct => {
            if let Some(i) = insights::top_product(facts) {
                return Answer { body: i.sentence.clone(), action: with(&i) };
            }
            match facts.products.first() {
                Some(p) => Answer {
                    body: format!(
                        "\"{}\" has sold best so far: {} sold for {}. I call a best seller from {} units.",
                        p.title,
                        p.sales,
                        money(p.gross_micros),
                        insights::MIN_UNITS
                    ),
                    action: Some(("Open the product".into(), format!("/studio/shop/products/{}", p.item))),
                },
                None => Answer {
                    body: "Nothing has sold in your shop yet.".into(),
                    action: Some(("Open your shop".into(), "/studio/shop".into())),
                },
            }
        }
        Intent::Tips => {
            let mut lines = Vec::new();
            let mut action = None;
            if let Some(i) = insights::tip_growth(facts) {
                lines.push(i.sentence.clone());
                action = with(&i);
            }
            let [this, last, _] = &facts.months;
            lines.push(format!(
                "Tips in {} so far: {}; in {}: {}.",
                this.name,
                money(this.money.tips),
                last.name,
                money(last.money.tips)
            ));
            match (insights::top_tipped_bop(facts), facts.tipped_bops.first()) {
                (Some(i), _) => {
                    lines.push(i.sentence.clone());
                    action = action.or_else(|| with(&i));
                }
                (None, Some(b)) => lines.push(format!(
                    "Your most-tipped Bop so far: \"{}\", {} from {} tip{}.",
                    b.title,
                    money(b.gross_micros),
                    b.sales,
                    if b.sales == 1 { "" } else { "s" }
                )),
                (None, None) => lines.push("No Bop has been tipped yet.".into()),
            }
            Answer {
                body: lines.join(" "),
                action: action.or(Some(("See your earnings".into(), "/dashboard/earnings".into()))),
            }
        }
        Intent::Fans => {
            let mut lines = Vec::new();
            match insights::loyal_fans(facts) {
                Some(i) => lines.push(i.sentence.clone()),
                None if facts.top_fans.is_empty() => lines.push("No fan has engaged with you yet.".into()),
                None => lines.push(format!(
                    "Your fans so far: {}. I rank fans once {MIN_GROUP} have loyalty points.",
                    facts
                        .top_fans
                        .iter()
                        .map(|f| format!("{} ({} points)", f.display_name, f.points))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
            if let Some(i) = insights::drifted_fans(facts) {
                lines.push(i.sentence.clone());
            }
            Answer { body: lines.join(" "), action: Some(("See your top fans".into(), "/dashboard/fans".into())) }
        }
        Intent::NewTrack => {
            if let Some(i) = insights::track_momentum(facts) {
                return Answer { body: i.sentence.clone(), action: with(&i) };
            }
            match insights::newest_track(facts) {
                Some((t, earlier)) => Answer {
                    body: format!(
                        "\"{}\" has {} stream{} in its first 48 hours{}. {}",
                        t.title,
                        t.streams_48h,
                        if t.streams_48h == 1 { "" } else { "s" },
                        if facts.now < t.published_at + super::repo::LAUNCH_WINDOW_MS { " so far" } else { "" },
                        if earlier.len() < MIN_GROUP {
                            format!(
                                "I compare a launch with your median once you have {MIN_GROUP} earlier tracks (you have {}).",
                                earlier.len()
                            )
                        } else {
                            let m = insights::median(&earlier.iter().map(|t| t.streams_48h).collect::<Vec<_>>());
                            format!("Your median launch: {} streams ({} tracks).", insights::number(m), earlier.len())
                        }
                    ),
                    action: Some((
                        "Post a Bop about it".into(),
                        insights::announce_link(&t.track_uid, &insights::announce_caption(&t.title)),
                    )),
                },
                None => Answer {
                    body: "You have not published a track yet.".into(),
                    action: Some(("Your music".into(), "/studio/music".into())),
                },
            }
        }
        Intent::EarningsMix => {
            if let Some(i) = insights::earnings_mix(facts) {
                return Answer { body: i.sentence.clone(), action: with(&i) };
            }
            let line = |m: &insights::MonthFigures| {
                format!(
                    "{}: tips {}, royalties {}, shop {}",
                    m.name,
                    money(m.money.tips),
                    money(m.money.royalties),
                    money(m.money.shop)
                )
            };
            let [this, last, _] = &facts.months;
            Answer {
                body: format!(
                    "{} so far; {}. I compare the mix once two whole months each earned {}.",
                    line(this),
                    line(last),
                    money(insights::MIN_MONTH_MICROS)
                ),
                action: Some(("See earnings by month".into(), "/dashboard/earnings?by=month".into())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_questions_of_the_issue_find_their_intents() {
        assert_eq!(intents("What sold best last month?"), vec![Intent::TopProduct]);
        assert_eq!(intents("when should I post?"), vec![Intent::BestTime]);
        assert_eq!(intents("How are tips doing?"), vec![Intent::Tips]);
        assert_eq!(intents("who are my top fans"), vec![Intent::Fans]);
        assert_eq!(intents("how is my new track doing?"), vec![Intent::NewTrack]);
        assert_eq!(intents("Where does my money come from?"), vec![Intent::EarningsMix]);
        assert!(intents("hello there").is_empty());
    }
}
