//! The audit trail of editorial changes, for ADMIN tokens.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::editorial_event;
use entity::enums::{Role, SubjectKind as DbSubjectKind};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{db, require_role};
use crate::graphql::ids::{self, Kind};
use crate::service::editorial::audit_trail;

/// Most changes one `editorialEvents` call returns.
const MAX_EVENTS: i32 = 100;

/// What kind of object a change was about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DbSubjectKind")]
pub enum SubjectKind {
    /// A film (its credits and locations included).
    Film,
    /// A person.
    Person,
    /// A review (its comparisons included).
    Review,
}

/// One editorial change: who, what, when, and the fields it changed.
pub struct EditorialEvent(editorial_event::Model);

/// One editorial change. Admins only.
#[Object]
impl EditorialEvent {
    /// The change's number; later changes have higher ones. Pass it as
    /// `before` to read older changes.
    async fn sequence(&self) -> i32 {
        self.0.id
    }

    /// Who made it: the staff token's name at the time.
    async fn actor_name(&self) -> &str {
        &self.0.actor_name
    }

    /// What was done, e.g. `UPDATE_REVIEW`, `PUBLISH_REVIEW`, `MERGE_PEOPLE`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The kind of object changed.
    async fn subject_kind(&self) -> SubjectKind {
        self.0.subject_kind.into()
    }

    /// The global ID of the object changed (it may since have been
    /// deleted).
    async fn subject_id(&self) -> ID {
        let kind = match self.0.subject_kind {
            DbSubjectKind::Film => Kind::Film,
            DbSubjectKind::Person => Kind::Person,
            DbSubjectKind::Review => Kind::Review,
        };
        ids::encode(kind, self.0.subject_id)
    }

    /// The fields changed, by their input names (e.g. `headline`).
    async fn fields(&self) -> Vec<String> {
        serde_json::from_str(&self.0.fields).unwrap_or_default()
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct AuditQuery;

/// The editorial audit trail.
#[Object]
impl AuditQuery {
    /// Editorial changes, newest first: at most `first` (1 to 100) before
    /// the change numbered `before`, optionally only those about the
    /// object `subject` (a film, person or review ID). ADMIN only.
    async fn editorial_events(
        &self,
        ctx: &Context<'_>,
        subject: Option<ID>,
        #[graphql(default = 50)] first: i32,
        before: Option<i32>,
    ) -> ApiResult<Vec<EditorialEvent>> {
        require_role(ctx, Role::Admin)?;
        if !(1..=MAX_EVENTS).contains(&first) {
            return Err(ApiError::InvalidArgument {
                argument: "first",
                message: format!("`first` must be between 1 and {MAX_EVENTS}"),
            });
        }
        let subject = match subject {
            Some(id) => match ids::decode_any(&id) {
                Some((Kind::Film, id)) => Some((DbSubjectKind::Film, id)),
                Some((Kind::Person, id)) => Some((DbSubjectKind::Person, id)),
                Some((Kind::Review, id)) => Some((DbSubjectKind::Review, id)),
                _ => {
                    return Err(ApiError::InvalidId {
                        argument: "subject",
                    });
                }
            },
            None => None,
        };
        let rows = audit_trail(db(ctx)?, subject, before, first as u64).await?;
        Ok(rows.into_iter().map(EditorialEvent).collect())
    }
}
