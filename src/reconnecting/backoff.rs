//! How long to wait before each reconnection: `reconnecting-websocket`'s growth, with jitter.

use std::time::Duration;

/// The delay rule: the n-th retry since the last stable connection waits
/// `min(max, min_delay × grow^(n−1))`, less a random part of at most `jitter` of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    pub(crate) grow: f64,
    /// In `[0, 1]`: the share of each delay that is random.
    pub(crate) jitter: f64,
}

impl Backoff {
    /// The delay before retry `n` (1 for the first retry; 0 is the first connection, which
    /// does not wait), `random` being in `[0, 1)`.
    pub(crate) fn delay(&self, n: u32, random: f64) -> Duration {
        if n == 0 {
            return Duration::ZERO;
        }
        let exponent = i32::try_from(n - 1).unwrap_or(i32::MAX);
        let grown = self.min.as_secs_f64() * self.grow.powi(exponent);
        let base = if grown.is_finite() && grown < self.max.as_secs_f64() {
            grown
        } else {
            self.max.as_secs_f64()
        };
        let base = base.max(self.min.as_secs_f64().min(self.max.as_secs_f64()));
        // `as` saturates (no panic path, unlike `Duration::from_secs_f64`).
        Duration::from_nanos((base * (1.0 - self.jitter * random) * 1e9).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(jitter: f64) -> Backoff {
        Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(10),
            grow: 1.3,
            jitter,
        }
    }

    #[test]
    fn delays_grow_by_the_factor_up_to_the_maximum() {
        let b = rule(0.0);
        assert_eq!(b.delay(0, 0.9), Duration::ZERO);
        assert_eq!(b.delay(1, 0.9), Duration::from_secs(1));
        assert_eq!(b.delay(2, 0.9), Duration::from_millis(1300));
        assert_eq!(b.delay(3, 0.9), Duration::from_millis(1690));
        assert_eq!(b.delay(10, 0.9), Duration::from_millis(10_000));
        assert_eq!(b.delay(u32::MAX, 0.9), Duration::from_secs(10));
    }

    #[test]
    fn jitter_takes_at_most_its_share_off() {
        let b = rule(0.5);
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(
            b.delay(1, 0.999_999),
            Duration::from_secs_f64(1.0 - 0.499_999_5)
        );
        assert_eq!(b.delay(20, 0.5), Duration::from_millis(7_500));
    }

    #[test]
    fn a_minimum_above_the_maximum_waits_the_maximum() {
        let b = Backoff {
            min: Duration::from_secs(5),
            max: Duration::from_secs(2),
            grow: 2.0,
            jitter: 0.0,
        };
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(2));
        assert_eq!(b.delay(4, 0.0), Duration::from_secs(2));
    }
}
