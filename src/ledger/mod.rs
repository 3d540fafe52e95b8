//! The ledger: every movement of an artist's money in micro-units, and the splits engine.
