//! ListUsers scenarios. Each scenario turns an operation number into one or
//! more ListUsers requests; [`crate::load::run`] drives them.
//!
//! Built-in mixes (values exist in a pool seeded by `cognate-bench seed`):
//! - `email-exact`: `email = "user<i>@example<i%100>.com"`, random i (1 row);
//! - `email-prefix`: `email ^= "user<10..99>"` (1,111 matches at 100k users; first page of 60);
//! - `email-prefix-narrow`: `email ^= "user<1000..9999>"` (11 matches);
//! - `email-prefix-miss`: `email ^= "nobody<n>"` (no match: the worst case for a plan
//!   that walks the pool in username order and filters);
//! - `family-name-prefix`: `family_name ^= "<first two letters of a seeded family name>"`;
//! - `status`: `cognito:user_status = "UNCONFIRMED"` (~10% of users; first page);
//! - `no-filter-pages`: no filter, Limit 60, following PaginationToken for 5 pages;
//! - `custom`: the `--filter` given on the command line, first page.

use crate::client::Client;
use crate::load::{self, Limits, Op, Sample};
use crate::seed::{FAMILY_NAMES, email};
use crate::{Rng, append_json};
use anyhow::bail;
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ListUsersArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:9229.
    #[arg(long)]
    pub url: String,
    #[arg(long)]
    pub pool_id: String,
    /// Request budget per scenario (after warm-up).
    #[arg(long, default_value_t = 5000)]
    pub requests: u64,
    /// Time budget per scenario, in seconds (after warm-up).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Requests in flight (closed loop).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Warm-up requests per scenario, not recorded (also bounded to 3 s).
    #[arg(long, default_value_t = 100)]
    pub warmup: u64,
    /// A filter to run as the `custom` scenario, e.g. 'email ^= "user12"'.
    #[arg(long)]
    pub filter: Option<String>,
    /// Comma-separated scenarios, or `all` (the built-in mixes), or `custom` (needs --filter).
    /// Default: `custom` when --filter is given, else `all`.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Limit per request (Cognito allows at most 60).
    #[arg(long, default_value_t = 60)]
    pub limit: u64,
    /// Pages per operation in `no-filter-pages`.
    #[arg(long, default_value_t = 5)]
    pub pages: usize,
    /// How many users were seeded (the range random exact-match values are drawn from).
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// Label of the backend in results.
    #[arg(long, default_value = "unknown")]
    pub backend: String,
    /// Append one JSON result line per scenario to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Seed of the scenario's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub const BUILT_IN: &[&str] = &[
    "email-exact",
    "email-prefix",
    "email-prefix-narrow",
    "email-prefix-miss",
    "family-name-prefix",
    "status",
    "no-filter-pages",
];

/// Makes the filter of one operation (None: no filter) from the scenario's PRNG.
type FilterFn = Arc<dyn Fn(&mut Rng) -> Option<String> + Send + Sync>;

/// What one scenario asks for.
#[derive(Clone)]
struct Spec {
    name: String,
    /// The filter of operation `seq`, or None for no filter.
    filter: FilterFn,
    pages: usize,
    /// A representative filter, for the results.
    example: Option<String>,
}

fn spec(name: &str, args: &ListUsersArgs) -> anyhow::Result<Spec> {
    let users = args.users.max(1);
    let f: FilterFn = match name {
        "email-exact" => {
            Arc::new(move |r: &mut Rng| Some(format!("email = \"{}\"", email(r.range(0, users)))))
        }
        "email-prefix" => {
            Arc::new(|r: &mut Rng| Some(format!("email ^= \"user{}\"", r.range(10, 100))))
        }
        "email-prefix-narrow" => {
            Arc::new(|r: &mut Rng| Some(format!("email ^= \"user{}\"", r.range(1000, 10000))))
        }
        "email-prefix-miss" => {
            Arc::new(|r: &mut Rng| Some(format!("email ^= \"nobody{}\"", r.range(0, 1000))))
        }
        "family-name-prefix" => Arc::new(|r: &mut Rng| {
            let n = FAMILY_NAMES[r.range(0, FAMILY_NAMES.len() as u64) as usize];
            Some(format!("family_name ^= \"{}\"", &n[..2]))
        }),
        "status" => {
            Arc::new(|_: &mut Rng| Some("cognito:user_status = \"UNCONFIRMED\"".to_string()))
        }
        "no-filter-pages" => Arc::new(|_: &mut Rng| None),
        "custom" => {
            let Some(filter) = args.filter.clone() else {
                bail!("the custom scenario needs --filter");
            };
            Arc::new(move |_: &mut Rng| Some(filter.clone()))
        }
        other => bail!(
            "unknown scenario {other:?} (known: {}, custom, all)",
            BUILT_IN.join(", ")
        ),
    };
    let example = f(&mut Rng::new(args.seed));
    Ok(Spec {
        name: name.to_string(),
        filter: f,
        pages: if name == "no-filter-pages" {
            args.pages.max(1)
        } else {
            1
        },
        example,
    })
}

