//! Shared pieces of the server tests: a fake tor (ExtORPort over TCP or a
//! Unix socket, or a plain ORPort) that checks the SAFE_COOKIE exchange and
//! records what the server reported, in-process servers and clients, and
//! data helpers.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use snowflake_common::pt::extorport::AuthCookie;
use snowflake_common::smux;
use snowflake_common::turbotunnel::ClientId;
use snowflake_server::{Server, ServerConfig, TorTarget};
use snowflake_testkit::fake_tor_extorport::{serve_ext_or_handshake, ExtOrClientInfo};
use snowflake_testkit::tor::TempDir;
use snowflake_testkit::tunnel_client::{websocket, TunnelClient};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, UnixListener};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Hang guard only: no test asserts on how long anything takes.
/// `HANG_GUARD_SECS` overrides it when debugging.
pub fn hang_guard() -> Duration {
    let secs = std::env::var("HANG_GUARD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(180);
    Duration::from_secs(secs)
}

/// Sends the server's logs to the test output when `RUST_LOG` is set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Awaits `fut` under the hang guard.
pub async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(hang_guard(), fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; len];
    rng.fill(&mut data[..]);
    data
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// What the fake tor does with each OR connection after the handshake.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Read `expect` bytes (hashing) while sending `reply`, then close the
    /// connection and report [`TorEvent::Finished`]. (smux streams have no
    /// usable half close: a client that sent FIN is gone, so the test
    /// client only closes after reading everything.)
    Exchange {
        /// Bytes to send.
        reply: Arc<Vec<u8>>,
        /// Bytes to receive.
        expect: usize,
    },
    /// Read until EOF, report [`TorEvent::Eof`], keep the write side open,
    /// and report [`TorEvent::Closed`] once the server has closed the
    /// connection entirely.
    Hold,
    /// Never read; keep the connection open.
    Stall,
}

/// What the fake tor saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TorEvent {
    /// A connection was accepted (and, for an ExtORPort, authenticated).
    Connected {
        /// What the server reported over the ExtORPort.
        ext: Option<ExtOrClientInfo>,
        /// The server's source address (TCP only).
        peer: Option<SocketAddr>,
    },
    /// The ExtORPort handshake failed.
    HandshakeFailed(String),
    /// [`Behavior::Exchange`] finished.
    Finished {
        /// Bytes received.
        received: usize,
        /// Their SHA-256.
        sha: [u8; 32],
    },
    /// [`Behavior::Hold`] saw the end of the server's data.
    Eof,
    /// [`Behavior::Hold`] saw the connection closed.
    Closed,
}

/// A fake tor listening for the server's OR connections.
pub struct FakeTor {
    /// Where the server should connect.
    pub target: TorTarget,
    events: mpsc::UnboundedReceiver<TorEvent>,
    task: JoinHandle<()>,
    _dir: TempDir,
}

impl Drop for FakeTor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle<S>(
    mut stream: S,
    peer: Option<SocketAddr>,
    cookie: Option<AuthCookie>,
    behavior: Behavior,
    events: mpsc::UnboundedSender<TorEvent>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ext = match cookie {
        Some(cookie) => {
            match serve_ext_or_handshake(&mut stream, &cookie, |_| true, Duration::from_secs(10))
                .await
            {
                Ok(served) => Some(served.info),
                Err(e) => {
                    let _ = events.send(TorEvent::HandshakeFailed(e.to_string()));
                    return;
                }
            }
        }
        None => None,
    };
    let _ = events.send(TorEvent::Connected { ext, peer });
    match behavior {
        Behavior::Exchange { reply, expect } => {
            let (mut r, mut w) = tokio::io::split(stream);
            let writer = tokio::spawn(async move {
                let _ = w.write_all(&reply).await;
                w
            });
            let mut hasher = Sha256::new();
            let mut received = 0;
            let mut buf = vec![0u8; 64 * 1024];
            while received < expect {
                let want = buf.len().min(expect - received);
                match r.read(&mut buf[..want]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        hasher.update(&buf[..n]);
                        received += n;
                    }
                }
            }
            if let Ok(mut w) = writer.await {
                let _ = w.shutdown().await;
            }
            let _ = events.send(TorEvent::Finished {
                received,
                sha: hasher.finalize().into(),
            });
        }
        Behavior::Hold => {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let _ = events.send(TorEvent::Eof);
            // Our write side stays open; find out when the server closed
            // the connection entirely (writes then fail).
            loop {
                if stream.write_all(b"x").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = events.send(TorEvent::Closed);
        }
        Behavior::Stall => {
            std::future::pending::<()>().await;
        }
    }
}

impl FakeTor {
    async fn tcp(behavior: Behavior, extended: bool, small_buffers: bool) -> Self {
        let dir = TempDir::new("snowflake-fake-tor").expect("temp dir");
        let socket = TcpSocket::new_v4().expect("socket");
        if small_buffers {
            // Accepted sockets inherit this: tor's side absorbs little, so
            // backpressure reaches the server quickly.
            socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        }
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let listener = socket.listen(1024).expect("listen");
        let addr = listener.local_addr().expect("addr");
        let cookie = AuthCookie::random();
        let cookie_file = dir.path().join("extended_orport_auth_cookie");
        cookie.write_file(&cookie_file).expect("cookie file");
        let (tx, events) = mpsc::unbounded_channel();
        let cookie = extended.then_some(cookie);
        let task = tokio::spawn(accept_tcp(listener, cookie, behavior, tx));
        let target = if extended {
            TorTarget::ExtOrTcp { addr, cookie_file }
        } else {
            TorTarget::OrPort(addr)
        };
        Self {
            target,
            events,
            task,
            _dir: dir,
        }
    }

