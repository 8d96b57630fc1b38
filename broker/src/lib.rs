//! Snowflake broker: matches censored clients with volunteer proxies and
//! relays their SDP offers and answers (docs/protocol.md §4), as a
//! drop-in for the Go broker.
//!
//! Layers, innermost first:
//!
//! * [`matcher`]: the matching state machine (pools, least-loaded order,
//!   NAT rules, deadlines), driven by explicit times; no I/O.
//! * [`bridges`], [`geoip`], [`poll_interval`], [`demand`], [`addr`],
//!   [`rate_limit`], [`spread`], [`metrics`], [`ip_count`]: parsers,
//!   rules and accounting, also free of I/O (but for [`ip_count`]'s
//!   files).
//! * [`rendezvous`]: the async driver around the matcher (one-shot
//!   channels, a timer task).
//! * HTTP endpoints and the listener (hyper, optional rustls), started with
//!   [`Broker::start`].
//! * [`sqs`]: client polls through an Amazon SQS queue
//!   (`-broker-sqs-name`).
//!
//! ```no_run
//! # async fn run() -> Result<(), snowflake_broker::BrokerError> {
//! use snowflake_broker::{Broker, BrokerConfig};
//! let broker = Broker::start(BrokerConfig {
//!     allowed_relay_pattern: "snowflake.torproject.net$".into(),
//!     ..BrokerConfig::default()
//! })
//! .await?;
//! println!("listening on {}", broker.local_addr());
//! broker.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod addr;
pub mod bridges;
pub mod cli;
mod config;
pub mod demand;
pub mod geoip;
mod http;
pub mod ip_count;
pub mod matcher;
pub mod metrics;
pub mod poll_interval;
pub mod rate_limit;
pub mod rendezvous;
mod server;
pub mod spread;
pub mod sqs;

pub use config::{BrokerConfig, GeoIpFiles, IpCountSettings, ReloadableFiles, TlsFiles};
pub use http::debug_text;
pub use server::{Broker, BrokerError, BrokerHandle};
