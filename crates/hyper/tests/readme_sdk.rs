//! The README's AWS SDK snippet is compiled as a doctest (`src/lib.rs` includes the README
//! under `cfg(doctest)`), but it cannot run there: it would need AWS. The impl's doctest in
//! `src/aws_sdk.rs` runs the same code against the emulator; this test keeps the two the same,
//! line for line (the doctest's hidden `# ` lines aside).

/// The lines of the fenced block that starts right after the line containing `marker`.
fn readme_block(readme: &str, marker: &str) -> Vec<String> {
    let start = readme.find(marker).expect("the README has the SDK snippet");
    let rest = &readme[start..];
    let open = rest.find("```rust").expect("a rust block follows");
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = body.find("\n```").expect("the block ends");
    body[..end].lines().map(str::to_string).collect()
}

/// The visible lines of the first doctest in `source`'s `///` comments.
fn doctest_lines(source: &str) -> Vec<String> {
    let doc: Vec<&str> = source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("///"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let open = doc
        .iter()
        .position(|l| l.starts_with("```"))
        .expect("a doctest");
    let close = open
        + 1
        + doc[open + 1..]
            .iter()
            .position(|l| l.starts_with("```"))
            .unwrap();
    doc[open + 1..close]
        .iter()
        .filter(|l| !(l.trim_start().starts_with("# ") || l.trim() == "#"))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn the_readme_sdk_snippet_is_the_code_the_doctest_runs() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/aws_sdk.rs")).unwrap();
    let readme = readme_block(&readme, "With the `aws-sdk` feature of `awscred-hyper`");
    let doctest = doctest_lines(&source);
    assert!(readme.len() > 10, "{readme:?}");
    assert_eq!(readme, doctest);
}
