//! Content for the export tests, and the content tables as comparable rows.

use std::collections::{BTreeMap, HashMap};

use entity::enums::SubjectKind;
use entity::{comment, comparison, credit, film, film_location, person, review, slug_alias};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, QueryFilter, QueryOrder,
};

/// Content layered on `content/demo.toml`: a person, film and review with
/// old slugs, a draft, posters with one half missing, credits of every
/// kind, a location and a comparison that repeat an earlier one's place or
/// film, and a threaded set of comments in every status, with emails,
/// timestamps, comparisons and text that needs escaping. No `@` appears in
/// it but in the emails.
pub const EXTRA_CONTENT: &str = r#"
[[people]]
slug = "ritesh-batra"
name = "Ritesh Batra"
aliases = ["r-batra", "batra"]
created_at = "2019-02-03T04:05:06.123456Z"
updated_at = "2021-07-08T09:10:11Z"

[[people]]
slug = "irrfan-khan"
name = "Irrfan Khan"

[[people]]
slug = "nimrat-kaur"
name = "Nimrat Kaur"

[[people]]
slug = "bharati-achrekar"
name = "Bharati Achrekar"

[[films]]
slug = "the-lunchbox"
title = "The Lunchbox"
release_year = 2013
synopsis = "A mistaken delivery connects a young housewife to an older man."
poster = { url = "/media/lunchbox.jpg" }
aliases = ["lunchbox", "dabba"]
created_at = "2019-01-01T00:00:00Z"

  [[films.credits]]
  person = "ritesh-batra"
  role = "DIRECTOR"

  [[films.credits]]
  person = "ritesh-batra"
  role = "OTHER_CREW"
  job = "Dabbawala consultant"
  billing = 3

  [[films.credits]]
  person = "irrfan-khan"
  role = "ACTOR"
  character = "Saajan Fernandes"

  [[films.credits]]
  person = "nimrat-kaur"
  role = "ACTOR"
  character = "Ila"
  character_note = "a young housewife"
  billing = 1

  [[films.credits]]
  person = "bharati-achrekar"
  role = "ACTOR"
  character = "Mrs. Deshpande"
  voice = true
  billing = 2

  [[films.locations]]
  place = "Mumbai"
  area = "Churchgate"

  [[films.locations]]
  place = "Mumbai"
  stands_in_for = "a lunch-hour city"

  [[films.locations]]
  place = "Mumbai"
  area = "Churchgate"
  stands_in_for = "the station, again, at dusk"

[[reviews]]
slug = "the-lunchbox"
film = "the-lunchbox"
headline = "Letters in a tiffin"
byline = "A. Critic"
status = "DRAFT"
comments_open = false
aliases = ["lunchbox-review"]
created_at = "2024-05-06T07:08:09.5Z"
verdict = "For anyone who still writes letters."
poster = { alt = "A stack of tiffins" }
body = """
A draft, not yet published.

Second paragraph, with a "quote", a backslash \\ and a tab\there.
"""

  [[reviews.comparisons]]
  film = "her"
  person = "joaquin-phoenix"
  note = "Another man in love with a voice."
  recommended = true

  [[reviews.comparisons]]
  film = "gravity"
  note = "Another story told mostly by one person."

  [[reviews.comparisons]]
  film = "her"
  person = "joaquin-phoenix"
  note = "The same film and person again, in other words."

