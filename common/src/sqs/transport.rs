//! One HTTP exchange with extra request headers.
//!
//! SQS requests need headers that [`crate::http_client::HttpRequest`]
//! cannot carry yet (`X-Amz-Target`, `X-Amz-Date`, `Authorization`,
//! `X-Amz-Security-Token`). This is [`crate::http_client::send`] with those
//! headers added and without domain fronting: the same TLS configuration,
//! connector, overall deadline and response-body limit. Once
//! `HttpRequest` can carry extra headers, [`send`] becomes a call to
//! `http_client::send`.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::http_client::{
    tls_client_config, tls_connect_with, HttpError, HttpMethod, HttpRequest, HttpResponse,
};

/// The `Host:` header value for `url` (with the port when the URL has one).
pub(crate) fn host_header(url: &url::Url) -> Result<String, HttpError> {
    let host = url.host_str().ok_or(HttpError::NoHost)?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Sends `request` with `headers` added; the whole exchange must finish
/// within `request.timeout`. Returns the response whatever its status.
pub(crate) async fn send(
    request: HttpRequest,
    headers: Vec<(HeaderName, HeaderValue)>,
) -> Result<HttpResponse, HttpError> {
    let timeout = request.timeout;
    tokio::time::timeout(timeout, send_inner(request, headers))
        .await
        .map_err(|_| HttpError::Timeout(timeout))?
}

async fn send_inner(
    request: HttpRequest,
    headers: Vec<(HeaderName, HeaderValue)>,
) -> Result<HttpResponse, HttpError> {
    let tls = match request.url.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(HttpError::Scheme(other.to_string())),
    };
    let host = request
        .url
        .host_str()
        .ok_or(HttpError::NoHost)?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = request.url.port_or_known_default().unwrap_or(80);
    let connect_error = |source| HttpError::Connect {
        host: host.clone(),
        source,
    };
    let tcp = match &request.connector {
        Some(connector) => connector.connect(&host, port).await,
        None => TcpStream::connect((host.as_str(), port)).await,
    }
    .map_err(connect_error)?;
    let _ = tcp.set_nodelay(true);
    let method = match request.method {
        HttpMethod::Get => http::Method::GET,
        HttpMethod::Post => http::Method::POST,
    };
    let mut path = request.url.path().to_string();
    if let Some(query) = request.url.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, host_header(&request.url)?);
    if let Some(content_type) = request.content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let limit = request.response_limit;
    if tls {
        let config = request.tls_config.unwrap_or_else(tls_client_config);
        let stream = tls_connect_with(config, tcp, &host)
            .await
            .map_err(connect_error)?;
        exchange(stream, builder, request.body, limit).await
    } else {
        exchange(tcp, builder, request.body, limit).await
    }
}

async fn exchange<S>(
    stream: S,
    builder: http::request::Builder,
    body: Bytes,
    limit: usize,
) -> Result<HttpResponse, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |e: &dyn std::fmt::Display| HttpError::Http(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http(&e))?;
    let driver = tokio::spawn(connection);
    let result = async {
        let request = builder.body(Full::new(body)).map_err(|e| http(&e))?;
        let response = sender.send_request(request).await.map_err(|e| http(&e))?;
        let status = response.status();
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