    /// An Extended ORPort on 127.0.0.1 (TCP).
    pub async fn ext_tcp(behavior: Behavior) -> Self {
        Self::tcp(behavior, true, false).await
    }

    /// An Extended ORPort on 127.0.0.1 whose accepted sockets have tiny
    /// receive buffers.
    pub async fn ext_tcp_small_buffers(behavior: Behavior) -> Self {
        Self::tcp(behavior, true, true).await
    }

    /// A plain ORPort on 127.0.0.1.
    pub async fn plain(behavior: Behavior) -> Self {
        Self::tcp(behavior, false, false).await
    }

    /// An Extended ORPort on a Unix domain socket.
    pub async fn ext_unix(behavior: Behavior) -> Self {
        let dir = TempDir::new("snowflake-fake-tor").expect("temp dir");
        let path = dir.path().join("extorport.sock");
        let listener = UnixListener::bind(&path).expect("bind unix socket");
        let cookie = AuthCookie::random();
        let cookie_file = dir.path().join("extended_orport_auth_cookie");
        cookie.write_file(&cookie_file).expect("cookie file");
        let (tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(
                    stream,
                    None,
                    Some(cookie.clone()),
                    behavior.clone(),
                    tx.clone(),
                ));
            }
        });
        Self {
            target: TorTarget::ExtOrUnix { path, cookie_file },
            events,
            task,
            _dir: dir,
        }
    }

    /// The next event (under the hang guard).
    pub async fn next_event(&mut self) -> TorEvent {
        guard("fake tor event", self.events.recv())
            .await
            .expect("fake tor running")
    }

    /// An event that has already happened, if any (never waits).
    pub fn try_next_event(&mut self) -> Option<TorEvent> {
        self.events.try_recv().ok()
    }

    /// The next `Connected` event's ExtORPort report and peer.
    pub async fn next_connection(&mut self) -> (Option<ExtOrClientInfo>, Option<SocketAddr>) {
        match self.next_event().await {
            TorEvent::Connected { ext, peer } => (ext, peer),
            other => panic!("expected a connection, got {other:?}"),
        }
    }
}

async fn accept_tcp(
    listener: TcpListener,
    cookie: Option<AuthCookie>,
    behavior: Behavior,
    tx: mpsc::UnboundedSender<TorEvent>,
) {
    while let Ok((stream, peer)) = listener.accept().await {
        tokio::spawn(handle(
            stream,
            Some(peer),
            cookie.clone(),
            behavior.clone(),
            tx.clone(),
        ));
    }
}

/// A server forwarding to `target`, listening on 127.0.0.1:0, after
/// `tweak` adjusted its configuration.
pub async fn start_server(
    target: &TorTarget,
    tweak: impl FnOnce(&mut ServerConfig),
) -> (Server, SocketAddr) {
    init_logs();
    let mut config = ServerConfig::new(target.clone());
    tweak(&mut config);
    let server = Server::new(config).expect("server starts");
    let addr = server
        .listen("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listen");
    (server, addr)
}

/// A client session with one plain WebSocket path to `addr`.
pub async fn client(addr: SocketAddr, client_ip: Option<&str>) -> TunnelClient {
    client_with_id(addr, client_ip, ClientId::random()).await
}

/// A client session with a given ClientId and one path.
pub async fn client_with_id(
    addr: SocketAddr,
    client_ip: Option<&str>,
    id: ClientId,
) -> TunnelClient {
    let client = TunnelClient::new(id).expect("client");
    let ws = websocket(addr, client_ip).await.expect("WebSocket");
    client.paths().add_path(ws);
    client
}

/// Writes `data` while reading everything the peer sends until EOF, then
/// closes the stream; returns what was read.
pub async fn exchange(stream: smux::Stream, data: Vec<u8>) -> Vec<u8> {
    let (mut r, mut w) = tokio::io::split(stream);
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.expect("write to stream");
        w
    });
    let mut got = Vec::new();
    r.read_to_end(&mut got).await.expect("read stream");
    let _w = writer.await.expect("writer");
    got
}

/// Accepts any certificate (tor's link certificates and our test ones are
/// self-signed) and records the leaf.
#[derive(Debug, Default)]
pub struct RecordingVerifier {
    /// Leaf certificates presented, oldest first.
    pub seen: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.seen
            .lock()
            .expect("lock")
            .push(end_entity.clone().into_owned());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS connector that accepts any server certificate, and its verifier
/// (to see what was presented).
pub fn any_certificate_connector() -> (tokio_rustls::TlsConnector, Arc<RecordingVerifier>) {
    let verifier = Arc::new(RecordingVerifier::default());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .dangerous()
    .with_custom_certificate_verifier(verifier.clone())
    .with_no_client_auth();
    (tokio_rustls::TlsConnector::from(Arc::new(config)), verifier)
}
