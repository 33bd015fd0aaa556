//! Which proxy, if any, a request goes through.
//!
//! botocore takes its proxies from Python's `urllib.request.getproxies()` (botocore
//! `utils.get_environ_proxies`) and picks the one for the URL's scheme
//! (`httpsession.ProxyConfiguration.proxy_url_for`): `https_proxy` for https URLs,
//! `http_proxy` for http ones, a lower-case variable winning over its upper-case twin (even
//! when empty); `ALL_PROXY` is not read. We add two rules of our own: loopback endpoints
//! are never proxied, and a plain-http endpoint is never sent to a proxy (it would travel in
//! clear text to a third machine); see `docs/networks.md`.

use base64::Engine;
use percent_encoding::percent_decode_str;

use super::no_proxy::NoProxy;
use crate::Error;
use crate::config::Env;
use crate::endpoint::is_loopback_host;

/// The proxy rules of one client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyRules {
    https: Option<ProxyServer>,
    http: Option<ProxyServer>,
    no_proxy: NoProxy,
    /// Which variable `no_proxy` came from, for messages.
    no_proxy_variable: Option<&'static str>,
}

/// One proxy server. `Debug` and [`ProxyServer::display`] never show its credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyServer {
    host: String,
    port: u16,
    /// `Basic base64(user:password)`, when the URL carried both.
    authorization: Option<String>,
    /// The user and password, percent-decoded, for clients that take them apart.
    credentials: Option<(String, String)>,
    variable: &'static str,
}

/// Where one request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// Straight to the endpoint.
    Direct,
    /// Through a CONNECT tunnel opened by this proxy (then TLS end to end inside it).
    Tunnel(&'a ProxyServer),
}

impl ProxyRules {
    /// No proxy at all, whatever the environment says.
    pub fn none() -> ProxyRules {
        ProxyRules::default()
    }

    /// The rules `env` sets. A proxy URL that is not an `http://` URL with a host (or a bare
    /// `host:port`, which means `http://host:port`) is an error naming the variable.
    pub fn from_env(env: &Env) -> Result<ProxyRules, Error> {
        let https = pick(env, "https_proxy", "HTTPS_PROXY")
            .map(|(variable, value)| ProxyServer::parse(value, variable))
            .transpose()?;
        let http = pick(env, "http_proxy", "HTTP_PROXY")
            .map(|(variable, value)| ProxyServer::parse(value, variable))
            .transpose()?;
        let (no_proxy, no_proxy_variable) = match pick(env, "no_proxy", "NO_PROXY") {
            Some((variable, value)) => (NoProxy::parse(value), Some(variable)),
            None => (NoProxy::default(), None),
        };
        Ok(ProxyRules {
            https,
            http,
            no_proxy,
            no_proxy_variable,
        })
    }

    /// Rules with this https proxy and `NO_PROXY` value (for callers that configure proxies
    /// themselves; `variable` is what messages will name as the setting).
    pub fn with_https_proxy(
        url: &str,
        variable: &'static str,
        no_proxy: &str,
    ) -> Result<ProxyRules, Error> {
        Ok(ProxyRules {
            https: Some(ProxyServer::parse(url, variable)?),
            http: None,
            no_proxy: NoProxy::parse(no_proxy),
            no_proxy_variable: Some("NO_PROXY"),
        })
    }

