//! The shape of a GraphQL document, measured before any expensive step.
//!
//! async-graphql's own depth and complexity checks walk every field of the
//! document *after* fragment expansion, as does execution. Eight fragments
//! that each spread the next ten times make 10⁸ fields out of 747 bytes, so
//! those checks cannot be the first line of defence. Here a document is
//! measured in time linear in its text:
//!
//! 1. [`scan`] reads the raw text once, before the parser runs, counting
//!    tokens and how deeply brackets nest (the parser recurses on nesting).
//! 2. [`measure`] walks the parsed document once, memoising each fragment,
//!    and counts what the document *would* expand to: fields, aliases, root
//!    fields, directives, `__schema` selections and introspection depth.
//!
//! [`Limits::check`] compares the measures with the limits; a batch counts
//! as the sum of its operations.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

use crate::error::{ApiError, Limit};

/// What a raw document measures before it is parsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Lexical tokens (names, numbers, strings, punctuators).
    pub tokens: u64,
    /// The deepest nesting of `{`, `(` and `[`.
    pub nesting: u64,
}

/// Counts tokens and bracket nesting in one pass, skipping comments,
/// commas and whitespace, and reading strings (block strings too) whole.
/// It never fails: text the parser will refuse is still counted.
pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let (mut i, mut depth, mut scan) = (0usize, 0u64, Scan::default());
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            // A UTF-8 byte order mark.
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                scan.tokens += 1;
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                scan.tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'(' | b'[' => {
                scan.tokens += 1;
                depth += 1;
                scan.nesting = scan.nesting.max(depth);
                i += 1;
            }
            b'}' | b')' | b']' => {
                scan.tokens += 1;
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                scan.tokens += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                scan.tokens += 1;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'+'))
                {
                    i += 1;
                }
            }
            _ => {
                scan.tokens += 1;
                i += 1;
            }
        }
    }
    scan
}

/// What a parsed document would expand to. Counts saturate rather than
/// overflow, so a document that expands to more than `u64::MAX` fields is
/// still measured, and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Field selections after fragment expansion, `__typename` and
    /// introspection fields included.
    pub fields: u64,
    /// Aliased fields after expansion.
    pub aliases: u64,
    /// Fields at the root of the operations, after expansion.
    pub root_fields: u64,
    /// The most directives on any one field, fragment or operation.
    pub directives: u64,
    /// `__schema` selections after expansion.
    pub schema_selections: u64,
    /// The most type-expanding introspection fields (`fields`,
    /// `inputFields`, `interfaces`, `possibleTypes`, `types`) on one path:
    /// how far an introspection query recurses through the type graph.
    /// (`ofType` is not counted: it only unwraps lists and non-nulls, so its
    /// chain is as short as the schema's deepest wrapping.)
    pub introspection_depth: u64,
}

impl Shape {
    /// The shape of a batch: counts add up, maxima stay maxima.
    pub fn sum(self, other: Shape) -> Shape {
        Shape {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            root_fields: self.root_fields.saturating_add(other.root_fields),
            directives: self.directives.max(other.directives),
            schema_selections: self
                .schema_selections
                .saturating_add(other.schema_selections),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
        }
    }
}

/// A selection set's measures: the document's, plus what a parent needs.
#[derive(Debug, Clone, Copy, Default)]
struct SetShape {
    shape: Shape,
    /// Fields directly in this set once fragments are flattened.
    top_fields: u64,
}

impl SetShape {
    fn add(&mut self, other: SetShape) {
        self.shape = self.shape.sum(other.shape);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
    }
}

/// Introspection fields that lead on to more types.
const TYPE_EXPANDING: [&str; 5] = [
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "types",
];

