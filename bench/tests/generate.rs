//! The generator at a tiny scale, into fresh SQLite files: the counts it
//! promises, rows the server would accept, and the same rows from the same
//! seed.

use marquee::domain::{CommentBody, Email};
use marquee_bench::{Options, Outcome};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

const TINY: Options = Options {
    seed: 7,
    scale: 0.001,
};

/// A SQLite file in the temp directory, removed at the end.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("marquee-bench-{name}-{}.db", std::process::id()));
        let db = Self(path);
        db.remove();
        db
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Every row of the data set's tables, as text, in id order.
async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "person",
        "film",
        "credit",
        "review",
        "film_location",
        "comment",
        "comparison",
    ] {
        // SQLite's quote() renders any value as a literal.
        let columns: Vec<String> = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT name FROM pragma_table_info('{table}')"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| format!("quote({})", r.try_get_by_index::<String>(0).unwrap()))
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY id",
            columns.join(" || ',' || ")
        );
        for row in db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
        {
            out.push(format!(
                "{table}:{}",
                row.try_get_by_index::<String>(0).unwrap()
            ));
        }
    }
    out
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[tokio::test]
async fn a_tiny_data_set_has_its_counts_valid_rows_and_the_same_rows_from_the_same_seed() {
    // Arrange
    let (a, b) = (TempDb::new("a"), TempDb::new("b"));
    let db_a = marquee_bench::connect(&a.url()).await.unwrap();
    let db_b = marquee_bench::connect(&b.url()).await.unwrap();

    // Act
    let (manifest, outcome) = marquee_bench::prepare(&db_a, TINY, false).await.unwrap();
    let (again, _) = marquee_bench::prepare(&db_b, TINY, false).await.unwrap();

    // Assert: the promised counts.
    assert_eq!(outcome, Outcome::Generated);
    let counts = marquee_bench::count_rows(&db_a).await.unwrap();
    assert_eq!(counts, manifest.counts);
    assert_eq!(
        (
            counts.film,
            counts.person,
            counts.credit,
            counts.review,
            counts.comment
        ),
        (20, 100, 200, 50, 1_000)
    );
    assert!(manifest.busy_director.reviews >= 1);
    assert!(manifest.review_page.comments >= 30);
    let director_reviews = marquee_bench::scalar(
        &db_a,
        "SELECT COUNT(*) FROM review WHERE status = 'PUBLISHED' AND film_id IN \
         (SELECT film_id FROM credit WHERE person_id = 1 AND role = 'DIRECTOR')",
    )
    .await
    .unwrap();
    assert_eq!(director_reviews as u64, manifest.busy_director.reviews);

    // Assert: rows the server would have accepted.
    let replies_out_of_order = marquee_bench::scalar(
        &db_a,
        "SELECT COUNT(*) FROM comment c JOIN comment p ON p.id = c.parent_id \
         WHERE c.created_at <= p.created_at OR c.review_id <> p.review_id \
         OR c.depth <> p.depth + 1 OR p.status <> 'APPROVED'",
    )
    .await
    .unwrap();
    assert_eq!(replies_out_of_order, 0, "replies follow their parents");
    let before_publication = marquee_bench::scalar(
        &db_a,
        "SELECT COUNT(*) FROM comment c JOIN review r ON r.id = c.review_id \
         WHERE r.published_at IS NULL OR c.created_at <= r.published_at",
    )
    .await
    .unwrap();
    assert_eq!(before_publication, 0, "comments follow the review");
    assert!(
        marquee_bench::scalar(
            &db_a,
            "SELECT COUNT(*) FROM comment WHERE parent_id IS NOT NULL"
        )
        .await
        .unwrap()
            > 100,
        "some comments are replies"
    );
    for email in strings(&db_a, "SELECT DISTINCT author_email FROM comment").await {
        assert_eq!(Email::parse(&email).unwrap().as_ref(), email);
    }
    for body in strings(&db_a, "SELECT body FROM comment").await {
        assert!(CommentBody::parse(&body).is_ok(), "{body:?}");
    }
    let violations = strings(&db_a, "SELECT 'x' FROM pragma_foreign_key_check").await;
    assert!(violations.is_empty(), "foreign keys hold");

    // Assert: the same seed gives the same rows, and a second run reuses them.
    assert_eq!(manifest, again);
    assert_eq!(dump(&db_a).await, dump(&db_b).await);
    let (_, outcome) = marquee_bench::prepare(&db_a, TINY, false).await.unwrap();
    assert_eq!(outcome, Outcome::Reused);
    let other_seed = Options { seed: 8, ..TINY };
    assert!(
        marquee_bench::prepare(&db_a, other_seed, false)
            .await
            .is_err(),
        "another data set is not written over this one without --replace"
    );
}

/// Search over the generated content: the index fills from rows written
/// without it, the busy director is the best person hit for their own
/// name, and every review found holds every word searched for.
#[tokio::test]
async fn search_over_the_generated_content_finds_what_it_holds() {
    use marquee::domain::SearchQuery;
    use marquee::service::search::{Search, fill_if_empty, search};

    // Arrange
    let file = TempDb::new("search");
    let db = marquee_bench::connect(&file.url()).await.unwrap();
    let (manifest, _) = marquee_bench::prepare(&db, TINY, false).await.unwrap();

    // Act
    fill_if_empty(&db).await.unwrap();
    let director = SearchQuery::parse(&manifest.busy_director.name).unwrap();
    let people = search(
        &db,
        &Search {
            query: &director,
            kinds: &[entity::enums::SubjectKind::Person],
            drafts: false,
            offset: 0,
            limit: 5,
        },
    )
    .await
    .unwrap();
    let words = SearchQuery::parse("rain montage").unwrap();
    let reviews = search(
        &db,
        &Search {
            query: &words,
            kinds: &[entity::enums::SubjectKind::Review],
            drafts: false,
            offset: 0,
            limit: 50,
        },
    )
    .await
    .unwrap();

    // Assert
    assert_eq!(
        people.first().map(|h| h.id),
        Some(manifest.busy_director.id)
    );
    assert!(!reviews.is_empty(), "common words of the generated reviews");
    let scores: Vec<f64> = reviews.iter().map(|h| h.score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    for hit in &reviews {
        let body = strings(
            &db,
            &format!(
                "SELECT lower(body_markdown) FROM review WHERE id = {}",
                hit.id
            ),
        )
        .await
        .concat();
        assert!(
            body.contains("rain") && body.contains("montage"),
            "review {}",
            hit.id
        );
    }
}
