//! A minimal HTTP/1.1 client for tests: one request per connection, over
//! TCP or any stream (e.g. a TLS stream a test set up).

use std::io;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A complete response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn other(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(error.to_string())
}

/// Sends one request over `stream` and reads the whole response.
/// `authority` fills the `Host` header.
pub async fn request_over<S>(
    stream: S,
    authority: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> io::Result<HttpResponse>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(other)?;
    let driver = tokio::spawn(connection);
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", authority);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Full::new(body.into())).map_err(other)?;
    let response = sender.send_request(request).await.map_err(other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(other)?.to_bytes();
    drop(sender);
    driver.abort();
    Ok(HttpResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Sends one request to `addr` over a fresh TCP connection.
pub async fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> io::Result<HttpResponse> {
    let stream = TcpStream::connect(addr).await?;
    request_over(stream, &addr.to_string(), method, path, headers, body).await
}

/// `POST path` with `body`.
pub async fn post(
    addr: SocketAddr,
    path: &str,
    body: impl Into<Bytes>,
) -> io::Result<HttpResponse> {
    request(addr, Method::POST, path, &[], body).await
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> io::Result<HttpResponse> {
    request(addr, Method::GET, path, &[], Bytes::new()).await
}
