//! The content file: its rows as read, and the checks a file passes
//! before anything is written.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::enums::{CommentStatus, CreditRole, ReviewStatus};
use serde::Deserialize;
use toml::Spanned;

use super::ImportError;
use crate::domain::text::repair_mojibake;
use crate::domain::{AuthorName, AuthorUrl, CommentBody, Email, FieldError, IdempotencyKey, Slug};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// True when the text is exactly as a database stored it (what
    /// `marquee export` writes): it is imported as it is, without the
    /// repair of mis-decoded characters or the trimming that hand-written
    /// files get, which could change text an editor meant.
    #[serde(default)]
    pub verbatim: bool,
    #[serde(default)]
    pub people: Vec<PersonIn>,
    #[serde(default)]
    pub films: Vec<FilmIn>,
    #[serde(default)]
    pub reviews: Vec<ReviewIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    pub slug: String,
    pub name: String,
    /// Old slugs that still lead here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// When the row was made; now when absent.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed; now (when anything changed) when absent.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A poster. A database may hold either half alone, so either may be
/// absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub url: Option<String>,
    pub alt: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilmIn {
    pub slug: String,
    pub title: String,
    pub release_year: Option<i32>,
    pub synopsis: Option<String>,
    pub poster: Option<Image>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub credits: Vec<CreditIn>,
    #[serde(default)]
    pub locations: Vec<LocationIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditIn {
    pub person: String,
    pub role: CreditRole,
    pub job: Option<String>,
    pub character: Option<String>,
    pub character_note: Option<String>,
    #[serde(default)]
    pub voice: bool,
    #[serde(default)]
    pub billing: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    pub place: String,
    pub area: Option<String>,
    pub stands_in_for: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    pub slug: String,
    pub film: String,
    pub headline: String,
    pub byline: Option<String>,
    pub status: ReviewStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub verdict: Option<String>,
    pub poster: Option<Image>,
    pub body: String,
    pub excerpt: Option<String>,
    /// Whether readers may comment; true when absent.
    #[serde(default = "default_true")]
    pub comments_open: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// When the review was made (a draft's place in the editors' list).
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub comparisons: Vec<ComparisonIn>,
    #[serde(default)]
    pub comments: Vec<CommentIn>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonIn {
    pub film: String,
    pub person: Option<String>,
    pub note: String,
    #[serde(default)]
    pub recommended: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    /// Unique in the file and across imports: a re-import finds the
    /// comment by it.
    pub key: String,
    /// The key of the comment this one replies to, which comes before it
    /// in the same review.
    pub parent: Option<String>,
    /// The author's fields keep where they stand in the file, so a refusal
    /// can name the line.
    pub author_name: Spanned<String>,
    pub author_email: Option<Spanned<String>>,
    pub author_url: Option<Spanned<String>>,
    pub body: Spanned<String>,
    pub status: CommentStatus,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Private, like the email: the client's retry key, when the comment
    /// came through `addComment` with one. The comment is then stored (and
    /// found again) under this key rather than under `key`.
    pub idempotency_key: Option<Spanned<String>>,
    /// Private: the hash that tells a retry from a reuse of the key.
    pub request_hash: Option<Spanned<String>>,
    /// Private: the keyed hash of the client's address (flood control).
    pub client_ip_hash: Option<Spanned<String>>,
    /// Private: the client's `User-Agent`.
    pub user_agent: Option<Spanned<String>>,
    /// Private: the hash of the token that lets the author edit the comment.
    pub owner_token_hash: Option<Spanned<String>>,
    #[serde(default)]
    pub comparisons: Vec<ComparisonIn>,
}

/// A comment's author fields, validated by the same domain types as
/// `addComment` uses. An imported comment may lack an email (comments
/// carried over from elsewhere often do); the API's always has one.
pub struct CommentFields {
    pub author_name: AuthorName,
    pub author_email: Option<Email>,
    pub author_url: Option<AuthorUrl>,
    pub body: CommentBody,
    pub idempotency_key: Option<IdempotencyKey>,
    pub request_hash: Option<String>,
    pub client_ip_hash: Option<String>,
    pub user_agent: Option<String>,
    pub owner_token_hash: Option<String>,
}

/// A refused field: where it is in the file, its name, and why.
type Refusal = (std::ops::Range<usize>, &'static str, String);

impl CommentIn {
    /// The fields, validated after mis-decoded text is repaired (unless the
    /// file is `verbatim`). The error names the first refused field and its
    /// span in the file.
    pub fn validated(&self, text: Text) -> Result<CommentFields, Refusal> {
        let refused = |span: std::ops::Range<usize>, field: &'static str| {
            move |e: FieldError| (span, field, e.message)
        };
        let author_name = AuthorName::parse(&text.clean(self.author_name.get_ref()))
            .map_err(refused(self.author_name.span(), "author_name"))?;
        let author_email = match &self.author_email {
            Some(email) => Some(
                Email::parse(&text.clean(email.get_ref()))
                    .map_err(refused(email.span(), "author_email"))?,
            ),
            None => None,
        };
        let author_url = match &self.author_url {
            Some(url) => AuthorUrl::parse(&text.clean(url.get_ref()))
                .map_err(refused(url.span(), "author_url"))?,
            None => None,
        };
        let body = CommentBody::parse(&text.clean(self.body.get_ref()))
            .map_err(refused(self.body.span(), "body"))?;
        let idempotency_key = match &self.idempotency_key {
            Some(key) => Some(
                IdempotencyKey::parse(key.get_ref())
                    .map_err(refused(key.span(), "idempotency_key"))?,
            ),
            None => None,
        };
        Ok(CommentFields {
            author_name,
            author_email,
            author_url,
            body,
            idempotency_key,
            request_hash: sha256_hex(&self.request_hash, "request_hash")?,
            client_ip_hash: sha256_hex(&self.client_ip_hash, "client_ip_hash")?,
            user_agent: match &self.user_agent {
                // The server cuts the header to 255 characters; so does the
                // column.
                Some(ua) if ua.get_ref().chars().count() > 255 => {
                    return Err((ua.span(), "user_agent", "longer than 255 characters".into()));
                }
                ua => ua.as_ref().map(|ua| ua.get_ref().clone()),
            },
            owner_token_hash: sha256_hex(&self.owner_token_hash, "owner_token_hash")?,
        })
    }
}

/// A stored hash: 64 lowercase hexadecimal digits, as the server writes them.
fn sha256_hex(
    value: &Option<Spanned<String>>,
    field: &'static str,
) -> Result<Option<String>, Refusal> {
    match value {
        Some(v)
            if v.get_ref().len() != 64
                || !v
                    .get_ref()
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Err((
                v.span(),
                field,
                "not a SHA-256 in lowercase hexadecimal".into(),
            ))
        }
        v => Ok(v.as_ref().map(|v| v.get_ref().clone())),
    }
}

/// Parses a content file and checks every slug, every comment's fields and
/// every reply's parent in it, before anything is written.
pub fn parse(text: &str) -> Result<Content, ImportError> {
    let content: Content = toml::from_str(text)?;
    let line =
        |span: std::ops::Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
    let mut keys = HashSet::new();
    for review in &content.reviews {
        // The keys of this review's comments so far: a reply's parent must
        // be among them.
        let mut earlier = HashSet::new();
        for comment in &review.comments {
            comment
                .validated(content.text())
                .map_err(|(span, field, reason)| ImportError::Field {
                    line: line(span),
                    field,
                    reason,
                })?;
            if !keys.insert(comment.key.as_str()) {
                return Err(ImportError::Reference(format!(
                    "the comment key `{}` is used twice",
                    comment.key
                )));
            }
            if let Some(parent) = &comment.parent
                && !earlier.contains(parent.as_str())
            {
                return Err(ImportError::Reference(format!(
                    "comment `{}` replies to `{parent}`, which is not an earlier comment on review `{}`",
                    comment.key, review.slug
                )));
            }
            earlier.insert(comment.key.as_str());
        }
    }
    let slugs = content
        .people
        .iter()
        .flat_map(|p| std::iter::once(&p.slug).chain(&p.aliases))
        .chain(content.films.iter().flat_map(|f| {
            std::iter::once(&f.slug)
                .chain(&f.aliases)
                .chain(f.credits.iter().map(|c| &c.person))
        }))
        .chain(content.reviews.iter().flat_map(|r| {
            let comparisons = r
                .comparisons
                .iter()
                .chain(r.comments.iter().flat_map(|c| &c.comparisons));
            [&r.slug, &r.film]
                .into_iter()
                .chain(&r.aliases)
                .chain(comparisons.flat_map(|c| std::iter::once(&c.film).chain(&c.person)))
        }));
    for slug in slugs {
        Slug::parse(slug).map_err(|e| ImportError::Slug {
            slug: slug.clone(),
            reason: e.message,
        })?;
    }
    Ok(content)
}

impl Content {
    /// How the file's text is to be taken.
    pub fn text(&self) -> Text {
        Text {
            verbatim: self.verbatim,
        }
    }
}

/// How a file's text is taken: cleaned (mis-decoded characters repaired,
/// surrounding space trimmed, blank optional text dropped), or, for a
/// `verbatim` file, exactly as written.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    verbatim: bool,
}

