//! Films: create, update, delete, and their whole cast and crew at once.

use std::collections::{HashMap, HashSet};

use entity::enums::{CreditRole, SubjectKind};
use entity::{comparison, credit, film, film_location, person, review};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};

use super::{
    Action, Actor, Change, claim_slug, claim_version, commit, delete_row, refuse_if_any,
    refuse_if_referenced, rename_slug, save_changes,
};
use crate::domain::editorial::{Line, Prose, ReleaseYear, WebUrl};
use crate::domain::text::normalize_name;
use crate::domain::{FieldError, InputErrorCode, Slug};
use crate::error::ApiError;
use crate::service::search::{self, Document};
use crate::service::{begin_write, now};

/// Most credits one film may have.
pub const MAX_CREDITS: usize = 500;
/// Most filming locations one film may have.
pub const MAX_LOCATIONS: usize = 100;

/// An image with its alternative text.
#[derive(Debug, Clone)]
pub struct Poster {
    pub url: WebUrl,
    pub alt: Line,
}

/// Where a film was shot.
#[derive(Debug, Clone)]
pub struct Location {
    pub place: Line,
    pub area: Option<Line>,
    pub stands_in_for: Option<Line>,
}

/// A new film.
#[derive(Debug, Clone)]
pub struct NewFilm {
    pub title: Line,
    /// Made from the title when absent.
    pub slug: Option<Slug>,
    pub release_year: Option<ReleaseYear>,
    pub synopsis: Option<Prose>,
    pub poster: Option<Poster>,
    pub locations: Vec<Location>,
}

/// Changes to a film; what is absent stays.
#[derive(Debug, Clone, Default)]
pub struct FilmChanges {
    pub title: Option<Line>,
    pub slug: Option<Slug>,
    pub release_year: Change<ReleaseYear>,
    pub synopsis: Change<Prose>,
    pub poster: Change<Poster>,
    /// The whole list, replacing the old one.
    pub locations: Option<Vec<Location>>,
}

/// How a credit names its person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonPick {
    Id(i32),
    Slug(String),
}

