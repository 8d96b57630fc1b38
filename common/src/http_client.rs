//! A small HTTP(S) client for the few requests Snowflake peers make:
//! the proxy's broker polls and NAT probe, the client's broker rendezvous
//! (plain, domain-fronted, or through an AMP cache), SQS calls, ACME.
//!
//! One request per connection: peers talk to the broker every few seconds
//! at most, so connection reuse would buy little and keep sockets open.
//! Every exchange has an overall deadline and a response-body limit, so a
//! slow or hostile server costs bounded time and memory.
//!
//! Domain fronting (docs/protocol.md §4.6, §8.3): with a *front*, TCP and
//! TLS (SNI and certificate check) go to the front host, while the `Host:`
//! header (HTTP/2: `:authority`) and the request path come from the URL,
//! as Go's client does by swapping `req.URL.Host` for the front and
//! setting `req.Host`.
//!
//! TLS: any [`TlsConnect`] given in [`HttpRequest::tls`] (the client and
//! the proxy plug in the browser-identical ClientHello of
//! `snowflake-browser-tls` there, without this crate depending on
//! BoringSSL), else, with the `http-rustls` feature, rustls (Mozilla's
//! root certificates via `webpki-roots`, the ring provider;
//! `tls_client_config`, shared with other callers). Without that feature
//! an `https` request with no [`HttpRequest::tls`] fails to connect: the
//! proxy, which always gives its own, is built without rustls's client. When the server picks `h2` by ALPN the request goes over
//! HTTP/2 with Chromium's SETTINGS values where hyper lets us set them
//! ([`H2_INITIAL_STREAM_WINDOW`] and the others); otherwise HTTP/1.1.
//!
//! Available with the `http` feature of `snowflake-common`.

use std::fmt::Debug;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(feature = "http-rustls")]
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo};
#[cfg(feature = "http-rustls")]
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

/// Why an HTTP exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Only `http` and `https` URLs can be used.
    #[error("unsupported URL scheme {0:?}")]
    Scheme(String),
    /// The URL has no host.
    #[error("URL has no host")]
    NoHost,
    /// The front is not a bare `host` or `host:port`.
    #[error("invalid front {0:?}")]
    InvalidFront(String),
    /// Connecting (DNS, TCP, TLS) failed.
    #[error("connecting to {host}: {source}")]
    Connect {
        /// The host connected to (the front, if any).
        host: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The HTTP exchange failed.
    #[error("HTTP: {0}")]
    Http(String),
    /// No complete response in time.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The response body exceeded the limit.
    #[error("response body larger than {0} bytes")]
    TooLarge(usize),
    /// A status other than 200 (only from [`post`]; [`send`] returns the
    /// response whatever its status).
    #[error("HTTP status {0}")]
    Status(StatusCode),
}

/// The request methods Snowflake uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET` (AMP cache rendezvous, which can only carry data in the URL).
    Get,
    /// `POST` (broker polls and answers, the NAT probe).
    Post,
}

/// Opens the TCP connection of a request in place of a direct connect:
/// an upstream proxy (the client's `TOR_PT_PROXY`). `host` is a name or
/// an IP literal without brackets; a proxy resolves names itself.
pub trait TcpConnector: std::fmt::Debug + Send + Sync {
    /// A TCP stream to `host:port`, ready for TLS or HTTP.
    fn connect<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<TcpStream>> + Send + 'a>>;
}

/// A byte stream a request can run over: TCP, or TLS over TCP.
pub trait AsyncIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + ?Sized> AsyncIo for T {}

/// A boxed [`AsyncIo`].
pub type BoxedIo = Box<dyn AsyncIo>;

/// A boxed future that can move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a [`TlsConnect`] hands back: the TLS stream and the protocol the
/// server chose by ALPN (`b"h2"`, `b"http/1.1"`), if any.
pub type TlsConnection = (BoxedIo, Option<Vec<u8>>);

