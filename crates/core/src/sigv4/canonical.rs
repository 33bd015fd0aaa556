//! The canonical request: method, path, query, headers, signed-header list and payload hash,
//! written into one reusable buffer.

use std::ops::Range;

use http::{HeaderMap, HeaderName};

use crate::Error;

/// Headers botocore never signs (`SIGNED_HEADERS_BLACKLIST`) plus `authorization`: proxies and
/// HTTP stacks add, drop or rewrite them, which would break the signature in transit.
pub const UNSIGNED_HEADERS: [&str; 12] = [
    "authorization",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Where a signed header's value comes from.
#[derive(Clone, Copy)]
pub(crate) enum Value<'a> {
    /// Every value of this request header, in order, joined with `,`.
    Request(&'a HeaderName),
    /// A value the signer sets (`x-amz-date`, the session token, the host from the URI…).
    Fixed(&'a str),
}

/// One line of the canonical headers.
#[derive(Clone, Copy)]
pub(crate) struct HeaderEntry<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: Value<'a>,
}

const INLINE_HEADERS: usize = 12;

/// The headers to sign, on the stack unless a request has unusually many.
pub(crate) struct HeaderList<'a> {
    inline: [HeaderEntry<'a>; INLINE_HEADERS],
    len: usize,
    spill: Vec<HeaderEntry<'a>>,
}

impl<'a> HeaderList<'a> {
    pub(crate) fn new() -> Self {
        let empty = HeaderEntry {
            name: "",
            value: Value::Fixed(""),
        };
        HeaderList {
            inline: [empty; INLINE_HEADERS],
            len: 0,
            spill: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, entry: HeaderEntry<'a>) {
        if self.spill.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.len) {
                *slot = entry;
                self.len += 1;
                return;
            }
            self.spill.extend_from_slice(&self.inline);
        }
        self.spill.push(entry);
    }

    pub(crate) fn as_slice(&self) -> &[HeaderEntry<'a>] {
        if self.spill.is_empty() {
            self.inline.get(..self.len).unwrap_or(&[])
        } else {
            &self.spill
        }
    }

    /// Sorts by name; names are lower case, so byte order is what SigV4 wants.
    pub(crate) fn sort(&mut self) {
        let slice = if self.spill.is_empty() {
            self.inline.get_mut(..self.len).unwrap_or(&mut [])
        } else {
            &mut self.spill
        };
        slice.sort_unstable_by(|a, b| a.name.cmp(b.name));
    }
}

/// Scratch space reused from one signature to the next.
#[derive(Default)]
pub(crate) struct Buffers {
    /// The canonical request of the last signature.
    pub(crate) canonical: String,
    path: String,
    query: String,
    pairs: Vec<[usize; 4]>,
}

impl Buffers {
    /// Empty scratch space whose canonical request holds `canonical` bytes before regrowing.
    pub(crate) fn with_capacity(canonical: usize) -> Self {
        Buffers {
            canonical: String::with_capacity(canonical),
            ..Buffers::default()
        }
    }
}

/// A query parameter the signer adds (presigning): already decoded, so only encoded.
pub(crate) type ExtraParam<'a> = (&'a str, &'a str);

/// What goes into a canonical request besides the headers.
pub(crate) struct Parts<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) normalize_path: bool,
    pub(crate) extra_query: &'a [ExtraParam<'a>],
    pub(crate) headers: &'a HeaderMap,
    pub(crate) payload_hash: &'a str,
}

