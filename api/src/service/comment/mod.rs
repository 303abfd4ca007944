//! Reader comments: posting ([`post`]), the author's own changes
//! ([`owner`]), and the public (approved) threads ([`thread`]).

mod owner;
mod thread;

pub use self::owner::*;
pub use self::thread::*;

use entity::enums::CommentStatus;
use entity::{comment, review as review_entity};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QuerySelect, QueryTrait, SqlErr, TryInsertResult,
};
use sha2::{Digest, Sha256};

use super::moderation::{Policy, Submission, Verdict};
use super::secret::{Secret, token_hash};
use super::throttle::{self, Counter};
use super::{begin_write, now, review};
use crate::client_ip::ClientInfo;
use crate::domain::{
    AuthorName, AuthorUrl, CommentBody, Email, FieldError, IdempotencyKey, InputErrorCode,
};
use crate::error::{ApiError, ApiResult};

/// A validated comment, ready to store.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub review_id: i32,
    pub parent_id: Option<i32>,
    pub author_name: AuthorName,
    pub author_email: Email,
    pub author_url: Option<AuthorUrl>,
    pub body: CommentBody,
    /// The client's retry key. A retry with the same key and input gets the
    /// first attempt's comment back instead of a second row.
    pub idempotency_key: Option<IdempotencyKey>,
}

/// The stored comment, and whether this request created it.
#[derive(Debug, Clone)]
pub struct Posted {
    pub comment: comment::Model,
    /// True when an earlier request with the same idempotency key created
    /// it, and this one only found it.
    pub replayed: bool,
    /// The secret that lets the author read, edit and delete the comment.
    pub owner_token: String,
}

impl NewComment {
    /// SHA-256 over the input's canonical form: what tells a retry (same
    /// key, same input) from a reuse of the key for something else.
    fn request_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.review_id.to_string(),
            self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            self.author_name.as_ref().to_owned(),
            self.author_email.as_ref().to_owned(),
            self.author_url
                .as_ref()
                .map(|u| u.as_ref().to_owned())
                .unwrap_or_default(),
            self.body.as_ref().to_owned(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        format!("{:x}", h.finalize())
    }
}

/// What posting a comment needs besides the comment.
pub struct Posting<'a> {
    pub policy: &'a Policy,
    pub secret: &'a Secret,
    pub client: ClientInfo,
    /// The client's mutation rate limit. It is counted before anything
    /// else is decided (`RATE_LIMITED` wins over every other refusal): in
    /// the statement that counts flood control when the comment is stored,
    /// in a statement of its own when it is not.
    pub rate_limit: Option<Counter>,
}

/// Stores a comment, applying the moderation policy and the abuse defences
/// in order: a retry is answered from its first attempt; then the review must
/// be open, the parent usable, the comment not a duplicate and the client not
/// flooding; then the policy decides its status (spam, held, or approved when
/// the email already has an approved comment).
#[tracing::instrument(skip_all, fields(review_id = new.review_id))]
pub async fn post(
    db: &DatabaseConnection,
    posting: Posting<'_>,
    new: NewComment,
) -> ApiResult<Posted> {
    let secret = posting.secret;
    let rate_limit = posting.rate_limit.clone();
    let key: Option<String> = new.idempotency_key.clone().map(IdempotencyKey::into_inner);
    // Everything that needs no database is done here, before the
    // transaction (and SQLite's writer turn) starts.
    let attempt = Attempt::prepare(&posting, new, key.clone());
    let request_hash = attempt.request_hash.clone();

    let mut rate_counted = false;
    let stored = store(db, posting, attempt, &mut rate_counted).await;
    if !rate_counted && let Some(counter) = &rate_limit {
        throttle::count_alone(db, counter).await?;
    }
    match (stored, &key) {
        // Refused, but with a key: the refusal may be this request's own
        // first attempt, committed meanwhile by a concurrent retry (its row
        // makes this one look like a duplicate, or a flood). Answer as a
        // retry if so.
        (Err(err), Some(key))
            if !matches!(err, ApiError::Internal(_) | ApiError::RateLimited { .. }) =>
        {
            match by_idempotency_key(db, key).await? {
                Some(first) => replay(first, &request_hash, secret, key),
                None => Err(err),
            }
        }
        (result, _) => result,
    }
}

/// One attempt at storing a comment, with everything worked out that needs
/// no database: the hash of the input that a retry must match, the owner
/// token, the policy's verdict and the counters to hit.
struct Attempt {
    new: NewComment,
    key: Option<String>,
    request_hash: String,
    owner_token: String,
    owner_token_hash: String,
    verdict: Verdict,
    /// The rate limit first (if any), then the flood counters.
    counters: Vec<Counter>,
}

