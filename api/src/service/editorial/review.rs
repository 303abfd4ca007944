//! Reviews: drafts, publication (now or scheduled), revisions, and the
//! comparisons a review draws.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{ReviewStatus, SubjectKind};
use entity::{comment, comparison, film, person, review, review_revision};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    Action, Actor, Change, alias_target, claim_slug, claim_version, commit, delete_row,
    refuse_if_any, refuse_if_referenced, rename_slug, save_changes,
};
use crate::domain::editorial::{Line, Prose};
use crate::domain::text::excerpt;
use crate::domain::{FieldError, InputErrorCode, Slug};
use crate::error::ApiError;
use crate::service::editorial::film::{Poster, poster_parts};
use crate::service::search::{self, Document};
use crate::service::{WriteTxn, begin_write, group_by, now};

/// Most comparisons one review may draw.
pub const MAX_COMPARISONS: usize = 100;

/// Characters in an excerpt made from the body.
const EXCERPT_CHARS: usize = crate::service::import::EXCERPT_CHARS;

/// A new review, saved as a draft.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub film_id: i32,
    pub headline: Line,
    /// Made from the headline when absent.
    pub slug: Option<Slug>,
    pub byline: Option<Line>,
    pub body: Prose,
    /// Made from the body's first paragraph when absent.
    pub excerpt: Option<Prose>,
    pub verdict: Option<Prose>,
    pub poster: Option<Poster>,
    pub comments_open: bool,
}

/// Changes to a review; what is absent stays.
#[derive(Debug, Clone, Default)]
pub struct ReviewChanges {
    pub film_id: Option<i32>,
    pub headline: Option<Line>,
    pub slug: Option<Slug>,
    pub byline: Change<Line>,
    pub body: Option<Prose>,
    pub excerpt: Option<Prose>,
    pub verdict: Change<Prose>,
    pub poster: Change<Poster>,
    pub comments_open: Option<bool>,
}

/// One comparison a review draws.
#[derive(Debug, Clone)]
pub struct NewComparison {
    pub film_id: i32,
    pub person_id: Option<i32>,
    pub note: Prose,
    pub recommended: bool,
}

/// The text of one saved version, and what it changed from the one before.
#[derive(Debug, Clone)]
pub struct Revision {
    pub row: review_revision::Model,
    /// The fields that differ from the previous revision (all of them for
    /// the first).
    pub changed: Vec<&'static str>,
}

/// Any review by id, drafts included. For editors only.
pub async fn any_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find_by_id(id).one(db).await
}

