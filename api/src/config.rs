//! Settings, from command-line flags and `MARQUEE_*` / `DATABASE_URL`
//! environment variables. Every setting has a default that works as it is.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Marquee: the GraphQL API of a movie-review publication.
#[derive(Debug, Parser)]
#[command(name = "marquee", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL), or write it to a file.
    Schema {
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Import a content file (TOML). Importing the same file twice changes nothing.
    Import {
        /// The content file, in the format of `content/demo.toml`.
        file: PathBuf,
    },
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything the server can be told. Flags win over environment variables.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on. Port 0 picks a free port.
    #[arg(
        long,
        env = "MARQUEE_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Database URL: `sqlite://FILE?mode=rwc` (created on first start) or
    /// `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://marquee.db?mode=rwc",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// HTTP worker threads; 0 means one per CPU core.
    #[arg(long, env = "MARQUEE_WORKERS", default_value_t = 0, global = true)]
    pub workers: usize,

    /// Most pooled database connections.
    #[arg(
        long,
        env = "MARQUEE_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// Do not load the demo content into an empty database at start.
    #[arg(long, env = "MARQUEE_NO_DEMO_CONTENT", global = true)]
    pub no_demo_content: bool,

    /// Deepest nesting a query may have.
    #[arg(
        long,
        env = "MARQUEE_MAX_QUERY_DEPTH",
        default_value_t = 15,
        global = true
    )]
    pub max_query_depth: usize,

    /// Highest cost a query may have: each field costs 1, and a list costs
    /// its page size times its fields.
    #[arg(
        long,
        env = "MARQUEE_MAX_QUERY_COMPLEXITY",
        default_value_t = 5000,
        global = true
    )]
    pub max_query_complexity: usize,

    /// Largest request body accepted, in bytes.
    #[arg(
        long,
        env = "MARQUEE_MAX_BODY_BYTES",
        default_value_t = 262_144,
        global = true
    )]
    pub max_body_bytes: usize,

    /// Secret mixed into the hash of client addresses. Set the same value on
    /// every replica.
    #[arg(
        long,
        env = "MARQUEE_CLIENT_HASH_SECRET",
        default_value = "marquee-default-secret",
        hide_env_values = true,
        hide_default_value = true,
        global = true
    )]
    pub client_hash_secret: String,

    /// Log format.
    #[arg(long, env = "MARQUEE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` syntax (e.g. `info,marquee=debug`).
    #[arg(long, env = "MARQUEE_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Settings {
    /// Settings from the environment and defaults alone (no flags), for tests
    /// and embedding.
    pub fn defaults() -> Self {
        Cli::parse_from(["marquee"]).settings
    }
}
