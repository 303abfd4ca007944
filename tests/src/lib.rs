//! The test harness: `spawn_app` starts the real server on port 0 against a
//! fresh database (a new SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set) and talks GraphQL to it over HTTP.
//!
//! Tests are written once, as `async fn name(backend: Backend)`, and
//! `backend_tests!(name, …)` turns each into `name::sqlite` and
//! `name::postgres`. The PostgreSQL variant is `#[ignore]`d, so a plain
//! `cargo test` reports it as ignored rather than passing it untested; run
//! it with `TEST_DATABASE_URL` set and `-- --include-ignored` (`.ci/run`
//! does). Without `TEST_DATABASE_URL`, or with a server that does not
//! answer, it fails.
//!
//! Set `TEST_LOG=1` to see the server's logs.

pub mod content;

use std::path::PathBuf;

use marquee::config::Settings;
use marquee::db::StatementCounter;
use marquee::startup::Application;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

pub use marquee;

/// Which database a test runs against.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The admin URL of a PostgreSQL server, from `TEST_DATABASE_URL`.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL at `TEST_DATABASE_URL`. Panics when it is not set: a
    /// PostgreSQL test that cannot reach PostgreSQL fails, never passes.
    pub fn postgres() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Self::Postgres(url),
            _ => panic!(
                "set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run PostgreSQL tests"
            ),
        }
    }
}

/// Declares each test function for SQLite and for PostgreSQL.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs TEST_DATABASE_URL"]
            async fn postgres() {
                super::$name($crate::Backend::postgres()).await
            }
        }
    )+};
}

/// A database made for one test, removed when the test ends.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Makes the database; returns its guard and its URL.
    pub async fn create(backend: &Backend) -> (Self, String) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("marquee-test-{id}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
            Backend::Postgres(admin_url) => {
                let name = format!("marquee_test_{id}");
                let admin = sea_orm::Database::connect(admin_url.as_str())
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let url = with_database(admin_url, &name);
                (
                    Self::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                    url,
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Self::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; do the async work on
                // a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(async {
                        let admin = sea_orm::Database::connect(admin_url.as_str()).await?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await?;
                        admin.close().await
                    })
                    .map_err(std::io::Error::other)
                })
                .join();
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// A `marquee` process, started as production starts it: for tests that
/// need a process of their own (its memory, its signals, several replicas).
/// Killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
}

impl ServerProcess {
    /// Starts `binary` (the test's `env!("CARGO_BIN_EXE_marquee")`) on
    /// `database_url`, on a free port, with extra `MARQUEE_*` settings, and
    /// waits until it says where it listens.
    pub fn start(binary: &str, database_url: &str, settings: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut command = Command::new(binary);
        command
            .env("DATABASE_URL", database_url)
            .env("MARQUEE_BIND", "127.0.0.1:0")
            .env("MARQUEE_WORKERS", "1")
            .env("MARQUEE_LOG_FORMAT", "json")
            .env("MARQUEE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("marquee starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var("TEST_LOG").is_ok() {
                    eprintln!("{line}");
                }
                if !sent
                    && let Ok(v) = serde_json::from_str::<Value>(&line)
                    && let Some(address) = v["address"].as_str()
                {
                    let _ = tx.send(format!("http://{address}"));
                    sent = true;
                }
            }
        });
        let address = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the server says where it listens");
        Self { child, address }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A `Vm…` line of `/proc/PID/status`, in KiB (`VmRSS`: memory now;
    /// `VmHWM`: the most it has held).
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the process is alive");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// Sends SIGTERM, as an orchestrator stopping a replica does.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM is sent");
    }

    /// Waits for the process to exit, up to `within`; its exit status, or
    /// None if it is still running.
    pub fn wait_for_exit(
        &mut self,
        within: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("the process can be waited on") {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    /// The server's own pool, for arranging data directly.
    pub db: DatabaseConnection,
    /// Where the server's database is.
    pub database_url: String,
    /// The server's publication clock, to announce a publication as the
    /// editorial mutations do.
    pub publications: marquee::service::publication::Publications,
    /// The port of `/metrics`'s own listener, when the settings give it
    /// one (`--metrics HOST:PORT`).
    pub metrics_port: Option<u16>,
    _db: Option<TestDb>,
}

/// `addComment` with every field of its payload, for `$input`.
pub const ADD_COMMENT: &str = r#"
mutation ($input: AddCommentInput!) {
  addComment(input: $input) {
    status replayed ownerToken
    comment { id authorName authorUrl body bodyHtml status createdAt }
    errors { field code message retryAfterSeconds }
  }
}"#;

/// Starts the server with the demo content.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the server with adjusted settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (test_db, url) = TestDb::create(&backend).await;
    let mut app = spawn_app_on(&url, adjust).await;
    app._db = Some(test_db);
    app
}

