//! The `marquee` binary's subcommands, run as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn marquee(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marquee"))
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("MARQUEE_LOG", "warn")
        .output()
        .expect("marquee runs")
}

struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(std::env::temp_dir().join(format!("marquee-cli-{}-{nanos}.db", std::process::id())))
    }
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
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/demo.toml");

    let first = stdout(&marquee(&db.0, &["import", file]));
    let second = stdout(&marquee(&db.0, &["import", file]));

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
