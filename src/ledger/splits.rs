//! The splits engine: one amount divided among collaborators who hold shares
//! in basis points (1/100 of a percent) summing to exactly 10,000.
//!
//! [`split`] uses the largest-remainder (Hamilton) rule, so the parts always
//! sum to the whole and the same input always gives the same parts. Ties
//! between equal remainders go to the share that comes first in the
//! [`Shares`]; callers that want ties "by collaborator id" (ARCHITECTURE §5)
//! pass the shares sorted by id.

use crate::ledger::money::Micros;

/// Basis points in a whole (100.00%).
pub const WHOLE_BASIS_POINTS: u32 = 10_000;

/// One collaborator's share: `basis_points` of 10,000 (2,500 = 25.00%).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Share<K> {
    pub key: K,
    pub basis_points: u32,
}

/// Shares that are each above zero, have distinct keys and sum to exactly
/// 10,000 basis points, in the order they were given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shares<K> {
    shares: Vec<Share<K>>,
}

/// Why a set of shares was refused. Messages are written for the person
/// editing the split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// `index` is 0-based; the message counts from 1.
    #[error("Every share must be more than 0%; share {} is 0%.", .index + 1)]
    ZeroShare { index: usize },
    /// The sum in basis points (may exceed `u32` for absurd input).
    #[error("Shares add up to {}; they must add up to exactly 100%.", percent(*.total_basis_points))]
    WrongTotal { total_basis_points: u64 },
    /// Shares `first` and `second` (0-based) have the same key.
    #[error("The same collaborator holds shares {} and {}; give each collaborator one share.", .first + 1, .second + 1)]
    DuplicateKey { first: usize, second: usize },
}

