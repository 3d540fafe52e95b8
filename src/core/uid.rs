//! Opaque public ids: what URLs and API responses carry instead of row ids,
//! so they reveal neither counts nor order.

/// 32 lowercase hex characters from 122 random bits.
pub fn new_uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether `s` has the shape [`new_uid`] produces: checked before any lookup,
/// so junk never reaches the database.
pub fn is_uid(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_distinct_and_recognised() {
        let (a, b) = (new_uid(), new_uid());
        assert_ne!(a, b);
        assert!(is_uid(&a) && is_uid(&b));
        assert!(!is_uid("1") && !is_uid(&a.to_uppercase()) && !is_uid(&format!("{a}0")));
    }
}