/// A TLS client other than the default rustls one, for `https` requests
/// ([`HttpRequest::tls`]): the client and the proxy give the browser
/// ClientHello of `snowflake-browser-tls` here.
pub trait TlsConnect: Debug + Send + Sync {
    /// Runs the TLS handshake over `tcp` (already connected) for `host`:
    /// the name the certificate must carry and, unless the implementation
    /// leaves it out, the SNI. `host` is a DNS name or an IP literal
    /// without brackets. A server that picks `h2` by ALPN is spoken to in
    /// HTTP/2, so an implementation must offer `h2` only if that is wanted.
    fn connect<'a>(
        &'a self,
        host: &'a str,
        tcp: BoxedIo,
    ) -> BoxFuture<'a, io::Result<TlsConnection>>;
}

/// Chromium's HTTP/2 SETTINGS_INITIAL_WINDOW_SIZE, used for HTTP/2
/// requests.
pub const H2_INITIAL_STREAM_WINDOW: u32 = 6_291_456;
/// Chromium's connection-level receive window (its first WINDOW_UPDATE
/// raises the connection window to this).
pub const H2_INITIAL_CONNECTION_WINDOW: u32 = 15_728_640;
/// Chromium's SETTINGS_HEADER_TABLE_SIZE.
pub const H2_HEADER_TABLE_SIZE: u32 = 65_536;
/// Chromium's SETTINGS_MAX_HEADER_LIST_SIZE.
pub const H2_MAX_HEADER_LIST_SIZE: u32 = 262_144;

/// One request to make with [`send`].
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: HttpMethod,
    /// Where to send it: gives the scheme, the `Host:` header and the path.
    pub url: Url,
    /// The host to actually connect to (`host` or `host:port`; the port
    /// defaults to the URL scheme's), for domain fronting. `None` connects
    /// to the URL's host.
    pub front: Option<String>,
    /// The request body (empty for `GET`).
    pub body: Bytes,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'static str>,
    /// The most response-body bytes accepted; more is [`HttpError::TooLarge`].
    pub response_limit: usize,
    /// Deadline for the whole exchange, connecting included.
    pub timeout: Duration,
    /// Deadline for opening the connection (TCP, and the TLS handshake for
    /// `https`); `None` leaves it to [`Self::timeout`]. A connection that a
    /// censor blackholes or stalls mid-handshake then fails early, as
    /// [`HttpError::Connect`] of kind `TimedOut`, while a server that is
    /// slow to answer keeps the whole `timeout`.
    pub connect_timeout: Option<Duration>,
    /// TLS configuration for `https` when [`Self::tls`] is `None`; `None`
    /// uses [`tls_client_config`] (feature `http-rustls`).
    #[cfg(feature = "http-rustls")]
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// The TLS client for `https`; takes precedence over `tls_config`.
    /// `None` uses rustls with the `http-rustls` feature, and fails the
    /// request without it.
    pub tls: Option<Arc<dyn TlsConnect>>,
    /// How to open the TCP connection; `None` connects directly.
    pub connector: Option<Arc<dyn TcpConnector>>,
    /// Extra request headers, sent after `Host` (HTTP/1.1 only) and
    /// `Content-Type`, in this order.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl HttpRequest {
    /// A `GET` of `url` with the given limits, no front, default TLS.
    pub fn get(url: Url, response_limit: usize, timeout: Duration) -> Self {
        HttpRequest {
            method: HttpMethod::Get,
            url,
            front: None,
            body: Bytes::new(),
            content_type: None,
            response_limit,
            timeout,
            connect_timeout: None,
            #[cfg(feature = "http-rustls")]
            tls_config: None,
            tls: None,
            connector: None,
            headers: Vec::new(),
        }
    }

    /// A `POST` of `body` to `url` with the given limits, no front, no
    /// content type, default TLS.
    pub fn post(
        url: Url,
        body: impl Into<Bytes>,
        response_limit: usize,
        timeout: Duration,
    ) -> Self {
        HttpRequest {
            method: HttpMethod::Post,
            body: body.into(),
            ..HttpRequest::get(url, response_limit, timeout)
        }
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: StatusCode,
    /// All response headers (hyper bounds their number and size).
    pub headers: HeaderMap,
    /// The body, at most the request's `response_limit` bytes.
    pub body: Bytes,
}

impl HttpResponse {
    /// The `Location` header, if present (AMP caches signal a redirect they
    /// could not serve with a 200 carrying one).
    pub fn location(&self) -> Option<&http::HeaderValue> {
        self.headers.get(http::header::LOCATION)
    }
}