impl Text {
    pub(super) fn clean(self, s: &str) -> String {
        if self.verbatim {
            s.to_owned()
        } else {
            repair_mojibake(s).trim().to_owned()
        }
    }

    pub(super) fn clean_opt(self, s: &Option<String>) -> Option<String> {
        if self.verbatim {
            s.clone()
        } else {
            s.as_deref()
                .map(|s| self.clean(s))
                .filter(|s| !s.is_empty())
        }
    }

    /// Markdown: repaired and trimmed, but not otherwise touched.
    pub(super) fn markdown(self, s: &str) -> String {
        if self.verbatim {
            s.to_owned()
        } else {
            repair_mojibake(s.trim())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::import::DEMO_CONTENT;

    #[test]
    fn the_demo_content_parses() {
        let content = parse(DEMO_CONTENT).expect("demo content parses");
        assert_eq!(content.reviews.len(), 1);
        assert_eq!(content.reviews[0].comments.len(), 1);
    }

    #[test]
    fn a_malformed_slug_is_refused_before_anything_is_written() {
        let err = parse("[[films]]\nslug = \"Her Film\"\ntitle = \"Her\"\n").unwrap_err();
        assert!(
            matches!(&err, ImportError::Slug { slug, .. } if slug == "Her Film"),
            "{err}"
        );
        let err = parse("[[reviews]]\nslug = \"ok\"\nfilm = \"-bad\"\nheadline = \"H\"\nstatus = \"DRAFT\"\nbody = \"b\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("`-bad`"), "{err}");
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let err = parse("[[people]]\nslug = \"a\"\nname = \"A\"\nnickname = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("nickname"), "{err}");
    }

    #[test]
    fn a_comment_field_the_api_would_refuse_is_refused_with_its_line() {
        let file = |url: &str, body: &str| {
            format!(
                "[[reviews]]\nslug = \"r\"\nfilm = \"f\"\nheadline = \"H\"\nstatus = \"DRAFT\"\nbody = \"b\"\n\n  [[reviews.comments]]\n  key = \"k\"\n  author_name = \"Ada\"\n  author_url = \"{url}\"\n  status = \"APPROVED\"\n  body = \"{body}\"\n"
            )
        };
        let err = parse(&file("javascript:alert(1)", "Fine.")).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Field {
                    line: 11,
                    field: "author_url",
                    ..
                }
            ),
            "{err}"
        );
        let err = parse(&file("https://example.org", "<script>x</script>")).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Field {
                    line: 13,
                    field: "body",
                    ..
                }
            ),
            "{err}"
        );
        assert!(parse(&file("https://example.org", "Fine.")).is_ok());
    }

