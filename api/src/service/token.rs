//! Staff API tokens: created and revoked from the command line, sent as
//! `Authorization: Bearer …`, stored only as hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::api_token;
use entity::enums::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::now;
use super::secret::token_hash;

/// Every token starts so, which makes a leaked one easy to find in logs and
/// repositories.
pub const PREFIX: &str = "mq_";

/// Creates a token; the secret is returned once and never stored.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    role: Role,
) -> Result<(api_token::Model, String), DbErr> {
    let secret = format!(
        "{PREFIX}{}",
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    );
    let row = api_token::ActiveModel {
        name: Set(name.trim().to_owned()),
        role: Set(role),
        token_hash: Set(token_hash(&secret)),
        created_at: Set(now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

/// Revokes a token by id; false when there is no such live token.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    let result = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Every token, live and revoked.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await
}

/// The live token `secret` names, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<api_token::Model>, DbErr> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await
}
