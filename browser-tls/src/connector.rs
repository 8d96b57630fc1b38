//! The connector: one BoringSSL context per profile (per connection for the
//! randomized profiles), and the per-connection steps shared by all
//! profiles: server name, certificate verification, handshake, errors.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use boring::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslRef, SslVerifyMode, SslVersion,
};
use boring::x509::store::X509Store;
use boring::x509::verify::X509CheckFlags;
use boring::x509::X509VerifyError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::randomized::RandomHello;
use crate::{chrome, ffi, firefox, Error, HelloProfile, Roots};

/// A TLS client whose ClientHello follows a [`HelloProfile`]. Built once;
/// cloning is cheap (the state is shared).
#[derive(Clone)]
pub struct TlsConnector {
    inner: Arc<Inner>,
}

struct Inner {
    profile: HelloProfile,
    send_sni: bool,
    /// Offer only `http/1.1` by ALPN (no h2, no ALPS), as a browser's
    /// fresh WebSocket connection does.
    http11_only: bool,
    store: X509Store,
    /// The context of a fixed profile; `None` for the randomized ones,
    /// which build a context per connection.
    fixed: Option<SslContext>,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector")
            .field("profile", &self.inner.profile)
            .field("send_sni", &self.inner.send_sni)
            .field("http11_only", &self.inner.http11_only)
            .finish_non_exhaustive()
    }
}

/// ALPN with `http/1.1` alone (wire format).
const ALPN_HTTP11: &[u8] = b"\x08http/1.1";

/// Where the connection goes, as far as TLS is concerned.
enum Peer<'a> {
    Dns(&'a str),
    Ip(IpAddr),
}

impl<'a> Peer<'a> {
    fn parse(host: &'a str) -> io::Result<Peer<'a>> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Peer::Ip(ip));
        }
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if valid {
            Ok(Peer::Dns(host))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("TLS: {host:?} is neither a DNS name (ASCII, punycode) nor an IP address"),
            ))
        }
    }
}

/// A context with what every profile shares: TLS 1.2 to 1.3, and peer
/// verification against `store`.
fn base_context(store: &X509Store) -> Result<SslContextBuilder, Error> {
    let mut ctx = SslContextBuilder::new(SslMethod::tls())
        .map_err(|e| Error::boring("creating the TLS context", e))?;
    ctx.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| Error::boring("setting the minimum TLS version", e))?;
    ctx.set_max_proto_version(Some(SslVersion::TLS1_3))
        .map_err(|e| Error::boring("setting the maximum TLS version", e))?;
    ctx.set_verify(SslVerifyMode::PEER);
    ctx.set_cert_store_ref(store);
    Ok(ctx)
}

fn fixed_context(profile: HelloProfile, store: &X509Store) -> Result<Option<SslContext>, Error> {
    let mut ctx = base_context(store)?;
    match profile {
        HelloProfile::Chrome => chrome::configure_context(&mut ctx)
            .map_err(|e| Error::boring("configuring the Chrome hello", e))?,
        HelloProfile::Firefox => firefox::configure_context(&mut ctx)
            .map_err(|e| Error::boring("configuring the Firefox hello", e))?,
        HelloProfile::Golang => ctx
            .set_alpn_protos(chrome::ALPN)
            .map_err(|e| Error::boring("configuring ALPN", e))?,
        HelloProfile::RandomizedAlpn | HelloProfile::RandomizedNoAlpn => return Ok(None),
    }
    Ok(Some(ctx.build()))
}

fn random_context(draw: &RandomHello, store: &X509Store) -> Result<SslContext, Error> {
    let mut ctx = base_context(store)?;
    draw.configure_context(&mut ctx)
        .map_err(|e| Error::boring("configuring a randomized hello", e))?;
    Ok(ctx.build())
}

fn io_other(e: Error) -> io::Error {
    io::Error::other(e)
}

