//! Text from outside (a service, a `credential_process`, a browser request) made safe to show
//! on a terminal or in an error: no control characters (escape sequences, carriage returns
//! that overwrite a line) and no invisible formatting characters (bidirectional overrides and
//! zero-width characters, which make shown text read differently from what it is), cut short.

/// `text` without control or invisible formatting characters, at most `max_chars` characters
/// (then `…`), with surrounding whitespace trimmed.
pub fn printable(text: &str, max_chars: usize) -> String {
    let kept = text.chars().filter(|c| is_printable(*c));
    let mut out: String = kept.clone().take(max_chars).collect();
    if kept.count() > max_chars {
        out.push('…');
    }
    out.trim().to_string()
}

/// Whether `c` may be shown: not a control character (C0, DEL, C1) and not one of Unicode's
/// invisible formatting characters (zero-width, bidirectional embedding, override and
/// isolate marks, the byte-order mark, the soft hyphen).
pub fn is_printable(c: char) -> bool {
    !c.is_control()
        && !matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_marks_are_dropped_and_text_is_cut() {
        assert_eq!(
            printable("\x1b[2J\rok\u{202e}txt.exe\u{200b}\n", 100),
            "[2Joktxt.exe"
        );
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("  é  ", 10), "é");
    }
}
