//! The HTTP-01 listener (RFC 8555 §8.3), as Go's autocert `HTTPHandler`
//! behaves on port 80: challenge paths get their key authorization, other
//! `GET`/`HEAD` requests for one of our hostnames are redirected to HTTPS,
//! anything else is refused. The answer is a pure function
//! ([`answer`]); the listener around it is a bounded hyper server.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::challenge::{ChallengeStore, HTTP01_PREFIX};
use super::resolver::normalize_name;

/// Most connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;
/// The request head must arrive within this.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection lives at most this long.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with the key authorization.
    KeyAuthorization(String),
    /// 302 to this HTTPS URL.
    Redirect(String),
    /// 404.
    NotFound,
    /// 400: plain HTTP serves nothing else.
    UseHttps,
}

/// The answer to `method host path` (`path` with its query, if any).
pub fn answer(
    store: &ChallengeStore,
    hostnames: &[String],
    method: &Method,
    host: Option<&str>,
    path: &str,
) -> Answer {
    if method != Method::GET && method != Method::HEAD {
        return Answer::UseHttps;
    }
    if path.starts_with(HTTP01_PREFIX) {
        return match store.http01_answer(path) {
            Some(key_authorization) => Answer::KeyAuthorization(key_authorization),
            None => Answer::NotFound,
        };
    }
    let host = host.map(|h| {
        // Strip a port (IPv6 literals are never our hostnames anyway).
        let name = h.rsplit_once(':').map_or(h, |(name, _)| name);
        normalize_name(name)
    });
    match host {
        Some(host) if hostnames.contains(&host) => {
            Answer::Redirect(format!("https://{host}{path}"))
        }
        _ => Answer::NotFound,
    }
}

fn respond(answer: Answer) -> Response<Full<Bytes>> {
    let (status, location, body) = match answer {
        Answer::KeyAuthorization(text) => (StatusCode::OK, None, text),
        Answer::Redirect(url) => (StatusCode::FOUND, Some(url), String::new()),
        Answer::NotFound => (StatusCode::NOT_FOUND, None, "not found\n".to_owned()),
        Answer::UseHttps => (StatusCode::BAD_REQUEST, None, "use HTTPS\n".to_owned()),
    };
    let mut builder = Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain");
    if let Some(location) = location {
        builder = builder.header(http::header::LOCATION, location);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| {
            let mut fallback = Response::new(Full::new(Bytes::new()));
            *fallback.status_mut() = StatusCode::NOT_FOUND;
            fallback
        })
}

/// Serves HTTP-01 on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, store: Arc<ChallengeStore>, hostnames: Arc<Vec<String>>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut backoff = crate::fd_limit::AcceptBackoff::new();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => {
                backoff.accepted();
                accepted
            }
            Err(error) => {
                backoff.after_error("ACME HTTP-01", &error).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let store = store.clone();
        let hostnames = hostnames.clone();
        connections.spawn(async move {
            let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let host = request
                    .headers()
                    .get(http::header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .or_else(|| request.uri().host())
                    .map(str::to_owned);
                let path = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let chosen = answer(&store, &hostnames, request.method(), host.as_deref(), &path);
                if matches!(chosen, Answer::KeyAuthorization(_)) {
                    tracing::debug!("ACME HTTP-01 answer served");
                }
                async move { Ok::<_, Infallible>(respond(chosen)) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acme::challenge::{ChallengeType, Provision};

    #[test]
    fn answers_like_autocert() {
        let store = ChallengeStore::new();
        store
            .publish(&Provision {
                kind: ChallengeType::Http01,
                domain: "b.test".into(),
                token: "tokentokentokentoken".into(),
                key_authorization: "tokentokentokentoken.thumb".into(),
            })
            .unwrap();
        let hosts = vec!["b.test".to_owned()];
        let ask = |method: Method, host: Option<&str>, path: &str| {
            answer(&store, &hosts, &method, host, path)
        };
        assert_eq!(
            ask(
                Method::GET,
                Some("b.test"),
                "/.well-known/acme-challenge/tokentokentokentoken"
            ),
            Answer::KeyAuthorization("tokentokentokentoken.thumb".into())
        );
        // The CA may validate from any host header; the token is what counts.
        assert_eq!(
            ask(
                Method::GET,
                None,
                "/.well-known/acme-challenge/tokentokentokentoken"
            ),
            Answer::KeyAuthorization("tokentokentokentoken.thumb".into())
        );
        assert_eq!(
            ask(
                Method::GET,
                Some("b.test"),
                "/.well-known/acme-challenge/other"
            ),
            Answer::NotFound
        );
        assert_eq!(
            ask(Method::GET, Some("B.test:80"), "/client?x=1"),
            Answer::Redirect("https://b.test/client?x=1".into())
        );
        assert_eq!(ask(Method::GET, Some("evil.test"), "/"), Answer::NotFound);
        assert_eq!(ask(Method::GET, None, "/"), Answer::NotFound);
        assert_eq!(ask(Method::POST, Some("b.test"), "/"), Answer::UseHttps);
        assert_eq!(respond(Answer::NotFound).status(), StatusCode::NOT_FOUND);
        let redirect = respond(Answer::Redirect("https://b.test/".into()));
        assert_eq!(redirect.status(), StatusCode::FOUND);
        assert_eq!(
            redirect.headers()[http::header::LOCATION],
            "https://b.test/"
        );
    }
}
