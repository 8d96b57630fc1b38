//! Binary-size baseline: one TLS connection with tokio-rustls and
//! Mozilla's roots, the way the rendezvous connects today. Compare with
//! `size_boring` (same program with this crate).

use std::sync::Arc;

use rustls_pki_types::ServerName;
use tokio::io::AsyncWriteExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost".into());
    let addr = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "127.0.0.1:443".into());
    let mut roots = rustls::RootCertStore::empty();
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        roots.add(cert.clone())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut tls = connector.connect(ServerName::try_from(host)?, tcp).await?;
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
    Ok(())
}