enum Memo {
    InProgress,
    Done(SetShape),
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    /// Keyed by fragment name and whether it is read inside introspection.
    memo: HashMap<(&'a str, bool), Memo>,
}

/// Measures `doc`. A fragment that spreads itself (directly or not), or a
/// spread of a fragment the document does not define, is refused here, as
/// validation would refuse it: the first expands without end, and the
/// second would hide how far the spreads above it expand. With every
/// fragment known, each spread ends in at least one counted field, so the
/// field limit also bounds the walks async-graphql makes over the
/// expanded document.
pub fn measure(doc: &ExecutableDocument) -> Result<Shape, ApiError> {
    let mut walker = Walker {
        doc,
        memo: HashMap::new(),
    };
    let mut total = Shape::default();
    for (_, operation) in doc.operations.iter() {
        let set = walker.set(&operation.node.selection_set.node, false)?;
        let mut shape = set.shape;
        shape.root_fields = set.top_fields;
        shape.directives = shape.directives.max(operation.node.directives.len() as u64);
        total = total.sum(shape);
    }
    // Fragments no operation uses are still validated, so still measured.
    for (name, fragment) in &doc.fragments {
        let introspection = fragment.node.type_condition.node.on.node.starts_with("__");
        if !walker.memo.contains_key(&(name.as_str(), introspection)) {
            let set = walker.fragment(name.as_str(), introspection)?;
            total = total.sum(set.shape);
        }
    }
    Ok(total)
}

impl<'a> Walker<'a> {
    fn set(&mut self, set: &'a SelectionSet, introspection: bool) -> Result<SetShape, ApiError> {
        let mut total = SetShape::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let inside = introspection || name == "__schema" || name == "__type";
                    let sub = self.set(&field.selection_set.node, inside)?;
                    let mut shape = sub.shape;
                    shape.fields = shape.fields.saturating_add(1);
                    shape.aliases = shape
                        .aliases
                        .saturating_add(u64::from(field.alias.is_some()));
                    shape.root_fields = 0;
                    shape.directives = shape.directives.max(field.directives.len() as u64);
                    shape.schema_selections = shape
                        .schema_selections
                        .saturating_add(u64::from(name == "__schema"));
                    if inside && TYPE_EXPANDING.contains(&name) {
                        shape.introspection_depth += 1;
                    }
                    total.add(SetShape {
                        shape,
                        top_fields: 1,
                    });
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let mut sub = self.fragment(name, introspection)?;
                    sub.shape.directives = sub
                        .shape
                        .directives
                        .max(spread.node.directives.len() as u64);
                    total.add(sub);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let inside = introspection
                        || inline
                            .type_condition
                            .as_ref()
                            .is_some_and(|t| t.node.on.node.starts_with("__"));
                    let mut sub = self.set(&inline.selection_set.node, inside)?;
                    sub.shape.directives = sub.shape.directives.max(inline.directives.len() as u64);
                    total.add(sub);
                }
            }
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str, introspection: bool) -> Result<SetShape, ApiError> {
        let Some(fragment) = self.doc.fragments.get(name) else {
            // Refused here, not left to validation: counted as nothing, a
            // spread of it would let the spreads above it multiply without
            // a field to count, and async-graphql walks every one of them.
            return Err(ApiError::InvalidDocument {
                message: format!("Unknown fragment \"{name}\"."),
            });
        };
        let introspection =
            introspection || fragment.node.type_condition.node.on.node.starts_with("__");
        match self.memo.get(&(name, introspection)) {
            Some(Memo::Done(shape)) => return Ok(*shape),
            Some(Memo::InProgress) => {
                return Err(ApiError::InvalidDocument {
                    message: format!("Fragment \"{name}\" spreads itself."),
                });
            }
            None => {}
        }
        self.memo.insert((name, introspection), Memo::InProgress);
        let mut shape = self.set(&fragment.node.selection_set.node, introspection)?;
        shape.shape.directives = shape
            .shape
            .directives
            .max(fragment.node.directives.len() as u64);
        self.memo.insert((name, introspection), Memo::Done(shape));
        Ok(shape)
    }
}

/// The type of the operation a request runs: the one named
/// `operation_name`, or the document's only operation. None when that is
/// ambiguous or missing, which execution refuses without running anything.
pub fn operation_type(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<OperationType> {
    let mut operations = doc.operations.iter();
    let (_, operation) = match operation_name {
        Some(name) => operations.find(|(n, _)| n.map(|n| n.as_str()) == Some(name))?,
        None => match (operations.next(), operations.next()) {
            (Some(only), None) => only,
            _ => return None,
        },
    };
    Some(operation.node.ty)
}

/// The limits a request is held to before it is validated or run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one document's text.
    pub document_bytes: u64,
    /// Tokens, summed over a batch.
    pub tokens: u64,
    /// Bracket nesting of one document.
    pub nesting: u64,
    /// Fields after expansion, summed over a batch.
    pub fields: u64,
    /// Aliases after expansion, summed over a batch.
    pub aliases: u64,
    /// Root fields, summed over a batch.
    pub root_fields: u64,
    /// Directives on one field, fragment or operation.
    pub directives: u64,
    /// `__schema` selections in a request.
    pub schema_selections: u64,
    /// Type-expanding introspection fields on one path.
    pub introspection_depth: u64,
}

impl Limits {
    /// Refuses a document's text before it is parsed. `tokens_so_far`
    /// counts the batch's earlier documents.
    pub fn check_text(&self, text: &str, tokens_so_far: u64) -> Result<Scan, ApiError> {
        let bytes = text.len() as u64;
        over(Limit::DocumentBytes, self.document_bytes, bytes)?;
        let scan = scan(text);
        over(Limit::Nesting, self.nesting, scan.nesting)?;
        over(
            Limit::Tokens,
            self.tokens,
            tokens_so_far.saturating_add(scan.tokens),
        )?;
        Ok(scan)
    }

