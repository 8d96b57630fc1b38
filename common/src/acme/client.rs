//! The thin async driver of the ACME client: HTTPS exchanges with the CA
//! (hyper over rustls, one request per connection, every exchange bounded
//! in time and size), the directory and nonces, signing each request of
//! the [`OrderFlow`] and retrying a `badNonce` refusal, publishing and
//! withdrawing the challenge answers, and turning the issued chain into a
//! certificate TLS can serve.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, Request as HttpRequest, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

use super::cache::{self, LoadedCertificate};
use super::challenge::{ChallengeStore, ChallengeType};
use super::directory::Directory;
use super::error::AcmeError;
use super::jws::{AccountKey, Signer};
use super::nonce::{NoncePool, REPLAY_NONCE};
use super::order::{Event, OrderFlow, OrderParams, Request, Response, SignAs, Step};
use super::problem::Problem;

/// Deadline of one HTTP exchange, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response body read (directories, objects, certificate chains
/// are a few kilobytes).
const RESPONSE_LIMIT: usize = 256 * 1024;
/// How often a request refused with `badNonce` is sent again.
const BAD_NONCE_RETRIES: u32 = 5;
/// RFC 8555 §6.1: clients send a User-Agent naming themselves.
const USER_AGENT: &str = concat!("snowflake-acme/", env!("CARGO_PKG_VERSION"));

/// A response as read off the wire.
#[derive(Debug)]
struct Raw {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

/// An ACME account at one CA.
pub struct AcmeClient {
    directory_url: Url,
    tls: Arc<rustls::ClientConfig>,
    key: AccountKey,
    contact: Vec<String>,
    state: Mutex<ClientState>,
}

#[derive(Default)]
struct ClientState {
    directory: Option<Directory>,
    nonces: NoncePool,
    account_url: Option<String>,
}

impl std::fmt::Debug for AcmeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcmeClient")
            .field("directory_url", &self.directory_url.as_str())
            .finish_non_exhaustive()
    }
}

/// A certificate just issued: the cache entry to store and what to serve.
#[derive(Debug)]
pub struct NewCertificate {
    /// The cache entry (key and chain, PEM).
    pub entry: Vec<u8>,
    /// The certificate, checked.
    pub loaded: LoadedCertificate,
}

