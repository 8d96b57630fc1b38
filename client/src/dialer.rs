//! Getting one proxy: a WebRTC offer, the broker rendezvous, and the data
//! channel opening (§4.2, §5).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use snowflake_common::messages::NatType;
use snowflake_rtc::channel::BoxFuture;
use snowflake_rtc::{DatagramLink, LinkEvents, RtcBackend, RtcChannel, RtcError};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::collector::Reporter;
use crate::config::ClientConfig;
use crate::nat::{detect_nat_type_via, NatCheckRoute};
use crate::rendezvous::sqs::{SqsChannel, SqsRendezvousConfig};
use crate::rendezvous::{BrokerChannel, RendezvousConfig, RendezvousError};
use crate::rendezvous_fallback::{self, MethodKind, RendezvousMethods};

/// While another rendezvous method is left to try, how long one method may
/// take: a little more than the broker's own wait for a proxy's answer
/// (10 s), so that a working method is not given up on, and less than an
/// exchange's 15 s deadline.
const FALLBACK_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(12);

/// How long each STUN round trip of the NAT check may take (upstream: 10 s).
const NAT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte stream to the server through one proxy.
pub trait ProxyStream: AsyncRead + AsyncWrite + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + 'static> ProxyStream for T {}

/// An open connection to the server through a proxy.
pub struct DialedProxy {
    /// The byte stream (a WebRTC data channel in real use).
    pub stream: Pin<Box<dyn ProxyStream>>,
    /// The link's status, when the stream has one: lets a dead proxy be
    /// dropped the moment its channel closes or ICE fails.
    pub events: Option<LinkEvents>,
    /// What to call it in logs (the channel label; never an address).
    pub description: String,
    /// The datagram channel the proxy may open beside the stream (our
    /// proxy does; see [`crate::datagram_path`]), when this client asked
    /// for it.
    pub datagrams: Option<DatagramLink>,
}

impl std::fmt::Debug for DialedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialedProxy")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl DialedProxy {
    /// A proxy reached over a WebRTC data channel.
    pub fn from_channel(mut channel: RtcChannel, description: String) -> Self {
        let events = Some(channel.events());
        let datagrams = channel.take_datagrams();
        Self {
            stream: Box::pin(channel),
            events,
            description,
            datagrams,
        }
    }
}

/// Why getting a proxy failed. The collector retries with backoff.
#[derive(Debug, thiserror::Error)]
pub enum DialError {
    /// Making the offer or opening the channel failed.
    #[error("WebRTC: {0}")]
    Rtc(#[from] RtcError),
    /// The broker gave no answer.
    #[error("broker: {0}")]
    Rendezvous(#[from] RendezvousError),
    /// The answer came but the data channel did not open in time.
    #[error("data channel did not open within {0:?}")]
    OpenTimeout(Duration),
}

/// Something that produces proxies: the real one talks to the broker; tests
/// may substitute their own.
pub trait ProxyDialer: Send + Sync + 'static {
    /// Gets one proxy.
    fn dial(&self) -> BoxFuture<'_, Result<DialedProxy, DialError>>;
}

/// The NAT type the client reports: the detected one once known; before
/// that, `unrestricted` until a data channel has failed to open (so the
/// broker may match any proxy), then `unknown` (upstream's policy since
/// 2.11.0).
#[derive(Debug, Default)]
pub struct NatPolicy {
    detected: Mutex<Option<NatType>>,
    open_failed: AtomicBool,
}

impl NatPolicy {
    /// The type to put in the next broker request.
    pub fn to_report(&self) -> NatType {
        let detected = *self.detected.lock().unwrap_or_else(PoisonError::into_inner);
        match detected {
            Some(nat) if nat != NatType::Unknown => nat,
            _ if self.open_failed.load(Ordering::Relaxed) => NatType::Unknown,
            _ => NatType::Unrestricted,
        }
    }

    /// Records the result of the NAT check.
    pub fn set_detected(&self, nat: NatType) {
        *self.detected.lock().unwrap_or_else(PoisonError::into_inner) = Some(nat);
    }

