//! Renders a results file (one JSON object per line, `kind` = `seed`,
//! `listusers`, `size`, `rss`) as Markdown tables.

use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

pub fn render(path: &Path) -> anyhow::Result<String> {
    let content = std::fs::read_to_string(path)?;
    let records: Vec<Value> = content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let of = |kind: &str| -> Vec<&Value> { records.iter().filter(|r| r["kind"] == kind).collect() };
    let mut out = String::new();
    for r in of("run") {
        writeln!(
            out,
            "Run started {} at commit {}, {} users, load average at start {}.\n",
            text(r, "started"),
            text(r, "commit"),
            r["users"],
            text(r, "loadavg"),
        )?;
    }

    let lists = of("listusers");
    if !lists.is_empty() {
        writeln!(
            out,
            "| backend | scenario | example filter | C | req/s | p50 ms | p90 ms | p99 ms | rows/request | errors |"
        )?;
        writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|")?;
        for r in lists {
            let example = match r["filter_example"].as_str() {
                Some(f) => format!("`{}`", f.replace('|', "\\|")),
                None => format!("(none, {} pages)", r["pages_per_op"]),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {} |",
                text(r, "backend"),
                text(r, "scenario"),
                example,
                r["concurrency"],
                num(r, "req_per_sec"),
                num(r, "p50_ms"),
                num(r, "p90_ms"),
                num(r, "p99_ms"),
                num(r, "rows_per_request"),
                r["errors"],
            )?;
        }
        writeln!(out)?;
    }

    let sizes = of("size");
    if !sizes.is_empty() {
        writeln!(out, "| backend | users | what | bytes | per user |")?;
        writeln!(out, "|---|--:|---|--:|--:|")?;
        for r in sizes {
            let users = num(r, "users");
            let bytes = num(r, "bytes");
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.0} B |",
                text(r, "backend"),
                users,
                text(r, "what"),
                mib(bytes),
                bytes / users
            )?;
        }
        writeln!(out)?;
    }

    let seeds = of("seed");
    if !seeds.is_empty() {
        writeln!(
            out,
            "| backend | users seeded | batch | passwords | seconds | users/s overall | users/s in create_users |"
        )?;
        writeln!(out, "|---|--:|--:|---|--:|--:|--:|")?;
        for r in seeds {
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.1} | {:.0} | {:.0} |",
                text(r, "backend"),
                r["users"],
                r["batch"],
                if r["real_passwords"] == true {
                    "real SRP verifiers"
                } else {
                    "one shared record"
                },
                num(r, "seconds"),
                num(r, "users_per_sec"),
                num(r, "insert_users_per_sec"),
            )?;
        }
        writeln!(out)?;
    }

    let rss = of("rss");
    if !rss.is_empty() {
        writeln!(
            out,
            "| backend | server peak RSS (VmHWM) | RSS at end (VmRSS) |"
        )?;
        writeln!(out, "|---|--:|--:|")?;
        for r in rss {
            writeln!(
                out,
                "| {} | {} | {} |",
                text(r, "backend"),
                mib(num(r, "vmhwm_kb") * 1024.0),
                mib(num(r, "vmrss_kb") * 1024.0),
            )?;
        }
        writeln!(out)?;
    }
    Ok(out)
}