impl Attempt {
    fn prepare(posting: &Posting<'_>, new: NewComment, key: Option<String>) -> Self {
        let Posting {
            policy,
            secret,
            client,
            rate_limit,
        } = posting;
        let request_hash = new.request_hash();
        let owner_token = secret.owner_token(key.as_deref());
        let owner_token_hash = token_hash(&owner_token);
        let verdict = policy.judge(&Submission {
            author_name: new.author_name.as_ref(),
            author_email: new.author_email.as_ref(),
            author_url: new.author_url.as_ref().map(|u| u.as_ref()),
            body: new.body.as_ref(),
            user_agent: client.user_agent.as_deref(),
        });
        let mut counters: Vec<Counter> = rate_limit.iter().cloned().collect();
        if !policy.flood_interval.is_zero() {
            let flood = |key: String| Counter::new(key, policy.flood_interval, 1);
            counters.extend(
                client
                    .ip_hash
                    .iter()
                    .map(|h| flood(format!("flood:ip:{h}"))),
            );
            counters.push(flood(format!("flood:email:{}", new.author_email.as_ref())));
        }
        Self {
            new,
            key,
            request_hash,
            owner_token,
            owner_token_hash,
            verdict,
            counters,
        }
    }
}

/// Checks and stores a new comment in one transaction (see `post`). Sets
/// `rate_counted` once the rate limit is settled here: counted with the
/// stored comment, or refused.
async fn store(
    db: &DatabaseConnection,
    posting: Posting<'_>,
    attempt: Attempt,
    rate_counted: &mut bool,
) -> ApiResult<Posted> {
    let Posting {
        policy,
        secret,
        client,
        rate_limit,
    } = posting;
    let Attempt {
        new,
        key,
        request_hash,
        owner_token,
        owner_token_hash,
        verdict,
        counters,
    } = attempt;
    let write = begin_write(db).await?;
    let txn: &DatabaseTransaction = &write;
    // Inside the transaction: on SQLite, `BEGIN IMMEDIATE` makes these
    // checks and the insert below one step.
    let Some(checks) = Checks::read(txn, &new, key.as_deref()).await? else {
        if let Some(key) = &key
            && let Some(first) = by_idempotency_key(txn, key).await?
        {
            return replay(first, &request_hash, secret, key);
        }
        return Err(ApiError::Validation(vec![FieldError::new(
            "reviewId",
            InputErrorCode::InvalidReference,
            "There is no published review with this id.",
        )]));
    };
    if let (Some(key), Some(id)) = (&key, checks.stored_with_key) {
        let first = comment::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("comment {id} vanished")))?;
        return replay(first, &request_hash, secret, key);
    }
    let at = now();
    if !policy.is_open(&checks.review, at) {
        return Err(ApiError::CommentsClosed);
    }
    let depth = match new.parent_id {
        None => 0,
        Some(parent_id) => {
            let parent = comment::Entity::find_by_id(parent_id).one(txn).await?;
            let Some(parent) = parent
                .filter(|p| p.review_id == new.review_id && p.status == CommentStatus::Approved)
            else {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "parentId",
                    InputErrorCode::InvalidReference,
                    "You can only reply to a published comment on the same review.",
                )]));
            };
            if parent.depth + 1 > policy.max_depth {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "parentId",
                    InputErrorCode::ThreadTooDeep,
                    format!(
                        "Replies nest at most {} deep; reply higher up the thread.",
                        policy.max_depth
                    ),
                )]));
            }
            parent.depth + 1
        }
    };
    if checks.duplicate {
        return Err(ApiError::DuplicateComment);
    }
    // The rate limit and flood control, in one statement. Should the
    // comment not be stored after all, the transaction takes these hits
    // back, and `post` counts the rate limit alone.
    let waits = throttle::hit_each(txn, &counters).await?;
    let (rate_wait, flood_waits) = waits.split_at(usize::from(rate_limit.is_some()));
    if let Some(Err(retry_after_secs)) = rate_wait.first() {
        *rate_counted = true;
        return Err(ApiError::RateLimited {
            retry_after_secs: *retry_after_secs,
        });
    }
    if let Err(retry_after_secs) = throttle::longest_wait(flood_waits) {
        return Err(ApiError::CommentFlood { retry_after_secs });
    }
    let known_author = checks.known_author;
    let status = policy.status(&verdict, known_author);
    let row = comment::ActiveModel {
        review_id: Set(new.review_id),
        parent_id: Set(new.parent_id),
        author_name: Set(new.author_name.into_inner()),
        author_email: Set(Some(new.author_email.into_inner())),
        author_url: Set(new.author_url.map(AuthorUrl::into_inner)),
        body: Set(new.body.into_inner()),
        status: Set(status),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(request_hash.clone())),
        client_ip_hash: Set(client.ip_hash),
        user_agent: Set(client.user_agent),
        owner_token_hash: Set(Some(owner_token_hash)),
        depth: Set(depth),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    let inserted = comment::Entity::insert(row)
        .on_conflict_do_nothing_on([comment::Column::IdempotencyKey])
        .exec_with_returning(txn)
        .await;
    // Nothing inserted means a concurrent request with the same key won the
    // race: PostgreSQL's unique index let one insert through, and this one
    // did nothing (or, on some paths, failed on the index).
    let comment = match inserted {
        Ok(TryInsertResult::Inserted(comment)) => Some(comment),
        Ok(TryInsertResult::Conflicted | TryInsertResult::Empty)
        | Err(DbErr::RecordNotFound(_) | DbErr::RecordNotInserted) => None,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => None,
        Err(err) => return Err(err.into()),
    };
    match (comment, key) {
        (Some(comment), _) => {
            write.commit().await?;
            *rate_counted = true;
            tracing::info!(comment_id = comment.id, status = ?comment.status, ?verdict, "comment stored");
            Ok(Posted {
                comment,
                replayed: false,
                owner_token,
            })
        }
        (None, Some(key)) => {
            write.rollback().await?;
            let first = by_idempotency_key(db, &key)
                .await?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the comment was not stored")))?;
            replay(first, &request_hash, secret, &key)
        }
        (None, None) => Err(ApiError::internal(anyhow::anyhow!(
            "the comment was not stored"
        ))),
    }
}

