//! The GraphQL-over-HTTP spec's reference audits (`graphql-http`'s
//! `auditServer`, 61 audits) against a real `marquee` process: every MUST
//! and SHOULD must hold. It needs Node.js and the audit's packages
//! (`npm ci` in `tests/http-audit`), so it is ignored by a plain
//! `cargo test`; `.ci/run` installs them and runs it.

use std::path::Path;
use std::process::Command;

use marquee_tests::{Backend, ServerProcess, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and `npm ci` in tests/http-audit (.ci/run does both)"]
async fn the_spec_audits_pass() {
    let (_db, url) = TestDb::create(&Backend::Sqlite).await;
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_marquee"), &url, &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/http-audit/audit.mjs");
    let output = Command::new("node")
        .arg(&script)
        .arg(format!("{}/graphql", server.address))
        .output()
        .expect("node runs (install Node.js, then `npm ci` in tests/http-audit)");
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "an audit failed:\n{report}");
    assert!(
        report.contains("audits: 61 ok, 0 required failed, 61 in all"),
        "not every audit passed:\n{report}"
    );
}
