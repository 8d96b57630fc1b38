//! A client WebSocket with small buffers, for benchmarks that hold many
//! connections in one process: tungstenite's defaults give every
//! connection a 128 KiB read buffer, zero-filled (so resident) on the first
//! read, which alone takes 12.5 GiB for 100,000 connections.

use std::io;

use crate::tunnel_client::websocket_over_with;
use snowflake_server::websocket::{server_config, WsByteStream};
use tokio::io::{AsyncRead, AsyncWrite};

/// Largest message accepted from the server (it sends at most 16 KiB).
const MAX_MESSAGE: usize = 64 * 1024;

/// Opens a WebSocket to `url` over `io` as
/// [`websocket_over`](crate::tunnel_client::websocket_over) does, with the
/// server's own settings ([`server_config`]: a 4 KiB read buffer, writes
/// sent at once) instead of tungstenite's defaults.
pub async fn lean_websocket_over<S>(io: S, url: &str) -> io::Result<WsByteStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    websocket_over_with(io, url, Some(server_config(MAX_MESSAGE))).await
}
