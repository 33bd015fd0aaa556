//! Reading REST-JSON success bodies member by member (the SSO portal and SSO-OIDC parsers).
//!
//! The crate has no serde derive, and the services' bodies are small, so each parser walks a
//! `serde_json::Value` and asks for the members it needs. Every problem becomes
//! [`Error::MalformedResponse`] naming the member's path; values are never quoted, because they
//! are often secrets.

use serde_json::{Map, Value};

use crate::Error;

/// A JSON object inside a response body, remembering where it sits for error messages.
pub(crate) struct Object<'a> {
    operation: &'static str,
    path: String,
    members: &'a Map<String, Value>,
}

/// Parses a success body, which must be one JSON object.
pub(crate) fn parse_body(operation: &'static str, body: &[u8]) -> Result<Value, Error> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| Error::malformed(operation, "the body is not valid JSON"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::malformed(operation, "the body is not a JSON object"))
    }
}

impl<'a> Object<'a> {
    /// The top-level object of a body returned by [`parse_body`].
    pub(crate) fn root(operation: &'static str, value: &'a Value) -> Result<Self, Error> {
        match value.as_object() {
            Some(members) => Ok(Object {
                operation,
                path: String::new(),
                members,
            }),
            None => Err(Error::malformed(operation, "the body is not a JSON object")),
        }
    }

    fn name(&self, member: &str) -> String {
        if self.path.is_empty() {
            member.to_string()
        } else {
            format!("{}.{member}", self.path)
        }
    }

    fn missing(&self, member: &str) -> Error {
        Error::malformed(
            self.operation,
            format!("`{}` is missing", self.name(member)),
        )
    }

    fn wrong_type(&self, member: &str, expected: &str) -> Error {
        Error::malformed(
            self.operation,
            format!("`{}` is not {expected}", self.name(member)),
        )
    }

    /// The member, treating JSON `null` like absence (the services send `"nextToken": null`).
    fn get(&self, member: &str) -> Option<&'a Value> {
        self.members.get(member).filter(|v| !v.is_null())
    }

    /// A required, non-empty string member.
    pub(crate) fn string(&self, member: &str) -> Result<String, Error> {
        match self.optional_string(member)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(Error::malformed(
                self.operation,
                format!("`{}` is empty", self.name(member)),
            )),
            None => Err(self.missing(member)),
        }
    }

    /// An optional string member (absent or `null` → `None`).
    pub(crate) fn optional_string(&self, member: &str) -> Result<Option<String>, Error> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong_type(member, "a string")),
        }
    }

    /// A required whole number that is not negative.
    pub(crate) fn unsigned(&self, member: &str) -> Result<u64, Error> {
        self.optional_unsigned(member)?
            .ok_or_else(|| self.missing(member))
    }

    /// An optional whole number that is not negative. Integral floats (`1.6e12`) are accepted,
    /// since JSON does not distinguish them and some encoders emit them.
    pub(crate) fn optional_unsigned(&self, member: &str) -> Result<Option<u64>, Error> {
        let Some(value) = self.get(member) else {
            return Ok(None);
        };
        let Some(number) = value.as_number() else {
            return Err(self.wrong_type(member, "a number"));
        };
        if let Some(n) = number.as_u64() {
            return Ok(Some(n));
        }
        match number.as_f64() {
            // The bound keeps the cast exact; larger values are no real timestamp or duration.
            Some(f) if f.fract() == 0.0 && (0.0..9.0e15).contains(&f) => Ok(Some(f as u64)),
            _ => Err(self.wrong_type(member, "a whole number that is not negative")),
        }
    }

    /// A required nested object.
    pub(crate) fn object(&self, member: &str) -> Result<Object<'a>, Error> {
        match self.get(member) {
            None => Err(self.missing(member)),
            Some(Value::Object(members)) => Ok(Object {
                operation: self.operation,
                path: self.name(member),
                members,
            }),
            Some(_) => Err(self.wrong_type(member, "an object")),
        }
    }

    /// An optional array of objects (absent or `null` → empty).
    pub(crate) fn objects(&self, member: &str) -> Result<Vec<Object<'a>>, Error> {
        let items = match self.get(member) {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.wrong_type(member, "an array")),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.name(member));
            match item.as_object() {
                Some(members) => out.push(Object {
                    operation: self.operation,
                    path,
                    members,
                }),
                None => {
                    return Err(Error::malformed(
                        self.operation,
                        format!("`{path}` is not an object"),
                    ));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Value {
        parse_body("Op", text.as_bytes()).unwrap()
    }

    #[test]
    fn errors_name_the_path_not_the_value() {
        let v = body(r#"{"a":{"b":"SECRET","n":-1,"list":[{"x":1},"SECRET2"]}}"#);
        let root = Object::root("Op", &v).unwrap();
        let a = root.object("a").unwrap();
        let e = a.unsigned("b").unwrap_err().to_string();
        assert!(
            e.contains("`a.b` is not a number") && !e.contains("SECRET"),
            "{e}"
        );
        let e = a.unsigned("n").unwrap_err().to_string();
        assert!(e.contains("`a.n`"), "{e}");
        let e = a.objects("list").err().unwrap().to_string();
        assert!(
            e.contains("`a.list[1]` is not an object") && !e.contains("SECRET2"),
            "{e}"
        );
        assert!(
            a.string("zz")
                .unwrap_err()
                .to_string()
                .contains("`a.zz` is missing")
        );
    }

    #[test]
    fn null_is_absent_and_integral_floats_count() {
        let v = body(r#"{"t":null,"f":1.6e12,"g":1.5,"e":""}"#);
        let root = Object::root("Op", &v).unwrap();
        assert_eq!(root.optional_string("t").unwrap(), None);
        assert_eq!(
            root.optional_unsigned("f").unwrap(),
            Some(1_600_000_000_000)
        );
        assert!(root.optional_unsigned("g").is_err());
        assert!(
            root.string("e")
                .unwrap_err()
                .to_string()
                .contains("is empty")
        );
        assert!(root.objects("t").unwrap().is_empty());
        assert!(parse_body("Op", b"[1]").is_err());
        assert!(parse_body("Op", b"").is_err());
    }
}
