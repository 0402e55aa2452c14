//! The async [`Client`] and the plumbing every resource module shares:
//! URLs with percent-encoded path segments, the bearer token, error bodies,
//! and walking paginated lists.

use crate::error::{ClientError, Result};
use crate::options::ClientOptions;
use modelreg_types::Pagination;
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

/// The most items the server returns in one page; a larger `limit` is a 400.
pub const MAX_PAGE_SIZE: i32 = 1000;

/// An async client of one modelreg server, acting as one user.
///
/// Cheap to clone: clones share one connection pool and one token. Make one
/// with [`Client::login`] or [`Client::with_token`]. For scripts without an
/// async runtime, see [`crate::blocking::Client`].
///
/// ```no_run
/// # async fn demo() -> modelreg_client::Result<()> {
/// use modelreg_client::{Client, ModelFilter};
///
/// let client = Client::login("http://127.0.0.1:8080", "determined", "").await?;
/// for model in client.get_models(ModelFilter::default()).await? {
///     println!("{} ({} versions)", model.name, model.num_versions);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    /// The `limit` of each page when walking a list; 0 asks for all at once.
    page_size: i32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Client")
            .field("server", &self.server_url())
            .field("authenticated", &self.inner.token.is_some())
            .finish()
    }
}

impl Client {
    /// A client without a token, for the few endpoints that need none
    /// (`/info`, login). Every other call answers 401; use
    /// [`Client::login`] or [`Client::with_token`] instead.
    pub fn anonymous(server_url: &str) -> Result<Client> {
        Client::connect(server_url, &ClientOptions::default())
    }

    /// A client without a token, like [`Client::anonymous`], that connects
    /// as `options` say (e.g. trusting a private CA for HTTPS).
    /// [`Client::login_with`] and [`Client::connect_with_token`] take the
    /// same options.
    ///
    /// ```no_run
    /// # async fn demo() -> modelreg_client::Result<()> {
    /// use modelreg_client::{Client, ClientOptions};
    ///
    /// let options = ClientOptions::with_ca_file("ca.pem");
    /// let info = Client::connect("https://127.0.0.1:8443", &options)?.info().await?;
    /// println!("modelreg {}", info.modelreg_version);
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(server_url: &str, options: &ClientOptions) -> Result<Client> {
        Client::build(server_url, None, options)
    }

    /// A client that sends a token obtained earlier, like
    /// [`Client::with_token`], and connects as `options` say.
    pub fn connect_with_token(
        server_url: &str,
        token: impl Into<String>,
        options: &ClientOptions,
    ) -> Result<Client> {
        Client::build(server_url, Some(token.into()), options)
    }

    pub(crate) fn build(
        server_url: &str,
        token: Option<String>,
        options: &ClientOptions,
    ) -> Result<Client> {
        let base = parse_server_url(server_url)?;
        let http = options.http_client(&base)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                token,
                page_size: 0,
            }),
        })
    }

    /// A client like this one that fetches lists ([`Client::get_models`],
    /// [`crate::RegisteredModel::get_versions`], [`Client::list_checkpoints`],
    /// [`Client::list_users`]) at most `size` items per request; 0 (the
    /// default) leaves the page size to the server. Sizes above the
    /// server's cap of [`MAX_PAGE_SIZE`] are lowered to it. The result is the
    /// same either way.
    pub fn with_page_size(&self, size: u32) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                token: self.inner.token.clone(),
                page_size: i32::try_from(size).unwrap_or(i32::MAX).min(MAX_PAGE_SIZE),
            }),
        }
    }

    /// A client like this one, on the same connections, that sends `token`.
    pub(crate) fn with_session_token(&self, token: String) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                token: Some(token),
                page_size: self.inner.page_size,
            }),
        }
    }

    /// The `limit` of each page when walking a list.
    pub(crate) fn page_size(&self) -> i32 {
        self.inner.page_size
    }

    /// The server's base URL, without a trailing slash.
    pub fn server_url(&self) -> String {
        self.inner.base.as_str().trim_end_matches('/').to_string()
    }

    /// The session or API token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// The URL of an endpoint under `/api/v1`; each segment is percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut all = vec!["api", "v1"];
        all.extend_from_slice(segments);
        self.root_url(&all)
    }

    /// The URL of an endpoint at the server's root; each segment is percent-encoded.
    pub(crate) fn root_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("parse_server_url accepts only http(s) URLs, which have paths")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// A request with the bearer token set.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let builder = self.inner.http.request(method, url);
        match &self.inner.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request and reads a 2xx answer as `T`; any other status is
    /// [`ClientError::Api`] with the server's error body.
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = request.send().await?;
        let status = response.status();
        let url = response.url().to_string();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(
                ClientError::from_response(status.as_u16(), &body).with_retry_after(retry_after)
            );
        }
        serde_json::from_slice(&body).map_err(|source| ClientError::Decode { url, source })
    }

    /// `GET /api/v1/<segments>?<query>`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        let mut request = self.request(Method::GET, self.api_url(segments));
        if !query.is_empty() {
            request = request.query(query);
        }
        self.send(request).await
    }

    /// `<method> /api/v1/<segments>` with a JSON body.
    pub(crate) async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        let request = self.request(method, self.api_url(segments)).json(body);
        self.send(request).await
    }

    /// `POST /api/v1/<segments>` with a JSON body.
    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        self.send_json(Method::POST, segments, body).await
    }

    /// `PATCH /api/v1/<segments>` with a JSON body.
    pub(crate) async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        self.send_json(Method::PATCH, segments, body).await
    }

    /// `DELETE /api/v1/<segments>`, expecting `{}`.
    pub(crate) async fn delete(&self, segments: &[&str]) -> Result<()> {
        let request = self.request(Method::DELETE, self.api_url(segments));
        self.send::<modelreg_types::Empty>(request).await.map(drop)
    }
}