    /// A review with `comments`, each given as the lines of its table.
    fn with_comments(comments: &[&str]) -> String {
        let mut file = String::from(
            "[[reviews]]\nslug = \"r\"\nfilm = \"f\"\nheadline = \"H\"\nstatus = \"DRAFT\"\nbody = \"b\"\n",
        );
        for c in comments {
            file.push_str("\n[[reviews.comments]]\nauthor_name = \"Ada\"\nstatus = \"APPROVED\"\nbody = \"Hi.\"\n");
            file.push_str(c);
            file.push('\n');
        }
        file
    }

    #[test]
    fn a_reply_must_follow_its_parent_on_the_same_review() {
        assert!(
            parse(&with_comments(&[
                "key = \"a\"",
                "key = \"b\"\nparent = \"a\""
            ]))
            .is_ok()
        );
        let err = parse(&with_comments(&[
            "key = \"b\"\nparent = \"a\"",
            "key = \"a\"",
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("replies to `a`"), "{err}");
        let err = parse(&with_comments(&["key = \"a\"", "key = \"a\""])).unwrap_err();
        assert!(err.to_string().contains("`a` is used twice"), "{err}");
    }

    #[test]
    fn private_comment_fields_are_checked_like_the_server_writes_them() {
        let hash = "0123456789abcdef".repeat(4);
        let good = format!(
            "key = \"a\"\nidempotency_key = \"0b9c6a4e\"\nrequest_hash = \"{hash}\"\nclient_ip_hash = \"{hash}\"\nowner_token_hash = \"{hash}\"\nuser_agent = \"Mozilla/5.0\""
        );
        assert!(parse(&with_comments(&[&good])).is_ok());
        for (bad, field) in [
            ("idempotency_key = \"has space\"", "idempotency_key"),
            ("owner_token_hash = \"ABC\"", "owner_token_hash"),
            ("request_hash = \"not hex\"", "request_hash"),
        ] {
            let err = parse(&with_comments(&[&format!("key = \"a\"\n{bad}")])).unwrap_err();
            assert!(
                matches!(err, ImportError::Field { field: f, .. } if f == field),
                "{err}"
            );
        }
    }

    #[test]
    fn verbatim_text_is_kept_as_written() {
        let text = |verbatim| Text { verbatim };
        let typed = "  believable‚Ķ  ";
        assert_eq!(text(false).clean(typed), "believable…");
        assert_eq!(text(true).clean(typed), typed);
        assert_eq!(text(false).clean_opt(&Some(" ".into())), None);
        assert_eq!(
            text(true).clean_opt(&Some(String::new())),
            Some(String::new())
        );
        assert_eq!(text(true).markdown("    code\n"), "    code\n");
        assert!(parse("verbatim = true\n").unwrap().verbatim);
        assert!(!parse("").unwrap().verbatim);
    }

    #[test]
    fn aliases_must_be_valid_slugs() {
        let err = parse("[[people]]\nslug = \"a\"\nname = \"A\"\naliases = [\"Not A Slug\"]\n")
            .unwrap_err();
        assert!(
            matches!(&err, ImportError::Slug { slug, .. } if slug == "Not A Slug"),
            "{err}"
        );
    }
}
