//! Our Firefox hello against the captured Firefox 153 ESR hello
//! (`fixtures/fingerprints/tls-firefox.json`), field by field; handshakes
//! with it against TLS 1.3 and TLS 1.2-only servers; record_size_limit
//! answered by the server and honoured; zlib and zstd compressed chains.

mod common;

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use boring::pkey::PKey;
use boring::ssl::{
    select_next_proto, AlpnError, CertificateCompressionAlgorithm, CertificateCompressor,
    SslAcceptor, SslAcceptorBuilder, SslMethod, SslVersion,
};
use boring::x509::X509;
use common::hello::{self, form, hexes, numbers, our_lengths, strings, text_list};
use common::tls_wire::{ext, is_grease};
use common::{capture_hello, connect_and_echo, Server, TestCa, Versions, FIXTURE_HOST, GUARD};
use foreign_types::ForeignType;
use serde_json::Value;
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Hellos captured: Firefox's hello does not change between connections
/// (fixed order, fixed lengths), ours must not either.
const RUNS: usize = 3;

fn fixture() -> Value {
    hello::fixture("tls-firefox.json")
}

fn firefox(roots: Roots) -> TlsConnector {
    TlsConnector::new(HelloProfile::Firefox, roots, true).unwrap()
}

#[tokio::test]
async fn firefox_hello_matches_the_firefox_153_esr_capture() {
    let fx = fixture();
    let ch = &fx["client_hello"];
    let connector = firefox(Roots::mozilla().unwrap());

    let mut randoms = Vec::new();
    for run in 0..RUNS {
        let hello = capture_hello(&connector, FIXTURE_HOST).await;
        let what = |field: &str| format!("run {run}: {field}");

        assert_eq!(hello.record_version, 0x0301, "{}", what("record version"));
        assert_eq!(hello.legacy_version, 0x0303, "{}", what("legacy version"));
        assert_eq!(hello.session_id_length, 32, "{}", what("session id"));
        assert_eq!(
            hello.compression_methods,
            vec![0],
            "{}",
            what("compression")
        );
        assert_eq!(
            hello.record_lengths,
            numbers(&ch["record_lengths"])
                .into_iter()
                .map(|n| n as usize)
                .collect::<Vec<_>>(),
            "{}",
            what("one record of Firefox's length")
        );
        assert!(
            hello.undecodable_extensions.is_empty(),
            "{}",
            what("decodable")
        );

        // Suites in Firefox's order (TLS 1.3: 1301, 1303, 1302), no GREASE.
        assert_eq!(
            form(&hello.cipher_suites),
            strings(&ch["cipher_suites"]),
            "{}",
            what("cipher suites")
        );
        // Extensions in Firefox's fixed order, no GREASE, no padding.
        assert_eq!(
            form(&hello.extension_types()),
            strings(&ch["extensions"]),
            "{}",
            what("extension order")
        );
        assert!(
            !hello.extension_types().into_iter().any(is_grease),
            "{}",
            what("no GREASE")
        );
        // Every extension's body length, ECH's (281) included.
        assert_eq!(
            hello.extension_lengths(),
            numbers(&ch["extension_lengths"])
                .into_iter()
                .map(|n| n as usize)
                .collect::<Vec<_>>(),
            "{}",
            what("extension lengths")
        );
        assert_eq!(
            our_lengths(&hello).get("fe0d").copied(),
            ch["ech_length"].as_u64(),
            "{}",
            what("ECH GREASE length")
        );

        assert_eq!(
            form(hello.supported_groups.as_ref().unwrap()),
            strings(&ch["supported_groups"]),
            "{}",
            what("groups, ffdhe2048/3072 last")
        );
        assert_eq!(
            form(hello.signature_algorithms.as_ref().unwrap()),
            strings(&ch["signature_algorithms"]),
            "{}",
            what("signature algorithms")
        );
        assert_eq!(
            form(hello.supported_versions.as_ref().unwrap()),
            strings(&ch["supported_versions"]),
            "{}",
            what("versions")
        );
        let shares = hello.key_shares.as_ref().unwrap();
        let groups: Vec<u16> = shares.iter().map(|s| s.group).collect();
        let lengths: Vec<u64> = shares.iter().map(|s| s.key_length as u64).collect();
        assert_eq!(
            form(&groups),
            strings(&ch["key_share_groups"]),
            "{}",
            what("key share groups")
        );
        assert_eq!(
            lengths,
            numbers(&ch["key_share_lengths"]),
            "{}",
            what("key share lengths (1216, 32, 65)")
        );
        assert_eq!(
            text_list(hello.alpn.as_ref().unwrap()),
            strings(&ch["alpn"]),
            "{}",
            what("ALPN")
        );
        assert!(hello.application_settings.is_none(), "{}", what("no ALPS"));
        assert_eq!(
            hexes(hello.compress_certificate.as_ref().unwrap()),
            strings(&ch["compress_certificate"]),
            "{}",
            what("compress_certificate zlib, brotli, zstd")
        );
        assert_eq!(
            hello.record_size_limit.map(u64::from),
            ch["record_size_limit"].as_u64(),
            "{}",
            what("record_size_limit")
        );
        // delegated_credentials: a 16-bit length, then the algorithms.
        let dc = hello.extension(ext::DELEGATED_CREDENTIALS).unwrap();
        assert_eq!(
            usize::from(u16::from_be_bytes([dc[0], dc[1]])),
            dc.len() - 2
        );
        let dc_algs: Vec<u16> = dc[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(
            hexes(&dc_algs),
            strings(&ch["delegated_credentials"]),
            "{}",
            what("delegated_credentials")
        );
        assert_eq!(
            hello
                .psk_key_exchange_modes
                .as_ref()
                .unwrap()
                .iter()
                .map(|&m| u64::from(m))
                .collect::<Vec<_>>(),
            numbers(&ch["psk_key_exchange_modes"]),
            "{}",
            what("psk modes")
        );
        assert_eq!(
            hello
                .ec_point_formats
                .as_ref()
                .unwrap()
                .iter()
                .map(|&m| u64::from(m))
                .collect::<Vec<_>>(),
            numbers(&ch["ec_point_formats"]),
            "{}",
            what("point formats")
        );
        assert_eq!(
            hello.extension(ext::STATUS_REQUEST),
            Some(&[1u8, 0, 0, 0, 0][..]),
            "{}",
            what("OCSP")
        );
        assert_eq!(hello.extension(ext::SCT), Some(&[][..]), "{}", what("SCT"));
        assert_eq!(
            hello.extension(ext::SESSION_TICKET),
            Some(&[][..]),
            "{}",
            what("empty session ticket")
        );
        assert_eq!(
            hello.extension(ext::RENEGOTIATION_INFO),
            Some(&[0u8][..]),
            "{}",
            what("renegotiation_info")
        );
        assert_eq!(
            hello.sni().as_deref(),
            Some(FIXTURE_HOST),
            "{}",
            what("SNI")
        );

        assert_eq!(hello.ja4(), fx["ja4"].as_str().unwrap(), "{}", what("JA4"));
        assert_eq!(
            hello.ja4_r(),
            fx["ja4_r"].as_str().unwrap(),
            "{}",
            what("JA4_r")
        );
        assert_eq!(
            hello.hello_length as u64,
            ch["hello_length"].as_u64().unwrap(),
            "{}",
            what("hello length")
        );
        println!(
            "run {run}: hello {} bytes, Firefox {}; {}",
            hello.hello_length,
            ch["hello_length"],
            hello.ja4()
        );
        randoms.push(hello.random);
    }
    randoms.dedup();
    assert_eq!(randoms.len(), RUNS, "a fresh random per hello");
}

/// The ECH GREASE extension as in the captures: outer type 0, HKDF-SHA256,
/// an AEAD that is AES-128-GCM or ChaCha20-Poly1305 (both seen in
/// Firefox's three captures), a random config id, a 32-byte `enc` and a
/// 239-byte payload. Both AEADs turn up over 16 hellos (a miss has odds of
/// 2^-15).
#[tokio::test]
async fn ech_grease_names_firefox_aeads() {
    let connector = firefox(Roots::mozilla().unwrap());
    let mut aeads = std::collections::BTreeSet::new();
    for _ in 0..16 {
        let hello = capture_hello(&connector, FIXTURE_HOST).await;
        let ech = hello.extension(ext::ENCRYPTED_CLIENT_HELLO).unwrap();
        assert_eq!(ech[0], 0, "outer");
        assert_eq!(&ech[1..3], &[0, 1], "HKDF-SHA256");
        let aead = u16::from_be_bytes([ech[3], ech[4]]);
        assert!(aead == 0x0001 || aead == 0x0003, "AEAD {aead:04x}");
        aeads.insert(aead);
        assert_eq!(&ech[6..8], &[0, 32], "enc length");
        assert_eq!(&ech[40..42], &239u16.to_be_bytes(), "payload length");
        assert_eq!(ech.len(), 42 + 239);
    }
    assert_eq!(aeads.len(), 2, "both AEADs drawn: {aeads:?}");
}

/// The Chrome hello is untouched by the patch's switches: none of
/// Firefox's extensions leak into it.
#[tokio::test]
async fn chrome_hello_carries_none_of_the_firefox_switches() {
    let chrome = TlsConnector::new(HelloProfile::Chrome, Roots::mozilla().unwrap(), true).unwrap();
    let hello = capture_hello(&chrome, FIXTURE_HOST).await;
    assert!(!hello.has_extension(ext::RECORD_SIZE_LIMIT));
    assert!(!hello.has_extension(ext::DELEGATED_CREDENTIALS));
    assert!(!hello
        .supported_groups
        .as_ref()
        .unwrap()
        .iter()
        .any(|&g| g == 0x0100 || g == 0x0101));
    assert_eq!(hello.ja4(), hello::fixture("tls-chromium.json")["ja4"]);
}

#[tokio::test]
async fn firefox_profile_completes_with_tls13_and_tls12_only_servers() {
    let ca = TestCa::new("firefox test CA");
    let leaf = ca.leaf(&[FIXTURE_HOST], false);
    for (versions, want) in [
        (Versions::Both, rustls::ProtocolVersion::TLSv1_3),
        (Versions::Tls12Only, rustls::ProtocolVersion::TLSv1_2),
    ] {
        let mut server = Server::start(&leaf, versions).await;
        let connector = firefox(Roots::from_pem(ca.pem().as_bytes()).unwrap());
        let alpn = connect_and_echo(&connector, FIXTURE_HOST, server.addr)
            .await
            .unwrap_or_else(|e| panic!("{want:?}: {e}"));
        let seen = server.next_seen().await;
        assert!(seen.error.is_none(), "{seen:?}");
        assert_eq!(seen.version, Some(want));
        assert_eq!(seen.sni.as_deref(), Some(FIXTURE_HOST));
        assert_eq!(alpn.as_deref(), Some(&b"h2"[..]), "{want:?}");
    }
}

/// A BoringSSL server (our patched one) for `leaf`, offering h2, with the
/// given record_size_limit (0: none) and TLS version ceiling.
fn boring_server(leaf: &common::Leaf, limit: u16, max: SslVersion) -> SslAcceptorBuilder {
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor
        .set_private_key(&PKey::private_key_from_pem(leaf.key_pem.as_bytes()).unwrap())
        .unwrap();
    acceptor
        .set_certificate(&X509::from_pem(leaf.cert_pem.as_bytes()).unwrap())
        .unwrap();
    acceptor.set_max_proto_version(Some(max)).unwrap();
    acceptor.set_alpn_select_callback(|_, client| {
        select_next_proto(b"\x02h2\x08http/1.1", client).ok_or(AlpnError::NOACK)
    });
    // SAFETY: the builder owns a live SSL_CTX; the call stores a number.
    let ok = unsafe { boring_sys::SSL_CTX_set_record_size_limit(acceptor.as_ptr(), limit) };
    assert_eq!(ok, 1);
    acceptor
}

/// Lengths of the TLS records in `bytes` (a byte stream in one direction),
/// as (content type, length).
fn records(bytes: &[u8]) -> Vec<(u8, usize)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if rest.len() < 5 + len {
            break;
        }
        out.push((rest[0], len));
        rest = &rest[5 + len..];
    }
    out
}

