//! Query plans and timings on the SQLite library the server links (sqlx's
//! bundled one), which can plan differently from the `sqlite3` shell installed
//! on the machine.

use clap::Args;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Row};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SqliteQueryArgs {
    /// The database file (e.g. <data-dir>/cognate.db).
    #[arg(long)]
    pub db: PathBuf,
    /// Print EXPLAIN QUERY PLAN.
    #[arg(long)]
    pub explain: bool,
    /// Run the query this many times and print the median time (0: do not run it).
    #[arg(long, default_value_t = 0)]
    pub runs: usize,
    /// Print the SQLite version first.
    #[arg(long)]
    pub version: bool,
    /// The SQL (a trusted diagnostic string; never from a request).
    pub sql: String,
}

pub async fn run(args: SqliteQueryArgs) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new()
        .filename(&args.db)
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    if args.version {
        let v: String = sqlx::query_scalar("SELECT sqlite_version()")
            .fetch_one(&mut conn)
            .await?;
        println!("-- SQLite {v} (bundled with the server's sqlx)");
    }
    if args.explain {
        let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", args.sql)))
            .fetch_all(&mut conn)
            .await?;
        // (id, parent, notused, detail): indent each step under its parent.
        let mut depth: Vec<(i64, usize)> = Vec::new();
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let parent: i64 = r.try_get(1)?;
            let detail: String = r.try_get(3)?;
            let level = depth
                .iter()
                .find(|(i, _)| *i == parent)
                .map_or(0, |(_, l)| l + 1);
            depth.push((id, level));
            println!("{}{}", "  ".repeat(level), detail);
        }
    }
    if args.runs > 0 {
        let mut times = Vec::with_capacity(args.runs);
        let mut count = 0;
        for _ in 0..args.runs {
            let t = Instant::now();
            count = sqlx::query(AssertSqlSafe(args.sql.clone()))
                .fetch_all(&mut conn)
                .await?
                .len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "-- {count} rows, median {:.2} ms over {} runs (min {:.2}, max {:.2})",
            times[times.len() / 2],
            args.runs,
            times[0],
            times[times.len() - 1]
        );
    }
    conn.close().await?;
    Ok(())
}
