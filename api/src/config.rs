//! Settings, from command-line flags and `MARQUEE_*` / `DATABASE_URL`
//! environment variables. Every setting has a default that works as it is.
//! The secret and the database URL (which may hold a password) are
//! [`SecretString`]s: `Debug` prints them redacted, so they cannot reach a
//! log by accident.

use std::convert::Infallible;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

/// The secret used when none is set: fine on a laptop, never in production.
pub const DEVELOPMENT_SECRET: &str = "marquee-development-secret";

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
    /// Write everything in the database as a content file, which `import`
    /// loads into an empty database (e.g. to move from SQLite to PostgreSQL).
    Export {
        /// Where to write; standard output when absent.
        file: Option<PathBuf>,
        /// Include reader emails and the comments' other private fields
        /// (idempotency keys, client hashes, user agents, owner token hashes).
        #[arg(long)]
        include_private: bool,
    },
    /// Manage staff API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage trusted documents (persisted queries registered ahead of time).
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

/// `marquee documents …`
#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Trust documents: `.graphql` files (one document each, under the
    /// SHA-256 of its text) or `.json` manifests (Apollo's persisted query
    /// manifest, or Relay's `{"id": "text"}`).
    Add {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List trusted documents: id and operation name.
    List,
    /// Remove a document by its id.
    Remove {
        /// The document's id.
        id: String,
    },
}

/// `marquee token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (once: only its hash is stored).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Who holds it, e.g. "Alice".
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by its id (see `marquee token list`).
    Revoke {
        /// The token's id.
        id: i32,
    },
    /// List tokens, live and revoked (never their secrets).
    List,
}

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Moderator,
    Editor,
    Admin,
}

impl From<RoleArg> for entity::enums::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Moderator => Self::Moderator,
            RoleArg::Editor => Self::Editor,
            RoleArg::Admin => Self::Admin,
        }
    }
}

/// How open the server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Friendly to developers: GraphiQL, introspection and suggestions.
    Dev,
    /// For the open internet.
    Public,
}

/// A feature on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// Whether GraphiQL is served (`--graphiql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphiqlSetting {
    /// In the `dev` profile, not in the `public` one.
    Auto,
    /// Always, whatever the profile.
    On,
    /// Never.
    Off,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The `--metrics` setting, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsSetting {
    /// On the main listener in the `dev` profile; nowhere in `public`.
    Auto,
    /// On the main listener, in any profile.
    On,
    /// Nowhere.
    Off,
    /// On a listener of its own, at this `HOST:PORT` (port 0 picks one).
    Address(String),
}

