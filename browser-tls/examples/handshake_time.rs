//! Handshake time on loopback: tokio-rustls (the workspace's current
//! rendezvous TLS) against this crate's profiles, to the same local rustls
//! server with a P-256 certificate from a throwaway CA.
//!
//! `cargo run -p snowflake-browser-tls --release --example handshake_time [N]`
//!
//! Prints, per client, the median and mean of N sequential handshakes
//! (TCP connect + TLS handshake + one 1-byte echo so the server's
//! post-handshake messages are consumed).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HOST: &str = "bench.example";

async fn echo_once<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> std::io::Result<()> {
    s.write_all(b"x").await?;
    s.flush().await?;
    let mut b = [0u8; 1];
    s.read_exact(&mut b).await?;
    Ok(())
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let median = samples[samples.len() / 2];
    println!(
        "{name:<28} median {median:>9.2?}  mean {mean:>9.2?}  ({} handshakes)",
        samples.len()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200);

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // A subject of its own, or the leaf (rcgen's default subject) would
    // look self-issued.
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "handshake_time CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
    let leaf_key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec![HOST.to_string()])?.signed_by(&leaf_key, &ca)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut b = [0u8; 1];
                    if tls.read_exact(&mut b).await.is_ok() {
                        let _ = tls.write_all(&b).await;
                        let _ = tls.flush().await;
                    }
                }
            });
        }
    });

    // rustls client, as the workspace uses it today.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone())?;
    let mut client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    client_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let rustls_connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let tcp = TcpStream::connect(addr).await?;
        let tls = rustls_connector
            .connect(ServerName::try_from(HOST)?, tcp)
            .await?;
        echo_once(tls).await?;
        samples.push(start.elapsed());
    }
    summary("rustls 0.23 (ring)", samples);

    for profile in [
        HelloProfile::Chrome,
        HelloProfile::RandomizedAlpn,
        HelloProfile::Golang,
    ] {
        let connector = TlsConnector::new(profile, Roots::from_pem(ca.pem().as_bytes())?, true)?;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            let tcp = TcpStream::connect(addr).await?;
            let tls = connector.connect(HOST, tcp).await?;
            echo_once(tls).await?;
            samples.push(start.elapsed());
        }
        summary(&format!("boring {profile}"), samples);
    }
    let start = Instant::now();
    let _ = TlsConnector::new(HelloProfile::Chrome, Roots::mozilla()?, true)?;
    println!(
        "TlsConnector::new(Chrome, Roots::mozilla()): {:.2?}",
        start.elapsed()
    );
    Ok(())
}
