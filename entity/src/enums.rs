//! Enums stored as short strings, so that adding a variant needs no migration
//! and the values read the same in SQLite and PostgreSQL.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a person did on a film.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditRole {
    #[sea_orm(string_value = "DIRECTOR")]
    Director,
    #[sea_orm(string_value = "WRITER")]
    Writer,
    #[sea_orm(string_value = "ACTOR")]
    Actor,
    #[sea_orm(string_value = "PRODUCER")]
    Producer,
    #[sea_orm(string_value = "CINEMATOGRAPHER")]
    Cinematographer,
    #[sea_orm(string_value = "EDITOR")]
    Editor,
    #[sea_orm(string_value = "COMPOSER")]
    Composer,
    #[sea_orm(string_value = "OTHER_CREW")]
    OtherCrew,
}

/// Whether a review is visible to the public.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
}

/// Where a reader comment stands in moderation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommentStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "SPAM")]
    Spam,
    #[sea_orm(string_value = "TRASH")]
    Trash,
}

/// What a staff token may do. Each role can do all that the ones before it can.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Moderates comments.
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    /// Moderates, and (later) edits content.
    #[sea_orm(string_value = "EDITOR")]
    Editor,
    /// Everything.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// What kind of object an alias or an editorial change is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubjectKind {
    #[sea_orm(string_value = "FILM")]
    Film,
    #[sea_orm(string_value = "PERSON")]
    Person,
    #[sea_orm(string_value = "REVIEW")]
    Review,
}
