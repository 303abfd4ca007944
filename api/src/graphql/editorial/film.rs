//! `createFilm`, `updateFilm`, `deleteFilm` and `setFilmCredits`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::{
    Checks, DeleteInput, DeletePayload, EditorialError, ImageInput, change, editor, poster,
    poster_change, settle,
};
use crate::domain::FieldError;
use crate::domain::editorial::{Line, Prose, ReleaseYear};
use crate::error::ApiResult;
use crate::graphql::common::CreditRole;
use crate::graphql::context::db;
use crate::graphql::film::Film;
use crate::graphql::ids::Kind;
use crate::service::editorial::film::{
    self as films, FilmChanges, Location, NewCredit, NewFilm, PersonPick,
};

/// Most bytes of a film's title.
const TITLE_BYTES: usize = 300;
/// Most bytes of a synopsis.
const SYNOPSIS_BYTES: usize = 10_000;

/// A place a film was shot.
#[derive(InputObject, Clone)]
pub struct FilmLocationInput {
    /// The city or region, e.g. "Shanghai". Required; at most 200 bytes.
    pub place: String,
    /// A district or site within it, e.g. "Pudong". At most 200 bytes.
    pub area: Option<String>,
    /// What the place plays on screen. At most 300 bytes.
    pub stands_in_for: Option<String>,
}

fn locations(checks: &mut Checks, input: Vec<FilmLocationInput>) -> Option<Vec<Location>> {
    let mut out = Vec::with_capacity(input.len());
    for (i, l) in input.into_iter().enumerate() {
        let at = format!("locations.{i}");
        let mut keep = |r: Result<_, FieldError>| checks.keep(r.map_err(|e| e.within(&at)));
        let place = keep(Line::parse("place", &l.place, 200).map(Some));
        let area = keep(Line::optional("area", l.area.as_deref(), 200));
        let stands_in_for = keep(Line::optional(
            "standsInFor",
            l.stands_in_for.as_deref(),
            300,
        ));
        if let (Some(Some(place)), Some(area), Some(stands_in_for)) = (place, area, stands_in_for) {
            out.push(Location {
                place,
                area,
                stands_in_for,
            });
        }
    }
    Some(out)
}

/// A new film.
#[derive(InputObject)]
pub struct CreateFilmInput {
    /// The title. Required; at most 300 bytes.
    pub title: String,
    /// The URL slug; made from the title (and made unique, `her-2`) when
    /// absent. `SLUG_TAKEN` when given and already used.
    pub slug: Option<String>,
    /// The year of release, 1870 to 2100.
    pub release_year: Option<i32>,
    /// What the film is about. At most 10,000 bytes.
    pub synopsis: Option<String>,
    /// The poster.
    pub poster: Option<ImageInput>,
    /// Where it was shot, in order. At most 100.
    #[graphql(default)]
    pub locations: Vec<FilmLocationInput>,
}

impl CreateFilmInput {
    fn validate(self) -> Result<NewFilm, Vec<EditorialError>> {
        let mut checks = Checks::default();
        let title = checks.keep(Line::parse("title", &self.title, TITLE_BYTES));
        let slug = checks.slug("slug", self.slug.as_deref());
        let release_year = checks.keep(
            self.release_year
                .map(|y| ReleaseYear::parse("releaseYear", y))
                .transpose(),
        );
        let synopsis = checks.keep(Prose::optional(
            "synopsis",
            self.synopsis.as_deref(),
            SYNOPSIS_BYTES,
        ));
        let poster = match self.poster {
            Some(image) => poster(&mut checks, "poster", image).map(Some),
            None => Some(None),
        };
        let locations = locations(&mut checks, self.locations);
        checks.finish(|| {
            Some(NewFilm {
                title: title?,
                slug: slug?,
                release_year: release_year?,
                synopsis: synopsis?,
                poster: poster?,
                locations: locations?,
            })
        })
    }
}

