//! ListAccounts and ListAccountRoles: what an SSO session may use, one page at a time.
//!
//! Paging is pure: [`ListAccounts::next_page`] / [`ListAccountRoles::next_page`] give the call for
//! the following page, or `None` at the end, so a driver walks every page with a short loop.

use std::time::SystemTime;

use http::Method;

use super::{BEARER_TOKEN, portal_error};
use crate::wire::require;
use crate::wire::rest_json::{Object, build, parse_body, secret_header};
use crate::{Endpoint, Error, Operation, Secret};

/// The service's page size limit (`maxResults` is 1..=100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// One account the SSO session may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account's display name.
    pub account_name: Option<String>,
    /// The account's root email address.
    pub email_address: Option<String>,
}

/// One page of [`ListAccounts`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountPage {
    /// The accounts on this page.
    pub accounts: Vec<AccountInfo>,
    /// Where the next page starts; `None` on the last page.
    pub next_token: Option<String>,
}

/// One role the SSO session may assume in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    /// The permission set's role name.
    pub role_name: String,
    /// The account it belongs to.
    pub account_id: String,
}

/// One page of [`ListAccountRoles`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RolePage {
    /// The roles on this page.
    pub roles: Vec<RoleInfo>,
    /// Where the next page starts; `None` on the last page.
    pub next_token: Option<String>,
}

/// `GET /assignment/accounts?max_result=…&next_token=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAccounts {
    /// The portal endpoint.
    pub endpoint: Endpoint,
    /// The SSO access token.
    pub access_token: Secret,
    /// Page size, 1..=100 (the service's default when `None`).
    pub max_results: Option<u32>,
    /// The page to fetch; `None` for the first.
    pub next_token: Option<String>,
}

/// `GET /assignment/roles?account_id=…&max_result=…&next_token=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAccountRoles {
    /// The portal endpoint.
    pub endpoint: Endpoint,
    /// The SSO access token.
    pub access_token: Secret,
    /// The account whose roles to list.
    pub account_id: String,
    /// Page size, 1..=100 (the service's default when `None`).
    pub max_results: Option<u32>,
    /// The page to fetch; `None` for the first.
    pub next_token: Option<String>,
}

impl ListAccounts {
    /// The first page of accounts.
    pub fn new(endpoint: Endpoint, access_token: impl Into<Secret>) -> Self {
        ListAccounts {
            endpoint,
            access_token: access_token.into(),
            max_results: None,
            next_token: None,
        }
    }

    /// The call for the page after `page`, or `None` when `page` was the last.
    pub fn next_page(&self, page: &AccountPage) -> Option<ListAccounts> {
        let token = following(self.next_token.as_deref(), page.next_token.as_deref())?;
        Some(ListAccounts {
            next_token: Some(token),
            ..self.clone()
        })
    }
}

impl ListAccountRoles {
    /// The first page of roles in `account_id`.
    pub fn new(
        endpoint: Endpoint,
        access_token: impl Into<Secret>,
        account_id: impl Into<String>,
    ) -> Self {
        ListAccountRoles {
            endpoint,
            access_token: access_token.into(),
            account_id: account_id.into(),
            max_results: None,
            next_token: None,
        }
    }

    /// The call for the page after `page`, or `None` when `page` was the last.
    pub fn next_page(&self, page: &RolePage) -> Option<ListAccountRoles> {
        let token = following(self.next_token.as_deref(), page.next_token.as_deref())?;
        Some(ListAccountRoles {
            next_token: Some(token),
            ..self.clone()
        })
    }
}

/// The most pages one listing walks. At the service's 100 items a page that is 100,000
/// accounts, or roles in one account, far past any real organisation; a service that still
/// hands out a new `nextToken` after that is looping (or hostile), and a listing that never ends
/// would hang the caller and grow without bound. botocore's paginators have no such cap.
pub const MAX_PAGES: usize = 1_000;

/// Counts the pages of one listing and ends an endless one with an error.
///
/// ```text
/// let mut paging = Paging::new();
/// loop {
///     let page = execute(&op)?;
///     let next = paging.next(op.next_page(&page))?;
///     ... use page ...
///     match next { Some(n) => op = n, None => break }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    fetched: usize,
    limit: usize,
}

impl Default for Paging {
    fn default() -> Self {
        Paging::new()
    }
}

impl Paging {
    /// A listing of at most [`MAX_PAGES`] pages.
    pub fn new() -> Self {
        Paging::with_limit(MAX_PAGES)
    }

    /// A listing of at most `limit` pages (at least 1).
    pub fn with_limit(limit: usize) -> Self {
        Paging {
            fetched: 0,
            limit: limit.max(1),
        }
    }

    /// Counts one fetched page and passes on `next`, the call for the following page (from
    /// `next_page`); an error when the limit is reached and the service still names a next page.
    pub fn next<O: Operation>(&mut self, next: Option<O>) -> Result<Option<O>, Error> {
        self.fetched += 1;
        match next {
            Some(_) if self.fetched >= self.limit => Err(Error::MalformedResponse {
                operation: O::NAME,
                what: format!(
                    "the service still named a next page after {} pages, so awscred stopped \
                     listing (at most {} pages are read, as a listing that never ends would \
                     hang); try again later, and report it to the service if it persists",
                    self.fetched, self.limit
                ),
            }),
            next => Ok(next),
        }
    }
}

