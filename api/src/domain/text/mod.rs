//! Text: lookup keys that ignore case and accents ([`names`]), repairing
//! mis-decoded UTF-8 ([`mojibake`]), and turning reviews (Markdown,
//! [`markdown`]) and reader comments (plain text, [`comment_html`]) into
//! HTML that is safe to embed, each through a last sanitizing pass
//! ([`sanitize`]).

pub mod comment_html;
pub mod markdown;
pub mod mojibake;
pub mod names;
mod sanitize;

pub use comment_html::plain_text_to_safe_html;
pub use markdown::{excerpt, markdown_to_plain_text, markdown_to_safe_html};
pub use mojibake::repair_mojibake;
pub use names::normalize_name;
