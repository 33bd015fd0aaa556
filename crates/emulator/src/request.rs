//! A request as the handlers see it: already read whole.

use http::HeaderMap;

pub(crate) struct Req {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Req {
    pub(crate) fn path(&self) -> &str {
        self.uri.path()
    }

    pub(crate) fn query(&self) -> &str {
        self.uri.query().unwrap_or("")
    }

    /// The first value of query parameter `name`, decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// The first value of `name` among form pairs.
pub(crate) fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
