//! The sandbox provider: no network; a job advances with time so a label can try the
//! whole flow (submitted → in_production after `step_ms` → shipped after 2×`step_ms`).

use super::{PodState, PodUpdate};

/// The carrier name sandbox shipments use.
pub const SANDBOX_CARRIER: &str = "Sandbox Post";

/// Where a sandbox job submitted at `submitted_at_ms` is at `now_ms`. A clock that went
/// backwards reads as just submitted; `step_ms <= 0` ships at once.
pub fn sandbox_update(external_id: &str, submitted_at_ms: i64, now_ms: i64, step_ms: i64) -> PodUpdate {
    let elapsed = now_ms.saturating_sub(submitted_at_ms).max(0);
    let step = step_ms.max(0);
    let state = if elapsed < step {
        PodState::Submitted
    } else if elapsed < step.saturating_mul(2) {
        PodState::InProduction
    } else {
        PodState::Shipped
    };
    let shipped = state == PodState::Shipped;
    PodUpdate {
        state,
        provider_ref: format!("sandbox-{external_id}"),
        carrier: shipped.then(|| SANDBOX_CARRIER.to_owned()),
        tracking_number: shipped.then(|| sandbox_tracking_number(external_id)),
        tracking_url: None,
        reason: None,
    }
}

/// A stable tracking number for an external id: "SBX" + 16 hex digits of its FNV-1a hash.
fn sandbox_tracking_number(external_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in external_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("SBX{h:016X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: i64 = 60_000;
    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn advances_with_time() {
        let at = |dt| sandbox_update("job_1", T0, T0 + dt, STEP);
        let s0 = at(0);
        assert_eq!(s0.state, PodState::Submitted);
        assert_eq!(s0.provider_ref, "sandbox-job_1");
        assert_eq!((s0.carrier, s0.tracking_number), (None, None));
        assert_eq!(at(STEP - 1).state, PodState::Submitted);
        let s1 = at(STEP);
        assert_eq!(s1.state, PodState::InProduction);
        assert_eq!(s1.tracking_number, None);
        assert_eq!(at(2 * STEP - 1).state, PodState::InProduction);
        let s2 = at(2 * STEP);
        assert_eq!(s2.state, PodState::Shipped);
        assert_eq!(s2.carrier.as_deref(), Some("Sandbox Post"));
        assert_eq!(s2.tracking_url, None);
        assert_eq!(s2.reason, None);
        let tn = s2.tracking_number.unwrap();
        assert!(tn.starts_with("SBX") && tn.len() == 19, "{tn}");
        assert_eq!(at(100 * STEP), sandbox_update("job_1", T0, T0 + 2 * STEP, STEP));
    }

    #[test]
    fn tracking_number_is_derived_from_the_external_id() {
        let a = sandbox_update("job_a", 0, 10, 1).tracking_number;
        let b = sandbox_update("job_b", 0, 10, 1).tracking_number;
        assert_eq!(a, sandbox_update("job_a", 5, 99, 2).tracking_number);
        assert_ne!(a, b);
    }

    #[test]
    fn odd_clocks_and_steps() {
        assert_eq!(sandbox_update("j", T0, T0 - 5, STEP).state, PodState::Submitted);
        assert_eq!(sandbox_update("j", T0, T0, 0).state, PodState::Shipped);
        assert_eq!(sandbox_update("j", i64::MIN, i64::MAX, i64::MAX).state, PodState::Shipped);
        assert_eq!(sandbox_update("j", 0, i64::MAX - 1, i64::MAX).state, PodState::Submitted);
    }
}
