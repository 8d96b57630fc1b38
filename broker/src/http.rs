//! HTTP endpoints (docs/protocol.md §4.1–§4.6), method-agnostic like the
//! Go handlers.
//!
//! The `NextPoll` a proxy is told comes from the configured
//! [`PoolIntervals`] and the demand rule ([`crate::demand`]): the short
//! interval after a match, and after an idle poll while clients of the
//! proxy's pool recently went unserved (which `/client` and AMP requests
//! report to it); the configured interval otherwise, and the hour of
//! [`REJECTED_NEXT_POLL`] for a refused relay pattern.
//!
//! Proxy polls are attributed to the address `-trusted-hops` selects
//! ([`proxy_address`]); an address that polls while its previous poll is
//! held, or before the `NextPoll` it was told, is answered `polled too
//! soon` with the time left ([`crate::rate_limit`]).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use snowflake_common::amp;
use snowflake_common::messages::client::{
    NAT_TYPE_HEADER, STR_CANNOT_DECODE_URL_PATH, STR_NO_PROXIES, STR_TIMED_OUT, STR_UNKNOWN_BRIDGE,
};
use snowflake_common::messages::proxy::REJECTED_NEXT_POLL;
use snowflake_common::messages::{
    ClientPollFormat, ClientPollRequest, ClientPollResponse, ProxyAnswerRequest,
    ProxyAnswerResponse, ProxyPollRequest, ProxyPollResponse, ProxyType, READ_LIMIT,
};
use snowflake_common::namematcher::NameMatcher;
use tokio::time::Instant;

use crate::addr::{proxy_address, request_address, Scrubbed};
use crate::bridges::BridgeList;
use crate::demand::Demand;
use crate::geoip::{GeoIp, UNKNOWN_COUNTRY};
use crate::ip_count::IpCountFiles;
use crate::matcher::{ClientRefusal, ClientRequest, MatcherStats, ProxyRefusal, ProxyRegistration};
use crate::metrics::{
    ClientPollStatus, Metrics, ProxyPollStatus, ProxyRefusalReason, RendezvousMethod,
    PROMETHEUS_CONTENT_TYPE,
};
use crate::poll_interval::PoolIntervals;
use crate::rate_limit::{Admission, PollRateLimit};
use crate::rendezvous::{ClientOutcome, ProxyOutcome, Rendezvous};

/// Response body type.
pub(crate) type Body = Full<Bytes>;

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /\n";
/// Largest metrics log served (the file grows by about 1 KB a day).
const MAX_METRICS_LOG_BYTES: u64 = 64 * 1024 * 1024;

/// Settings that `SIGHUP` may reload.
#[derive(Debug, Clone)]
pub(crate) struct Reloadable {
    pub geoip: Option<Arc<GeoIp>>,
    pub poll_intervals: PoolIntervals,
}

/// The request handlers and everything they share.
pub(crate) struct App {
    pub rendezvous: Arc<Rendezvous>,
    pub metrics: Arc<Metrics>,
    pub bridges: BridgeList,
    pub allowed_relay_pattern: NameMatcher,
    pub default_relay_pattern: Option<String>,
    pub client_timeout: Duration,
    pub body_timeout: Duration,
    pub metrics_log_path: Option<PathBuf>,
    pub unsafe_logging: bool,
    pub reloadable: RwLock<Reloadable>,
    /// When clients last went unserved, per pool (the demand rule).
    pub demand: Mutex<Demand>,
    /// How long a proxy poll is held at most.
    pub proxy_timeout: Duration,
    /// `-trusted-hops`.
    pub trusted_hops: usize,
    /// The per-address proxy poll limit.
    pub rate_limit: Mutex<PollRateLimit>,
    /// Distinct proxy address counts, if `-ip-count-prefix` is set.
    pub ip_count: Option<Mutex<IpCountFiles>>,
}

/// What a client is told, before it is put in one of the three response
/// shapes (JSON, legacy, AMP).
enum ClientReply {
    Answer(String),
    Error(String),
    NoProxies,
    TimedOut,
}

fn text_response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn empty_response(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Go's `http.NotFound`.
fn not_found() -> Response<Body> {
    let mut response = text_response(StatusCode::NOT_FOUND, TEXT_PLAIN, "404 page not found\n");
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn add_cors(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("Origin, X-Session-ID"),
    );
}

/// Why a request body was not read.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("request body larger than {READ_LIMIT} bytes")]
    TooLarge,
    #[error("request body not received in time")]
    Timeout,
    #[error("reading request body: {0}")]
    Read(String),
}