/// Any reviews by id, drafts included. For editors only.
pub async fn any_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, review::Model>, DbErr> {
    let rows = review::Entity::find()
        .filter(review::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// Any review by slug or old slug, drafts included. For editors only.
pub async fn any_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<review::Model>, DbErr> {
    if let Some(row) = review::Entity::find()
        .filter(review::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        return Ok(Some(row));
    }
    match alias_target(db, SubjectKind::Review, slug).await? {
        Some(id) => any_by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewReview,
) -> Result<review::Model, ApiError> {
    let txn = begin_write(db).await?;
    film_must_exist(&*txn, new.film_id, "filmId").await?;
    let slug = claim_slug(
        &*txn,
        SubjectKind::Review,
        new.slug.as_ref(),
        new.headline.as_str(),
        None,
    )
    .await?;
    let at = now();
    let summary = new
        .excerpt
        .map(Prose::into_inner)
        .unwrap_or_else(|| excerpt(new.body.as_str(), EXCERPT_CHARS));
    let (poster_url, poster_alt) = poster_parts(new.poster);
    let row = review::ActiveModel {
        slug: Set(slug),
        film_id: Set(new.film_id),
        headline: Set(new.headline.into_inner()),
        byline: Set(new.byline.map(Line::into_inner)),
        body_markdown: Set(new.body.into_inner()),
        excerpt: Set(summary),
        verdict: Set(new.verdict.map(Prose::into_inner)),
        poster_url: Set(poster_url),
        poster_alt: Set(poster_alt),
        status: Set(ReviewStatus::Draft),
        published_at: Set(None),
        comments_open: Set(new.comments_open),
        created_at: Set(at),
        updated_at: Set(at),
        version: Set(1),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    save_revision(&*txn, actor, &row).await?;
    search::index(&*txn, &Document::review(&row)).await?;
    commit(
        txn,
        actor,
        Action::CreateReview,
        SubjectKind::Review,
        row.id,
        &[],
    )
    .await?;
    Ok(row)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: ReviewChanges,
) -> Result<review::Model, ApiError> {
    let txn = begin_write(db).await?;
    let current = claim_version::<review::Entity>(&*txn, id, Some(expected_version)).await?;
    save(txn, actor, current, changes, Action::UpdateReview).await
}

/// Writes `changes` to `current` (its version already claimed), keeps the
/// search index current and the text as a revision when it changed,
/// records the change as `action` and commits.
async fn save(
    txn: WriteTxn,
    actor: &Actor,
    current: review::Model,
    changes: ReviewChanges,
    action: Action,
) -> Result<review::Model, ApiError> {
    let id = current.id;
    let (saved, fields) = apply(&*txn, current, changes).await?;
    search::index(&*txn, &Document::review(&saved)).await?;
    if fields.iter().any(|f| TEXT_FIELDS.contains(f)) {
        save_revision(&*txn, actor, &saved).await?;
    }
    commit(txn, actor, action, SubjectKind::Review, id, &fields).await?;
    Ok(saved)
}

/// The fields a revision keeps.
const TEXT_FIELDS: [&str; 4] = ["headline", "bodyMarkdown", "excerpt", "verdict"];

/// Writes `changes` to `current` (its version already claimed); returns
/// the saved row and the names of the fields that changed.
async fn apply(
    txn: &impl ConnectionTrait,
    current: review::Model,
    changes: ReviewChanges,
) -> Result<(review::Model, Vec<&'static str>), ApiError> {
    let id = current.id;
    let mut fields = Vec::new();
    let mut row: review::ActiveModel = current.clone().into();
    if let Some(film_id) = changes.film_id
        && film_id != current.film_id
    {
        film_must_exist(txn, film_id, "filmId").await?;
        row.film_id = Set(film_id);
        fields.push("filmId");
    }
    if let Some(headline) = changes.headline
        && headline.as_str() != current.headline
    {
        row.headline = Set(headline.into_inner());
        fields.push("headline");
    }
    if let Some(slug) = changes.slug
        && slug.as_str() != current.slug
    {
        row.slug = Set(rename_slug(txn, SubjectKind::Review, id, &current.slug, &slug).await?);
        fields.push("slug");
    }
    let byline = changes
        .byline
        .apply(current.byline.clone(), Line::into_inner);
    if byline != current.byline {
        row.byline = Set(byline);
        fields.push("byline");
    }
    if let Some(body) = changes.body
        && body.as_str() != current.body_markdown
    {
        row.body_markdown = Set(body.into_inner());
        fields.push("bodyMarkdown");
    }
    if let Some(summary) = changes.excerpt
        && summary.as_str() != current.excerpt
    {
        row.excerpt = Set(summary.into_inner());
        fields.push("excerpt");
    }
    let verdict = changes
        .verdict
        .apply(current.verdict.clone(), Prose::into_inner);
    if verdict != current.verdict {
        row.verdict = Set(verdict);
        fields.push("verdict");
    }
    if !changes.poster.is_keep() {
        let (url, alt) = match changes.poster {
            Change::Set(p) => poster_parts(Some(p)),
            _ => (None, None),
        };
        if url != current.poster_url || alt != current.poster_alt {
            row.poster_url = Set(url);
            row.poster_alt = Set(alt);
            fields.push("poster");
        }
    }
    if let Some(open) = changes.comments_open
        && open != current.comments_open
    {
        row.comments_open = Set(open);
        fields.push("commentsOpen");
    }
    let saved = save_changes(txn, current, row, !fields.is_empty()).await?;
    Ok((saved, fields))
}

/// Deletes a review with no reader comments (`STILL_REFERENCED`
/// otherwise: unpublish it instead). Its comparisons, revisions and old
/// slugs go with it.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> Result<(), ApiError> {
    let txn = begin_write(db).await?;
    claim_version::<review::Entity>(&*txn, id, Some(expected_version)).await?;
    refuse_if_referenced(
        &*txn,
        comment::Entity::find().filter(comment::Column::ReviewId.eq(id)),
        "review",
        "reader comments",
    )
    .await?;
    comparison::Entity::delete_many()
        .filter(comparison::Column::ReviewId.eq(id))
        .exec(&*txn)
        .await?;
    review_revision::Entity::delete_many()
        .filter(review_revision::Column::ReviewId.eq(id))
        .exec(&*txn)
        .await?;
    delete_row::<review::Entity>(txn, actor, Action::DeleteReview, id).await
}

/// Publishes a review at `at` (now when `None`). A time to come schedules
/// it: every public read compares `published_at` with the clock, so it
/// appears at that moment on every replica.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: Option<i32>,
    at: Option<DateTime<Utc>>,
) -> Result<review::Model, ApiError> {
    let at = at.map_or_else(now, |t| {
        use chrono::SubsecRound;
        t.trunc_subsecs(6)
    });
    // Before the commit: no answer cached from then on outlives the
    // instant, on this replica (the others learn it from their clocks).
    if let Some(purger) = &actor.purge {
        purger.cache().note_publication(at, now());
    }
    set_status(
        db,
        actor,
        id,
        expected_version,
        ReviewStatus::Published,
        Some(at),
    )
    .await
}

/// Returns a review to draft: the public no longer sees it.
pub async fn unpublish(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: Option<i32>,
) -> Result<review::Model, ApiError> {
    set_status(db, actor, id, expected_version, ReviewStatus::Draft, None).await
}

async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: Option<i32>,
    status: ReviewStatus,
    published_at: Option<DateTime<Utc>>,
) -> Result<review::Model, ApiError> {
    let txn = begin_write(db).await?;
    let current = claim_version::<review::Entity>(&*txn, id, expected_version).await?;
    let mut row: review::ActiveModel = current.into();
    row.status = Set(status);
    row.published_at = Set(published_at);
    let saved = row.update(&*txn).await?;
    let action = match status {
        ReviewStatus::Published => Action::PublishReview,
        ReviewStatus::Draft => Action::UnpublishReview,
    };
    commit(
        txn,
        actor,
        action,
        SubjectKind::Review,
        id,
        &["status", "publishedAt"],
    )
    .await?;
    Ok(saved)
}

/// Replaces a review's comparisons with `comparisons`, in order. Every
/// film and person must exist (`comparisons.N.filmId` / `.personId`).
pub async fn set_comparisons(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    comparisons: Vec<NewComparison>,
) -> Result<review::Model, ApiError> {
    if comparisons.len() > MAX_COMPARISONS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "comparisons",
            InputErrorCode::TooLong,
            format!("A review draws at most {MAX_COMPARISONS} comparisons."),
        )]));
    }
    let txn = begin_write(db).await?;
    // Comparisons are the review's: setting them is a save of the review.
    let saved = claim_version::<review::Entity>(&*txn, id, Some(expected_version)).await?;
    let films: Vec<i32> = film::Entity::find()
        .select_only()
        .column(film::Column::Id)
        .filter(film::Column::Id.is_in(comparisons.iter().map(|c| c.film_id)))
        .into_tuple()
        .all(&*txn)
        .await?;
    let people: Vec<i32> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::Id.is_in(comparisons.iter().filter_map(|c| c.person_id)))
        .into_tuple()
        .all(&*txn)
        .await?;
    let mut errors = Vec::new();
    for (i, c) in comparisons.iter().enumerate() {
        if !films.contains(&c.film_id) {
            errors.push(
                FieldError::new(
                    "filmId",
                    InputErrorCode::InvalidReference,
                    "There is no such film.",
                )
                .within(&format!("comparisons.{i}")),
            );
        }
        if c.person_id.is_some_and(|p| !people.contains(&p)) {
            errors.push(
                FieldError::new(
                    "personId",
                    InputErrorCode::InvalidReference,
                    "There is no such person.",
                )
                .within(&format!("comparisons.{i}")),
            );
        }
    }
    refuse_if_any(errors)?;
    comparison::Entity::delete_many()
        .filter(comparison::Column::ReviewId.eq(id))
        .exec(&*txn)
        .await?;
    let at = now();
    let rows: Vec<comparison::ActiveModel> = comparisons
        .into_iter()
        .enumerate()
        .map(|(i, c)| comparison::ActiveModel {
            review_id: Set(Some(id)),
            comment_id: Set(None),
            film_id: Set(c.film_id),
            person_id: Set(c.person_id),
            note: Set(c.note.into_inner()),
            recommended: Set(c.recommended),
            position: Set(i as i32),
            created_at: Set(at),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(50) {
        comparison::Entity::insert_many(chunk.to_vec())
            .exec(&*txn)
            .await?;
    }
    commit(
        txn,
        actor,
        Action::SetReviewComparisons,
        SubjectKind::Review,
        id,
        &["comparisons"],
    )
    .await?;
    Ok(saved)
}

/// Every saved version of each review's text, newest first, each with the
/// fields it changed from the one before. One statement for all.
pub async fn revisions(
    db: &impl ConnectionTrait,
    review_ids: &[i32],
) -> Result<HashMap<i32, Vec<Revision>>, DbErr> {
    let rows = review_revision::Entity::find()
        .filter(review_revision::Column::ReviewId.is_in(review_ids.iter().copied()))
        .order_by_asc(review_revision::Column::ReviewId)
        .order_by_asc(review_revision::Column::Version)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<Revision>> = HashMap::new();
    for (review_id, rows) in group_by(rows, |r| r.review_id) {
        let mut list: Vec<Revision> = Vec::with_capacity(rows.len());
        let mut previous: Option<review_revision::Model> = None;
        for row in rows {
            let changed = match &previous {
                None => TEXT_FIELDS.to_vec(),
                Some(p) => [
                    ("headline", p.headline != row.headline),
                    ("bodyMarkdown", p.body_markdown != row.body_markdown),
                    ("excerpt", p.excerpt != row.excerpt),
                    ("verdict", p.verdict != row.verdict),
                ]
                .into_iter()
                .filter_map(|(name, differs)| differs.then_some(name))
                .collect(),
            };
            previous = Some(row.clone());
            list.push(Revision { row, changed });
        }
        list.reverse();
        out.insert(review_id, list);
    }
    Ok(out)
}

/// Puts a saved version's text back: headline, body, excerpt and verdict
/// become that revision's, as a new save (a new revision; nothing is lost).
pub async fn restore(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    revision_version: i32,
) -> Result<review::Model, ApiError> {
    let txn = begin_write(db).await?;
    let current = claim_version::<review::Entity>(&*txn, id, Some(expected_version)).await?;
    let revision = review_revision::Entity::find()
        .filter(review_revision::Column::ReviewId.eq(id))
        .filter(review_revision::Column::Version.eq(revision_version))
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound { what: "Revision" })?;
    // The revision's text was valid when saved; it is checked again only
    // to be held in the same types as an editor's input.
    let refused = |e: FieldError| ApiError::Validation(vec![e]);
    let changes = ReviewChanges {
        headline: Some(Line::parse("headline", &revision.headline, usize::MAX).map_err(refused)?),
        body: Some(
            Prose::parse("bodyMarkdown", &revision.body_markdown, usize::MAX).map_err(refused)?,
        ),
        excerpt: Prose::optional("excerpt", Some(&revision.excerpt), usize::MAX)
            .map_err(refused)?,
        verdict: match Prose::optional("verdict", revision.verdict.as_deref(), usize::MAX)
            .map_err(refused)?
        {
            Some(v) => Change::Set(v),
            None => Change::Clear,
        },
        ..Default::default()
    };
    save(txn, actor, current, changes, Action::RestoreReviewRevision).await
}