[[reviews]]
slug = "adaptation"
film = "adaptation"
headline = "Adaptation, revisited"
status = "PUBLISHED"
published_at = "2015-03-01T10:00:00Z"
body = "A published review with a busy thread."

  [[reviews.comments]]
  key = "thread-root"
  author_name = "Rhea Root"
  author_email = "rhea@example.org"
  author_url = "https://example.org/rhea"
  status = "APPROVED"
  created_at = "2015-03-02T10:00:00Z"
  updated_at = "2015-03-02T10:05:00.25Z"
  body = "The first word, with '''triple quotes''' and \"\"\" too."

    [[reviews.comments.comparisons]]
    film = "being-john-malkovich"
    note = "As strange, and as good."
    recommended = true

  [[reviews.comments]]
  key = "thread-reply"
  parent = "thread-root"
  author_name = "Ravi Reply"
  author_email = "ravi@example.org"
  status = "APPROVED"
  created_at = "2015-03-02T11:00:00Z"
  body = "A reply.\n\nOn two paragraphs."

  [[reviews.comments]]
  key = "thread-pending-reply"
  parent = "thread-reply"
  author_name = "Pia Pending"
  author_email = "pia@example.org"
  status = "PENDING"
  created_at = "2015-03-02T12:00:00Z"
  body = "A reply to the reply, held for moderation."

  [[reviews.comments]]
  key = "thread-spam"
  parent = "thread-root"
  author_name = "Cheap Pills"
  author_email = "pills@example.net"
  author_url = "https://pills.example.net"
  status = "SPAM"
  created_at = "2015-03-03T00:00:00Z"
  body = "Buy now"

  [[reviews.comments]]
  key = "thread-pending"
  author_name = "Paul Pending"
  author_email = "paul@example.org"
  status = "PENDING"
  created_at = "2015-03-04T00:00:00Z"
  body = "A comment of its own, held."

  [[reviews.comments]]
  key = "thread-trash"
  author_name = "Tess Trash"
  status = "TRASH"
  created_at = "2015-03-05T00:00:00Z"
  body = "Deleted by its author."
"#;

/// The emails in [`EXTRA_CONTENT`].
pub const EXTRA_EMAILS: &[&str] = &[
    "rhea@example.org",
    "ravi@example.org",
    "pia@example.org",
    "pills@example.net",
    "paul@example.org",
];