/// Where `GET /metrics` is served, the profile taken into account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsExposure {
    /// Beside `/graphql`, on the main listener.
    MainListener,
    /// On a listener of its own, at this address; 404 on the main one.
    OwnListener(String),
    /// Nowhere: 404.
    Hidden,
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
        value_parser = secret,
        hide_env_values = true,
        global = true
    )]
    pub database_url: SecretString,

    /// HTTP worker threads; 0 means one per CPU core.
    #[arg(long, env = "MARQUEE_WORKERS",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1024), default_value_t = 0, global = true)]
    pub workers: usize,

    /// Most pooled database connections.
    #[arg(
        long,
        env = "MARQUEE_DB_MAX_CONNECTIONS",
        value_parser = clap::value_parser!(u32).range(1..=1000),
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
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000),
        default_value_t = 15,
        global = true
    )]
    pub max_query_depth: usize,

    /// Highest cost a query may have: each field costs 1, and a list costs
    /// its page size times its fields.
    #[arg(
        long,
        env = "MARQUEE_MAX_QUERY_COMPLEXITY",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000_000),
        default_value_t = 5000,
        global = true
    )]
    pub max_query_complexity: usize,

    /// Largest request body accepted, in bytes.
    #[arg(
        long,
        env = "MARQUEE_MAX_BODY_BYTES",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1_024..=67_108_864),
        default_value_t = 262_144,
        global = true
    )]
    pub max_body_bytes: usize,

    /// The server's secret: keys the hashes of client addresses and the
    /// comment owner tokens. Set the same long random value on every replica.
    #[arg(
        long,
        env = "MARQUEE_SECRET",
        default_value = DEVELOPMENT_SECRET,
        value_parser = secret,
        hide_env_values = true,
        hide_default_value = true,
        global = true
    )]
    pub secret: SecretString,

    /// Reverse proxies whose `X-Forwarded-For` is believed: addresses and
    /// networks, comma-separated (e.g. `10.0.0.0/8,::1`). Empty: none.
    #[arg(
        long,
        env = "MARQUEE_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,

    /// Mutations one client address may send per minute.
    #[arg(
        long,
        env = "MARQUEE_MUTATIONS_PER_MINUTE",
        value_parser = clap::value_parser!(u32).range(1..=1_000_000),
        default_value_t = 30,
        global = true
    )]
    pub mutations_per_minute: u32,

    /// Words that hold a comment for moderation, comma-separated.
    #[arg(
        long,
        env = "MARQUEE_MODERATION_WORDS",
        default_value = "",
        global = true
    )]
    pub moderation_words: String,

    /// Words that mark a comment as spam, comma-separated.
    #[arg(
        long,
        env = "MARQUEE_DISALLOWED_WORDS",
        default_value = "",
        global = true
    )]
    pub disallowed_words: String,

    /// A comment with this many links or more is held; 0 turns this off.
    #[arg(
        long,
        env = "MARQUEE_COMMENT_MAX_LINKS",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000),
        default_value_t = 2,
        global = true
    )]
    pub comment_max_links: usize,

    /// Close comments this many days after a review is published; 0: never.
    #[arg(
        long,
        env = "MARQUEE_CLOSE_COMMENTS_AFTER_DAYS",
        value_parser = clap::value_parser!(u32).range(0..=36_500),
        default_value_t = 0,
        global = true
    )]
    pub close_comments_after_days: u32,

    /// Least seconds between two comments from one address or email; 0 turns
    /// flood control off.
    #[arg(
        long,
        env = "MARQUEE_COMMENT_FLOOD_SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=86_400),
        default_value_t = 15,
        global = true
    )]
    pub comment_flood_seconds: u64,

    /// Seconds after posting during which the author may edit or delete.
    #[arg(
        long,
        env = "MARQUEE_COMMENT_EDIT_WINDOW_SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=31_536_000),
        default_value_t = 600,
        global = true
    )]
    pub comment_edit_window_seconds: u64,

    /// Deepest reply: 1 allows replies to top-level comments only.
    #[arg(
        long,
        env = "MARQUEE_COMMENT_MAX_DEPTH",
        value_parser = clap::value_parser!(i32).range(0..=100),
        default_value_t = 5,
        global = true
    )]
    pub comment_max_depth: i32,

    /// The profile: `dev` (the default: GraphiQL, introspection and field
    /// suggestions for everyone) or `public` (for the open internet:
    /// introspection for staff tokens only, no GraphiQL unless
    /// `--graphiql on`, no field suggestions, GET queries only with a CSRF
    /// preflight header, smaller batches).
    #[arg(long, env = "MARQUEE_PROFILE", value_enum, default_value_t = Profile::Dev, global = true)]
    pub profile: Profile,

    /// Serve GraphiQL to browsers at `GET /graphql` (with its files, built
    /// into the binary, under `/graphiql/`): `auto` (the default) in the
    /// `dev` profile only, `on` or `off`.
    #[arg(long, env = "MARQUEE_GRAPHIQL", value_enum, default_value_t = GraphiqlSetting::Auto, global = true)]
    pub graphiql: GraphiqlSetting,

    /// Where `GET /metrics` (Prometheus's text format) is served: `auto`
    /// (on the main listener in the `dev` profile, nowhere in `public`),
    /// `on` (on the main listener in any profile), `off` (nowhere), or an
    /// address such as `127.0.0.1:9100` (a listener of its own, so that it
    /// stays off the public port; the main one then answers 404).
    #[arg(
        long,
        env = "MARQUEE_METRICS",
        default_value = "auto",
        value_parser = metrics_setting,
        global = true
    )]
    pub metrics: MetricsSetting,

    /// Largest GraphQL document, in bytes of its text.
    #[arg(long, env = "MARQUEE_MAX_DOCUMENT_BYTES", default_value_t = 32_768,
          value_parser = clap::value_parser!(u64).range(1..=16_777_216), global = true)]
    pub max_document_bytes: u64,

    /// Most lexical tokens in a request (a batch counts as the sum).
    #[arg(long, env = "MARQUEE_MAX_TOKENS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_tokens: u64,

    /// Deepest nesting of brackets (`{`, `(`, `[`) in a document.
    #[arg(long, env = "MARQUEE_MAX_NESTING", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=1_000), global = true)]
    pub max_nesting: u64,

    /// Most fields in a request, counted with every fragment expanded
    /// (`__typename` and introspection fields included; a batch sums).
    #[arg(long, env = "MARQUEE_MAX_FIELDS", default_value_t = 400,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_fields: u64,

    /// Most aliased fields in a request, with fragments expanded.
    #[arg(long, env = "MARQUEE_MAX_ALIASES", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000), global = true)]
    pub max_aliases: u64,

    /// Most root fields in a request (a batch sums).
    #[arg(long, env = "MARQUEE_MAX_ROOT_FIELDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_root_fields: u64,

    /// Most directives on one field, fragment or operation.
    #[arg(long, env = "MARQUEE_MAX_DIRECTIVES", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(0..=1_000), global = true)]
    pub max_directives: u64,

    /// How far introspection may recurse through the type graph: the most
    /// `types`/`fields`/`inputFields`/`interfaces`/`possibleTypes` on one
    /// path. `__schema` may be selected once per request.
    #[arg(long, env = "MARQUEE_MAX_INTROSPECTION_DEPTH", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=100), global = true)]
    pub max_introspection_depth: u64,

    /// Most operations in one batched POST. Default: 10, or 5 in the public
    /// profile.
    #[arg(long, env = "MARQUEE_MAX_BATCH",
          value_parser = clap::value_parser!(u64).range(1..=100), global = true)]
    pub max_batch: Option<u64>,

    /// Largest response body, in bytes; a larger one is replaced by a
    /// `RESPONSE_TOO_LARGE` error.
    #[arg(long, env = "MARQUEE_MAX_RESPONSE_BYTES", default_value_t = 4_194_304,
          value_parser = clap::value_parser!(u64).range(1_024..=1_073_741_824), global = true)]
    pub max_response_bytes: u64,

    /// Seconds a request may run before it is cancelled with `TIMEOUT`.
    #[arg(long, env = "MARQUEE_REQUEST_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3_600), global = true)]
    pub request_timeout_seconds: u64,

    /// Milliseconds a request waits for a database connection before it is
    /// answered `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "MARQUEE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(50..=60_000), global = true)]
    pub db_acquire_timeout_ms: u64,

    /// Query cost points each client may hold: its budget when full.
    #[arg(long, env = "MARQUEE_COST_BUDGET", default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), global = true)]
    pub cost_budget: u64,

    /// Query cost points a client's budget regains each second.
    #[arg(long, env = "MARQUEE_COST_RESTORE_RATE", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), global = true)]
    pub cost_restore_rate: u64,

    /// Seconds that in-flight requests get to finish after SIGTERM or
    /// Ctrl-C; then they are cancelled and the process exits.
    #[arg(long, env = "MARQUEE_SHUTDOWN_GRACE_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=3_600), global = true)]
    pub shutdown_grace_seconds: u64,

    /// Log format.
    #[arg(long, env = "MARQUEE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` syntax (e.g. `info,marquee=debug`).
    #[arg(long, env = "MARQUEE_LOG", default_value = "info", global = true)]
    pub log: String,

    /// How often, at the longest, each replica's publication clock looks
    /// for reviews gone public (scheduled ones whose time has come), in
    /// milliseconds. Publications announced by their mutation, and
    /// scheduled instants the clock knows of, do not wait for it.
    #[arg(long, env = "MARQUEE_PUBLICATION_CLOCK_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(10..=60_000), global = true)]
    pub publication_clock_ms: u64,

    // ---- Caching and persisted queries: see `routes::graphql::cache`. ----
    /// Automatic persisted queries (Apollo's protocol): clients may send a
    /// document's SHA-256 instead of its text, and register it on a miss.
    #[arg(long, env = "MARQUEE_PERSISTED_QUERIES", value_enum,
          default_value_t = Switch::On, global = true)]
    pub persisted_queries: Switch,

    /// Run only trusted documents: those registered ahead of time with
    /// `marquee documents add`. Anything else is refused with
    /// `DOCUMENT_NOT_TRUSTED`, for every client, staff included.
    #[arg(long, env = "MARQUEE_TRUSTED_DOCUMENTS", global = true)]
    pub trusted_documents: bool,

    /// `max-age` of a cacheable GET response, in seconds (0: caches must
    /// revalidate each time, with the ETag). Never past the next scheduled
    /// publication.
    #[arg(long, env = "MARQUEE_CACHE_MAX_AGE", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=86_400), global = true)]
    pub cache_max_age: u64,

    /// `stale-while-revalidate` of a cacheable GET response, in seconds.
    #[arg(long, env = "MARQUEE_CACHE_STALE_WHILE_REVALIDATE", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=86_400), global = true)]
    pub cache_stale_while_revalidate: u64,

    /// Memory for the response cache of public reads, in MiB; 0 switches it
    /// off.
    #[arg(long, env = "MARQUEE_RESPONSE_CACHE_MB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=65_536), global = true)]
    pub response_cache_mb: u64,

    /// The longest a response is kept in the response cache, in seconds
    /// (purges drop it sooner when what it holds changes).
    #[arg(long, env = "MARQUEE_RESPONSE_CACHE_TTL_SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub response_cache_ttl_seconds: u64,

    /// Where to `POST` cache purges (`{"tags": [...]}`) when content
    /// changes, e.g. a CDN's purge-by-tag API or a relay to it.
    #[arg(long, env = "MARQUEE_PURGE_URL", value_parser = http_url, global = true)]
    pub purge_url: Option<String>,

    /// Sent to the purge webhook as `Authorization: Bearer …`.
    #[arg(long, env = "MARQUEE_PURGE_TOKEN", value_parser = secret,
          hide_env_values = true, global = true)]
    pub purge_token: Option<SecretString>,

    // ---- WebSocket (graphql-ws) layer: see `routes::ws`. ----
    // Kept together, at the end, so merges with other settings stay trivial.
    /// Origins whose pages may open a WebSocket, comma-separated (e.g.
    /// `https://example.com`); `*` allows all. Empty: only the server's own
    /// origin. Clients that send no `Origin` (apps, not browser pages) are
    /// always let in.
    #[arg(
        long,
        env = "MARQUEE_WS_ALLOWED_ORIGINS",
        default_value = "",
        value_parser = origin_list,
        global = true
    )]
    pub ws_allowed_origins: String,

    /// Most WebSockets one client address may hold open on one replica.
    #[arg(
        long,
        env = "MARQUEE_WS_MAX_SOCKETS_PER_CLIENT",
        default_value_t = 8,
        value_parser = clap::value_parser!(u32).range(1..=10_000),
        global = true
    )]
    pub ws_max_sockets_per_client: u32,

    /// Seconds a new WebSocket has to send `connection_init`.
    #[arg(
        long,
        env = "MARQUEE_WS_INIT_TIMEOUT_SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=300),
        global = true
    )]
    pub ws_init_timeout_seconds: u64,

    /// Most subscriptions one WebSocket may run at once.
    #[arg(
        long,
        env = "MARQUEE_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 16,
        value_parser = clap::value_parser!(u32).range(1..=1_000),
        global = true
    )]
    pub ws_max_subscriptions: u32,
}

