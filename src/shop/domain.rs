//! The shop's words and their parsing: product kinds and states, order
//! states, the product and variant forms, shipping addresses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::Currency;
use crate::web::text::{Lines, clean_text};

pub type FieldErrors = BTreeMap<String, String>;

/// Most options a product varies by (e.g. Color × Size).
pub const MAX_OPTIONS: usize = 3;
pub const MAX_VARIANTS: usize = 100;
pub const MAX_TAGS: usize = 20;
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(word: &str) -> Option<$name> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let word = value.as_str()?;
                $name::parse(word).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown {} {word:?}", stringify!($name)).into()))
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }
    };
}

word_enum! {
    /// What a product is: shipped by the artist, downloaded, or printed
    /// and shipped by the print-on-demand provider.
    ProductKind { Physical = "physical", Digital = "digital", Pod = "pod" }
}

word_enum! {
    ProductStatus { Draft = "draft", Active = "active", Archived = "archived" }
}

word_enum! {
    /// pending (units held, unpaid) → paid → shipped; pending → expired;
    /// paid → cancelled | refunded (refunds restock).
    OrderStatus {
        Pending = "pending",
        Paid = "paid",
        Shipped = "shipped",
        Cancelled = "cancelled",
        Refunded = "refunded",
        Expired = "expired",
    }
}

impl ProductKind {
    pub fn label(self) -> &'static str {
        match self {
            ProductKind::Physical => "Physical (you ship it)",
            ProductKind::Digital => "Digital download",
            ProductKind::Pod => "Print on demand",
        }
    }

    /// Whether buying it needs a shipping address.
    pub fn ships(self) -> bool {
        !matches!(self, ProductKind::Digital)
    }
}

impl OrderStatus {
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Awaiting payment",
            OrderStatus::Paid => "Paid",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
            OrderStatus::Expired => "Expired",
        }
    }
}

/// The product form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductInput {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub status: String,
    /// Comma-separated.
    pub tags: String,
    pub option1: String,
    pub option2: String,
    pub option3: String,
}

/// A product form that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDraft {
    pub kind: ProductKind,
    pub title: String,
    pub description_html: String,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub option_names: Vec<String>,
}

impl ProductDraft {
    pub fn parse(input: &ProductInput) -> Result<ProductDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = ProductKind::parse(&input.kind);
        if kind.is_none() {
            errors.insert("kind".into(), "Choose what kind of product this is.".into());
        }
        let status = ProductStatus::parse(if input.status.is_empty() { "draft" } else { &input.status });
        if status.is_none() {
            errors.insert("status".into(), "Choose draft, active or archived.".into());
        }
        let title = single_line(&mut errors, "title", &input.title, MAX_TITLE);
        if title.as_deref() == Some("") {
            errors.insert("title".into(), "Give the product a title.".into());
        }
        let description = match clean_text(&input.description, Lines::Multi) {
            Ok(text) if text.chars().count() > MAX_DESCRIPTION => {
                errors
                    .insert("description".into(), format!("Keep the description under {MAX_DESCRIPTION} characters."));
                String::new()
            }
            Ok(text) => super::shopify::sanitize_description(&text),
            Err(why) => {
                errors.insert("description".into(), why.into());
                String::new()
            }
        };
        let tags = parse_tags(&input.tags).unwrap_or_else(|why| {
            errors.insert("tags".into(), why);
            Vec::new()
        });
        let mut option_names = Vec::new();
        for (i, raw) in [&input.option1, &input.option2, &input.option3].into_iter().enumerate() {
            let field = format!("option{}", i + 1);
            match single_line(&mut errors, &field, raw, 40) {
                Some(name) if name.is_empty() => {}
                Some(name) if option_names.iter().any(|n: &String| n.eq_ignore_ascii_case(&name)) => {
                    errors.insert(field, "Each option needs its own name.".into());
                }
                Some(name) => option_names.push(name),
                None => {}
            }
        }
        match (kind, status, title, errors.is_empty()) {
            (Some(kind), Some(status), Some(title), true) => {
                Ok(ProductDraft { kind, title, description_html: description, status, tags, option_names })
            }
            _ => Err(errors),
        }
    }
}

