//! Cache tags: the names of what a response holds, and of what a change
//! touches. A response carries the tag of each object it shows
//! (`review:1`), of each relation whose members it lists
//! (`comments:review:1`), and of each kind of list whose membership it
//! shows (`reviews`): a change purges the objects it changed and the lists
//! it may have added to or taken from.

use std::fmt;
use std::str::FromStr;

use entity::enums::SubjectKind;

use crate::service::editorial::Action;

/// What a cached response holds, or a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    /// A review's own fields and its comparisons.
    Review(i32),
    /// A film's own fields, credits and locations.
    Film(i32),
    /// A person's own fields.
    Person(i32),
    /// The public comments of a review, and their count.
    CommentsOf(i32),
    /// Which reviews a list holds: every list, filter, count and relation
    /// of reviews (a film's reviews, a person's, comparisons of a film).
    Reviews,
    /// Which reader comments a list that spans reviews holds (the
    /// comparisons to a film drawn by comments).
    Comments,
    /// Which films a list holds.
    Films,
    /// Which people a list holds.
    People,
    /// Which credits a film or a person lists.
    Credits,
    /// Search results.
    Search,
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Review(id) => write!(f, "review:{id}"),
            Self::Film(id) => write!(f, "film:{id}"),
            Self::Person(id) => write!(f, "person:{id}"),
            Self::CommentsOf(id) => write!(f, "comments:review:{id}"),
            Self::Reviews => f.write_str("reviews"),
            Self::Comments => f.write_str("comments"),
            Self::Films => f.write_str("films"),
            Self::People => f.write_str("people"),
            Self::Credits => f.write_str("credits"),
            Self::Search => f.write_str("search"),
        }
    }
}

impl FromStr for Tag {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let id = |rest: &str| rest.parse::<i32>().map_err(|_| ());
        Ok(match s {
            "reviews" => Self::Reviews,
            "comments" => Self::Comments,
            "films" => Self::Films,
            "people" => Self::People,
            "credits" => Self::Credits,
            "search" => Self::Search,
            _ => {
                if let Some(rest) = s.strip_prefix("comments:review:") {
                    Self::CommentsOf(id(rest)?)
                } else if let Some(rest) = s.strip_prefix("review:") {
                    Self::Review(id(rest)?)
                } else if let Some(rest) = s.strip_prefix("film:") {
                    Self::Film(id(rest)?)
                } else if let Some(rest) = s.strip_prefix("person:") {
                    Self::Person(id(rest)?)
                } else {
                    return Err(());
                }
            }
        })
    }
}

impl Tag {
    /// What an editorial change touches. `others` are the other objects it
    /// names (the person merged away).
    pub fn of_change(action: Action, kind: SubjectKind, id: i32, others: &[i32]) -> Vec<Tag> {
        let mut tags = match kind {
            // A review's status, film and date decide which lists hold it;
            // unpublishing it hides its comments.
            // (and the comparisons its readers' comments draw).
            SubjectKind::Review => vec![
                Self::Review(id),
                Self::Reviews,
                Self::CommentsOf(id),
                Self::Comments,
                Self::Search,
            ],
            // A film's title and slug, and a person's name and slug, decide
            // what the review filters by film and by person find.
            SubjectKind::Film => vec![Self::Film(id), Self::Films, Self::Reviews, Self::Search],
            SubjectKind::Person => {
                vec![Self::Person(id), Self::People, Self::Reviews, Self::Search]
            }
        };
        match action {
            // Credits decide who appears on a film and a person's page, and
            // which reviews the director and star filters find.
            Action::SetFilmCredits => tags.extend([Self::Credits, Self::People, Self::Reviews]),
            Action::MergePeople => {
                tags.extend(others.iter().map(|&other| Self::Person(other)));
                tags.extend([Self::Credits, Self::Films, Self::Reviews]);
            }
            _ => {}
        }
        tags
    }

    /// What a review going public (a scheduled time coming) touches.
    pub fn of_publication(review_id: i32) -> Vec<Tag> {
        vec![
            Self::Review(review_id),
            Self::Reviews,
            Self::CommentsOf(review_id),
            Self::Comments,
            Self::Search,
        ]
    }

    /// The kind of list that holds what this tag names: a response with
    /// too many tags for a header is tagged with these instead, which
    /// every change that purges the object purges too.
    pub fn kind(self) -> Tag {
        match self {
            Self::Review(_) => Self::Reviews,
            Self::Film(_) => Self::Films,
            Self::Person(_) => Self::People,
            Self::CommentsOf(_) => Self::Comments,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_round_trips_through_its_name() {
        for tag in [
            Tag::Review(1),
            Tag::Film(3),
            Tag::Person(7),
            Tag::CommentsOf(1),
            Tag::Reviews,
            Tag::Comments,
            Tag::Films,
            Tag::People,
            Tag::Credits,
            Tag::Search,
        ] {
            assert_eq!(tag.to_string().parse::<Tag>(), Ok(tag));
        }
        assert_eq!(Tag::CommentsOf(1).to_string(), "comments:review:1");
        assert!("review:x".parse::<Tag>().is_err());
        assert!("nothing".parse::<Tag>().is_err());
    }

    #[test]
    fn credits_purge_the_lists_they_decide() {
        let tags = Tag::of_change(Action::SetFilmCredits, SubjectKind::Film, 3, &[]);
        for tag in [Tag::Film(3), Tag::Credits, Tag::People, Tag::Reviews] {
            assert!(tags.contains(&tag), "{tag}");
        }
        let merged = Tag::of_change(Action::MergePeople, SubjectKind::Person, 7, &[8]);
        assert!(merged.contains(&Tag::Person(8)) && merged.contains(&Tag::Person(7)));
    }
}
