//! Where the interop tests find the independent peers `.ci/install-interop` installs, so that
//! every suite locates them (and fails under CI without them) the same way.

use std::path::PathBuf;

/// The AWS CLI v2 the interop tests run against: `AWSCRED_AWS_CLI`, else the one
/// `.ci/install-interop` puts under `target/interop/`. `None` after a notice on stderr when it
/// is not installed, and a panic when `CI` is set, so that CI never skips those tests.
pub fn aws_cli() -> Option<PathBuf> {
    let path = match std::env::var_os("AWSCRED_AWS_CLI") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/interop/awscli/aws"
        )),
    };
    if path.is_file() {
        return Some(path);
    }
    let notice = format!(
        "the AWS CLI v2 is not at {} (run .ci/install-interop, or set AWSCRED_AWS_CLI)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{notice}");
    }
    eprintln!("skipping the AWS CLI interop part of this test: {notice}");
    None
}
