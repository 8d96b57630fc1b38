//! The running proxy: the poll loop, one task per client, the NAT prober,
//! the summary line and the metrics endpoint, and an orderly shutdown.
//!
//! The poll loop takes a client slot before each poll (a full proxy does
//! not poll) and asks [`PollSchedule`] how long to wait after it: nothing
//! after a match (so the next poll goes out as soon as a slot is free),
//! the broker's `NextPoll` after an answer without a client, a growing
//! backoff after a failure.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_common::geoip::GeoIp;
use snowflake_common::messages::{
    proxy::new_session_id, NatType, ProxyAnswerResponse, ProxyPollResponse, ProxyPollStatus,
};
use snowflake_common::safelog::Redacted;
use snowflake_rtc::{client_ip_from_sdp, RtcBackend, RtcError};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use url::Url;

use crate::broker::{BrokerClient, BrokerError, PollParams};
use crate::config::{ProxyConfig, DEFAULT_NAT_RETEST_INTERVAL};
use crate::relay::{self, RelayEnd};
use crate::relay_check::{check_relay, RelayCheckSchedule, MAX_RELAY_CHECK_BACKOFF};
use crate::relay_policy::{url_with_client_ip, RelayPolicy};
use crate::schedule::{reported_clients, PollOutcome, PollSchedule};
use crate::stats::{totals_line, ProxyStats, Summary};
use crate::{metrics_http, nat_probe};

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The broker URL is unusable.
    #[error("bad broker URL {url:?}: {reason}")]
    BrokerUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The NAT probe URL is unusable.
    #[error("bad NAT probe URL {url:?}: {reason}")]
    ProbeUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The WebRTC settings are unusable (e.g. the port range).
    #[error("WebRTC settings: {0}")]
    Rtc(#[from] RtcError),
    /// The metrics address could not be bound.
    #[error("metrics listener on {addr}: {source}")]
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// State shared by the proxy's tasks.
struct Shared {
    config: ProxyConfig,
    backend: Arc<dyn RtcBackend>,
    broker: BrokerClient,
    policy: RelayPolicy,
    stats: ProxyStats,
    /// Countries of client addresses, for `connections_total{country}`:
    /// loaded when metrics are served, empty otherwise.
    geoip: GeoIp,
    nat: watch::Sender<NatType>,
    /// Whether the default relay answered its last check; polls wait for
    /// `true` (always `true` without the check).
    relay_reachable: watch::Sender<bool>,
    /// Cancelled when shutdown starts: no more polls, no new clients.
    stop_polling: CancellationToken,
    /// Cancelled when the drain time is over: active clients are closed.
    stop_clients: CancellationToken,
}

/// Starts proxies.
#[derive(Debug)]
pub struct Proxy;

impl Proxy {
    /// Checks `config`, starts polling the broker, the NAT prober, the
    /// summary line and (if configured) the metrics endpoint. Must be called
    /// within a tokio runtime.
    pub async fn start(config: ProxyConfig) -> Result<ProxyHandle, ProxyError> {
        let broker_url = Url::parse(&config.broker_url).map_err(|e| ProxyError::BrokerUrl {
            url: config.broker_url.clone(),
            reason: e.to_string(),
        })?;
        let broker = BrokerClient::new(&broker_url).map_err(|e| ProxyError::BrokerUrl {
            url: config.broker_url.clone(),
            reason: e.to_string(),
        })?;
        let probe_url = config
            .nat_probe_url
            .as_deref()
            .map(|url| {
                Url::parse(url).map_err(|e| ProxyError::ProbeUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let backend = snowflake_rtc::default_backend(config.rtc_config())?;
        let policy = config.relay_policy();
        if let Err(error) = policy.check_url(&config.default_relay_url) {
            tracing::warn!(
                relay = %config.default_relay_url,
                %error,
                "the default relay is not allowed; clients for it will be refused"
            );
        }
        let started = Instant::now();
        let stats = ProxyStats::new();
        let stop_polling = CancellationToken::new();
        let stop_clients = CancellationToken::new();
        let stop_tasks = CancellationToken::new();

        let mut background = Vec::new();
        let metrics_addr = match config.metrics_addr {
            Some(addr) => {
                let listener = metrics_http::bind(addr)
                    .await
                    .map_err(|source| ProxyError::Metrics { addr, source })?;
                let bound = listener
                    .local_addr()
                    .map_err(|source| ProxyError::Metrics { addr, source })?;
                background.push(tokio::spawn(metrics_http::serve(
                    listener,
                    stats.clone(),
                    stop_tasks.clone(),
                )));
                tracing::info!(%bound, "serving metrics");
                Some(bound)
            }
            None => None,
        };

        let geoip = if metrics_addr.is_some() {
            load_geoip(&config).await
        } else {
            GeoIp::default()
        };
        let (nat, _) = watch::channel(NatType::Unknown);
        let (relay_reachable, _) = watch::channel(config.relay_check.is_none());
        let shared = Arc::new(Shared {
            config,
            backend,
            broker,
            policy,
            stats,
            geoip,
            nat,
            relay_reachable,
            stop_polling,
            stop_clients,
        });
        tracing::info!(
            broker = %shared.config.broker_url,
            capacity = shared.config.capacity,
            "Proxy starting"
        );
        if let Some(url) = probe_url {
            background.push(tokio::spawn(nat_prober(
                shared.clone(),
                url,
                stop_tasks.clone(),
            )));
        }
        if let Some(first) = shared.config.relay_check {
            background.push(tokio::spawn(relay_checker(
                shared.clone(),
                first,
                stop_tasks.clone(),
            )));
        }
        if !shared.config.summary_interval.is_zero() {
            background.push(tokio::spawn(summary_logger(
                shared.clone(),
                stop_tasks.clone(),
            )));
        }
        let clients = TaskTracker::new();
        let poller = tokio::spawn(poll_loop(shared.clone(), clients.clone()));
        Ok(ProxyHandle {
            shared,
            clients,
            poller: Some(poller),
            background,
            stop_tasks,
            metrics_addr,
            started,
        })
    }
}

/// A running proxy. Dropping it stops everything at once; call
/// [`ProxyHandle::shutdown`] to let active clients drain.
pub struct ProxyHandle {
    shared: Arc<Shared>,
    clients: TaskTracker,
    poller: Option<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
    stop_tasks: CancellationToken,
    metrics_addr: Option<SocketAddr>,
    /// When the proxy started, for the totals line at shutdown.
    started: Instant,
}

impl std::fmt::Debug for ProxyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyHandle")
            .field("active_clients", &self.active_clients())
            .field("nat_type", &self.nat_type())
            .finish_non_exhaustive()
    }
}

impl ProxyHandle {
    /// The proxy's counters.
    pub fn stats(&self) -> &ProxyStats {
        &self.shared.stats
    }

    /// Clients being served now (negotiating or relaying).
    pub fn active_clients(&self) -> usize {
        usize::try_from(self.shared.stats.active_clients.get()).unwrap_or(0)
    }

    /// The NAT type the proxy currently reports.
    pub fn nat_type(&self) -> NatType {
        *self.shared.nat.borrow()
    }

    /// Changes of the reported NAT type.
    pub fn nat_type_updates(&self) -> watch::Receiver<NatType> {
        self.shared.nat.subscribe()
    }

    /// Where the metrics are served, if enabled.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops polling (no new clients), lets active clients continue for
    /// the configured drain time, then closes the rest and waits for them,
    /// and logs the totals since the start.
    pub async fn shutdown(mut self) {
        self.shared.stop_polling.cancel();
        if let Some(poller) = self.poller.take() {
            let _ = poller.await;
        }
        self.clients.close();
        let active = self.active_clients();
        if active > 0 {
            tracing::info!(
                active,
                drain = ?self.shared.config.drain_timeout,
                "waiting for active clients to finish"
            );
        }
        if tokio::time::timeout(self.shared.config.drain_timeout, self.clients.wait())
            .await
            .is_err()
        {
            tracing::info!("drain time over; closing remaining clients");
            self.shared.stop_clients.cancel();
            self.clients.wait().await;
        }
        self.stop_tasks.cancel();
        for task in self.background.drain(..) {
            let _ = task.await;
        }
        tracing::info!("proxy stopped");
        tracing::info!(
            "{}",
            totals_line(self.shared.stats.snapshot(), self.started.elapsed())
        );
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        self.shared.stop_polling.cancel();
        self.shared.stop_clients.cancel();
        self.stop_tasks.cancel();
        if let Some(poller) = &self.poller {
            poller.abort();
        }
    }
}

/// Asks the broker for clients, one poll at a time, for as long as the
/// proxy runs and has room.
async fn poll_loop(shared: Arc<Shared>, clients: TaskTracker) {
    let stop = shared.stop_polling.clone();
    let capacity =
        (shared.config.capacity > 0).then(|| Arc::new(Semaphore::new(shared.config.capacity)));
    let mut schedule = PollSchedule::new(shared.config.poll_interval);
    let mut relay_reachable = shared.relay_reachable.subscribe();
    loop {
        // No polls while the default relay does not answer.
        tokio::select! {
            reachable = relay_reachable.wait_for(|reachable| *reachable) => {
                if reachable.is_err() {
                    return;
                }
            }
            () = stop.cancelled() => return,
        }
        // Take a client slot before polling: a full proxy does not poll.
        let permit = match &capacity {
            Some(slots) => tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => Some(permit),
                    Err(_) => return,
                },
                () = stop.cancelled() => return,
            },
            None => None,
        };
        let params = PollParams {
            sid: new_session_id(),
            proxy_type: shared.config.proxy_type,
            nat: *shared.nat.borrow(),
            clients: reported_clients(
                usize::try_from(shared.stats.active_clients.get()).unwrap_or(0),
            ),
            accepted_relay_pattern: shared.config.allowed_relay_pattern.to_string(),
        };
        let result = tokio::select! {
            result = shared.broker.poll(&params) => result,
            () = stop.cancelled() => return,
        };
        let outcome = match result {
            Ok(response) => {
                let next_poll = response.next_poll;
                let matched = response.status == ProxyPollStatus::ClientMatch;
                match response.status {
                    ProxyPollStatus::ClientMatch => {
                        tracing::debug!("broker matched a client");
                        let session = shared.clone();
                        let sid = params.sid;
                        // The guard counts the client from now on.
                        shared.stats.active_clients.inc();
                        clients.spawn(async move {
                            let stop = session.stop_clients.clone();
                            tokio::select! {
                                () = serve_client(&session, sid, response, permit) => {}
                                () = stop.cancelled() => {}
                            }
                            session.stats.active_clients.dec();
                        });
                    }
                    ProxyPollStatus::NoMatch => tracing::trace!("no client"),
                    ProxyPollStatus::IncorrectRelayPattern => tracing::warn!(
                        pattern = %shared.config.allowed_relay_pattern,
                        "the broker refuses our relay pattern (-allowed-relay-hostname-pattern); \
                         it must cover the broker's relays"
                    ),
                }
                if matched {
                    PollOutcome::Matched
                } else {
                    PollOutcome::Answered { next_poll }
                }
            }
            Err(error) => {
                shared.stats.poll_failures.inc();
                tracing::warn!(%error, "polling the broker failed");
                PollOutcome::Failed
            }
        };
        let delay = schedule.next_delay_with_jitter(outcome, rand::random::<f64>());
        tracing::trace!(?delay, "next poll");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Why a matched client was not (or no longer) served; for the log.
#[derive(Debug, thiserror::Error)]
enum ClientError {
    #[error("the client's offer is not a session description: {0}")]
    Offer(#[from] snowflake_common::messages::SdpJsonError),
    #[error("relay refused: {0}")]
    RelayRefused(relay::RelayError),
    #[error("answering the offer: {0}")]
    Answer(RtcError),
    #[error("posting the answer: {0}")]
    Broker(#[from] BrokerError),
    #[error("the client left before our answer arrived")]
    ClientGone,
    #[error("the client did not open its data channel in time")]
    ChannelTimeout,
    #[error("the client's connection failed: {0}")]
    Channel(RtcError),
    #[error("connecting to the relay: {0}")]
    Relay(relay::RelayError),
}

/// Serves one matched client from offer to end of relay; the slot (if
/// capacity is limited) is released when this returns.
async fn serve_client(
    shared: &Shared,
    sid: String,
    response: ProxyPollResponse,
    _slot: Option<OwnedSemaphorePermit>,
) {
    match serve_client_inner(shared, &sid, &response).await {
        Ok(end) => tracing::debug!(?end, "client done"),
        Err(error @ ClientError::RelayRefused(_)) => tracing::warn!(%error, "offer dropped"),
        Err(error) => tracing::info!(%error, "client not served"),
    }
}

async fn serve_client_inner(
    shared: &Shared,
    sid: &str,
    response: &ProxyPollResponse,
) -> Result<RelayEnd, ClientError> {
    let offer = response.offer_description()?;
    let relay_url = if response.relay_url.is_empty() {
        shared.config.default_relay_url.as_str()
    } else {
        response.relay_url.as_str()
    };
    // The relay is checked (and its name resolved and checked) before we
    // answer: a refused relay means the client is not served at all.
    let refused = |e: relay::RelayError| {
        shared.stats.relays_refused.inc();
        ClientError::RelayRefused(e)
    };
    let target = shared
        .policy
        .check_url(relay_url)
        .map_err(|e| refused(e.into()))?;
    let addrs = relay::resolve(&shared.policy, &target)
        .await
        .map_err(refused)?;

    let peer = shared
        .backend
        .answer_offer(&offer)
        .await
        .map_err(ClientError::Answer)?;
    match shared.broker.answer(sid, peer.answer()).await? {
        ProxyAnswerResponse::Success => {}
        ProxyAnswerResponse::ClientGone => return Err(ClientError::ClientGone),
    }
    let channel =
        match tokio::time::timeout(shared.config.data_channel_timeout, peer.connect()).await {
            Ok(Ok(channel)) => channel,
            Ok(Err(e)) => {
                shared.stats.connection_timeouts.inc();
                return Err(ClientError::Channel(e));
            }
            Err(_) => {
                shared.stats.connection_timeouts.inc();
                return Err(ClientError::ChannelTimeout);
            }
        };
    let client_ip: Option<IpAddr> = channel
        .remote_addr()
        .map(|addr| addr.ip())
        .or_else(|| client_ip_from_sdp(&offer.sdp));
    let unsafe_logging = shared.config.unsafe_logging;
    tracing::info!(
        client = %Redacted::new(client_ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string()), unsafe_logging),
        relay = %Redacted::new(target.url.as_str(), unsafe_logging || target.literal_ip.is_none()),
        "client connected; connecting to the relay"
    );
    let url = url_with_client_ip(&target.url, client_ip);
    let socket = relay::connect(&target, &addrs, &url)
        .await
        .map_err(ClientError::Relay)?;
    // Countries are for the metrics only; the address is not logged here.
    let country = client_ip
        .and_then(|ip| shared.geoip.country(ip))
        .map(|code| String::from_utf8_lossy(&code).into_owned())
        .unwrap_or_default();
    shared.stats.count_connection(&country);
    let started = Instant::now();
    let end = relay::run(
        channel,
        socket,
        &shared.stats,
        shared.config.relay_inactivity_timeout,
        shared.stop_clients.cancelled(),
    )
    .await;
    tracing::debug!(?end, duration = ?started.elapsed(), "relay ended");
    Ok(end)
}

/// Reads the geoip files (`-geoipdb`, `-geoip6db`) off the runtime's
/// threads. As upstream, a file that does not load is not fatal: it is
/// logged and its addresses count under the country `""`.
async fn load_geoip(config: &ProxyConfig) -> GeoIp {
    let (v4, v6) = (config.geoipdb.clone(), config.geoip6db.clone());
    let loaded = tokio::task::spawn_blocking(move || GeoIp::from_files_each(&v4, &v6)).await;
    match loaded {
        Ok((geoip, errors)) => {
            for error in errors {
                tracing::warn!(%error, "Error loading geoip db for country based metrics");
            }
            geoip
        }
        Err(error) => {
            tracing::warn!(%error, "Error loading geoip db for country based metrics");
            GeoIp::default()
        }
    }
}

/// Measures the NAT type in three kinds (`open`, `moderate`, `strict`;
/// docs/broker-polling.md) now and then every `nat_retest_interval`. A
/// probe that cannot decide keeps the type measured before (`unknown` at
/// start, as upstream) and is tried again after `nat_probe_retry`, doubled
/// each time up to the retest interval.
async fn nat_prober(shared: Arc<Shared>, url: Url, stop: CancellationToken) {
    let retest = shared.config.nat_retest_interval;
    let retry_cap = if retest.is_zero() {
        DEFAULT_NAT_RETEST_INTERVAL
    } else {
        retest
    };
    let mut retry = shared.config.nat_probe_retry.min(retry_cap);
    loop {
        let outcome = tokio::select! {
            outcome = nat_probe::probe_three_kind(&*shared.backend, &url, shared.config.nat_probe_timeout) => outcome,
            () = stop.cancelled() => return,
        };
        let wait = match outcome {
            Ok(nat) => {
                shared.nat.send_replace(nat);
                shared.stats.set_nat_type(nat);
                tracing::info!("NAT type: {nat}");
                retry = shared.config.nat_probe_retry.min(retry_cap);
                if retest.is_zero() {
                    return;
                }
                retest
            }
            Err(error) => {
                // Publish anyway, so that watchers see the probe ended.
                let kept = *shared.nat.borrow();
                shared.nat.send_replace(kept);
                tracing::warn!(%error, "NAT probe failed; NAT type stays {kept}; next try in {retry:?}");
                let wait = retry;
                retry = retry.saturating_mul(2).min(retry_cap);
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Checks that the default relay answers, at start and then on
/// [`RelayCheckSchedule`]'s backoff, and lets the poll loop run only while
/// it does.
async fn relay_checker(shared: Arc<Shared>, first: Duration, stop: CancellationToken) {
    let mut schedule = RelayCheckSchedule::new(first, MAX_RELAY_CHECK_BACKOFF);
    // The operator's own setting: logged as it is.
    let relay = shared.config.default_relay_url.clone();
    loop {
        let outcome = tokio::select! {
            outcome = check_relay(&shared.policy, &relay) => outcome,
            () = stop.cancelled() => return,
        };
        let was = schedule.reachable();
        let reachable = outcome.is_ok();
        let wait = schedule.after_check(reachable);
        match outcome {
            Ok(()) if was != Some(true) => tracing::info!(
                %relay,
                "the default relay is reachable; polling the broker"
            ),
            Ok(()) => tracing::debug!("the default relay is still reachable"),
            Err(error) => tracing::warn!(
                %relay,
                %error,
                "the default relay is not reachable; not polling the broker until it is \
                 (next check in {wait:?})"
            ),
        }
        shared.relay_reachable.send_replace(reachable);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Logs the summary line every `summary_interval`.
async fn summary_logger(shared: Arc<Shared>, stop: CancellationToken) {
    let interval: Duration = shared.config.summary_interval;
    let mut summary = Summary::new(shared.stats.snapshot());
    let mut last = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = stop.cancelled() => return,
        }
        let now = Instant::now();
        let line = summary.line(shared.stats.snapshot(), now.duration_since(last));
        last = now;
        tracing::info!("{line}");
    }
}