impl TlsConnector {
    /// Builds a connector. `send_sni: false` is upstream's `utls-nosni`:
    /// no server_name in the hello, but the certificate is still checked
    /// against the host name given to [`Self::connect`].
    pub fn new(profile: HelloProfile, roots: Roots, send_sni: bool) -> Result<Self, Error> {
        let fixed = fixed_context(profile, &roots.store)?;
        if fixed.is_none() {
            // Fail now, not at the first connection, if BoringSSL rejects
            // some part of the randomized configuration.
            let draw = RandomHello::draw(&mut rand::rng(), profile.offers_h2());
            random_context(&draw, &roots.store)?;
        }
        Ok(TlsConnector {
            inner: Arc::new(Inner {
                profile,
                send_sni,
                http11_only: false,
                store: roots.store,
                fixed,
            }),
        })
    }

    /// The same connector (profile, roots, SNI choice) offering only
    /// `http/1.1` by ALPN, without ALPS: what Chromium sends when it opens
    /// a connection for a WebSocket (`wss://`), which runs over HTTP/1.1.
    /// The Chrome profile's hello is otherwise unchanged; the randomized
    /// profiles keep drawing everything else, and `hellorandomizednoalpn`
    /// still offers no ALPN at all.
    pub fn with_alpn_http11_only(&self) -> TlsConnector {
        let inner = &*self.inner;
        TlsConnector {
            inner: Arc::new(Inner {
                profile: inner.profile,
                send_sni: inner.send_sni,
                http11_only: true,
                store: inner.store.clone(),
                fixed: inner.fixed.clone(),
            }),
        }
    }

    /// Whether this connector offers only `http/1.1` by ALPN
    /// ([`Self::with_alpn_http11_only`]).
    pub fn http11_only(&self) -> bool {
        self.inner.http11_only
    }

    /// The profile this connector sends.
    pub fn profile(&self) -> HelloProfile {
        self.inner.profile
    }

    /// Runs the TLS handshake over `stream` (already connected to the
    /// server). `host` is the name the certificate must carry; it is sent
    /// as SNI unless the connector was built without SNI. An IP-literal
    /// host (`192.0.2.1`, `::1` or `[::1]`) is never sent as SNI and the
    /// certificate must carry that address.
    pub async fn connect<S>(&self, host: &str, stream: S) -> io::Result<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let peer = Peer::parse(host)?;
        let inner = &*self.inner;
        let draw = match inner.fixed {
            Some(_) => None,
            None => {
                let mut draw = RandomHello::draw(&mut rand::rng(), inner.profile.offers_h2());
                if inner.http11_only && !draw.alpn.is_empty() {
                    draw.alpn = ALPN_HTTP11.to_vec();
                    draw.alps = false;
                }
                Some(draw)
            }
        };
        let ctx = match (&inner.fixed, &draw) {
            (Some(ctx), _) => ctx.clone(),
            (None, Some(draw)) => random_context(draw, &inner.store).map_err(io_other)?,
            (None, None) => return Err(io::Error::other("TLS: connector has no context")),
        };
        let mut ssl =
            Ssl::new(&ctx).map_err(|e| io_other(Error::boring("creating a TLS connection", e)))?;
        self.prepare(&mut ssl, &peer, draw.as_ref())
            .map_err(io_other)?;
        tracing::debug!(
            profile = %inner.profile,
            sni = inner.send_sni && matches!(peer, Peer::Dns(_)),
            random = ?draw,
            "TLS handshake with {host}"
        );
        let stream = tokio_boring::SslStreamBuilder::new(ssl, stream)
            .connect()
            .await
            .map_err(|e| handshake_error(host, &e))?;
        let tls = TlsStream { inner: stream };
        tracing::debug!(
            version = tls.inner.ssl().version_str(),
            cipher = tls.inner.ssl().current_cipher().map(|c| c.name()),
            alpn = ?tls.negotiated_alpn().map(String::from_utf8_lossy),
            alps = tls.alps_negotiated(),
            "TLS handshake with {host} done"
        );
        Ok(tls)
    }

    fn prepare(
        &self,
        ssl: &mut SslRef,
        peer: &Peer<'_>,
        draw: Option<&RandomHello>,
    ) -> Result<(), Error> {
        match *peer {
            Peer::Dns(name) => {
                if self.inner.send_sni {
                    ssl.set_hostname(name)
                        .map_err(|e| Error::boring("setting the server name", e))?;
                }
                let param = ssl.param_mut();
                param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
                param
                    .set_host(name)
                    .map_err(|e| Error::boring("setting the name to verify", e))?;
            }
            Peer::Ip(ip) => ssl
                .param_mut()
                .set_ip(ip)
                .map_err(|e| Error::boring("setting the address to verify", e))?,
        }
        let http11_only = self.inner.http11_only;
        match (self.inner.profile, draw) {
            (HelloProfile::Chrome, _) => chrome::configure_connection(ssl, !http11_only)
                .map_err(|e| Error::boring("configuring the Chrome hello", e))?,
            (HelloProfile::Firefox, _) => firefox::configure_connection(ssl)
                .map_err(|e| Error::boring("configuring the Firefox hello", e))?,
            (_, Some(draw)) => draw
                .configure_connection(ssl)
                .map_err(|e| Error::boring("configuring a randomized hello", e))?,
            _ => {}
        }
        // The fixed profiles set h2 and http/1.1 on the context; the
        // connection's own list replaces it. (A randomized draw was
        // rewritten before its context was built.)
        if http11_only && self.inner.fixed.is_some() {
            ssl.set_alpn_protos(ALPN_HTTP11)
                .map_err(|e| Error::boring("setting ALPN to http/1.1", e))?;
        }
        Ok(())
    }
}

