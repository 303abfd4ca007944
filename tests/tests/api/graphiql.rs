//! GraphiQL, served whole by Marquee: a page that loads nothing from another
//! host (and says so in its Content-Security-Policy), its files cached for a
//! year under versioned URLs, the `--graphiql` setting, and a real Chromium
//! running a query and a subscription through the UI with the network off.

use std::path::Path;

use entity::enums::Role;
use marquee::config::{GraphiqlSetting, Profile};
use marquee::routes::graphiql::assets;
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app, spawn_app_with};
use serde_json::Value;

backend_tests!(
    the_page_loads_nothing_from_another_host,
    every_asset_is_served_as_vendored_with_an_immutable_cache_lifetime,
    an_asset_answers_304_to_its_etag_and_404_under_another_version,
    the_graphiql_setting_overrides_the_profile,
);

/// What `GET /graphql` answers a browser.
struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    html: String,
}

/// `GET /graphql` as a browser asks for it.
async fn browse(app: &TestApp) -> Page {
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        html: response.text().await.unwrap(),
    }
}

/// Every `src="…"` and `href="…"` in `html`.
fn links(html: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| {
            html.split(attribute)
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap().to_owned())
        })
        .collect()
}

/// The vendored file (or our own start script or style sheet) behind `name`.
fn on_disk(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let vendored = root.join("api/assets/graphiql").join(name);
    let ours = root.join("api/src/routes/graphiql").join(name);
    std::fs::read(&vendored)
        .or_else(|_| std::fs::read(&ours))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn the_page_loads_nothing_from_another_host(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    // Act
    let Page {
        status,
        headers,
        html,
    } = browse(&app).await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let policy = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.split("; ").any(|d| d == directive),
            "{directive} in {policy}"
        );
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(!policy.contains("http"), "{policy}");
    assert!(html.contains("<title>Marquee GraphiQL</title>"), "{html}");
    for other_host in ["unpkg", "jsdelivr", "cdn", "http://", "https://", "//"] {
        assert!(!html.contains(other_host), "{other_host} in {html}");
    }
    let links = links(&html);
    assert_eq!(links.len(), 7, "{links:?}");
    for link in &links {
        assert!(
            link.starts_with("/graphiql/") || link.starts_with("data:"),
            "{link} is not on this server"
        );
    }
    // The style nonce in the policy is the one the start script carries.
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a style nonce");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
}

async fn every_asset_is_served_as_vendored_with_an_immutable_cache_lifetime(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let html = browse(&app).await.html;
    let mut paths: Vec<String> = links(&html)
        .into_iter()
        .filter(|l| l.starts_with("/graphiql/"))
        .collect();
    // The licenses are served too, named in a comment of the page.
    for license in ["LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"] {
        let path = assets::named(license).path();
        assert!(html.contains(&path), "{license} is not named in the page");
        paths.push(path);
    }
    assert_eq!(paths.len(), 9, "{paths:?}");
    for path in paths {
        let name = path.rsplit('/').next().unwrap().to_owned();
        // Act
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        // Assert
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let content_type = match name.rsplit('.').next().unwrap() {
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        let version = path.split('/').nth(2).unwrap();
        assert_eq!(headers["etag"], format!("\"{version}\"").as_str(), "{path}");
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            on_disk(&name),
            "{path} is not the file as vendored"
        );
    }

    // Gzipped, it is another representation, with a tag of its own.
    let path = assets::named("graphiql.min.js").path();
    let response = app
        .client
        .get(app.url(&path))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let version = &assets::named("graphiql.min.js").version;
    assert_eq!(
        response.headers()["etag"],
        format!("\"{version}-gzip\"").as_str()
    );
    let gzipped = response.bytes().await.unwrap().len();
    assert!(
        gzipped < on_disk("graphiql.min.js").len() / 2,
        "{gzipped} bytes"
    );
}

async fn an_asset_answers_304_to_its_etag_and_404_under_another_version(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let asset = assets::named("react.production.min.js");
    let path = asset.path();
    // Act
    let revalidated = app
        .client
        .get(app.url(&path))
        .header("if-none-match", format!("\"{}\"", asset.version))
        .send()
        .await
        .unwrap();
    let changed = app
        .client
        .get(app.url(&path))
        .header("if-none-match", "\"0000000000000000\"")
        .send()
        .await
        .unwrap();
    let stale = app
        .client
        .get(app.url("/graphiql/0000000000000000/react.production.min.js"))
        .send()
        .await
        .unwrap();
    let development = app
        .client
        .get(app.url(&format!("/graphiql/{}/react.development.js", asset.version)))
        .send()
        .await
        .unwrap();
    let head = app.client.head(app.url(&path)).send().await.unwrap();
    // Assert
    assert_eq!(revalidated.status(), 304);
    assert_eq!(
        revalidated.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(revalidated.bytes().await.unwrap().is_empty());
    assert_eq!(changed.status(), 200);
    assert_eq!(stale.status(), 404);
    assert_eq!(development.status(), 404);
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        asset.bytes.len().to_string().as_str()
    );
}