/// 9,500 → "95.00%".
fn percent(basis_points: u64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

impl<K: PartialEq> Shares<K> {
    /// Checks the shares: each above zero, no key twice, total exactly
    /// 10,000. The first problem found is reported in that order. The
    /// duplicate check compares pairs (at most 10,000 shares can pass the
    /// other checks, and real splits have a handful).
    pub fn parse(shares: Vec<Share<K>>) -> Result<Shares<K>, SplitError> {
        if let Some(index) = shares.iter().position(|s| s.basis_points == 0) {
            return Err(SplitError::ZeroShare { index });
        }
        let total: u64 = shares.iter().map(|s| u64::from(s.basis_points)).sum();
        if total != u64::from(WHOLE_BASIS_POINTS) {
            return Err(SplitError::WrongTotal { total_basis_points: total });
        }
        for (second, share) in shares.iter().enumerate() {
            if let Some(first) = shares[..second].iter().position(|s| s.key == share.key) {
                return Err(SplitError::DuplicateKey { first, second });
            }
        }
        Ok(Shares { shares })
    }
}

impl<K> Shares<K> {
    pub fn as_slice(&self) -> &[Share<K>] {
        &self.shares
    }

    pub fn into_inner(self) -> Vec<Share<K>> {
        self.shares
    }

    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Always false for a parsed `Shares` (they sum to 10,000); here for
    /// clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }
}

/// Divides `total` among `shares`, one part per share in share order (parts
/// may be zero when the total is tiny).
///
/// Each part is first `floor(|total| × bp / 10,000)`; the micro-units left
/// over (fewer than the number of shares) go one each to the parts with the
/// largest remainders, ties to the earlier share. A negative total (refund,
/// chargeback) is split as its absolute value and every part negated, so a
/// refund exactly reverses the sale it refunds. The parts always sum to
/// `total`, and each is within one micro of the exact proportion.
pub fn split<K: Clone>(total: Micros, shares: &Shares<K>) -> Vec<(K, Micros)> {
    let whole = i128::from(WHOLE_BASIS_POINTS);
    let magnitude = i128::from(total.0).abs();
    let mut parts: Vec<(i128, i128)> = shares
        .shares
        .iter()
        .map(|s| {
            let product = magnitude * i128::from(s.basis_points);
            (product / whole, product % whole)
        })
        .collect();
    let allotted: i128 = parts.iter().map(|(q, _)| q).sum();
    let leftover = usize::try_from(magnitude - allotted).expect("leftover is below the number of shares");

    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable sort: equal remainders keep share order.
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1));
    for &i in order.iter().take(leftover) {
        parts[i].0 += 1;
    }

    let sign = if total.0 < 0 { -1 } else { 1 };
    shares
        .shares
        .iter()
        .zip(parts)
        .map(|(s, (q, _))| {
            // |part| ≤ |total| ≤ 2⁶³, so the signed part always fits an i64.
            let part = i64::try_from(sign * q).expect("a part never exceeds the total");
            (s.key.clone(), Micros(part))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::money::tests::Rng;

    fn shares(bps: &[u32]) -> Shares<usize> {
        Shares::parse(bps.iter().enumerate().map(|(key, &basis_points)| Share { key, basis_points }).collect()).unwrap()
    }

    fn amounts(total: i64, bps: &[u32]) -> Vec<i64> {
        split(Micros(total), &shares(bps)).into_iter().map(|(_, m)| m.0).collect()
    }

    #[test]
    fn refuses_bad_shares_with_readable_messages() {
        let err = Shares::parse(vec![Share { key: "a", basis_points: 7000 }, Share { key: "b", basis_points: 2500 }])
            .unwrap_err();
        assert_eq!(err.to_string(), "Shares add up to 95.00%; they must add up to exactly 100%.");
        let err = Shares::parse(vec![Share { key: "a", basis_points: 10_001 }]).unwrap_err();
        assert_eq!(err.to_string(), "Shares add up to 100.01%; they must add up to exactly 100%.");
        let err = Shares::<&str>::parse(vec![]).unwrap_err();
        assert_eq!(err.to_string(), "Shares add up to 0.00%; they must add up to exactly 100%.");
        let err = Shares::parse(vec![Share { key: "a", basis_points: u32::MAX }, Share { key: "b", basis_points: 5 }])
            .unwrap_err();
        assert_eq!(err, SplitError::WrongTotal { total_basis_points: u64::from(u32::MAX) + 5 });

        let err = Shares::parse(vec![Share { key: "a", basis_points: 10_000 }, Share { key: "b", basis_points: 0 }])
            .unwrap_err();
        assert_eq!(err, SplitError::ZeroShare { index: 1 });
        assert_eq!(err.to_string(), "Every share must be more than 0%; share 2 is 0%.");

        let err = Shares::parse(vec![
            Share { key: "a", basis_points: 5000 },
            Share { key: "b", basis_points: 2500 },
            Share { key: "a", basis_points: 2500 },
        ])
        .unwrap_err();
        assert_eq!(err, SplitError::DuplicateKey { first: 0, second: 2 });
        assert_eq!(err.to_string(), "The same collaborator holds shares 1 and 3; give each collaborator one share.");
    }

    #[test]
    fn seventy_thirty_of_one_unit_and_a_micro() {
        let s = Shares::parse(vec![Share { key: "a", basis_points: 7000 }, Share { key: "b", basis_points: 3000 }])
            .unwrap();
        // 1.000001 × 0.7 = 0.7000007, × 0.3 = 0.3000003: remainders 7000 vs
        // 3000 (of 10,000), so the leftover micro goes to "a".
        assert_eq!(split(Micros(1_000_001), &s), vec![("a", Micros(700_001)), ("b", Micros(300_000))]);
        assert_eq!(split(Micros(-1_000_001), &s), vec![("a", Micros(-700_001)), ("b", Micros(-300_000))]);
    }

    #[test]
    fn thirds_of_one_micro_and_of_a_hundred() {
        let bps = [3333, 3333, 3334];
        assert_eq!(amounts(1, &bps), vec![0, 0, 1]);
        // 100 → 33.33, 33.33, 33.34: floors 33, 33, 33; remainders 3300,
        // 3300, 3400; the leftover goes to the third.
        assert_eq!(amounts(100, &bps), vec![33, 33, 34]);
        assert_eq!(amounts(-100, &bps), vec![-33, -33, -34]);
        assert_eq!(amounts(2, &bps), vec![1, 0, 1]);
        // Equal shares: ties go to the earlier share.
        assert_eq!(amounts(2, &[2500, 2500, 2500, 2500]), vec![1, 1, 0, 0]);
        assert_eq!(amounts(-3, &[2500, 2500, 2500, 2500]), vec![-1, -1, -1, 0]);
        assert_eq!(amounts(0, &bps), vec![0, 0, 0]);
    }

    #[test]
    fn keeps_keys_and_share_order() {
        let s = Shares::parse(vec![
            Share { key: String::from("zoe"), basis_points: 1 },
            Share { key: String::from("al"), basis_points: 9999 },
        ])
        .unwrap();
        let parts = split(Micros(10_000), &s);
        assert_eq!(parts, vec![("zoe".into(), Micros(1)), ("al".into(), Micros(9999))]);
    }

    #[test]
    fn extremes_do_not_overflow() {
        let bps = [3333, 3333, 3334];
        for total in [i64::MAX, i64::MIN, i64::MIN + 1] {
            let parts = amounts(total, &bps);
            assert_eq!(parts.iter().map(|&p| i128::from(p)).sum::<i128>(), i128::from(total));
        }
        assert_eq!(amounts(i64::MIN, &[10_000]), vec![i64::MIN]);
    }

    /// Random share vectors: n cut points in 1..10,000, all distinct.
    fn random_bps(rng: &mut Rng) -> Vec<u32> {
        let max = if rng.below(4) == 0 { 40 } else { 6 };
        let n = 1 + rng.below(max) as usize;
        let mut cuts: Vec<u32> = Vec::with_capacity(n + 1);
        while cuts.len() < n - 1 {
            let c = 1 + rng.below(9_999) as u32;
            if !cuts.contains(&c) {
                cuts.push(c);
            }
        }
        cuts.push(0);
        cuts.push(WHOLE_BASIS_POINTS);
        cuts.sort_unstable();
        cuts.windows(2).map(|w| w[1] - w[0]).collect()
    }

    #[test]
    fn property_parts_sum_exactly_and_stay_within_a_micro() {
        let mut rng = Rng(2024);
        for round in 0..20_000 {
            let bps = random_bps(&mut rng);
            let total = match round % 4 {
                0 => rng.spread_i64(),
                1 => rng.below(1_000) as i64 - 500,
                2 => (rng.next_u64() >> 24) as i64,
                _ => -((rng.next_u64() >> 1) as i64),
            };
            let parts = amounts(total, &bps);
            assert_eq!(parts.len(), bps.len());
            assert_eq!(parts.iter().map(|&p| i128::from(p)).sum::<i128>(), i128::from(total), "{total} {bps:?}");
            for (&part, &bp) in parts.iter().zip(&bps) {
                // |part − total × bp / 10,000| < 1 micro.
                let diff = i128::from(part) * 10_000 - i128::from(total) * i128::from(bp);
                assert!(diff.abs() < 10_000, "{total} {bps:?} {part} {bp}");
                assert!(part == 0 || (part < 0) == (total < 0));
            }
            // A refund reverses the sale exactly.
            if total != i64::MIN {
                let negated: Vec<i64> = amounts(-total, &bps).into_iter().map(|p| -p).collect();
                assert_eq!(negated, parts);
            }
        }
    }
}
