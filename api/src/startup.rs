//! Building and running the server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use crate::client_ip::TrustedProxies;
use crate::config::{MetricsExposure, Profile, Settings, Switch};
use crate::db::{self, StatementCounter};
use crate::graphql::{self, Limits, Services};
use crate::metrics::Metrics;
use crate::routes::ws::{AllowedOrigins, SocketCounts};
use crate::routes::{self, AppState};
use crate::service::budget::{BudgetConfig, Budgets};
use crate::service::cache::webhook::{Webhook, WebhookConfig};
use crate::service::cache::{CacheConfig, Purger, ResponseCache};
use crate::service::events::CommentEvents;
use crate::service::import;
use crate::service::listen::Listener;
use crate::service::moderation::Policy;
use crate::service::persisted::PersistedDocuments;
use crate::service::publication::{self, Publications};
use crate::service::secret::Secret;

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on a listener of its own, when the settings ask for one.
    metrics: Option<(u16, Server)>,
    statements: StatementCounter,
    db: DatabaseConnection,
    publications: Publications,
    grace: Duration,
}

impl Application {
    /// Connects to the database, applies migrations, loads the demo content
    /// into an empty database (unless told not to), and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let request_timeout = Duration::from_secs(settings.request_timeout_seconds);
        let (db, statements) = db::connect(
            &settings.database_url,
            settings.db_max_connections,
            db::Timeouts {
                acquire: Duration::from_millis(settings.db_acquire_timeout_ms),
                // A little past the deadline, so the deadline answers first.
                statement: request_timeout + Duration::from_secs(1),
            },
        )
        .await?;
        db::exclusively(&db, async {
            db::migrate(&db).await?;
            if !settings.no_demo_content
                && let Some(report) = import::load_demo_if_empty(&db).await?
            {
                tracing::info!(
                    created = report.created,
                    "loaded the demo content into the empty database"
                );
            }
            crate::service::search::fill_if_empty(&db).await?;
            Ok(())
        })
        .await?;
        let trusted_proxies = TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("MARQUEE_TRUSTED_PROXIES: {e}"))?;
        let ws_allowed_origins = AllowedOrigins::parse(&settings.ws_allowed_origins)
            .map_err(|e| anyhow::anyhow!("MARQUEE_WS_ALLOWED_ORIGINS: {e}"))?;
        if settings.secret.expose_secret() == crate::config::DEVELOPMENT_SECRET {
            tracing::warn!(
                "MARQUEE_SECRET is not set: using the development secret; set a long random one in production"
            );
        }
        let secret = Secret::new(settings.secret.clone());
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        tracing::info!(
            address = %listener.local_addr()?,
            database = db::backend_name(&db),
            graphiql = settings.serves_graphiql(),
            "Marquee is serving GraphQL at /graphql"
        );
        let metrics_exposure = settings.metrics_exposure();
        let metrics_listener = match &metrics_exposure {
            MetricsExposure::OwnListener(address) => Some(
                TcpListener::bind(address)
                    .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {address}: {e}"))?,
            ),
            MetricsExposure::MainListener | MetricsExposure::Hidden => None,
        };
        let metrics = Metrics::start();
        let budgets = Budgets::start(
            db.clone(),
            BudgetConfig {
                max: settings.cost_budget as f64,
                restore_rate: settings.cost_restore_rate as f64,
            },
        );
        let mut notices = Listener::default();
        let events = CommentEvents::start(&db, &mut notices);
        let cache = Arc::new(ResponseCache::new(CacheConfig {
            max_bytes: usize::try_from(settings.response_cache_mb.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
            ttl: Duration::from_secs(settings.response_cache_ttl_seconds),
        }));
        let webhook = match &settings.purge_url {
            Some(url) => Some(Webhook::start(WebhookConfig {
                url: url.clone(),
                token: settings.purge_token.clone(),
                timeout: Duration::from_secs(5),
            })?),
            None => None,
        };
        let purger = Purger::start(
            &db,
            cache.clone(),
            webhook,
            request_timeout + Duration::from_secs(5),
            &mut notices,
        );
        purge_on_comment_events(&events, purger.clone());
        let publications = Publications::start(
            &db,
            publication::Clock {
                every: Duration::from_millis(settings.publication_clock_ms),
                // A publishing mutation chooses `published_at` and commits
                // within its request, which is cut off at the request
                // timeout (its statements a second later).
                overlap: request_timeout + Duration::from_secs(5),
            },
            purger.clone(),
            &mut notices,
        )
        .await?;
        notices.start(&db).await?;
        let schema = graphql::build_schema(
            db.clone(),
            Limits {
                max_depth: settings.max_query_depth,
                max_complexity: settings.max_query_complexity,
                suggestions: settings.profile == Profile::Dev,
            },
            Services {
                policy: comment_policy(&settings),
                secret: secret.clone(),
                mutations_per_minute: settings.mutations_per_minute,
                events,
                budgets: budgets.clone(),
                publications: publications.clone(),
                purger,
                metrics: metrics.clone(),
            },
        );
        let serves_graphiql = settings.serves_graphiql();
        let state = web::Data::new(AppState {
            db: db.clone(),
            max_body_bytes: settings.max_body_bytes,
            secret,
            trusted_proxies,
            profile: settings.profile,
            serves_graphiql,
            max_batch: settings.batch_limit(),
            shape_limits: settings.shape_limits(),
            request_timeout,
            max_response_bytes: usize::try_from(settings.max_response_bytes).unwrap_or(usize::MAX),
            budgets,
            persisted: routes::graphql::persisted::Policy {
                store: PersistedDocuments::new(db.clone()),
                apq: settings.persisted_queries == Switch::On,
                trusted_only: settings.trusted_documents,
            },
            cache,
            http_caching: routes::graphql::cache::HttpCaching {
                max_age: settings.cache_max_age,
                stale_while_revalidate: settings.cache_stale_while_revalidate,
            },
            ws_allowed_origins,
            ws_max_sockets_per_client: settings.ws_max_sockets_per_client as usize,
            ws_init_timeout: Duration::from_secs(settings.ws_init_timeout_seconds),
            ws_max_subscriptions: settings.ws_max_subscriptions as usize,
            ws_sockets: SocketCounts::default(),
            metrics: metrics.clone(),
        });
        let schema = web::Data::new(schema);
        let counter = web::Data::new(statements.clone());
        let pool = db.clone();
        let db = web::Data::new(db);
        let metrics = web::Data::new(metrics);
        let metrics_here = metrics_exposure == MetricsExposure::MainListener;
        let metrics_server = match metrics_listener {
            Some(listener) => Some(serve_metrics(
                listener,
                metrics.clone(),
                db.clone(),
                counter.clone(),
            )?),
            None => None,
        };
        let workers = settings.workers;
        let server = HttpServer::new(move || {
            App::new()
                // GraphQL answers are repetitive JSON, which gzip shrinks for
                // clients that accept it (WebSocket upgrades are left alone).
                .wrap(actix_web::middleware::Compress::default())
                .wrap(TracingLogger::default())
                .app_data(schema.clone())
                .app_data(state.clone())
                .app_data(db.clone())
                .app_data(counter.clone())
                .app_data(metrics.clone())
                .service(
                    web::resource("/graphql")
                        .wrap(from_fn(routes::refusals::count))
                        .route(web::post().to(routes::graphql::post))
                        .route(web::get().to(routes::graphql::get)),
                )
                .configure(|cfg| {
                    if serves_graphiql {
                        routes::graphiql::configure(cfg);
                    }
                })
                .service(routes::health::health)
                .configure(|app| {
                    if metrics_here {
                        app.service(routes::metrics::metrics);
                    }
                })
        })
        .listen(listener)?
        // Signals are handled in `run_until_stopped`, which enforces the
        // grace period even on a stuck worker.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_grace_seconds);
        let server = if workers > 0 {
            server.workers(workers)
        } else {
            server
        }
        .run();
        Ok(Self {
            port,
            server,
            metrics: metrics_server,
            statements,
            db: pool,
            publications,
            grace: Duration::from_secs(settings.shutdown_grace_seconds),
        })
    }

    /// The port the server listens on (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` listens on, when it has a listener of its own
    /// (useful with port 0).
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Counts the SQL statements this server has run.
    pub fn statement_counter(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// The server's database pool (tests use it to arrange data).
    pub fn db(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// The server's publication clock (tests use it to announce a
    /// publication as the editorial mutations do).
    pub fn publications(&self) -> Publications {
        self.publications.clone()
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting and gives
    /// in-flight requests the grace period to finish. Past it they are
    /// cancelled; and should a worker be stuck where it cannot be cancelled,
    /// the process exits anyway one second later. `/metrics`'s own
    /// listener, if any, serves alongside and is stopped when this returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _metrics = self.metrics.map(|(_, server)| StopOnDrop::spawn(server));
        let handle = self.server.handle();
        let grace = self.grace;
        let mut server = std::pin::pin!(self.server);
        tokio::select! {
            result = &mut server => return result,
            () = shutdown_signal() => {}
        }
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "stopping: finishing requests in flight"
        );
        std::thread::spawn(move || {
            std::thread::sleep(grace + Duration::from_millis(500));
            tracing::error!("requests still running past the grace period; exiting");
            std::process::exit(1);
        });
        let stopping = handle.stop(true);
        let (result, ()) = tokio::join!(server, stopping);
        tracing::info!("stopped");
        result
    }
}

