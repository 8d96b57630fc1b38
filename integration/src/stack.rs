//! The whole Snowflake system in one process, on 127.0.0.1: our broker,
//! our server (forwarding to the [`StandInTor`]), any number of our
//! proxies (loopback-only ICE) and our client. Tests, the demo and the
//! benchmark start it, kill and add proxies, and run transfers through the
//! client's SOCKS port.

use snowflake_rtc::covert::CovertDtlsConfig;
use std::net::SocketAddr;
use std::time::Duration;

use snowflake_broker::bridges::BridgeList;
use snowflake_broker::poll_interval::PollIntervals;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_client::{snowflake_dialers, Client, ClientConfig, ClientHandle, DialerFactory};
use snowflake_common::messages::BridgeFingerprint;
use snowflake_common::namematcher::NameMatcher;
use snowflake_proxy::{Proxy, ProxyConfig, ProxyHandle};
use snowflake_server::{Server, ServerConfig, TorTarget};

use crate::standin::StandInTor;

/// The relay pattern: exactly 127.0.0.1.
const LOOPBACK_PATTERN: &str = "^127.0.0.1$";

/// What to start.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Proxies started at once.
    pub proxies: usize,
    /// The client's `max`: proxies it keeps connected.
    pub max_proxies: usize,
    /// Striping instead of one proxy at a time.
    pub striping: bool,
    /// Log client addresses (the programs scrub them otherwise).
    pub unsafe_logging: bool,
    /// The client's covert-DTLS setting; `None` keeps the client's default.
    pub client_covert_dtls: Option<CovertDtlsConfig>,
    /// The proxies' covert-DTLS setting; `None` keeps the proxy's default.
    pub proxy_covert_dtls: Option<CovertDtlsConfig>,
    /// The client takes the datagram channel when offered (`-datagrams`).
    pub client_datagrams: bool,
    /// The proxies offer the datagram channel (`-datagrams`).
    pub proxy_datagrams: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            proxies: 2,
            max_proxies: 1,
            striping: false,
            unsafe_logging: true,
            client_covert_dtls: None,
            proxy_covert_dtls: None,
            client_datagrams: snowflake_client::config::DEFAULT_DATAGRAMS,
            proxy_datagrams: snowflake_proxy::config::DEFAULT_DATAGRAMS,
        }
    }
}

/// Why the stack did not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A listener or file could not be set up.
    #[error("{what}: {error}")]
    Setup {
        /// Which part.
        what: &'static str,
        /// What went wrong.
        error: String,
    },
}

fn setup(what: &'static str) -> impl Fn(String) -> StackError {
    move |error| StackError::Setup { what, error }
}

/// The running system. Dropping it stops everything.
pub struct Stack {
    /// The stand-in for tor behind the server.
    pub tor: StandInTor,
    server: Server,
    server_addr: SocketAddr,
    broker: Option<BrokerHandle>,
    proxies: Vec<Option<ProxyHandle>>,
    client: Option<ClientHandle>,
    proxy_covert_dtls: Option<CovertDtlsConfig>,
    proxy_datagrams: bool,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("server_addr", &self.server_addr)
            .field("live_proxies", &self.live_proxies())
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// Starts stand-in tor, server, broker, `options.proxies` proxies and
    /// the client.
    pub async fn start(options: &StackOptions) -> Result<Stack, StackError> {
        Self::start_with_dialers(options, snowflake_dialers()).await
    }

