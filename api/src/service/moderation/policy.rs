//! The comment moderation policy, with WordPress's defaults: which comments
//! are held, which are spam, and when comments close. Pure rules: no
//! database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{CommentStatus, ReviewStatus};
use entity::review;

/// How comments are moderated. Built from the settings; the same on every
/// replica.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Words that hold a comment for moderation (matched without case in the
    /// author, email, URL, body and user agent).
    pub moderation_words: Vec<String>,
    /// Words that mark a comment as spam (matched the same way).
    pub disallowed_words: Vec<String>,
    /// A comment with this many links or more is held; 0 turns the rule off.
    pub max_links: usize,
    /// Comments close this many days after publication; None: never.
    pub close_after_days: Option<u32>,
    /// The least time between two comments from one client address or email.
    pub flood_interval: Duration,
    /// How long the author may edit or delete a comment.
    pub edit_window: Duration,
    /// The deepest reply: 1 allows replies to top-level comments only.
    pub max_depth: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            moderation_words: Vec::new(),
            disallowed_words: Vec::new(),
            max_links: 2,
            close_after_days: None,
            flood_interval: Duration::from_secs(15),
            edit_window: Duration::from_secs(600),
            max_depth: 5,
        }
    }
}

/// What a comment says about itself, for the word lists.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub body: &'a str,
    pub user_agent: Option<&'a str>,
}

/// Why a comment was held or marked spam: for the moderators, not the author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Matched the disallowed words.
    Spam,
    /// Matched the moderation words, or has too many links.
    Hold,
    /// Nothing against it.
    Clean,
}

impl Policy {
    /// Parses a word list: one entry per comma or line, trimmed, without case.
    pub fn words(list: &str) -> Vec<String> {
        list.split([',', '\n'])
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// Judges a comment's content, as WordPress's `check_comment` and
    /// disallowed-keys check do.
    pub fn judge(&self, s: &Submission<'_>) -> Verdict {
        let fields = [
            s.author_name,
            s.author_email,
            s.author_url.unwrap_or_default(),
            s.body,
            s.user_agent.unwrap_or_default(),
        ]
        .map(str::to_lowercase);
        let matches = |words: &[String]| {
            words
                .iter()
                .any(|w| fields.iter().any(|f| f.contains(w.as_str())))
        };
        if matches(&self.disallowed_words) {
            return Verdict::Spam;
        }
        if matches(&self.moderation_words)
            || (self.max_links > 0 && count_links(s.body) >= self.max_links)
        {
            return Verdict::Hold;
        }
        Verdict::Clean
    }

    /// The status a new comment gets: spam, held, or approved when its
    /// email already has an approved comment.
    pub fn status(&self, verdict: &Verdict, known_author: bool) -> CommentStatus {
        match verdict {
            Verdict::Spam => CommentStatus::Spam,
            Verdict::Hold => CommentStatus::Pending,
            Verdict::Clean if known_author => CommentStatus::Approved,
            Verdict::Clean => CommentStatus::Pending,
        }
    }

    /// When comments on `review` close by age, if they do (never, if that
    /// is past the last date chrono can count).
    pub fn closes_at(&self, review: &review::Model) -> Option<DateTime<Utc>> {
        let days = self.close_after_days?;
        review
            .published_at?
            .checked_add_days(chrono::Days::new(u64::from(days)))
    }

    /// Whether `review` takes new comments at `now`.
    pub fn is_open(&self, review: &review::Model, now: DateTime<Utc>) -> bool {
        review.status == ReviewStatus::Published
            && review.comments_open
            && self.closes_at(review).is_none_or(|at| now < at)
    }
}

/// Counts links in plain text: each `http://`, `https://` or `www.`.
fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    ["http://", "https://"]
        .iter()
        .map(|p| lower.matches(p).count())
        .sum::<usize>()
        + lower
            .match_indices("www.")
            .filter(|(i, _)| !lower[..*i].ends_with("//"))
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(body: &str) -> Submission<'_> {
        Submission {
            author_name: "Ada",
            author_email: "ada@example.org",
            author_url: None,
            body,
            user_agent: Some("Mozilla/5.0"),
        }
    }

    #[test]
    fn a_plain_comment_is_clean() {
        assert_eq!(
            Policy::default().judge(&submission("Loved it.")),
            Verdict::Clean
        );
    }

    #[test]
    fn two_links_hold_a_comment_and_one_does_not() {
        let policy = Policy::default();
        assert_eq!(
            policy.judge(&submission("See https://a.example")),
            Verdict::Clean
        );
        assert_eq!(
            policy.judge(&submission("See https://a.example and www.b.example")),
            Verdict::Hold
        );
    }

    #[test]
    fn a_moderation_word_anywhere_holds_and_a_disallowed_word_is_spam() {
        let policy = Policy {
            moderation_words: Policy::words("casino, Viagra"),
            disallowed_words: Policy::words("crypto-giveaway"),
            ..Policy::default()
        };
        assert_eq!(
            policy.judge(&submission("Best CASINO in town")),
            Verdict::Hold
        );
        let mut s = submission("hello");
        s.author_name = "viagra seller";
        assert_eq!(policy.judge(&s), Verdict::Hold);
        assert_eq!(
            policy.judge(&submission("free Crypto-Giveaway casino")),
            Verdict::Spam
        );
    }

    #[test]
    fn a_known_author_is_approved_unless_held_or_spam() {
        let p = Policy::default();
        assert_eq!(p.status(&Verdict::Clean, true), CommentStatus::Approved);
        assert_eq!(p.status(&Verdict::Clean, false), CommentStatus::Pending);
        assert_eq!(p.status(&Verdict::Hold, true), CommentStatus::Pending);
        assert_eq!(p.status(&Verdict::Spam, true), CommentStatus::Spam);
    }

    #[test]
    fn word_lists_split_on_commas_and_lines() {
        assert_eq!(Policy::words(" a ,B\n\nc "), vec!["a", "b", "c"]);
    }
}
