//! The optional website a commenter links their name to.

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;

use super::{FieldError, InputErrorCode};

/// The input field this type validates.
const FIELD: &str = "authorUrl";

/// The longest URL accepted, in UTF-8 bytes, after `http://` was added.
pub const MAX_BYTES: usize = 200;

/// An absolute `http` or `https` URL with a plausible host, safe to put in an
/// `href` attribute: it has no whitespace, control characters or `<>"'`.
///
/// The scheme and host are stored lowercased; the path, query and fragment
/// are kept as given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthorUrl(String);

impl AuthorUrl {
    /// Validates `input`; the field is optional, so a blank input is
    /// `Ok(None)`.
    ///
    /// Surrounding whitespace is trimmed. Like WordPress, an input without a
    /// scheme gets `http://` in front (`example.com/me` becomes
    /// `http://example.com/me`, `//example.com` becomes `http://example.com`).
    /// A result longer than 200 bytes is [`InputErrorCode::TooLong`];
    /// anything that is not an `http`/`https` URL with a host of ASCII
    /// letters, digits, hyphens and dots (or an IPv4 address), an optional
    /// port, and no whitespace, control characters or `<>"'` is
    /// [`InputErrorCode::InvalidUrl`]. User information (`user@host`) is
    /// refused too, since it is mostly used to disguise where a link goes.
    pub fn parse(input: &str) -> Result<Option<AuthorUrl>, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let with_scheme = with_default_scheme(trimmed);
        if with_scheme.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("Website must be at most {MAX_BYTES} bytes (UTF-8)."),
            ));
        }
        match normalise(&with_scheme) {
            Some(url) => Ok(Some(AuthorUrl(url))),
            None => Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidUrl,
                "Enter a valid http or https address.",
            )),
        }
    }

    /// The URL as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Puts `http://` in front of an input that has no scheme of its own.
fn with_default_scheme(s: &str) -> Cow<'_, str> {
    if s.starts_with("//") {
        Cow::Owned(format!("http:{s}"))
    } else if has_scheme(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("http://{s}"))
    }
}

/// Whether `s` starts with `scheme:` (RFC 3986: a letter, then letters,
/// digits, `+`, `-` or `.`). `example.com:8080` is a host and port, not a
/// scheme, so a colon followed by a digit does not count.
fn has_scheme(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.starts_with(|c: char| c.is_ascii_digit())
}

