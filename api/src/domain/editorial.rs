//! Validated editorial input: one-line texts (titles, names, headlines),
//! long texts (a review's Markdown), web addresses and release years. Each
//! `parse` takes the input field's name, so one type serves many fields
//! and its refusals name the field the editor typed into.

use super::{FieldError, InputErrorCode};

/// One line of text: trimmed, not blank, at most `max` bytes, and free of
/// control characters (a line break in a title is a paste accident).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    /// `REQUIRED` when blank, `TOO_LONG` past `max` bytes (UTF-8),
    /// `INVALID_FORMAT` with a control character.
    pub fn parse(field: &'static str, input: &str, max: usize) -> Result<Line, FieldError> {
        checked_text(
            field,
            input,
            max,
            char::is_control,
            "Use one line of text, without control characters.",
        )
        .map(Line)
    }

    /// Like [`Line::parse`], but a blank input is `None`.
    pub fn optional(
        field: &'static str,
        input: Option<&str>,
        max: usize,
    ) -> Result<Option<Line>, FieldError> {
        match input.map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Line::parse(field, text, max).map(Some),
            None => Ok(None),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text of one or more paragraphs (Markdown, a synopsis, a note): trimmed,
/// not blank, at most `max` bytes; line breaks and tabs are kept, other
/// control characters refused. Windows line endings become `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prose(String);

impl Prose {
    /// `REQUIRED` when blank, `TOO_LONG` past `max` bytes (UTF-8),
    /// `INVALID_FORMAT` with a control character other than a line break
    /// or a tab.
    pub fn parse(field: &'static str, input: &str, max: usize) -> Result<Prose, FieldError> {
        checked_text(
            field,
            &input.replace("\r\n", "\n"),
            max,
            |c| c.is_control() && c != '\n' && c != '\t',
            "The text holds control characters that are not allowed.",
        )
        .map(Prose)
    }

    /// Like [`Prose::parse`], but a blank input is `None`.
    pub fn optional(
        field: &'static str,
        input: Option<&str>,
        max: usize,
    ) -> Result<Option<Prose>, FieldError> {
        match input.filter(|s| !s.trim().is_empty()) {
            Some(text) => Prose::parse(field, text, max).map(Some),
            None => Ok(None),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `input` trimmed: `REQUIRED` when blank, `TOO_LONG` past `max` bytes,
/// `INVALID_FORMAT` (saying `refusal`) with a character `refused` names.
fn checked_text(
    field: &'static str,
    input: &str,
    max: usize,
    refused: impl Fn(char) -> bool,
    refusal: &'static str,
) -> Result<String, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(FieldError::new(
            field,
            InputErrorCode::Required,
            "This field is required.",
        ));
    }
    if text.len() > max {
        return Err(too_long(field, max));
    }
    if text.chars().any(refused) {
        return Err(FieldError::new(
            field,
            InputErrorCode::InvalidFormat,
            refusal,
        ));
    }
    Ok(text.to_owned())
}

/// Where an image is served: an absolute `http(s)` URL, or a path on the
/// site (`/media/her.jpg`). At most 500 bytes, with no whitespace, control
/// characters or `<>"'\`, so it is safe in an attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl(String);

/// The longest [`WebUrl`], in bytes.
pub const MAX_URL_BYTES: usize = 500;

impl WebUrl {
    /// `REQUIRED` when blank, `TOO_LONG` past 500 bytes, `INVALID_URL`
    /// otherwise when it is neither an http(s) URL with a host nor a path
    /// starting with a single `/`.
    pub fn parse(field: &'static str, input: &str) -> Result<WebUrl, FieldError> {
        let url = input.trim();
        if url.is_empty() {
            return Err(FieldError::new(
                field,
                InputErrorCode::Required,
                "This field is required.",
            ));
        }
        if url.len() > MAX_URL_BYTES {
            return Err(too_long(field, MAX_URL_BYTES));
        }
        let safe = !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'\\`".contains(c));
        let lower = url.to_ascii_lowercase();
        let host_start = ["https://", "http://"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme));
        let shaped = match host_start {
            Some(rest) => rest
                .split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty() && !host.contains('@')),
            None => url.starts_with('/') && !url.starts_with("//"),
        };
        if safe && shaped {
            Ok(WebUrl(url.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                InputErrorCode::InvalidUrl,
                "Enter an http(s) address or a path on this site starting with `/`.",
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A film's release year, 1870 to 2100.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseYear(i32);

impl ReleaseYear {
    pub const RANGE: std::ops::RangeInclusive<i32> = 1870..=2100;

    /// `INVALID_FORMAT` outside 1870..=2100.
    pub fn parse(field: &'static str, year: i32) -> Result<ReleaseYear, FieldError> {
        if Self::RANGE.contains(&year) {
            Ok(ReleaseYear(year))
        } else {
            Err(FieldError::new(
                field,
                InputErrorCode::InvalidFormat,
                format!(
                    "A release year is between {} and {}.",
                    Self::RANGE.start(),
                    Self::RANGE.end()
                ),
            ))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

fn too_long(field: &'static str, max: usize) -> FieldError {
    FieldError::new(
        field,
        InputErrorCode::TooLong,
        format!("This field must be at most {max} bytes (UTF-8)."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_trimmed_and_checked() {
        assert_eq!(Line::parse("title", "  Her ", 10).unwrap().as_str(), "Her");
        let code = |input: &str| Line::parse("title", input, 5).unwrap_err().code;
        assert_eq!(code("   "), InputErrorCode::Required);
        assert_eq!(code("abcdef"), InputErrorCode::TooLong);
        assert_eq!(code("a\nb"), InputErrorCode::InvalidFormat);
        assert_eq!(Line::optional("byline", Some("  "), 5).unwrap(), None);
        assert_eq!(Line::parse("title", "  ", 5).unwrap_err().field, "title");
    }

    #[test]
    fn prose_keeps_paragraphs_and_refuses_other_controls() {
        let p = Prose::parse("body", "One.\r\n\r\nTwo.\t", 100).unwrap();
        assert_eq!(p.as_str(), "One.\n\nTwo.");
        let err = Prose::parse("body", "bad\u{7}", 100).unwrap_err();
        assert_eq!(err.code, InputErrorCode::InvalidFormat);
        assert_eq!(err.field, "body");
        assert_eq!(Prose::optional("verdict", Some(" \n "), 9).unwrap(), None);
    }

    #[test]
    fn web_urls_are_http_or_site_paths() {
        for ok in [
            "/media/her.jpg",
            "https://example.com/a.jpg",
            "http://img.example.org",
        ] {
            assert!(WebUrl::parse("posterUrl", ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.example/x.jpg",
            "https://",
            "https://user@evil.example/",
            "/a b.jpg",
            "/a\".jpg",
            "media/her.jpg",
        ] {
            let err = WebUrl::parse("posterUrl", bad).unwrap_err();
            assert_eq!(err.code, InputErrorCode::InvalidUrl, "{bad}");
        }
    }

    #[test]
    fn release_years_are_plausible() {
        assert_eq!(ReleaseYear::parse("releaseYear", 2013).unwrap().get(), 2013);
        assert!(ReleaseYear::parse("releaseYear", 1800).is_err());
        assert!(ReleaseYear::parse("releaseYear", 3000).is_err());
    }
}
