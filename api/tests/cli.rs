//! The `marquee` binary's subcommands, run as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use marquee_tests::content::{
    EXTRA_CONTENT, EXTRA_EMAILS, assert_same_content, content_rows,
    store_text_an_import_would_clean,
};
use marquee_tests::{Backend, TestDb};
use sea_orm::DatabaseConnection;

fn marquee(db: &Path, args: &[&str]) -> Output {
    marquee_on(&sqlite_url(db), args)
}

fn marquee_on(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marquee"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("MARQUEE_LOG", "warn")
        .output()
        .expect("marquee runs")
}

fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}?mode=rwc", db.display())
}

/// The demo content file.
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/demo.toml");

struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(temp_path("db"))
    }
}

/// A fresh path in the temporary directory, ending in `.{extension}`.
fn temp_path(extension: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "marquee-cli-{}-{nanos}-{n}.{extension}",
        std::process::id()
    ))
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> Self {
        Self(temp_path("toml"))
    }

    fn with(text: &str) -> Self {
        let file = Self::new();
        std::fs::write(&file.0, text).unwrap();
        file
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn connect(url: &str) -> DatabaseConnection {
    sea_orm::Database::connect(url).await.unwrap()
}

/// A SQLite database holding the demo content and the export tests' extra
/// content, loaded with `marquee import`, and text an import would clean.
async fn publication() -> TempDb {
    let db = TempDb::new();
    let extra = TempFile::with(EXTRA_CONTENT);
    stdout(&marquee(&db.0, &["import", DEMO]));
    stdout(&marquee(&db.0, &["import", extra.path()]));
    let conn = connect(&sqlite_url(&db.0)).await;
    store_text_an_import_would_clean(&conn).await;
    conn.close().await.unwrap();
    db
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "marquee failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn importing_a_file_twice_changes_nothing_the_second_time() {
    let db = TempDb::new();

    let first = stdout(&marquee(&db.0, &["import", DEMO]));
    let second = stdout(&marquee(&db.0, &["import", DEMO]));

    assert!(first.contains(" 0 updated"), "{first}");
    assert!(!first.contains(" 0 created"), "{first}");
    assert!(second.contains(" 0 created, 0 updated"), "{second}");
}

#[test]
fn importing_a_broken_file_fails_with_a_message_and_stores_nothing() {
    let db = TempDb::new();
    let dir = std::env::temp_dir().join(format!("marquee-cli-bad-{}.toml", std::process::id()));
    std::fs::write(&dir, "[[reviews]]\nslug = \"x\"\nfilm = \"no-such-film\"\nheadline = \"X\"\nstatus = \"PUBLISHED\"\nbody = \"b\"\n").unwrap();

    let output = marquee(&db.0, &["import", dir.to_str().unwrap()]);
    let _ = std::fs::remove_file(&dir);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no film with slug `no-such-film`"),
        "{stderr}"
    );
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let db = TempDb::new();
    let printed = stdout(&marquee(&db.0, &["schema"]));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    assert!(
        printed == committed,
        "run `cargo run -- schema --output schema.graphql`"
    );
}

