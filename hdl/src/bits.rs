//! Signed values in rust-hdl bit vectors, with `sim`'s register conversions.

use rust_hdl::prelude::*;
pub use sim::format::{from_bits, to_bits};

/// A signed value as a `Bits<N>` pattern.
#[inline]
pub fn signed_bits<const N: usize>(x: i64) -> Bits<N> {
    bits::<N>(to_bits(x, N as u32))
}

/// A `Bits<N>` pattern read as a signed value.
#[inline]
pub fn as_signed<const N: usize>(b: Bits<N>) -> i64 {
    from_bits(b.to_u64(), N as u32)
}
