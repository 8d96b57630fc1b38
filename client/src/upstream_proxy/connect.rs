//! The tokio driver for TCP through the upstream proxy: connect to the
//! proxy, run the handshake of its kind ([`socks5`](super::socks5),
//! [`socks4a`](super::socks4a), [`http_connect`](super::http_connect)),
//! hand back the stream. The broker client uses it through
//! [`TcpConnector`], so plain, fronted and AMP rendezvous all go through
//! the proxy, host names included (the proxy resolves them).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use snowflake_common::http_client::TcpConnector;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http_connect::HttpConnectHandshake;
use super::socks4a::Socks4aHandshake;
use super::socks5::{Socks5Command, Socks5Handshake, Socks5Reply};
use super::url::{ProxyKind, UpstreamProxy};
use super::TargetAddr;

/// How long connecting to the proxy and its handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// An error about the proxy, saying which proxy (without its password).
pub(crate) fn proxy_error(
    proxy: &UpstreamProxy,
    kind: io::ErrorKind,
    what: impl std::fmt::Display,
) -> io::Error {
    io::Error::new(kind, format!("upstream proxy {proxy}: {what}"))
}

/// A TCP connection to the proxy itself.
pub(crate) async fn connect_to_proxy(proxy: &UpstreamProxy) -> io::Result<TcpStream> {
    let stream = TcpStream::connect((proxy.host(), proxy.port()))
        .await
        .map_err(|e| proxy_error(proxy, e.kind(), format_args!("cannot connect: {e}")))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// The sans-IO handshakes, driven alike.
enum Handshake {
    Socks5(Socks5Handshake),
    Socks4a(Socks4aHandshake),
    Http(HttpConnectHandshake),
}

impl Handshake {
    fn take_output(&mut self) -> Vec<u8> {
        match self {
            Handshake::Socks5(h) => h.take_output(),
            Handshake::Socks4a(h) => h.take_output(),
            Handshake::Http(h) => h.take_output(),
        }
    }

    /// `Ok(Some(reply))` when done (SOCKS5 gives its bound address).
    fn receive(
        &mut self,
        data: &[u8],
    ) -> Result<Option<Option<Socks5Reply>>, (io::ErrorKind, String)> {
        let refused = io::ErrorKind::ConnectionRefused;
        let denied = io::ErrorKind::PermissionDenied;
        let invalid = io::ErrorKind::InvalidData;
        match self {
            Handshake::Socks5(h) => h.receive(data).map(|r| r.map(Some)).map_err(|e| {
                use super::socks5::Socks5Error as E;
                let kind = match e {
                    E::NoAcceptableMethod { .. } | E::AuthRejected(_) => denied,
                    E::Refused(_) => refused,
                    _ => invalid,
                };
                (kind, e.to_string())
            }),
            Handshake::Socks4a(h) => {
                h.receive(data)
                    .map(|done| done.then_some(None))
                    .map_err(|e| {
                        use super::socks4a::Socks4aError as E;
                        let kind = if matches!(e, E::Refused(_)) {
                            refused
                        } else {
                            invalid
                        };
                        (kind, e.to_string())
                    })
            }
            Handshake::Http(h) => h
                .receive(data)
                .map(|done| done.then_some(None))
                .map_err(|e| {
                    use super::http_connect::HttpConnectError as E;
                    let kind = match e {
                        E::AuthRequired { .. } => denied,
                        E::Refused { .. } => refused,
                        _ => invalid,
                    };
                    (kind, e.to_string())
                }),
        }
    }
}

/// Runs `handshake` on `stream` until it completes.
async fn drive(
    proxy: &UpstreamProxy,
    stream: &mut TcpStream,
    mut handshake: Handshake,
) -> io::Result<Option<Socks5Reply>> {
    let mut buffer = [0u8; 1024];
    loop {
        let output = handshake.take_output();
        if !output.is_empty() {
            stream.write_all(&output).await?;
        }
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(proxy_error(
                proxy,
                io::ErrorKind::UnexpectedEof,
                "closed the connection during the handshake",
            ));
        }
        match handshake.receive(&buffer[..n]) {
            Ok(Some(reply)) => return Ok(reply),
            Ok(None) => {}
            Err((kind, text)) => return Err(proxy_error(proxy, kind, text)),
        }
    }
}

/// Runs the SOCKS5 handshake for `command` on a new connection to
/// `proxy`: the control connection and the proxy's reply.
pub(crate) async fn socks5_request(
    proxy: &UpstreamProxy,
    command: Socks5Command,
    target: &TargetAddr,
) -> io::Result<(TcpStream, Socks5Reply)> {
    let handshake = Socks5Handshake::new(proxy.credentials(), command, target)
        .map_err(|e| proxy_error(proxy, io::ErrorKind::InvalidInput, e))?;
    let mut stream = connect_to_proxy(proxy).await?;
    let reply = drive(proxy, &mut stream, Handshake::Socks5(handshake))
        .await?
        .ok_or_else(|| proxy_error(proxy, io::ErrorKind::InvalidData, "no SOCKS5 reply"))?;
    Ok((stream, reply))
}

/// A TCP stream to `target` through `proxy`, within [`HANDSHAKE_TIMEOUT`].
pub async fn connect_via(proxy: &UpstreamProxy, target: &TargetAddr) -> io::Result<TcpStream> {
    let attempt = async {
        match proxy.kind() {
            ProxyKind::Socks5 => socks5_request(proxy, Socks5Command::Connect, target)
                .await
                .map(|(stream, _)| stream),
            ProxyKind::Socks4a => {
                let handshake = Socks4aHandshake::new(proxy.user_id(), target)
                    .map_err(|e| proxy_error(proxy, io::ErrorKind::InvalidInput, e))?;
                let mut stream = connect_to_proxy(proxy).await?;
                drive(proxy, &mut stream, Handshake::Socks4a(handshake)).await?;
                Ok(stream)
            }
            ProxyKind::Http => {
                let handshake = HttpConnectHandshake::new(proxy.credentials(), target);
                let mut stream = connect_to_proxy(proxy).await?;
                drive(proxy, &mut stream, Handshake::Http(handshake)).await?;
                Ok(stream)
            }
        }
    };
    let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, attempt)
        .await
        .map_err(|_| {
            proxy_error(
                proxy,
                io::ErrorKind::TimedOut,
                format_args!("no connection to {target} within {HANDSHAKE_TIMEOUT:?}"),
            )
        })??;
    tracing::debug!(%proxy, %target, "connected through the upstream proxy");
    Ok(stream)
}

impl TcpConnector for UpstreamProxy {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send + 'a>> {
        Box::pin(async move { connect_via(self, &TargetAddr::from_host_port(host, port)).await })
    }
}
