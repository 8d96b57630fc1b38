//! TLS WebSocket from certificate files, and reloading them while the
//! server runs.

mod common;

use std::sync::Arc;

use common::*;
use rustls::pki_types::{CertificateDer, ServerName};
use snowflake_common::turbotunnel::ClientId;
use snowflake_server::tls::TlsFiles;
use snowflake_testkit::tor::TempDir;
use snowflake_testkit::tunnel_client::{websocket_over, TunnelClient};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A self-signed certificate for localhost / 127.0.0.1, written to
/// `dir/name.{crt,key}`; returns its DER form.
fn write_cert(dir: &TempDir, name: &str) -> (TlsFiles, CertificateDer<'static>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("generate certificate");
    let files = TlsFiles {
        cert: dir.path().join(format!("{name}.crt")),
        key: dir.path().join(format!("{name}.key")),
    };
    std::fs::write(&files.cert, generated.cert.pem()).expect("write cert");
    std::fs::write(&files.key, generated.signing_key.serialize_pem()).expect("write key");
    (files, generated.cert.der().clone())
}

fn connector(trusted: &CertificateDer<'static>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// Connects a Turbo Tunnel client over TLS trusting only `trusted`.
async fn tls_client(
    addr: std::net::SocketAddr,
    trusted: &CertificateDer<'static>,
) -> std::io::Result<TunnelClient> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").expect("name");
    let tls = connector(trusted).connect(name, tcp).await?;
    let ws = websocket_over(
        tls,
        &format!("wss://localhost:{}/?client_ip=192.0.2.80", addr.port()),
    )
    .await?;
    let client = TunnelClient::new(ClientId::random()).expect("client");
    client.paths().add_path(ws);
    Ok(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_from_files_and_reload() {
    let dir = TempDir::new("snowflake-tls-test").expect("temp dir");
    let (files, first_cert) = write_cert(&dir, "live");
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"over tls".to_vec()),
        expect: 5,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| c.tls = Some(files.clone())).await;
    assert!(server.uses_tls());

    let client = tls_client(addr, &first_cert)
        .await
        .expect("TLS with the first certificate");
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"hello".to_vec())).await,
        b"over tls"
    );
    let (ext, _) = tor.next_connection().await;
    assert_eq!(
        ext.and_then(|e| e.user_addr).as_deref(),
        Some("192.0.2.80:1")
    );
    let _ = tor.next_event().await;

    // Renew: new files in place, then reload (what SIGHUP does).
    let (renewed, second_cert) = write_cert(&dir, "next");
    std::fs::rename(&renewed.cert, &files.cert).expect("replace cert");
    std::fs::rename(&renewed.key, &files.key).expect("replace key");
    server.reload_tls().expect("reload");
    assert!(
        tls_client(addr, &first_cert).await.is_err(),
        "the old certificate is no longer served"
    );
    let client = tls_client(addr, &second_cert)
        .await
        .expect("TLS with the renewed certificate");
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"again".to_vec())).await,
        b"over tls"
    );

    // A broken renewal keeps the working certificate.
    std::fs::write(&files.key, "not a key").expect("write");
    assert!(server.reload_tls().is_err());
    assert!(tls_client(addr, &second_cert).await.is_ok());
    server.shutdown().await;
}

#[tokio::test]
async fn unusable_certificate_files_are_refused_at_start() {
    let dir = TempDir::new("snowflake-tls-test").expect("temp dir");
    let (files, _) = write_cert(&dir, "a");
    let (other, _) = write_cert(&dir, "b");
    let mut config = snowflake_server::ServerConfig::new(snowflake_server::TorTarget::OrPort(
        "127.0.0.1:9".parse().expect("addr"),
    ));
    config.tls = Some(TlsFiles {
        cert: dir.path().join("missing.crt"),
        key: files.key.clone(),
    });
    let err = snowflake_server::Server::new(config.clone()).expect_err("missing certificate");
    assert!(err.to_string().contains("missing.crt"), "{err}");
    config.tls = Some(TlsFiles {
        cert: files.cert.clone(),
        key: other.key.clone(),
    });
    let err = snowflake_server::Server::new(config).expect_err("mismatched key");
    assert!(err.to_string().contains("does not match"), "{err}");
}
