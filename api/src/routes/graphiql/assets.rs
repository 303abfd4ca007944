//! The files GraphiQL's page loads, embedded in the binary: GraphiQL, React
//! and React DOM as vendored in `api/assets/graphiql/` (by its
//! `refresh.sh`), their licenses, and this module's own start script and
//! style sheet.
//!
//! Each file's URL holds the start of its SHA-256 (`/graphiql/HASH/NAME`),
//! so a new version is a new URL and browsers may keep each one for a year
//! without asking again.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// Where the files are served: `/graphiql/{version}/{name}`.
pub const PREFIX: &str = "/graphiql";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Embeds a file vendored in `api/assets/graphiql/`.
macro_rules! vendored {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            $content_type,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/graphiql/",
                $name
            ))
            .as_slice(),
        )
    };
}

/// Every file, as (name, content type, bytes).
const FILES: [(&str, &str, &[u8]); 9] = [
    vendored!("react.production.min.js", JAVASCRIPT),
    vendored!("react-dom.production.min.js", JAVASCRIPT),
    vendored!("graphiql.min.js", JAVASCRIPT),
    vendored!("graphiql.min.css", CSS),
    vendored!("LICENSE.graphiql", TEXT),
    vendored!("LICENSE.react", TEXT),
    vendored!("LICENSE.react-dom", TEXT),
    // Ours: they start GraphiQL without an inline script or style, which
    // the page's Content-Security-Policy would refuse.
    (
        "marquee-graphiql.js",
        JAVASCRIPT,
        include_bytes!("marquee-graphiql.js").as_slice(),
    ),
    (
        "marquee-graphiql.css",
        CSS,
        include_bytes!("marquee-graphiql.css").as_slice(),
    ),
];

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its file name: the last segment of its URL.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes, as vendored.
    pub bytes: &'static [u8],
    /// The first 16 hex digits of its SHA-256: the URL's version segment,
    /// and its entity tag.
    pub version: String,
}

impl Asset {
    /// The path it is served at, e.g. `/graphiql/0123456789abcdef/graphiql.min.js`.
    pub fn path(&self) -> String {
        format!("{PREFIX}/{}/{}", self.version, self.name)
    }
}

/// The files, hashed once, on first use.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let version = crate::service::secret::hex(&digest[..8]);
            Asset {
                name,
                content_type,
                bytes,
                version,
            }
        })
        .collect()
});

/// Every embedded file.
pub fn all() -> &'static [Asset] {
    &ASSETS
}

/// The file called `name`. Panics on a name not in the list: the page
/// template only names files that are.
pub fn named(name: &str) -> &'static Asset {
    all()
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no GraphiQL asset called {name}"))
}

/// The file at `/graphiql/{version}/{name}`: None for an unknown name, or
/// a version that is not the embedded file's (an old URL must not be
/// answered with new bytes under a year-long cache lifetime).
pub fn find(version: &str, name: &str) -> Option<&'static Asset> {
    all()
        .iter()
        .find(|a| a.name == name && a.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_embedded_with_a_distinct_url() {
        let mut paths: Vec<String> = all().iter().map(Asset::path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), FILES.len());
        for asset in all() {
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.name);
            assert_eq!(asset.version.len(), 16);
        }
    }

    #[test]
    fn only_the_current_version_of_a_file_is_found() {
        let react = named("react.production.min.js");
        assert!(find(&react.version, "react.production.min.js").is_some());
        assert!(find("0000000000000000", "react.production.min.js").is_none());
        assert!(find(&react.version, "react.development.js").is_none());
    }

    #[test]
    fn react_is_the_production_build() {
        let react = String::from_utf8_lossy(named("react.production.min.js").bytes);
        assert!(react.contains("react.production.min.js"), "{react:.200}");
        assert!(!react.contains("react.development"), "{react:.200}");
    }
}
