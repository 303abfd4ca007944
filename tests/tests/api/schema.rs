//! The committed `schema.graphql` matches the code.

#[test]
fn the_committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed =
        std::fs::read_to_string(path).expect("schema.graphql exists at the workspace root");
    let current = marquee_tests::marquee::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: run `cargo run -- schema --output schema.graphql` and commit it"
    );
}

#[test]
fn every_type_and_field_in_the_schema_is_documented() {
    let sdl = marquee_tests::marquee::graphql::sdl();
    let mut undocumented = Vec::new();
    let mut in_description = false;
    let mut documented = false;
    let mut in_schema_block = false;
    for line in sdl.lines() {
        let t = line.trim();
        if t.starts_with("schema {") || t.starts_with("directive ") {
            in_schema_block = t.ends_with('{');
            continue;
        }
        if in_schema_block {
            in_schema_block = t != "}";
            continue;
        }
        if in_description {
            if t.ends_with("\"\"\"") {
                in_description = false;
                documented = true;
            }
            continue;
        }
        if t.starts_with("\"\"\"") {
            in_description = !(t.len() > 6 && t.ends_with("\"\"\""));
            documented = !in_description;
            continue;
        }
        if t.starts_with('"') {
            documented = true;
            continue;
        }
        let is_definition = ["type ", "input ", "enum ", "interface ", "union "]
            .iter()
            .any(|k| t.starts_with(k));
        let is_member = line.starts_with('\t') && !t.is_empty() && t != "}";
        if (is_definition || is_member) && !documented {
            undocumented.push(t.to_owned());
        }
        documented = false;
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}
