//! Sums that halve every half-life without rewriting rows as time passes:
//! a sum is stored as `log2(Σ wᵢ × 2^tᵢ)`, tᵢ in half-lives since
//! [`EPOCH_MS`]. Its value today is 2^(rank − t_now), ordering by the rank
//! orders by today's value for any today, and adding `w` at `t` is adding
//! `w × 2^t` inside the log, whatever order the additions arrive in.

/// 2026-01-01T00:00:00Z: time counts from here.
pub const EPOCH_MS: i64 = 1_767_225_600_000;

/// `at_ms` in half-lives of `half_life_ms` since [`EPOCH_MS`].
pub fn half_lives(at_ms: i64, half_life_ms: f64) -> f64 {
    (at_ms - EPOCH_MS) as f64 / half_life_ms
}

/// log2(2^a + 2^b) without overflow.
pub fn log2_add(a: f64, b: f64) -> f64 {
    let (high, low) = if a >= b { (a, b) } else { (b, a) };
    high + (1.0 + (low - high).exp2()).log2()
}

/// log2(2^a − 2^b), or None when the difference is not positive.
pub fn log2_sub(a: f64, b: f64) -> Option<f64> {
    (a > b).then(|| a + (1.0 - (b - a).exp2()).log2()).filter(|v| v.is_finite())
}

/// The rank of adding `weight` at `at` (in half-lives) to `rank` (None: empty).
pub fn add(rank: Option<f64>, weight: f64, at: f64) -> f64 {
    let term = weight.log2() + at;
    rank.map_or(term, |r| log2_add(r, term))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_decay_and_add_in_any_order() {
        let day = 86_400_000.0;
        let (a, b) = (half_lives(EPOCH_MS, day), half_lives(EPOCH_MS + 86_400_000, day));
        let forward = add(Some(add(None, 10.0, a)), 2.0, b);
        let backward = add(Some(add(None, 2.0, b)), 10.0, a);
        assert!((forward - backward).abs() < 1e-12);
        // One day later, 10 has halved to 5, plus 2.
        assert!(((forward - b).exp2() - 7.0).abs() < 1e-9);
        let less = log2_sub(forward, 2f64.log2() + b).unwrap();
        assert!(((less - b).exp2() - 5.0).abs() < 1e-9);
        assert_eq!(log2_sub(1.0, 1.0), None);
    }
}