/// Starts a server on an existing database (a second replica, or a
/// database reached through a test's proxy). The caller keeps the
/// database alive.
pub async fn spawn_app_on(url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        marquee::telemetry::init("info,marquee=debug", marquee::config::LogFormat::Pretty);
    }
    let url = url.to_owned();
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = url.clone().into();
    settings.workers = 1;
    settings.db_max_connections = 5;
    // Tests post many comments from one address; the tests of flood control
    // and rate limits turn these back on.
    settings.comment_flood_seconds = 0;
    settings.mutations_per_minute = 100_000;
    // Tests send requests as fast as they can from one address; the tests
    // of the cost budget set their own.
    settings.cost_budget = 100_000_000;
    // Tests arrange data straight in the database, which no purge follows,
    // and count the statements a request runs; the caching tests turn the
    // response cache back on.
    settings.response_cache_mb = 0;
    adjust(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let statements = app.statement_counter();
    let db = app.db();
    let publications = app.publications();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        statements,
        db,
        database_url: url,
        publications,
        metrics_port,
        _db: None,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL document and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the request is sent");
        assert_eq!(response.status(), 200, "POST /graphql status");
        response.json().await.expect("a JSON body")
    }

    /// POSTs a GraphQL document with extra headers (e.g. `X-Forwarded-For`).
    pub async fn gql_with(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the request is sent");
        assert_eq!(response.status(), 200, "POST /graphql status");
        response.json().await.expect("a JSON body")
    }

    /// Like `gql`, but fails the test on any GraphQL error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Creates a staff token with `role`, as `marquee token create` does.
    pub async fn staff_token(&self, role: entity::enums::Role, name: &str) -> String {
        marquee::service::token::create(&self.db, name, role)
            .await
            .expect("the token is created")
            .1
    }

    /// POSTs a GraphQL document with a staff token.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let bearer = format!("Bearer {token}");
        self.gql_with(query, variables, &[("authorization", bearer.as_str())])
            .await
    }

    /// Runs `addComment` with `input` and returns its payload, with every
    /// payload field selected (see [`ADD_COMMENT`]). Panics on a top-level
    /// error.
    pub async fn add_comment(&self, input: Value) -> Value {
        self.add_comment_with(input, &[]).await
    }

    /// [`TestApp::add_comment`] with extra request headers.
    pub async fn add_comment_with(&self, input: Value, headers: &[(&str, &str)]) -> Value {
        let body = self
            .gql_with(ADD_COMMENT, json!({ "input": input }), headers)
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["addComment"].clone()
    }

    /// Posts a comment on the demo review as "Ada" from `email`, and returns
    /// its global ID (the comment may be pending).
    pub async fn post_comment(&self, email: &str, body: &str) -> String {
        let data = self
            .data(
                "mutation ($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
                json!({ "i": { "reviewId": self.her_review_id().await, "authorName": "Ada",
                                "authorEmail": email, "body": body } }),
            )
            .await;
        data["addComment"]["comment"]["id"]
            .as_str()
            .expect("the comment is stored")
            .to_owned()
    }

    /// Approves a pending comment as the staff member holding `token`.
    pub async fn approve(&self, token: &str, comment_id: &str) {
        let body = self
            .gql_as(
                token,
                "mutation ($id: ID!) { moderateComment(input: { id: $id, status: APPROVED }) { previousStatus } }",
                json!({ "id": comment_id }),
            )
            .await;
        assert_eq!(
            body["data"]["moderateComment"]["previousStatus"], "PENDING",
            "{body}"
        );
    }

    /// The global ID of the demo review.
    pub async fn her_review_id(&self) -> String {
        let data = self
            .data(r#"{ review(slug: "her") { id } }"#, json!({}))
            .await;
        data["review"]["id"]
            .as_str()
            .expect("the demo review exists")
            .to_owned()
    }
}