/// Changes to a film. Absent fields stay as they are; `null` clears a
/// nullable one.
#[derive(InputObject)]
pub struct UpdateFilmInput {
    /// The film.
    pub id: ID,
    /// The `version` the editor started from. If someone saved since, the
    /// answer is `EDIT_CONFLICT` and nothing changes.
    pub expected_version: i32,
    /// A new title. At most 300 bytes.
    pub title: Option<String>,
    /// A new slug. The old one keeps working as an alias.
    pub slug: Option<String>,
    /// The year of release, 1870 to 2100, or null.
    pub release_year: MaybeUndefined<i32>,
    /// The synopsis, or null.
    pub synopsis: MaybeUndefined<String>,
    /// The poster, or null.
    pub poster: MaybeUndefined<ImageInput>,
    /// The filming locations, replacing the old list.
    pub locations: Option<Vec<FilmLocationInput>>,
}

impl UpdateFilmInput {
    fn validate(self) -> Result<(i32, FilmChanges), Vec<EditorialError>> {
        let mut checks = Checks::default();
        let id = checks.id("id", &self.id, Kind::Film);
        let title = checks.keep(
            self.title
                .map(|t| Line::parse("title", &t, TITLE_BYTES))
                .transpose(),
        );
        let slug = checks.slug("slug", self.slug.as_deref());
        let release_year = change(&mut checks, self.release_year, |y| {
            ReleaseYear::parse("releaseYear", y).map(Some)
        });
        let synopsis = change(&mut checks, self.synopsis, |s| {
            Prose::optional("synopsis", Some(&s), SYNOPSIS_BYTES)
        });
        let poster = poster_change(&mut checks, "poster", self.poster);
        let locations = match self.locations {
            Some(list) => locations(&mut checks, list).map(Some),
            None => Some(None),
        };
        checks.finish(|| {
            Some((
                id?,
                FilmChanges {
                    title: title?,
                    slug: slug?,
                    release_year: release_year?,
                    synopsis: synopsis?,
                    poster: poster?,
                    locations: locations?,
                },
            ))
        })
    }
}

/// One entry of a film's cast and crew.
#[derive(InputObject, Clone)]
pub struct CreditInput {
    /// The person, by id (give exactly one of `personId` and `personSlug`).
    pub person_id: Option<ID>,
    /// The person, by slug (an old slug works too).
    pub person_slug: Option<String>,
    /// What they did.
    pub role: CreditRole,
    /// For `OTHER_CREW`, the job's title. At most 120 bytes.
    pub job: Option<String>,
    /// For actors, the character played. At most 300 bytes.
    pub character: Option<String>,
    /// Who the character is, e.g. "Theodore's ex-wife". At most 500 bytes.
    pub character_note: Option<String>,
    /// For actors, whether the part is voice only.
    #[graphql(default)]
    pub voice: bool,
    /// Billing order within the role, from 0; the entry's place among the
    /// role's entries when absent.
    pub billing_order: Option<i32>,
}

/// A film's whole cast and crew, replacing what it had.
#[derive(InputObject)]
pub struct SetFilmCreditsInput {
    /// The film.
    pub film_id: ID,
    /// The film's `version` the editor started from (`EDIT_CONFLICT` if it
    /// moved). Setting credits makes a new version of the film.
    pub expected_version: i32,
    /// Every credit, in order. At most 500.
    pub credits: Vec<CreditInput>,
}