/// Turns a failed handshake into an error that says what failed:
/// certificate verification (kind `InvalidData`), the transport (its own
/// kind), or the TLS protocol (kind `Other`, with BoringSSL's reasons).
fn handshake_error<S>(host: &str, e: &tokio_boring::HandshakeError<S>) -> io::Error {
    if let Some(Err(verify)) = e.ssl().map(|ssl| ssl.verify_result()) {
        // INVALID_CALL means verification never ran (the handshake failed
        // before the certificate arrived): not a certificate problem.
        if verify != X509VerifyError::INVALID_CALL {
            tracing::debug!(
                host,
                reason = verify.error_string(),
                "TLS certificate rejected"
            );
            return io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "TLS certificate of {host} rejected: {}",
                    verify.error_string()
                ),
            );
        }
    }
    if let Some(io_error) = e.as_io_error() {
        return io::Error::new(
            io_error.kind(),
            format!("TLS handshake with {host}: {io_error}"),
        );
    }
    io::Error::other(format!("TLS handshake with {host} failed: {e}"))
}

/// An established TLS connection.
pub struct TlsStream<S> {
    inner: tokio_boring::SslStream<S>,
}

impl<S> std::fmt::Debug for TlsStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("version", &self.inner.ssl().version_str())
            .field("alpn", &self.negotiated_alpn().map(String::from_utf8_lossy))
            .finish_non_exhaustive()
    }
}

impl<S> TlsStream<S> {
    /// The protocol the server chose by ALPN (`b"h2"`, `b"http/1.1"`), if
    /// any.
    pub fn negotiated_alpn(&self) -> Option<&[u8]> {
        self.inner.ssl().selected_alpn_protocol()
    }

    /// The TLS version, e.g. `"TLSv1.3"`.
    pub fn version(&self) -> &'static str {
        self.inner.ssl().version_str()
    }

    /// Whether the server accepted ALPS (application settings).
    pub fn alps_negotiated(&self) -> bool {
        ffi::ssl_has_alps(self.inner.ssl())
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
