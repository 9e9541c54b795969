//! `cognate-bench`: seeds a Cognate store directly and drives load scenarios
//! against a running Cognate server over the awsJson protocol.
//!
//! Subcommands:
//! - `seed`: creates a pool (if absent) and bulk-inserts synthetic users;
//! - `list-users`: ListUsers scenarios (filters, pagination) against a server;
//! - `serve`: an in-process server in open mode (fallback when the `cognate`
//!   binary of the main workspace is not built);
//! - `cold-start`: time from exec to the first answered request, and idle memory;
//! - `sqlite-query`: a query's plan and time on the server's own (bundled) SQLite;
//! - `report`: renders the JSON-lines results of a run as Markdown tables.
//!
//! New scenarios go in [`scenarios`] (a request generator per scenario) and are
//! driven by the generic closed-loop runner in [`load`].

mod auth;
mod client;
mod coldstart;
mod identity;
mod load;
mod report;
mod scenarios;
mod seed;
mod serve;
mod sqlite_query;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cognate-bench",
    about = "Load and size benchmarks for Cognate (Cognito-compatible identity service)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the pool (unless it exists) and bulk-insert synthetic users straight into the store.
    Seed(seed::SeedArgs),
    /// Run ListUsers scenarios against a running server (open mode: requests are not signed).
    ListUsers(scenarios::ListUsersArgs),
    /// Sign-in, token and read scenarios (password, srp, refresh, get-user, admin-get-user, sign-up,
    /// admin-create-user, custom-auth) and identity-pool scenarios (identity-guest, identity-auth, identity-credentials).
    Auth(auth::AuthArgs),
    /// Single-thread cost of the crypto behind sign-ins and token checks.
    CryptoFloor(auth::CryptoFloorArgs),
    /// Time `cognate serve` from exec to its first answered request (fresh and existing data
    /// dir) and read its idle resident set.
    ColdStart(coldstart::ColdStartArgs),
    /// Serve the API in-process, in open mode, on a loopback address.
    Serve(serve::ServeArgs),
    /// Run a query on a SQLite database with the SQLite the server bundles: its plan
    /// (EXPLAIN QUERY PLAN) and its time. For diagnostics.
    SqliteQuery(sqlite_query::SqliteQueryArgs),
    /// Render a results file (JSON lines written with --json-out) as Markdown.
    Report {
        /// The results file.
        results: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Seed(args) => seed::run(args).await,
        Command::ListUsers(args) => scenarios::run_list_users(args).await,
        Command::Auth(args) => auth::run(args).await,
        Command::CryptoFloor(args) => auth::crypto_floor(args),
        Command::Serve(args) => serve::run(args).await,
        Command::ColdStart(args) => {
            tokio::task::spawn_blocking(move || coldstart::run(args)).await?
        }
        Command::SqliteQuery(args) => sqlite_query::run(args).await,
        Command::Report { results } => {
            print!("{}", report::render(&results)?);
            Ok(())
        }
    }
}

/// Appends one JSON object as a line to `path` (results files are JSON lines).
pub(crate) fn append_json(path: &std::path::Path, value: &serde_json::Value) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{value}")?;
    Ok(())
}

/// A small deterministic PRNG (splitmix64): scenarios must not depend on a
/// crate's RNG stream changing between versions, and need no cryptographic quality.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (hi exclusive, hi > lo).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }
}

/// The same value for the same `i`: what seeding and the scenarios agree on.
pub(crate) fn mix(i: u64) -> u64 {
    Rng::new(i ^ 0x5EED_0000_0000_0000).next_u64()
}
