//! Just enough of an XML reader for the Query protocol's answers: picks the text of a few
//! elements by path, the way botocore's `QueryParser` sees them.
//!
//! It is a real XML reader (quick-xml): entities and character references are resolved, CDATA is
//! text, namespace prefixes are ignored (`<sts:Arn>` is `Arn`), and unknown elements are skipped
//! wherever they appear, so new members such as `SessionTokenSize` never break parsing.
//! Only the wanted paths are ever buffered, so memory stays linear in the body size.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

/// Why a body could not be read as XML. Never contains the body's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotXml(pub(crate) String);

/// The texts found for the wanted paths, in the order they were asked for.
#[derive(Debug, Default)]
pub(crate) struct Extract {
    /// The local name of the document's root element.
    pub(crate) root: Option<String>,
    /// One entry per wanted path: the trimmed text of its first occurrence.
    pub(crate) values: Vec<Option<String>>,
}

/// Reads `body` and returns the texts of the elements at `wanted` paths. Each path is relative to
/// the root element (whose name is not part of it), e.g. `["AssumeRoleResult", "Credentials",
/// "AccessKeyId"]`. Empty and whitespace-only texts count as absent.
pub(crate) fn extract(body: &[u8], wanted: &[&[&str]]) -> Result<Extract, NotXml> {
    let text = std::str::from_utf8(body).map_err(|e| {
        NotXml(format!(
            "the body is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let mut reader = Reader::from_str(text);
    // Any mismatched tag means a truncated or corrupted body; refuse it rather than guess.
    reader.config_mut().check_end_names = true;

    let mut out = Extract {
        root: None,
        values: vec![None; wanted.len()],
    };
    // Local names of the open elements below the root.
    let mut path: Vec<String> = Vec::new();
    let mut depth = 0usize;
    // The wanted path whose element is open right now, and its text so far.
    let mut capturing: Option<(usize, String)> = None;

    loop {
        let event = reader.read_event().map_err(|_| {
            NotXml(format!(
                "the body is not well-formed XML (near byte {})",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().into_inner().to_string();
                if depth == 0 {
                    if out.root.is_some() {
                        // A second root: a well-formed document has one; ignore what follows.
                        break;
                    }
                    out.root = Some(name);
                } else {
                    path.push(name);
                    capturing =
                        wanted_index(wanted, &path, &out.values).map(|i| (i, String::new()));
                }
                depth += 1;
            }
            Event::Empty(start) => {
                if depth == 0 && out.root.is_none() {
                    out.root = Some(start.local_name().into_inner().to_string());
                    break;
                }
                // `<Child/>` inside a captured element adds no text.
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                if let Some((i, value)) = capturing.take() {
                    let trimmed = value.trim_matches(is_xml_space);
                    if !trimmed.is_empty()
                        && let Some(slot) = out.values.get_mut(i)
                    {
                        *slot = Some(trimmed.to_string());
                    }
                }
                path.pop();
            }
            Event::Text(t) => {
                if let Some((_, value)) = capturing.as_mut() {
                    value.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, value)) = capturing.as_mut() {
                    value.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = resolve(&r)?;
                if let Some((_, value)) = capturing.as_mut() {
                    value.push_str(&resolved);
                }
            }
            Event::Eof => {
                if depth > 0 || out.root.is_none() {
                    return Err(NotXml("the body ends before the XML document does".into()));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    Ok(out)
}

/// Which not-yet-found wanted path `path` is, if any. Only exact paths count, so a known name
/// nested inside an unknown element is not mistaken for the real one.
fn wanted_index(wanted: &[&[&str]], path: &[String], found: &[Option<String>]) -> Option<usize> {
    wanted.iter().enumerate().find_map(|(i, w)| {
        let same = w.len() == path.len() && w.iter().zip(path).all(|(a, b)| *a == b.as_str());
        let free = found.get(i).is_some_and(Option::is_none);
        (same && free).then_some(i)
    })
}

/// `&amp;`, `&#x41;`… as text. Unknown entities (there is no DTD) make the body malformed.
fn resolve(r: &BytesRef<'_>) -> Result<String, NotXml> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(NotXml("the body has an invalid character reference".into())),
        };
    }
    quick_xml::escape::resolve_predefined_entity(r)
        .map(str::to_string)
        .ok_or_else(|| NotXml("the body uses an undefined XML entity".into()))
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[&[&str]] = &[&["R", "A"], &["R", "B", "C"]];

    #[test]
    fn picks_paths_ignoring_prefixes_unknowns_and_whitespace() {
        let x = extract(
            b"<?xml version='1.0'?><p:Top xmlns:p='urn:x'><p:R>\n <Z><A>no</A></Z>\n <A> a&amp;&#x42;<![CDATA[<c>]]> </A><B><C>c</C><X/></B></p:R></p:Top>",
            P,
        )
        .unwrap();
        assert_eq!(x.root.as_deref(), Some("Top"));
        assert_eq!(
            x.values,
            vec![Some("a&B<c>".to_string()), Some("c".to_string())]
        );
    }

    #[test]
    fn first_non_empty_occurrence_wins() {
        let x = extract(b"<T><R><A> </A><A>1</A><A>2</A></R></T>", P).unwrap();
        assert_eq!(x.values[0].as_deref(), Some("1"));
    }

    #[test]
    fn refuses_broken_documents_without_echoing_them() {
        for body in [
            &b"<T><R><A>SECRET</B></R></T>"[..],
            b"<T><R><A>SECRET",
            b"<T><R><A>SE&nope;CRET</A></R></T>",
            b"",
            b"\xff\xfe<T/>",
        ] {
            let e = extract(body, P).unwrap_err();
            assert!(!e.0.contains("SECRET") && !e.0.contains("nope"), "{e:?}");
        }
    }
}
