//! The small HTTP(S) client the proxy needs for the broker and the NAT
//! probe server: `POST` one body, read one bounded response, one request
//! per connection (the proxy talks to the broker every few seconds at most,
//! so connection reuse would buy little and keep sockets open).
//!
//! Also the TLS client configuration shared with the relay's `wss`
//! connections (Mozilla's root certificates via `webpki-roots`, the ring
//! provider).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
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
    /// Connecting (DNS, TCP, TLS) failed.
    #[error("connecting to {host}: {source}")]
    Connect {
        /// The host.
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
    /// A status other than 200.
    #[error("HTTP status {0}")]
    Status(StatusCode),
}

/// The TLS client configuration for `https` and `wss` (web PKI roots).
pub fn tls_client_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|builder| {
                    builder
                        .with_root_certificates(roots.clone())
                        .with_no_client_auth()
                })
                // The ring provider supports the default versions; this
                // branch is unreachable in practice but must not panic.
                .unwrap_or_else(|_| {
                    rustls::ClientConfig::builder()
                        .with_root_certificates(roots)
                        .with_no_client_auth()
                });
            Arc::new(config)
        })
        .clone()
}

/// Wraps `tcp` in TLS for `host` (SNI and certificate name).
pub async fn tls_connect(
    tcp: TcpStream,
    host: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    tokio_rustls::TlsConnector::from(tls_client_config())
        .connect(name, tcp)
        .await
}

/// `POST`s `body` to `url` and returns the body of a 200 response, at most
/// `limit` bytes. The whole exchange (connect included) must finish within
/// `timeout`.
pub async fn post(
    url: &Url,
    body: Vec<u8>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, HttpError> {
    tokio::time::timeout(timeout, post_inner(url, body, limit))
        .await
        .map_err(|_| HttpError::Timeout(timeout))?
}

async fn post_inner(url: &Url, body: Vec<u8>, limit: usize) -> Result<Bytes, HttpError> {
    let tls = match url.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(HttpError::Scheme(other.to_string())),
    };
    let host = url.host_str().ok_or(HttpError::NoHost)?;
    // `host_str` keeps IPv6 brackets; TCP and TLS want the bare address.
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let connect_error = |source| HttpError::Connect {
        host: host.to_string(),
        source,
    };
    let tcp = TcpStream::connect((bare_host, port))
        .await
        .map_err(connect_error)?;
    let _ = tcp.set_nodelay(true);
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    if tls {
        let stream = tls_connect(tcp, bare_host).await.map_err(connect_error)?;
        exchange(stream, &authority, &path, body, limit).await
    } else {
        exchange(tcp, &authority, &path, body, limit).await
    }
}

async fn exchange<S>(
    stream: S,
    authority: &str,
    path: &str,
    body: Vec<u8>,
    limit: usize,
) -> Result<Bytes, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |e: &dyn std::fmt::Display| HttpError::Http(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http(&e))?;
    let driver = tokio::spawn(connection);
    let request = Request::post(path)
        .header(http::header::HOST, authority)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| http(&e))?;
    let result = async {
        let response = sender.send_request(request).await.map_err(|e| http(&e))?;
        if response.status() != StatusCode::OK {
            return Err(HttpError::Status(response.status()));
        }
        let collected = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    HttpError::TooLarge(limit)
                } else {
                    HttpError::Http(e.to_string())
                }
            })?;
        Ok(collected.to_bytes())
    }
    .await;
    driver.abort();
    result
}