fn op(spec: &Spec, client: Client, pool_id: String, limit: u64, seed: u64) -> Op {
    let spec = spec.clone();
    Arc::new(move |seq| {
        let client = client.clone();
        let pool_id = pool_id.clone();
        let mut rng = Rng::new(seed.wrapping_mul(0x1000_0000_01B3) ^ seq);
        let filter = (spec.filter)(&mut rng);
        let pages = spec.pages;
        Box::pin(async move {
            let mut samples = Vec::with_capacity(pages);
            let mut token: Option<String> = None;
            for _ in 0..pages {
                let mut body = json!({ "UserPoolId": pool_id, "Limit": limit });
                if let Some(f) = &filter {
                    body["Filter"] = json!(f);
                }
                if let Some(t) = &token {
                    body["PaginationToken"] = json!(t);
                }
                let reply = client.call("ListUsers", &body).await;
                match reply.result {
                    Ok(v) => {
                        let rows = v["Users"].as_array().map_or(0, |a| a.len() as u64);
                        token = v["PaginationToken"].as_str().map(str::to_string);
                        samples.push(Sample {
                            latency: reply.latency,
                            rows,
                            error: None,
                        });
                        if token.is_none() {
                            break;
                        }
                    }
                    Err(e) => {
                        samples.push(Sample {
                            latency: reply.latency,
                            rows: 0,
                            error: Some(e),
                        });
                        break;
                    }
                }
            }
            samples
        })
    })
}

pub async fn run_list_users(args: ListUsersArgs) -> anyhow::Result<()> {
    let names: Vec<String> = match args.scenario.as_deref() {
        None if args.filter.is_some() => vec!["custom".into()],
        None | Some("all") => BUILT_IN.iter().map(|s| s.to_string()).collect(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .flat_map(|s| {
                if s == "all" {
                    BUILT_IN.iter().map(|b| b.to_string()).collect()
                } else {
                    vec![s.to_string()]
                }
            })
            .collect(),
    };
    let specs = names
        .iter()
        .map(|n| spec(n, &args))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.limit == 0 || args.limit > 60 {
        bail!("--limit must be 1..=60");
    }
    let client = Client::new(&args.url, args.concurrency)?;
    eprintln!(
        "{:<22} {:>3} {:>9} {:>8} {:>8} {:>8} {:>9} {:>6}",
        "scenario", "C", "req/s", "p50 ms", "p90 ms", "p99 ms", "rows/req", "errors"
    );
    for spec in &specs {
        let warm = load::run(
            op(
                spec,
                client.clone(),
                args.pool_id.clone(),
                args.limit,
                args.seed ^ 0xABCD,
            ),
            Limits {
                requests: args.warmup,
                duration: Duration::from_secs(3),
                concurrency: args.concurrency,
            },
        )
        .await;
        if warm.requests > 0 && warm.errors == warm.requests {
            bail!(
                "scenario {}: every warm-up request failed: {}",
                spec.name,
                warm.first_error.unwrap_or_default()
            );
        }
        let s = load::run(
            op(
                spec,
                client.clone(),
                args.pool_id.clone(),
                args.limit,
                args.seed,
            ),
            Limits {
                requests: args.requests,
                duration: Duration::from_secs_f64(args.duration),
                concurrency: args.concurrency,
            },
        )
        .await;
        println!(
            "{:<22} {:>3} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>9.1} {:>6}",
            spec.name,
            args.concurrency,
            s.per_sec(),
            s.ms(0.5),
            s.ms(0.9),
            s.ms(0.99),
            s.rows_per_request(),
            s.errors
        );
        if let Some(e) = &s.first_error {
            eprintln!("  first error: {e}");
        }
        if let Some(path) = &args.json_out {
            let mut record = json!({
                "kind": "listusers",
                "backend": args.backend,
                "scenario": spec.name,
                "filter_example": spec.example,
                "pages_per_op": spec.pages,
                "limit": args.limit,
                "concurrency": args.concurrency,
                "users": args.users,
            });
            if let (Value::Object(r), Value::Object(m)) = (&mut record, s.to_json()) {
                r.extend(m);
            }
            append_json(path, &record)?;
        }
    }
    Ok(())
}