fn single_line(errors: &mut FieldErrors, field: &str, raw: &str, max: usize) -> Option<String> {
    match clean_text(raw, Lines::Single) {
        Ok(text) if text.chars().count() > max => {
            errors.insert(field.into(), format!("Keep it under {max} characters."));
            None
        }
        Ok(text) => Some(text),
        Err(why) => {
            errors.insert(field.into(), why.into());
            None
        }
    }
}

/// "tour, Black ,tour" → ["tour", "Black"]: trimmed, deduplicated without
/// regard to case, at most [`MAX_TAGS`] of at most 40 characters.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let tag = clean_text(tag, Lines::Single).map_err(str::to_owned)?;
        if tag.chars().count() > 40 {
            return Err("Keep each tag under 40 characters.".into());
        }
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("Use at most {MAX_TAGS} tags."));
    }
    Ok(tags)
}

/// A variant row of the product page as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantInput {
    pub value1: String,
    pub value2: String,
    pub value3: String,
    pub sku: String,
    pub price: String,
    pub compare_at: String,
    pub weight_grams: String,
    /// A count, or empty for "not tracked".
    pub inventory: String,
    pub barcode: String,
    pub pod_variant_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantDraft {
    pub options: Vec<String>,
    pub sku: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub weight_grams: Option<i64>,
    pub inventory: Option<i64>,
    pub barcode: String,
    pub pod_variant_id: Option<i64>,
}

impl VariantDraft {
    /// Checks a variant of a product with `option_names`, priced in `currency`.
    pub fn parse(
        input: &VariantInput,
        option_names: &[String],
        currency: Currency,
    ) -> Result<VariantDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut options = Vec::new();
        for (i, (name, raw)) in option_names.iter().zip([&input.value1, &input.value2, &input.value3]).enumerate() {
            let field = format!("value{}", i + 1);
            match single_line(&mut errors, &field, raw, 60) {
                Some(value) if value.is_empty() => {
                    errors.insert(field, format!("Give this variant's {name}."));
                }
                Some(value) => options.push(value),
                None => {}
            }
        }
        let sku = single_line(&mut errors, "sku", &input.sku, 64).unwrap_or_default();
        let barcode = input.barcode.trim().to_owned();
        if !barcode.is_empty() && (barcode.len() > 14 || !barcode.bytes().all(|b| b.is_ascii_digit())) {
            errors.insert("barcode".into(), "A barcode is 8 to 14 digits (UPC, EAN or GTIN).".into());
        }
        let price_minor = match currency.parse_amount(&input.price) {
            Ok(price) => price,
            Err(why) => {
                errors.insert("price".into(), why.to_string());
                0
            }
        };
        let compare_at_minor = optional(&mut errors, "compare_at", &input.compare_at, |raw| {
            currency.parse_amount(raw).map_err(|e| e.to_string())
        });
        if compare_at_minor.is_some_and(|c| c <= price_minor) && !errors.contains_key("price") {
            errors
                .insert("compare_at".into(), "A compare-at price is higher than the price (or leave it empty).".into());
        }
        let weight_grams = optional(&mut errors, "weight_grams", &input.weight_grams, |raw| count(raw, 1_000_000));
        let inventory = optional(&mut errors, "inventory", &input.inventory, |raw| count(raw, 10_000_000));
        let pod_variant_id = optional(&mut errors, "pod_variant_id", &input.pod_variant_id, |raw| count(raw, i64::MAX));
        if errors.is_empty() {
            Ok(VariantDraft {
                options,
                sku,
                price_minor,
                compare_at_minor,
                weight_grams,
                inventory,
                barcode,
                pod_variant_id,
            })
        } else {
            Err(errors)
        }
    }
}

fn optional(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<i64, String>,
) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    parse(raw).map_err(|why| errors.insert(field.into(), why)).ok()
}

fn count(raw: &str, max: i64) -> Result<i64, String> {
    match raw.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err("Enter a whole number (0 or more).".into()),
    }
}

/// Where an order ships, as the fan gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShippingAddress {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. "US".
    pub country: String,
}

