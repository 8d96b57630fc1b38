//! Snowflake client: tor's ClientTransportPlugin (SOCKS5 listener, broker
//! rendezvous, WebRTC offerer, Turbo Tunnel session with redial or striping).
//! Built on `snowflake-common`; see issue 6 for its scope.

pub mod nat;
pub mod rendezvous;
