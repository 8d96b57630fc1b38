//! Operational features: TLS from certificate files, HTTP/2, log
//! scrubbing, connection limits.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use snowflake_broker::{BrokerError, TlsFiles};
use snowflake_common::messages::NatType;
use snowflake_testkit::http::{request, request_over};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

fn tls_files() -> TlsFiles {
    TlsFiles {
        cert: data("cert.pem"),
        key: data("key.pem"),
    }
}

async fn tls_connect(addr: std::net::SocketAddr) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(data("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake with the broker")
}

#[tokio::test]
async fn serves_https_from_certificate_files() {
    let broker = start(BrokerConfig {
        tls: Some(tls_files()),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let tls = tls_connect(addr).await;
    let response = request_over(
        tls,
        "localhost",
        Method::GET,
        "/robots.txt",
        &[],
        Bytes::new(),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "User-agent: *\nDisallow: /\n");
    let tls = tls_connect(addr).await;
    let response = request_over(
        tls,
        "localhost",
        Method::POST,
        "/client",
        &[],
        client_body("m", NatType::Unknown),
    )
    .await
    .unwrap();
    assert_no_proxies(&response);
    // Plain HTTP on the TLS port gets nothing useful.
    assert!(snowflake_testkit::http::get(addr, "/robots.txt")
        .await
        .is_err());
}

#[tokio::test]
async fn bad_tls_files_are_reported() {
    let missing = Broker::start(BrokerConfig {
        tls: Some(TlsFiles {
            cert: data("missing.pem"),
            key: data("key.pem"),
        }),
        ..config()
    })
    .await;
    assert!(matches!(missing, Err(BrokerError::Tls(_))));
    let swapped = Broker::start(BrokerConfig {
        tls: Some(TlsFiles {
            cert: data("key.pem"),
            key: data("cert.pem"),
        }),
        ..config()
    })
    .await;
    assert!(matches!(swapped, Err(BrokerError::Tls(_))));
}

#[tokio::test]
async fn port_in_use_is_reported() {
    let first = start(config()).await;
    let second = Broker::start(BrokerConfig {
        listen_addr: first.local_addr(),
        ..config()
    })
    .await;
    assert!(matches!(second, Err(BrokerError::Bind { .. })));
}

#[tokio::test]
async fn http2_prior_knowledge_multiplexes_polls() {
    let broker = start(config()).await;
    let stream = TcpStream::connect(broker.local_addr()).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let send = |path: &'static str, body: Vec<u8>| {
        let mut sender = sender.clone();
        async move {
            let request = http::Request::builder()
                .method(Method::POST)
                .uri(format!("http://broker{path}"))
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            response.into_body().collect().await.unwrap().to_bytes()
        }
    };
    // Proxy poll and client poll on the same connection, concurrently.
    let proxy = tokio::spawn(send(
        "/proxy",
        proxy_body("h2", NatType::Unrestricted, 0, Some(PATTERN)),
    ));
    wait_for_stats(&broker, |s| s.waiting_proxies == 1).await;
    let client = tokio::spawn(send("/client", client_body("h2", NatType::Restricted)));
    let offer = guarded(proxy).await.unwrap();
    assert!(String::from_utf8_lossy(&offer).contains("client match"));
    let answered = send("/answer", answer_body("h2", "h2-answer")).await;
    assert_eq!(&answered[..], br#"{"Status":"success"}"#);
    let answer = guarded(client).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with(r#"{"answer":"#));
}

/// Collects everything written through `tracing`.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a client poll and a proxy poll from 203.0.113.5 (via
/// X-Forwarded-For) with logging captured at debug level.
async fn log_of_requests(unsafe_logging: bool) -> String {
    let captured = CapturedLog::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let broker = start(BrokerConfig {
        unsafe_logging,
        proxy_timeout: Duration::from_millis(100),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let forwarded = [("X-Forwarded-For", "203.0.113.5")];
    request(
        addr,
        Method::POST,
        "/client",
        &forwarded,
        client_body("m", NatType::Unknown),
    )
    .await
    .unwrap();
    request(addr, Method::POST, "/proxy", &forwarded, b"{".to_vec())
        .await
        .unwrap();
    broker.shutdown().await;
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn client_addresses_are_scrubbed_from_logs() {
    let log = log_of_requests(false).await;
    assert!(log.contains("client denied"), "{log}");
    assert!(log.contains("[scrubbed]"), "{log}");
    assert!(!log.contains("203.0.113.5"), "{log}");
    assert!(!log.contains("203.0.113"), "{log}");
}

#[tokio::test(flavor = "current_thread")]
async fn unsafe_logging_shows_addresses() {
    let log = log_of_requests(true).await;
    assert!(log.contains("203.0.113.5"), "{log}");
}

#[tokio::test]
async fn connection_limit_closes_extra_connections() {
    let broker = start(BrokerConfig {
        max_connections: 2,
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // Two idle connections take the two slots.
    let first = TcpStream::connect(addr).await.unwrap();
    let second = TcpStream::connect(addr).await.unwrap();
    // A third is closed at once without a response.
    let mut third = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 16];
    let read = guarded(third.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // Once they close, the broker serves again.
    drop(first);
    drop(second);
    let response = guarded(async {
        loop {
            if let Ok(response) = snowflake_testkit::http::get(addr, "/robots.txt").await {
                break response;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn silent_and_idle_connections_are_closed() {
    let broker = start(BrokerConfig {
        request_read_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    // A connection that never sends a byte.
    let mut silent = TcpStream::connect(broker.local_addr()).await.unwrap();
    let mut buf = [0u8; 512];
    let read = guarded(silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // A keep-alive connection that goes quiet after one request.
    let mut idle = TcpStream::connect(broker.local_addr()).await.unwrap();
    idle.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = guarded(idle.read(&mut buf)).await.unwrap();
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&response).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn slow_bodies_are_cut_off() {
    let broker = start(BrokerConfig {
        request_read_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    use tokio::io::AsyncWriteExt;
    let mut stream = TcpStream::connect(broker.local_addr()).await.unwrap();
    // Promise a body and never send it.
    stream
        .write_all(b"POST /proxy HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let _ = guarded(stream.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
}
