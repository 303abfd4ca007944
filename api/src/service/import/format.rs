//! The content file: its rows as read, and the checks a file passes
//! before anything is written.

use chrono::{DateTime, Utc};
use entity::enums::{CommentStatus, CreditRole, ReviewStatus};
use serde::Deserialize;
use toml::Spanned;

use super::ImportError;
use crate::domain::text::repair_mojibake;
use crate::domain::{AuthorName, AuthorUrl, CommentBody, Email, Slug};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub url: String,
    pub alt: String,
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
    pub key: String,
    /// The author's fields keep where they stand in the file, so a refusal
    /// can name the line.
    pub author_name: Spanned<String>,
    pub author_email: Option<Spanned<String>>,
    pub author_url: Option<Spanned<String>>,
    pub body: Spanned<String>,
    pub status: CommentStatus,
    pub created_at: Option<DateTime<Utc>>,
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
}

impl CommentIn {
    /// The fields, validated after mis-decoded text is repaired. The error
    /// names the first refused field and its span in the file.
    pub fn validated(
        &self,
    ) -> Result<CommentFields, (std::ops::Range<usize>, &'static str, String)> {
        let refused = |span: std::ops::Range<usize>, field: &'static str| {
            move |e: crate::domain::FieldError| (span, field, e.message)
        };
        let author_name = AuthorName::parse(&clean(self.author_name.get_ref()))
            .map_err(refused(self.author_name.span(), "author_name"))?;
        let author_email = match &self.author_email {
            Some(email) => Some(
                Email::parse(&clean(email.get_ref()))
                    .map_err(refused(email.span(), "author_email"))?,
            ),
            None => None,
        };
        let author_url = match &self.author_url {
            Some(url) => AuthorUrl::parse(&clean(url.get_ref()))
                .map_err(refused(url.span(), "author_url"))?,
            None => None,
        };
        let body = CommentBody::parse(&clean(self.body.get_ref()))
            .map_err(refused(self.body.span(), "body"))?;
        Ok(CommentFields {
            author_name,
            author_email,
            author_url,
            body,
        })
    }
}

/// Parses a content file and checks every slug and every comment's author
/// fields in it, before anything is written.
pub fn parse(text: &str) -> Result<Content, ImportError> {
    let content: Content = toml::from_str(text)?;
    for comment in content.reviews.iter().flat_map(|r| &r.comments) {
        comment
            .validated()
            .map_err(|(span, field, reason)| ImportError::Field {
                line: text[..span.start.min(text.len())].matches('\n').count() + 1,
                field,
                reason,
            })?;
    }
    let slugs = content
        .people
        .iter()
        .map(|p| &p.slug)
        .chain(
            content
                .films
                .iter()
                .flat_map(|f| std::iter::once(&f.slug).chain(f.credits.iter().map(|c| &c.person))),
        )
        .chain(content.reviews.iter().flat_map(|r| {
            let comparisons = r
                .comparisons
                .iter()
                .chain(r.comments.iter().flat_map(|c| &c.comparisons));
            [&r.slug, &r.film]
                .into_iter()
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

/// Clean text: mis-decoded characters repaired, surrounding space trimmed.
pub(super) fn clean(s: &str) -> String {
    repair_mojibake(s).trim().to_owned()
}

pub(super) fn clean_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(clean).filter(|s| !s.is_empty())
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
}
