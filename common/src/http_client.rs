//! A small HTTP(S)/1.1 client for the few requests Snowflake peers make:
//! the proxy's broker polls and NAT probe, the client's broker rendezvous
//! (plain, domain-fronted, or through an AMP cache).
//!
//! One request per connection: peers talk to the broker every few seconds
//! at most, so connection reuse would buy little and keep sockets open.
//! Every exchange has an overall deadline and a response-body limit, so a
//! slow or hostile server costs bounded time and memory.
//!
//! Domain fronting (docs/protocol.md §4.6, §8.3): with a *front*, TCP and
//! TLS (SNI and certificate check) go to the front host, while the `Host:`
//! header and the request path come from the URL, as Go's client does by
//! swapping `req.URL.Host` for the front and setting `req.Host`.
//!
//! Also the TLS client configuration shared with the proxy's `wss` relay
//! connections (Mozilla's root certificates via `webpki-roots`, the ring
//! provider). Only HTTP/1.1 is spoken; a caller-supplied TLS configuration
//! must not offer `h2` by ALPN.
//!
//! Available with the `http` feature of `snowflake-common`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
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
    /// TLS configuration for `https`; `None` uses [`tls_client_config`].
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// How to open the TCP connection; `None` connects directly.
    pub connector: Option<Arc<dyn TcpConnector>>,
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
            tls_config: None,
            connector: None,
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

/// Wraps `tcp` in TLS for `host` (SNI and certificate name), with the web
/// PKI configuration.
pub async fn tls_connect(
    tcp: TcpStream,
    host: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    tls_connect_with(tls_client_config(), tcp, host).await
}

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

/// The `Host:` header value and the request target (path and query) for
/// `url`.
fn authority_and_path(url: &Url) -> Result<(String, String), HttpError> {
    let host = url.host_str().ok_or(HttpError::NoHost)?;
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
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

/// `POST`s `body` to `url` (as `application/json`) and returns the body of
/// a 200 response, at most `limit` bytes; any other status is
/// [`HttpError::Status`]. The whole exchange (connect included) must finish
/// within `timeout`.
pub async fn post(
    url: &Url,
    body: Vec<u8>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, HttpError> {
    let mut request = HttpRequest::post(url.clone(), body, limit, timeout);
    request.content_type = Some("application/json");
    let response = tokio::time::timeout(timeout, send_inner(request, true))
        .await
        .map_err(|_| HttpError::Timeout(timeout))??;
    Ok(response.body)
}

/// Connects and runs the exchange; with `require_ok`, a status other than
/// 200 fails before the body is read.
async fn send_inner(request: HttpRequest, require_ok: bool) -> Result<HttpResponse, HttpError> {
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
        authority,
        path,
        content_type: request.content_type,
    };
    if tls {
        let config = request.tls_config.unwrap_or_else(tls_client_config);
        let stream = tls_connect_with(config, tcp, &target.host)
            .await
            .map_err(connect_error)?;
        exchange(
            stream,
            head,
            request.body,
            request.response_limit,
            require_ok,
        )
        .await
    } else {
        exchange(tcp, head, request.body, request.response_limit, require_ok).await
    }
}

/// The request line and headers.
struct RequestHead {
    method: HttpMethod,
    authority: String,
    path: String,
    content_type: Option<&'static str>,
}

async fn exchange<S>(
    stream: S,
    head: RequestHead,
    body: Bytes,
    limit: usize,
    require_ok: bool,
) -> Result<HttpResponse, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |e: &dyn std::fmt::Display| HttpError::Http(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http(&e))?;
    let driver = tokio::spawn(connection);
    let method = match head.method {
        HttpMethod::Get => http::Method::GET,
        HttpMethod::Post => http::Method::POST,
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(head.path.as_str())
        .header(http::header::HOST, head.authority.as_str());
    if let Some(content_type) = head.content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    let result = async {
        let request = builder.body(Full::new(body)).map_err(|e| http(&e))?;
        let response = sender.send_request(request).await.map_err(|e| http(&e))?;
        let status = response.status();
        if require_ok && status != StatusCode::OK {
            return Err(HttpError::Status(status));
        }
        let (parts, incoming) = response.into_parts();
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
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

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
