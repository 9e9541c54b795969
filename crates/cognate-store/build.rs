//! `sqlx::migrate!` embeds the migration files at compile time; without this, cargo does not
//! notice a new file in `migrations/` and an incremental build keeps the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
