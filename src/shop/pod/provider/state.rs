//! The POD job state machine.

/// The job state machine: pending → submitted → in_production → shipped | failed | cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodState {
    Pending,
    Submitted,
    InProduction,
    Shipped,
    Failed,
    Cancelled,
}

impl PodState {
    /// Every state, in lifecycle order.
    pub const ALL: [PodState; 6] = [
        PodState::Pending,
        PodState::Submitted,
        PodState::InProduction,
        PodState::Shipped,
        PodState::Failed,
        PodState::Cancelled,
    ];

    /// The stable lowercase name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PodState::Pending => "pending",
            PodState::Submitted => "submitted",
            PodState::InProduction => "in_production",
            PodState::Shipped => "shipped",
            PodState::Failed => "failed",
            PodState::Cancelled => "cancelled",
        }
    }

    /// The inverse of [`PodState::as_str`]; exact match only.
    pub fn parse(s: &str) -> Option<PodState> {
        PodState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Shipped and cancelled are final; failed is not (an artist may retry).
    pub fn is_final(self) -> bool {
        matches!(self, PodState::Shipped | PodState::Cancelled)
    }

    /// Whether a job may move from `self` to `next`. Forward only; same state → false.
    pub fn can_move_to(self, next: PodState) -> bool {
        use PodState::*;
        match self {
            Pending => matches!(next, Submitted | Failed | Cancelled),
            Submitted => matches!(next, InProduction | Shipped | Failed | Cancelled),
            InProduction => matches!(next, Shipped | Failed | Cancelled),
            Failed => matches!(next, Pending | Cancelled),
            Shipped | Cancelled => false,
        }
    }
}

impl std::fmt::Display for PodState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::PodState::{self, *};

    #[test]
    fn names_round_trip() {
        let names = ["pending", "submitted", "in_production", "shipped", "failed", "cancelled"];
        for (st, name) in PodState::ALL.into_iter().zip(names) {
            assert_eq!(st.as_str(), name);
            assert_eq!(PodState::parse(name), Some(st));
            assert_eq!(st.to_string(), name);
        }
        for bad in ["", "Pending", "canceled", "in-production", " shipped"] {
            assert_eq!(PodState::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn finality() {
        let finals: Vec<_> = PodState::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, vec![Shipped, Cancelled]);
    }

    #[test]
    fn transition_table() {
        // rows: from; columns: to, in PodState::ALL order
        // (pending, submitted, in_production, shipped, failed, cancelled)
        let table: [(PodState, [bool; 6]); 6] = [
            (Pending, [false, true, false, false, true, true]),
            (Submitted, [false, false, true, true, true, true]),
            (InProduction, [false, false, false, true, true, true]),
            (Shipped, [false; 6]),
            (Failed, [true, false, false, false, false, true]),
            (Cancelled, [false; 6]),
        ];
        for (from, row) in table {
            for (to, allowed) in PodState::ALL.into_iter().zip(row) {
                assert_eq!(from.can_move_to(to), allowed, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn final_states_never_move_and_self_moves_are_refused() {
        for from in PodState::ALL {
            assert!(!from.can_move_to(from), "{from} -> itself");
            if from.is_final() {
                assert!(PodState::ALL.iter().all(|&to| !from.can_move_to(to)));
            }
        }
    }
}
