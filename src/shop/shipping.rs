//! Shipping rates: the artist's zones (countries → a flat rate for the
//! first item, a rate per additional item, free above an amount). A zone
//! naming the country wins over the "everywhere else" zone (`*`). An artist
//! with no zones ships free.

use super::repo::ZoneRow;

/// The shipping of `units` shipped units worth `subtotal` to `country`.
pub fn quote(zones: &[ZoneRow], country: &str, currency: &str, units: i64, subtotal: i64) -> Result<i64, String> {
    if zones.is_empty() || units == 0 {
        return Ok(0);
    }
    let zone = zones
        .iter()
        .find(|z| z.countries.iter().any(|c| c == country))
        .or_else(|| zones.iter().find(|z| z.countries.iter().any(|c| c == "*")))
        .ok_or_else(|| format!("This artist does not ship to {country}."))?;
    if zone.currency != currency {
        return Err(format!("This artist's shipping to {country} is priced in {}: contact the artist.", zone.currency));
    }
    if zone.free_above_minor.is_some_and(|free| subtotal >= free) {
        return Ok(0);
    }
    Ok(zone.first_item_minor + zone.additional_item_minor * (units - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(countries: &[&str], first: i64, more: i64, free: Option<i64>) -> ZoneRow {
        ZoneRow {
            uid: "z".into(),
            name: "zone".into(),
            countries: countries.iter().map(|c| c.to_string()).collect(),
            currency: "USD".into(),
            first_item_minor: first,
            additional_item_minor: more,
            free_above_minor: free,
        }
    }

    #[test]
    fn the_named_country_wins_then_everywhere_else() {
        let zones = [zone(&["*"], 1500, 500, None), zone(&["US", "CA"], 500, 200, Some(10_000))];
        assert_eq!(quote(&zones, "US", "USD", 3, 6000), Ok(900));
        assert_eq!(quote(&zones, "US", "USD", 3, 10_000), Ok(0));
        assert_eq!(quote(&zones, "DE", "USD", 2, 10_000), Ok(2000));
        assert_eq!(quote(&zones[1..], "DE", "USD", 1, 100), Err("This artist does not ship to DE.".into()));
        assert_eq!(quote(&[], "DE", "USD", 4, 100), Ok(0));
        assert!(quote(&zones, "US", "EUR", 1, 100).is_err());
    }
}
