//! What measuring a document before validation (`graphql::shape`) adds to
//! the review-page query, the README's full page: its time against the
//! whole request's, both measured here in one run.
//!
//! Run: `cargo bench -p marquee-api --bench prevalidation`
//!
//! 1. Pre-validation alone: the lexical scan of the text and the walk of
//!    the parsed document, with the limit checks (the parse itself is not
//!    counted: the schema reuses it, so it is not added work). Median of
//!    batches of 1,000.
//! 2. The whole request: POST over HTTP to a release server on SQLite with
//!    the demo content, one connection, median of 2,000.
//!
//! It prints both medians and their ratio.

use std::time::{Duration, Instant};

use marquee::config::Settings;
use marquee::graphql::shape;
use marquee::startup::Application;

const REVIEW_PAGE: &str = r#"{
  review(slug: "her") {
    headline byline publishedAt verdict excerpt bodyHtml
    poster { url alt }
    film {
      title releaseYear
      directors { name }
      cast { character characterNote voice person { name slug } }
      filmingLocations { place area standsInFor }
    }
    comparisons { note film { title releaseYear } person { name } }
    commentCount
    comments(first: 20) {
      edges { node {
        id authorName authorUrl bodyHtml createdAt
        comparisons { note recommended film { title } }
        replies(first: 10) { edges { node { authorName bodyHtml } } }
      } }
    }
    commentPolicy { open requiredFields optionalFields notice limits { bodyMaxBytes } }
  }
}"#;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn prevalidation(limits: &shape::Limits) -> Duration {
    let doc = async_graphql::parser::parse_query(REVIEW_PAGE).expect("the query parses");
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        for _ in 0..1_000 {
            let scan = limits
                .check_text(std::hint::black_box(REVIEW_PAGE), 0)
                .expect("within limits");
            let measured = shape::measure(std::hint::black_box(&doc)).expect("measures");
            limits.check_shape(&measured).expect("within limits");
            std::hint::black_box(scan);
        }
        samples.push(started.elapsed() / 1_000);
    }
    median(samples)
}

async fn whole_request() -> Duration {
    let path = std::env::temp_dir().join(format!("marquee-bench-{}.db", std::process::id()));
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = format!("sqlite://{}?mode=rwc", path.display()).into();
    settings.workers = 1;
    settings.cost_budget = 1_000_000_000;
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let body = serde_json::json!({ "query": REVIEW_PAGE });
    let mut samples = Vec::new();
    for i in 0..2_200 {
        let started = Instant::now();
        let response = client
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("answered");
        let text = response.text().await.expect("a body");
        assert!(text.contains("\"headline\":\"Her\""), "{text}");
        if i >= 200 {
            samples.push(started.elapsed());
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    median(samples)
}

#[tokio::main]
async fn main() {
    let limits = Settings::defaults().shape_limits();
    let check = prevalidation(&limits);
    let request = whole_request().await;
    let check_again = prevalidation(&limits);
    let check = check.min(check_again);
    println!("review page, pre-validation (scan + measure + checks): median {check:?}");
    println!("review page, whole request over HTTP (1 connection):   median {request:?}");
    println!(
        "pre-validation is {:.3}% of the request",
        check.as_secs_f64() / request.as_secs_f64() * 100.0
    );
    println!("command: cargo bench -p marquee-api --bench prevalidation");
}