/// The `Retry-After` header in seconds, as the server sends it on a 429
/// (the HTTP-date form is not used by modelreg and is ignored).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u16> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: u64 = value.trim().parse().ok()?;
    Some(u16::try_from(secs).unwrap_or(u16::MAX))
}

/// Checks a server URL: http or https, with a host; drops any query or fragment.
fn parse_server_url(text: &str) -> Result<Url> {
    let invalid = |reason: &str| ClientError::InvalidUrl {
        url: text.to_string(),
        reason: reason.to_string(),
    };
    let mut url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("a host is required"));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Fetches every page of a list: `fetch(offset)` returns one page, and the
/// next one starts at its `endIndex` until `endIndex` reaches `total`.
pub(crate) async fn collect_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(i32) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Pagination)>>,
{
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let (items, page) = fetch(offset).await?;
        all.extend(items);
        if page.end_index >= page.total {
            return Ok(all);
        }
        if page.end_index <= offset {
            return Err(ClientError::Protocol(format!(
                "pagination does not advance: asked for offset {offset}, got endIndex {} of total {}",
                page.end_index, page.total
            )));
        }
        offset = page.end_index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(url: &str) -> Client {
        Client::with_token(url, "t").unwrap()
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        let c = client("http://127.0.0.1:8080");
        let url = c.api_url(&["models", "my model/v2?#%", "versions", "3"]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/api/v1/models/my%20model%2Fv2%3F%23%25/versions/3"
        );
    }

    #[test]
    fn a_base_path_is_kept_and_a_trailing_slash_does_not_double() {
        let c = client("https://reg.example.com/registry/");
        assert_eq!(
            c.api_url(&["models"]).as_str(),
            "https://reg.example.com/registry/api/v1/models"
        );
        assert_eq!(c.server_url(), "https://reg.example.com/registry");
        let c = client("http://h:1?x=1#frag");
        assert_eq!(c.root_url(&["info"]).as_str(), "http://h:1/info");
    }

    #[test]
    fn unusable_server_urls_are_refused() {
        for bad in ["", "127.0.0.1:8080", "ftp://h/", "mailto:a@b", "http://"] {
            let err = Client::with_token(bad, "t").unwrap_err();
            assert!(
                matches!(err, ClientError::InvalidUrl { .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_token() {
        let text = format!(
            "{:?}",
            Client::with_token("http://h", "secret-token").unwrap()
        );
        assert!(!text.contains("secret-token"), "{text}");
    }

    fn page(start: i32, end: i32, total: i32) -> Pagination {
        Pagination {
            start_index: start,
            end_index: end,
            total,
            ..Pagination::default()
        }
    }

    #[tokio::test]
    async fn pages_are_walked_from_end_index_until_the_total() {
        let mut asked = Vec::new();
        let all = collect_pages(|offset| {
            asked.push(offset);
            let end = (offset + 2).min(5);
            async move { Ok(((offset..end).collect::<Vec<_>>(), page(offset, end, 5))) }
        })
        .await
        .unwrap();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
        assert_eq!(asked, vec![0, 2, 4]);
    }

    #[tokio::test]
    async fn a_pagination_that_does_not_advance_is_an_error_not_a_loop() {
        let err =
            collect_pages(|offset| async move { Ok((Vec::<i32>::new(), page(offset, offset, 5))) })
                .await
                .unwrap_err();
        assert!(matches!(err, ClientError::Protocol(_)), "{err:?}");
    }
}
