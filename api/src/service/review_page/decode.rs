//! Decoding payloads into models. Both backends' JSON decode to the same
//! values: SQLite writes booleans as 0/1 and timestamps as the text it
//! stores; PostgreSQL writes `true`/`false` and ISO 8601 in the session's
//! time zone.

use super::*;

fn field<'a>(o: &'a Map<String, Json>, name: &str) -> Result<&'a Json, DbErr> {
    o.get(name)
        .ok_or_else(|| DbErr::Type(format!("review page: no `{name}` in a payload")))
}

fn wrong(name: &str, v: &Json) -> DbErr {
    DbErr::Type(format!("review page: `{name}` has an unexpected value {v}"))
}

pub fn int(o: &Map<String, Json>, name: &str) -> Result<i64, DbErr> {
    let v = field(o, name)?;
    v.as_i64().ok_or_else(|| wrong(name, v))
}

fn i32_(o: &Map<String, Json>, name: &str) -> Result<i32, DbErr> {
    let v = field(o, name)?;
    v.as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| wrong(name, v))
}

fn opt_i32(o: &Map<String, Json>, name: &str) -> Result<Option<i32>, DbErr> {
    match field(o, name)? {
        Json::Null => Ok(None),
        _ => i32_(o, name).map(Some),
    }
}

fn text(o: &Map<String, Json>, name: &str) -> Result<String, DbErr> {
    let v = field(o, name)?;
    v.as_str().map(str::to_owned).ok_or_else(|| wrong(name, v))
}

fn opt_text(o: &Map<String, Json>, name: &str) -> Result<Option<String>, DbErr> {
    match field(o, name)? {
        Json::Null => Ok(None),
        _ => text(o, name).map(Some),
    }
}

pub fn boolean(o: &Map<String, Json>, name: &str) -> Result<bool, DbErr> {
    match field(o, name)? {
        Json::Bool(b) => Ok(*b),
        Json::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Json::Number(n) if n.as_i64() == Some(1) => Ok(true),
        v => Err(wrong(name, v)),
    }
}

/// An instant, from RFC 3339 (either separator, any offset) or from
/// SQLite's `YYYY-MM-DD HH:MM:SS[.f]` in UTC.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    None
}

pub fn time(o: &Map<String, Json>, name: &str) -> Result<DateTime<Utc>, DbErr> {
    let v = field(o, name)?;
    v.as_str()
        .and_then(parse_time)
        .ok_or_else(|| wrong(name, v))
}

pub fn enumeration<E: ActiveEnum<Value = String>>(
    o: &Map<String, Json>,
    name: &str,
) -> Result<E, DbErr> {
    E::try_from_value(&text(o, name)?)
        .map_err(|_| wrong(name, field(o, name).unwrap_or(&Json::Null)))
}

pub fn credit(o: &Map<String, Json>) -> Result<credit::Model, DbErr> {
    use credit::Column as C;
    Ok(credit::Model {
        id: i32_(o, C::Id.as_str())?,
        film_id: i32_(o, C::FilmId.as_str())?,
        person_id: i32_(o, C::PersonId.as_str())?,
        role: enumeration::<CreditRole>(o, C::Role.as_str())?,
        job: opt_text(o, C::Job.as_str())?,
        character: opt_text(o, C::Character.as_str())?,
        character_note: opt_text(o, C::CharacterNote.as_str())?,
        voice: boolean(o, C::Voice.as_str())?,
        billing_order: i32_(o, C::BillingOrder.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
        updated_at: time(o, C::UpdatedAt.as_str())?,
    })
}

pub fn person(o: &Map<String, Json>) -> Result<person::Model, DbErr> {
    use person::Column as C;
    Ok(person::Model {
        id: i32_(o, C::Id.as_str())?,
        slug: text(o, C::Slug.as_str())?,
        name: text(o, C::Name.as_str())?,
        name_normalized: text(o, C::NameNormalized.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
        updated_at: time(o, C::UpdatedAt.as_str())?,
        version: i32_(o, C::Version.as_str())?,
    })
}

pub fn film(o: &Map<String, Json>) -> Result<film::Model, DbErr> {
    use film::Column as C;
    Ok(film::Model {
        id: i32_(o, C::Id.as_str())?,
        slug: text(o, C::Slug.as_str())?,
        title: text(o, C::Title.as_str())?,
        title_normalized: text(o, C::TitleNormalized.as_str())?,
        release_year: opt_i32(o, C::ReleaseYear.as_str())?,
        synopsis: opt_text(o, C::Synopsis.as_str())?,
        poster_url: opt_text(o, C::PosterUrl.as_str())?,
        poster_alt: opt_text(o, C::PosterAlt.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
        updated_at: time(o, C::UpdatedAt.as_str())?,
        version: i32_(o, C::Version.as_str())?,
    })
}

pub fn film_location(o: &Map<String, Json>) -> Result<film_location::Model, DbErr> {
    use film_location::Column as C;
    Ok(film_location::Model {
        id: i32_(o, C::Id.as_str())?,
        film_id: i32_(o, C::FilmId.as_str())?,
        place: text(o, C::Place.as_str())?,
        area: opt_text(o, C::Area.as_str())?,
        stands_in_for: opt_text(o, C::StandsInFor.as_str())?,
        position: i32_(o, C::Position.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
    })
}

pub fn comparison(o: &Map<String, Json>) -> Result<comparison::Model, DbErr> {
    use comparison::Column as C;
    Ok(comparison::Model {
        id: i32_(o, C::Id.as_str())?,
        review_id: opt_i32(o, C::ReviewId.as_str())?,
        comment_id: opt_i32(o, C::CommentId.as_str())?,
        film_id: i32_(o, C::FilmId.as_str())?,
        person_id: opt_i32(o, C::PersonId.as_str())?,
        note: text(o, C::Note.as_str())?,
        recommended: boolean(o, C::Recommended.as_str())?,
        position: i32_(o, C::Position.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
    })
}

/// A comment from its public columns; the private ones are `None`.
pub fn comment(o: &Map<String, Json>) -> Result<comment::Model, DbErr> {
    use comment::Column as C;
    Ok(comment::Model {
        id: i32_(o, C::Id.as_str())?,
        review_id: i32_(o, C::ReviewId.as_str())?,
        parent_id: opt_i32(o, C::ParentId.as_str())?,
        author_name: text(o, C::AuthorName.as_str())?,
        author_email: None,
        author_url: opt_text(o, C::AuthorUrl.as_str())?,
        body: text(o, C::Body.as_str())?,
        status: enumeration(o, C::Status.as_str())?,
        idempotency_key: None,
        request_hash: None,
        client_ip_hash: None,
        user_agent: None,
        owner_token_hash: None,
        depth: i32_(o, C::Depth.as_str())?,
        created_at: time(o, C::CreatedAt.as_str())?,
        updated_at: time(o, C::UpdatedAt.as_str())?,
    })
}
