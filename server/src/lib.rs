//! Snowflake server: the bridge side of Snowflake, run by tor as its
//! `ServerTransportPlugin` (or beside several tor instances on a large
//! bridge).
//!
//! WebSocket connections from proxies ([`websocket`]) carry the Turbo Tunnel
//! byte stream: a token, the client's ClientId, then encapsulated KCP
//! packets. Packets go to one of `num-turbotunnel` KCP listeners chosen by
//! ClientId; each KCP session runs smux, and each smux stream is relayed to
//! tor's Extended ORPort or ORPort ([`orport`], [`relay`]). See
//! docs/protocol.md §7.
//!
//! * [`Server`]: the running server, started in process with a
//!   [`ServerConfig`] (tests and the benchmark do this on 127.0.0.1:0);
//!   it can also serve connections accepted elsewhere
//!   ([`Server::serve_stream`]) and reach tor through a caller's
//!   [`TorDialer`] ([`TorTarget::Custom`]);
//! * [`pt`]: the managed-transport entry point the binary uses (reads
//!   `TOR_PT_*`, prints `SMETHOD` lines), and its standalone mode (no
//!   `TOR_PT_*`: `-listen` and the tor instances as flags);
//! * [`tor_instances`]: how sessions are spread over several tor
//!   instances (docs/tor-instances.md).

pub mod cli;
mod client_demux;
pub mod config;
mod message_deadline;
pub mod metrics;
pub mod orport;
pub mod pt;
pub mod relay;
mod server;
mod sessions;
mod shared;
pub mod srcaddr;
pub mod standalone;
mod stats_collector;
pub mod tls;
pub mod tor_instances;
mod tor_pool;
pub mod useraddr;
pub mod websocket;
mod websocket_conn;

pub use config::{Limits, ServerConfig, Timeouts};
pub use orport::{DialFuture, TorConn, TorDialer, TorInstance, TorIo, TorStream, TorTarget};
pub use server::{Server, ServerError, SessionInfo, MAX_ENCAPSULATED_PACKET};
pub use tor_pool::TorInstanceStatus;
