//! Adam (Kingma & Ba 2015) over the trained parameter groups.

/// One parameter group's optimizer state.
#[derive(Clone, Debug)]
pub struct Adam {
    pub lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    steps: i32,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Adam {
    pub fn new(len: usize, lr: f64) -> Self {
        Adam {
            lr,
            m: vec![0.0; len],
            v: vec![0.0; len],
            steps: 0,
        }
    }

    /// `x -= lr * m_hat / (sqrt(v_hat) + eps)`, then clamps to `lo..`.
    pub fn step(&mut self, x: &mut [f64], grad: &[f64], lo: f64) {
        self.steps += 1;
        let (c1, c2) = (1.0 - BETA1.powi(self.steps), 1.0 - BETA2.powi(self.steps));
        for i in 0..x.len() {
            self.m[i] = BETA1 * self.m[i] + (1.0 - BETA1) * grad[i];
            self.v[i] = BETA2 * self.v[i] + (1.0 - BETA2) * grad[i] * grad[i];
            let step = self.lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + EPS);
            x[i] = (x[i] - step).max(lo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimizes_a_quadratic_and_respects_the_bound() {
        let mut x = vec![3.0, -2.0];
        let mut adam = Adam::new(2, 0.05);
        for _ in 0..2000 {
            let g: Vec<f64> = x.iter().map(|&v| 2.0 * (v - 1.0)).collect();
            adam.step(&mut x, &g, 0.0);
        }
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
        let mut y = vec![0.5];
        let mut adam = Adam::new(1, 0.1);
        for _ in 0..100 {
            adam.step(&mut y, &[1.0], 0.0);
        }
        assert_eq!(y[0], 0.0);
    }
}