/// Writes the canonical request into `bufs.canonical`; returns where its signed-header list is.
pub(crate) fn write(
    bufs: &mut Buffers,
    parts: &Parts<'_>,
    list: &[HeaderEntry<'_>],
) -> Result<Range<usize>, Error> {
    let out = &mut bufs.canonical;
    out.clear();
    out.push_str(parts.method);
    out.push('\n');

    if parts.normalize_path {
        let path = if is_normalized(parts.path) {
            parts.path
        } else {
            normalize_path(parts.path, &mut bufs.path);
            &bufs.path
        };
        push_encoded_str(out, path, |b| b == b'/');
    } else if parts.path.is_empty() {
        out.push('/');
    } else {
        // S3 style: the path is signed as sent, only characters that cannot appear in a
        // request line are escaped (existing `%XX` escapes stay).
        push_encoded_str(out, parts.path, |b| b == b'/' || b == b'%');
    }
    out.push('\n');

    write_query(
        out,
        &mut bufs.query,
        &mut bufs.pairs,
        parts.query,
        parts.extra_query,
    );
    out.push('\n');

    for entry in list {
        out.push_str(entry.name);
        out.push(':');
        match entry.value {
            Value::Fixed(v) => push_folded(out, v),
            Value::Request(name) => {
                for (i, v) in parts.headers.get_all(name).iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let text = std::str::from_utf8(v.as_bytes()).map_err(|_| {
                        Error::InvalidInput(format!(
                            "header `{}` has a value that is not UTF-8; it cannot be signed",
                            entry.name
                        ))
                    })?;
                    push_folded(out, text);
                }
            }
        }
        out.push('\n');
    }
    out.push('\n');

    let start = out.len();
    push_signed_header_names(out, list);
    let range = start..out.len();
    out.push('\n');
    out.push_str(parts.payload_hash);
    Ok(range)
}

/// `a;b;c`.
pub(crate) fn push_signed_header_names(out: &mut String, list: &[HeaderEntry<'_>]) {
    for (i, entry) in list.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(entry.name);
    }
}

