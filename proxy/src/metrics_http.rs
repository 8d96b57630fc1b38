//! The optional Prometheus endpoint (`-metrics`): `GET /internal/metrics`
//! on the configured address, as upstream's proxy serves it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_common::fd_limit::AcceptBackoff;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::stats::{ProxyStats, METRICS_PATH};

/// Most concurrent scrapes served; more connections wait in the backlog.
const MAX_CONNECTIONS: usize = 16;
/// A scrape connection must finish its request within this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn respond(stats: &ProxyStats, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let (status, content_type, body) = if request.uri().path() == METRICS_PATH {
        (
            StatusCode::OK,
            "text/plain; version=0.0.4",
            stats.prometheus_text(),
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "404 page not found\n".to_string(),
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    response
}

/// Serves the metrics on `listener` until `stop` is cancelled.
pub async fn serve(listener: TcpListener, stats: ProxyStats, stop: CancellationToken) {
    let stats = Arc::new(stats);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut backoff = AcceptBackoff::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = stop.cancelled() => return,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => return,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of descriptors fails at once, again and again: wait.
                backoff.after_error("metrics", &e).await;
                continue;
            }
        };
        backoff.accepted();
        let stats = stats.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = respond(&stats, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(REQUEST_TIMEOUT, connection).await;
            drop(permit);
        });
    }
}

/// Binds `addr` for [`serve`].
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