/// The server answers record_size_limit with a small limit (in
/// EncryptedExtensions with TLS 1.3, in ServerHello with TLS 1.2): the
/// handshake completes, the client's records stay within the limit (the
/// patched server would refuse bigger ones with record_overflow), and a
/// 20 000-byte message crosses both ways.
#[tokio::test]
async fn a_server_answering_record_size_limit_is_honoured() {
    const LIMIT: u16 = 512;
    const MESSAGE: usize = 20_000;
    let ca = TestCa::new("record size test CA");
    let leaf = ca.leaf(&[FIXTURE_HOST], false);
    for (max, version, overhead) in [
        // TLS 1.3: the limit counts the inner content type; AES-GCM tag 16.
        (SslVersion::TLS1_3, "TLSv1.3", 16usize),
        // TLS 1.2: explicit nonce 8 + tag 16 (or ChaCha20's tag 16).
        (SslVersion::TLS1_2, "TLSv1.2", 24),
    ] {
        let acceptor = Arc::new(boring_server(&leaf, LIMIT, max).build());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = tokio_boring::accept(&acceptor, tcp)
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; MESSAGE];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            tls.write_all(&buf).await.map_err(|e| e.to_string())?;
            tls.flush().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        });
        // A relay in between that keeps what the client sends.
        let relay = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay_addr = relay.local_addr().unwrap();
        let relay_task = tokio::spawn(async move {
            let (mut client, _) = relay.accept().await.unwrap();
            let mut upstream = TcpStream::connect(server_addr).await.unwrap();
            let (mut cr, mut cw) = client.split();
            let (mut ur, mut uw) = upstream.split();
            let up = async {
                let mut seen = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let n = cr.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        let _ = uw.shutdown().await;
                        return seen;
                    }
                    seen.extend_from_slice(&chunk[..n]);
                    if uw.write_all(&chunk[..n]).await.is_err() {
                        return seen;
                    }
                }
            };
            let down = async {
                let _ = tokio::io::copy(&mut ur, &mut cw).await;
                let _ = cw.shutdown().await;
            };
            tokio::join!(up, down).0
        });

        let connector = firefox(Roots::from_pem(ca.pem().as_bytes()).unwrap());
        let client = async {
            let tcp = TcpStream::connect(relay_addr).await?;
            let mut tls = connector.connect(FIXTURE_HOST, tcp).await?;
            let message: Vec<u8> = (0..MESSAGE).map(|i| (i % 253) as u8).collect();
            tls.write_all(&message).await?;
            tls.flush().await?;
            let mut back = vec![0u8; MESSAGE];
            tls.read_exact(&mut back).await?;
            assert_eq!(back, message);
            io::Result::Ok((tls.negotiated_alpn().map(<[u8]>::to_vec), tls.version()))
        };
        let (alpn, got_version) = tokio::time::timeout(GUARD, client)
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        tokio::time::timeout(GUARD, server)
            .await
            .unwrap()
            .unwrap()
            .unwrap_or_else(|e| panic!("{version} server: {e}"));
        assert_eq!(got_version, version);
        assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
        let sent = tokio::time::timeout(GUARD, relay_task)
            .await
            .unwrap()
            .unwrap();
        let app: Vec<usize> = records(&sent)
            .into_iter()
            .filter(|&(t, _)| t == 23)
            .map(|(_, len)| len)
            .collect();
        let total: usize = app.iter().sum();
        assert!(
            total > MESSAGE,
            "{version}: the message went through the relay"
        );
        let max_seen = app.iter().copied().max().unwrap();
        assert!(
            max_seen <= usize::from(LIMIT) + overhead,
            "{version}: client record of {max_seen} bytes over the limit {LIMIT}"
        );
        println!(
            "{version}: {} client records, largest {max_seen} bytes (limit {LIMIT})",
            app.len()
        );
    }
}

