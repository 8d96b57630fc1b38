//! Protocol cores shared by the Snowflake client, proxy, broker and server.
//!
//! Every module here is a sans-IO state machine over bytes and time, with a
//! thin tokio driver where the protocol needs one. The wire formats follow
//! the Go Snowflake implementation byte for byte; each module says which part
//! of the protocol reference (`docs/protocol.md`) it implements.

#[cfg(feature = "acme")]
pub mod acme;
pub mod amp;
pub mod civil_time;
pub mod cli;
mod driver;
pub mod encapsulation;
pub mod fd_limit;
pub mod geoip;
#[cfg(feature = "http")]
pub mod http_client;
pub mod kcp;
pub mod messages;
pub mod namematcher;
pub mod pt;
pub mod safelog;
pub mod smux;
#[cfg(feature = "http-rustls")]
pub mod sqs;
pub mod turbotunnel;
