//! Python's `json.dumps` output, byte for byte, for the values the AWS CLI writes or hashes.
//!
//! The CLI's cache files and cache keys are `json.dumps` of dicts: `ensure_ascii=True`, either the
//! default separators (`", "`, `": "`) or the compact ones (`","`, `":"`), sometimes `sort_keys`.
//! A different byte anywhere changes a SHA-1 key, so the rules are reproduced exactly here.

use std::fmt::Write as _;

use serde_json::Value;

/// The two separator styles the AWS CLI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Separators {
    /// Python's default: `", "` between items and `": "` after keys.
    Default,
    /// `separators=(',', ':')`.
    Compact,
}

impl Separators {
    fn item(self) -> &'static str {
        match self {
            Separators::Default => ", ",
            Separators::Compact => ",",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Separators::Default => ": ",
            Separators::Compact => ":",
        }
    }
}

/// `json.dumps(value, separators=…)`; objects are written in the map's order, which for
/// `serde_json::Map` (a B-tree here) is code-point order, i.e. Python's `sort_keys=True`.
pub(crate) fn dumps(value: &Value, sep: Separators) -> String {
    let mut out = String::new();
    write_value(&mut out, value, sep);
    out
}

/// Writes one object from `(key, value)` pairs in the given order (the order Python's dict
/// insertion produced in the CLI).
pub(crate) fn dumps_ordered<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a Value)>,
    sep: Separators,
) -> String {
    let mut out = String::new();
    write_object(&mut out, pairs, sep);
    out
}

/// A value whose objects keep the order they were built in (Python dicts keep insertion order;
/// `serde_json::Map` here sorts its keys).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A plain JSON value (its objects are written sorted).
    Json(Value),
    /// An object written in exactly this member order.
    Object(Vec<(String, Node)>),
}

impl<T: Into<Value>> From<T> for Node {
    fn from(v: T) -> Node {
        Node::Json(v.into())
    }
}

/// `json.dumps` of a [`Node`].
pub(crate) fn dumps_node(node: &Node, sep: Separators) -> String {
    let mut out = String::new();
    write_node(&mut out, node, sep);
    out
}

fn write_node(out: &mut String, node: &Node, sep: Separators) {
    match node {
        Node::Json(v) => write_value(out, v, sep),
        Node::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep.item());
                }
                write_str(out, k);
                out.push_str(sep.key());
                write_node(out, v, sep);
            }
            out.push('}');
        }
    }
}

fn write_object<'a>(
    out: &mut String,
    pairs: impl IntoIterator<Item = (&'a str, &'a Value)>,
    sep: Separators,
) {
    out.push('{');
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep.item());
        }
        write_str(out, k);
        out.push_str(sep.key());
        write_value(out, v, sep);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value, sep: Separators) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                write_float(out, f);
            } else {
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep.item());
                }
                write_value(out, v, sep);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map.iter().map(|(k, v)| (k.as_str(), v)), sep),
    }
}

/// A JSON string as Python writes it with `ensure_ascii=True`: only printable ASCII stays
/// literal; everything else is `\n`-style or `\uXXXX` (lower-case hex, UTF-16 surrogate pairs).
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest round-trip digits, positional notation when the decimal
/// exponent is in `-4 < decpt <= 16`, otherwise `d.ddde±XX`; positional values keep a `.0`.
fn write_float(out: &mut String, f: f64) {
    // Rust's `{:e}` gives the same shortest round-trip digits, e.g. `1.5e-5`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decpt = exp + 1;
    out.push_str(sign);
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let point = decpt as usize;
            if digits.len() <= point {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                let (int, frac) = digits.split_at(point);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
        }
    } else {
        let (first, rest) = digits.split_at(digits.len().min(1));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings were produced by CPython 3's `json.dumps`.
    #[test]
    fn strings_escape_like_python() {
        let v = Value::String("\u{7f}\u{e9}\u{1F600}\u{1}\n/\"\\ \t~".into());
        assert_eq!(
            dumps(&v, Separators::Default),
            r#""\u007f\u00e9\ud83d\ude00\u0001\n/\"\\ \t~""#
        );
    }

    #[test]
    fn floats_print_like_python_repr() {
        let v: Value = serde_json::from_str(
            "[1.0, 1e16, 1e-5, 0.0001, -0.0, 1e15, 123456789.123, 1.5e300, 2.5e-7, 12, -3]",
        )
        .unwrap();
        assert_eq!(
            dumps(&v, Separators::Default),
            "[1.0, 1e+16, 1e-05, 0.0001, -0.0, 1000000000000000.0, 123456789.123, 1.5e+300, 2.5e-07, 12, -3]"
        );
    }

    #[test]
    fn separators_and_key_order() {
        let v: Value =
            serde_json::from_str(r#"{"b": {"y": [1, {}], "x": null}, "a": true}"#).unwrap();
        assert_eq!(
            dumps(&v, Separators::Default),
            r#"{"a": true, "b": {"x": null, "y": [1, {}]}}"#
        );
        assert_eq!(
            dumps(&v, Separators::Compact),
            r#"{"a":true,"b":{"x":null,"y":[1,{}]}}"#
        );
    }
}
