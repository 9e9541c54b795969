//! Seeding: opens the store directly (no HTTP), creates the pool through the
//! domain (`Cognate::create_user_pool`, as the server would), then inserts
//! synthetic users in batches with `Store::create_users`.
//!
//! The data set is a pure function of the user index `i`, so scenarios can
//! compute which values exist (see [`email`], [`FAMILY_NAMES`]).
//!
//! Passwords: an SRP verifier costs ~2.5 ms, i.e. ~4 minutes of one core per
//! 100,000 users. By default every seeded user gets the same precomputed
//! password record (made for a username no user has), so **seeded users cannot
//! sign in**. `--real-passwords` computes a real verifier per user (in parallel)
//! for [`PASSWORD`].

use crate::{append_json, mix};
use anyhow::{Context, bail};
use clap::Args;
use cognate_core::model::{PasswordRecord, User, UserPool, UserState, UsernameConfiguration};
use cognate_core::pools::CreateUserPoolInput;
use cognate_core::ports::{Store, SystemClock};
use cognate_core::{Cognate, ServerIdentity};
use cognate_crypto::MasterKey;
use cognate_crypto::srp::make_verifier;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The password of users seeded with `--real-passwords`.
pub const PASSWORD: &str = "Bench-Passw0rd!";

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// How many users the pool should hold when seeding ends (users already
    /// there count: an interrupted seed resumes).
    #[arg(long)]
    pub users: u64,
    /// Id of the pool to create or fill, e.g. `us-east-1_BenchPool1`.
    #[arg(long)]
    pub pool_id: String,
    /// Data directory: the SQLite database when --database is not given, and
    /// where master.key is read from or generated into (as `cognate serve` does).
    #[arg(long, default_value = "./cognate-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL instead of SQLite (`?options=-c%20search_path%3Dschema` selects a schema).
    #[arg(long)]
    pub database: Option<String>,
    /// Master key file (base64 of 32 bytes); default `<data-dir>/master.key`, generated if absent.
    /// The server must be started with the same key.
    #[arg(long)]
    pub master_key_file: Option<PathBuf>,
    /// Users per `create_users` call (one transaction each).
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Compute a real SRP verifier per user (password `Bench-Passw0rd!`); slow (~2.5 ms per user per core).
    #[arg(long)]
    pub real_passwords: bool,
    /// Append a JSON result line to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Label for the backend in results (default: the store's own name).
    #[arg(long)]
    pub label: Option<String>,
}

pub const GIVEN_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Aisha",
    "Wei",
    "Mohammed",
    "Sofia",
    "Hiroshi",
    "Olga",
    "Luis",
    "Fatima",
    "Arjun",
    "Chloe",
    "Mateo",
    "Ingrid",
];

pub const FAMILY_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Nakamura",
    "Kowalski",
    "Okafor",
    "Novak",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Singh",
];

const TIERS: &[&str] = &["free", "free", "free", "pro", "pro", "enterprise"];

/// The email of user `i` (unique; the pool's username attribute).
pub fn email(i: u64) -> String {
    format!("user{i}@example{}.com", i % 100)
}

pub fn family_name(i: u64) -> &'static str {
    FAMILY_NAMES[(mix(i) % FAMILY_NAMES.len() as u64) as usize]
}

fn given_name(i: u64) -> &'static str {
    GIVEN_NAMES[((mix(i) >> 20) % GIVEN_NAMES.len() as u64) as usize]
}

/// 80% CONFIRMED, 10% UNCONFIRMED, 7% FORCE_CHANGE_PASSWORD, 3% RESET_REQUIRED.
pub fn status(i: u64) -> &'static str {
    match (mix(i) >> 40) % 100 {
        0..80 => "CONFIRMED",
        80..90 => "UNCONFIRMED",
        90..97 => "FORCE_CHANGE_PASSWORD",
        _ => "RESET_REQUIRED",
    }
}

fn now_secs() -> f64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

/// Builds user `i` of the pool, as the domain would store it after AdminCreateUser
/// (email-as-username pool: the username is the sub).
pub fn make_user(pool: &UserPool, i: u64, total: u64, now: f64, password: PasswordRecord) -> User {
    let sub = uuid::Uuid::new_v4().to_string();
    let status = status(i);
    let given = given_name(i);
    let family = family_name(i);
    let verified = matches!(status, "CONFIRMED" | "RESET_REQUIRED");
    let mut attributes = BTreeMap::new();
    attributes.insert("sub".to_string(), sub.clone());
    attributes.insert("email".to_string(), email(i));
    attributes.insert("email_verified".to_string(), verified.to_string());
    attributes.insert("given_name".to_string(), given.to_string());
    attributes.insert("family_name".to_string(), family.to_string());
    attributes.insert("name".to_string(), format!("{given} {family}"));
    if !i.is_multiple_of(3) {
        attributes.insert("phone_number".to_string(), format!("+1555{i:07}"));
        attributes.insert("phone_number_verified".to_string(), "false".to_string());
    }
    attributes.insert(
        "custom:tier".to_string(),
        TIERS[(mix(i) % TIERS.len() as u64) as usize].to_string(),
    );
    // Spread creation over the last year, oldest first.
    let created =
        now - ((total.saturating_sub(i)) as f64) * (365.0 * 86400.0 / total.max(1) as f64);
    let mut state = UserState::default();
    if status == "FORCE_CHANGE_PASSWORD" {
        state.temporary_password_expires = Some(created + 7.0 * 86400.0);
    }
    User {
        pool_id: pool.id.clone(),
        username_key: pool.username_key(&sub),
        username: sub.clone(),
        sub,
        status: status.to_string(),
        enabled: i % 50 != 7,
        aliases: pool.alias_keys(&attributes),
        attributes,
        password: Some(password),
        state,
        created,
        modified: created,
    }
}