/// A server running in a task of its own, told to stop (gracefully) when
/// this is dropped.
struct StopOnDrop(actix_web::dev::ServerHandle);

impl StopOnDrop {
    fn spawn(server: Server) -> Self {
        let handle = server.handle();
        tokio::spawn(server);
        Self(handle)
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // The command is sent at once; the server's task finishes the stop.
        drop(self.0.stop(true));
    }
}

/// Serves `/metrics` alone on `listener`, with one worker: a port that
/// operators can keep off the public network.
fn serve_metrics(
    listener: TcpListener,
    metrics: web::Data<Metrics>,
    db: web::Data<DatabaseConnection>,
    statements: web::Data<StatementCounter>,
) -> anyhow::Result<(u16, Server)> {
    let address = listener.local_addr()?;
    // Not `address`: the tests read the first log line with that field as
    // the main listener's.
    tracing::info!(metrics_address = %address, "Marquee is serving metrics at /metrics");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .app_data(db.clone())
            .app_data(statements.clone())
            .service(routes::metrics::metrics)
    })
    .listen(listener)?
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    Ok((address.port(), server))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Purges this replica's response cache of the comments each comment event
/// changes, whichever replica the change was made on. Should the events
/// outrun the task, everything is purged.
fn purge_on_comment_events(events: &CommentEvents, purger: Purger) {
    let mut heard = events.subscribe();
    tokio::spawn(async move {
        loop {
            match heard.recv().await {
                Ok(event) => purger.heard_comment(&event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    purger.cache().purge_all()
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// The comment moderation policy the settings describe.
fn comment_policy(settings: &Settings) -> Policy {
    Policy {
        moderation_words: Policy::words(&settings.moderation_words),
        disallowed_words: Policy::words(&settings.disallowed_words),
        max_links: settings.comment_max_links,
        close_after_days: (settings.close_comments_after_days > 0)
            .then_some(settings.close_comments_after_days),
        flood_interval: Duration::from_secs(settings.comment_flood_seconds),
        edit_window: Duration::from_secs(settings.comment_edit_window_seconds),
        max_depth: settings.comment_max_depth.max(0),
    }
}
