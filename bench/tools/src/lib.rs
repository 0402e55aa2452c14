//! What the benchmark helpers share: a fixed piece of CPU work, and how many
//! rounds of it take a given time on this machine. `bench-jitter` times it on
//! the idle machine; `bench-ceiling --serial-write-us` spends it per write.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// `rounds` steps of an integer hash: CPU only (no memory traffic, no system
/// call). Unlike a timed spin, it takes longer when the host gives the
/// virtual CPU less, as real work does.
pub fn fixed_work(rounds: u64) -> u64 {
    let mut x = black_box(0x9e37_79b9_7f4a_7c15_u64);
    for i in 0..rounds {
        x = (x ^ i).wrapping_mul(0xbf58_476d_1ce4_e5b9).rotate_left(17);
    }
    black_box(x)
}

/// How long one run of [`fixed_work`] with `rounds` takes.
pub fn time_work(rounds: u64) -> Duration {
    let start = Instant::now();
    fixed_work(rounds);
    start.elapsed()
}

/// The rounds of [`fixed_work`] that take `how_long` at the median of
/// `tries` timed probes on this machine (at least one round).
pub fn calibrate(how_long: Duration, tries: usize) -> u64 {
    const PROBE: u64 = 10_000;
    let mut times: Vec<Duration> = (0..tries.max(1)).map(|_| time_work(PROBE)).collect();
    times.sort();
    let median = times[times.len() / 2].as_secs_f64().max(1e-9);
    ((PROBE as f64 * how_long.as_secs_f64() / median) as u64).max(1)
}