/// The master key the server will use: `--master-key-file`, else
/// `<data-dir>/master.key`, generated (mode 0600) when absent.
fn master_key(args: &SeedArgs) -> anyhow::Result<MasterKey> {
    let path = args
        .master_key_file
        .clone()
        .unwrap_or_else(|| args.data_dir.join("master.key"));
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return MasterKey::from_base64(text.trim())
            .with_context(|| format!("{} does not hold base64 of 32 bytes", path.display()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = MasterKey::generate();
    write_private(&path, &key.to_base64())?;
    eprintln!("generated master key {}", path.display());
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

/// The pool the benchmarks use: email as username, case-insensitive, one custom attribute.
fn pool_input() -> anyhow::Result<CreateUserPoolInput> {
    let input: CreateUserPoolInput = serde_json::from_value(serde_json::json!({
        "PoolName": "bench",
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "Schema": [
            { "Name": "tier", "AttributeDataType": "String", "Mutable": true }
        ],
    }))?;
    Ok(CreateUserPoolInput {
        username_configuration: Some(UsernameConfiguration {
            case_sensitive: false,
        }),
        ..input
    })
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    if args.batch == 0 {
        bail!("--batch must be at least 1");
    }
    let store: Arc<dyn Store> = match &args.database {
        Some(url) => Arc::new(cognate_store::open_postgres(url).await?),
        None => Arc::new(cognate_store::open_sqlite(&args.data_dir).await?),
    };
    let backend = args
        .label
        .clone()
        .unwrap_or_else(|| store.backend().to_string());
    let region = args
        .pool_id
        .split_once('_')
        .map(|(r, _)| r.to_string())
        .context("--pool-id must look like <region>_<name>")?;
    let core = Cognate::new(
        store.clone(),
        Arc::new(SystemClock),
        master_key(&args)?,
        ServerIdentity {
            region: region.clone(),
            account_id: "000000000000".into(),
            public_base_url: "http://127.0.0.1:9229".into(),
        },
    );
    core.check_master_key()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))
        .context("the master key does not match this database")?;

    let pool = match store.get_pool(&args.pool_id).await? {
        Some(p) => {
            eprintln!("pool {} exists", p.id);
            p
        }
        None => {
            let p = core
                .create_user_pool(pool_input()?, Some(&region), Some(&args.pool_id))
                .await
                .map_err(|e| anyhow::anyhow!("create_user_pool: {}", e.message))?;
            eprintln!("created pool {}", p.id);
            p
        }
    };

    let existing = store.count_users(&pool.id).await? as u64;
    if existing >= args.users {
        eprintln!(
            "pool {} already holds {existing} users (asked for {}): nothing to do",
            pool.id, args.users
        );
        return Ok(());
    }
    let to_add = args.users - existing;
    let pool_name = pool
        .id
        .split_once('_')
        .map_or(pool.id.clone(), |(_, n)| n.to_string());
    // Made for a username no seeded user has: never valid for sign-in.
    let shared = {
        let v = make_verifier(&pool_name, "cognate-bench-shared", PASSWORD);
        PasswordRecord {
            salt: v.salt_hex,
            verifier: v.verifier_hex,
        }
    };

    let bar = ProgressBar::new(to_add);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {pos}/{len} users ({per_sec}, eta {eta})",
        )?
        .progress_chars("=> "),
    );
    let now = now_secs();
    let started = Instant::now();
    let mut insert_time = std::time::Duration::ZERO;
    let mut i = existing;
    while i < args.users {
        let end = (i + args.batch as u64).min(args.users);
        let users: Vec<User> = if args.real_passwords {
            let pool = pool.clone();
            let pool_name = pool_name.clone();
            let total = args.users;
            tokio::task::spawn_blocking(move || {
                (i..end)
                    .into_par_iter()
                    .map(|j| {
                        let mut u = make_user(&pool, j, total, now, shared_placeholder());
                        let v = make_verifier(&pool_name, &u.username, PASSWORD);
                        u.password = Some(PasswordRecord {
                            salt: v.salt_hex,
                            verifier: v.verifier_hex,
                        });
                        u
                    })
                    .collect()
            })
            .await?
        } else {
            (i..end)
                .map(|j| make_user(&pool, j, args.users, now, shared.clone()))
                .collect()
        };
        let t = Instant::now();
        store
            .create_users(&users)
            .await
            .with_context(|| format!("inserting users {i}..{end}"))?;
        insert_time += t.elapsed();
        bar.inc(end - i);
        i = end;
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let rate = to_add as f64 / secs;
    let insert_rate = to_add as f64 / insert_time.as_secs_f64();
    eprintln!(
        "seeded {to_add} users into {} ({backend}) in {secs:.1} s: {rate:.0} users/s overall, {insert_rate:.0} users/s in create_users (batches of {}{})",
        pool.id,
        args.batch,
        if args.real_passwords {
            ", real passwords"
        } else {
            ", shared password record"
        }
    );
    if let Some(path) = &args.json_out {
        append_json(
            path,
            &serde_json::json!({
                "kind": "seed",
                "backend": backend,
                "pool_id": pool.id,
                "users": to_add,
                "total_users": args.users,
                "batch": args.batch,
                "real_passwords": args.real_passwords,
                "seconds": secs,
                "users_per_sec": rate,
                "insert_users_per_sec": insert_rate,
            }),
        )?;
    }
    Ok(())
}

/// Placeholder replaced right away by the user's own verifier.
fn shared_placeholder() -> PasswordRecord {
    PasswordRecord {
        salt: String::new(),
        verifier: String::new(),
    }
}
