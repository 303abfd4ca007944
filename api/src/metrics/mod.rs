//! The server's metrics, which `GET /metrics` renders in Prometheus's text
//! format (see the README's "Metrics" section for each one).
//!
//! Each server has a recorder of its own, held by its [`Metrics`]: the
//! tests run several servers in one process, and each must count its own
//! requests only. So nothing here goes through the `metrics` crate's
//! global recorder or its macros; handles are registered on this recorder,
//! and kept where their labels are fixed.
//!
//! Who counts what:
//! - each GraphQL operation, its latency and its errors: the schema's
//!   request hooks (`graphql::meter`);
//! - requests turned away before the schema saw them: `routes::refusals`
//!   and the WebSocket layer;
//! - live subscriptions: a [`SubscriptionGuard`] held while one runs;
//! - comments stored: `addComment`;
//! - response cache lookups: the response cache, through
//!   [`Metrics::response_cache`];
//! - the database pools and the SQL statement count: read when scraped.

mod operations;
mod pool;

use std::sync::Arc;
use std::time::Duration;

use ::metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder};
use entity::enums::CommentStatus;
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use sea_orm::{DatabaseConnection, Iterable};

use self::operations::OperationNames;
pub use self::operations::{ANONYMOUS, MAX_OPERATION_NAMES, OTHER, UNKNOWN};
use crate::code::ErrorCode;
use crate::db::StatementCounter;

/// GraphQL operations, by `operation`, `type` and `outcome`.
pub const REQUESTS: &str = "marquee_graphql_requests_total";
/// How long operations took, by `type`.
pub const DURATION: &str = "marquee_graphql_request_duration_seconds";
/// Errors in responses, by `code`.
pub const ERRORS: &str = "marquee_graphql_errors_total";
/// Subscriptions running now.
pub const LIVE_SUBSCRIPTIONS: &str = "marquee_graphql_live_subscriptions";
/// Comments stored by `addComment`, by `status`.
pub const COMMENTS_POSTED: &str = "marquee_comments_posted_total";
/// Response cache lookups, by `outcome`.
pub const RESPONSE_CACHE: &str = "marquee_response_cache_requests_total";
/// Pooled database connections, by `pool` and `state`.
pub const DB_CONNECTIONS: &str = "marquee_db_pool_connections";
/// The most connections each pool opens, by `pool`.
pub const DB_MAX_CONNECTIONS: &str = "marquee_db_pool_max_connections";
/// SQL statements run for requests (`bench/run` reads it).
pub const SQL_STATEMENTS: &str = "marquee_sql_statements_total";

/// The latency histogram's buckets, in seconds: 1 ms to 10 s (the default
/// request timeout).
pub const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets when no one
/// scrapes: until then each sample is kept, so an unscraped server would
/// otherwise grow without bound.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// What the recorder is told of each registration (it ignores it).
const METADATA: Metadata<'static> = Metadata::new("marquee", Level::INFO, Some(module_path!()));

/// A GraphQL operation's type, as a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
    /// The document did not parse, named no operation it holds, or was
    /// never read.
    Unknown,
}

impl OperationKind {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
            Self::Subscription => "subscription",
            Self::Unknown => "unknown",
        }
    }

    /// Where the kind's latency histogram is kept (subscriptions have
    /// none: how long one stays open is not a latency).
    const fn histogram(self) -> Option<usize> {
        match self {
            Self::Query => Some(0),
            Self::Mutation => Some(1),
            Self::Unknown => Some(2),
            Self::Subscription => None,
        }
    }
}

impl From<async_graphql::parser::types::OperationType> for OperationKind {
    fn from(ty: async_graphql::parser::types::OperationType) -> Self {
        use async_graphql::parser::types::OperationType;
        match ty {
            OperationType::Query => Self::Query,
            OperationType::Mutation => Self::Mutation,
            OperationType::Subscription => Self::Subscription,
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran, and its response has no errors.
    Ok,
    /// It ran (or began to), and its response has errors, or it was cut
    /// off.
    Error,
    /// It was turned away before it ran: a limit, the cost budget, a
    /// document that does not parse or validate, a malformed request.
    Refused,
}

impl Outcome {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Refused => "refused",
        }
    }
}

/// What the response cache did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Answered from the cache.
    Hit,
    /// Looked up, not found: run, and maybe stored.
    Miss,
    /// Not cacheable (a mutation, a staff token, …): not looked up.
    Bypass,
}

impl CacheOutcome {
    /// Every outcome, in the order of their counters.
    const ALL: [Self; 3] = [Self::Hit, Self::Miss, Self::Bypass];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }
}

/// The label value of a comment's status.
const fn status_label(status: CommentStatus) -> &'static str {
    match status {
        CommentStatus::Pending => "pending",
        CommentStatus::Approved => "approved",
        CommentStatus::Spam => "spam",
        CommentStatus::Trash => "trash",
    }
}

