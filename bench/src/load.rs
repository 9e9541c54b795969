//! The closed-loop load runner shared by all scenarios: `concurrency` workers
//! each run one operation at a time until a request budget or a time budget is
//! spent, whichever comes first. An operation may send several requests (e.g.
//! following pagination tokens); every request's latency is recorded.

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One request's result as the runner records it.
pub struct Sample {
    pub latency: Duration,
    /// Items the response carried (e.g. users), for "rows per request".
    pub rows: u64,
    pub error: Option<String>,
}

pub type OpFuture = Pin<Box<dyn Future<Output = Vec<Sample>> + Send>>;
/// Builds operation number `seq` (deterministic in `seq`).
pub type Op = Arc<dyn Fn(u64) -> OpFuture + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Stop issuing operations once this many requests were sent (may overshoot
    /// by what the in-flight operations send).
    pub requests: u64,
    pub duration: Duration,
    pub concurrency: usize,
}

pub struct Summary {
    pub requests: u64,
    pub errors: u64,
    pub rows: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub hist: Histogram<u64>,
    pub first_error: Option<String>,
}

impl Summary {
    pub fn per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
    pub fn rows_per_request(&self) -> f64 {
        self.rows as f64 / self.requests.max(1) as f64
    }
    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "seconds": self.elapsed.as_secs_f64(),
            "req_per_sec": self.per_sec(),
            "p50_ms": self.ms(0.50),
            "p90_ms": self.ms(0.90),
            "p99_ms": self.ms(0.99),
            "max_ms": self.hist.max() as f64 / 1000.0,
            "mean_ms": self.hist.mean() / 1000.0,
            "rows_per_request": self.rows_per_request(),
            "first_error": self.first_error,
        })
    }
}

fn new_hist() -> Histogram<u64> {
    // 1 µs .. 120 s at 3 significant digits.
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds")
}

pub async fn run(op: Op, limits: Limits) -> Summary {
    let sent = Arc::new(AtomicU64::new(0));
    let next_op = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limits.duration;
    let mut workers = Vec::new();
    for _ in 0..limits.concurrency.max(1) {
        let op = op.clone();
        let sent = sent.clone();
        let next_op = next_op.clone();
        workers.push(tokio::spawn(async move {
            let mut hist = new_hist();
            let (mut requests, mut errors, mut rows) = (0u64, 0u64, 0u64);
            let mut first_error = None;
            while Instant::now() < deadline && sent.load(Ordering::Relaxed) < limits.requests {
                let seq = next_op.fetch_add(1, Ordering::Relaxed);
                let samples = op(seq).await;
                sent.fetch_add(samples.len() as u64, Ordering::Relaxed);
                for s in samples {
                    requests += 1;
                    rows += s.rows;
                    let _ = hist.record((s.latency.as_micros() as u64).max(1));
                    if let Some(e) = s.error {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (hist, requests, errors, rows, first_error)
        }));
    }
    let mut summary = Summary {
        requests: 0,
        errors: 0,
        rows: 0,
        elapsed: Duration::ZERO,
        hist: new_hist(),
        first_error: None,
    };
    for w in workers {
        match w.await {
            Ok((hist, requests, errors, rows, first_error)) => {
                let _ = summary.hist.add(&hist);
                summary.requests += requests;
                summary.errors += errors;
                summary.rows += rows;
                if summary.first_error.is_none() {
                    summary.first_error = first_error;
                }
            }
            Err(e) => {
                summary.errors += 1;
                summary
                    .first_error
                    .get_or_insert(format!("worker panicked: {e}"));
            }
        }
    }
    summary.elapsed = started.elapsed();
    summary
}
