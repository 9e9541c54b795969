//! An in-process server (through `cognate_server::start`) in open mode, on a
//! loopback address only. The benchmark scripts use the `cognate` binary of the
//! main workspace; this is the fallback when it is not built.

use anyhow::bail;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Loopback address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    #[arg(long, default_value = "./cognate-data")]
    pub data_dir: PathBuf,
    #[arg(long)]
    pub database: Option<String>,
    /// Master key file; default `<data-dir>/master.key` (as `cognate serve`).
    #[arg(long)]
    pub master_key_file: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        bail!("the benchmark server listens on loopback only");
    }
    let config = cognate_server::Config {
        listen: args.listen,
        data_dir: args.data_dir,
        database: args.database,
        master_key_file: args.master_key_file,
        ..Default::default()
    };
    let server = cognate_server::start(config).await?;
    // Same parseable line as `cognate serve`.
    println!("cognate listening on {}", server.url());
    server.wait().await
}