#[test]
fn numeric_settings_out_of_range_are_refused_at_start() {
    let db = TempDb::new();
    for (flag, value) in [
        ("--comment-edit-window-seconds", "99999999999"),
        ("--comment-flood-seconds", "18446744073709551615"),
        ("--close-comments-after-days", "4000000000"),
        ("--db-max-connections", "0"),
        ("--max-fields", "0"),
    ] {
        let output = marquee(&db.0, &[flag, value, "migrate"]);
        assert!(!output.status.success(), "{flag} {value} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag), "{flag}: {stderr}");
    }
}

#[test]
fn migrate_creates_the_database_file() {
    let db = TempDb::new();
    stdout(&marquee(&db.0, &["migrate"]));
    assert!(db.0.exists());
}

#[test]
fn tokens_are_created_listed_and_revoked_from_the_command_line() {
    let db = TempDb::new();
    let created = marquee(
        &db.0,
        &["token", "create", "--role", "moderator", "--name", "Molly"],
    );
    let secret = stdout(&created).trim().to_owned();
    assert!(secret.starts_with("mq_") && secret.len() > 40, "{secret}");

    let listed = stdout(&marquee(&db.0, &["token", "list"]));
    assert!(listed.contains("Moderator\tMolly\tlive"), "{listed}");
    assert!(!listed.contains(&secret), "the secret is never shown again");

    stdout(&marquee(&db.0, &["token", "revoke", "1"]));
    let listed = stdout(&marquee(&db.0, &["token", "list"]));
    assert!(listed.contains("Molly\trevoked"), "{listed}");
    let again = marquee(&db.0, &["token", "revoke", "1"]);
    assert!(!again.status.success(), "revoking twice is an error");
}

#[test]
fn trusted_documents_are_added_from_files_and_manifests_listed_and_removed() {
    let db = TempDb::new();
    let query = "query Headline { review(slug: \"her\") { headline } }";
    let graphql = temp_path("graphql");
    std::fs::write(&graphql, query).unwrap();
    let manifest = temp_path("json");
    std::fs::write(
        &manifest,
        r#"{"format":"apollo-persisted-query-manifest","version":1,
            "operations":[{"id":"film-v1","name":"Film","type":"query","body":"query Film { film(slug: \"her\") { title } }"}]}"#,
    )
    .unwrap();
    let broken = temp_path("graphql");
    std::fs::write(&broken, "query { review(").unwrap();

    // A file that does not parse stores nothing, not even the good ones.
    let refused = marquee(
        &db.0,
        &[
            "documents",
            "add",
            graphql.to_str().unwrap(),
            broken.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success(), "a broken document is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not parse"));
    assert_eq!(stdout(&marquee(&db.0, &["documents", "list"])), "");

    stdout(&marquee(
        &db.0,
        &[
            "documents",
            "add",
            graphql.to_str().unwrap(),
            manifest.to_str().unwrap(),
        ],
    ));
    let listed = stdout(&marquee(&db.0, &["documents", "list"]));
    let hash = marquee::service::persisted::sha256_hex(query);
    assert!(listed.contains(&format!("{hash}\t")), "{listed}");
    assert!(listed.contains("film-v1\tFilm"), "{listed}");

    // An id never takes another text.
    let changed = temp_path("json");
    std::fs::write(
        &changed,
        r#"{"film-v1": "query Film { film(slug: \"her\") { slug } }"}"#,
    )
    .unwrap();
    let refused = marquee(&db.0, &["documents", "add", changed.to_str().unwrap()]);
    assert!(
        !refused.status.success(),
        "a new text under a known id is refused"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another text"));
    let _ = std::fs::remove_file(&changed);

    stdout(&marquee(&db.0, &["documents", "remove", "film-v1"]));
    let listed = stdout(&marquee(&db.0, &["documents", "list"]));
    assert!(!listed.contains("film-v1"), "{listed}");
    assert!(
        !marquee(&db.0, &["documents", "remove", "film-v1"])
            .status
            .success()
    );
    for file in [graphql, manifest, broken] {
        let _ = std::fs::remove_file(file);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_moves_every_row_into_an_empty_database() {
    // Arrange
    let (source, target) = (publication().await, TempDb::new());
    let file = TempFile::new();

    // Act
    let exported = marquee(&source.0, &["export", "--include-private", file.path()]);
    let imported = stdout(&marquee(&target.0, &["import", file.path()]));

    // Assert
    stdout(&exported);
    let said = String::from_utf8_lossy(&exported.stderr);
    assert!(
        said.contains("exported 10 people, 8 films, 3 reviews and 7 comments to")
            && said.contains("with private fields"),
        "{said}"
    );
    assert!(imported.contains(" 0 updated, 0 unchanged"), "{imported}");
    assert_same_content(
        &content_rows(&connect(&sqlite_url(&source.0)).await).await,
        &content_rows(&connect(&sqlite_url(&target.0)).await).await,
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file.0).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a private export is its owner's only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_to_standard_output_with_emails_only_when_asked() {
    // Arrange
    let db = publication().await;

    // Act
    let public = stdout(&marquee(&db.0, &["export"]));
    let again = stdout(&marquee(&db.0, &["export"]));
    let private = stdout(&marquee(&db.0, &["export", "--include-private"]));

    // Assert
    assert!(public.starts_with("# Marquee content file"), "{public}");
    assert!(!public.contains('@'), "no email without --include-private");
    assert_eq!(public, again, "the same database exports the same bytes");
    for email in EXTRA_EMAILS {
        assert!(private.contains(email), "{email}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL"]
async fn export_from_sqlite_and_import_into_postgresql_with_the_readme_commands() {
    // Arrange
    let sqlite = publication().await;
    let (_postgres, postgres_url) = TestDb::create(&Backend::postgres()).await;
    let file = TempFile::new();

    // Act: the README's two commands.
    stdout(&marquee_on(
        &sqlite_url(&sqlite.0),
        &["export", "--include-private", file.path()],
    ));
    stdout(&marquee_on(&postgres_url, &["import", file.path()]));

    // Assert
    let postgres = connect(&postgres_url).await;
    assert_same_content(
        &content_rows(&connect(&sqlite_url(&sqlite.0)).await).await,
        &content_rows(&postgres).await,
    );
    postgres.close().await.unwrap();
}