/// One entry of a film's cast and crew.
#[derive(Debug, Clone)]
pub struct NewCredit {
    pub person: PersonPick,
    pub role: CreditRole,
    pub job: Option<Line>,
    pub character: Option<Line>,
    pub character_note: Option<Line>,
    pub voice: bool,
    /// Billing order within the role; the entry's place among the role's
    /// entries when absent.
    pub billing_order: Option<i32>,
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewFilm,
) -> Result<film::Model, ApiError> {
    let txn = begin_write(db).await?;
    let slug = claim_slug(
        &*txn,
        SubjectKind::Film,
        new.slug.as_ref(),
        new.title.as_str(),
        None,
    )
    .await?;
    let at = now();
    let (poster_url, poster_alt) = poster_parts(new.poster);
    let row = film::ActiveModel {
        slug: Set(slug),
        title_normalized: Set(normalize_name(new.title.as_str())),
        title: Set(new.title.into_inner()),
        release_year: Set(new.release_year.map(ReleaseYear::get)),
        synopsis: Set(new.synopsis.map(Prose::into_inner)),
        poster_url: Set(poster_url),
        poster_alt: Set(poster_alt),
        created_at: Set(at),
        updated_at: Set(at),
        version: Set(1),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    write_locations(&*txn, row.id, new.locations).await?;
    search::index(&*txn, &Document::film(&row)).await?;
    commit(
        txn,
        actor,
        Action::CreateFilm,
        SubjectKind::Film,
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
    changes: FilmChanges,
) -> Result<film::Model, ApiError> {
    let txn = begin_write(db).await?;
    let current = claim_version::<film::Entity>(&*txn, id, Some(expected_version)).await?;
    let mut fields = Vec::new();
    let mut row: film::ActiveModel = current.clone().into();
    if let Some(title) = changes.title
        && title.as_str() != current.title
    {
        row.title_normalized = Set(normalize_name(title.as_str()));
        row.title = Set(title.into_inner());
        fields.push("title");
    }
    if let Some(slug) = changes.slug
        && slug.as_str() != current.slug
    {
        row.slug = Set(rename_slug(&*txn, SubjectKind::Film, id, &current.slug, &slug).await?);
        fields.push("slug");
    }
    let year = changes
        .release_year
        .apply(current.release_year, ReleaseYear::get);
    if year != current.release_year {
        row.release_year = Set(year);
        fields.push("releaseYear");
    }
    let synopsis = changes
        .synopsis
        .apply(current.synopsis.clone(), Prose::into_inner);
    if synopsis != current.synopsis {
        row.synopsis = Set(synopsis);
        fields.push("synopsis");
    }
    if !changes.poster.is_keep() {
        let (url, alt) = match changes.poster {
            Change::Set(poster) => poster_parts(Some(poster)),
            _ => (None, None),
        };
        if url != current.poster_url || alt != current.poster_alt {
            row.poster_url = Set(url);
            row.poster_alt = Set(alt);
            fields.push("poster");
        }
    }
    if let Some(locations) = changes.locations {
        film_location::Entity::delete_many()
            .filter(film_location::Column::FilmId.eq(id))
            .exec(&*txn)
            .await?;
        write_locations(&*txn, id, locations).await?;
        fields.push("locations");
    }
    let saved = save_changes(&*txn, current, row, !fields.is_empty()).await?;
    search::index(&*txn, &Document::film(&saved)).await?;
    commit(
        txn,
        actor,
        Action::UpdateFilm,
        SubjectKind::Film,
        id,
        &fields,
    )
    .await?;
    Ok(saved)
}

/// Deletes a film that no review or comparison points at
/// (`STILL_REFERENCED` otherwise). Its own credits, filming locations and
/// old slugs go with it.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> Result<(), ApiError> {
    let txn = begin_write(db).await?;
    claim_version::<film::Entity>(&*txn, id, Some(expected_version)).await?;
    refuse_if_referenced(
        &*txn,
        review::Entity::find().filter(review::Column::FilmId.eq(id)),
        "film",
        "reviews",
    )
    .await?;
    refuse_if_referenced(
        &*txn,
        comparison::Entity::find().filter(comparison::Column::FilmId.eq(id)),
        "film",
        "comparisons",
    )
    .await?;
    credit::Entity::delete_many()
        .filter(credit::Column::FilmId.eq(id))
        .exec(&*txn)
        .await?;
    film_location::Entity::delete_many()
        .filter(film_location::Column::FilmId.eq(id))
        .exec(&*txn)
        .await?;
    delete_row::<film::Entity>(txn, actor, Action::DeleteFilm, id).await
}

/// Replaces a film's whole cast and crew with `credits`, in order. Every
/// person must exist (`credits.N.person` is refused otherwise), and a
/// person holds each role once per film.
pub async fn set_credits(
    db: &DatabaseConnection,
    actor: &Actor,
    film_id: i32,
    expected_version: i32,
    credits: Vec<NewCredit>,
) -> Result<film::Model, ApiError> {
    if credits.len() > MAX_CREDITS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "credits",
            InputErrorCode::TooLong,
            format!("A film has at most {MAX_CREDITS} credits."),
        )]));
    }
    let txn = begin_write(db).await?;
    // Credits are the film's: setting them is a save of the film.
    let film = claim_version::<film::Entity>(&*txn, film_id, Some(expected_version)).await?;
    let people = resolve_people(&*txn, credits.iter().map(|c| &c.person)).await?;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut place_in_role: HashMap<CreditRole, i32> = HashMap::new();
    let mut rows = Vec::with_capacity(credits.len());
    let at = now();
    for (i, c) in credits.into_iter().enumerate() {
        let Some(&person_id) = people.get(&c.person) else {
            errors.push(
                FieldError::new(
                    "person",
                    InputErrorCode::InvalidReference,
                    "There is no such person.",
                )
                .within(&format!("credits.{i}")),
            );
            continue;
        };
        if !seen.insert((person_id, c.role)) {
            errors.push(
                FieldError::new(
                    "role",
                    InputErrorCode::InvalidReference,
                    "This person already has this role on the film; list them once.",
                )
                .within(&format!("credits.{i}")),
            );
            continue;
        }
        let place = place_in_role.entry(c.role).or_default();
        let billing = c.billing_order.unwrap_or(*place);
        *place += 1;
        rows.push(credit::ActiveModel {
            film_id: Set(film_id),
            person_id: Set(person_id),
            role: Set(c.role),
            job: Set(c.job.map(Line::into_inner)),
            character: Set(c.character.map(Line::into_inner)),
            character_note: Set(c.character_note.map(Line::into_inner)),
            voice: Set(c.voice),
            billing_order: Set(billing),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        });
    }
    refuse_if_any(errors)?;
    credit::Entity::delete_many()
        .filter(credit::Column::FilmId.eq(film_id))
        .exec(&*txn)
        .await?;
    // Inserted in chunks: a statement's bind parameters are bounded.
    for chunk in rows.chunks(50) {
        credit::Entity::insert_many(chunk.to_vec())
            .exec(&*txn)
            .await?;
    }
    commit(
        txn,
        actor,
        Action::SetFilmCredits,
        SubjectKind::Film,
        film_id,
        &["credits"],
    )
    .await?;
    Ok(film)
}