impl ShippingAddress {
    /// Trims and checks every field; the country in capitals.
    pub fn parse(mut self) -> Result<ShippingAddress, FieldErrors> {
        let mut errors = FieldErrors::new();
        for (field, value, required) in [
            ("name", &mut self.name, true),
            ("line1", &mut self.line1, true),
            ("line2", &mut self.line2, false),
            ("city", &mut self.city, true),
            ("region", &mut self.region, false),
            ("postal_code", &mut self.postal_code, false),
        ] {
            match single_line(&mut errors, &format!("shipping_address.{field}"), value, 120) {
                Some(clean) if clean.is_empty() && required => {
                    errors.insert(format!("shipping_address.{field}"), "This is needed to ship your order.".into());
                }
                Some(clean) => *value = clean,
                None => {}
            }
        }
        self.country = self.country.trim().to_ascii_uppercase();
        if !is_country(&self.country) {
            errors.insert("shipping_address.country".into(), "Give the country as a two-letter code like US.".into());
        }
        if errors.is_empty() { Ok(self) } else { Err(errors) }
    }
}

/// A two-letter country code's shape (ISO 3166-1 alpha-2).
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// "Black / M" from option values.
pub fn options_label(options: &[String]) -> String {
    options.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn a_product_needs_a_kind_and_a_title() {
        let errors = ProductDraft::parse(&ProductInput::default()).unwrap_err();
        assert!(errors.contains_key("kind") && errors.contains_key("title"), "{errors:?}");
        let input = ProductInput {
            kind: "physical".into(),
            title: " Tour tee ".into(),
            tags: "tour, Tour, black".into(),
            option1: "Color".into(),
            option2: "size".into(),
            option3: "Size".into(),
            ..ProductInput::default()
        };
        assert_eq!(
            ProductDraft::parse(&input).unwrap_err().get("option3").map(String::as_str),
            Some("Each option needs its own name.")
        );
        let draft = ProductDraft::parse(&ProductInput { option3: String::new(), ..input }).unwrap();
        assert_eq!(draft.title, "Tour tee");
        assert_eq!(draft.tags, ["tour", "black"]);
        assert_eq!(draft.option_names, ["Color", "size"]);
        assert_eq!(draft.status, ProductStatus::Draft);
    }

    #[test]
    fn a_variant_has_a_value_per_option_and_a_price() {
        let names = vec!["Color".to_owned(), "Size".to_owned()];
        let input = VariantInput {
            value1: "Black".into(),
            price: "abc".into(),
            inventory: "-1".into(),
            ..VariantInput::default()
        };
        let errors = VariantDraft::parse(&input, &names, usd()).unwrap_err();
        assert_eq!(errors.keys().map(String::as_str).collect::<Vec<_>>(), ["inventory", "price", "value2"]);
        let input = VariantInput {
            value1: "Black".into(),
            value2: "M".into(),
            price: "25".into(),
            compare_at: "30.00".into(),
            inventory: "10".into(),
            ..VariantInput::default()
        };
        let draft = VariantDraft::parse(&input, &names, usd()).unwrap();
        assert_eq!((draft.price_minor, draft.compare_at_minor, draft.inventory), (2500, Some(3000), Some(10)));
        let untracked =
            VariantDraft::parse(&VariantInput { inventory: " ".into(), ..input.clone() }, &names, usd()).unwrap();
        assert_eq!(untracked.inventory, None);
        let cheaper = VariantDraft::parse(&VariantInput { compare_at: "20".into(), ..input }, &names, usd());
        assert!(cheaper.unwrap_err().contains_key("compare_at"));
    }

    #[test]
    fn an_address_needs_what_a_carrier_needs() {
        let errors = ShippingAddress { country: "usa".into(), ..ShippingAddress::default() }.parse().unwrap_err();
        assert!(errors.contains_key("shipping_address.name") && errors.contains_key("shipping_address.country"));
        let address = ShippingAddress {
            name: "Ada".into(),
            line1: "1 Main St".into(),
            city: "Springfield".into(),
            country: "us".into(),
            ..ShippingAddress::default()
        };
        assert_eq!(address.parse().unwrap().country, "US");
    }
}