/// What storing a comment must know from the database, read in one
/// statement: the review (if public), and whether the comment repeats one
/// already there, whether its email has an approved comment, and which
/// comment its idempotency key already stored.
struct Checks {
    review: review_entity::Model,
    duplicate: bool,
    known_author: bool,
    stored_with_key: Option<i32>,
}

impl Checks {
    /// `None` when the review is not public (or does not exist).
    async fn read(
        db: &impl ConnectionTrait,
        new: &NewComment,
        key: Option<&str>,
    ) -> Result<Option<Self>, DbErr> {
        let parent = match new.parent_id {
            Some(id) => comment::Column::ParentId.eq(id),
            None => comment::Column::ParentId.is_null(),
        };
        // The same review, parent, author, email and body as a comment
        // already there (and not deleted). Found through the email's index:
        // `review_id + 0` keeps the planner (SQLite's, which has no
        // statistics) off the review's index, whose rows for a busy review
        // it would otherwise scan one by one, thousands for each comment.
        let duplicate = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(
                Expr::col((comment::Entity, comment::Column::ReviewId))
                    .add(0)
                    .eq(new.review_id),
            )
            .filter(parent)
            .filter(comment::Column::AuthorName.eq(new.author_name.as_ref()))
            .filter(comment::Column::AuthorEmail.eq(new.author_email.as_ref()))
            .filter(comment::Column::Body.eq(new.body.as_ref()))
            .filter(comment::Column::Status.ne(CommentStatus::Trash))
            .into_query();
        let known_author = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::AuthorEmail.eq(new.author_email.as_ref()))
            .filter(comment::Column::Status.eq(CommentStatus::Approved))
            .into_query();
        let mut select = review::public()
            .filter(review_entity::Column::Id.eq(new.review_id))
            .into_query();
        select
            .expr_as(Expr::exists(duplicate), "duplicate")
            .expr_as(Expr::exists(known_author), "known_author");
        if let Some(key) = key {
            let stored_with_key = comment::Entity::find()
                .select_only()
                .column(comment::Column::Id)
                .filter(comment::Column::IdempotencyKey.eq(key))
                .into_query();
            select.expr_as(
                Expr::SubQuery(None, Box::new(stored_with_key.into())),
                "stored_with_key",
            );
        }
        let Some(row) = db
            .query_one_raw(db.get_database_backend().build(&select))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            review: review_entity::Model::from_query_result(&row, "")?,
            duplicate: row.try_get("", "duplicate")?,
            known_author: row.try_get("", "known_author")?,
            stored_with_key: match key {
                Some(_) => row.try_get("", "stored_with_key")?,
                None => None,
            },
        }))
    }
}

async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<comment::Model>, DbErr> {
    comment::Entity::find()
        .filter(comment::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

fn replay(
    first: comment::Model,
    request_hash: &str,
    secret: &Secret,
    key: &str,
) -> ApiResult<Posted> {
    if first.request_hash.as_deref() == Some(request_hash) {
        Ok(Posted {
            comment: first,
            replayed: true,
            owner_token: secret.owner_token(Some(key)),
        })
    } else {
        Err(ApiError::IdempotencyKeyReused)
    }
}
