//! Row-id newtypes, one per entity, so a `BopId` cannot be passed where a
//! `UserId` belongs. They read and write SQLite integers; a stored value that
//! is not one fails loudly instead of turning into a default.

use std::fmt;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlResult, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    )+};
}

row_id! {
    /// `users.id`
    UserId;
    /// `artist_profiles.id`
    ArtistId;
    /// `bops_videos.id`
    BopId;
    /// `bops_comments.id`
    CommentId;
    /// `bops_tips.id`
    TipId;
    /// `platform_events.id`
    EventId;
    /// `products.id`
    ProductId;
    /// `product_variants.id`
    VariantId;
    /// `orders.id`
    OrderId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_non_integers() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: BopId = conn.query_row("SELECT ?1", [BopId(42)], |r| r.get(0)).unwrap();
        assert_eq!(back, BopId(42));
        let bad: rusqlite::Result<UserId> = conn.query_row("SELECT 'seven'", [], |r| r.get(0));
        assert!(bad.is_err(), "a text value is not silently a user id");
        assert_eq!(serde_json::to_string(&ArtistId(7)).unwrap(), "7");
    }
}