static ZLIB_USED: AtomicUsize = AtomicUsize::new(0);

/// A zlib "compressor" writing stored deflate blocks (RFC 1950/1951),
/// valid zlib, enough for a test.
struct StoredZlib;

impl CertificateCompressor for StoredZlib {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::ZLIB;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = false;

    fn compress<W: Write>(&self, input: &[u8], output: &mut W) -> io::Result<()> {
        ZLIB_USED.fetch_add(1, Ordering::SeqCst);
        let mut out = vec![0x78, 0x01];
        let chunks: Vec<&[u8]> = input.chunks(65_535).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            out.push(u8::from(i + 1 == chunks.len()));
            let len = chunk.len() as u16;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in input {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        output.write_all(&out)
    }
}

/// The Firefox hello lists zlib first; a server that compresses with it
/// gets its chain inflated and verified.
#[tokio::test]
async fn firefox_profile_inflates_a_zlib_compressed_chain() {
    let ca = TestCa::new("zlib test CA");
    let leaf = ca.leaf(&[FIXTURE_HOST], false);
    let mut acceptor = boring_server(&leaf, 0, SslVersion::TLS1_3);
    acceptor
        .add_certificate_compression_algorithm(StoredZlib)
        .unwrap();
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
    let before = ZLIB_USED.load(Ordering::SeqCst);
    let connector = firefox(Roots::from_pem(ca.pem().as_bytes()).unwrap());
    let client = async {
        let tcp = TcpStream::connect(addr).await?;
        let mut tls = connector.connect(FIXTURE_HOST, tcp).await?;
        tls.write_all(b"ping").await?;
        let mut back = [0u8; 4];
        tls.read_exact(&mut back).await?;
        io::Result::Ok(tls.negotiated_alpn().map(<[u8]>::to_vec))
    };
    let alpn = tokio::time::timeout(GUARD, client).await.unwrap().unwrap();
    tokio::time::timeout(GUARD, server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(ZLIB_USED.load(Ordering::SeqCst), before + 1);
}

/// Our client offers delegated_credentials (as Firefox does) but does not
/// implement them: a server that answers with one (BoringSSL server, RFC
/// 9345 credential) must make the handshake fail, never succeed with a
/// credential nobody verified. The DC's signature is a dummy: the client
/// must refuse before looking at it.
#[tokio::test]
async fn a_server_delegated_credential_fails_the_handshake_cleanly() {
    let ca = TestCa::new("dc test CA");
    let leaf = ca.leaf(&[FIXTURE_HOST], false);
    let dc_key = PKey::private_key_from_pem(
        rcgen::KeyPair::generate()
            .unwrap()
            .serialize_pem()
            .as_bytes(),
    )
    .unwrap();
    // DelegatedCredential: valid_time, dc_cert_verify_algorithm, SPKI
    // (24-bit length), algorithm, signature (16-bit length).
    let spki = dc_key.public_key_to_der().unwrap();
    let mut dc = Vec::new();
    dc.extend_from_slice(&3600u32.to_be_bytes());
    dc.extend_from_slice(&0x0403u16.to_be_bytes());
    dc.extend_from_slice(&(spki.len() as u32).to_be_bytes()[1..]);
    dc.extend_from_slice(&spki);
    dc.extend_from_slice(&0x0403u16.to_be_bytes());
    dc.extend_from_slice(&[0x00, 0x04, 1, 2, 3, 4]);

    let acceptor = boring_server(&leaf, 0, SslVersion::TLS1_3);
    let leaf_der = leaf.cert_der.to_vec();
    // SAFETY: every pointer is live for its call: the builder's SSL_CTX,
    // the key, and the byte vectors, which BoringSSL copies into buffers it
    // owns; each object we create is released after the call that takes
    // its own reference.
    unsafe {
        let cred = boring_sys::SSL_CREDENTIAL_new_delegated();
        assert!(!cred.is_null());
        let dc_buf = boring_sys::CRYPTO_BUFFER_new(dc.as_ptr(), dc.len(), std::ptr::null_mut());
        let leaf_buf =
            boring_sys::CRYPTO_BUFFER_new(leaf_der.as_ptr(), leaf_der.len(), std::ptr::null_mut());
        assert_eq!(
            boring_sys::SSL_CREDENTIAL_set1_delegated_credential(cred, dc_buf),
            1
        );
        let chain = [leaf_buf];
        assert_eq!(
            boring_sys::SSL_CREDENTIAL_set1_cert_chain(cred, chain.as_ptr(), 1),
            1
        );
        assert_eq!(
            boring_sys::SSL_CREDENTIAL_set1_private_key(cred, dc_key.as_ptr()),
            1
        );
        assert_eq!(
            boring_sys::SSL_CTX_add1_credential(acceptor.as_ptr(), cred),
            1
        );
        boring_sys::CRYPTO_BUFFER_free(dc_buf);
        boring_sys::CRYPTO_BUFFER_free(leaf_buf);
        boring_sys::SSL_CREDENTIAL_free(cred);
    }
    let acceptor = Arc::new(acceptor.build());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio_boring::accept(&acceptor, tcp)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    });

    let connector = firefox(Roots::from_pem(ca.pem().as_bytes()).unwrap());
    let client = async {
        let tcp = TcpStream::connect(addr).await?;
        connector.connect(FIXTURE_HOST, tcp).await.map(|_| ())
    };
    let err = tokio::time::timeout(GUARD, client)
        .await
        .unwrap()
        .expect_err("a delegated credential must not be accepted");
    let msg = err.to_string();
    println!("client: {msg}");
    assert!(msg.contains("UNEXPECTED_EXTENSION"), "{msg}");
    let server = tokio::time::timeout(GUARD, server).await.unwrap().unwrap();
    println!("server: {server:?}");
    assert!(server.is_err(), "the server sees the alert");
}
