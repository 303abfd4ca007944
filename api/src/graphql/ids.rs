//! Opaque global IDs: base64url of `Type:number`. Clients must treat them as
//! opaque strings; the server checks that an ID names the type expected.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The object types a global ID can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Film,
    Person,
    Review,
    Comment,
    Credit,
    Comparison,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Film => "Film",
            Self::Person => "Person",
            Self::Review => "Review",
            Self::Comment => "Comment",
            Self::Credit => "Credit",
            Self::Comparison => "Comparison",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Film,
            Self::Person,
            Self::Review,
            Self::Comment,
            Self::Credit,
            Self::Comparison,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The global ID of row `id` of `kind`.
pub fn encode(kind: Kind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.as_str())))
}

/// Reads any global ID.
pub fn decode_any(id: &str) -> Option<(Kind, i32)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, number) = text.split_once(':')?;
    let number: i32 = number.parse().ok().filter(|n: &i32| *n > 0)?;
    Some((Kind::parse(kind)?, number))
}

/// Reads a global ID that must name a `kind`; `argument` names the field in
/// the error.
pub fn decode(id: &ID, kind: Kind, argument: &'static str) -> Result<i32, ApiError> {
    match decode_any(id) {
        Some((k, n)) if k == kind => Ok(n),
        _ => Err(ApiError::InvalidId { argument }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips() {
        let id = encode(Kind::Review, 42);
        assert_eq!(decode(&id, Kind::Review, "id").unwrap(), 42);
    }

    #[test]
    fn an_id_of_another_type_is_refused() {
        let id = encode(Kind::Film, 42);
        assert!(matches!(
            decode(&id, Kind::Person, "id"),
            Err(ApiError::InvalidId { .. })
        ));
    }

    #[test]
    fn garbage_is_not_an_id() {
        for junk in ["", "x", "RmlsbTo", "RmlsbTphYmM", "Rmlsbjotmw", "🎬"] {
            assert!(decode_any(junk).is_none(), "{junk}");
        }
    }
}