/// One server's metrics: cheap to clone, shared by the HTTP handlers
/// (`AppState`, `web::Data`) and the schema (`Services`).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    operations: OperationNames,
    /// By [`OperationKind::histogram`].
    durations: [Histogram; 3],
    live_subscriptions: Gauge,
    /// By [`CacheOutcome::ALL`].
    response_cache: [Counter; 3],
    statements: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A recorder with every metric described, and those with fixed labels
    /// registered, so that they are scraped (at zero) from the start.
    /// Without [`Metrics::start`]'s upkeep, histogram samples pile up
    /// between scrapes: for tests.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &DURATION_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        describe(&recorder);
        let counter = |name: &'static str, labels: Vec<Label>| -> Counter {
            recorder.register_counter(&Key::from_parts(name, labels), &METADATA)
        };
        let durations = [
            OperationKind::Query,
            OperationKind::Mutation,
            OperationKind::Unknown,
        ]
        .map(|kind| {
            recorder.register_histogram(
                &Key::from_parts(
                    DURATION,
                    vec![Label::from_static_parts("type", kind.as_str())],
                ),
                &METADATA,
            )
        });
        let response_cache = CacheOutcome::ALL.map(|outcome| {
            counter(
                RESPONSE_CACHE,
                vec![Label::from_static_parts("outcome", outcome.as_str())],
            )
        });
        for status in CommentStatus::iter() {
            // Registered only, so that each status is scraped from zero.
            let _ = counter(
                COMMENTS_POSTED,
                vec![Label::from_static_parts("status", status_label(status))],
            );
        }
        let statements = counter(SQL_STATEMENTS, Vec::new());
        let live_subscriptions =
            recorder.register_gauge(&Key::from_static_name(LIVE_SUBSCRIPTIONS), &METADATA);
        let handle = recorder.handle();
        Self(Arc::new(Inner {
            recorder,
            handle,
            operations: OperationNames::new(MAX_OPERATION_NAMES),
            durations,
            live_subscriptions,
            response_cache,
            statements,
        }))
    }

    /// [`Metrics::new`], with a task that folds histogram samples into
    /// their buckets every few seconds until the last clone is dropped.
    /// Call it within the Tokio runtime.
    pub fn start() -> Self {
        let metrics = Self::new();
        let weak = Arc::downgrade(&metrics.0);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPKEEP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                inner.handle.run_upkeep();
            }
        });
        metrics
    }

    /// Counts one GraphQL operation, and observes its latency (`elapsed`;
    /// ignored for subscriptions). `name` is the client's, bounded (see
    /// [`MAX_OPERATION_NAMES`]).
    pub fn operation(
        &self,
        name: Option<&str>,
        kind: OperationKind,
        outcome: Outcome,
        elapsed: Option<Duration>,
    ) {
        let labels = vec![
            Label::new("operation", self.0.operations.label(name)),
            Label::from_static_parts("type", kind.as_str()),
            Label::from_static_parts("outcome", outcome.as_str()),
        ];
        self.counter(REQUESTS, labels).increment(1);
        if let (Some(elapsed), Some(histogram)) = (elapsed, kind.histogram()) {
            self.0.durations[histogram].record(elapsed.as_secs_f64());
        }
    }

    /// Counts a request refused before any operation in it was read: one
    /// operation, `unknown` by name and type, and its error.
    pub fn refused_unread(&self, code: ErrorCode) {
        let labels = vec![
            Label::from_static_parts("operation", UNKNOWN),
            Label::from_static_parts("type", OperationKind::Unknown.as_str()),
            Label::from_static_parts("outcome", Outcome::Refused.as_str()),
        ];
        self.counter(REQUESTS, labels).increment(1);
        self.error(Some(code.as_str()));
    }

    /// Counts one error in a response, by its `extensions.code`; one
    /// without a code, or with one that is not an [`ErrorCode`], as `OTHER`.
    pub fn error(&self, code: Option<&str>) {
        let code = code
            .and_then(|code| ErrorCode::ALL.iter().find(|known| known.as_str() == code))
            .map_or("OTHER", |known| known.as_str());
        self.counter(ERRORS, vec![Label::from_static_parts("code", code)])
            .increment(1);
    }

    /// Counts a live subscription until the guard is dropped.
    pub fn live_subscription(&self) -> SubscriptionGuard {
        self.0.live_subscriptions.increment(1.0);
        SubscriptionGuard {
            gauge: self.0.live_subscriptions.clone(),
        }
    }

    /// Counts a comment `addComment` stored (not an idempotent replay).
    pub fn comment_posted(&self, status: CommentStatus) {
        self.counter(
            COMMENTS_POSTED,
            vec![Label::from_static_parts("status", status_label(status))],
        )
        .increment(1);
    }

    /// Counts a request the response cache looked at.
    pub fn response_cache(&self, outcome: CacheOutcome) {
        let index = CacheOutcome::ALL
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or_default();
        self.0.response_cache[index].increment(1);
    }

    /// Everything, in Prometheus's text format, with the pools of `db` and
    /// the statement count read now.
    pub fn render(&self, db: &DatabaseConnection, statements: &StatementCounter) -> String {
        self.0.statements.absolute(statements.get());
        for pool in pool::pools(db) {
            let gauge = |name: &'static str, state: Option<&'static str>| -> Gauge {
                let mut labels = vec![Label::from_static_parts("pool", pool.pool)];
                if let Some(state) = state {
                    labels.push(Label::from_static_parts("state", state));
                }
                self.0
                    .recorder
                    .register_gauge(&Key::from_parts(name, labels), &METADATA)
            };
            gauge(DB_CONNECTIONS, Some("in_use")).set(pool.in_use);
            gauge(DB_CONNECTIONS, Some("idle")).set(pool.idle);
            gauge(DB_MAX_CONNECTIONS, None).set(pool.max);
        }
        self.0.handle.render()
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        self.0
            .recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }
}

