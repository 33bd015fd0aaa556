//! A unified diff of two texts by lines, for `--dry-run`. Config files are small, so a plain
//! longest-common-subsequence table over the lines that differ is enough; no dependency.

/// Lines of context around each change, as `diff -u` has.
const CONTEXT: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Del,
    Add,
}

/// `old` → `new` as a unified diff with headers `--- old_name` / `+++ new_name`; empty when the
/// texts are equal. A last line without a newline is marked as `diff` marks it. The values of
/// secret keys (`aws_secret_access_key`, `aws_session_token`) are hidden on every line shown.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = script(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    // Walk the script, cutting it into hunks of changes with CONTEXT lines around them.
    let changes: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].0 != Op::Keep).collect();
    let mut i = 0;
    while i < changes.len() {
        let start = changes[i].saturating_sub(CONTEXT);
        let mut end = changes[i] + 1;
        let mut j = i;
        while j + 1 < changes.len() && changes[j + 1] <= end + 2 * CONTEXT {
            j += 1;
            end = changes[j] + 1;
        }
        let end = (end + CONTEXT).min(ops.len());
        // Line numbers (1-based) where the hunk starts in each text.
        let (mut a_line, mut b_line) = (1, 1);
        for (op, _) in &ops[..start] {
            if *op != Op::Add {
                a_line += 1;
            }
            if *op != Op::Del {
                b_line += 1;
            }
        }
        let hunk = &ops[start..end];
        let a_len = hunk.iter().filter(|(op, _)| *op != Op::Add).count();
        let b_len = hunk.iter().filter(|(op, _)| *op != Op::Del).count();
        let at = |line: usize, len: usize| if len == 0 { line - 1 } else { line };
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n",
            at(a_line, a_len),
            at(b_line, b_len)
        ));
        for (op, line) in hunk {
            out.push(match op {
                Op::Keep => ' ',
                Op::Del => '-',
                Op::Add => '+',
            });
            out.push_str(&redact(line));
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        i = j + 1;
    }
    out
}

/// `line` with the value of a secret key (`aws_secret_access_key = …`) hidden: a diff of the
/// config file is printed, and its context lines may be any of the file's.
fn redact(line: &str) -> std::borrow::Cow<'_, str> {
    let Some(at) = line.find(['=', ':']) else {
        return line.into();
    };
    let key = line[..at].trim().to_ascii_lowercase();
    if crate::config::is_secret_key(&key) {
        let end = if line.ends_with('\n') { "\n" } else { "" };
        format!("{} ** redacted **{end}", &line[..=at]).into()
    } else {
        line.into()
    }
}

/// The edit script from `a` to `b`: common prefix and suffix kept, the middle by LCS.
fn script<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(Op, &'t str)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (am.len(), bm.len());
    // lcs[i][j]: length of the LCS of am[i..] and bm[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if am[i] == bm[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(Op, &str)> = a[..prefix].iter().map(|l| (Op::Keep, *l)).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && am[i] == bm[j] {
            ops.push((Op::Keep, am[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Deletions before additions, as `diff -u` prints them.
            ops.push((Op::Del, am[i]));
            i += 1;
        } else {
            ops.push((Op::Add, bm[j]));
            j += 1;
        }
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| (Op::Keep, *l)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a\n", "a\n", "x", "y"), "");
    }

    #[test]
    fn an_append_is_one_hunk_with_context() {
        let old = "1\n2\n3\n4\n5\n";
        let new = "1\n2\n3\n4\n5\n\n[profile p]\n";
        assert_eq!(
            unified_diff(old, new, "a", "b"),
            "--- a\n+++ b\n@@ -3,3 +3,5 @@\n 3\n 4\n 5\n+\n+[profile p]\n"
        );
    }

    #[test]
    fn far_apart_changes_are_two_hunks() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        let d = unified_diff(&old, &new, "a", "b");
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(
            d.contains("-2\n+two\n") && d.contains("-19\n+nineteen\n"),
            "{d}"
        );
    }

    #[test]
    fn secrets_in_context_lines_are_hidden() {
        let old = "[profile k]\naws_secret_access_key = wJalrXUtnFEMI\n";
        let new = format!("{old}\n[profile p]\n");
        let d = unified_diff(old, &new, "a", "b");
        assert!(!d.contains("wJalrXUtnFEMI"), "{d}");
        assert!(
            d.contains(" aws_secret_access_key = ** redacted **\n"),
            "{d}"
        );
    }

    #[test]
    fn marks_a_missing_final_newline() {
        let d = unified_diff("a", "a\nb\n", "x", "y");
        assert!(
            d.contains("-a\n\\ No newline at end of file\n+a\n+b\n"),
            "{d}"
        );
    }
}