/// Checks that a setting is an `http://` or `https://` URL when it is read.
fn http_url(setting: &str) -> Result<String, String> {
    let lower = setting.to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://")) && setting.len() > 8 {
        Ok(setting.to_owned())
    } else {
        Err("an http:// or https:// URL".to_owned())
    }
}

/// Reads a setting that must never be logged.
fn secret(setting: &str) -> Result<SecretString, Infallible> {
    Ok(SecretString::from(setting))
}

/// Reads `--metrics`: `auto`, `on`, `off` (in any case) or `HOST:PORT`. An
/// address is checked for its shape here and resolved when it is bound.
fn metrics_setting(setting: &str) -> Result<MetricsSetting, String> {
    let setting = setting.trim();
    match setting.to_ascii_lowercase().as_str() {
        "auto" => return Ok(MetricsSetting::Auto),
        "on" => return Ok(MetricsSetting::On),
        "off" => return Ok(MetricsSetting::Off),
        _ => {}
    }
    match setting.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(MetricsSetting::Address(setting.to_owned()))
        }
        _ => Err(format!(
            "`{setting}` is not `auto`, `on`, `off` or an address like `127.0.0.1:9100`"
        )),
    }
}

/// Checks `MARQUEE_WS_ALLOWED_ORIGINS` when it is read, so a typo stops the
/// server at start rather than refusing every browser.
fn origin_list(setting: &str) -> Result<String, String> {
    crate::routes::ws::AllowedOrigins::parse(setting).map(|_| setting.to_owned())
}

