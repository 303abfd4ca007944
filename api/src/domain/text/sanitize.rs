//! The last pass over every HTML the API serves: [`ammonia`], with an
//! allow-list per renderer of exactly the tags and attributes that renderer
//! emits (the review policy sits in [`markdown`](super::markdown), the
//! comment policy in [`comment_html`](super::comment_html)). The renderers
//! escape everything already; this pass is defence in depth, so that a bug
//! in one of them cannot put a script on a page.

use std::cell::RefCell;

use ammonia::Builder;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Tag, Token, TokenSink, TokenSinkResult, Tokenizer};

/// Runs a renderer's `html` through `policy` and returns what may be
/// served.
///
/// ammonia parses the HTML as a browser would, drops what the policy does
/// not allow, and serializes the rest. Its serializer spells some things
/// differently from our renderers (`&quot;` and `&#39;` in text as `"` and
/// `'`, `<br />` as `<br>`), so when the sanitized HTML tokenizes exactly
/// as the renderer's does (the same tags, attributes and text, in the same
/// order), the pass removed nothing and the renderer's bytes are served
/// unchanged. Otherwise the sanitized HTML is served.
pub(super) fn sanitize(html: String, policy: &Builder<'_>) -> String {
    let clean = policy.clean(&html).to_string();
    if clean == html || tokens(&clean) == tokens(&html) {
        html
    } else {
        tracing::debug!("the HTML sanitizer changed a renderer's output");
        clean
    }
}

/// The tokens of `html` as an HTML tokenizer sees them, with character
/// references decoded, adjacent text joined, and parse errors and the
/// self-closing `/` left out.
///
/// Equal tokens give a browser the same tree. The tokenizer runs without a
/// tree builder, so it does not switch to raw text after `<script>`,
/// `<style>`, `<textarea>` and the like, nor to foreign content after
/// `<svg>` or `<math>`; but no policy allows any of these, so sanitized
/// HTML has none, and HTML whose tokens equal it has none either. The `/`
/// only matters in foreign content, for the same reason.
fn tokens(html: &str) -> Vec<Token> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Tokens::default(), Default::default());
    // The sink never pauses the tokenizer, so one feed reads everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Collects tokens for [`tokens`].
#[derive(Default)]
struct Tokens(RefCell<Vec<Token>>);

impl TokenSink for Tokens {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut tokens = self.0.borrow_mut();
        match token {
            Token::ParseError(_) | Token::EOFToken => {}
            Token::CharacterTokens(text) => match tokens.last_mut() {
                Some(Token::CharacterTokens(previous)) => previous.push_tendril(&text),
                _ => tokens.push(Token::CharacterTokens(text)),
            },
            Token::TagToken(tag) => tokens.push(Token::TagToken(Tag {
                self_closing: false,
                ..tag
            })),
            other => tokens.push(other),
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    /// A small policy: paragraphs, line breaks, and links to https.
    fn policy() -> Builder<'static> {
        let mut policy = Builder::empty();
        policy
            .tags(HashSet::from(["p", "br", "a"]))
            .generic_attributes(HashSet::new())
            .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
            .url_schemes(HashSet::from(["https"]))
            .link_rel(None);
        policy
    }

    #[test]
    fn allowed_html_is_served_byte_for_byte() {
        for html in [
            "<p>plain</p>",
            "<p>&quot;quoted&quot; &#39;single&#39; &amp; &lt;b&gt;</p>",
            "<p>one<br />\ntwo</p>\n<p>three</p>\n",
            "<p><a href=\"https://example.com/?a=1&amp;b=2\">link</a></p>",
            "",
        ] {
            assert_eq!(sanitize(html.to_owned(), &policy()), html);
        }
    }

    #[test]
    fn a_script_is_removed_with_its_content() {
        assert_eq!(
            sanitize("<p>hi</p><script>alert(1)</script>".to_owned(), &policy()),
            "<p>hi</p>"
        );
    }

    #[test]
    fn event_handlers_and_other_unlisted_attributes_are_removed() {
        assert_eq!(
            sanitize(
                "<p onclick=\"alert(1)\" style=\"color: red\">hi</p>".to_owned(),
                &policy()
            ),
            "<p>hi</p>"
        );
    }

    #[test]
    fn an_unlisted_tag_is_removed_but_its_text_kept() {
        assert_eq!(
            sanitize(
                "<p><b onmouseover=\"x()\">bold</b></p>".to_owned(),
                &policy()
            ),
            "<p>bold</p>"
        );
    }

    #[test]
    fn a_link_to_an_unlisted_scheme_loses_its_destination() {
        assert_eq!(
            sanitize(
                "<a href=\"javascript:alert(1)\">x</a> <a href=\"http://example.com\">y</a>"
                    .to_owned(),
                &policy()
            ),
            "<a>x</a> <a>y</a>"
        );
    }

    #[test]
    fn markup_hidden_in_a_comment_or_unclosed_tag_is_removed() {
        assert_eq!(
            sanitize("<p>a<!-- <script> -->b</p>".to_owned(), &policy()),
            "<p>ab</p>"
        );
        assert_eq!(
            sanitize("<p>a<img src=x onerror=alert(1)".to_owned(), &policy()),
            "<p>a</p>"
        );
    }

    #[test]
    fn equal_tokens_ignore_entity_spelling_and_the_void_slash_only() {
        assert_eq!(tokens("&quot;a&#39;<br />"), tokens("\"a'<br>"));
        assert_ne!(tokens("<p>a</p>"), tokens("<p>a"));
        assert_ne!(
            tokens("<a href=\"/x\" title=\"t\">"),
            tokens("<a title=\"t\" href=\"/x\">")
        );
        assert_ne!(tokens("a<!-- c -->b"), tokens("ab"));
    }
}
