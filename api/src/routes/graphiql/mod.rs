//! GraphiQL, served whole by this binary: the page that `GET /graphql`
//! gives a browser, and the files it loads from `/graphiql/…` (see
//! [`assets`]). Nothing comes from another host, so GraphiQL works offline;
//! the page's `Content-Security-Policy` has the browser hold it to that.
//!
//! Whether GraphiQL is served at all is the `--graphiql` setting
//! ([`crate::config::GraphiqlSetting`]); when it is not, [`configure`] is
//! not called and these paths answer 404 like any unknown path.

pub mod assets;

use std::sync::LazyLock;

use actix_web::http::header::{self, ContentEncoding, Encoding, EntityTag, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, guard, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What the page may load, and from where, with `{nonce}` standing for the
/// response's style nonce. The browser enforces it: a script, style sheet,
/// font or connection to any other host, an inline script, a form post or
/// a frame is refused.
const CONTENT_SECURITY_POLICY: &str = concat!(
    // Anything not listed below: nothing.
    "default-src 'none'; ",
    // React, ReactDOM, GraphiQL and our start script, from this server.
    "script-src 'self'; ",
    // GraphiQL's style sheet and ours, from this server; and the one
    // <style> element GraphiQL writes (react-remove-scroll-bar's, while a
    // dialog is open), which carries the nonce our start script hands it.
    // No 'unsafe-inline'.
    "style-src 'self' 'nonce-{nonce}'; ",
    // GraphiQL's fonts and icons are `data:` URLs inside its style sheet.
    "font-src 'self' data:; ",
    "img-src 'self' data:; ",
    // Queries (fetch) and subscriptions (a WebSocket): only to this server
    // ('self' covers ws: and wss: to the same host and port).
    "connect-src 'self'; ",
    // No <base> to redirect relative URLs, no forms, not inside a frame.
    "base-uri 'none'; ",
    "form-action 'none'; ",
    "frame-ancestors 'none'"
);

/// The `Cache-Control` of every asset: its URL changes with its content,
/// so a browser never needs to ask again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The page, with each `{file}` in the template replaced by that file's
/// versioned path.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    assets::all()
        .iter()
        .fold(include_str!("page.html").to_owned(), |page, asset| {
            page.replace(&format!("{{{}}}", asset.name), &asset.path())
        })
});

/// Registers the asset routes: `GET` and `HEAD /graphiql/{version}/{name}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(format!("{}/{{version}}/{{name}}", assets::PREFIX)).route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(asset),
        ),
    );
}

/// The GraphiQL page, for `GET /graphql` from a browser.
pub fn page() -> HttpResponse {
    // Fresh for each response, so a page cannot predict it.
    let nonce = STANDARD.encode(rand::random::<[u8; 16]>());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY.replace("{nonce}", &nonce),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // The page names the assets' current URLs and a fresh nonce: never
        // reuse it.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // The same URL answers JSON to a client that does not accept HTML.
        .insert_header((header::VARY, "Accept"))
        .body(PAGE.replace("{nonce}", &nonce))
}

/// `GET /graphiql/{version}/{name}`: an embedded file, cached for a year,
/// with a strong `ETag` (answered `304` on `If-None-Match`). 404 for a
/// name that is not embedded, or a version that is not the file's.
async fn asset(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (version, name) = path.into_inner();
    let Some(asset) = assets::find(&version, &name) else {
        return HttpResponse::NotFound().finish();
    };
    let encoding = compressed_as(&req);
    // A strong tag names one representation, bytes on the wire included, so
    // the gzipped file gets a tag of its own.
    let tag = match encoding {
        ContentEncoding::Identity => EntityTag::new_strong(asset.version.clone()),
        other => EntityTag::new_strong(format!("{}-{}", asset.version, other.as_str())),
    };
    let fresh = not_modified(&req, &tag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header(header::ETag(tag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if encoding == ContentEncoding::Identity {
        // The compressor adds this when it compresses.
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if fresh {
        return response.finish();
    }
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        ))
        .body(asset.bytes)
}

/// The encoding the `Compress` middleware (see `startup.rs`) will give
/// this response: it negotiates `Accept-Encoding` among identity, gzip and
/// deflate (actix-web's `compress-gzip` feature; keep this list in step
/// with the features in Cargo.toml), and leaves the body alone when the
/// header is missing.
fn compressed_as(req: &HttpRequest) -> ContentEncoding {
    let Some(accepted) = req.get_header::<header::AcceptEncoding>() else {
        return ContentEncoding::Identity;
    };
    let supported = [Encoding::identity(), Encoding::gzip(), Encoding::deflate()];
    match accepted.negotiate(supported.iter()) {
        Some(Encoding::Known(encoding)) => encoding,
        _ => ContentEncoding::Identity,
    }
}

/// Whether `If-None-Match` names `tag` (or `*`), by weak comparison as
/// RFC 9110 asks.
fn not_modified(req: &HttpRequest, tag: &EntityTag) -> bool {
    match req.get_header::<header::IfNoneMatch>() {
        Some(header::IfNoneMatch::Any) => true,
        Some(header::IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(tag)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_it_loads_by_its_versioned_path() {
        let page = PAGE.replace("{nonce}", "n");
        assert!(!page.contains('{'), "a placeholder is left: {page}");
        for name in [
            "react.production.min.js",
            "react-dom.production.min.js",
            "graphiql.min.js",
            "graphiql.min.css",
            "marquee-graphiql.js",
            "marquee-graphiql.css",
        ] {
            let path = assets::named(name).path();
            assert!(
                page.contains(&format!("\"{path}\"")),
                "{name} is not loaded"
            );
        }
    }

    #[test]
    fn each_page_gets_its_own_style_nonce_in_the_policy_and_the_page() {
        let nonce = |response: &HttpResponse| {
            let policy = response
                .headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .and_then(|v| v.to_str().ok())
                .expect("a policy")
                .to_owned();
            let start = policy.find("'nonce-").expect("a nonce") + "'nonce-".len();
            policy[start..start + 24].to_owned()
        };
        let (first, second) = (page(), page());
        assert_ne!(nonce(&first), nonce(&second));
        assert!(!nonce(&first).contains('{'));
    }

    #[test]
    fn the_policy_allows_nothing_from_another_host() {
        for directive in CONTENT_SECURITY_POLICY.split(';') {
            for source in directive.split_whitespace().skip(1) {
                assert!(
                    ["'self'", "'none'", "data:", "'nonce-{nonce}'"].contains(&source),
                    "{directive} allows {source}"
                );
            }
        }
    }
}
