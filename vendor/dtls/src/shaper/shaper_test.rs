// Snowflake patch: tests of the hello shaper and the unconditional fixes.

use std::net::SocketAddr;
use std::sync::Mutex as StdMutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use util::conn::conn_pipe::pipe;
use util::Conn;

use super::*;
use crate::config::Config;
use crate::conn::DTLSConn;
use crate::crypto::crypto_gcm::CryptoGcm;
use crate::crypto::Certificate;
use crate::extension::extension_use_srtp::SrtpProtectionProfile;
use crate::handshake::handshake_message_client_hello::HandshakeMessageClientHello;
use crate::record_layer::record_layer_header::*;

/// A conn that keeps a copy of every datagram it sends.
struct Recording {
    inner: Arc<dyn Conn + Send + Sync>,
    sent: Arc<StdMutex<Vec<Vec<u8>>>>,
}

#[async_trait]
impl Conn for Recording {
    async fn connect(&self, addr: SocketAddr) -> util::Result<()> {
        self.inner.connect(addr).await
    }
    async fn recv(&self, buf: &mut [u8]) -> util::Result<usize> {
        self.inner.recv(buf).await
    }
    async fn recv_from(&self, buf: &mut [u8]) -> util::Result<(usize, SocketAddr)> {
        self.inner.recv_from(buf).await
    }
    async fn send(&self, buf: &[u8]) -> util::Result<usize> {
        self.sent.lock().unwrap().push(buf.to_vec());
        self.inner.send(buf).await
    }
    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> util::Result<usize> {
        self.sent.lock().unwrap().push(buf.to_vec());
        self.inner.send_to(buf, target).await
    }
    fn local_addr(&self) -> util::Result<SocketAddr> {
        self.inner.local_addr()
    }
    fn remote_addr(&self) -> Option<SocketAddr> {
        self.inner.remote_addr()
    }
    async fn close(&self) -> util::Result<()> {
        self.inner.close().await
    }
    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

type Sent = Arc<StdMutex<Vec<Vec<u8>>>>;

fn recording(inner: impl Conn + Send + Sync + 'static) -> (Arc<dyn Conn + Send + Sync>, Sent) {
    let sent: Sent = Arc::default();
    (
        Arc::new(Recording {
            inner: Arc::new(inner),
            sent: Arc::clone(&sent),
        }),
        sent,
    )
}

/// One plaintext record: (content type, record version, handshake messages
/// as (type, body)) — only whole, unfragmented handshake messages.
fn records(datagram: &[u8]) -> Vec<(u8, [u8; 2], Vec<(u8, Vec<u8>)>)> {
    let mut out = vec![];
    let mut rest = datagram;
    while rest.len() >= 13 {
        let typ = rest[0];
        let version = [rest[1], rest[2]];
        let len = usize::from(u16::from_be_bytes([rest[11], rest[12]]));
        let fragment = &rest[13..13 + len];
        let mut messages = vec![];
        if typ == 22 && u16::from_be_bytes([rest[3], rest[4]]) == 0 {
            let mut f = fragment;
            while f.len() >= 12 {
                let body_len =
                    (usize::from(f[1]) << 16) | (usize::from(f[2]) << 8) | usize::from(f[3]);
                messages.push((f[0], f[12..12 + body_len].to_vec()));
                f = &f[12 + body_len..];
            }
        }
        out.push((typ, version, messages));
        rest = &rest[13 + len..];
    }
    out
}

fn handshake_messages(sent: &Sent) -> Vec<([u8; 2], u8, Vec<u8>)> {
    let mut out = vec![];
    for datagram in sent.lock().unwrap().iter() {
        for (_, version, messages) in records(datagram) {
            for (typ, body) in messages {
                out.push((version, typ, body));
            }
        }
    }
    out
}

struct Hello {
    session_id: Vec<u8>,
    cookie: Vec<u8>,
    random: Vec<u8>,
    suites: Vec<u16>,
    extensions: Vec<u16>,
}

fn parse_client_hello(body: &[u8]) -> Hello {
    let random = body[2..34].to_vec();
    let mut i = 34;
    let sid = usize::from(body[i]);
    let session_id = body[i + 1..i + 1 + sid].to_vec();
    i += 1 + sid;
    let cl = usize::from(body[i]);
    let cookie = body[i + 1..i + 1 + cl].to_vec();
    i += 1 + cl;
    let sl = usize::from(u16::from_be_bytes([body[i], body[i + 1]]));
    let suites = body[i + 2..i + 2 + sl]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    i += 2 + sl;
    i += 1 + usize::from(body[i]);
    Hello {
        session_id,
        cookie,
        random,
        suites,
        extensions: extension_types(&body[i..]),
    }
}

fn parse_server_hello(body: &[u8]) -> Hello {
    let random = body[2..34].to_vec();
    let sid = usize::from(body[34]);
    let session_id = body[35..35 + sid].to_vec();
    let i = 35 + sid;
    let suites = vec![u16::from_be_bytes([body[i], body[i + 1]])];
    Hello {
        session_id,
        cookie: vec![],
        random,
        suites,
        extensions: extension_types(&body[i + 3..]),
    }
}

fn extension_types(block: &[u8]) -> Vec<u16> {
    let total = usize::from(u16::from_be_bytes([block[0], block[1]]));
    let mut rest = &block[2..2 + total];
    let mut out = vec![];
    while rest.len() >= 4 {
        out.push(u16::from_be_bytes([rest[0], rest[1]]));
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        rest = &rest[4 + len..];
    }
    out
}

#[derive(Debug)]
struct TestShaper {
    skip_hello_verify: bool,
}

impl HelloShaper for TestShaper {
    fn client_hello(&self, mut default: ClientHelloParts) -> ClientHelloParts {
        default.record_version = PROTOCOL_VERSION1_0;
        // A TLS 1.3 suite a DTLS 1.2 server cannot pick, first.
        default.cipher_suites.insert(0, 0x1301);
        default.extensions.reverse();
        // ALPN "webrtc" and a GREASE extension, neither known to the stack.
        default
            .extensions
            .push(RawExtension::new(EXT_ALPN, b"\x00\x07\x06webrtc".to_vec()));
        default.extensions.push(RawExtension::new(0x0a0a, vec![]));
        default
    }