impl AcmeClient {
    /// A client for the CA at `directory_url`, trusting `tls`'s roots for
    /// its HTTPS, signing with `key`; `contact` goes into a new account.
    pub fn new(
        directory_url: Url,
        tls: Arc<rustls::ClientConfig>,
        key: AccountKey,
        contact: Vec<String>,
    ) -> Self {
        Self {
            directory_url,
            tls,
            key,
            contact,
            state: Mutex::new(ClientState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Orders a certificate for `domain`, answering the first of
    /// `challenge_types` that the CA offers, with answers published in
    /// `store` while the CA validates.
    pub async fn order_certificate(
        &self,
        domain: &str,
        challenge_types: &[ChallengeType],
        store: &ChallengeStore,
    ) -> Result<NewCertificate, AcmeError> {
        let crypto = |e: rcgen::Error| AcmeError::Crypto(format!("certificate key or CSR: {e}"));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(crypto)?;
        let csr = rcgen::CertificateParams::new(vec![domain.to_owned()])
            .map_err(crypto)?
            .serialize_request(&key)
            .map_err(crypto)?;
        let directory = self.directory().await?;
        let known_account = self.lock().account_url.clone();
        let mut flow = OrderFlow::new(OrderParams {
            domain: domain.to_owned(),
            challenge_types: challenge_types.to_vec(),
            account_url: known_account.clone(),
            contact: self.contact.clone(),
            thumbprint: self.key.thumbprint(),
            csr_der: csr.der().to_vec(),
            new_account_url: directory.new_account.to_string(),
            new_order_url: directory.new_order.to_string(),
        });
        let mut published = Vec::new();
        let result = self.run(&mut flow, store, &mut published).await;
        for provision in &published {
            store.withdraw(provision);
        }
        match &result {
            Ok(_) => {
                if let Some(url) = flow.account_url() {
                    self.lock().account_url = Some(url.to_owned());
                }
            }
            // The account we knew is gone (deactivated, or a CA that
            // forgot it): register again next time.
            Err(AcmeError::Refused {
                problem: Some(problem),
                ..
            }) if known_account.is_some()
                && matches!(
                    problem.acme_error(),
                    Some("accountDoesNotExist" | "unauthorized")
                ) =>
            {
                self.lock().account_url = None;
            }
            Err(_) => {}
        }
        let issued = result?;
        let entry = cache::encode_entry(&key.serialize_der(), &issued.chain_pem);
        let loaded = cache::decode_entry(domain, &entry, SystemTime::now())?;
        Ok(NewCertificate { entry, loaded })
    }

    async fn run(
        &self,
        flow: &mut OrderFlow,
        store: &ChallengeStore,
        published: &mut Vec<super::challenge::Provision>,
    ) -> Result<super::order::Issued, AcmeError> {
        let mut event = Event::Start;
        loop {
            event = match flow.next(event)? {
                Step::Send(request) => Event::Response(self.post(&request).await?),
                Step::Provision(provision) => {
                    store.publish(&provision)?;
                    tracing::debug!(
                        domain = %provision.domain,
                        kind = provision.kind.as_str(),
                        "ACME challenge answer published"
                    );
                    published.push(provision);
                    Event::Provisioned
                }
                Step::Sleep(delay) => {
                    tokio::time::sleep(delay).await;
                    Event::Woke
                }
                Step::Done(issued) => return Ok(issued),
            };
        }
    }

    /// The directory, fetched once.
    async fn directory(&self) -> Result<Directory, AcmeError> {
        if let Some(directory) = self.lock().directory.clone() {
            return Ok(directory);
        }
        let raw = self
            .exchange(Method::GET, &self.directory_url, None)
            .await?;
        if raw.status != StatusCode::OK {
            return Err(refused("directory", &raw));
        }
        let directory = Directory::parse(&raw.body)?;
        self.lock().directory = Some(directory.clone());
        Ok(directory)
    }

    /// A fresh nonce: one kept from an earlier response, or a new one.
    async fn nonce(&self) -> Result<String, AcmeError> {
        if let Some(nonce) = self.lock().nonces.take() {
            return Ok(nonce);
        }
        let directory = self.directory().await?;
        let raw = self
            .exchange(Method::HEAD, &directory.new_nonce, None)
            .await?;
        if !raw.status.is_success() {
            return Err(refused("new nonce", &raw));
        }
        self.lock()
            .nonces
            .take()
            .ok_or_else(|| AcmeError::malformed("new nonce", "no Replay-Nonce header"))
    }

    /// Signs and sends `request`, retrying on `badNonce`.
    async fn post(&self, request: &Request) -> Result<Response, AcmeError> {
        let url = super::directory::resource_url("request URL", &request.url)?;
        let mut attempts = 0;
        loop {
            let nonce = self.nonce().await?;
            let signer = match &request.sign_as {
                SignAs::Jwk => Signer::Jwk,
                SignAs::Kid(kid) => Signer::Kid(kid),
            };
            let body = self
                .key
                .sign(signer, &nonce, url.as_str(), request.payload.as_deref())?;
            let raw = self.exchange(Method::POST, &url, Some(body)).await?;
            if raw.status == StatusCode::BAD_REQUEST
                && attempts < BAD_NONCE_RETRIES
                && Problem::parse(&raw.body).is_some_and(|p| p.is_bad_nonce())
            {
                attempts += 1;
                tracing::debug!(what = request.what, "ACME badNonce; retrying");
                continue;
            }
            return Ok(Response {
                status: raw.status.as_u16(),
                location: header_text(&raw.headers, http::header::LOCATION),
                retry_after: retry_after(&raw.headers),
                body: raw.body.to_vec(),
            });
        }
    }

    /// One HTTP exchange; keeps the `Replay-Nonce` of the response.
    async fn exchange(
        &self,
        method: Method,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Raw, AcmeError> {
        let error = |reason: String| AcmeError::Http {
            url: url.to_string(),
            reason,
        };
        let raw = tokio::time::timeout(REQUEST_TIMEOUT, self.exchange_inner(method, url, body))
            .await
            .map_err(|_| error(format!("no response within {REQUEST_TIMEOUT:?}")))?
            .map_err(error)?;
        if let Some(nonce) = raw.headers.get(REPLAY_NONCE) {
            self.lock().nonces.offer(nonce.as_bytes());
        }
        Ok(raw)
    }

    async fn exchange_inner(
        &self,
        method: Method,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Raw, String> {
        let host = url.host_str().ok_or("URL has no host")?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default().ok_or("URL has no port")?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let mut builder = HttpRequest::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, authority)
            .header(http::header::USER_AGENT, USER_AGENT)
            .header(
                http::header::ACCEPT,
                "application/json, application/pem-certificate-chain",
            );
        if body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/jose+json");
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let tcp = TcpStream::connect((bare, port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        match url.scheme() {
            "https" => {
                let tls = crate::http_client::tls_connect_with(self.tls.clone(), tcp, bare)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?;
                send_over(tls, request).await
            }
            "http" => send_over(tcp, request).await,
            other => Err(format!("unsupported scheme {other}")),
        }
    }
}

async fn send_over<S>(stream: S, request: HttpRequest<Full<Bytes>>) -> Result<Raw, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let (parts, incoming) = response.into_parts();
        let body = Limited::new(incoming, RESPONSE_LIMIT)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Raw {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
    .await;
    driver.abort();
    result
}

fn header_text(headers: &http::HeaderMap, name: http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `Retry-After` in seconds (the HTTP-date form is ignored).
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    header_text(headers, http::header::RETRY_AFTER)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn refused(what: &'static str, raw: &Raw) -> AcmeError {
    AcmeError::Refused {
        what,
        status: raw.status.as_u16(),
        problem: Problem::parse(&raw.body),
        retry_after: retry_after(&raw.headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(http::header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