    /// Refuses a parsed request (a batch summed into one shape).
    pub fn check_shape(&self, shape: &Shape) -> Result<(), ApiError> {
        over(Limit::Fields, self.fields, shape.fields)?;
        over(Limit::Aliases, self.aliases, shape.aliases)?;
        over(Limit::RootFields, self.root_fields, shape.root_fields)?;
        over(Limit::Directives, self.directives, shape.directives)?;
        over(
            Limit::SchemaSelections,
            self.schema_selections,
            shape.schema_selections,
        )?;
        over(
            Limit::IntrospectionDepth,
            self.introspection_depth,
            shape.introspection_depth,
        )
    }
}

fn over(limit: Limit, max: u64, actual: u64) -> Result<(), ApiError> {
    if actual > max {
        Err(ApiError::LimitExceeded { limit, max, actual })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn shape(query: &str) -> Shape {
        measure(&parse_query(query).unwrap()).unwrap()
    }

    /// `levels` fragments, each spreading the next `fan` times.
    fn fan_out(levels: usize, fan: usize) -> String {
        let mut q = String::from("query { ...F0 }\n");
        for level in 0..levels {
            let body = if level + 1 == levels {
                "__typename".to_owned()
            } else {
                format!("...F{} ", level + 1).repeat(fan)
            };
            q.push_str(&format!("fragment F{level} on Query {{ {body} }}\n"));
        }
        q
    }

    #[test]
    fn fragments_count_once_per_spread_and_are_walked_once() {
        let s = shape(&fan_out(8, 10));
        assert_eq!(s.fields, 10_000_000);
        assert_eq!(s.root_fields, 10_000_000);
        // Far deeper than any field count fits in: saturates, never panics.
        let s = shape(&fan_out(40, 10));
        assert_eq!(s.fields, u64::MAX);
    }

    #[test]
    fn aliases_root_fields_and_directives_are_counted() {
        let s = shape(
            "{ a: __typename b: __typename review(slug: \"x\") @skip(if: false) @include(if: true) { headline } }",
        );
        assert_eq!(s.fields, 4);
        assert_eq!(s.aliases, 2);
        assert_eq!(s.root_fields, 3);
        assert_eq!(s.directives, 2);
    }

    #[test]
    fn introspection_is_measured_through_fragments() {
        let circular = "query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }";
        let s = shape(circular);
        assert_eq!(s.schema_selections, 1);
        assert_eq!(s.introspection_depth, 5);
        let via_fragment = "query { __schema { types { ...T } } } fragment T on __Type { fields { type { ofType { name } } } }";
        let s = shape(via_fragment);
        assert_eq!(s.introspection_depth, 2);
        // A field called `fields` outside introspection is not counted.
        assert_eq!(shape("{ fields { fields { x } } }").introspection_depth, 0);
    }

    #[test]
    fn the_operation_run_is_the_named_one_or_the_only_one() {
        let doc = parse_query("query A { x } mutation B { y }").unwrap();
        assert_eq!(
            operation_type(&doc, Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(operation_type(&doc, Some("C")), None);
        assert_eq!(operation_type(&doc, None), None);
        let doc = parse_query("subscription { x }").unwrap();
        assert_eq!(
            operation_type(&doc, None),
            Some(OperationType::Subscription)
        );
    }

    #[test]
    fn a_spread_of_an_unknown_fragment_is_refused() {
        // Ten spreads per level of a fragment that ends in nothing known.
        let mut q = fan_out(8, 10);
        q = q.replace(
            "fragment F7 on Query { __typename }",
            "fragment F7 on Query { ...Missing }",
        );
        assert!(matches!(
            measure(&parse_query(&q).unwrap()),
            Err(ApiError::InvalidDocument { .. })
        ));
    }

    #[test]
    fn a_fragment_that_spreads_itself_is_refused() {
        let doc = parse_query("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
            .unwrap();
        assert!(matches!(
            measure(&doc),
            Err(ApiError::InvalidDocument { .. })
        ));
    }

    #[test]
    fn scanning_counts_tokens_and_nesting_but_not_strings_or_comments() {
        let s = scan("# a comment { { {\n{ review(slug: \"{{{ }\") { headline } }");
        assert_eq!(s.nesting, 2);
        // { review ( slug : "…" ) { headline } }
        assert_eq!(s.tokens, 11);
        let s = scan(r#"{ a(b: """ {{{ \""" """) }"#);
        assert_eq!(s.nesting, 2);
        assert_eq!(scan(&"[".repeat(10_000)).nesting, 10_000);
        // Unterminated strings and stray bytes still end.
        assert_eq!(scan("\"abc").tokens, 1);
        assert_eq!(scan("\"\"\"abc").tokens, 1);
    }
}
