//! `createPerson`, `updatePerson`, `deletePerson` and `mergePeople`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{Checks, DeleteInput, DeletePayload, EditorialError, editor, settle};
use crate::domain::editorial::Line;
use crate::error::ApiResult;
use crate::graphql::context::db;
use crate::graphql::ids::Kind;
use crate::graphql::person::Person;
use crate::service::editorial::person::{self as people, NewPerson, PersonChanges};

/// Most bytes of a person's name.
const NAME_BYTES: usize = 300;

/// A new person.
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// The name as credited. Required; at most 300 bytes.
    pub name: String,
    /// The URL slug; made from the name (and made unique) when absent.
    pub slug: Option<String>,
}

/// Changes to a person. Absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// The person.
    pub id: ID,
    /// The `version` the editor started from (`EDIT_CONFLICT` if it moved).
    pub expected_version: i32,
    /// A new name. At most 300 bytes.
    pub name: Option<String>,
    /// A new slug. The old one keeps working as an alias.
    pub slug: Option<String>,
}

/// Two records of one person, to be made one.
#[derive(InputObject)]
pub struct MergePeopleInput {
    /// The record that stays.
    pub survivor_id: ID,
    /// The survivor's `version` the editor saw.
    pub survivor_version: i32,
    /// The record that goes: its credits and comparisons move to the
    /// survivor, and its slug becomes the survivor's alias.
    pub duplicate_id: ID,
    /// The duplicate's `version` the editor saw.
    pub duplicate_version: i32,
}

/// The result of a change to a person.
#[derive(SimpleObject)]
pub struct PersonPayload {
    /// The person as saved; null when `errors` is not empty.
    pub person: Option<Person>,
    /// Why nothing was saved; empty on success.
    pub errors: Vec<EditorialError>,
}

impl PersonPayload {
    fn settle(result: ApiResult<entity::person::Model>) -> ApiResult<Self> {
        settle(
            result,
            |row| Self {
                person: Some(Person(row)),
                errors: Vec::new(),
            },
            Self::refused,
        )
    }

    fn refused(errors: Vec<EditorialError>) -> Self {
        Self {
            person: None,
            errors,
        }
    }
}

#[derive(Default)]
pub struct PersonMutation;

/// Mutations on people, for editors.
#[Object]
impl PersonMutation {
    /// Creates a person. EDITOR or ADMIN.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonInput,
    ) -> ApiResult<PersonPayload> {
        let actor = editor(ctx)?;
        let mut checks = Checks::default();
        let name = checks.keep(Line::parse("name", &input.name, NAME_BYTES));
        let slug = checks.slug("slug", input.slug.as_deref());
        match checks.finish(|| {
            Some(NewPerson {
                name: name?,
                slug: slug?,
            })
        }) {
            Ok(new) => PersonPayload::settle(people::create(db(ctx)?, &actor, new).await),
            Err(errors) => Ok(PersonPayload::refused(errors)),
        }
    }

    /// Changes a person, if nobody saved them since `expectedVersion`.
    /// EDITOR or ADMIN.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> ApiResult<PersonPayload> {
        let actor = editor(ctx)?;
        let mut checks = Checks::default();
        let id = checks.id("id", &input.id, Kind::Person);
        let name = checks.keep(
            input
                .name
                .map(|n| Line::parse("name", &n, NAME_BYTES))
                .transpose(),
        );
        let slug = checks.slug("slug", input.slug.as_deref());
        match checks.finish(|| {
            Some((
                id?,
                PersonChanges {
                    name: name?,
                    slug: slug?,
                },
            ))
        }) {
            Ok((id, changes)) => PersonPayload::settle(
                people::update(db(ctx)?, &actor, id, input.expected_version, changes).await,
            ),
            Err(errors) => Ok(PersonPayload::refused(errors)),
        }
    }

    /// Deletes a person. `STILL_REFERENCED` while they have credits or a
    /// comparison names them. EDITOR or ADMIN.
    async fn delete_person(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeletePayload> {
        let actor = editor(ctx)?;
        let mut checks = Checks::default();
        let id = checks.id("id", &input.id, Kind::Person);
        match checks.finish(|| id) {
            Ok(id) => DeletePayload::settle(
                people::delete(db(ctx)?, &actor, id, input.expected_version).await,
                input.id,
            ),
            Err(errors) => Ok(DeletePayload::refused(errors)),
        }
    }

    /// Merges two records of the same person: the duplicate's credits and
    /// comparisons move to the survivor, the duplicate's slug keeps
    /// resolving to the survivor, and the duplicate is deleted. EDITOR or
    /// ADMIN.
    async fn merge_people(
        &self,
        ctx: &Context<'_>,
        input: MergePeopleInput,
    ) -> ApiResult<PersonPayload> {
        let actor = editor(ctx)?;
        let mut checks = Checks::default();
        let survivor = checks.id("survivorId", &input.survivor_id, Kind::Person);
        let duplicate = checks.id("duplicateId", &input.duplicate_id, Kind::Person);
        match checks.finish(|| Some((survivor?, duplicate?))) {
            Ok((survivor, duplicate)) => PersonPayload::settle(
                people::merge(
                    db(ctx)?,
                    &actor,
                    (survivor, input.survivor_version),
                    (duplicate, input.duplicate_version),
                )
                .await,
            ),
            Err(errors) => Ok(PersonPayload::refused(errors)),
        }
    }
}