/// Holds one subscription in the live-subscription gauge; dropping it,
/// however the subscription ends, takes it out.
#[must_use = "the subscription is counted only while the guard lives"]
pub struct SubscriptionGuard {
    gauge: Gauge,
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.gauge.decrement(1.0);
    }
}

/// The `# HELP` line of each metric.
fn describe(recorder: &PrometheusRecorder) {
    let counters = [
        (
            REQUESTS,
            "GraphQL operations, by operation name (bounded), type and outcome (ok, error, refused).",
        ),
        (ERRORS, "Errors in GraphQL responses, by extensions.code."),
        (
            COMMENTS_POSTED,
            "Comments stored by addComment (idempotent replays excluded), by status.",
        ),
        (
            RESPONSE_CACHE,
            "Requests the response cache looked at, by outcome (hit, miss, bypass).",
        ),
        (SQL_STATEMENTS, "SQL statements run for requests."),
    ];
    let gauges = [
        (LIVE_SUBSCRIPTIONS, "GraphQL subscriptions running now."),
        (
            DB_CONNECTIONS,
            "Pooled database connections, by pool and state (in_use, idle).",
        ),
        (
            DB_MAX_CONNECTIONS,
            "The most connections each database pool opens.",
        ),
    ];
    for (name, help) in counters {
        recorder.describe_counter(KeyName::from_const_str(name), None, help.into());
    }
    for (name, help) in gauges {
        recorder.describe_gauge(KeyName::from_const_str(name), None, help.into());
    }
    recorder.describe_histogram(
        KeyName::from_const_str(DURATION),
        None,
        "Seconds from an operation's start to its response, by type (subscriptions excluded)."
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `line_start` (name and labels, as rendered).
    fn sample(text: &str, line_start: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(line_start)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn fixed_metrics_are_scraped_at_zero_from_the_start() {
        let text = Metrics::new().0.handle.render();
        assert_eq!(sample(&text, SQL_STATEMENTS), Some(0.0), "{text}");
        assert_eq!(sample(&text, LIVE_SUBSCRIPTIONS), Some(0.0), "{text}");
        assert_eq!(
            sample(
                &text,
                r#"marquee_response_cache_requests_total{outcome="hit"}"#
            ),
            Some(0.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, r#"marquee_comments_posted_total{status="spam"}"#),
            Some(0.0),
            "{text}"
        );
        assert!(
            text.contains("# TYPE marquee_graphql_request_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains("# HELP marquee_sql_statements_total SQL statements run for requests."),
            "{text}"
        );
    }

    #[test]
    fn each_call_counts_under_its_labels() {
        // Arrange
        let metrics = Metrics::new();

        // Act
        metrics.response_cache(CacheOutcome::Hit);
        metrics.response_cache(CacheOutcome::Hit);
        metrics.response_cache(CacheOutcome::Bypass);
        metrics.comment_posted(CommentStatus::Pending);
        metrics.error(Some("NOT_FOUND"));
        metrics.error(Some("made up"));
        metrics.error(None);
        metrics.operation(
            Some("Films"),
            OperationKind::Query,
            Outcome::Ok,
            Some(Duration::from_millis(3)),
        );
        let live = metrics.live_subscription();
        let during = metrics.0.handle.render();
        drop(live);
        let text = metrics.0.handle.render();

        // Assert
        let cache =
            |outcome| format!(r#"marquee_response_cache_requests_total{{outcome="{outcome}"}}"#);
        assert_eq!(sample(&text, &cache("hit")), Some(2.0), "{text}");
        assert_eq!(sample(&text, &cache("miss")), Some(0.0), "{text}");
        assert_eq!(sample(&text, &cache("bypass")), Some(1.0), "{text}");
        assert_eq!(
            sample(&text, r#"marquee_comments_posted_total{status="pending"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"marquee_graphql_errors_total{code="NOT_FOUND"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"marquee_graphql_errors_total{code="OTHER"}"#),
            Some(2.0),
            "unknown and missing codes are one label"
        );
        assert_eq!(
            sample(
                &text,
                r#"marquee_graphql_requests_total{operation="Films",type="query",outcome="ok"}"#
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"marquee_graphql_request_duration_seconds_bucket{type="query",le="0.005"}"#
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"marquee_graphql_request_duration_seconds_bucket{type="query",le="0.001"}"#
            ),
            Some(0.0),
            "{text}"
        );
        assert_eq!(sample(&during, LIVE_SUBSCRIPTIONS), Some(1.0));
        assert_eq!(sample(&text, LIVE_SUBSCRIPTIONS), Some(0.0));
    }
}