/// Keeps review `id`'s text as a revision saved by `actor_name` (no
/// token), unless its latest revision already holds that text: an import
/// that changes a review keeps history as an editor's save does.
pub(crate) async fn keep_text(
    txn: &impl ConnectionTrait,
    id: i32,
    actor_name: &str,
) -> Result<(), DbErr> {
    let Some(review) = review::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    let latest = review_revision::Entity::find()
        .filter(review_revision::Column::ReviewId.eq(id))
        .order_by_desc(review_revision::Column::Version)
        .one(txn)
        .await?;
    let same = latest.as_ref().is_some_and(|r| {
        r.headline == review.headline
            && r.body_markdown == review.body_markdown
            && r.excerpt == review.excerpt
            && r.verdict == review.verdict
    });
    if same || latest.is_some_and(|r| r.version >= review.version) {
        return Ok(());
    }
    insert_revision(txn, &review, None, actor_name).await
}

/// Keeps the text of `review` as saved now, under its version.
async fn save_revision(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    review: &review::Model,
) -> Result<(), DbErr> {
    insert_revision(txn, review, Some(actor.token_id), &actor.name).await
}

async fn insert_revision(
    txn: &impl ConnectionTrait,
    review: &review::Model,
    token_id: Option<i32>,
    actor_name: &str,
) -> Result<(), DbErr> {
    review_revision::ActiveModel {
        review_id: Set(review.id),
        version: Set(review.version),
        headline: Set(review.headline.clone()),
        body_markdown: Set(review.body_markdown.clone()),
        excerpt: Set(review.excerpt.clone()),
        verdict: Set(review.verdict.clone()),
        token_id: Set(token_id),
        actor_name: Set(actor_name.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn film_must_exist(
    txn: &impl ConnectionTrait,
    film_id: i32,
    field: &'static str,
) -> Result<(), ApiError> {
    let found = film::Entity::find_by_id(film_id).count(txn).await?;
    if found == 0 {
        return Err(ApiError::Validation(vec![FieldError::new(
            field,
            InputErrorCode::InvalidReference,
            "There is no such film.",
        )]));
    }
    Ok(())
}