impl Settings {
    /// The limits on a request's shape and size.
    pub fn shape_limits(&self) -> crate::graphql::shape::Limits {
        crate::graphql::shape::Limits {
            document_bytes: self.max_document_bytes,
            tokens: self.max_tokens,
            nesting: self.max_nesting,
            fields: self.max_fields,
            aliases: self.max_aliases,
            root_fields: self.max_root_fields,
            directives: self.max_directives,
            schema_selections: 1,
            introspection_depth: self.max_introspection_depth,
        }
    }

    /// Whether GraphiQL is served, under this profile.
    pub fn serves_graphiql(&self) -> bool {
        match self.graphiql {
            GraphiqlSetting::Auto => self.profile == Profile::Dev,
            GraphiqlSetting::On => true,
            GraphiqlSetting::Off => false,
        }
    }

    /// Most operations in one batch, for this profile.
    pub fn batch_limit(&self) -> usize {
        let default = match self.profile {
            Profile::Dev => 10,
            Profile::Public => 5,
        };
        self.max_batch.unwrap_or(default) as usize
    }

    /// Where `GET /metrics` is served: [`MetricsSetting::Auto`] follows the
    /// profile.
    pub fn metrics_exposure(&self) -> MetricsExposure {
        match (&self.metrics, self.profile) {
            (MetricsSetting::Auto, Profile::Dev) | (MetricsSetting::On, _) => {
                MetricsExposure::MainListener
            }
            (MetricsSetting::Auto, Profile::Public) | (MetricsSetting::Off, _) => {
                MetricsExposure::Hidden
            }
            (MetricsSetting::Address(address), _) => MetricsExposure::OwnListener(address.clone()),
        }
    }