    /// The route of a request to `uri`. Loopback hosts are always direct; `NO_PROXY` makes
    /// other hosts direct; an http:// URL to any other host with a proxy configured for it is
    /// refused rather than sent to the proxy in clear text.
    pub fn route(&self, uri: &http::Uri) -> Result<Route<'_>, Error> {
        let Some(host) = uri.host() else {
            return Ok(Route::Direct);
        };
        if is_loopback_host(host) {
            return Ok(Route::Direct);
        }
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let proxy = if https { &self.https } else { &self.http };
        let Some(proxy) = proxy else {
            return Ok(Route::Direct);
        };
        if self.no_proxy.matches(host, port) {
            return Ok(Route::Direct);
        }
        if !https {
            return Err(Error::InvalidInput(format!(
                "refusing to send http://{host} through the proxy from {} in clear text; use an \
                 https:// endpoint, or add {host} to {} to reach it directly",
                proxy.variable,
                self.no_proxy_variable.unwrap_or("NO_PROXY"),
            )));
        }
        Ok(Route::Tunnel(proxy))
    }

    /// The route of `request`: [`ProxyRules::route`] of its URI, except for the metadata
    /// services' requests (IMDS, the container endpoint: those carrying
    /// [`crate::metadata::RequestLimits`]), which always go direct — they are on this machine
    /// or its link, and a proxy would fetch its own metadata, not ours.
    pub fn route_request<B>(&self, request: &http::Request<B>) -> Result<Route<'_>, Error> {
        if crate::metadata::RequestLimits::of(request).is_some() {
            return Ok(Route::Direct);
        }
        self.route(request.uri())
    }

    /// The proxy for https requests, if one is configured.
    pub fn https_proxy(&self) -> Option<&ProxyServer> {
        self.https.as_ref()
    }
}

/// The value of the lower-case variable if it is set at all (an empty one turns the proxy
/// off, as Python's `getproxies_environment` does), else the upper-case one if non-empty.
fn pick<'e>(
    env: &'e Env,
    lower: &'static str,
    upper: &'static str,
) -> Option<(&'static str, &'e str)> {
    match env.raw(lower) {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some((lower, v.trim())),
        None => env
            .get(upper)
            .map(|v| (upper, v.trim()))
            .filter(|(_, v)| !v.is_empty()),
    }
}