#[cfg(feature = "http-rustls")]
/// The TLS client configuration for `https` and `wss` (web PKI roots).
pub fn tls_client_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            Arc::new(tls_config_with_roots(roots))
        })
        .clone()
}

#[cfg(feature = "http-rustls")]
/// A TLS client configuration trusting exactly `roots`, with the ring
/// provider (tests use it with their own certificate authority).
pub fn tls_config_with_roots(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| {
            builder
                .with_root_certificates(roots.clone())
                .with_no_client_auth()
        })
        // The ring provider supports the default versions; this branch is
        // unreachable in practice but must not panic.
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth()
        })
}

#[cfg(feature = "http-rustls")]
/// Wraps `tcp` in TLS for `host` (SNI and certificate name), with the web
/// PKI configuration.
pub async fn tls_connect(
    tcp: TcpStream,
    host: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    tls_connect_with(tls_client_config(), tcp, host).await
}

#[cfg(feature = "http-rustls")]
/// [`tls_connect`] with a configuration of the caller's choosing.
pub async fn tls_connect_with(
    config: Arc<rustls::ClientConfig>,
    tcp: TcpStream,
    host: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Where a connection goes: host (IPv6 without brackets) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConnectTarget {
    host: String,
    port: u16,
}

/// Checks that `front` is a bare `host` or `host:port` (IPv6 in brackets)
/// and returns where to connect for a URL of `scheme`.
fn front_target(front: &str, scheme: &str) -> Result<ConnectTarget, HttpError> {
    let invalid = || HttpError::InvalidFront(front.to_string());
    // Parsing it as the authority of a URL gives IPv6 brackets, ports and
    // IDNA the same treatment as in the request URL; anything beyond an
    // authority (path, query, user info) is refused.
    let forbidden = |c: char| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace();
    if front.is_empty() || front.contains(forbidden) {
        return Err(invalid());
    }
    let parsed = Url::parse(&format!("{scheme}://{front}/")).map_err(|_| invalid())?;
    let host = parsed.host_str().ok_or_else(invalid)?;
    let port = parsed.port_or_known_default().ok_or_else(invalid)?;
    Ok(ConnectTarget {
        host: bare_host(host).to_string(),
        port,
    })
}

/// Checks that `front` can be used as a front (a bare `host` or
/// `host:port`), so callers can refuse bad configuration up front.
pub fn check_front(front: &str) -> Result<(), HttpError> {
    front_target(front, "https").map(|_| ())
}

/// `host_str` keeps IPv6 brackets; TCP and TLS want the bare address.
fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Whether `url` uses TLS; other schemes than `http`/`https` are refused.
fn is_tls(url: &Url) -> Result<bool, HttpError> {
    match url.scheme() {
        "https" => Ok(true),
        "http" => Ok(false),
        other => Err(HttpError::Scheme(other.to_string())),
    }
}

/// The `Host:` header (HTTP/2: `:authority`) value [`send`] gives a
/// request for `url`: its host, and its port when the URL names one.
pub fn host_header(url: &Url) -> Result<String, HttpError> {
    let host = url.host_str().ok_or(HttpError::NoHost)?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The `Host:` header value and the request target (path and query) for
/// `url`.
fn authority_and_path(url: &Url) -> Result<(String, String), HttpError> {
    let authority = host_header(url)?;
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    Ok((authority, path))
}

/// Sends `request` and returns the response, whatever its status, with at
/// most `request.response_limit` bytes of body. The whole exchange must
/// finish within `request.timeout`.
pub async fn send(request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let timeout = request.timeout;
    tokio::time::timeout(timeout, send_inner(request, false))
        .await
        .map_err(|_| HttpError::Timeout(timeout))?
}

/// Sends `request` and returns the body of a 200 response; any other
/// status is [`HttpError::Status`] (the body is not read). The whole
/// exchange must finish within `request.timeout`.
pub async fn send_ok(request: HttpRequest) -> Result<Bytes, HttpError> {
    let timeout = request.timeout;
    let response = tokio::time::timeout(timeout, send_inner(request, true))
        .await
        .map_err(|_| HttpError::Timeout(timeout))??;
    Ok(response.body)
}

/// `POST`s `body` to `url` (as `application/json`) and returns the body of
/// a 200 response, at most `limit` bytes; any other status is
/// [`HttpError::Status`]. The whole exchange (connect included) must finish
/// within `timeout`. Default TLS (rustls, feature `http-rustls`); see
/// [`send_ok`] for others.
pub async fn post(
    url: &Url,
    body: Vec<u8>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, HttpError> {
    let mut request = HttpRequest::post(url.clone(), body, limit, timeout);
    request.content_type = Some("application/json");
    send_ok(request).await
}

/// Connects and runs the exchange; with `require_ok`, a status other than
/// 200 fails before the body is read.
async fn send_inner(request: HttpRequest, require_ok: bool) -> Result<HttpResponse, HttpError> {
    let (head, body, limits, stream) = match request.connect_timeout {
        Some(limit) => {
            let host = request
                .front
                .clone()
                .or_else(|| request.url.host_str().map(str::to_string))
                .unwrap_or_default();
            tokio::time::timeout(limit, open(request, require_ok))
                .await
                .map_err(|_| HttpError::Connect {
                    host,
                    source: std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("connection not established within {limit:?}"),
                    ),
                })??
        }
        None => open(request, require_ok).await?,
    };
    match stream {
        Opened::Plain(tcp) => exchange_http1(tcp, head, body, limits).await,
        Opened::Tls(stream, alpn) if alpn.as_deref() == Some(b"h2") => {
            tracing::trace!("HTTP/2 by ALPN");
            exchange_http2(stream, head, body, limits).await
        }
        Opened::Tls(stream, _) => exchange_http1(stream, head, body, limits).await,
    }
}

/// A connection ready for the request.
enum Opened {
    /// Plain `http`.
    Plain(TcpStream),
    /// `https`, with the protocol the server chose by ALPN.
    Tls(BoxedIo, Option<Vec<u8>>),
}

/// Opens the connection of `request` (TCP through the connector or
/// directly, then TLS for `https`) and splits off what the exchange needs.
async fn open(
    request: HttpRequest,
    require_ok: bool,
) -> Result<(RequestHead, Bytes, Limits, Opened), HttpError> {
    let tls = is_tls(&request.url)?;
    let (authority, path) = authority_and_path(&request.url)?;
    let target = match &request.front {
        Some(front) => front_target(front, request.url.scheme())?,
        None => ConnectTarget {
            host: bare_host(request.url.host_str().ok_or(HttpError::NoHost)?).to_string(),
            port: request.url.port_or_known_default().unwrap_or(80),
        },
    };
    let connect_error = |source| HttpError::Connect {
        host: target.host.clone(),
        source,
    };
    let tcp = match &request.connector {
        Some(connector) => connector.connect(&target.host, target.port).await,
        None => TcpStream::connect((target.host.as_str(), target.port)).await,
    }
    .map_err(connect_error)?;
    let _ = tcp.set_nodelay(true);
    tracing::trace!(
        host = %target.host,
        port = target.port,
        %authority,
        fronted = request.front.is_some(),
        "HTTP connection"
    );
    let head = RequestHead {
        method: request.method,
        scheme: request.url.scheme().to_string(),
        authority,
        path,
        content_type: request.content_type,
        headers: request.headers,
    };
    let limits = Limits {
        body: request.response_limit,
        require_ok,
    };
    if !tls {
        return Ok((head, request.body, limits, Opened::Plain(tcp)));
    }
    let (stream, alpn): TlsConnection = match &request.tls {
        Some(connector) => connector
            .connect(&target.host, Box::new(tcp))
            .await
            .map_err(connect_error)?,
        #[cfg(feature = "http-rustls")]
        None => {
            let config = request.tls_config.unwrap_or_else(tls_client_config);
            let stream = tls_connect_with(config, tcp, &target.host)
                .await
                .map_err(connect_error)?;
            let alpn = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            (Box::new(stream), alpn)
        }
        #[cfg(not(feature = "http-rustls"))]
        None => {
            return Err(connect_error(io::Error::new(
                io::ErrorKind::Unsupported,
                "https needs a TLS client (built without rustls)",
            )))
        }
    };
    Ok((head, request.body, limits, Opened::Tls(stream, alpn)))
}

/// The request line (or pseudo-headers) and headers.
struct RequestHead {
    method: HttpMethod,
    scheme: String,
    authority: String,
    path: String,
    content_type: Option<&'static str>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// What to accept of the response.
#[derive(Clone, Copy)]
struct Limits {
    body: usize,
    require_ok: bool,
}

impl RequestHead {
    /// The request for HTTP/1.1 (origin-form target, `Host` header) or
    /// HTTP/2 (absolute URI, which hyper turns into `:scheme`,
    /// `:authority` and `:path`; no `Host` header, as browsers do).
    fn request(self, body: Bytes, http2: bool) -> Result<Request<Full<Bytes>>, HttpError> {
        let method = match self.method {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
        };
        let mut builder = Request::builder().method(method);
        builder = if http2 {
            builder
                .version(http::Version::HTTP_2)
                .uri(format!("{}://{}{}", self.scheme, self.authority, self.path))
        } else {
            builder
                .uri(self.path.as_str())
                .header(http::header::HOST, self.authority.as_str())
        };
        if let Some(content_type) = self.content_type {
            builder = builder.header(http::header::CONTENT_TYPE, content_type);
        }
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(body))
            .map_err(|e| HttpError::Http(e.to_string()))
    }
}

/// Aborts the connection task when the exchange ends, however it ends.
struct ConnectionTask(tokio::task::JoinHandle<()>);

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn http_error(e: &dyn std::fmt::Display) -> HttpError {
    HttpError::Http(e.to_string())
}

async fn exchange_http1<S>(
    stream: S,
    head: RequestHead,
    body: Bytes,
    limits: Limits,
) -> Result<HttpResponse, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = head.request(body, false)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http_error(&e))?;
    let _task = ConnectionTask(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| http_error(&e))?;
    read_response(response, limits).await
}

