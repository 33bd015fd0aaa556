//! Faults a test can inject into the next N requests of a route.

use std::time::Duration;

/// A way to make a response go wrong. Injected with [`Emulator::inject`](crate::Emulator::inject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and an error of this code, in the service's own error shape.
    Status(u16, String),
    /// Throttle: `429 TooManyRequestsException` for the portal and OIDC, `400 Throttling` for STS.
    Throttle,
    /// `500` with the service's internal-error shape.
    ServerError,
    /// `503` with an empty body.
    Unavailable,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Send the status line, the headers (with the full `Content-Length`) and part of the body,
    /// then close the connection.
    CutConnection,
    /// Answer `200` with a body that is not valid JSON (portal, OIDC) or XML (STS).
    MalformedBody,
}

impl Fault {
    /// `Fault::Status(status, code.into())`.
    pub fn status(status: u16, code: &str) -> Self {
        Fault::Status(status, code.to_string())
    }
}

/// An armed fault: applies to requests whose operation name or path equals `target`
/// (`"*"` matches every request).
#[derive(Debug, Clone)]
pub(crate) struct Armed {
    pub target: String,
    pub fault: Fault,
    pub remaining: usize,
}

/// Takes the first armed fault matching this request, counting it down.
pub(crate) fn take(armed: &mut Vec<Armed>, operation: &str, path: &str) -> Option<Fault> {
    let i = armed.iter().position(|a| {
        a.remaining > 0 && (a.target == operation || a.target == path || a.target == "*")
    })?;
    let entry = armed.get_mut(i)?;
    entry.remaining -= 1;
    let fault = entry.fault.clone();
    if entry.remaining == 0 {
        armed.remove(i);
    }
    Some(fault)
}
