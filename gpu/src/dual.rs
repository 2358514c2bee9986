//! Dual numbers: a value and its derivative with respect to one variable (forward mode).
//!
//! `Dual<R>` is a [`Real`], so every rate expression, written once for the engines, also gives
//! its exact derivative with respect to the membrane potential: the backward pass evaluates
//! the gate rates at `Dual::variable(v)`. Comparisons (and so `select`, `min`, `max`, `abs`)
//! look at the value only, which picks the same branch as the plain evaluation.

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::real::Real;

#[derive(Clone, Copy, Debug, Default)]
pub struct Dual<R> {
    /// The value.
    pub re: R,
    /// The derivative.
    pub du: R,
}

impl<R: Real> Dual<R> {
    pub fn new(re: R, du: R) -> Self {
        Dual { re, du }
    }

    /// The variable itself: derivative 1.
    pub fn variable(re: R) -> Self {
        Dual {
            re,
            du: R::from_f64(1.0),
        }
    }
}

impl<R: Real> PartialEq for Dual<R> {
    fn eq(&self, other: &Self) -> bool {
        self.re == other.re
    }
}

impl<R: Real> PartialOrd for Dual<R> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.re.partial_cmp(&other.re)
    }
}

impl<R: Real> Add for Dual<R> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Dual::new(self.re + o.re, self.du + o.du)
    }
}

impl<R: Real> Sub for Dual<R> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Dual::new(self.re - o.re, self.du - o.du)
    }
}

impl<R: Real> Mul for Dual<R> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Dual::new(self.re * o.re, self.du * o.re + self.re * o.du)
    }
}

impl<R: Real> Div for Dual<R> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let q = self.re / o.re;
        Dual::new(q, (self.du - q * o.du) / o.re)
    }
}

impl<R: Real> Neg for Dual<R> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Dual::new(-self.re, -self.du)
    }
}

impl<R: Real> Real for Dual<R> {
    const NAME: &'static str = "dual";
    const EXPREL_SWITCH: f64 = R::EXPREL_SWITCH;

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        Dual::new(R::from_f64(x), R::default())
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.re.to_f64()
    }
    #[inline(always)]
    fn exp(x: Self) -> Self {
        let e = R::exp(x.re);
        Dual::new(e, x.du * e)
    }
    #[inline(always)]
    fn mul_add(a: Self, b: Self, c: Self) -> Self {
        Dual::new(
            R::mul_add(a.re, b.re, c.re),
            a.du * b.re + a.re * b.du + c.du,
        )
    }
    #[inline(always)]
    fn sqrt(x: Self) -> Self {
        let s = R::sqrt(x.re);
        Dual::new(s, x.du / (s + s))
    }
    #[inline(always)]
    fn abs(x: Self) -> Self {
        Self::select(x.re < R::default(), -x, x)
    }
    #[inline(always)]
    fn min(a: Self, b: Self) -> Self {
        Self::select(b.re < a.re, b, a)
    }
    #[inline(always)]
    fn max(a: Self, b: Self) -> Self {
        Self::select(a.re < b.re, b, a)
    }
    fn compiled_kernel(_: &str) -> Option<(&'static str, crate::kernel::StepFn<Self>)> {
        None
    }
    fn interpreted_kernel() -> crate::interp::InterpFn<Self> {
        crate::interp::step_interpreted_generic::<Self>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central difference of `f` at `x` in f64.
    fn numeric(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-6 * x.abs().max(1.0);
        (f(x + h) - f(x - h)) / (2.0 * h)
    }

    #[test]
    fn derivatives_of_the_rate_functions_match_central_differences() {
        type D = Dual<f64>;
        type Case = (&'static str, fn(D) -> D);
        let cases: Vec<Case> = vec![
            ("exp", |x| D::exp(x * D::from_f64(0.3))),
            ("exprel", |x| D::exprel(x * D::from_f64(0.1))),
            ("vtrap", |x| D::vtrap(x, D::from_f64(10.0))),
            ("tanh", |x| D::tanh(x * D::from_f64(0.05))),
            ("sqrt", |x| D::sqrt(x * x + D::from_f64(1.0))),
            ("powi", |x| {
                D::powi(x * D::from_f64(0.1) + D::from_f64(5.0), -3)
            }),
            ("div", |x| {
                D::from_f64(1.0) / (D::exp(-x) + D::from_f64(1.0))
            }),
            ("abs", |x| D::abs(x - D::from_f64(0.7))),
            ("min", |x| D::min(x, D::from_f64(2.0) - x)),
            ("max", |x| D::max(x, D::from_f64(2.0) - x)),
            ("mul_add", |x| D::mul_add(x, x, x)),
        ];
        for (name, f) in cases {
            // Includes the series/direct switch points of exprel and vtrap (x = +-2.5 here
            // for exprel at f64's switch 1e-3 * 10: tested at 0.01 and 0 too).
            for &x in &[-30.0, -2.5, -0.5, -0.01, 0.0, 0.013, 0.4, 1.5, 3.0, 20.0] {
                let got = f(D::variable(x)).du;
                let want = numeric(|y| f(D::from_f64(y)).re, x);
                let scale = want.abs().max(1e-3);
                assert!(
                    (got - want).abs() / scale < 1e-5,
                    "{name} at {x}: dual {got}, central difference {want}"
                );
            }
        }
    }
}
