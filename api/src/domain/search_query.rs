//! A reader's full-text search, reduced to the words it holds. Whatever the
//! reader typed (quotes, `-`, `*`, `:`, parentheses, `NEAR`, `AND`), only
//! words reach the search engine, each as a plain term, so no input can be
//! read as the engine's own syntax.

use super::text::normalize_name;

/// A full-text query: its words, folded (no case, no accents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// The most characters a query may have.
    pub const MAX_CHARS: usize = 500;
    /// The most words that count; later ones are ignored.
    pub const MAX_WORDS: usize = 12;

    /// Checks `text` (no NUL, at most 500 characters; the error is a
    /// sentence for the client) and keeps its words: runs of letters and
    /// digits, folded, each once, at most 12. A query with no words (only
    /// punctuation, say) is valid and matches nothing.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.contains('\0') {
            return Err("`query` may not contain a NUL character.".to_owned());
        }
        let chars = text.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(format!(
                "`query` is {chars} characters long; the limit is {}.",
                Self::MAX_CHARS
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in normalize_name(text).split(' ') {
            if !word.is_empty() && !words.iter().any(|w| w == word) {
                words.push(word.to_owned());
            }
            if words.len() == Self::MAX_WORDS {
                break;
            }
        }
        Ok(Self { words })
    }

    /// Whether nothing is left to search for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words, folded.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words as an SQLite FTS5 query: each a quoted string (a word
    /// holds only letters and digits, so it cannot close the quote), all
    /// required.
    pub fn fts5(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The words separated by spaces, for PostgreSQL's `plainto_tsquery`,
    /// which reads no operators at all.
    pub fn plain(&self) -> String {
        self.words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_are_kept_folded_and_once() {
        let q = SearchQuery::parse("  Joaquín \"operating\" -SYSTEM* (her): joaquin ").unwrap();
        assert_eq!(q.words(), ["joaquin", "operating", "system", "her"]);
        assert_eq!(
            q.fts5(),
            "\"joaquin\" AND \"operating\" AND \"system\" AND \"her\""
        );
        assert_eq!(q.plain(), "joaquin operating system her");
    }

    #[test]
    fn operators_and_punctuation_alone_leave_nothing() {
        for text in ["", "   ", "\"", "-", "*", ":", "(", ")", "\"(-*:)\""] {
            assert!(SearchQuery::parse(text).unwrap().is_empty(), "{text:?}");
        }
        // Operator words are just words.
        let q = SearchQuery::parse("NEAR AND OR NOT").unwrap();
        assert_eq!(q.fts5(), "\"near\" AND \"and\" AND \"or\" AND \"not\"");
    }

    #[test]
    fn long_or_nul_queries_are_refused_and_words_are_capped() {
        assert!(SearchQuery::parse(&"a".repeat(501)).is_err());
        assert!(SearchQuery::parse("a\0b").is_err());
        let many = (0..40)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(SearchQuery::parse(&many).unwrap().words().len(), 12);
    }
}
