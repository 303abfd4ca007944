//! Operation names as a metric label. Clients choose them, so a client
//! sending a new name with every request would otherwise add a new time
//! series with each one, until the scrape (and Prometheus) choked on them.
//! The first [`MAX_OPERATION_NAMES`] well-formed names a server sees keep
//! their own label; any later one, or one that is not a plain GraphQL name
//! of at most 64 characters, is counted as [`OTHER`].

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Mutex;

/// Most distinct operation names one server reports.
pub const MAX_OPERATION_NAMES: usize = 100;

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";

/// The label of every operation whose name is not reported on its own.
pub const OTHER: &str = "other";

/// The label of a request refused before its operations were read (its
/// body was not JSON, its client was over budget, …).
pub const UNKNOWN: &str = "unknown";

/// Longest name reported on its own.
const MAX_NAME_LEN: usize = 64;

/// The names seen so far, up to a limit.
#[derive(Debug)]
pub(super) struct OperationNames {
    seen: Mutex<HashSet<Box<str>>>,
    max: usize,
}

impl OperationNames {
    /// Names reported on their own: at most `max`.
    pub(super) fn new(max: usize) -> Self {
        Self {
            seen: Mutex::new(HashSet::new()),
            max,
        }
    }

    /// The label for an operation named `name`: [`ANONYMOUS`] without a
    /// name, the name itself if it is well formed and already known or
    /// there is room for it, [`OTHER`] otherwise.
    pub(super) fn label(&self, name: Option<&str>) -> Cow<'static, str> {
        let name = match name {
            None | Some("") => return Cow::Borrowed(ANONYMOUS),
            Some(name) => name,
        };
        if !is_plain_name(name) {
            return Cow::Borrowed(OTHER);
        }
        // A panic cannot leave the set half-updated: keep using it.
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.contains(name) || (seen.len() < self.max && seen.insert(name.into())) {
            Cow::Owned(name.to_owned())
        } else {
            Cow::Borrowed(OTHER)
        }
    }
}

/// Whether `name` matches `[_A-Za-z][_0-9A-Za-z]{0,63}`.
fn is_plain_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            bytes.len() <= MAX_NAME_LEN
                && (*first == b'_' || first.is_ascii_alphabetic())
                && rest.iter().all(|b| *b == b'_' || b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_a_name_are_anonymous() {
        let names = OperationNames::new(2);
        assert_eq!(names.label(None), ANONYMOUS);
        assert_eq!(names.label(Some("")), ANONYMOUS);
    }

    #[test]
    fn only_plain_names_of_at_most_64_characters_are_reported() {
        let names = OperationNames::new(10);
        assert_eq!(names.label(Some("ReviewPage")), "ReviewPage");
        assert_eq!(names.label(Some("_private2")), "_private2");
        let longest = "a".repeat(64);
        assert_eq!(names.label(Some(&longest)), longest.as_str());
        for bad in [
            "2fast",
            "with space",
            "quote\"d",
            "new\nline",
            "émigré",
            &"a".repeat(65),
        ] {
            assert_eq!(names.label(Some(bad)), OTHER, "{bad:?}");
        }
    }

    #[test]
    fn names_past_the_limit_are_other_and_known_ones_stay() {
        // Arrange
        let names = OperationNames::new(2);
        assert_eq!(names.label(Some("A")), "A");
        assert_eq!(names.label(Some("B")), "B");

        // Act
        let third = names.label(Some("C"));

        // Assert
        assert_eq!(third, OTHER);
        assert_eq!(names.label(Some("A")), "A", "a known name keeps its label");
        assert_eq!(names.label(Some("B")), "B");
        assert_eq!(names.label(None), ANONYMOUS, "anonymous is not a name");
    }
}
