//! Reading models by column position.
//!
//! SeaORM reads a model's columns by name, and a joined select
//! (`find_also_related`) prefixes each name, formatting a fresh string for
//! every column of every row: on the hot query that formatting and the name
//! lookups behind it were a fifth of the server's time. A [`Positional`]
//! model is read by index, from where its columns start in the select, so a
//! page of reviews with their films, or of credits with their people, is
//! decoded without formatting or looking up a single name.

use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    TryGetError,
};

/// A model read by position. Its columns are its entity's, in declaration
/// order (`Column::iter()`); `read` takes them in that order.
pub trait Positional: Sized {
    type Entity: EntityTrait<Model = Self>;

    /// The field names, in the order `read` takes them (checked against the
    /// entity's columns by a test).
    const FIELDS: &'static [&'static str];

    /// Reads the model from the columns starting at index `at`.
    fn read(row: &QueryResult, at: usize) -> Result<Self, TryGetError>;

    /// How many columns the model takes.
    fn width() -> usize {
        Self::FIELDS.len()
    }

    /// Adds the model's columns to `select`, in `read`'s order, each named
    /// with its table so the select may join others. A column in `blank`
    /// is read as an empty string instead (a long text the caller does not
    /// need); it must be a text column.
    fn select_into(select: &mut SelectStatement, blank: &[<Self::Entity as EntityTrait>::Column]) {
        for column in <Self::Entity as EntityTrait>::Column::iter() {
            if blank.iter().any(|b| b.as_str() == column.as_str()) {
                select.expr(Expr::val(""));
            } else {
                select.column(column.as_column_ref());
            }
        }
    }

    /// Reads the model from `at`, or `None` when its columns are null (the
    /// unmatched side of a left join), judged by the first one, the id.
    fn read_optional(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr> {
        match row.try_get_by_index::<Option<i32>>(at)? {
            Some(_) => Ok(Some(Self::read(row, at)?)),
            None => Ok(None),
        }
    }
}

/// Implements [`Positional`] for an entity's model, its fields listed in
/// column order.
macro_rules! positional {
    ($entity:ident { $($field:ident),+ $(,)? }) => {
        impl Positional for entity::$entity::Model {
            type Entity = entity::$entity::Entity;

            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn read(row: &QueryResult, at: usize) -> Result<Self, TryGetError> {
                let mut index = at;
                let mut next = || {
                    index += 1;
                    index - 1
                };
                Ok(Self {
                    $($field: row.try_get_by_index_nullable(next())?,)+
                })
            }
        }
    };
}

positional!(review {
    id,
    slug,
    film_id,
    headline,
    byline,
    body_markdown,
    excerpt,
    verdict,
    poster_url,
    poster_alt,
    status,
    published_at,
    comments_open,
    created_at,
    updated_at,
    version,
});

positional!(film {
    id,
    slug,
    title,
    title_normalized,
    release_year,
    synopsis,
    poster_url,
    poster_alt,
    created_at,
    updated_at,
    version,
});

positional!(person {
    id,
    slug,
    name,
    name_normalized,
    created_at,
    updated_at,
    version,
});

positional!(credit {
    id,
    film_id,
    person_id,
    role,
    job,
    character,
    character_note,
    voice,
    billing_order,
    created_at,
    updated_at,
});

/// A row of `A` with the row of `B` it is joined to (left join: maybe
/// none), read by position: `A`'s columns first, then `B`'s.
pub struct Joined<A, B>(pub A, pub Option<B>);

impl<A: Positional, B: Positional> Joined<A, B> {
    /// Adds both models' columns to `select`, `A`'s first; `blank` as in
    /// [`Positional::select_into`].
    pub fn select_into(select: &mut SelectStatement, blank: &[<A::Entity as EntityTrait>::Column]) {
        A::select_into(select, blank);
        B::select_into(select, &[]);
    }
}

impl<A: Positional, B: Positional> FromQueryResult for Joined<A, B> {
    fn from_query_result(row: &QueryResult, _pre: &str) -> Result<Self, DbErr> {
        Ok(Joined(A::read(row, 0)?, B::read_optional(row, A::width())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<M: Positional>() -> Vec<String> {
        <M::Entity as EntityTrait>::Column::iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    }

    fn fields<M: Positional>() -> Vec<String> {
        M::FIELDS.iter().map(|f| (*f).to_owned()).collect()
    }

    #[test]
    fn every_positional_model_reads_its_columns_in_the_entitys_order() {
        assert_eq!(
            fields::<entity::review::Model>(),
            columns::<entity::review::Model>()
        );
        assert_eq!(
            fields::<entity::film::Model>(),
            columns::<entity::film::Model>()
        );
        assert_eq!(
            fields::<entity::person::Model>(),
            columns::<entity::person::Model>()
        );
        assert_eq!(
            fields::<entity::credit::Model>(),
            columns::<entity::credit::Model>()
        );
    }
}
