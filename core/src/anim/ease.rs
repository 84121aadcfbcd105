//! Easing curves (SPEC section 6, `camera.ease`): [`Ease::apply`] for the job's
//! [`Ease`] names. Each curve maps `0..=1` onto `0..=1`, is monotone, and clamps
//! its input.

pub use crate::job::Ease;

impl Ease {
    /// Evaluates the curve at `t` (clamped to `0..=1`).
    pub fn apply(self, t: f64) -> f64 {
        match self {
            Ease::Linear => linear(t),
            Ease::CubicInOut => cubic_in_out(t),
            Ease::SineInOut => sine_in_out(t),
            Ease::QuadInOut => quad_in_out(t),
        }
    }
}

fn clamp01(t: f64) -> f64 {
    if t.is_nan() {
        0.0
    } else {
        t.clamp(0.0, 1.0)
    }
}

/// Identity on `0..=1`.
pub fn linear(t: f64) -> f64 {
    clamp01(t)
}

/// Cubic ease in/out: `4t³` then mirrored.
pub fn cubic_in_out(t: f64) -> f64 {
    let t = clamp01(t);
    if t < 0.5 {
        4.0 * t * t * t
    } else {
        let u = -2.0 * t + 2.0;
        1.0 - u * u * u / 2.0
    }
}

/// Sinusoidal ease in/out: `(1 − cos πt) / 2`.
pub fn sine_in_out(t: f64) -> f64 {
    let t = clamp01(t);
    (1.0 - (std::f64::consts::PI * t).cos()) / 2.0
}

/// Quadratic ease in/out: `2t²` then mirrored.
pub fn quad_in_out(t: f64) -> f64 {
    let t = clamp01(t);
    if t < 0.5 {
        2.0 * t * t
    } else {
        let u = -2.0 * t + 2.0;
        1.0 - u * u / 2.0
    }
}

/// Hermite smoothstep `3t² − 2t³` (C¹, used internally for envelopes and ramps).
pub(crate) fn smoothstep(t: f64) -> f64 {
    let t = clamp01(t);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_midpoint_and_monotone() {
        for &e in Ease::ALL {
            assert_eq!(e.apply(0.0), 0.0, "{e:?}");
            assert!((e.apply(1.0) - 1.0).abs() < 1e-12, "{e:?}");
            assert!((e.apply(0.5) - 0.5).abs() < 1e-12, "{e:?}");
            assert_eq!(e.apply(-3.0), 0.0);
            assert!((e.apply(7.0) - 1.0).abs() < 1e-12);
            let mut prev = 0.0;
            for i in 0..=1000 {
                let v = e.apply(i as f64 / 1000.0);
                assert!(v >= prev - 1e-12, "{e:?} not monotone at {i}");
                prev = v;
            }
        }
    }

    #[test]
    fn in_out_curves_are_slow_at_the_ends() {
        for e in [Ease::CubicInOut, Ease::SineInOut, Ease::QuadInOut] {
            assert!(e.apply(0.1) < 0.1 && e.apply(0.9) > 0.9, "{e:?}");
        }
    }
}