    /// Settings from the environment and defaults alone (no flags), for tests
    /// and embedding.
    pub fn defaults() -> Self {
        Cli::parse_from(["marquee"]).settings
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn debug_output_shows_neither_the_secret_nor_the_database_password() {
        // Arrange
        let cli = Cli::parse_from([
            "marquee",
            "--database-url",
            "postgres://marquee:hunter2-db-password@db.internal/marquee",
            "--secret",
            "correct-horse-battery-staple",
        ]);
        // Act
        let printed = format!("{cli:?} {:?} {:#?}", cli.settings, cli.settings);
        // Assert
        for leak in ["hunter2-db-password", "correct-horse-battery-staple"] {
            assert!(!printed.contains(leak), "{leak} in {printed}");
        }
        assert!(printed.contains("REDACTED"), "{printed}");
        assert_eq!(
            cli.settings.database_url.expose_secret(),
            "postgres://marquee:hunter2-db-password@db.internal/marquee"
        );
        assert_eq!(
            cli.settings.secret.expose_secret(),
            "correct-horse-battery-staple"
        );
    }

    #[test]
    fn graphiql_is_served_in_the_dev_profile_unless_set_otherwise() {
        let serves = |args: &[&str]| {
            let cli = Cli::try_parse_from(["marquee"].iter().chain(args)).unwrap();
            cli.settings.serves_graphiql()
        };
        assert!(serves(&[]));
        assert!(serves(&["--profile", "dev", "--graphiql", "auto"]));
        assert!(!serves(&["--profile", "public"]));
        assert!(serves(&["--profile", "public", "--graphiql", "on"]));
        assert!(!serves(&["--graphiql", "off"]));
        assert!(Cli::try_parse_from(["marquee", "--graphiql", "yes"]).is_err());
    }

    #[test]
    fn metrics_follow_the_profile_unless_told_otherwise() {
        let exposure = |args: &[&str]| {
            let mut argv = vec!["marquee"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
                .unwrap()
                .settings
                .metrics_exposure()
        };
        assert_eq!(exposure(&[]), MetricsExposure::MainListener);
        assert_eq!(exposure(&["--profile", "public"]), MetricsExposure::Hidden);
        assert_eq!(
            exposure(&["--profile", "public", "--metrics", "on"]),
            MetricsExposure::MainListener
        );
        assert_eq!(exposure(&["--metrics", "OFF"]), MetricsExposure::Hidden);
        assert_eq!(
            exposure(&["--profile", "public", "--metrics", "127.0.0.1:9100"]),
            MetricsExposure::OwnListener("127.0.0.1:9100".into())
        );
        assert_eq!(
            exposure(&["--metrics", "[::1]:0"]),
            MetricsExposure::OwnListener("[::1]:0".into())
        );
    }

    #[test]
    fn a_metrics_setting_that_is_no_address_is_refused_at_start() {
        for bad in ["yes", "9100", ":9100", "localhost:", "localhost:99999"] {
            assert!(
                Cli::try_parse_from(["marquee", "--metrics", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_secret_and_database_url_defaults_parse() {
        let settings = Cli::try_parse_from(["marquee"]).unwrap().settings;
        assert!(!settings.database_url.expose_secret().is_empty());
        assert!(!settings.secret.expose_secret().is_empty());
    }
}
