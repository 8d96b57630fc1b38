//! Snowflake proxy: the standalone volunteer. It polls the broker for
//! clients, answers a client's WebRTC offer, and copies the client's data
//! channel to the Snowflake server's WebSocket (docs/protocol.md §4.3,
//! §4.4, §5, §6).
//!
//! A volunteer runs it on a spare machine, so it must be light and must
//! never become a way into the volunteer's own network: relay URLs are
//! checked against the operator's rules before a client is answered
//! ([`relay_policy`]).
//!
//! Layers:
//!
//! * pure logic, unit-tested: [`relay_policy`] (which relays, `client_ip`),
//!   [`public_destination`] (which addresses a relay may be at),
//!   [`schedule`] (when to poll, backoff), [`stats`] (counters, summary
//!   line), [`cli`] (flags); address scrubbing is
//!   [`snowflake_common::safelog`];
//! * I/O: [`broker`] (HTTP(S) to the broker, with
//!   [`snowflake_common::http_client`], as is the probe server),
//!   [`nat_probe`], [`relay`] (WebSocket and byte copying), [`relay_check`]
//!   (poll only while the default relay answers), [`metrics_http`];
//! * [`Proxy::start`] ties them together and returns a [`ProxyHandle`].
//!
//! ```no_run
//! # async fn run() -> Result<(), snowflake_proxy::ProxyError> {
//! use snowflake_proxy::{Proxy, ProxyConfig};
//! let proxy = Proxy::start(ProxyConfig::default()).await?;
//! // … until SIGTERM …
//! proxy.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod broker;
pub mod cli;
pub mod config;
pub mod datagram_relay;
pub mod logging;
pub mod metrics_http;
pub mod nat_probe;
mod proxy;
pub mod public_destination;
pub mod relay;
pub mod relay_check;
pub mod relay_policy;
pub mod schedule;
pub mod stats;
pub mod tls;

pub use config::ProxyConfig;
pub use proxy::{Proxy, ProxyError, ProxyHandle};
