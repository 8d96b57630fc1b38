//! Shared test fixtures: a throwaway PKI, a rustls server on 127.0.0.1 that
//! reports what it saw, and a listener that records a ClientHello.
#![allow(dead_code)]

/// The TLS ClientHello dissector of the test kit, included by path.
#[path = "../../../testkit/src/tls_wire.rs"]
pub mod tls_wire;

pub mod hello;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use snowflake_browser_tls::TlsConnector;
use tls_wire::{ClientHello, TlsWireError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Upper bound for any single network step of a test, so that a bug shows
/// as a failure instead of a hang. Never asserted on.
pub const GUARD: Duration = Duration::from_secs(20);

/// The host name the Chromium fixture was captured with; using a name of
/// the same length keeps the hello lengths comparable.
pub const FIXTURE_HOST: &str = "fp.example";

/// A CA that can issue leaf certificates.
pub struct TestCa {
    pub issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf for `names` (DNS names or IP literals) with a P-256 key, or
    /// a P-384 key when `p384`.
    pub fn leaf(&self, names: &[&str], p384: bool) -> Leaf {
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let key = if p384 {
            KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap()
        } else {
            KeyPair::generate().unwrap()
        };
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A leaf certificate and its key.
#[derive(Clone)]
pub struct Leaf {
    pub cert_der: CertificateDer<'static>,
    pub cert_pem: String,
    pub key_der: Vec<u8>,
    pub key_pem: String,
}

/// What the server side saw of one connection.
#[derive(Debug)]
pub struct Seen {
    pub sni: Option<String>,
    pub alpn: Option<Vec<u8>>,
    pub version: Option<rustls::ProtocolVersion>,
    /// The handshake or echo error, if any.
    pub error: Option<String>,
}

/// Which protocol versions the server accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    Both,
    Tls12Only,
}

/// A rustls server on 127.0.0.1 with `leaf`, offering h2 and http/1.1. It
/// handles connections until dropped; for each it reports what it saw and
/// echoes one message.
pub struct Server {
    pub addr: SocketAddr,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(leaf: &Leaf, versions: Versions) -> Server {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider);
        let builder = match versions {
            Versions::Both => builder.with_safe_default_protocol_versions().unwrap(),
            Versions::Tls12Only => builder
                .with_protocol_versions(&[&rustls::version::TLS12])
                .unwrap(),
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
        let mut config = builder
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert_der.clone()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, seen) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let seen = match acceptor.accept(tcp).await {
                        Ok(mut tls) => {
                            let (_, conn) = tls.get_ref();
                            let mut seen = Seen {
                                sni: conn.server_name().map(str::to_string),
                                alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
                                version: conn.protocol_version(),
                                error: None,
                            };
                            let mut buf = [0u8; 5];
                            let echo = async {
                                tls.read_exact(&mut buf).await?;
                                tls.write_all(&buf).await?;
                                tls.flush().await
                            };
                            if let Err(e) = echo.await {
                                seen.error = Some(format!("echo: {e}"));
                            }
                            seen
                        }
                        Err(e) => Seen {
                            sni: None,
                            alpn: None,
                            version: None,
                            error: Some(format!("handshake: {e}")),
                        },
                    };
                    let _ = tx.send(seen);
                });
            }
        });
        Server { addr, seen, task }
    }

    /// The report of the next connection.
    pub async fn next_seen(&mut self) -> Seen {
        tokio::time::timeout(GUARD, self.seen.recv())
            .await
            .expect("server report within the guard time")
            .expect("server task alive")
    }
}

/// Connects through `connector` to `addr` as `host`, and checks that data
/// flows both ways. Returns the negotiated ALPN.
pub async fn connect_and_echo(
    connector: &TlsConnector,
    host: &str,
    addr: SocketAddr,
) -> std::io::Result<Option<Vec<u8>>> {
    let work = async {
        let tcp = TcpStream::connect(addr).await?;
        let mut tls = connector.connect(host, tcp).await?;
        tls.write_all(b"hello").await?;
        tls.flush().await?;
        let mut back = [0u8; 5];
        tls.read_exact(&mut back).await?;
        assert_eq!(&back, b"hello");
        Ok(tls.negotiated_alpn().map(<[u8]>::to_vec))
    };
    tokio::time::timeout(GUARD, work)
        .await
        .expect("connection within the guard time")
}

/// Sends one hello through `connector` (as `host`) to a listener that
/// records it and hangs up; returns the parsed hello.
pub async fn capture_hello(connector: &TlsConnector, host: &str) -> ClientHello {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorder = async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = tcp.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "client closed before a full hello: {} bytes",
                bytes.len()
            );
            bytes.extend_from_slice(&chunk[..n]);
            match ClientHello::from_stream(&bytes) {
                Ok(hello) => return hello,
                Err(TlsWireError::Incomplete { .. }) => continue,
                Err(e) => panic!("not a ClientHello: {e}"),
            }
        }
    };
    let client = async {
        let tcp = TcpStream::connect(addr).await.unwrap();
        connector.connect(host, tcp).await
    };
    let (hello, result) = tokio::time::timeout(GUARD, async { tokio::join!(recorder, client) })
        .await
        .expect("hello within the guard time");
    assert!(
        result.is_err(),
        "the recorder never answers, so the handshake must fail"
    );
    hello
}
