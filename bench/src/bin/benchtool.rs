//! Small helpers for `bench/run`, so that it needs neither `sqlite3` nor a
//! JSON tool on a fresh machine:
//!
//! - `benchtool scalar --database-url URL 'SELECT COUNT(*) FROM comment'`
//!   prints the integer a query returns;
//! - `benchtool same-json A.json B.json [--pointer /data]` exits 0 when both
//!   files hold the same JSON value (key order and spacing aside), or the
//!   same value at that JSON pointer, 1 otherwise.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the integer a query returns.
    Scalar {
        #[arg(long)]
        database_url: String,
        sql: String,
    },
    /// Exits 0 when two files hold the same JSON value.
    SameJson {
        a: PathBuf,
        b: PathBuf,
        /// Compare only the values at this JSON pointer, e.g. `/data`.
        #[arg(long, default_value = "")]
        pointer: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Scalar { database_url, sql } => {
            let db = marquee_bench::connect(&database_url).await?;
            println!("{}", marquee_bench::scalar(&db, &sql).await?);
            db.close().await?;
        }
        Command::SameJson { a, b, pointer } => {
            let read = |p: &PathBuf| -> anyhow::Result<serde_json::Value> {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                let value: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not JSON", p.display()))?;
                value
                    .pointer(&pointer)
                    .cloned()
                    .with_context(|| format!("{} has nothing at {pointer:?}", p.display()))
            };
            if read(&a)? != read(&b)? {
                eprintln!("{} and {} differ", a.display(), b.display());
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