impl SetFilmCreditsInput {
    fn validate(self) -> Result<(i32, Vec<NewCredit>), Vec<EditorialError>> {
        let mut checks = Checks::default();
        let film_id = checks.id("filmId", &self.film_id, Kind::Film);
        let mut credits = Vec::with_capacity(self.credits.len());
        for (i, c) in self.credits.into_iter().enumerate() {
            let at = format!("credits.{i}");
            let mut entry = Checks::default();
            let person = match (&c.person_id, c.person_slug) {
                (Some(id), None) => entry.id("personId", id, Kind::Person).map(PersonPick::Id),
                (None, Some(slug)) => Some(PersonPick::Slug(slug)),
                _ => {
                    entry.0.push(FieldError::new(
                        "personId",
                        crate::domain::InputErrorCode::Required,
                        "Give exactly one of `personId` and `personSlug`.",
                    ));
                    None
                }
            };
            let job = entry.keep(Line::optional("job", c.job.as_deref(), 120));
            let character = entry.keep(Line::optional("character", c.character.as_deref(), 300));
            let note = entry.keep(Line::optional(
                "characterNote",
                c.character_note.as_deref(),
                500,
            ));
            if let (Some(person), Some(job), Some(character), Some(character_note)) =
                (person, job, character, note)
            {
                credits.push(NewCredit {
                    person,
                    role: c.role.into(),
                    job,
                    character,
                    character_note,
                    voice: c.voice,
                    billing_order: c.billing_order,
                });
            }
            checks.extend(entry.0.into_iter().map(|e| e.within(&at)).collect());
        }
        checks.finish(|| Some((film_id?, credits)))
    }
}

/// The result of a film change.
#[derive(SimpleObject)]
pub struct FilmPayload {
    /// The film as saved; null when `errors` is not empty.
    pub film: Option<Film>,
    /// Why nothing was saved; empty on success.
    pub errors: Vec<EditorialError>,
}

impl FilmPayload {
    fn settle(result: ApiResult<entity::film::Model>) -> ApiResult<Self> {
        settle(
            result,
            |row| Self {
                film: Some(Film(row)),
                errors: Vec::new(),
            },
            Self::refused,
        )
    }

    fn refused(errors: Vec<EditorialError>) -> Self {
        Self { film: None, errors }
    }
}

#[derive(Default)]
pub struct FilmMutation;

/// Film mutations, for editors.
#[Object]
impl FilmMutation {
    /// Creates a film. EDITOR or ADMIN.
    async fn create_film(
        &self,
        ctx: &Context<'_>,
        input: CreateFilmInput,
    ) -> ApiResult<FilmPayload> {
        let actor = editor(ctx)?;
        match input.validate() {
            Ok(new) => FilmPayload::settle(films::create(db(ctx)?, &actor, new).await),
            Err(errors) => Ok(FilmPayload::refused(errors)),
        }
    }

    /// Changes a film, if nobody saved it since `expectedVersion`. A new
    /// slug keeps the old one as an alias. EDITOR or ADMIN.
    async fn update_film(
        &self,
        ctx: &Context<'_>,
        input: UpdateFilmInput,
    ) -> ApiResult<FilmPayload> {
        let actor = editor(ctx)?;
        let expected = input.expected_version;
        match input.validate() {
            Ok((id, changes)) => {
                FilmPayload::settle(films::update(db(ctx)?, &actor, id, expected, changes).await)
            }
            Err(errors) => Ok(FilmPayload::refused(errors)),
        }
    }

    /// Deletes a film with its credits and filming locations.
    /// `STILL_REFERENCED` while a review or a comparison points at it.
    /// EDITOR or ADMIN.
    async fn delete_film(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeletePayload> {
        let actor = editor(ctx)?;
        let mut checks = Checks::default();
        let id = checks.id("id", &input.id, Kind::Film);
        match checks.finish(|| id) {
            Ok(id) => DeletePayload::settle(
                films::delete(db(ctx)?, &actor, id, input.expected_version).await,
                input.id,
            ),
            Err(errors) => Ok(DeletePayload::refused(errors)),
        }
    }

    /// Sets a film's whole cast and crew in one call, replacing what it
    /// had, atomically. EDITOR or ADMIN.
    async fn set_film_credits(
        &self,
        ctx: &Context<'_>,
        input: SetFilmCreditsInput,
    ) -> ApiResult<FilmPayload> {
        let actor = editor(ctx)?;
        let expected = input.expected_version;
        match input.validate() {
            Ok((id, credits)) => FilmPayload::settle(
                films::set_credits(db(ctx)?, &actor, id, expected, credits).await,
            ),
            Err(errors) => Ok(FilmPayload::refused(errors)),
        }
    }
}