    /// [`Stack::start`] with the client using `dialers` (tests wrap the
    /// real dialer to misbehave).
    pub async fn start_with_dialers(
        options: &StackOptions,
        dialers: DialerFactory,
    ) -> Result<Stack, StackError> {
        let tor = StandInTor::start()
            .await
            .map_err(|e| setup("stand-in tor")(e.to_string()))?;
        let mut server_config = ServerConfig::new(TorTarget::ExtOrTcp {
            addr: tor.addr(),
            cookie_file: tor.cookie_file().to_path_buf(),
        });
        server_config.limits.max_streams_per_session = 64;
        let server = Server::new(server_config).map_err(|e| setup("server")(e.to_string()))?;
        let server_addr = server
            .listen(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(|e| setup("server listen")(e.to_string()))?;
        let relay_url = format!("ws://{server_addr}/");
        let bridges = BridgeList::parse(&format!(
            r#"{{"displayName":"local", "webSocketAddress":"{relay_url}", "fingerprint":"{}"}}"#,
            BridgeFingerprint::default()
        ))
        .map_err(|e| setup("bridge list")(e.to_string()))?;
        let broker = Broker::start(BrokerConfig {
            bridges,
            allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
            poll_intervals: PollIntervals {
                unrestricted: Duration::from_secs(1),
                restricted: Duration::from_secs(1),
            },
            unsafe_logging: options.unsafe_logging,
            ..BrokerConfig::default()
        })
        .await
        .map_err(|e| setup("broker")(e.to_string()))?;
        let mut stack = Stack {
            tor,
            server,
            server_addr,
            broker: Some(broker),
            proxies: Vec::new(),
            client: None,
            proxy_covert_dtls: options.proxy_covert_dtls.clone(),
            proxy_datagrams: options.proxy_datagrams,
        };
        for _ in 0..options.proxies {
            stack.add_proxy().await?;
        }
        let mut client_config = ClientConfig {
            broker_url: Some(format!("http://{}/", stack.broker_addr())),
            max_proxies: options.max_proxies,
            striping: options.striping,
            loopback_only: true,
            unsafe_logging: options.unsafe_logging,
            datagrams: options.client_datagrams,
            ..ClientConfig::default()
        };
        if let Some(covert) = &options.client_covert_dtls {
            client_config.covert_dtls = covert.clone();
        }
        let client = Client::start_with_dialers(
            client_config,
            SocketAddr::from(([127, 0, 0, 1], 0)),
            None,
            dialers,
        )
        .await
        .map_err(|e| setup("client")(e.to_string()))?;
        stack.client = Some(client);
        Ok(stack)
    }

    /// The broker's address.
    pub fn broker_addr(&self) -> SocketAddr {
        self.broker
            .as_ref()
            .map(BrokerHandle::local_addr)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The server's WebSocket address.
    pub fn server_addr(&self) -> SocketAddr {
        self.server_addr
    }

    /// The server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The client's SOCKS5 address.
    pub fn socks_addr(&self) -> SocketAddr {
        self.client
            .as_ref()
            .map(ClientHandle::socks_addr)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The configuration our proxies run with: loopback-only ICE, relays
    /// on 127.0.0.1 only, 1 s polls, no NAT probe, no summary.
    pub fn proxy_config(&self) -> ProxyConfig {
        let mut config = ProxyConfig {
            broker_url: format!("http://{}/", self.broker_addr()),
            default_relay_url: format!("ws://{}/", self.server_addr),
            stun_urls: Vec::new(),
            loopback_only: true,
            allow_non_tls_relay: true,
            allow_proxying_to_private_addresses: true,
            nat_probe_url: None,
            summary_interval: Duration::ZERO,
            unsafe_logging: true,
            poll_interval: Duration::from_secs(1),
            drain_timeout: Duration::from_secs(1),
            datagrams: self.proxy_datagrams,
            ..ProxyConfig::default()
        };
        if let Ok(pattern) = NameMatcher::new(LOOPBACK_PATTERN) {
            config.allowed_relay_pattern = pattern;
        }
        if let Some(covert) = &self.proxy_covert_dtls {
            config.covert_dtls = covert.clone();
        }
        config
    }

    /// Starts one more proxy; returns its index.
    pub async fn add_proxy(&mut self) -> Result<usize, StackError> {
        let proxy = Proxy::start(self.proxy_config())
            .await
            .map_err(|e| setup("proxy")(e.to_string()))?;
        self.proxies.push(Some(proxy));
        Ok(self.proxies.len() - 1)
    }

    /// Proxy `index`, while it runs.
    pub fn proxy(&self, index: usize) -> Option<&ProxyHandle> {
        self.proxies.get(index).and_then(Option::as_ref)
    }

    /// Clients that switched to the datagram channel, over every proxy
    /// still running.
    pub fn datagram_clients(&self) -> u64 {
        self.proxies
            .iter()
            .flatten()
            .map(|p| p.stats().datagram_clients.get())
            .sum()
    }

    /// Indices of the proxies still running.
    pub fn live_proxies(&self) -> Vec<usize> {
        self.proxies
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|_| i))
            .collect()
    }

    /// Indices of running proxies that are serving a client now.
    pub fn busy_proxies(&self) -> Vec<usize> {
        self.proxies
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().filter(|p| p.active_clients() > 0).map(|_| i))
            .collect()
    }

    /// Kills proxy `index` at once (its clients' channels close), as when a
    /// volunteer closes the browser tab. Returns whether it was running.
    pub fn kill_proxy(&mut self, index: usize) -> bool {
        self.proxies.get_mut(index).and_then(Option::take).is_some()
    }

    /// Kills the first proxy that serves a client; returns its index.
    pub fn kill_busy_proxy(&mut self) -> Option<usize> {
        let index = *self.busy_proxies().first()?;
        self.kill_proxy(index).then_some(index)
    }

    /// Stops the client, proxies, broker and server.
    pub async fn shutdown(mut self) {
        if let Some(client) = self.client.take() {
            client.shutdown().await;
        }
        self.proxies.clear();
        if let Some(broker) = self.broker.take() {
            broker.shutdown().await;
        }
    }
}
