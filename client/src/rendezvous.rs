//! Broker rendezvous: sending the client's WebRTC offer to the broker and
//! getting a proxy's answer back (docs/protocol.md §4.1, §4.2, §4.6,
//! §8.3).
//!
//! Two ways to reach the broker, as in Go's client:
//!
//! * **HTTP**: `POST <broker>/client` with the client poll request as the
//!   body (`client/lib/rendezvous_http.go`).
//! * **AMP cache** (`ampcache=`): the poll request travels base64url-encoded
//!   in the path of a `GET <broker>/amp/client/…`, rewritten to the AMP
//!   cache's form of that URL; the answer comes back armored in an AMP
//!   HTML page (`client/lib/rendezvous_ampcache.go`, [`snowflake_common::amp`]).
//!
//! Either may be domain-fronted: one of the configured fronts, picked at
//! random per request, is what TCP and TLS connect to, while the `Host:`
//! header names the real host (see [`snowflake_common::http_client`]).
//! With an upstream proxy (`TOR_PT_PROXY`) every connection goes through
//! it ([`BrokerChannel::with_connector`], [`crate::upstream_proxy`]).
//!
//! HTTPS carries a browser's TLS ClientHello, Chrome's unless the bridge
//! line's `utls-imitate`/`utls-nosni` ask for another
//! ([`crate::rendezvous_tls`], docs/rendezvous-tls.md), and speaks HTTP/2
//! when the server picks `h2` by ALPN, as a browser would.
//!
//! Each exchange is bounded: 15 s for the whole request (Go's transport has
//! a 15 s response-header timeout; the broker itself answers within its
//! 5–10 s client timeout) and 100000 bytes of response body. The broker's
//! "no proxies" and "timed out" replies are distinct errors so the caller's
//! retry loop can back off ([`RendezvousError::is_retryable`], [`backoff`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::seq::IndexedRandom;
use snowflake_common::amp::{self, ArmorDecodeError, CacheUrlError};
use snowflake_common::http_client::{
    self, HttpError, HttpRequest, HttpResponse, TcpConnector, TlsConnect,
};
use snowflake_common::messages::client::{STR_NO_PROXIES, STR_TIMED_OUT, STR_UNKNOWN_BRIDGE};
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, ClientPollResponseError, NatType,
    SdpJsonError, SessionDescription, READ_LIMIT,
};
use url::Url;

use crate::rendezvous_tls::{RendezvousTls, Roots};

/// SQS rendezvous (`sqsqueue=`, `sqscreds=`): [`sqs::SqsChannel`].
#[path = "rendezvous_sqs.rs"]
pub mod sqs;

/// Deadline for one broker exchange, connecting included.
pub const BROKER_TIMEOUT: Duration = Duration::from_secs(15);

/// Deadline for opening a rendezvous connection (TCP and TLS) directly:
/// a censor who blackholes the address or stalls the TLS handshake costs
/// this long, not [`BROKER_TIMEOUT`], before the next method is tried. The
/// broker itself may hold a poll for about 10 s while it looks for a
/// proxy, so only the connection phase can be bounded this tightly.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(6);

