//! The grad_driver's file format (see tests/cuda/grad_driver.cpp), bit-for-bit comparison and
//! varied numbers, for tests/cuda_grad.rs.

#![allow(dead_code)] // each test file uses its part

use std::path::Path;
use std::process::Command;

use gpu::Real;

/// A small deterministic generator (the tests need varied, not random, numbers).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn reals<R: Real>(&mut self, count: usize, lo: f64, hi: f64) -> Vec<R> {
        (0..count)
            .map(|_| R::from_f64(self.range(lo, hi)))
            .collect()
    }
}

/// The driver's input: a header, then arrays (u32 count, elements).
pub struct Input(pub Vec<u8>);

impl Input {
    pub fn new<R: Real>(op: u32) -> Self {
        let size: u32 = if R::NAME == "f32" { 4 } else { 8 };
        let mut bytes = Vec::new();
        bytes.extend(size.to_ne_bytes());
        bytes.extend(op.to_ne_bytes());
        Input(bytes)
    }

    pub fn reals<R: Real>(&mut self, xs: &[R]) -> &mut Self {
        self.0.extend((xs.len() as u32).to_ne_bytes());
        for &x in xs {
            match R::NAME {
                "f32" => self.0.extend((x.to_f64() as f32).to_ne_bytes()),
                _ => self.0.extend(x.to_f64().to_ne_bytes()),
            }
        }
        self
    }

    pub fn u32s(&mut self, xs: &[u32]) -> &mut Self {
        self.0.extend((xs.len() as u32).to_ne_bytes());
        for &x in xs {
            self.0.extend(x.to_ne_bytes());
        }
        self
    }

    pub fn u8s(&mut self, xs: &[u8]) -> &mut Self {
        self.0.extend((xs.len() as u32).to_ne_bytes());
        self.0.extend(xs);
        self
    }
}

/// The driver's output, read array by array.
pub struct Output<'a>(pub &'a [u8]);

impl Output<'_> {
    pub fn take(&mut self, size: usize) -> &[u8] {
        let count = u32::from_ne_bytes(self.0[..4].try_into().unwrap()) as usize;
        let (array, rest) = self.0[4..].split_at(count * size);
        self.0 = rest;
        array
    }

    pub fn reals<R: Real>(&mut self) -> Vec<R> {
        let size = if R::NAME == "f32" { 4 } else { 8 };
        self.take(size)
            .chunks(size)
            .map(|b| match size {
                4 => R::from_f64(f32::from_ne_bytes(b.try_into().unwrap()) as f64),
                _ => R::from_f64(f64::from_ne_bytes(b.try_into().unwrap())),
            })
            .collect()
    }

    pub fn u32s(&mut self) -> Vec<u32> {
        self.take(4)
            .chunks(4)
            .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
            .collect()
    }

    pub fn u8s(&mut self) -> Vec<u8> {
        self.take(1).to_vec()
    }
}

pub fn run_driver(exe: &Path, input: &Input, dir: &Path, what: &str) -> Vec<u8> {
    let (inp, out) = (dir.join("in"), dir.join("out"));
    std::fs::write(&inp, &input.0).unwrap();
    let run = Command::new(exe).arg(&inp).arg(&out).output().unwrap();
    assert!(
        run.status.success(),
        "{what}: driver failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(&out).unwrap()
}

/// Bit-for-bit equality, naming the first difference.
pub fn assert_bits<R: Real>(what: &str, got: &[R], want: &[R]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_f64().to_bits(),
            w.to_f64().to_bits(),
            "{what}: element {k}: got {g:?}, CPU {w:?}"
        );
    }
}
