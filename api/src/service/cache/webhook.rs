//! The purge webhook: tells the CDN (or whatever sits in front) which tags
//! to purge, with a `POST` of `{"tags": ["review:1", …]}` to
//! `MARQUEE_PURGE_URL` (Cloudflare's purge-by-tag body; a small relay
//! adapts it to other CDNs).
//!
//! A mutation never waits for it: purges queue for one task, which sends
//! whatever has queued in one request, tries a failed one again twice,
//! and logs each outcome. The queue is bounded; when a broken webhook lets
//! it fill, further purges are dropped with a warning (the CDN's `max-age`
//! still bounds how stale it gets).

use std::collections::BTreeSet;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;

use super::Tag;

/// Purges waiting to be sent, at most.
const QUEUE: usize = 1024;
/// Tags in one request, at most (Cloudflare takes 30 per call; a relay may
/// split further).
const MAX_TAGS: usize = 500;
/// The waits before the second and third tries.
const BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(2)];

/// Where purges go.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<SecretString>,
    /// How long one try may take.
    pub timeout: Duration,
}

/// The sending end: cheap to clone.
#[derive(Clone)]
pub struct Webhook {
    queue: mpsc::Sender<Vec<Tag>>,
}

impl Webhook {
    /// Starts the task that sends purges.
    pub fn start(config: WebhookConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("marquee/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(send(client, config, rx));
        Ok(Self { queue })
    }

    /// Queues a purge of `tags`; never waits.
    pub fn purge(&self, tags: &[Tag]) {
        if tags.is_empty() {
            return;
        }
        if self.queue.try_send(tags.to_vec()).is_err() {
            tracing::warn!(
                tags = tags.len(),
                "the purge webhook is behind; dropping a purge"
            );
        }
    }
}

/// Sends queued purges until every [`Webhook`] is dropped.
async fn send(client: reqwest::Client, config: WebhookConfig, mut rx: mpsc::Receiver<Vec<Tag>>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, QUEUE).await > 0 {
        let tags: BTreeSet<Tag> = batch.drain(..).flatten().collect();
        let names: Vec<String> = tags.iter().map(Tag::to_string).collect();
        for chunk in names.chunks(MAX_TAGS) {
            send_one(&client, &config, chunk).await;
        }
    }
}

/// One purge, tried up to three times; the outcome is logged.
async fn send_one(client: &reqwest::Client, config: &WebhookConfig, tags: &[String]) {
    let body = serde_json::json!({ "tags": tags });
    let mut attempt = 0;
    loop {
        let mut request = client.post(&config.url).json(&body);
        if let Some(token) = &config.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let started = std::time::Instant::now();
        let outcome = match request.send().await {
            Ok(response) if response.status().is_success() => Ok(response.status()),
            Ok(response) => Err(format!("status {}", response.status())),
            Err(err) => Err(err.without_url().to_string()),
        };
        let ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(status) => {
                tracing::info!(
                    tags = tags.len(),
                    status = status.as_u16(),
                    ms,
                    "purged tags through the webhook"
                );
                return;
            }
            Err(error) if attempt < BACKOFF.len() => {
                tracing::warn!(tags = tags.len(), %error, ms, attempt = attempt + 1, "the purge webhook failed; trying again");
                tokio::time::sleep(BACKOFF[attempt]).await;
                attempt += 1;
            }
            Err(error) => {
                tracing::error!(tags = tags.len(), %error, ms, "the purge webhook failed three times; giving up on this purge");
                return;
            }
        }
    }
}