/// [`CONNECT_TIMEOUT`] through an upstream proxy (`TOR_PT_PROXY`), which
/// adds its own handshake and connection.
pub const PROXIED_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most response-body bytes read from the broker (Go's `readLimit`).
pub const RESPONSE_LIMIT: usize = READ_LIMIT;

/// The AMP cache content type for snowflake client polls (`c`).
const AMP_CONTENT_TYPE: &str = "c";

/// First retry delay of [`backoff`].
pub const BACKOFF_INITIAL: Duration = Duration::from_millis(500);

/// Longest retry delay of [`backoff`].
pub const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// How to reach the broker (the `url`, `front`/`fronts`, `ampcache` and
/// `fingerprint` bridge-line arguments).
#[derive(Debug, Clone, Default)]
pub struct RendezvousConfig {
    /// The broker's base URL (`http` or `https`), e.g.
    /// `https://snowflake-broker.torproject.net/`.
    pub broker_url: String,
    /// Front domains (`host` or `host:port`); one is picked at random for
    /// each request. Empty: no domain fronting.
    pub fronts: Vec<String>,
    /// The AMP cache URL, e.g. `https://cdn.ampproject.org/`; `Some` selects
    /// AMP cache rendezvous. An empty string counts as `None`, as an empty
    /// `ampcache=` does in Go.
    pub amp_cache: Option<String>,
    /// The bridge the client wants the broker to hand it a proxy for.
    pub fingerprint: BridgeFingerprint,
    /// The TLS ClientHello of `https` requests (`utls-imitate`,
    /// `utls-nosni`); Chrome's by default.
    pub tls: RendezvousTls,
}

/// Why a rendezvous failed.
#[derive(Debug, thiserror::Error)]
pub enum RendezvousError {
    /// The configuration cannot work (bad URL, AMP cache without a usable
    /// broker URL, bad front); found by [`BrokerChannel::new`].
    #[error("invalid rendezvous configuration: {0}")]
    InvalidConfig(String),
    /// The broker has no proxy for us right now
    /// (`no snowflake proxies currently available`).
    #[error("broker: no snowflake proxies currently available")]
    NoProxies,
    /// The broker matched us with a proxy but the proxy's answer did not
    /// arrive in time (`timed out waiting for answer!`).
    #[error("broker: timed out waiting for the proxy's answer")]
    BrokerTimedOut,
    /// The broker does not know the requested bridge fingerprint.
    #[error("broker: bridge with requested fingerprint is unknown to the broker")]
    UnknownBridge,
    /// Any other error text from the broker (it refused our request).
    #[error("broker error: {0}")]
    Broker(String),
    /// The broker (or AMP cache) answered with a status other than 200.
    #[error("broker returned HTTP status {0}")]
    Status(u16),
    /// The AMP cache answered 200 with a `Location` header: a redirect we
    /// cannot follow or decode.
    #[error("non-decodable redirect from AMP cache")]
    AmpRedirect,
    /// Connecting or the HTTP exchange failed (includes the 15 s timeout
    /// and the response size limit).
    #[error("broker request: {0}")]
    Http(#[from] HttpError),
    /// The AMP page carries no decodable armored response.
    #[error("undecodable AMP response: {0}")]
    Armor(#[from] ArmorDecodeError),
    /// The response is not a client poll response.
    #[error("undecodable broker response: {0}")]
    Response(#[from] ClientPollResponseError),
    /// The answer inside the response is not a session description.
    #[error("undecodable answer from broker: {0}")]
    Answer(#[from] SdpJsonError),
    /// SQS rendezvous failed.
    #[error("SQS rendezvous: {0}")]
    Sqs(#[from] sqs::SqsRendezvousError),
}

impl RendezvousError {
    /// Whether trying again later (with [`backoff`]) can succeed.
    ///
    /// Not retryable: a bad configuration, an unknown bridge, and other
    /// error texts from the broker (it rejected our request as such, e.g.
    /// an undecodable fingerprint). Everything else (no proxies, proxy
    /// timeout, transport failures, bad statuses, garbled responses) may be
    /// temporary.
    pub fn is_retryable(&self) -> bool {
        if let RendezvousError::Sqs(error) = self {
            return error.is_retryable();
        }
        !matches!(
            self,
            RendezvousError::InvalidConfig(_)
                | RendezvousError::UnknownBridge
                | RendezvousError::Broker(_)
        )
    }
}

/// The retry delay after `attempt` consecutive failures (0 for the
/// first): 0.5 s doubling to a 10 s cap (upstream waits a fixed 10 s),
/// with random "equal jitter" (a
/// uniformly chosen delay between half the step and the step) so that many
/// clients do not retry in lockstep.
pub fn backoff(attempt: u32) -> Duration {
    backoff_with_jitter(attempt, rand::random::<f64>())
}

/// [`backoff`] with the jitter given: `jitter` in `[0, 1]` maps to
/// `[step / 2, step]` (values outside are clamped, NaN counts as 0).
pub fn backoff_with_jitter(attempt: u32, jitter: f64) -> Duration {
    let step = BACKOFF_INITIAL
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(BACKOFF_MAX);
    let jitter = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    step.mul_f64(0.5 + 0.5 * jitter)
}

/// How requests reach the broker.
#[derive(Debug, Clone)]
enum Method {
    /// `POST` to this URL (`<broker>/client`).
    Http { client_url: Url },
    /// `GET` of `<broker>/amp/client/<encoded poll>`, rewritten to the AMP
    /// cache's form of that URL.
    Amp {
        broker_url: String,
        cache_url: String,
    },
    /// A message on the broker's SQS queue, the reply in a queue of our own.
    Sqs(Box<sqs::SqsChannel>),
}

/// A configured way to the broker; [`BrokerChannel::exchange`] makes one
/// rendezvous. Cheap to share: clones share one piece of state, whether the
/// broker refused the three-kind NAT spelling.
#[derive(Debug, Clone)]
pub struct BrokerChannel {
    method: Method,
    fronts: Vec<String>,
    fingerprint: BridgeFingerprint,
    /// The hello `tls` sends.
    tls_settings: RendezvousTls,
    /// The TLS client of `https` requests: the browser hello of
    /// `tls_settings`, built once per channel (with Mozilla's roots unless
    /// [`BrokerChannel::with_tls_roots`]). `None` when no request of this
    /// channel uses `https`, or when [`BrokerChannel::with_tls_config`]
    /// chose rustls.
    tls: Option<Arc<dyn TlsConnect>>,
    /// rustls instead of the browser hello (tests, through
    /// [`BrokerChannel::with_tls_config`]).
    tls_config: Option<Arc<rustls::ClientConfig>>,
    /// How connections are opened: through the upstream proxy
    /// (`TOR_PT_PROXY`), or directly when `None`.
    connector: Option<Arc<dyn TcpConnector>>,
    /// Set once the broker answered HTTP 400 to a three-kind NAT value
    /// (`open`/`moderate`/`strict`): a broker of 2.14 or earlier, which
    /// knows only `unknown`/`restricted`/`unrestricted`. Later exchanges
    /// send the two-kind spelling ([`NatType::legacy`]).
    legacy_nat: Arc<AtomicBool>,
}

impl BrokerChannel {
    /// Checks `config` (URLs parse, schemes are `http`/`https`, the AMP
    /// cache URL can be formed, fronts are bare hosts) and builds the
    /// channel.
    pub fn new(config: RendezvousConfig) -> Result<Self, RendezvousError> {
        let invalid = |what: String| RendezvousError::InvalidConfig(what);
        if config.broker_url.is_empty() {
            return Err(invalid("no broker URL".into()));
        }
        let broker = parse_http_url(&config.broker_url)
            .map_err(|e| invalid(format!("broker URL {:?}: {e}", config.broker_url)))?;
        for front in &config.fronts {
            http_client::check_front(front).map_err(|e| invalid(e.to_string()))?;
        }
        let cache_url = config.amp_cache.filter(|cache| !cache.is_empty());
        let method = match cache_url {
            None => {
                // Go resolves the relative reference `client`, which
                // replaces the last path segment unless the path ends in '/'.
                let client_url = broker
                    .join("client")
                    .map_err(|e| invalid(format!("broker URL: {e}")))?;
                Method::Http { client_url }
            }
            Some(cache) => {
                let method = Method::Amp {
                    broker_url: config.broker_url.clone(),
                    cache_url: cache,
                };
                // Build one URL now so a bad combination fails here rather
                // than on every rendezvous.
                amp_request_url(&method, b"")
                    .map_err(|e| invalid(format!("AMP cache rendezvous: {e}")))?;
                method
            }
        };
        // Mozilla's roots cost a few milliseconds to load: only for a
        // channel that makes `https` requests.
        let tls = if method_uses_https(&method) {
            let tls = config
                .tls
                .web_pki()
                .map_err(|e| invalid(format!("rendezvous TLS: {e}")))?;
            Some(tls)
        } else {
            None
        };
        tracing::debug!(
            profile = %config.tls.profile,
            sni = config.tls.send_sni,
            https = tls.is_some(),
            "rendezvous TLS"
        );
        Ok(BrokerChannel {
            method,
            fronts: config.fronts,
            fingerprint: config.fingerprint,
            tls_settings: config.tls,
            tls,
            tls_config: None,
            connector: None,
            legacy_nat: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A channel through the broker's SQS queue (`sqsqueue=`,
    /// `sqscreds=`); the bridge asked for is the SQS channel's. An `https`
    /// queue (every real one) is spoken to with the browser hello of
    /// `tls`, as the other methods are.
    pub fn sqs(channel: sqs::SqsChannel, tls: RendezvousTls) -> Result<Self, RendezvousError> {
        let connector = if channel.uses_https() {
            Some(
                tls.web_pki()
                    .map_err(|e| RendezvousError::InvalidConfig(format!("rendezvous TLS: {e}")))?,
            )
        } else {
            None
        };
        Ok(BrokerChannel {
            fingerprint: channel.fingerprint().clone(),
            method: Method::Sqs(Box::new(channel)),
            fronts: Vec::new(),
            tls_settings: tls,
            tls: connector,
            tls_config: None,
            connector: None,
            legacy_nat: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Whether requests go through SQS.
    pub fn uses_sqs(&self) -> bool {
        matches!(self.method, Method::Sqs(_))
    }

    /// Uses rustls with `config` for `https` instead of the browser hello
    /// (tests with their own certificate authority). If it offers `h2` by
    /// ALPN and the server picks it, the request goes over HTTP/2.
    pub fn with_tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self.tls = None;
        self
    }

    /// Sends the browser hello of this channel's settings, trusting `roots`
    /// instead of Mozilla's (tests with their own certificate authority,
    /// or a front behind a private CA). Replaces
    /// [`Self::with_tls_config`].
    pub fn with_tls_roots(mut self, roots: Roots) -> Result<Self, RendezvousError> {
        let tls = self
            .tls_settings
            .tls_connect(roots)
            .map_err(|e| RendezvousError::InvalidConfig(format!("rendezvous TLS: {e}")))?;
        self.tls = Some(tls);
        self.tls_config = None;
        Ok(self)
    }

    /// Runs `https` over `tls` (any TLS client; tests).
    pub fn with_tls_connector(mut self, tls: Arc<dyn TlsConnect>) -> Self {
        self.tls = Some(tls);
        self.tls_config = None;
        self
    }

    /// The hello `https` requests send (unless
    /// [`Self::with_tls_config`] or [`Self::with_tls_connector`] replaced
    /// it).
    pub fn tls_settings(&self) -> RendezvousTls {
        self.tls_settings
    }

    /// Opens every connection (to the broker, the front or the AMP cache)
    /// with `connector`: the upstream proxy, which also resolves the names.
    pub fn with_connector(mut self, connector: Arc<dyn TcpConnector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Whether requests go through an AMP cache.
    pub fn uses_amp_cache(&self) -> bool {
        matches!(self.method, Method::Amp { .. })
    }

    /// Sends `offer` (with our NAT type and bridge fingerprint) to the
    /// broker and returns the proxy's answer.
    ///
    /// A broker that answers HTTP 400 to a three-kind NAT value is asked
    /// again at once with the two-kind spelling, and so is every later
    /// exchange through this channel (or its clones).
    pub async fn exchange(
        &self,
        offer: &SessionDescription,
        nat: NatType,
    ) -> Result<SessionDescription, RendezvousError> {
        let nat = if self.uses_legacy_nat() {
            nat.legacy()
        } else {
            nat
        };
        match self.exchange_once(offer, nat).await {
            Err(RendezvousError::Status(400)) if nat.is_three_kind() => {
                tracing::info!(
                    %nat,
                    legacy = %nat.legacy(),
                    "the broker refuses three-kind NAT types; asking with the older spelling"
                );
                self.legacy_nat.store(true, Ordering::Relaxed);
                self.exchange_once(offer, nat.legacy()).await
            }
            other => other,
        }
    }

    /// Whether exchanges send the two-kind NAT spelling (the broker refused
    /// a three-kind one).
    pub fn uses_legacy_nat(&self) -> bool {
        self.legacy_nat.load(Ordering::Relaxed)
    }

    async fn exchange_once(
        &self,
        offer: &SessionDescription,
        nat: NatType,
    ) -> Result<SessionDescription, RendezvousError> {
        let poll = ClientPollRequest::new(offer, nat, self.fingerprint.clone()).encode();
        if let Method::Sqs(sqs) = &self.method {
            return sqs
                .exchange_encoded(
                    poll,
                    self.tls.clone(),
                    self.tls_config.clone(),
                    self.connector.clone(),
                )
                .await;
        }
        let mut request = match &self.method {
            Method::Http { client_url } => {
                HttpRequest::post(client_url.clone(), poll, RESPONSE_LIMIT, BROKER_TIMEOUT)
            }
            Method::Amp { .. } => {
                let url = amp_request_url(&self.method, &poll).map_err(|e| {
                    // `new` checked the same construction.
                    RendezvousError::InvalidConfig(format!("AMP cache rendezvous: {e}"))
                })?;
                HttpRequest::get(url, RESPONSE_LIMIT, BROKER_TIMEOUT)
            }
            Method::Sqs(_) => {
                return Err(RendezvousError::InvalidConfig(
                    "SQS rendezvous has no HTTP request".into(),
                ))
            }
        };
        request.front = self.fronts.choose(&mut rand::rng()).cloned();
        request.tls = self.tls.clone();
        request.tls_config = self.tls_config.clone();
        request.connector = self.connector.clone();
        request.connect_timeout = Some(if self.connector.is_some() {
            PROXIED_CONNECT_TIMEOUT
        } else {
            CONNECT_TIMEOUT
        });
        tracing::debug!(
            amp = self.uses_amp_cache(),
            front = request.front.as_deref().unwrap_or(""),
            // With the URL's own port, if it has one: the address the user
            // configured, which the log keeps readable (common::safelog).
            host = %match (request.url.host_str(), request.url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (host, None) => host.unwrap_or("").to_owned(),
                (None, Some(_)) => String::new(),
            },
            "broker rendezvous"
        );
        let response = http_client::send(request).await?;
        let payload = self.response_payload(response)?;
        match ClientPollResponse::decode(&payload)? {
            ClientPollResponse::Answer(answer) => Ok(SessionDescription::from_json(&answer)?),
            ClientPollResponse::Error(text) => Err(broker_error(text)),
        }
    }

    /// The client poll response inside an HTTP response: the body itself,
    /// or for AMP the armored data in the page.
    fn response_payload(&self, response: HttpResponse) -> Result<Vec<u8>, RendezvousError> {
        if response.status.as_u16() != 200 {
            return Err(RendezvousError::Status(response.status.as_u16()));
        }
        match self.method {
            Method::Http { .. } | Method::Sqs(_) => Ok(response.body.to_vec()),
            Method::Amp { .. } => {
                if response.location().is_some() {
                    return Err(RendezvousError::AmpRedirect);
                }
                Ok(amp::decode_armor(&response.body)?)
            }
        }
    }
}

/// Whether the requests of `method` use `https` (AMP: the cache's URL).
fn method_uses_https(method: &Method) -> bool {
    match method {
        Method::Http { client_url } => client_url.scheme() == "https",
        Method::Amp { .. } => amp_request_url(method, b"").is_ok_and(|url| url.scheme() == "https"),
        Method::Sqs(_) => false,
    }
}

/// Parses `text` as an absolute `http`/`https` URL with a host.
fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(url)
}

/// The URL of an AMP rendezvous carrying `poll`: the broker's
/// `amp/client/<encoded poll>`, in the AMP cache's form.
fn amp_request_url(method: &Method, poll: &[u8]) -> Result<Url, String> {
    let Method::Amp {
        broker_url,
        cache_url,
    } = method
    else {
        return Err("not AMP rendezvous".into());
    };
    let path = amp::encode_path_random(poll);
    let broker_poll_url = amp::client_poll_url(broker_url, &path).map_err(describe)?;
    let url = amp::cache_url(&broker_poll_url, cache_url, AMP_CONTENT_TYPE).map_err(describe)?;
    parse_http_url(&url)
}

fn describe(error: CacheUrlError) -> String {
    error.to_string()
}

/// The error for a broker's `{"error": text}` reply.
fn broker_error(text: String) -> RendezvousError {
    match text.as_str() {
        STR_NO_PROXIES => RendezvousError::NoProxies,
        STR_TIMED_OUT => RendezvousError::BrokerTimedOut,
        STR_UNKNOWN_BRIDGE => RendezvousError::UnknownBridge,
        _ => RendezvousError::Broker(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(broker: &str) -> RendezvousConfig {
        RendezvousConfig {
            broker_url: broker.into(),
            ..RendezvousConfig::default()
        }
    }

    fn client_url(channel: &BrokerChannel) -> String {
        match &channel.method {
            Method::Http { client_url } => client_url.to_string(),
            _ => panic!("not an HTTP channel"),
        }
    }

    #[test]
    fn http_client_url_resolves_like_go() {
        let channel = BrokerChannel::new(config("https://broker.example/")).unwrap();
        assert_eq!(client_url(&channel), "https://broker.example/client");
        let channel = BrokerChannel::new(config("https://cdn.example/sub/")).unwrap();
        assert_eq!(client_url(&channel), "https://cdn.example/sub/client");
        // Without a trailing slash the last segment is replaced.
        let channel = BrokerChannel::new(config("https://cdn.example/sub")).unwrap();
        assert_eq!(client_url(&channel), "https://cdn.example/client");
        assert!(!channel.uses_amp_cache());
    }

    #[test]
    fn amp_cache_url_shape() {
        let channel = BrokerChannel::new(RendezvousConfig {
            amp_cache: Some("https://cdn.ampproject.org/".into()),
            ..config("https://snowflake-broker.torproject.net/")
        })
        .unwrap();
        assert!(channel.uses_amp_cache());
        let poll = b"1.0\n{}";
        let url = amp_request_url(&channel.method, poll).unwrap();
        let text = url.as_str();
        let prefix = "https://snowflake--broker-torproject-net.cdn.ampproject.org/c/s/snowflake-broker.torproject.net/amp/client/0";
        assert!(text.starts_with(prefix), "{text}");
        let encoded = text.strip_prefix(prefix).unwrap();
        // 12 characters of cache breaker, then the poll after the last '/'.
        assert_eq!(encoded.find('/'), Some(12), "{text}");
        let path = &text[text.find("/amp/client/").unwrap() + "/amp/client/".len()..];
        assert_eq!(amp::decode_path(path).unwrap(), poll);
        // A fresh cache breaker every time.
        assert_ne!(amp_request_url(&channel.method, poll).unwrap(), url);
    }

    #[test]
    fn empty_amp_cache_means_http() {
        let channel = BrokerChannel::new(RendezvousConfig {
            amp_cache: Some(String::new()),
            ..config("https://broker.example/")
        })
        .unwrap();
        assert!(!channel.uses_amp_cache());
    }

    #[test]
    fn bad_configurations_are_refused() {
        let bad = [
            config(""),
            config("not a url"),
            config("ftp://broker.example/"),
            config("file:///tmp/x"),
            RendezvousConfig {
                fronts: vec!["front.example/path".into()],
                ..config("https://broker.example/")
            },
            RendezvousConfig {
                fronts: vec![String::new()],
                ..config("https://broker.example/")
            },
            // AMP needs a broker URL.
            RendezvousConfig {
                amp_cache: Some("https://cdn.ampproject.org/".into()),
                ..config("")
            },
            // The AMP cache form cannot carry a non-default broker port.
            RendezvousConfig {
                amp_cache: Some("https://cdn.ampproject.org/".into()),
                ..config("https://broker.example:8443/")
            },
            RendezvousConfig {
                amp_cache: Some("https://cdn.ampproject.org/?q".into()),
                ..config("https://broker.example/")
            },
            RendezvousConfig {
                amp_cache: Some("ftp://cdn.ampproject.org/".into()),
                ..config("https://broker.example/")
            },
            // `<prefix>.192.0.2.1` is not a valid URL host.
            RendezvousConfig {
                amp_cache: Some("https://192.0.2.1/".into()),
                ..config("https://broker.example/")
            },
        ];
        for config in bad {
            let described = format!("{config:?}");
            match BrokerChannel::new(config) {
                Err(error @ RendezvousError::InvalidConfig(_)) => {
                    assert!(!error.is_retryable(), "{described}")
                }
                other => panic!("{described}: {other:?}"),
            }
        }
    }

    #[test]
    fn broker_error_texts() {
        assert!(matches!(
            broker_error(STR_NO_PROXIES.into()),
            RendezvousError::NoProxies
        ));
        assert!(matches!(
            broker_error(STR_TIMED_OUT.into()),
            RendezvousError::BrokerTimedOut
        ));
        assert!(matches!(
            broker_error(STR_UNKNOWN_BRIDGE.into()),
            RendezvousError::UnknownBridge
        ));
        assert!(matches!(
            broker_error("cannot decode fingerprint".into()),
            RendezvousError::Broker(text) if text == "cannot decode fingerprint"
        ));
        assert!(RendezvousError::NoProxies.is_retryable());
        assert!(RendezvousError::BrokerTimedOut.is_retryable());
        assert!(RendezvousError::Status(500).is_retryable());
        assert!(RendezvousError::Http(HttpError::Timeout(BROKER_TIMEOUT)).is_retryable());
        assert!(!RendezvousError::UnknownBridge.is_retryable());
        assert!(!RendezvousError::Broker("x".into()).is_retryable());
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let steps: Vec<Duration> = (0..8).map(|a| backoff_with_jitter(a, 1.0)).collect();
        let ms = |n: u64| Duration::from_millis(n);
        assert_eq!(
            steps,
            [
                ms(500),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                ms(10_000),
                ms(10_000),
                ms(10_000)
            ]
        );
        assert_eq!(backoff_with_jitter(0, 0.0), ms(250));
        assert_eq!(backoff_with_jitter(10, 0.0), ms(5000));
        assert_eq!(backoff_with_jitter(u32::MAX, 1.0), BACKOFF_MAX);
        assert_eq!(backoff_with_jitter(3, f64::NAN), ms(2000));
        assert_eq!(backoff_with_jitter(3, 7.0), ms(4000));
        assert_eq!(backoff_with_jitter(3, -1.0), ms(2000));
        for attempt in [0, 1, 4, 5, 100] {
            let step = backoff_with_jitter(attempt, 1.0);
            for _ in 0..100 {
                let delay = backoff(attempt);
                assert!(delay >= step / 2 && delay <= step, "{attempt}: {delay:?}");
            }
        }
    }
}