impl ProxyServer {
    /// Parses a proxy URL from `variable`: `http://[user:password@]host[:port][/]`, or without
    /// the scheme (botocore adds `http://`, `ProxyConfiguration._fix_proxy_url`). The port
    /// defaults to 80.
    pub fn parse(url: &str, variable: &'static str) -> Result<ProxyServer, Error> {
        let bad = |why: &str| {
            Error::Config(format!(
                "{variable} is not a usable proxy URL: {why}; expected http://[USER:PASSWORD@]HOST:PORT"
            ))
        };
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "the scheme `{}` is not supported (awscred speaks to proxies in plain HTTP \
                     and tunnels TLS through them with CONNECT)",
                    scheme.to_ascii_lowercase()
                )));
            }
            None => url.strip_prefix("//").unwrap_or(url),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (inside, after) = v6.split_once(']').ok_or_else(|| bad("an unclosed `[`"))?;
            (format!("[{inside}]"), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
        };
        let credentials = match userinfo.and_then(|u| u.split_once(':')) {
            Some((user, password)) if !user.is_empty() && !password.is_empty() => {
                let decode = |s: &str| {
                    percent_decode_str(s)
                        .decode_utf8()
                        .map(|c| c.into_owned())
                        .map_err(|_| {
                            bad("the user name or password is not valid percent-encoded UTF-8")
                        })
                };
                Some((decode(user)?, decode(password)?))
            }
            // botocore sends credentials only when the URL has both a user and a password.
            _ => None,
        };
        let authorization = credentials.as_ref().map(|(user, password)| {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {token}")
        });
        Ok(ProxyServer {
            host: host.to_ascii_lowercase(),
            port,
            authorization,
            credentials,
            variable,
        })
    }

    /// The proxy's host (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The variable the proxy came from (`HTTPS_PROXY`, `https_proxy`…), for messages.
    pub fn variable(&self) -> &'static str {
        self.variable
    }

    /// The `Proxy-Authorization` value to send with CONNECT, when the URL had credentials.
    /// A secret: never log it.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }

    /// The decoded user name and password, for clients that build the header themselves.
    /// Secrets: never log them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// `http://host:port`, without credentials: safe to show.
    pub fn display(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl std::fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyServer")
            .field("url", &self.display())
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "** redacted **"),
            )
            .field("variable", &self.variable)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn https_targets_use_the_https_proxy() {
        let rules = ProxyRules::from_env(&env(&[
            ("HTTPS_PROXY", "http://proxy.corp:3128"),
            ("HTTP_PROXY", "http://other:8080"),
        ]))
        .unwrap();
        let Route::Tunnel(p) = rules.route(&uri("https://sts.amazonaws.com/")).unwrap() else {
            panic!("expected a tunnel")
        };
        assert_eq!(
            (p.host(), p.port(), p.variable()),
            ("proxy.corp", 3128, "HTTPS_PROXY")
        );
    }

    #[test]
    fn lower_case_wins_even_when_empty() {
        let rules = ProxyRules::from_env(&env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
        ]))
        .unwrap();
        assert_eq!(rules.https_proxy().unwrap().host(), "lower");
        let off = ProxyRules::from_env(&env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", ""),
        ]))
        .unwrap();
        assert!(off.https_proxy().is_none());
    }

    #[test]
    fn all_proxy_is_not_read() {
        let rules = ProxyRules::from_env(&env(&[("ALL_PROXY", "http://all:1")])).unwrap();
        assert_eq!(
            rules.route(&uri("https://sts.amazonaws.com/")).unwrap(),
            Route::Direct
        );
    }

    #[test]
    fn loopback_is_never_proxied() {
        let rules = ProxyRules::from_env(&env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("HTTP_PROXY", "http://proxy:3128"),
        ]))
        .unwrap();
        for u in [
            "http://127.0.0.1:9/",
            "https://localhost/",
            "http://[::1]:4/",
            "https://127.3.2.1/",
        ] {
            assert_eq!(rules.route(&uri(u)).unwrap(), Route::Direct, "{u}");
        }
    }

    #[test]
    fn plain_http_is_never_sent_to_a_proxy() {
        let rules = ProxyRules::from_env(&env(&[("HTTP_PROXY", "http://proxy:3128")])).unwrap();
        let e = rules
            .route(&uri("http://sso.example.com/"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clear text") && e.contains("HTTP_PROXY") && e.contains("NO_PROXY"),
            "{e}"
        );
        let bypass = ProxyRules::from_env(&env(&[
            ("HTTP_PROXY", "http://proxy:3128"),
            ("no_proxy", "example.com"),
        ]))
        .unwrap();
        assert_eq!(
            bypass.route(&uri("http://sso.example.com/")).unwrap(),
            Route::Direct
        );
    }

    #[test]
    fn credentials_become_basic_authorization_and_stay_hidden() {
        let p = ProxyServer::parse("http://al%40ice:s3cr%3At@proxy:8080/", "HTTPS_PROXY").unwrap();
        assert_eq!(p.credentials(), Some(("al@ice", "s3cr:t")));
        let expected = base64::engine::general_purpose::STANDARD.encode("al@ice:s3cr:t");
        assert_eq!(
            p.authorization(),
            Some(format!("Basic {expected}").as_str())
        );
        let shown = format!("{p:?} {}", p.display());
        assert!(
            !shown.contains("s3cr") && !shown.contains("al@ice") && !shown.contains(&expected),
            "{shown}"
        );
        // A user without a password sends nothing (botocore's `proxy_headers_for`).
        assert_eq!(
            ProxyServer::parse("http://user@proxy:1", "HTTPS_PROXY")
                .unwrap()
                .authorization(),
            None
        );
    }

    #[test]
    fn urls_without_scheme_or_port() {
        let p = ProxyServer::parse("proxy.corp:3128", "HTTPS_PROXY").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.corp", 3128));
        let p = ProxyServer::parse("http://PROXY.corp", "HTTPS_PROXY").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.corp", 80));
        let p = ProxyServer::parse("http://[fd00::3]:3128", "https_proxy").unwrap();
        assert_eq!(p.display(), "http://[fd00::3]:3128");
    }

    #[test]
    fn unusable_urls_name_the_variable() {
        for (url, why) in [
            ("https://proxy:443", "scheme `https`"),
            ("socks5://proxy:1080", "scheme `socks5`"),
            ("http://:3128", "no host"),
            ("http://proxy:99999", "port"),
        ] {
            let e = ProxyServer::parse(url, "https_proxy")
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("https_proxy is not a usable proxy URL") && e.contains(why),
                "{e}"
            );
        }
    }
}
