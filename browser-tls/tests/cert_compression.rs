//! Brotli certificate compression, end to end: the Chrome hello offers it,
//! so a server may send its chain compressed (big CDNs do); the client
//! must inflate and verify it. The server here is BoringSSL with a brotli
//! "compressor" that writes uncompressed meta-blocks (valid brotli, RFC
//! 7932 section 9.2), which is all a test needs.

mod common;

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use boring::pkey::PKey;
use boring::ssl::{
    select_next_proto, AlpnError, CertificateCompressionAlgorithm, CertificateCompressor,
    SslAcceptor, SslMethod,
};
use boring::x509::X509;
use common::{TestCa, FIXTURE_HOST, GUARD};
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Packs bits least-significant first, as brotli does.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    fn align(&mut self) {
        if self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
}

/// A brotli stream of uncompressed meta-blocks holding `data`.
fn brotli_stored(data: &[u8]) -> Vec<u8> {
    let mut b = Bits::default();
    b.put(0, 1); // WBITS = 16
    for chunk in data.chunks(1 << 16) {
        b.put(0, 1); // ISLAST = 0
        b.put(0, 2); // MNIBBLES = 4
        b.put(chunk.len() as u32 - 1, 16); // MLEN - 1
        b.put(1, 1); // ISUNCOMPRESSED
        b.align();
        b.out.extend_from_slice(chunk);
    }
    b.put(1, 1); // ISLAST
    b.put(1, 1); // ISLASTEMPTY
    b.align();
    b.out
}

static COMPRESSED: AtomicUsize = AtomicUsize::new(0);

struct StoredBrotli;

impl CertificateCompressor for StoredBrotli {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::BROTLI;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = false;

    fn compress<W: Write>(&self, input: &[u8], output: &mut W) -> io::Result<()> {
        COMPRESSED.fetch_add(1, Ordering::SeqCst);
        output.write_all(&brotli_stored(input))
    }
}

#[test]
fn stored_brotli_round_trips_through_the_decoder_we_ship() {
    let data: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    let mut inflated = Vec::new();
    io::copy(
        &mut brotli_decompressor::Decompressor::new(&brotli_stored(&data)[..], 4096),
        &mut inflated,
    )
    .unwrap();
    assert_eq!(inflated, data);
}

#[tokio::test]
async fn chrome_profile_inflates_a_brotli_compressed_chain() {
    let ca = TestCa::new("compression test CA");
    let leaf = ca.leaf(&[FIXTURE_HOST], false);

    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor
        .set_private_key(&PKey::private_key_from_pem(leaf.key_pem.as_bytes()).unwrap())
        .unwrap();
    acceptor
        .set_certificate(&X509::from_pem(leaf.cert_pem.as_bytes()).unwrap())
        .unwrap();
    acceptor
        .add_certificate_compression_algorithm(StoredBrotli)
        .unwrap();
    acceptor.set_alpn_select_callback(|_, client| {
        select_next_proto(b"\x02h2\x08http/1.1", client).ok_or(AlpnError::NOACK)
    });
    let acceptor = Arc::new(acceptor.build());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = tokio_boring::accept(&acceptor, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
        tls.write_all(&buf).await.map_err(|e| e.to_string())?;
        tls.flush().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(())
    });

    let before = COMPRESSED.load(Ordering::SeqCst);
    let connector = TlsConnector::new(
        HelloProfile::Chrome,
        Roots::from_pem(ca.pem().as_bytes()).unwrap(),
        true,
    )
    .unwrap();
    let client = async {
        let tcp = TcpStream::connect(addr).await?;
        let mut tls = connector.connect(FIXTURE_HOST, tcp).await?;
        tls.write_all(b"ping").await?;
        let mut back = [0u8; 4];
        tls.read_exact(&mut back).await?;
        assert_eq!(&back, b"ping");
        io::Result::Ok((tls.negotiated_alpn().map(<[u8]>::to_vec), tls.version()))
    };
    let (alpn, version) = tokio::time::timeout(GUARD, client).await.unwrap().unwrap();
    tokio::time::timeout(GUARD, server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(version, "TLSv1.3");
    assert_eq!(
        COMPRESSED.load(Ordering::SeqCst),
        before + 1,
        "the server compressed its certificate for us"
    );
}