/// Trims and folds inner whitespace runs to one space (botocore `' '.join(value.split())`).
fn push_folded(out: &mut String, value: &str) {
    // Almost every value (dates, hosts, tokens) has no space or control byte at all: one
    // branch-free scan the compiler vectorises, then one copy.
    let has_space_or_control = value.bytes().fold(false, |acc, c| acc | (c <= b' '));
    if !has_space_or_control {
        out.push_str(value);
        return;
    }
    for (i, word) in value.split_ascii_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether [`normalize_path`] would return `path` unchanged (the usual case: `/` or a plain
/// absolute path), so it can be encoded without a copy.
fn is_normalized(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    // Every segment must be kept as is; only the last may be empty (a trailing slash).
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment == "." || segment == ".." || (segment.is_empty() && !last) {
            return false;
        }
    }
    true
}

/// Removes `.` and `..` segments and empty segments (`//`), keeping a leading and a trailing
/// slash; an empty result is `/`.
fn normalize_path(path: &str, out: &mut String) {
    out.clear();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            s => {
                out.push('/');
                out.push_str(s);
            }
        }
    }
    if !path.starts_with('/') && out.starts_with('/') {
        out.remove(0);
    }
    if path.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    if out.is_empty() {
        out.push('/');
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 percent-encoding (upper-case hex) of `bytes`, keeping unreserved characters and
/// those `keep` allows.
pub(crate) fn push_encoded(
    out: &mut String,
    bytes: impl Iterator<Item = u8>,
    keep: impl Fn(u8) -> bool,
) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in bytes {
        if is_unreserved(b) || keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// [`push_encoded`] for text, copying runs that need no escaping in one go.
fn push_encoded_str(out: &mut String, text: &str, keep: impl Fn(u8) -> bool) {
    let mut rest = text;
    while !rest.is_empty() {
        let run = rest
            .bytes()
            .position(|b| !(is_unreserved(b) || keep(b)))
            .unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        out.push_str(plain);
        // One character at a time: its bytes are all escaped (UTF-8 continuation bytes are never kept).
        let end = tail.chars().next().map_or(0, char::len_utf8);
        let (to_escape, tail) = tail.split_at(end);
        push_encoded(out, to_escape.bytes(), |_| false);
        rest = tail;
    }
}

/// The canonical query: every parameter decoded then RFC 3986-encoded, sorted by key then value.
/// Decoding first makes `%E1%88%B4` and a raw `ሴ` sign alike; `+` is a literal plus.
///
/// An empty segment (`a=1&&b=2`, a trailing `&`) is a parameter with an empty name and value,
/// canonicalised as `=`: botocore's `SigV4Auth._canonical_query_string_url` splits a non-empty
/// query on every `&` and keeps what it finds, so the two sign such a URI alike. An empty query
/// has no parameters at all.
fn write_query(
    out: &mut String,
    scratch: &mut String,
    pairs: &mut Vec<[usize; 4]>,
    query: &str,
    extra: &[ExtraParam<'_>],
) {
    scratch.clear();
    pairs.clear();
    let no_extra = |_| false;
    let segments = (!query.is_empty()).then(|| query.split('&'));
    for pair in segments.into_iter().flatten() {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let ks = scratch.len();
        push_encoded(scratch, percent_encoding::percent_decode_str(k), no_extra);
        let vs = scratch.len();
        push_encoded(scratch, percent_encoding::percent_decode_str(v), no_extra);
        pairs.push([ks, vs, vs, scratch.len()]);
    }
    for (k, v) in extra {
        let ks = scratch.len();
        push_encoded(scratch, k.bytes(), no_extra);
        let vs = scratch.len();
        push_encoded(scratch, v.bytes(), no_extra);
        pairs.push([ks, vs, vs, scratch.len()]);
    }
    let text = scratch.as_str();
    let part = |r: &[usize; 4], i: usize| text.get(r[i]..r[i + 1]).unwrap_or("");
    pairs.sort_unstable_by(|a, b| {
        part(a, 0)
            .cmp(part(b, 0))
            .then_with(|| part(a, 2).cmp(part(b, 2)))
    });
    for (i, r) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(part(r, 0));
        out.push('=');
        out.push_str(part(r, 2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(p: &str) -> String {
        let mut out = String::new();
        normalize_path(p, &mut out);
        out
    }

    #[test]
    fn normalizes_like_botocore() {
        assert_eq!(norm(""), "/");
        assert_eq!(norm("/"), "/");
        assert_eq!(norm("//"), "/");
        assert_eq!(norm("/./"), "/");
        assert_eq!(norm("/example/.."), "/");
        assert_eq!(norm("/example1/example2/../.."), "/");
        assert_eq!(norm("/./example"), "/example");
        assert_eq!(norm("//example//"), "/example/");
        assert_eq!(norm("/a/b/../c/"), "/a/c/");
        assert_eq!(norm("/../../a"), "/a");
        assert_eq!(norm("a/./b"), "a/b");
    }

    #[test]
    fn normalized_paths_are_recognised() {
        let paths = [
            "",
            "/",
            "//",
            "/./",
            "/.",
            "/..",
            "/a",
            "/a/",
            "/a//",
            "/a/b",
            "/a/./b",
            "/a/../b",
            "/a/.",
            "/a/..",
            "//a",
            "a",
            "a/",
            "./a",
            "/.a/a./..b/",
            "/a/b/c/",
            "/%2E/",
        ];
        for p in paths {
            // Relative paths are left to `normalize_path`: a shortcut only for absolute ones.
            let expected = p.starts_with('/') && norm(p) == p;
            assert_eq!(is_normalized(p), expected, "{p:?}");
        }
    }

    #[test]
    fn query_is_decoded_encoded_and_sorted() {
        let mut out = String::new();
        write_query(
            &mut out,
            &mut String::new(),
            &mut Vec::new(),
            "b=2&a=x%20y&a=%41&c&&d=+",
            &[("e", "a/b")],
        );
        assert_eq!(out, "=&a=A&a=x%20y&b=2&c=&d=%2B&e=a%2Fb");
    }

    #[test]
    fn empty_segments_are_empty_parameters_as_in_botocore() {
        let query = |q: &str| {
            let mut out = String::new();
            write_query(&mut out, &mut String::new(), &mut Vec::new(), q, &[]);
            out
        };
        assert_eq!(query("a=1&&b=2"), "=&a=1&b=2");
        assert_eq!(query("a=1&"), "=&a=1");
        assert_eq!(query("&"), "=&=");
        assert_eq!(query("="), "=");
        assert_eq!(query(""), "");
        assert_eq!(query("b=2&a=1"), "a=1&b=2");
    }

    #[test]
    fn header_list_spills_past_the_inline_capacity() {
        let names: Vec<String> = (0..40).map(|i| format!("h{i:02}")).collect();
        let mut list = HeaderList::new();
        for n in names.iter().rev() {
            list.push(HeaderEntry {
                name: n,
                value: Value::Fixed(""),
            });
        }
        list.sort();
        let got: Vec<&str> = list.as_slice().iter().map(|e| e.name).collect();
        let want: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(got, want);
    }
}