impl App {
    fn reloadable(&self) -> Reloadable {
        self.reloadable
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn demand(&self) -> MutexGuard<'_, Demand> {
        self.demand.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rate_limit(&self) -> MutexGuard<'_, PollRateLimit> {
        self.rate_limit.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn country(&self, geoip: Option<&GeoIp>, address: IpAddr) -> String {
        geoip.map_or_else(|| UNKNOWN_COUNTRY.to_string(), |g| g.country_name(address))
    }

    /// Current matcher counts.
    pub fn stats(&self) -> MatcherStats {
        self.rendezvous.stats()
    }

    async fn read_body(&self, request: Request<Incoming>) -> Result<Bytes, BodyError> {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > READ_LIMIT as u64) {
            return Err(BodyError::TooLarge);
        }
        let limited = Limited::new(request.into_body(), READ_LIMIT);
        match tokio::time::timeout(self.body_timeout, limited.collect()).await {
            Err(_) => Err(BodyError::Timeout),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(error)) => {
                if error.is::<http_body_util::LengthLimitError>() {
                    Err(BodyError::TooLarge)
                } else {
                    Err(BodyError::Read(error.to_string()))
                }
            }
        }
    }

    /// Serves one request.
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<Body> {
        let path = request.uri().path().to_string();
        match path.as_str() {
            "/robots.txt" => return text_response(StatusCode::OK, TEXT_PLAIN, ROBOTS_TXT),
            "/prometheus" => {
                let text = self.metrics.prometheus_text(&self.stats());
                return text_response(StatusCode::OK, PROMETHEUS_CONTENT_TYPE, text);
            }
            "/client" | "/proxy" | "/answer" | "/debug" | "/metrics" => {}
            _ if path.starts_with(amp::AMP_CLIENT_PATH_PREFIX) => {}
            _ => return not_found(),
        }
        let mut response = if request.method() == Method::OPTIONS {
            // CORS preflight.
            empty_response(StatusCode::OK)
        } else {
            match path.as_str() {
                "/client" => self.client_http(request, peer).await,
                "/proxy" => self.proxy_poll(request, peer).await,
                "/answer" => self.proxy_answer(request).await,
                "/debug" => self.debug(),
                "/metrics" => self.metrics_log().await,
                _ => self.client_amp(&path, &request, peer).await,
            }
        };
        add_cors(&mut response);
        response
    }

    /// The part of a client poll shared by `/client` and AMP.
    async fn client_offer(
        &self,
        start: Instant,
        request: ClientPollRequest,
        method: RendezvousMethod,
        address: IpAddr,
    ) -> ClientReply {
        let reloadable = self.reloadable();
        let country = self.country(reloadable.geoip.as_deref(), address);
        let who = Scrubbed::new(address, self.unsafe_logging);
        let Some(bridge) = self.bridges.get(&request.fingerprint) else {
            tracing::debug!(client = %who, fingerprint = %request.fingerprint, "client asked for an unknown bridge");
            return ClientReply::Error(STR_UNKNOWN_BRIDGE.to_string());
        };
        let nat = request.nat;
        let matcher_request = ClientRequest {
            offer: request.offer,
            nat,
            relay_url: bridge.websocket_address.clone(),
            relay_host: bridge.relay_host.clone(),
        };
        let outcome = self
            .rendezvous
            .client_poll(start + self.client_timeout, matcher_request)
            .await;
        let (status, reply) = match outcome {
            ClientOutcome::Answer {
                answer,
                proxy_type,
                proxy_nat,
            } => {
                tracing::debug!(client = %who, %nat, %proxy_type, %proxy_nat, method = method.as_str(), "client matched");
                (ClientPollStatus::Matched, ClientReply::Answer(answer))
            }
            ClientOutcome::TimedOut => {
                tracing::debug!(client = %who, %nat, "client timed out waiting for an answer");
                // Its proxy never answered: it will be back for another.
                self.demand()
                    .client_unserved(nat, Instant::now().into_std());
                (ClientPollStatus::Timeout, ClientReply::TimedOut)
            }
            ClientOutcome::Refused(ClientRefusal::DeadlinePassed) => {
                tracing::debug!(client = %who, %nat, "client timed out waiting for an answer");
                (ClientPollStatus::Timeout, ClientReply::TimedOut)
            }
            ClientOutcome::Refused(refusal) => {
                tracing::debug!(client = %who, %nat, %refusal, "client denied");
                if refusal == ClientRefusal::NoProxies {
                    self.demand()
                        .client_unserved(nat, Instant::now().into_std());
                }
                (ClientPollStatus::Denied, ClientReply::NoProxies)
            }
        };
        self.metrics.client_poll(method, nat, status, &country);
        reply
    }

    async fn client_http(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let start = Instant::now();
        let address = request_address(request.headers(), peer);
        let nat_header = request
            .headers()
            .get(NAT_TYPE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = match self.read_body(request).await {
            Ok(body) => body,
            Err(error) => {
                tracing::debug!(client = %Scrubbed::new(address, self.unsafe_logging), %error, "bad client request");
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        let legacy = body.first() == Some(&b'{');
        let (format, poll) =
            match ClientPollRequest::decode_with_legacy(&body, nat_header.as_deref()) {
                Ok(decoded) => decoded,
                Err(error) if legacy => {
                    tracing::debug!(%error, "bad legacy client request");
                    return empty_response(StatusCode::BAD_REQUEST);
                }
                Err(error) => {
                    let response = ClientPollResponse::Error(error.to_string());
                    return text_response(StatusCode::OK, TEXT_PLAIN, response.encode());
                }
            };
        let reply = self
            .client_offer(start, poll, RendezvousMethod::Http, address)
            .await;
        match format {
            ClientPollFormat::V1 => {
                text_response(StatusCode::OK, TEXT_PLAIN, json_reply(reply).encode())
            }
            ClientPollFormat::Legacy => match reply {
                ClientReply::Answer(answer) => text_response(StatusCode::OK, TEXT_PLAIN, answer),
                ClientReply::NoProxies => empty_response(StatusCode::SERVICE_UNAVAILABLE),
                ClientReply::TimedOut => empty_response(StatusCode::GATEWAY_TIMEOUT),
                // The default bridge is missing from the bridge list: the
                // legacy format has no way to say so.
                ClientReply::Error(_) => empty_response(StatusCode::INTERNAL_SERVER_ERROR),
            },
        }
    }

    async fn client_amp(
        &self,
        path: &str,
        request: &Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<Body> {
        let start = Instant::now();
        let address = request_address(request.headers(), peer);
        let encoded = path
            .strip_prefix(amp::AMP_CLIENT_PATH_PREFIX)
            .map(percent_decode)
            .unwrap_or_default();
        let reply = match amp::decode_path(&encoded) {
            Err(error) => {
                tracing::debug!(%error, "undecodable AMP path");
                ClientReply::Error(STR_CANNOT_DECODE_URL_PATH.to_string())
            }
            Ok(body) => match ClientPollRequest::decode(&body) {
                Err(error) => ClientReply::Error(error.to_string()),
                Ok(poll) => {
                    self.client_offer(start, poll, RendezvousMethod::AmpCache, address)
                        .await
                }
            },
        };
        let json = json_reply(reply).encode();
        let mut response = text_response(
            StatusCode::OK,
            amp::ARMOR_CONTENT_TYPE,
            amp::encode_armor(&json),
        );
        response.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static(amp::ARMOR_CACHE_CONTROL),
        );
        response
    }

    async fn proxy_poll(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let address = proxy_address(request.headers(), peer, self.trusted_hops);
        let who = Scrubbed::new(address, self.unsafe_logging);
        let body = match self.read_body(request).await {
            Ok(body) => body,
            Err(error) => {
                tracing::debug!(proxy = %who, %error, "bad proxy poll");
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        let poll = match ProxyPollRequest::decode(&body) {
            Ok(poll) => poll,
            Err(error) => {
                tracing::debug!(proxy = %who, %error, "bad proxy poll");
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        let reloadable = self.reloadable();
        let country = self.country(reloadable.geoip.as_deref(), address);
        let pattern_present = poll.accepted_relay_pattern.is_some();
        let pattern = poll
            .accepted_relay_pattern
            .clone()
            .or_else(|| self.default_relay_pattern.clone())
            .map(|p| NameMatcher::parse_lenient(&p))
            .filter(|p| p.is_superset_of(&self.allowed_relay_pattern));
        self.metrics
            .proxy_poll_received(poll.proxy_type, poll.nat, pattern_present);
        let Some(pattern) = pattern else {
            tracing::debug!(proxy = %who, pattern = ?poll.accepted_relay_pattern, "proxy relay pattern refused");
            self.metrics.proxy_poll_rejected(poll.proxy_type, poll.nat);
            let response = ProxyPollResponse::incorrect_relay_pattern(Some(REJECTED_NEXT_POLL));
            return text_response(StatusCode::OK, TEXT_PLAIN, response.encode());
        };
        self.metrics
            .proxy_poll_accepted(address, poll.proxy_type, poll.nat, &country);
        if let Some(ip_count) = &self.ip_count {
            ip_count.lock().unwrap_or_else(|e| e.into_inner()).record(
                address,
                poll.nat,
                poll.proxy_type,
            );
        }
        let configured = reloadable.poll_intervals.for_proxy(poll.nat);
        let proxy_type = poll.proxy_type;
        let nat = poll.nat;
        let start = Instant::now().into_std();
        let admission = self
            .rate_limit()
            .admit(address, start, start + self.proxy_timeout);
        if let Admission::TooSoon { next_poll } = admission {
            tracing::debug!(proxy = %who, %proxy_type, %nat, ?next_poll, "proxy polled too soon");
            self.metrics
                .proxy_poll_refused(proxy_type, nat, ProxyRefusalReason::TooSoon);
            let response = ProxyPollResponse::polled_too_soon(next_poll);
            return text_response(StatusCode::OK, TEXT_PLAIN, response.encode());
        }
        let registration = ProxyRegistration {
            sid: poll.sid,
            proxy_type,
            nat,
            clients: poll.clients,
            relay_pattern: pattern,
            address: Some(address),
        };
        let outcome = self.rendezvous.proxy_poll(registration).await;
        // How long the limit then holds the proxy back: what it is told,
        // except after a match (it may come back at once, as ours do, to
        // be ready for the next client) and after a refused request (it
        // was told nothing).
        let mut told_to_wait = Duration::ZERO;
        let response = match outcome {
            Ok(ProxyOutcome::Matched(offer)) => {
                tracing::debug!(proxy = %who, %proxy_type, %nat, "proxy matched");
                self.metrics
                    .proxy_poll_ended(proxy_type, nat, ProxyPollStatus::Matched, &country);
                let next_poll = self.demand().next_poll_matched(configured);
                ProxyPollResponse::client_match(
                    offer.offer,
                    offer.client_nat,
                    offer.relay_url,
                    Some(next_poll),
                )
            }
            Ok(ProxyOutcome::NoMatch) => {
                self.metrics
                    .proxy_poll_ended(proxy_type, nat, ProxyPollStatus::Idle, &country);
                // Judged when the held poll ends: demand may have come
                // up while it waited.
                let now = Instant::now().into_std();
                let next_poll = self.demand().next_poll_idle(nat, configured, now);
                told_to_wait = next_poll;
                ProxyPollResponse::no_match(Some(next_poll))
            }
            Err(ProxyRefusal::TooManyProxies) => {
                tracing::debug!(proxy = %who, "proxy poll refused: too many proxies waiting");
                self.metrics
                    .proxy_poll_refused(proxy_type, nat, ProxyRefusalReason::Capacity);
                told_to_wait = configured;
                ProxyPollResponse::no_match(Some(configured))
            }
            Err(refusal) => {
                tracing::debug!(proxy = %who, %refusal, "proxy poll refused");
                self.finish_poll(admission, address, told_to_wait);
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        self.finish_poll(admission, address, told_to_wait);
        text_response(StatusCode::OK, TEXT_PLAIN, response.encode())
    }

    /// An admitted poll from `address` ended; its proxy was told to wait
    /// `next_poll`.
    fn finish_poll(&self, admission: Admission, address: IpAddr, next_poll: Duration) {
        if admission == Admission::Admitted {
            self.rate_limit()
                .finish(address, Instant::now().into_std(), next_poll);
        }
    }

    async fn proxy_answer(&self, request: Request<Incoming>) -> Response<Body> {
        let body = match self.read_body(request).await {
            Ok(body) => body,
            Err(error) => {
                tracing::debug!(%error, "bad proxy answer");
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        let answer = match ProxyAnswerRequest::decode(&body) {
            Ok(answer) => answer,
            Err(error) => {
                tracing::debug!(%error, "bad proxy answer");
                return empty_response(StatusCode::BAD_REQUEST);
            }
        };
        let delivered = self.rendezvous.proxy_answer(&answer.sid, answer.answer);
        let response = if delivered {
            ProxyAnswerResponse::Success
        } else {
            tracing::debug!("answer for a client that is gone");
            ProxyAnswerResponse::ClientGone
        };
        text_response(StatusCode::OK, TEXT_PLAIN, response.encode())
    }

    fn debug(&self) -> Response<Body> {
        text_response(StatusCode::OK, TEXT_PLAIN, debug_text(&self.stats()))
    }

    async fn metrics_log(&self) -> Response<Body> {
        let Some(path) = &self.metrics_log_path else {
            return not_found();
        };
        let too_large = tokio::fs::metadata(path)
            .await
            .map(|m| m.len() > MAX_METRICS_LOG_BYTES)
            .unwrap_or(false);
        if too_large {
            tracing::warn!("metrics log too large to serve");
            return empty_response(StatusCode::INTERNAL_SERVER_ERROR);
        }
        match tokio::fs::read(path).await {
            Ok(contents) => text_response(StatusCode::OK, TEXT_PLAIN, contents),
            Err(error) => {
                tracing::warn!(%error, "cannot read metrics log");
                not_found()
            }
        }
    }
}

/// Client polls that arrive through SQS ([`crate::sqs`]): handled as
/// `/client` handles them, counted under the rendezvous method `sqs`.
impl crate::sqs::ClientPolls for App {
    fn client_poll(
        &self,
        poll: ClientPollRequest,
        address: Option<IpAddr>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ClientPollResponse> + Send + '_>> {
        Box::pin(async move {
            let start = Instant::now();
            // No candidate address in the offer: the country is unknown.
            let address = address.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
            json_reply(
                self.client_offer(start, poll, RendezvousMethod::Sqs, address)
                    .await,
            )
        })
    }
}

fn json_reply(reply: ClientReply) -> ClientPollResponse {
    match reply {
        ClientReply::Answer(answer) => ClientPollResponse::Answer(answer),
        ClientReply::Error(error) => ClientPollResponse::Error(error),
        ClientReply::NoProxies => ClientPollResponse::Error(STR_NO_PROXIES.to_string()),
        ClientReply::TimedOut => ClientPollResponse::Error(STR_TIMED_OUT.to_string()),
    }
}

/// The `/debug` text, in the Go broker's format.
pub fn debug_text(stats: &MatcherStats) -> String {
    use snowflake_common::messages::NatType;
    let total: usize = stats.known_proxies.iter().map(|(_, n)| n).sum();
    let mut text = format!("current snowflakes available: {total}\n");
    let count = |f: &dyn Fn(ProxyType, NatType) -> bool| -> usize {
        stats
            .known_proxies
            .iter()
            .filter(|((t, n), _)| f(*t, *n))
            .map(|(_, c)| c)
            .sum()
    };
    for proxy_type in [
        ProxyType::Standalone,
        ProxyType::Webext,
        ProxyType::Badge,
        ProxyType::IptProxy,
        ProxyType::Bloco,
    ] {
        let n = count(&|t, _| t == proxy_type);
        if n > 0 {
            text.push_str(&format!("\t{proxy_type} proxies: {n}\n"));
        }
    }
    text.push_str(&format!(
        "\tunknown proxies: {}",
        count(&|t, _| t == ProxyType::Unknown)
    ));
    text.push_str("\nNAT Types available:");
    for nat in [
        NatType::Restricted,
        NatType::Unrestricted,
        NatType::Strict,
        NatType::Moderate,
        NatType::Open,
        NatType::Unknown,
    ] {
        text.push_str(&format!("\n\t{nat}: {}", count(&|_, n| n == nat)));
    }
    text
}

/// Decodes `%XX` escapes (as Go's `URL.Path` is decoded); malformed
/// escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i.saturating_add(1)..i.saturating_add(3)))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i = i.saturating_add(3);
            }
            None => {
                out.push(byte);
                i = i.saturating_add(1);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::messages::NatType;

    #[test]
    fn debug_text_format() {
        let stats = MatcherStats {
            known_proxies: vec![
                ((ProxyType::Standalone, NatType::Unrestricted), 2),
                ((ProxyType::Standalone, NatType::Unknown), 1),
                ((ProxyType::Webext, NatType::Restricted), 1),
                ((ProxyType::Unknown, NatType::Restricted), 3),
            ],
            ..MatcherStats::default()
        };
        assert_eq!(
            debug_text(&stats),
            "current snowflakes available: 7\n\tstandalone proxies: 3\n\twebext proxies: 1\n\tunknown proxies: 3\nNAT Types available:\n\trestricted: 4\n\tunrestricted: 2\n\tstrict: 0\n\tmoderate: 0\n\topen: 0\n\tunknown: 1"
        );
        assert_eq!(
            debug_text(&MatcherStats::default()),
            "current snowflakes available: 0\n\tunknown proxies: 0\nNAT Types available:\n\trestricted: 0\n\tunrestricted: 0\n\tstrict: 0\n\tmoderate: 0\n\topen: 0\n\tunknown: 0"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("0abc/MS4w%43nt9"), "0abc/MS4wCnt9");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode(""), "");
    }
}
