//! All SQL of the shop, by what it stores.

mod downloads;
mod orders;
mod pod;
mod products;

pub use downloads::*;
pub use orders::*;
pub use pod::*;
pub use products::*;
