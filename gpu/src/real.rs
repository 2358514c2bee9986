//! The float types of the reference engine and their elementary functions.
//!
//! `exp` is our own: branch-free, no table, no libm call, so that LLVM vectorizes the neuron
//! loops (AVX2/AVX-512) and the compiled and interpreted kernels round identically. Fused
//! multiply-adds are written out (`mul_add`, correctly rounded on every target: hardware FMA
//! where the kernel was compiled for it, libm's `fma` otherwise), never left to the compiler,
//! so every dispatch target gives the same bits. Accuracy: within 2 ulp of libm (tested).

#![allow(clippy::excessive_precision)] // constants as published (Cephes, Cody-Waite)

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::kernel::StepFn;

pub trait Real:
    Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    const NAME: &'static str;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn exp(x: Self) -> Self;
    /// `a * b + c` with one rounding (a fused multiply-add on every target the kernels run).
    fn mul_add(a: Self, b: Self, c: Self) -> Self;
    fn sqrt(x: Self) -> Self;
    fn abs(x: Self) -> Self;
    fn min(a: Self, b: Self) -> Self;
    fn max(a: Self, b: Self) -> Self;
    /// Below this |x|, `exprel` and `vtrap` use their series (cancellation beats truncation).
    const EXPREL_SWITCH: f64;

    #[inline(always)]
    fn select(cond: bool, a: Self, b: Self) -> Self {
        if cond {
            a
        } else {
            b
        }
    }

    /// `(exp(x) - 1) / x`, 1 at 0.
    #[inline(always)]
    fn exprel(x: Self) -> Self {
        let one = Self::from_f64(1.0);
        let direct = (Self::exp(x) - one) / x;
        let c = |v: f64| Self::from_f64(v);
        let series = one
            + x * (c(0.5)
                + x * (c(1.0 / 6.0)
                    + x * (c(1.0 / 24.0) + x * (c(1.0 / 120.0) + x * c(1.0 / 720.0)))));
        Self::select(Self::abs(x) < c(Self::EXPREL_SWITCH), series, direct)
    }

    /// NEURON's `vtrap(x, y) = x / (exp(x/y) - 1)`, `y` at `x = 0` (one division: `1/y` of a
    /// literal folds at compile time).
    #[inline(always)]
    fn vtrap(x: Self, y: Self) -> Self {
        let c = |v: f64| Self::from_f64(v);
        let u = x * (c(1.0) / y);
        let direct = x / (Self::exp(u) - c(1.0));
        // u / (e^u - 1) = 1 - u/2 + u^2/12 - u^4/720 + u^6/30240 - ...
        let u2 = u * u;
        let series = y
            * (c(1.0) - c(0.5) * u
                + u2 * (c(1.0 / 12.0) - u2 * (c(1.0 / 720.0) - u2 * c(1.0 / 30240.0))));
        Self::select(Self::abs(u) < c(Self::EXPREL_SWITCH), series, direct)
    }

    #[inline(always)]
    fn tanh(x: Self) -> Self {
        let one = Self::from_f64(1.0);
        one - Self::from_f64(2.0) / (Self::exp(x + x) + one)
    }

    /// `x^n` by repeated multiplication, left to right.
    #[inline(always)]
    fn powi(x: Self, n: i32) -> Self {
        let one = Self::from_f64(1.0);
        if n == 0 {
            return one;
        }
        let mut acc = x;
        for _ in 1..n.unsigned_abs() {
            acc = acc * x;
        }
        if n < 0 {
            one / acc
        } else {
            acc
        }
    }

    /// The compiled kernel for a channel set with this structure key, if one was generated.
    fn compiled_kernel(structure_key: &str) -> Option<(&'static str, StepFn<Self>)>;
    /// The interpreter's entry point for this type.
    fn interpreted_kernel() -> crate::interp::InterpFn<Self>;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    const EXPREL_SWITCH: f64 = 0.25;

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn exp(x: f32) -> f32 {
        // Cephes expf: x = n ln2 + r, |r| <= ln2/2, e^r = 1 + r + r^2 P(r).
        use exp_f32::{LN2_HI, LN2_LO, MAGIC, MAX, MIN, P};
        let x = x.clamp(MIN, MAX);
        let t = x.mul_add(std::f32::consts::LOG2_E, MAGIC);
        let n = t - MAGIC;
        let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, x));
        let mut p = P[0];
        for c in &P[1..] {
            p = p.mul_add(r, *c);
        }
        let e = p.mul_add(r * r, r) + 1.0;
        let n_int = t.to_bits().wrapping_sub(MAGIC.to_bits());
        e * f32::from_bits(n_int.wrapping_add(127) << 23)
    }
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    #[inline(always)]
    fn sqrt(x: f32) -> f32 {
        x.sqrt()
    }
    #[inline(always)]
    fn abs(x: f32) -> f32 {
        x.abs()
    }
    #[inline(always)]
    fn min(a: f32, b: f32) -> f32 {
        a.min(b)
    }
    #[inline(always)]
    fn max(a: f32, b: f32) -> f32 {
        a.max(b)
    }
    fn compiled_kernel(key: &str) -> Option<(&'static str, StepFn<f32>)> {
        crate::compiled::compiled_f32(key)
    }
    fn interpreted_kernel() -> crate::interp::InterpFn<f32> {
        crate::interp::step_interpreted_f32
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    const EXPREL_SWITCH: f64 = 1e-3;

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp(x: f64) -> f64 {
        use exp_f64::{FACTORIALS, LN2_HI, LN2_LO, MAGIC, MAX, MIN};
        let x = x.clamp(MIN, MAX);
        let t = x.mul_add(std::f64::consts::LOG2_E, MAGIC);
        let n = t - MAGIC;
        let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, x));
        // Taylor series to r^12 / 12!: truncation below 2e-16 for |r| <= ln(2)/2.
        let mut p: f64 = 1.0 / 479_001_600.0;
        for k in (1..12).rev() {
            p = p.mul_add(r, 1.0 / FACTORIALS[k]);
        }
        p = p.mul_add(r, 1.0);
        let n_int = t.to_bits().wrapping_sub(MAGIC.to_bits());
        p * f64::from_bits(n_int.wrapping_add(1023) << 52)
    }
    #[inline(always)]
    fn mul_add(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    #[inline(always)]
    fn sqrt(x: f64) -> f64 {
        x.sqrt()
    }
    #[inline(always)]
    fn abs(x: f64) -> f64 {
        x.abs()
    }
    #[inline(always)]
    fn min(a: f64, b: f64) -> f64 {
        a.min(b)
    }
    #[inline(always)]
    fn max(a: f64, b: f64) -> f64 {
        a.max(b)
    }
    fn compiled_kernel(key: &str) -> Option<(&'static str, StepFn<f64>)> {
        crate::compiled::compiled_f64(key)
    }
    fn interpreted_kernel() -> crate::interp::InterpFn<f64> {
        crate::interp::step_interpreted_f64
    }
}