/// Checks an absolute URL and lowercases its scheme and host, or `None` if
/// it is not acceptable.
fn normalise(url: &str) -> Option<String> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\''))
    {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !is_host(host) || !port.is_none_or(is_port) {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{scheme}://{host}{port}{tail}"))
}

/// A DNS name of dot-separated labels (ASCII letters, digits, inner
/// hyphens), or a dotted-quad IPv4 address.
fn is_host(host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    if host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return host.parse::<Ipv4Addr>().is_ok();
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

/// A TCP port number written in decimal.
fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.chars().all(|c| c.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p != 0)
}

impl AsRef<str> for AuthorUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AuthorUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(input: &str) -> String {
        AuthorUrl::parse(input)
            .expect("should be accepted")
            .expect("should not be blank")
            .into_inner()
    }

    fn code_of(input: &str) -> InputErrorCode {
        AuthorUrl::parse(input).expect_err("should be refused").code
    }

    #[test]
    fn a_blank_url_is_none_because_the_field_is_optional() {
        assert_eq!(AuthorUrl::parse(""), Ok(None));
        assert_eq!(AuthorUrl::parse("  \t\n"), Ok(None));
    }

    #[test]
    fn an_https_url_is_accepted_unchanged() {
        assert_eq!(
            accepted("https://example.com/about?x=1#top"),
            "https://example.com/about?x=1#top"
        );
    }

    #[test]
    fn an_http_url_is_accepted() {
        assert_eq!(accepted("http://example.com"), "http://example.com");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(
            accepted("  https://example.com/ \n"),
            "https://example.com/"
        );
    }

    #[test]
    fn a_url_without_a_scheme_gets_http_in_front() {
        assert_eq!(accepted("example.com/me"), "http://example.com/me");
        assert_eq!(accepted("www.example.com"), "http://www.example.com");
    }

    #[test]
    fn a_host_and_port_without_a_scheme_gets_http_in_front() {
        assert_eq!(accepted("example.com:8080/x"), "http://example.com:8080/x");
        assert_eq!(accepted("localhost:3000"), "http://localhost:3000");
    }

    #[test]
    fn a_protocol_relative_url_gets_http_in_front() {
        assert_eq!(accepted("//example.com/a"), "http://example.com/a");
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_stored_lowercased() {
        assert_eq!(
            accepted("HTTPS://Example.COM/Path"),
            "https://example.com/Path"
        );
    }

    #[test]
    fn the_path_keeps_its_case() {
        assert_eq!(accepted("example.com/MyBlog"), "http://example.com/MyBlog");
    }

    #[test]
    fn a_javascript_url_is_rejected() {
        let err = AuthorUrl::parse("javascript:alert(1)").unwrap_err();
        assert_eq!(err.field, "authorUrl");
        assert_eq!(err.code, InputErrorCode::InvalidUrl);
        assert_eq!(code_of("JavaScript:alert(1)"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn other_schemes_are_rejected() {
        for input in [
            "ftp://example.com",
            "mailto:me@example.com",
            "data:text/html,hi",
            "file:///etc/passwd",
            "vbscript:msgbox",
        ] {
            assert_eq!(code_of(input), InputErrorCode::InvalidUrl, "{input}");
        }
    }

    #[test]
    fn a_url_without_a_host_is_rejected() {
        assert_eq!(code_of("http://"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("http:///path"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("https://:8080"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("/just/a/path"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn a_scheme_without_slashes_is_rejected() {
        assert_eq!(code_of("http:example.com"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn whitespace_inside_is_rejected() {
        assert_eq!(code_of("http://exa mple.com"), InputErrorCode::InvalidUrl);
        assert_eq!(
            code_of("http://example.com/a b"),
            InputErrorCode::InvalidUrl
        );
        assert_eq!(code_of("java\tscript:alert(1)"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn markup_characters_are_rejected_anywhere() {
        for input in [
            "http://example.com/<script>",
            "http://example.com/\"onmouseover=\"x",
            "http://example.com/'x'",
            "http://example.com/?a=>",
        ] {
            assert_eq!(code_of(input), InputErrorCode::InvalidUrl, "{input}");
        }
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            code_of("http://example.com/\u{0}"),
            InputErrorCode::InvalidUrl
        );
        assert_eq!(
            code_of("http://example.com/\u{7F}"),
            InputErrorCode::InvalidUrl
        );
    }

    #[test]
    fn a_host_with_invalid_characters_is_rejected() {
        assert_eq!(code_of("http://exa_mple.com"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("http://exämple.com"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("http://example..com"), InputErrorCode::InvalidUrl);
        assert_eq!(code_of("http://-example.com"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn user_information_before_the_host_is_rejected() {
        assert_eq!(
            code_of("http://trusted.example@evil.example/"),
            InputErrorCode::InvalidUrl
        );
    }

    #[test]
    fn an_ipv4_host_is_accepted() {
        assert_eq!(accepted("http://192.168.0.1/x"), "http://192.168.0.1/x");
    }

    #[test]
    fn an_out_of_range_ipv4_host_is_rejected() {
        assert_eq!(code_of("http://999.1.1.1/"), InputErrorCode::InvalidUrl);
    }

    #[test]
    fn a_bad_port_is_rejected() {
        assert_eq!(code_of("http://example.com:/"), InputErrorCode::InvalidUrl);
        assert_eq!(
            code_of("http://example.com:99999/"),
            InputErrorCode::InvalidUrl
        );
        assert_eq!(
            code_of("http://example.com:8o/"),
            InputErrorCode::InvalidUrl
        );
    }

    #[test]
    fn a_url_of_exactly_200_bytes_is_accepted() {
        let input = format!("https://example.com/{}", "a".repeat(MAX_BYTES - 20));
        assert_eq!(input.len(), MAX_BYTES);
        assert_eq!(accepted(&input), input);
    }

    #[test]
    fn a_url_longer_than_200_bytes_is_too_long() {
        let input = format!("https://example.com/{}", "a".repeat(MAX_BYTES - 19));
        let err = AuthorUrl::parse(&input).unwrap_err();
        assert_eq!(err.code, InputErrorCode::TooLong);
        assert_eq!(err.field, "authorUrl");
    }

    #[test]
    fn the_length_limit_counts_the_added_scheme() {
        // 194 bytes as typed, 201 once `http://` is in front.
        let input = format!("example.com/{}", "a".repeat(182));
        assert_eq!(input.len(), 194);
        assert_eq!(code_of(&input), InputErrorCode::TooLong);
    }

    #[test]
    fn display_as_ref_and_into_inner_agree() {
        let url = AuthorUrl::parse("Example.com").unwrap().unwrap();
        assert_eq!(url.to_string(), "http://example.com");
        assert_eq!(url.as_ref(), "http://example.com");
        assert_eq!(url.into_inner(), "http://example.com");
    }
}