async fn exchange_http2<S>(
    stream: S,
    head: RequestHead,
    body: Bytes,
    limits: Limits,
) -> Result<HttpResponse, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = head.request(body, true)?;
    let (mut sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .initial_stream_window_size(H2_INITIAL_STREAM_WINDOW)
        .initial_connection_window_size(H2_INITIAL_CONNECTION_WINDOW)
        .header_table_size(H2_HEADER_TABLE_SIZE)
        .max_header_list_size(H2_MAX_HEADER_LIST_SIZE)
        // Chromium sends no SETTINGS_MAX_FRAME_SIZE (hyper would send
        // its default); hyper always sends ENABLE_PUSH 0, as Chromium.
        .max_frame_size(None)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http_error(&e))?;
    let _task = ConnectionTask(tokio::spawn(async move {
        let _ = connection.await;
    }));
    sender.ready().await.map_err(|e| http_error(&e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| http_error(&e))?;
    read_response(response, limits).await
}

/// The status, headers and at most `limits.body` bytes of body.
async fn read_response(
    response: http::Response<hyper::body::Incoming>,
    limits: Limits,
) -> Result<HttpResponse, HttpError> {
    let status = response.status();
    if limits.require_ok && status != StatusCode::OK {
        return Err(HttpError::Status(status));
    }
    let (parts, incoming) = response.into_parts();
    let limit = limits.body;
    let collected = Limited::new(incoming, limit).collect().await.map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() {
            HttpError::TooLarge(limit)
        } else {
            HttpError::Http(e.to_string())
        }
    })?;
    Ok(HttpResponse {
        status,
        headers: parts.headers,
        body: collected.to_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    #[test]
    fn fronts() {
        assert_eq!(
            front_target("cdn.example", "https").unwrap(),
            ConnectTarget {
                host: "cdn.example".into(),
                port: 443
            }
        );
        assert_eq!(
            front_target("cdn.example", "http").unwrap().port,
            80,
            "the port defaults to the URL scheme's"
        );
        assert_eq!(
            front_target("127.0.0.1:8080", "https").unwrap(),
            ConnectTarget {
                host: "127.0.0.1".into(),
                port: 8080
            }
        );
        assert_eq!(
            front_target("[::1]:9", "http").unwrap(),
            ConnectTarget {
                host: "::1".into(),
                port: 9
            }
        );
        for bad in [
            "",
            "a/b",
            "user@host",
            "host?x",
            "host#x",
            "ho st",
            "host:notaport",
            "host:99999",
        ] {
            assert!(
                matches!(front_target(bad, "https"), Err(HttpError::InvalidFront(_))),
                "{bad:?}"
            );
            assert!(check_front(bad).is_err(), "{bad:?}");
        }
    }

    /// A one-shot HTTP/1.1 server on 127.0.0.1: returns its address and
    /// the request head it will have read, and answers `status`.
    async fn one_shot(status: u16) -> (SocketAddr, tokio::task::JoinHandle<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if tcp.read(&mut byte).await.unwrap() == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok");
            tcp.write_all(reply.as_bytes()).await.unwrap();
            String::from_utf8(head).unwrap()
        });
        (addr, task)
    }

    #[tokio::test]
    async fn extra_headers_follow_host_and_content_type() {
        let (addr, head) = one_shot(200).await;
        let url = Url::parse(&format!("http://{addr}/path?q=1")).unwrap();
        let mut request = HttpRequest::post(url, "{}", 100, Duration::from_secs(30));
        request.content_type = Some("application/json");
        request.headers = vec![
            (
                HeaderName::from_static("x-amz-target"),
                HeaderValue::from_static("AmazonSQS.SendMessage"),
            ),
            (
                HeaderName::from_static("authorization"),
                HeaderValue::from_static("AWS4-HMAC-SHA256 x"),
            ),
        ];
        assert_eq!(send_ok(request).await.unwrap().as_ref(), b"ok");
        let head = head.await.unwrap().to_ascii_lowercase();
        let at = |needle: &str| {
            head.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {head}"))
        };
        assert!(head.starts_with("post /path?q=1 http/1.1\r\n"), "{head}");
        assert!(at("host: ") < at("content-type: application/json"));
        assert!(at("content-type: ") < at("x-amz-target: amazonsqs.sendmessage"));
        assert!(at("x-amz-target: ") < at("authorization: aws4-hmac-sha256 x"));
    }

    #[tokio::test]
    async fn send_ok_refuses_other_statuses() {
        let (addr, _head) = one_shot(503).await;
        let url = Url::parse(&format!("http://{addr}/")).unwrap();
        let request = HttpRequest::get(url, 100, Duration::from_secs(30));
        assert!(matches!(
            send_ok(request).await,
            Err(HttpError::Status(StatusCode::SERVICE_UNAVAILABLE))
        ));
    }

    /// A TLS client that always fails, to see that [`HttpRequest::tls`]
    /// is used for `https` (the default would try rustls).
    #[derive(Debug)]
    struct Refusing;

    impl TlsConnect for Refusing {
        fn connect<'a>(
            &'a self,
            _host: &'a str,
            _tcp: BoxedIo,
        ) -> BoxFuture<'a, io::Result<TlsConnection>> {
            Box::pin(async { Err(io::Error::other("refused by the test connector")) })
        }
    }

    #[tokio::test]
    async fn https_uses_the_given_tls_client() {
        let (addr, _head) = one_shot(200).await;
        let url = Url::parse(&format!("https://{addr}/")).unwrap();
        let mut request = HttpRequest::get(url, 100, Duration::from_secs(30));
        request.tls = Some(Arc::new(Refusing));
        match send(request).await {
            Err(HttpError::Connect { source, .. }) => {
                assert!(source.to_string().contains("refused by the test connector"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn host_header_and_path() {
        let url = Url::parse("https://broker.example/amp/client/0abc/def?x=1").unwrap();
        assert_eq!(
            authority_and_path(&url).unwrap(),
            ("broker.example".into(), "/amp/client/0abc/def?x=1".into())
        );
        let url = Url::parse("http://[::1]:8080/client").unwrap();
        assert_eq!(
            authority_and_path(&url).unwrap(),
            ("[::1]:8080".into(), "/client".into())
        );
        assert!(matches!(
            is_tls(&Url::parse("ftp://x/").unwrap()),
            Err(HttpError::Scheme(_))
        ));
    }
}
