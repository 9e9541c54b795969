//! `cold-start`: how long `cognate serve` takes from exec to its first answered request, and
//! how much memory it holds idle.
//!
//! Each round spawns the binary (open mode, loopback, port 0), reads the "listening on" line
//! from its standard output, then polls `GET /health` every 0.2 ms until it answers 200; the
//! time from spawn to that answer is the cold start. Rounds alternate between a fresh data
//! directory (migrations and master-key generation included) and the directory the previous
//! round left (a restart). After the last round the server idles for `--idle-secs` and its
//! resident set (VmRSS) is read, then it is stopped with SIGTERM.

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct ColdStartArgs {
    /// The `cognate` binary.
    #[arg(long)]
    pub bin: PathBuf,
    /// Rounds per kind (fresh data dir, existing data dir).
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// Seconds to idle before reading the resident set.
    #[arg(long, default_value_t = 2.0)]
    pub idle_secs: f64,
    /// Append one JSON result line to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

struct Started {
    child: Child,
    elapsed: Duration,
}

fn start(bin: &PathBuf, data_dir: &std::path::Path) -> anyhow::Result<Started> {
    let t0 = Instant::now();
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = rest
                .split_whitespace()
                .next()
                .map(|s| s.trim_matches('"').to_string());
            break;
        }
    }
    let Some(url) = url else {
        let _ = child.kill();
        bail!("the server printed no 'listening on' line");
    };
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    loop {
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            bail!("no answer from {addr} within 10 s");
        }
        if health(&addr) {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok(Started {
        elapsed: t0.elapsed(),
        child,
    })
}

/// One blocking `GET /health`; true on a 200.
fn health(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /health HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn vm_rss_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn ms(d: &[Duration]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

pub fn run(args: ColdStartArgs) -> anyhow::Result<()> {
    let rounds = args.rounds.max(1);
    let work = tempfile::tempdir()?;
    let (mut fresh, mut restart) = (Vec::new(), Vec::new());
    let mut last = None;
    for i in 0..rounds {
        let dir = work.path().join(format!("data{i}"));
        let s = start(&args.bin, &dir)?;
        fresh.push(s.elapsed);
        stop(s.child);
        let s = start(&args.bin, &dir)?;
        restart.push(s.elapsed);
        if i + 1 == rounds {
            last = Some(s.child);
        } else {
            stop(s.child);
        }
    }
    let child = last.context("no server")?;
    std::thread::sleep(Duration::from_secs_f64(args.idle_secs));
    let rss = vm_rss_kb(child.id());
    stop(child);
    let (f_min, f_med, f_max) = ms(&fresh);
    let (r_min, r_med, r_max) = ms(&restart);
    println!("| start | runs | min ms | median ms | max ms |");
    println!("|---|--:|--:|--:|--:|");
    println!(
        "| fresh data dir (migrations, master key) | {rounds} | {f_min:.1} | {f_med:.1} | {f_max:.1} |"
    );
    println!("| existing data dir (restart) | {rounds} | {r_min:.1} | {r_med:.1} | {r_max:.1} |");
    println!();
    println!(
        "Idle resident set after {:.0} s: {}",
        args.idle_secs,
        rss.map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    if let Some(p) = &args.json_out {
        crate::append_json(
            p,
            &json!({"kind": "cold-start", "fresh_ms": [f_min, f_med, f_max],
                "restart_ms": [r_min, r_med, r_max], "rounds": rounds, "idle_rss_kb": rss}),
        )?;
    }
    Ok(())
}
