//! Cold start: how long from spawning a server to its first 200 on `/health`.
//!
//! Usage: `bench-coldstart --addr 127.0.0.1:PORT --runs N -- SERVER ARGS...`
//! Each run spawns the command, polls `GET /health` over a fresh TCP
//! connection every 0.5 ms (bounded by `--timeout-ms`), records the elapsed
//! time, then stops the server with SIGTERM and waits for it to exit.
//! Prints one JSON object: every run in milliseconds, and min/median/max.

use clap::Parser;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Where the server listens.
    #[arg(long)]
    addr: String,
    /// How many starts to time.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Give up on one start after this long.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u64,
    /// The server command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn healthy(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

fn one_start(args: &Args) -> Result<f64, String> {
    if healthy(&args.addr) {
        return Err(format!("something already answers on {}", args.addr));
    }
    let started = Instant::now();
    let mut child = Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", args.command[0]))?;
    let deadline = started + Duration::from_millis(args.timeout_ms);
    let elapsed = loop {
        if healthy(&args.addr) {
            break started.elapsed();
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the server exited early: {status}"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the server did not become healthy in time".into());
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let stop_deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if Instant::now() > stop_deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(elapsed.as_secs_f64() * 1000.0)
}

fn main() {
    let args = Args::parse();
    let mut runs = Vec::new();
    for _ in 0..args.runs {
        match one_start(&args) {
            Ok(ms) => runs.push(ms),
            Err(message) => {
                eprintln!("bench-coldstart: {message}");
                std::process::exit(1);
            }
        }
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    let summary = serde_json::json!({
        "runs_ms": runs,
        "min_ms": sorted[0],
        "median_ms": sorted[sorted.len() / 2],
        "max_ms": sorted[sorted.len() - 1],
    });
    println!("{summary}");
}
