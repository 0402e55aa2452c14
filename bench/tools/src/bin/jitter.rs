//! Machine noise: how steady the CPU is for a fixed piece of work.
//!
//! Usage: `bench-jitter [--chunks N] [--chunk-us US]`
//! Calibrates a CPU-only chunk of work (integer arithmetic, no memory
//! traffic, no syscalls) to take about `--chunk-us` microseconds, then times
//! `--chunks` of them back to back on one thread. On a quiet, dedicated core
//! every chunk takes about the same time; on a shared virtual machine some
//! take many times longer, because the host ran something else meanwhile.
//! A server whose requests wait on one thread (SQLite's single writer) feels
//! each such stall in every request waiting on it, so these figures explain
//! part of a run's p99. Prints one JSON object: percentiles in microseconds
//! and the share of chunks that took over 5 times the median.

use clap::Parser;
use modelreg_bench::{calibrate, time_work};
use std::time::Duration;

#[derive(Parser)]
struct Args {
    /// How many chunks to time.
    #[arg(long, default_value_t = 200_000)]
    chunks: usize,
    /// The median time one chunk should take.
    #[arg(long, default_value_t = 16)]
    chunk_us: u64,
}

fn main() {
    let args = Args::parse();
    let rounds = calibrate(Duration::from_micros(args.chunk_us), 2_001);
    let mut times: Vec<f64> = (0..args.chunks.max(1))
        .map(|_| time_work(rounds).as_secs_f64() * 1e6)
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let tenth = |us: f64| (us * 10.0).round() / 10.0;
    let median = at(0.5);
    let slow = times.iter().filter(|&&t| t > 5.0 * median).count();
    println!(
        "{}",
        serde_json::json!({
            "chunks": times.len(),
            "p50_us": tenth(median),
            "p90_us": tenth(at(0.9)),
            "p99_us": tenth(at(0.99)),
            "p999_us": tenth(at(0.999)),
            "max_us": tenth(times[times.len() - 1]),
            "over_5x_median": slow as f64 / times.len() as f64,
        })
    );
}
