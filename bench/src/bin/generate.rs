//! Puts the benchmark's data set into a database:
//!
//! ```sh
//! cargo run --release -p marquee-bench --bin generate -- \
//!     --database-url postgres://postgres@127.0.0.1/marquee_bench --seed 1 --scale 1.0
//! ```
//!
//! The schema comes from the `migration` crate, as the server makes it. A
//! database that already holds this seed and scale is reused (after the rows
//! earlier runs added are removed); one holding anything else is wiped only
//! with `--replace`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use marquee_bench::{Options, Outcome};

#[derive(Parser)]
#[command(about = "Generates Marquee's benchmark data set, deterministically from a seed")]
struct Args {
    /// `sqlite://FILE?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(long)]
    database_url: String,
    /// The same seed gives the same rows.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 1.0: 20,000 films, 100,000 people, 200,000 credits, 50,000 reviews,
    /// 1,000,000 comments. At least 0.001.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Wipe a database that holds other data.
    #[arg(long)]
    replace: bool,
    /// Write the manifest (what was generated, the busy people) as JSON here.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Write the manifest as shell `KEY='value'` lines here.
    #[arg(long)]
    env: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.scale >= 0.001 && args.scale <= 10.0,
        "--scale must be between 0.001 and 10"
    );
    let db = marquee_bench::connect(&args.database_url).await?;
    let opts = Options {
        seed: args.seed,
        scale: args.scale,
    };
    let (manifest, outcome) = marquee_bench::prepare(&db, opts, args.replace).await?;
    if outcome == Outcome::Reused {
        eprintln!(
            "reusing the data set already there (seed {}, scale {})",
            opts.seed, opts.scale
        );
    }
    if let Some(path) = &args.manifest {
        std::fs::write(path, serde_json::to_string_pretty(&manifest)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.env {
        let outcome = match outcome {
            Outcome::Reused => "reused",
            Outcome::Generated => "generated",
        };
        let env = marquee_bench::shell_env(&manifest) + &format!("DATA_OUTCOME='{outcome}'\n");
        std::fs::write(path, env).with_context(|| format!("cannot write {}", path.display()))?;
    }
    db.close().await?;
    Ok(())
}