/// The constants of `f32::exp`, shared with the generated CUDA source.
pub(crate) mod exp_f32 {
    pub const MIN: f32 = -87.0;
    pub const MAX: f32 = 88.0;
    pub const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    pub const LN2_HI: f32 = 0.693_359_4; // few mantissa bits, so n * LN2_HI is exact
    pub const LN2_LO: f32 = -2.121_944_4e-4;
    pub const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        5.000_000_1e-1,
    ];
}

/// The constants of `f64::exp`, shared with the generated CUDA source.
pub(crate) mod exp_f64 {
    pub const MIN: f64 = -708.0;
    pub const MAX: f64 = 709.0;
    pub const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    pub const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
    pub const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    pub const FACTORIALS: [f64; 12] = [
        1.0,
        1.0,
        2.0,
        6.0,
        24.0,
        120.0,
        720.0,
        5040.0,
        40320.0,
        362_880.0,
        3_628_800.0,
        39_916_800.0,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps_f32(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_f32_within_2_ulp_of_libm() {
        let mut worst = 0;
        let mut x = -87.0f32;
        while x < 88.0 {
            worst = worst.max(ulps_f32(<f32 as Real>::exp(x), (x as f64).exp() as f32));
            x += 0.0137;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp_f64_within_2_ulp_of_libm() {
        let mut worst = 0u64;
        let mut x = -708.0f64;
        while x < 709.0 {
            let (a, b) = (<f64 as Real>::exp(x), x.exp());
            worst = worst.max((a.to_bits() as i128 - b.to_bits() as i128).unsigned_abs() as u64);
            x += 0.00731;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp_saturates_instead_of_wrapping() {
        assert!(<f32 as Real>::exp(1000.0).is_finite());
        assert_eq!(<f32 as Real>::exp(-1000.0), (-87.0f64).exp() as f32);
        assert!(<f64 as Real>::exp(1e6).is_finite());
    }

    #[test]
    fn exprel_is_continuous_at_the_switch() {
        for &x in &[
            -0.3, -0.25, -0.2499, -1e-3, -0.999e-3, 0.0, 1e-7, 0.999e-3, 1e-3, 0.2499, 0.25, 0.3,
        ] {
            let want = if x == 0.0 { 1.0 } else { f64::exp_m1(x) / x };
            assert!((<f64 as Real>::exprel(x) - want).abs() < 1e-12, "f64 {x}");
            assert!(
                ((<f32 as Real>::exprel(x as f32) as f64) - want).abs() < 1e-6,
                "f32 {x}"
            );
        }
    }

    #[test]
    fn powi_and_vtrap() {
        assert_eq!(<f64 as Real>::powi(2.0, 3), 8.0);
        assert_eq!(<f64 as Real>::powi(2.0, -2), 0.25);
        assert_eq!(<f64 as Real>::powi(2.0, 0), 1.0);
        assert_eq!(<f64 as Real>::vtrap(0.0, 10.0), 10.0);
        assert!((<f64 as Real>::tanh(0.5) - 0.5f64.tanh()).abs() < 1e-15);
    }
}