/// A graphql-ws (`graphql-transport-ws`) subscription.
pub struct LiveSubscription {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl LiveSubscription {
    /// Connects to `address` (`http://host:port`), initialises with
    /// `init` and subscribes to `query`. Waits a moment after subscribing so
    /// the server has registered the subscription before the test acts.
    pub async fn start(address: &str, query: &str, variables: Value, init: Value) -> Self {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;

        let url = format!("{}/graphql", address.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket opens");
        let init = json!({ "type": "connection_init", "payload": init });
        ws.send(Message::text(init.to_string())).await.unwrap();
        let ack = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .expect("an answer to connection_init");
        match ack {
            Some(Ok(Message::Text(text))) => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["type"], "connection_ack", "{v}");
            }
            other => panic!("no connection_ack: {other:?}"),
        }
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } });
        ws.send(Message::text(subscribe.to_string())).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Self { ws }
    }

    /// The next message for the subscription (`next` or `error`), or None
    /// if none comes within `seconds`.
    pub async fn next(&mut self, seconds: u64) -> Option<Value> {
        self.next_within(std::time::Duration::from_secs(seconds))
            .await
    }

    /// The next message for the subscription (`next` or `error`), or None
    /// if none comes within `within`.
    pub async fn next_within(&mut self, within: std::time::Duration) -> Option<Value> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match message.ok()? {
                Message::Text(text) => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    match v["type"].as_str() {
                        Some("next") | Some("error") => return Some(v),
                        _ => continue,
                    }
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// The `extensions.code` of each error in a response.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Imports `films` generated films, all directed by `director` and each with
/// `cast` actors, and one published review of each, an hour apart, newest
/// last. Returns the review slugs, oldest first.
pub async fn import_generated(
    db: &DatabaseConnection,
    director: &str,
    films: usize,
    cast: usize,
) -> Vec<String> {
    use entity::enums::{CreditRole, ReviewStatus};
    use marquee::service::import::{Content, CreditIn, FilmIn, PersonIn, ReviewIn, import};

    let director_slug = format!("gen-{}", director.to_lowercase().replace(' ', "-"));
    let mut people = vec![PersonIn {
        slug: director_slug.clone(),
        name: director.to_owned(),
        aliases: Vec::new(),
        created_at: None,
        updated_at: None,
    }];
    for a in 0..cast {
        people.push(PersonIn {
            slug: format!("{director_slug}-actor-{a}"),
            name: format!("{director} Actor {a}"),
            aliases: Vec::new(),
            created_at: None,
            updated_at: None,
        });
    }
    let start = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let mut film_rows = Vec::new();
    let mut reviews = Vec::new();
    for f in 0..films {
        let slug = format!("{director_slug}-film-{f:04}");
        let mut credits = vec![CreditIn {
            person: director_slug.clone(),
            role: CreditRole::Director,
            job: None,
            character: None,
            character_note: None,
            voice: false,
            billing: 0,
        }];
        for a in 0..cast {
            credits.push(CreditIn {
                person: format!("{director_slug}-actor-{a}"),
                role: CreditRole::Actor,
                job: None,
                character: Some(format!("Character {a}")),
                character_note: None,
                voice: false,
                billing: a as i32,
            });
        }
        film_rows.push(FilmIn {
            slug: slug.clone(),
            title: format!("{director} Film {f:04}"),
            release_year: Some(2000 + (f % 20) as i32),
            synopsis: None,
            poster: None,
            credits,
            locations: Vec::new(),
            aliases: Vec::new(),
            created_at: None,
            updated_at: None,
        });
        reviews.push(ReviewIn {
            slug: format!("review-of-{slug}"),
            film: slug,
            headline: format!("Review {f:04}"),
            byline: None,
            status: ReviewStatus::Published,
            published_at: Some(start + chrono::Duration::hours(f as i64)),
            verdict: None,
            poster: None,
            body: format!("Paragraph one of review {f}.\n\nParagraph two."),
            excerpt: None,
            comments_open: true,
            comparisons: Vec::new(),
            comments: Vec::new(),
            aliases: Vec::new(),
            created_at: None,
            updated_at: None,
        });
    }
    let slugs = reviews.iter().map(|r| r.slug.clone()).collect();
    let content = Content {
        verbatim: false,
        people,
        films: film_rows,
        reviews,
    };
    import(db, &content)
        .await
        .expect("generated content imports");
    slugs
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t2"), "postgres://u@h/t2");
    }
}
