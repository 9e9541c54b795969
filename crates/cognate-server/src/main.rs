//! `cognate`: a self-hosted, Cognito-compatible identity service.

use clap::{Parser, Subcommand};
use cognate_server::{Config, Overrides};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cognate",
    version,
    about = "A self-hosted, Cognito-compatible identity service"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "COGNATE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the main job).
    Serve {
        /// Address to listen on [default: 127.0.0.1:9229].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Directory of the embedded SQLite database [default: ./cognate-data].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// PostgreSQL URL (postgres://...) instead of SQLite.
        #[arg(long)]
        database: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        database: Option<String>,
    },
    /// Load and check the configuration, then exit.
    CheckConfig,
    /// Show the messages recorded in the outbox (channels without a transport), newest first.
    Messages {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        database: Option<String>,
        /// Only this pool.
        #[arg(long)]
        pool_id: Option<String>,
        /// Only this user (the pool's username).
        #[arg(long)]
        username: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = match &cli.command {
        Command::Serve {
            listen,
            data_dir,
            database,
        } => Overrides {
            listen: *listen,
            data_dir: data_dir.clone(),
            database: database.clone(),
        },
        Command::Migrate { data_dir, database } => Overrides {
            listen: None,
            data_dir: data_dir.clone(),
            database: database.clone(),
        },
        Command::CheckConfig => Overrides::default(),
        Command::Messages {
            data_dir, database, ..
        } => Overrides {
            listen: None,
            data_dir: data_dir.clone(),
            database: database.clone(),
        },
    };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cognate: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs(&config.log_format);
    let result = match cli.command {
        Command::Serve { .. } => match cognate_server::start(config).await {
            Ok(server) => {
                // One parseable line on stdout, for scripts that start on port 0.
                println!("cognate listening on {}", server.url());
                server.wait().await
            }
            Err(e) => Err(e),
        },
        Command::Migrate { .. } => cognate_server::migrate(&config).await,
        Command::CheckConfig => config
            .access_keys()
            .map(|_| println!("configuration is valid")),
        Command::Messages {
            pool_id,
            username,
            limit,
            json,
            ..
        } => {
            print_messages(
                &config,
                pool_id.as_deref(),
                username.as_deref(),
                limit,
                json,
            )
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("cognate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn print_messages(
    config: &Config,
    pool_id: Option<&str>,
    username: Option<&str>,
    limit: usize,
    json: bool,
) -> anyhow::Result<()> {
    for m in cognate_server::outbox(config, pool_id, username, limit).await? {
        if json {
            println!("{}", cognate_server::message_json(&m));
            continue;
        }
        println!(
            "--- {} {} to {} (pool {}, user {}, {})",
            m.channel.as_str(),
            m.reason,
            m.destination,
            m.pool_id,
            m.username,
            m.id
        );
        if let Some(s) = &m.subject {
            println!("Subject: {s}");
        }
        println!("{}\n", m.body);
    }
    Ok(())
}
