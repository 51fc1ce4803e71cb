//! A tiny seeded random number generator (SplitMix64), so model weights, LoRA initialisation and the
//! order of training windows are the same on every machine and every run with the same seed.

pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for one named purpose, independent of the others drawn from the same seed.
    pub(crate) fn derived(seed: u64, purpose: &str, index: u64) -> Self {
        let mut h = seed ^ 0x6a09_e667_f3bc_c908;
        for b in purpose.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut g = Self(h ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        g.next_u64();
        g
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n); n > 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_f64() * n as f64) as usize % n.max(1)
    }

    /// Standard normal (Box–Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = self.next_f64().max(f64::MIN_POSITIVE);
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// `n` values from N(0, std²) as f32.
    pub(crate) fn normal_vec(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n).map(|_| (self.normal() * std) as f32).collect()
    }

    /// `n` values uniform in [-bound, bound) as f32.
    pub(crate) fn uniform_vec(&mut self, n: usize, bound: f64) -> Vec<f32> {
        (0..n).map(|_| ((self.next_f64() * 2.0 - 1.0) * bound) as f32).collect()
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