/// The ids of the people `picks` name (by id, by slug or by an old slug);
/// those that name nobody are left out.
pub(super) async fn resolve_people<'a>(
    txn: &impl ConnectionTrait,
    picks: impl Iterator<Item = &'a PersonPick>,
) -> Result<HashMap<PersonPick, i32>, DbErr> {
    let (mut ids, mut slugs) = (HashSet::new(), HashSet::new());
    for pick in picks {
        match pick {
            PersonPick::Id(id) => ids.insert(*id),
            PersonPick::Slug(slug) => slugs.insert(slug.clone()),
        };
    }
    let mut found = HashMap::new();
    if !ids.is_empty() {
        let rows: Vec<i32> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::Id.is_in(ids))
            .into_tuple()
            .all(txn)
            .await?;
        found.extend(rows.into_iter().map(|id| (PersonPick::Id(id), id)));
    }
    if !slugs.is_empty() {
        let rows: Vec<(String, i32)> = person::Entity::find()
            .select_only()
            .column(person::Column::Slug)
            .column(person::Column::Id)
            .filter(person::Column::Slug.is_in(slugs.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        for (slug, id) in rows {
            slugs.remove(&slug);
            found.insert(PersonPick::Slug(slug), id);
        }
        for slug in slugs {
            if let Some(id) = super::alias_target(txn, SubjectKind::Person, &slug).await? {
                found.insert(PersonPick::Slug(slug), id);
            }
        }
    }
    Ok(found)
}

async fn write_locations(
    txn: &impl ConnectionTrait,
    film_id: i32,
    locations: Vec<Location>,
) -> Result<(), ApiError> {
    if locations.len() > MAX_LOCATIONS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "locations",
            InputErrorCode::TooLong,
            format!("A film has at most {MAX_LOCATIONS} filming locations."),
        )]));
    }
    let at = now();
    let rows: Vec<film_location::ActiveModel> = locations
        .into_iter()
        .enumerate()
        .map(|(i, l)| film_location::ActiveModel {
            film_id: Set(film_id),
            place: Set(l.place.into_inner()),
            area: Set(l.area.map(Line::into_inner)),
            stands_in_for: Set(l.stands_in_for.map(Line::into_inner)),
            position: Set(i as i32),
            created_at: Set(at),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(50) {
        film_location::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// A poster as the two columns that hold it.
pub(super) fn poster_parts(poster: Option<Poster>) -> (Option<String>, Option<String>) {
    match poster {
        Some(p) => (Some(p.url.into_inner()), Some(p.alt.into_inner())),
        None => (None, None),
    }
}