    /// Records that a data channel did not open.
    pub fn note_open_failure(&self) {
        self.open_failed.store(true, Ordering::Relaxed);
    }
}

/// The real dialer: offer, broker, answer, channel.
pub struct SnowflakeDialer {
    backend: Arc<dyn RtcBackend>,
    broker: RendezvousMethods,
    nat: Arc<NatPolicy>,
    open_timeout: Duration,
}

impl std::fmt::Debug for SnowflakeDialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnowflakeDialer")
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

/// Why a dialer could not be built from a configuration.
#[derive(Debug, thiserror::Error)]
pub enum DialerSetupError {
    /// The broker settings are unusable.
    #[error("broker settings: {0}")]
    Rendezvous(#[from] RendezvousError),
    /// The WebRTC stack could not be set up.
    #[error("WebRTC setup: {0}")]
    Rtc(#[from] RtcError),
    /// No broker URL.
    #[error("no broker URL")]
    NoBroker,
}

impl SnowflakeDialer {
    /// A dialer for `config`. Starts the NAT check in the background when
    /// STUN servers are configured (must be called within a tokio runtime).
    pub fn new(config: &ClientConfig) -> Result<Self, DialerSetupError> {
        Self::with_reporter(config, None)
    }

    /// [`SnowflakeDialer::new`], reporting each failed rendezvous method
    /// to `reporter` (tor's log).
    pub fn with_reporter(
        config: &ClientConfig,
        reporter: Option<Reporter>,
    ) -> Result<Self, DialerSetupError> {
        let memory = config
            .state_dir
            .as_ref()
            .map(|dir| dir.join(rendezvous_fallback::MEMORY_FILE));
        let broker = RendezvousMethods::new(rendezvous_methods(config)?, memory, reporter)
            .with_attempt_timeout(FALLBACK_ATTEMPT_TIMEOUT);
        // WebRTC's datagrams (through `rtc_config`) and the NAT check go
        // the same way: through a SOCKS5 upstream proxy's relay, or out.
        let nat_route = match config.udp_proxy() {
            Some(proxy) => NatCheckRoute::Proxy(proxy.clone()),
            None => NatCheckRoute::Direct,
        };
        let ice = config.pick_ice_servers();
        let rtc = config.rtc_config().with_ice_servers(ice.iter());
        let backend = snowflake_rtc::default_backend(rtc)?;
        let nat = Arc::new(NatPolicy::default());
        if !ice.is_empty() && !config.loopback_only {
            let nat = Arc::clone(&nat);
            tokio::spawn(async move {
                let detected = detect_nat_type_via(&nat_route, &ice, NAT_CHECK_TIMEOUT).await;
                tracing::info!(?detected, "NAT type");
                nat.set_detected(detected);
            });
        }
        Ok(Self {
            backend,
            broker,
            nat,
            open_timeout: config.data_channel_timeout,
        })
    }

    async fn dial_once(&self) -> Result<DialedProxy, DialError> {
        let peer = self.backend.create_offer().await?;
        let label = peer.label().to_string();
        tracing::debug!(%label, "offer created");
        let answer = self
            .broker
            .exchange(peer.offer(), self.nat.to_report())
            .await?;
        tracing::debug!(%label, "broker rendezvous peer received");
        match tokio::time::timeout(self.open_timeout, peer.connect(answer)).await {
            Ok(Ok(channel)) => Ok(DialedProxy::from_channel(channel, label)),
            Ok(Err(e)) => {
                self.nat.note_open_failure();
                Err(e.into())
            }
            Err(_) => {
                self.nat.note_open_failure();
                Err(DialError::OpenTimeout(self.open_timeout))
            }
        }
    }
}

impl ProxyDialer for SnowflakeDialer {
    fn dial(&self) -> BoxFuture<'_, Result<DialedProxy, DialError>> {
        Box::pin(self.dial_once())
    }
}

/// The ways to the broker `config` gives, in the order to try them
/// (docs/rendezvous-fallback.md): with an AMP cache, AMP first (what the
/// bridge line asked for), then HTTPS to the broker (domain-fronted when
/// fronts are given), then SQS.
fn rendezvous_methods(
    config: &ClientConfig,
) -> Result<Vec<(MethodKind, BrokerChannel)>, DialerSetupError> {
    let mut methods = Vec::new();
    if let Some(broker_url) = &config.broker_url {
        let channel = |amp_cache: Option<String>| {
            BrokerChannel::new(RendezvousConfig {
                broker_url: broker_url.clone(),
                fronts: config.fronts.clone(),
                amp_cache,
                fingerprint: config.fingerprint.clone(),
                tls: config.rendezvous_tls,
            })
        };
        if let Some(cache) = config.amp_cache.as_ref().filter(|c| !c.is_empty()) {
            methods.push((MethodKind::Amp, channel(Some(cache.clone()))?));
        }
        methods.push((MethodKind::Http, channel(None)?));
    }
    if let (Some(queue), Some(credentials)) = (&config.sqs_queue, &config.sqs_creds) {
        let channel = BrokerChannel::sqs(
            SqsChannel::new(
                SqsRendezvousConfig {
                    queue: queue.clone(),
                    credentials: credentials.clone(),
                },
                config.fingerprint.clone(),
            ),
            config.rendezvous_tls,
        )?;
        methods.push((MethodKind::Sqs, channel));
    }
    if methods.is_empty() {
        return Err(DialerSetupError::NoBroker);
    }
    if let Some(proxy) = &config.upstream_proxy {
        methods = methods
            .into_iter()
            .map(|(kind, channel)| (kind, channel.with_connector(Arc::new(proxy.clone()))))
            .collect();
    }
    Ok(methods)
}

/// Checks at start the rendezvous settings the flags give (the bridge line
/// may add or override them per connection, and is checked then): a broker
/// URL, fronts and AMP cache that cannot form a request, or half of the SQS
/// settings, are refused here with the reason, rather than at the first
/// connection.
pub fn check_settings(config: &ClientConfig) -> Result<(), String> {
    if let Some(broker_url) = &config.broker_url {
        BrokerChannel::new(RendezvousConfig {
            broker_url: broker_url.clone(),
            fronts: config.fronts.clone(),
            amp_cache: config.amp_cache.clone(),
            fingerprint: config.fingerprint.clone(),
            ..RendezvousConfig::default()
        })
        .map_err(|e| e.to_string())?;
    } else if config.amp_cache.as_deref().is_some_and(|c| !c.is_empty()) {
        return Err("-ampcache needs a broker URL (-url)".to_string());
    }
    match (&config.sqs_queue, &config.sqs_creds) {
        (Some(_), None) => Err("-sqsqueue needs -sqscreds".to_string()),
        (None, Some(_)) => Err("-sqscreds needs -sqsqueue".to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat_policy_claims_unrestricted_until_an_open_fails() {
        let policy = NatPolicy::default();
        assert_eq!(policy.to_report(), NatType::Unrestricted);
        policy.note_open_failure();
        assert_eq!(policy.to_report(), NatType::Unknown);
        policy.set_detected(NatType::Restricted);
        assert_eq!(policy.to_report(), NatType::Restricted);
        let policy = NatPolicy::default();
        policy.set_detected(NatType::Unknown);
        assert_eq!(policy.to_report(), NatType::Unrestricted);
    }
}