async fn the_graphiql_setting_overrides_the_profile(backend: Backend) {
    let asset = assets::named("graphiql.min.js").path();
    for (profile, setting, served) in [
        (Profile::Dev, GraphiqlSetting::Auto, true),
        (Profile::Dev, GraphiqlSetting::Off, false),
        (Profile::Public, GraphiqlSetting::Auto, false),
        (Profile::Public, GraphiqlSetting::On, true),
    ] {
        // Arrange
        let app = spawn_app_with(backend.clone(), |s| {
            s.profile = profile;
            s.graphiql = setting;
        })
        .await;
        let case = format!("{profile:?} profile, --graphiql {setting:?}");
        // Act
        let page = browse(&app).await;
        let html = page.html;
        let file = app.client.get(app.url(&asset)).send().await.unwrap();
        // Assert
        if served {
            assert_eq!(page.status, 200, "{case}");
            assert!(html.contains(&asset), "{case}: {html}");
            assert_eq!(file.status(), 200, "{case}");
        } else {
            // As any GET without a query: the JSON error, no page.
            assert_eq!(page.status, 400, "{case}");
            let body: Value = serde_json::from_str(&html).unwrap();
            assert_eq!(error_codes(&body), vec!["BAD_REQUEST"], "{case}");
            assert!(!html.contains("GraphiQL"), "{case}: {html}");
            assert_eq!(file.status(), 404, "{case}");
        }
    }
}

/// The browser test's report (see tests/browser/graphiql.mjs).
fn strings(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in the report"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
async fn graphiql_runs_a_query_and_a_subscription_in_chromium_with_the_network_off() {
    // Arrange: a server, and an author whose next comment is published at
    // once (so the subscription sees it).
    let app = spawn_app(Backend::Sqlite).await;
    let author = "ada@example.org";
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    let first = app.post_comment(author, "A first comment.").await;
    app.approve(&moderator, &first).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/graphiql.mjs");
    let address = app.address.clone();

    // Act
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(&script)
            .arg(&address)
            .arg(author)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (install Node.js, then `npm ci` in tests/browser)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("no report ({e}); is chromium installed at /usr/bin/chromium?\n{stdout}\n{stderr}")
    });
    eprintln!("{report:#}");

    // Assert: the UI worked.
    assert!(output.status.success(), "the browser could not finish");
    assert_eq!(report["editor"], r#"{ review(slug: "her") { headline } }"#);
    let result = report["queryResult"].as_str().unwrap();
    assert!(result.contains(r#""headline": "Her""#), "{result}");
    assert_eq!(report["liveComment"], "APPROVED");
    let live = report["subscriptionResult"].as_str().unwrap();
    assert!(
        live.contains("commentAdded") && live.contains("Live through GraphiQL"),
        "{live}"
    );

    // Assert: every request the page made went to this server.
    let local = |url: &str| {
        url.starts_with(&format!("{}/", app.address))
            || url.starts_with(&format!("{}/", app.address.replacen("http", "ws", 1)))
    };
    let requests = strings(&report, "requests");
    for request in &requests {
        let url = request.split(' ').nth(1).unwrap();
        assert!(local(url), "the page requested {url} from another host");
    }
    for name in [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
        "marquee-graphiql.js",
        "marquee-graphiql.css",
    ] {
        let wanted = format!("GET {}", app.url(&assets::named(name).path()));
        assert!(requests.contains(&wanted), "{wanted} in {requests:?}");
    }
    assert!(requests.contains(&format!("POST {}", app.url("/graphql"))));
    let sockets = strings(&report, "websockets");
    assert_eq!(
        sockets,
        vec![format!("{}/graphql", app.address.replacen("http", "ws", 1))]
    );
    assert_eq!(strings(&report, "failed"), Vec::<String>::new());
    assert_eq!(strings(&report, "trap"), Vec::<String>::new());
    assert_eq!(strings(&report, "cspViolations"), Vec::<String>::new());
    assert_eq!(strings(&report, "pageErrors"), Vec::<String>::new());
    let errors: Vec<String> = strings(&report, "console")
        .into_iter()
        .filter(|m| m.starts_with("error"))
        .collect();
    assert_eq!(errors, Vec::<String>::new());

    // Assert: the network really was off for that browser, and the trap is
    // what stopped it.
    let control = report["control"].as_object().unwrap();
    assert_eq!(control.len(), 3, "{control:?}");
    for (url, outcome) in control {
        assert_ne!(outcome, "loaded", "{url} loaded: the network is on");
    }
    let caught = strings(&report, "controlTrap");
    assert!(
        caught.iter().any(|line| line.contains("unpkg.com")),
        "{caught:?}"
    );
}