/// Stores text as an editor might have typed it, which an import of a
/// hand-written file would clean: surrounding space, an empty verdict, and
/// characters that look mis-decoded. Needs [`EXTRA_CONTENT`].
pub async fn store_text_an_import_would_clean(db: &DatabaseConnection) {
    let lunchbox = film::Entity::find()
        .filter(film::Column::Slug.eq("the-lunchbox"))
        .one(db)
        .await
        .unwrap()
        .expect("the extra content is loaded");
    let mut lunchbox = lunchbox.into_active_model();
    lunchbox.synopsis = Set(Some("  Kept as typed: believable‚Ķ and spaces.  ".into()));
    lunchbox.update(db).await.unwrap();
    let draft = review::Entity::find()
        .filter(review::Column::Slug.eq("the-lunchbox"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut draft = draft.into_active_model();
    draft.verdict = Set(Some(String::new()));
    draft.body_markdown = Set("    an indented first line\n\nthen text.\n".into());
    draft.update(db).await.unwrap();
}

/// A model's columns by name, each value as `Debug` prints it: the type
/// comes from the entity, so SQLite and PostgreSQL print the same.
fn columns<E>(model: E::Model) -> BTreeMap<&'static str, String>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let row = model.into_active_model();
    E::Column::iter()
        .map(|c| {
            let value = match row.get(c).into_value() {
                Some(value) => format!("{value:?}"),
                None => "<unset>".into(),
            };
            (c.as_str(), value)
        })
        .collect()
}

/// Every row of every content table as a line of text, sorted, with its ids
/// joined away: a person, film or review is named by its slug, and a
/// comment by its review and its place among that review's comments in id
/// order. Every column is in it (so a column added later is compared
/// too) except the ids, the `version`s, and the times the content format
/// does not carry (see `api/src/service/export.rs`). A comment with no
/// idempotency key shows the key an import gives it, `import:comment-ID`.
pub async fn content_rows(db: &DatabaseConnection) -> Vec<String> {
    async fn all<E: EntityTrait>(db: &DatabaseConnection, id: E::Column) -> Vec<E::Model> {
        E::find().order_by_asc(id).all(db).await.unwrap()
    }
    let people = all::<person::Entity>(db, person::Column::Id).await;
    let films = all::<film::Entity>(db, film::Column::Id).await;
    let reviews = all::<review::Entity>(db, review::Column::Id).await;
    let comments = all::<comment::Entity>(db, comment::Column::Id).await;
    let person_slug: HashMap<i32, String> = people.iter().map(|p| (p.id, p.slug.clone())).collect();
    let film_slug: HashMap<i32, String> = films.iter().map(|f| (f.id, f.slug.clone())).collect();
    let review_slug: HashMap<i32, String> =
        reviews.iter().map(|r| (r.id, r.slug.clone())).collect();
    let mut seen: HashMap<i32, usize> = HashMap::new();
    let comment_ref: HashMap<i32, String> = comments
        .iter()
        .map(|c| {
            let n = seen.entry(c.review_id).or_default();
            *n += 1;
            (c.id, format!("{}#{n}", review_slug[&c.review_id]))
        })
        .collect();
    let name = |map: &HashMap<i32, String>, id: Option<i32>| match id {
        Some(id) => map
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("<missing {id}>")),
        None => "-".into(),
    };

    let mut lines = Vec::new();
    let mut line =
        |table: &str, mut cols: BTreeMap<&'static str, String>, drop: &[&'static str]| {
            for c in ["id"].iter().chain(drop) {
                assert!(cols.remove(c).is_some(), "{table} has no column {c}");
            }
            let cols: Vec<String> = cols.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push(format!("{table}: {}", cols.join(" ")));
        };
    for p in people {
        line("person", columns::<person::Entity>(p), &["version"]);
    }
    for f in films {
        line("film", columns::<film::Entity>(f), &["version"]);
    }
    for r in reviews {
        let film = film_slug[&r.film_id].clone();
        let mut cols = columns::<review::Entity>(r);
        cols.insert("film_id", film);
        line("review", cols, &["version"]);
    }
    for c in all::<credit::Entity>(db, credit::Column::Id).await {
        let (film, person) = (
            film_slug[&c.film_id].clone(),
            person_slug[&c.person_id].clone(),
        );
        let mut cols = columns::<credit::Entity>(c);
        cols.insert("film_id", film);
        cols.insert("person_id", person);
        line("credit", cols, &["created_at", "updated_at"]);
    }
    for l in all::<film_location::Entity>(db, film_location::Column::Id).await {
        let film = film_slug[&l.film_id].clone();
        let mut cols = columns::<film_location::Entity>(l);
        cols.insert("film_id", film);
        line("film_location", cols, &["created_at"]);
    }
    for c in comments {
        let key = c
            .idempotency_key
            .clone()
            .unwrap_or_else(|| format!("import:comment-{}", c.id));
        let (review, parent) = (
            review_slug[&c.review_id].clone(),
            name(&comment_ref, c.parent_id),
        );
        let mut cols = columns::<comment::Entity>(c);
        cols.insert("idempotency_key", key);
        cols.insert("review_id", review);
        cols.insert("parent_id", parent);
        line("comment", cols, &[]);
    }
    for c in all::<comparison::Entity>(db, comparison::Column::Id).await {
        let refs = [
            ("review_id", name(&review_slug, c.review_id)),
            ("comment_id", name(&comment_ref, c.comment_id)),
            ("film_id", film_slug[&c.film_id].clone()),
            ("person_id", name(&person_slug, c.person_id)),
        ];
        let mut cols = columns::<comparison::Entity>(c);
        cols.extend(refs);
        line("comparison", cols, &["created_at"]);
    }
    for a in all::<slug_alias::Entity>(db, slug_alias::Column::Id).await {
        let target = match a.kind {
            SubjectKind::Film => &film_slug,
            SubjectKind::Person => &person_slug,
            SubjectKind::Review => &review_slug,
        };
        let target = name(target, Some(a.target_id));
        let mut cols = columns::<slug_alias::Entity>(a);
        cols.insert("target_id", target);
        line("slug_alias", cols, &["created_at"]);
    }
    lines.sort();
    lines
}

/// Fails, naming the rows that differ, unless two [`content_rows`] agree.
pub fn assert_same_content(expected: &[String], actual: &[String]) {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|l| !b.contains(l)).cloned().collect()
    };
    let (missing, extra) = (only(expected, actual), only(actual, expected));
    assert!(
        missing.is_empty() && extra.is_empty() && expected.len() == actual.len(),
        "content differs\nonly before:\n{}\nonly after:\n{}",
        missing.join("\n"),
        extra.join("\n")
    );
}
