//! Exercise solutions ("Benchmarks", exercises 1 and 2): a ratio of two
//! programs' times taken the way this book's tables take it, and the rule
//! that says when such a ratio means anything.
//!
//! Both take their timings from closures, so the tests can hand them the
//! noise of a shared machine (a background job, a clock that slows down)
//! as exact numbers instead of waiting for it.

use std::time::Duration;

// ANCHOR: paired_ratio
/// Times `a` and `b` in turn, `rounds` times each (A B A B …), and returns
/// the median of the per-round ratios `a / b`.
///
/// Taking turns puts whatever else the machine is doing on both sides of
/// each ratio; the median then ignores the round a background job landed
/// on.
///
/// # Panics
///
/// If `rounds` is 0: no measurement, no ratio.
pub fn paired_ratio(
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> f64 {
    assert!(rounds > 0, "a ratio needs at least one round");
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let a = a().as_secs_f64();
            let b = b().as_secs_f64();
            a / b
        })
        .collect();
    median(&mut ratios)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
// ANCHOR_END: paired_ratio

// ANCHOR: verdict
/// What a measured ratio says, once set beside the ratios of a program
/// against itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Below every ratio identical code produced.
    Faster,
    /// Above every ratio identical code produced.
    Slower,
    /// Inside the spread of identical code: the machine, not the program.
    WithinNoise,
}

/// Judges `ratio` against `same_code`, ratios measured with the same
/// program on both sides (an "A/A" run), which show how far this machine
/// moves a ratio by itself.
///
/// # Panics
///
/// If `same_code` is empty: without it there is no noise band to judge by.
pub fn verdict(ratio: f64, same_code: &[f64]) -> Verdict {
    let low = same_code.iter().copied().reduce(f64::min);
    let high = same_code.iter().copied().reduce(f64::max);
    let (Some(low), Some(high)) = (low, high) else {
        panic!("judging a ratio needs ratios of identical code to judge it by");
    };
    if ratio < low {
        Verdict::Faster
    } else if ratio > high {
        Verdict::Slower
    } else {
        Verdict::WithinNoise
    }
}
// ANCHOR_END: verdict

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    fn ms(n: f64) -> Duration {
        Duration::from_secs_f64(n / 1000.0)
    }

    /// A machine that gets slower and slower, as one does when a build
    /// starts beside the benchmark: the n-th thing timed takes `factor(n)`
    /// times its real cost.
    struct SlowingMachine {
        ticks: Cell<u32>,
    }

    impl SlowingMachine {
        fn time(&self, real_ms: f64) -> Duration {
            let n = self.ticks.get();
            self.ticks.set(n + 1);
            ms(real_ms * (1.0 + f64::from(n) * 0.05))
        }
    }

    #[test]
    fn taking_turns_cancels_a_machine_that_slows_down() {
        let machine = SlowingMachine {
            ticks: Cell::new(0),
        };
        let ratio = paired_ratio(9, || machine.time(10.0), || machine.time(20.0));
        // Each B runs just after its A, on a machine a little slower, so
        // the ratio is a touch under the true 0.5, never far from it.
        assert!((0.47..=0.5).contains(&ratio), "{ratio}");

        // The same two programs timed all A first, then all B, as a naive
        // script would: B ran on the slower machine, and A looks far
        // faster than it is (0.36 where the truth is 0.5).
        let machine = SlowingMachine {
            ticks: Cell::new(0),
        };
        let a: Vec<f64> = (0..9).map(|_| machine.time(10.0).as_secs_f64()).collect();
        let b: Vec<f64> = (0..9).map(|_| machine.time(20.0).as_secs_f64()).collect();
        let naive = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        assert!(naive < 0.4, "{naive}");
    }

    #[test]
    fn one_round_hit_by_a_background_job_does_not_move_the_median() {
        let round = Cell::new(0);
        let a = || {
            round.set(round.get() + 1);
            // The third A shares the core with a compiler: ten times slower.
            if round.get() == 3 {
                ms(100.0)
            } else {
                ms(10.0)
            }
        };
        let ratio = paired_ratio(5, a, || ms(10.0));
        assert_eq!(ratio, 1.0);
    }

    #[test]
    fn the_two_sides_take_turns() {
        let order = RefCell::new(String::new());
        paired_ratio(
            3,
            || {
                order.borrow_mut().push('A');
                ms(1.0)
            },
            || {
                order.borrow_mut().push('B');
                ms(1.0)
            },
        );
        assert_eq!(*order.borrow(), "ABABAB");
    }

    #[test]
    fn an_even_number_of_rounds_takes_the_middle_two() {
        let times = RefCell::new(vec![1.0, 2.0, 3.0, 4.0].into_iter());
        let ratio = paired_ratio(4, || ms(times.borrow_mut().next().unwrap()), || ms(1.0));
        assert_eq!(ratio, 2.5);
    }

    /// The spread this book's machine gave identical code: 0.6 to 1.7.
    const SAME_CODE: [f64; 5] = [0.6, 0.85, 1.0, 1.2, 1.7];

    #[test]
    fn a_ratio_inside_the_spread_of_identical_code_says_nothing() {
        assert_eq!(verdict(1.05, &SAME_CODE), Verdict::WithinNoise);
        assert_eq!(verdict(0.7, &SAME_CODE), Verdict::WithinNoise);
        assert_eq!(verdict(1.7, &SAME_CODE), Verdict::WithinNoise);
    }

    #[test]
    fn a_ratio_outside_it_does() {
        assert_eq!(verdict(0.3, &SAME_CODE), Verdict::Faster);
        assert_eq!(verdict(2.44, &SAME_CODE), Verdict::Slower);
    }

    #[test]
    #[should_panic(expected = "ratios of identical code")]
    fn no_noise_band_no_verdict() {
        verdict(1.0, &[]);
    }
}