/// The token of the next page. Paging ends on an absent or empty token, and also when the
/// service hands back the token just used, which would otherwise loop forever.
fn following(current: Option<&str>, returned: Option<&str>) -> Option<String> {
    match returned {
        Some(t) if !t.is_empty() && Some(t) != current => Some(t.to_string()),
        _ => None,
    }
}

/// The shared query parameters; `max_result` is the wire name of `maxResults` (singular).
fn paging_query<'a>(
    max_results: Option<u32>,
    next_token: Option<&'a str>,
    max_text: &'a mut String,
) -> Result<Vec<(&'static str, &'a str)>, Error> {
    let mut pairs = Vec::new();
    if let Some(max) = max_results {
        if !(1..=MAX_PAGE_SIZE).contains(&max) {
            return Err(Error::InvalidInput(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {max}"
            )));
        }
        *max_text = max.to_string();
        pairs.push(("max_result", max_text.as_str()));
    }
    if let Some(token) = next_token.filter(|t| !t.is_empty()) {
        pairs.push(("next_token", token));
    }
    Ok(pairs)
}

fn page_token(root: &Object<'_>) -> Result<Option<String>, Error> {
    Ok(root.optional_string("nextToken")?.filter(|t| !t.is_empty()))
}

impl Operation for ListAccounts {
    type Output = AccountPage;
    const NAME: &'static str = "ListAccounts";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let token = secret_header(&self.access_token, "the SSO access token")?;
        let mut max_text = String::new();
        let pairs = paging_query(self.max_results, self.next_token.as_deref(), &mut max_text)?;
        let query = crate::encoding::encode_pairs(pairs);
        build(
            Method::GET,
            &self.endpoint,
            "/assignment/accounts",
            &query,
            vec![(BEARER_TOKEN, token)],
            Vec::new(),
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<AccountPage, Error> {
        if !response.status().is_success() {
            return Err(portal_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        let mut accounts = Vec::new();
        for item in root.objects("accountList")? {
            accounts.push(AccountInfo {
                account_id: item.string("accountId")?,
                account_name: item.optional_string("accountName")?,
                email_address: item.optional_string("emailAddress")?,
            });
        }
        Ok(AccountPage {
            accounts,
            next_token: page_token(&root)?,
        })
    }
}

impl Operation for ListAccountRoles {
    type Output = RolePage;
    const NAME: &'static str = "ListAccountRoles";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        require(&self.account_id, "the SSO account id")?;
        let token = secret_header(&self.access_token, "the SSO access token")?;
        let mut max_text = String::new();
        let mut pairs = vec![("account_id", self.account_id.as_str())];
        pairs.extend(paging_query(
            self.max_results,
            self.next_token.as_deref(),
            &mut max_text,
        )?);
        let query = crate::encoding::encode_pairs(pairs);
        build(
            Method::GET,
            &self.endpoint,
            "/assignment/roles",
            &query,
            vec![(BEARER_TOKEN, token)],
            Vec::new(),
        )
    }

    /// Roles without an `accountId` are taken to belong to the account asked about.
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<RolePage, Error> {
        if !response.status().is_success() {
            return Err(portal_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        let mut roles = Vec::new();
        for item in root.objects("roleList")? {
            roles.push(RoleInfo {
                role_name: item.string("roleName")?,
                account_id: item
                    .optional_string("accountId")?
                    .unwrap_or_else(|| self.account_id.clone()),
            });
        }
        Ok(RolePage {
            roles,
            next_token: page_token(&root)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            url: "https://portal.sso.us-east-1.amazonaws.com".into(),
            signing_region: "us-east-1".into(),
        }
    }

    /// A service that hands out a new token on every page is stopped at the cap.
    #[test]
    fn an_endless_listing_stops_at_the_page_cap() {
        let mut op = ListAccounts::new(endpoint(), "token");
        let mut paging = Paging::new();
        let mut fetched = 0;
        let error = loop {
            fetched += 1;
            assert!(fetched <= MAX_PAGES, "the listing did not stop");
            let page = AccountPage {
                accounts: Vec::new(),
                next_token: Some(format!("t{fetched}")),
            };
            match paging.next(op.next_page(&page)) {
                Ok(Some(next)) => op = next,
                Ok(None) => panic!("the endless listing ended by itself"),
                Err(e) => break e,
            }
        };
        assert_eq!(fetched, MAX_PAGES);
        let text = error.to_string();
        assert!(text.contains("ListAccounts"), "{text}");
        assert!(text.contains("after 1000 pages"), "{text}");

        // A listing that ends on the last allowed page is fine.
        let mut paging = Paging::with_limit(2);
        let roles = ListAccountRoles::new(endpoint(), "token", "111122223333");
        let first = RolePage {
            roles: Vec::new(),
            next_token: Some("a".into()),
        };
        let second = paging.next(roles.next_page(&first)).unwrap().unwrap();
        assert!(
            paging
                .next(second.next_page(&RolePage::default()))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn paging_stops_on_absent_empty_or_repeated_tokens() {
        assert_eq!(following(None, Some("a")), Some("a".into()));
        assert_eq!(following(Some("a"), Some("b")), Some("b".into()));
        assert_eq!(following(Some("a"), Some("a")), None);
        assert_eq!(following(Some("a"), Some("")), None);
        assert_eq!(following(None, None), None);
    }
}
