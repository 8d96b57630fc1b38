//! WebSocket as a byte stream (docs/protocol.md §1, §7.1): message
//! boundaries carry no meaning, binary and text messages both carry stream
//! bytes, and we write binary messages.
//!
//! [`WsReader`] reads the byte stream out of a stream of messages (the
//! server side uses it on the read half of a connection); [`WsByteStream`]
//! is a whole connection as `AsyncRead + AsyncWrite` (used by the test
//! client and the benchmark). Also: the `client_ip` query parameter and the
//! WebSocket limits.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Sink, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

/// Read buffer per connection. tungstenite zero-fills its whole read buffer
/// on every read, so a big one costs memory and time on every connection;
/// larger messages still work (the buffer grows to the message size).
const READ_BUFFER: usize = 4 * 1024;

/// The WebSocket settings of the server: messages and frames up to
/// `max_message_size`, small read buffer, writes go out at once.
pub fn server_config(max_message_size: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(max_message_size.saturating_mul(2).max(64 * 1024))
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_message_size))
}

fn ws_to_io(err: WsError) -> io::Error {
    match err {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            io::Error::new(io::ErrorKind::NotConnected, "WebSocket closed")
        }
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

/// The data a message carries as stream bytes; `None` for control
/// messages, `Err` for a close (end of stream).
fn message_bytes(message: Message) -> Result<Option<Bytes>, ()> {
    match message {
        Message::Binary(data) => Ok(Some(data)),
        Message::Text(text) => Ok(Some(Bytes::from(text))),
        Message::Close(_) => Err(()),
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(None),
    }
}

/// The byte stream carried by a stream of WebSocket messages.
#[derive(Debug)]
pub struct WsReader<St> {
    messages: St,
    pending: Bytes,
    done: bool,
}

impl<St> WsReader<St>
where
    St: Stream<Item = Result<Message, WsError>> + Unpin,
{
    /// Reads from `messages` (typically the read half of a split
    /// `WebSocketStream`).
    pub fn new(messages: St) -> Self {
        Self {
            messages,
            pending: Bytes::new(),
            done: false,
        }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Bytes>>> {
        if !self.pending.is_empty() {
            return Poll::Ready(Ok(Some(std::mem::take(&mut self.pending))));
        }
        loop {
            if self.done {
                return Poll::Ready(Ok(None));
            }
            match std::task::ready!(self.messages.poll_next_unpin(cx)) {
                None => self.done = true,
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => self.done = true,
                Some(Err(e)) => return Poll::Ready(Err(ws_to_io(e))),
                Some(Ok(message)) => match message_bytes(message) {
                    Ok(Some(data)) if !data.is_empty() => return Poll::Ready(Ok(Some(data))),
                    Ok(_) => {}
                    Err(()) => self.done = true,
                },
            }
        }
    }

    /// The next piece of the byte stream (at least one byte), or `None` at
    /// its end (close message or closed connection).
    pub async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }
}

impl<St> AsyncRead for WsReader<St>
where
    St: Stream<Item = Result<Message, WsError>> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        match std::task::ready!(this.poll_chunk(cx))? {
            None => Poll::Ready(Ok(())),
            Some(mut chunk) => {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk.split_to(n));
                this.pending = chunk;
                Poll::Ready(Ok(()))
            }
        }
    }
}

/// Largest message [`WsByteStream`] writes: a longer write is split, as
/// a proxy's 16 KiB copy buffer splits the stream it relays (and far below
/// the server's message cap).
pub const WRITE_MESSAGE: usize = 16 * 1024;

/// A whole WebSocket connection as a byte stream: reads as [`WsReader`],
/// each write is sent as one binary message of at most [`WRITE_MESSAGE`]
/// bytes (longer writes are taken in part), shutdown sends a close message.
#[derive(Debug)]
pub struct WsByteStream<S> {
    reader: WsReader<WebSocketStream<S>>,
}

impl<S> WsByteStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Wraps an established WebSocket.
    pub fn new(ws: WebSocketStream<S>) -> Self {
        Self {
            reader: WsReader::new(ws),
        }
    }

    fn ws(&mut self) -> Pin<&mut WebSocketStream<S>> {
        Pin::new(&mut self.reader.messages)
    }
}

impl<S> AsyncRead for WsByteStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().reader).poll_read(cx, buf)
    }
}

impl<S> AsyncWrite for WsByteStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.ws().poll_ready(cx)).map_err(ws_to_io)?;
        let buf = buf.get(..WRITE_MESSAGE).unwrap_or(buf);
        this.ws()
            .start_send(Message::Binary(Bytes::copy_from_slice(buf)))
            .map_err(ws_to_io)?;
        // Push it towards the socket now; completion is awaited by
        // poll_flush or the next write.
        if let Poll::Ready(Err(e)) = this.ws().poll_flush(cx) {
            return Poll::Ready(Err(ws_to_io(e)));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().ws().poll_flush(cx).map_err(ws_to_io)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match std::task::ready!(self.get_mut().ws().poll_close(cx)) {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(ws_to_io(e))),
        }
    }
}

/// The `client_ip` query parameter as Go's `net/url` and `net.ParseIP` read
/// it (§7.2): percent-decoded (`+` is a space), parsed as an IPv4 or IPv6
/// address; an unspecified address (`0.0.0.0`, `::`) counts as none.
/// IPv4-mapped IPv6 addresses are reported as IPv4, as Go prints them.
pub fn client_ip_from_query(query: Option<&str>) -> Option<IpAddr> {
    let query = query?;
    let value = query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key)? == "client_ip").then(|| percent_decode(value))?
    })?;
    let ip = value.parse::<IpAddr>().ok()?.to_canonical();
    (!ip.is_unspecified()).then_some(ip)
}

/// Decodes `%XX` escapes and `+`; `None` on a malformed escape or invalid
/// UTF-8 (Go drops such pairs too).
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_forms() {
        let ip = |q: &str| client_ip_from_query(Some(q)).map(|ip| ip.to_string());
        assert_eq!(ip("client_ip=192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(
            ip("x=1&client_ip=2001:db8::1").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            ip("client_ip=2001%3Adb8%3A%3A2").as_deref(),
            Some("2001:db8::2")
        );
        assert_eq!(
            ip("client_ip=::ffff:192.0.2.9").as_deref(),
            Some("192.0.2.9")
        );
        assert_eq!(ip("client_ip=0.0.0.0"), None);
        assert_eq!(ip("client_ip=::"), None);
        assert_eq!(ip("client_ip="), None);
        assert_eq!(ip("client_ip=example.com"), None);
        assert_eq!(ip("client_ip=192.0.2.1:80"), None);
        assert_eq!(ip("client_ip=%zz"), None);
        assert_eq!(ip("other=192.0.2.1"), None);
        assert_eq!(client_ip_from_query(None), None);
        // Go's Query().Get returns the first value.
        assert_eq!(
            ip("client_ip=192.0.2.1&client_ip=192.0.2.2").as_deref(),
            Some("192.0.2.1")
        );
    }
}