    fn skip_hello_verify(&self) -> bool {
        self.skip_hello_verify
    }

    fn select_group(&self, offered: &[u16]) -> Option<u16> {
        // Our preference, not the peer's first: x25519.
        offered.contains(&0x001d).then_some(0x001d)
    }

    fn server_flight(&self, mut default: ServerFlightParts, peer: &PeerHello) -> ServerFlightParts {
        default.session_id = vec![7; 32];
        if !peer.offers_dtls13() {
            default.random_tail = Some(*b"DOWNGRD\x01");
        }
        default
            .server_hello_extensions
            .retain(|e| e.typ != EXT_SUPPORTED_GROUPS);
        default.server_hello_extensions.reverse();
        if peer.alpn_protocols().iter().any(|p| p == b"webrtc") {
            default
                .server_hello_extensions
                .push(RawExtension::new(EXT_ALPN, b"\x00\x07\x06webrtc".to_vec()));
        }
        default.certificate_types = vec![1, 64, 2];
        default.certificate_request_signature_algorithms = vec![0x0403, 0x0804, 0x0401];
        default
    }
}

fn config(shaper: Option<Arc<dyn HelloShaper>>) -> Result<Config> {
    Ok(Config {
        certificates: vec![Certificate::generate_self_signed(
            vec!["WebRTC".to_owned()],
        )?],
        srtp_protection_profiles: vec![SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80],
        extended_master_secret: crate::config::ExtendedMasterSecretType::Require,
        insecure_skip_verify: true,
        client_auth: crate::config::ClientAuthType::RequireAnyClientCert,
        hello_shaper: shaper,
        ..Default::default()
    })
}

/// Runs a handshake and one message each way; returns what each side sent.
async fn handshake(client: Config, server: Config) -> Result<(Sent, Sent)> {
    let (a, b) = pipe();
    let (a, sent_by_client) = recording(a);
    let (b, sent_by_server) = recording(b);
    let client = tokio::spawn(async move { DTLSConn::new(a, client, true, None).await });
    let server = DTLSConn::new(b, server, false, None).await?;
    let client = client.await.map_err(|e| Error::Other(e.to_string()))??;
    client.write(b"ping", None).await?;
    let mut buf = [0u8; 16];
    let n = server.read(&mut buf, None).await?;
    assert_eq!(&buf[..n], b"ping");
    server.write(b"pong", None).await?;
    let n = client.read(&mut buf, None).await?;
    assert_eq!(&buf[..n], b"pong");
    client.close().await?;
    server.close().await?;
    Ok((sent_by_client, sent_by_server))
}

#[tokio::test]
async fn shaped_hellos_complete_a_handshake_and_say_what_the_shaper_says() -> Result<()> {
    let shaper: Arc<dyn HelloShaper> = Arc::new(TestShaper {
        skip_hello_verify: true,
    });
    let (by_client, by_server) =
        handshake(config(Some(Arc::clone(&shaper)))?, config(Some(shaper))?).await?;

    let client_msgs = handshake_messages(&by_client);
    let (version, typ, body) = &client_msgs[0];
    assert_eq!(*typ, 1, "first message is the ClientHello");
    assert_eq!(
        *version,
        [0xfe, 0xff],
        "ClientHello record version is DTLS 1.0"
    );
    let hello = parse_client_hello(body);
    assert_eq!(hello.suites[0], 0x1301);
    assert!(hello.session_id.is_empty());
    assert!(hello.cookie.is_empty());
    assert_eq!(
        &hello.extensions[hello.extensions.len() - 2..],
        &[EXT_ALPN, 0x0a0a]
    );
    assert!(!hello.extensions.contains(&EXT_SERVER_NAME), "no SNI");
    assert_eq!(
        client_msgs.iter().filter(|(_, t, _)| *t == 1).count(),
        1,
        "one ClientHello: no HelloVerifyRequest round"
    );

    let server_msgs = handshake_messages(&by_server);
    let types: Vec<u8> = server_msgs.iter().map(|(_, t, _)| *t).collect();
    assert_eq!(
        &types[..5],
        &[2, 11, 12, 13, 14],
        "ServerHello first, no HelloVerifyRequest"
    );
    let server_hello = parse_server_hello(&server_msgs[0].2);
    assert_eq!(server_hello.session_id, vec![7; 32]);
    assert_eq!(&server_hello.random[24..], b"DOWNGRD\x01");
    assert_eq!(server_hello.suites, vec![0xc02b]);
    assert!(!server_hello.extensions.contains(&EXT_SUPPORTED_GROUPS));
    assert_eq!(server_hello.extensions.last(), Some(&EXT_ALPN));
    assert!(server_hello
        .extensions
        .contains(&EXT_EXTENDED_MASTER_SECRET));
    // ServerKeyExchange: named curve x25519 by our preference.
    let ske = &server_msgs[2].2;
    assert_eq!(&ske[..3], &[3, 0x00, 0x1d]);
    // CertificateRequest lists as shaped.
    let cr = &server_msgs[3].2;
    assert_eq!(&cr[..4], &[3, 1, 64, 2]);
    assert_eq!(&cr[4..12], &[0, 6, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]);
    Ok(())
}

#[tokio::test]
async fn a_hello_verify_request_gets_the_same_shaped_hello_with_the_cookie() -> Result<()> {
    let client: Arc<dyn HelloShaper> = Arc::new(TestShaper {
        skip_hello_verify: true,
    });
    let server: Arc<dyn HelloShaper> = Arc::new(TestShaper {
        skip_hello_verify: false,
    });
    let (by_client, by_server) = handshake(config(Some(client))?, config(Some(server))?).await?;
    let server_types: Vec<u8> = handshake_messages(&by_server)
        .iter()
        .map(|(_, t, _)| *t)
        .collect();
    assert_eq!(server_types[0], 3, "HelloVerifyRequest");
    let hellos: Vec<Vec<u8>> = handshake_messages(&by_client)
        .into_iter()
        .filter(|(_, t, _)| *t == 1)
        .map(|(_, _, b)| b)
        .collect();
    assert!(hellos.len() >= 2);
    let (first, second) = (
        parse_client_hello(&hellos[0]),
        parse_client_hello(&hellos[1]),
    );
    assert!(first.cookie.is_empty());
    assert_eq!(second.cookie.len(), 20);
    assert_eq!(first.random, second.random);
    assert_eq!(first.suites, second.suites);
    assert_eq!(first.extensions, second.extensions);
    Ok(())
}

#[tokio::test]
async fn unshaped_peers_still_interoperate_with_shaped_ones() -> Result<()> {
    let shaper: Arc<dyn HelloShaper> = Arc::new(TestShaper {
        skip_hello_verify: true,
    });
    handshake(config(Some(Arc::clone(&shaper)))?, config(None)?).await?;
    handshake(config(None)?, config(Some(shaper))?).await?;
    Ok(())
}

#[tokio::test]
async fn a_registered_shaper_is_found_by_certificate_and_forgotten_when_dropped() -> Result<()> {
    let client = config(None)?;
    let der = client.certificates[0].certificate[0].as_ref().to_vec();
    let registration = register(
        &der,
        Arc::new(TestShaper {
            skip_hello_verify: true,
        }),
    );
    assert!(lookup(&der).is_some());
    let (by_client, _) = handshake(client.clone(), config(None)?).await?;
    assert_eq!(handshake_messages(&by_client)[0].0, [0xfe, 0xff]);
    drop(registration);
    assert!(lookup(&der).is_none());
    let (by_client, _) = handshake(client, config(None)?).await?;
    assert_eq!(handshake_messages(&by_client)[0].0, [0xfe, 0xfd]);
    Ok(())
}

#[tokio::test]
async fn no_server_name_unless_the_certificate_is_verified() -> Result<()> {
    // insecure_skip_verify (as WebRTC sets it): no SNI even without a shaper.
    let (by_client, _) = handshake(config(None)?, config(None)?).await?;
    let hello = parse_client_hello(&handshake_messages(&by_client)[0].2);
    assert!(!hello.extensions.contains(&EXT_SERVER_NAME));

    // A verifying client still names the server (the handshake itself fails
    // on the self-signed certificate; only the hello matters here).
    let (a, b) = pipe();
    let (a, sent) = recording(a);
    let mut client = config(None)?;
    client.insecure_skip_verify = false;
    let server = config(None)?;
    let _server =
        tokio::spawn(async move { DTLSConn::new(Arc::new(b), server, false, None).await });
    let _ =
        tokio::time::timeout(Duration::from_secs(5), DTLSConn::new(a, client, true, None)).await;
    let hello = parse_client_hello(&handshake_messages(&sent)[0].2);
    assert!(hello.extensions.contains(&EXT_SERVER_NAME));
    Ok(())
}

#[test]
fn the_random_carries_no_clock() {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let near_now = (0..8).all(|_| {
        let mut random = HandshakeRandom::default();
        random.populate();
        let mut bytes = vec![];
        random.marshal(&mut bytes).unwrap();
        let secs = u64::from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
        secs.abs_diff(now) < 86_400
    });
    assert!(
        !near_now,
        "the first four bytes of the Random follow the clock"
    );
}

#[test]
fn the_gcm_explicit_nonce_is_epoch_and_sequence() -> Result<()> {
    let gcm = CryptoGcm::new(&[1; 16], &[2; 4], &[3; 16], &[4; 4]);
    let header = RecordLayerHeader {
        content_type: crate::content::ContentType::ApplicationData,
        protocol_version: PROTOCOL_VERSION1_2,
        epoch: 1,
        sequence_number: 0x0102_0304_0506,
        content_len: 5,
    };
    let mut raw = vec![];
    header.marshal(&mut raw)?;
    raw.extend_from_slice(b"hello");
    let sealed = gcm.encrypt(&header, &raw)?;
    assert_eq!(&sealed[13..21], &[0, 1, 1, 2, 3, 4, 5, 6]);
    Ok(())
}

fn client_hello_with_extension_block(block: &[u8]) -> Vec<u8> {
    let mut body = vec![0xfe, 0xfd];
    body.extend_from_slice(&[9; 32]);
    body.push(0); // session id
    body.push(0); // cookie
    body.extend_from_slice(&[0, 2, 0xc0, 0x2b]);
    body.extend_from_slice(&[1, 0]);
    body.extend_from_slice(&u16::try_from(block.len()).unwrap().to_be_bytes());
    body.extend_from_slice(block);
    body
}

#[test]
fn a_truncated_extension_is_an_error_not_a_panic() {
    for block in [
        &[0x00][..],
        &[0x00, 0x0a, 0x00],
        &[0x00, 0x0a, 0x00, 0x09, 0x00],
    ] {
        let body = client_hello_with_extension_block(block);
        assert!(HandshakeMessageClientHello::unmarshal(&mut &body[..]).is_err());
    }
}

#[test]
fn unknown_extensions_are_kept_raw() -> Result<()> {
    let block = [
        0x00, 0x2b, 0x00, 0x03, 0x02, 0xfe, 0xfc, 0x0a, 0x0a, 0x00, 0x00,
    ];
    let body = client_hello_with_extension_block(&block);
    let hello = HandshakeMessageClientHello::unmarshal(&mut &body[..])?;
    let peer = crate::flight::shaping::peer_hello(&hello);
    assert!(peer.offers_dtls13());
    assert_eq!(peer.extensions.len(), 2);
    assert_eq!(peer.extensions[1], RawExtension::new(0x0a0a, vec![]));
    Ok(())
}

#[test]
fn a_client_hello_with_a_session_id_parses() -> Result<()> {
    let mut body = client_hello_with_extension_block(&[]);
    body[34] = 32;
    body.splice(35..35, [5u8; 32]);
    let hello = HandshakeMessageClientHello::unmarshal(&mut &body[..])?;
    assert_eq!(hello.cipher_suites.len(), 1);
    Ok(())
}

#[tokio::test]
async fn aes_128_cbc_sha_completes_a_handshake() -> Result<()> {
    use crate::cipher_suite::CipherSuiteId;
    for suite in [
        CipherSuiteId::Tls_Ecdhe_Ecdsa_With_Aes_128_Cbc_Sha,
        CipherSuiteId::Tls_Ecdhe_Ecdsa_With_Aes_256_Cbc_Sha,
    ] {
        let mut client = config(None)?;
        client.cipher_suites = vec![suite];
        let (_, by_server) = handshake(client, config(None)?).await?;
        let server_hello = handshake_messages(&by_server)
            .into_iter()
            .find(|(_, t, _)| *t == 2)
            .map(|(_, _, b)| parse_server_hello(&b))
            .expect("ServerHello");
        assert_eq!(server_hello.suites, vec![suite as u16]);
    }
    Ok(())
}

#[test]
fn a_cbc_record_too_short_for_its_mac_is_an_error_not_a_panic() -> Result<()> {
    use crate::crypto::crypto_cbc::CryptoCbc;
    for key_len in [16, 32] {
        let cbc = CryptoCbc::new(&vec![1; key_len], &[2; 20], &vec![1; key_len], &[2; 20])?;
        let header = RecordLayerHeader {
            content_type: crate::content::ContentType::ApplicationData,
            protocol_version: PROTOCOL_VERSION1_2,
            epoch: 1,
            sequence_number: 1,
            content_len: 0,
        };
        // One block whose plaintext is all padding (sixteen 0x0f): valid
        // padding, nothing left for the 20-byte MAC.
        let mut block = aes::cipher::generic_array::GenericArray::from([0x0fu8; 16]);
        if key_len == 16 {
            use aes::cipher::{BlockEncrypt, KeyInit};
            aes::Aes128::new_from_slice(&[1; 16]).unwrap().encrypt_block(&mut block);
        } else {
            use aes::cipher::{BlockEncrypt, KeyInit};
            aes::Aes256::new_from_slice(&[1; 32]).unwrap().encrypt_block(&mut block);
        }
        let mut short = vec![];
        RecordLayerHeader {
            content_len: 32,
            ..header
        }
        .marshal(&mut short)?;
        short.extend_from_slice(&[0; 16]); // IV
        short.extend_from_slice(&block);
        assert!(cbc.decrypt(&short).is_err());
    }
    Ok(())
}
