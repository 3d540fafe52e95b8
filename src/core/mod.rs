//! Types every room shares: entity ids, opaque public ids, money, and the
//! clock. Nothing here knows a pillar.

pub mod clock;
pub mod decay;
pub mod ids;
pub mod memo;
pub mod money;
pub mod uid;

pub use clock::Clock;
pub use money::{AmountError, Currency, Money};
pub use uid::new_uid;
