//! DTLS handshake flights lost on the way between two in-process peers:
//! the connection must still open, by retransmission, and carry data both
//! ways.
//!
//! The client (offerer, the DTLS server, with the covert browser-like
//! handshake) sends and receives everything through a [`PacketSocket`] of
//! ours: a UDP socket on 127.0.0.1 that drops chosen datagrams, outgoing
//! (`send_to`: the client's ServerHello flight and last flight) or incoming
//! (`recv_from`: the proxy's ClientHello and flight 5). The proxy
//! (answerer, the DTLS client) uses the system's sockets on loopback.
//! Nothing leaves 127.0.0.1: the socket refuses any other destination.
//!
//! Only datagrams holding DTLS handshake or ChangeCipherSpec records are
//! ever dropped; STUN and SCTP (application data) always pass.

use std::fmt::Write as _;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use snowflake_common::messages::SessionDescription;
use snowflake_rtc::channel::BoxFuture;
use snowflake_rtc::sdp::only_loopback_candidates;
use snowflake_rtc::{
    default_backend, BrowserFamily, CovertDtlsConfig, CovertDtlsMode, PacketSocket,
    PacketSocketFactory, RtcChannel, RtcConfig,
};
use snowflake_testkit::pattern::pattern;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// Hang guard for one connection setup or transfer; never reached when
/// the handshake recovers from the loss.
const GUARD: Duration = Duration::from_secs(60);

/// DTLS content types.
const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
/// DTLS handshake message types.
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const CERTIFICATE: u8 = 11;
const SERVER_KEY_EXCHANGE: u8 = 12;
const CERTIFICATE_REQUEST: u8 = 13;
const SERVER_HELLO_DONE: u8 = 14;
const CERTIFICATE_VERIFY: u8 = 15;
const CLIENT_KEY_EXCHANGE: u8 = 16;

/// Which way a datagram goes, seen from the client (offerer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Client to proxy (`send_to`): the DTLS server's flights.
    Out,
    /// Proxy to client (`recv_from`): the DTLS client's flights.
    In,
}

/// One DTLS record of a datagram.
#[derive(Debug, Clone, Copy)]
struct Record {
    content_type: u8,
    epoch: u16,
    /// Epoch-0 handshake records: the message type and whether this is
    /// the message's first fragment.
    handshake: Option<(u8, bool)>,
}

/// The DTLS records of a datagram; empty when it is not DTLS (STUN starts
/// with 0x00 or 0x01). Parsing stops at the first thing that is not a
/// DTLS 1.0/1.2 record header.
fn records(datagram: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while rest.len() >= 13 {
        let content_type = rest[0];
        let version_ok = rest[1] == 0xfe && (rest[2] == 0xfd || rest[2] == 0xff);
        if !(20..=23).contains(&content_type) || !version_ok {
            break;
        }
        let epoch = u16::from_be_bytes([rest[3], rest[4]]);
        let len = usize::from(u16::from_be_bytes([rest[11], rest[12]]));
        let Some(body) = rest.get(13..13 + len) else {
            break;
        };
        let handshake = (content_type == HANDSHAKE && epoch == 0 && body.len() >= 12)
            .then(|| (body[0], body[6..9] == [0, 0, 0]));
        out.push(Record {
            content_type,
            epoch,
            handshake,
        });
        rest = &rest[13 + len..];
    }
    out
}

fn has_message(records: &[Record], types: &[u8]) -> bool {
    records
        .iter()
        .any(|r| matches!(r.handshake, Some((t, _)) if types.contains(&t)))
}

fn starts_message(records: &[Record], typ: u8) -> bool {
    records.iter().any(|r| r.handshake == Some((typ, true)))
}

fn has_change_cipher_spec(records: &[Record]) -> bool {
    records.iter().any(|r| r.content_type == CHANGE_CIPHER_SPEC)
}

fn has_encrypted_handshake(records: &[Record]) -> bool {
    records
        .iter()
        .any(|r| r.content_type == HANDSHAKE && r.epoch > 0)
}

/// A datagram the handshake is made of: handshake or ChangeCipherSpec.
fn is_handshake_datagram(records: &[Record]) -> bool {
    records
        .iter()
        .any(|r| r.content_type == HANDSHAKE || r.content_type == CHANGE_CIPHER_SPEC)
}

fn describe(records: &[Record]) -> String {
    let mut text = String::new();
    for r in records {
        let _ = match (r.content_type, r.handshake) {
            (HANDSHAKE, Some((t, true))) => write!(text, " hs{t}"),
            (HANDSHAKE, Some((t, false))) => write!(text, " hs{t}+"),
            (HANDSHAKE, None) => write!(text, " hs(epoch {})", r.epoch),
            (CHANGE_CIPHER_SPEC, _) => write!(text, " ccs"),
            (ALERT, _) => write!(text, " alert(epoch {})", r.epoch),
            (t, _) => write!(text, " type{t}(epoch {})", r.epoch),
        };
    }
    text
}

/// What gets lost.
#[derive(Clone, Copy)]
enum Loss {
    /// The first `times` transmissions of one flight in one direction: a
    /// transmission starts with a datagram for which `first` holds and
    /// covers it and the datagrams for which `member` holds until the
    /// next start.
    Flight {
        direction: Direction,
        first: fn(&[Record]) -> bool,
        member: fn(&[Record]) -> bool,
        times: u32,
    },
    /// Each handshake datagram, either way, with this chance in percent,
    /// drawn from a generator with this seed.
    Random { seed: u64, percent: u64 },
}

/// The drop decisions and what the socket saw.
struct LossState {
    loss: Loss,
    started: Instant,
    /// Transmissions of the chosen flight seen so far.
    transmissions: u32,
    /// Transmissions of which at least one datagram was dropped.
    dropped_transmissions: u32,
    dropped_datagrams: u32,
    rng: u64,
    /// Whether a DTLS record went by (STUN is logged until then).
    dtls_seen: bool,
    log: String,
}

impl LossState {
    fn new(loss: Loss) -> Self {
        let rng = match loss {
            Loss::Random { seed, .. } => seed,
            Loss::Flight { .. } => 0,
        };
        LossState {
            loss,
            started: Instant::now(),
            transmissions: 0,
            dropped_transmissions: 0,
            dropped_datagrams: 0,
            rng,
            dtls_seen: false,
            log: String::new(),
        }
    }

    /// splitmix64.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Whether to drop this datagram. Logs the DTLS handshake and alerts
    /// and, until DTLS starts, ICE's STUN datagrams (never SCTP).
    fn drops(&mut self, direction: Direction, datagram: &[u8]) -> bool {
        let records = records(datagram);
        let handshake = is_handshake_datagram(&records);
        let logged = handshake
            || records.iter().any(|r| r.content_type == ALERT)
            || (records.is_empty() && !self.dtls_seen);
        self.dtls_seen |= !records.is_empty();
        let drop = handshake && self.decide(direction, &records);
        if !logged {
            return drop;
        }
        let _ = writeln!(
            self.log,
            "  {:>6} ms {} {:>5} B{}{}",
            self.started.elapsed().as_millis(),
            match direction {
                Direction::Out => "client -> proxy",
                Direction::In => "proxy -> client",
            },
            datagram.len(),
            if records.is_empty() {
                " stun".to_owned()
            } else {
                describe(&records)
            },
            if drop { "  DROPPED" } else { "" }
        );
        drop
    }

    fn decide(&mut self, direction: Direction, records: &[Record]) -> bool {
        let drop = match self.loss {
            Loss::Flight {
                direction: lossy,
                first,
                member,
                times,
            } => {
                let mut drop = false;
                if direction == lossy {
                    let starts = first(records);
                    if starts {
                        self.transmissions += 1;
                    }
                    if (starts || member(records)) && (1..=times).contains(&self.transmissions) {
                        drop = true;
                        if starts {
                            self.dropped_transmissions += 1;
                        }
                    }
                }
                drop
            }
            Loss::Random { percent, .. } => self.next_random() % 100 < percent,
        };
        if drop {
            self.dropped_datagrams += 1;
        }
        drop
    }
}

/// Opens [`LossySocket`]s sharing one [`LossState`].
struct LossyFactory {
    state: Arc<Mutex<LossState>>,
}

impl LossyFactory {
    fn new(loss: Loss) -> Arc<Self> {
        Arc::new(LossyFactory {
            state: Arc::new(Mutex::new(LossState::new(loss))),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LossState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PacketSocketFactory for LossyFactory {
    fn open(&self) -> BoxFuture<'_, io::Result<Arc<dyn PacketSocket>>> {
        Box::pin(async move {
            let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            let (closed, _) = watch::channel(false);
            Ok(Arc::new(LossySocket {
                socket,
                state: Arc::clone(&self.state),
                closed,
            }) as Arc<dyn PacketSocket>)
        })
    }
}

/// A loopback UDP socket that drops what its [`LossState`] says.
struct LossySocket {
    socket: UdpSocket,
    state: Arc<Mutex<LossState>>,
    closed: watch::Sender<bool>,
}

impl LossySocket {
    fn drops(&self, direction: Direction, datagram: &[u8]) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drops(direction, datagram)
    }
}

impl PacketSocket for LossySocket {
    fn send_to<'a>(
        &'a self,
        data: &'a [u8],
        target: SocketAddr,
    ) -> BoxFuture<'a, io::Result<usize>> {
        Box::pin(async move {
            if !target.ip().is_loopback() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("test socket sends to loopback only, not {target}"),
                ));
            }
            if *self.closed.borrow() {
                return Err(io::Error::new(io::ErrorKind::NotConnected, "closed"));
            }
            if self.drops(Direction::Out, data) {
                return Ok(data.len());
            }
            self.socket.send_to(data, target).await
        })
    }

    fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> BoxFuture<'a, io::Result<(usize, SocketAddr)>> {
        Box::pin(async move {
            let mut closed = self.closed.subscribe();
            loop {
                let (n, from) = tokio::select! {
                    received = self.socket.recv_from(buf) => received?,
                    _ = closed.wait_for(|closed| *closed) => {
                        return Err(io::Error::new(io::ErrorKind::NotConnected, "closed"));
                    }
                };
                if !self.drops(Direction::In, &buf[..n]) {
                    return Ok((n, from));
                }
            }
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.closed.send_replace(true);
        })
    }
}

/// What one lossy connection did.
struct Outcome {
    client: RtcChannel,
    proxy: RtcChannel,
    dropped_transmissions: u32,
    dropped_datagrams: u32,
}

/// Client offers through the lossy socket, proxy answers; both channels
/// open within the guard or the test fails with the handshake's trace.
async fn connect(name: &str, loss: Loss, proxy_browser: BrowserFamily) -> Outcome {
    let lossy = LossyFactory::new(loss);
    let client_config = RtcConfig::loopback().with_packet_sockets(lossy.clone());
    let proxy_config = RtcConfig::loopback().with_covert_dtls(
        CovertDtlsConfig::proxy_default()
            .with_mode(CovertDtlsMode::Mimic)
            .with_mimic_browser(proxy_browser),
    );
    let offerer = default_backend(client_config).expect("client backend");
    let answerer = default_backend(proxy_config).expect("proxy backend");
    let setup = async {
        let offer_peer = offerer.create_offer().await.expect("create offer");
        let offer = SessionDescription::from_json(&offer_peer.offer().to_json()).unwrap();
        assert!(only_loopback_candidates(&offer.sdp), "{}", offer.sdp);
        let answer_peer = answerer.answer_offer(&offer).await.expect("answer");
        let answer = SessionDescription::from_json(&answer_peer.answer().to_json()).unwrap();
        assert!(only_loopback_candidates(&answer.sdp), "{}", answer.sdp);
        assert!(answer.sdp.contains("a=setup:active"), "{}", answer.sdp);
        let started = Instant::now();
        let proxy = tokio::spawn(answer_peer.connect());
        let client = offer_peer.connect(answer).await.expect("client open");
        let proxy = proxy.await.unwrap().expect("proxy open");
        (client, proxy, started.elapsed())
    };
    let Ok((client, proxy, took)) = tokio::time::timeout(GUARD, setup).await else {
        panic!(
            "{name}: connection not open within {GUARD:?}; handshake datagrams at the client:\n{}",
            lossy.state().log
        );
    };
    let state = lossy.state();
    eprintln!(
        "{name} ({}): both channels open {took:?} after connect; \
         {} transmission(s), {} datagram(s) dropped\n{}",
        offerer.name(),
        state.dropped_transmissions,
        state.dropped_datagrams,
        state.log
    );
    Outcome {
        client,
        proxy,
        dropped_transmissions: state.dropped_transmissions,
        dropped_datagrams: state.dropped_datagrams,
    }
}

/// A few KB each way, at the same time, intact.
async fn exchange(name: &str, client: RtcChannel, proxy: RtcChannel) {
    const LEN: usize = 48 * 1024;
    let up = pattern(1, LEN);
    let down = pattern(2, LEN);
    let (mut client_rd, mut client_wr) = tokio::io::split(client);
    let (mut proxy_rd, mut proxy_wr) = tokio::io::split(proxy);
    let transfer = async {
        let write_up = async {
            client_wr.write_all(&up).await.expect("client write");
            client_wr.flush().await.expect("client flush");
        };
        let write_down = async {
            proxy_wr.write_all(&down).await.expect("proxy write");
            proxy_wr.flush().await.expect("proxy flush");
        };
        let read_up = async {
            let mut got = vec![0u8; LEN];
            proxy_rd.read_exact(&mut got).await.expect("proxy read");
            got
        };
        let read_down = async {
            let mut got = vec![0u8; LEN];
            client_rd.read_exact(&mut got).await.expect("client read");
            got
        };
        tokio::join!(write_up, write_down, read_up, read_down)
    };
    let ((), (), got_up, got_down) = tokio::time::timeout(GUARD, transfer)
        .await
        .unwrap_or_else(|_| panic!("{name}: transfer hung"));
    assert!(got_up == up, "{name}: client -> proxy data corrupted");
    assert!(got_down == down, "{name}: proxy -> client data corrupted");
}

/// Loses the first `times` transmissions of one flight, then checks that
/// they were lost and that the connection opened and works.
async fn flight_lost(
    name: &str,
    direction: Direction,
    first: fn(&[Record]) -> bool,
    member: fn(&[Record]) -> bool,
    times: u32,
) {
    let loss = Loss::Flight {
        direction,
        first,
        member,
        times,
    };
    let outcome = connect(name, loss, BrowserFamily::Chromium).await;
    assert_eq!(
        outcome.dropped_transmissions, times,
        "{name}: the flight was not seen (and lost) {times} time(s)"
    );
    assert!(outcome.dropped_datagrams >= times, "{name}");
    exchange(name, outcome.client, outcome.proxy).await;
}

fn client_hello(records: &[Record]) -> bool {
    has_message(records, &[CLIENT_HELLO])
}

fn server_hello_first(records: &[Record]) -> bool {
    starts_message(records, SERVER_HELLO)
}

fn server_hello_flight(records: &[Record]) -> bool {
    has_message(
        records,
        &[
            SERVER_HELLO,
            CERTIFICATE,
            SERVER_KEY_EXCHANGE,
            CERTIFICATE_REQUEST,
            SERVER_HELLO_DONE,
        ],
    )
}

/// Flight 5 starts with the proxy's Certificate (the client asks for one).
fn flight5_first(records: &[Record]) -> bool {
    starts_message(records, CERTIFICATE)
}

fn flight5(records: &[Record]) -> bool {
    has_message(
        records,
        &[CERTIFICATE, CLIENT_KEY_EXCHANGE, CERTIFICATE_VERIFY],
    ) || has_change_cipher_spec(records)
        || has_encrypted_handshake(records)
}

/// The client's last flight: ChangeCipherSpec and the encrypted Finished.
fn last_flight(records: &[Record]) -> bool {
    has_change_cipher_spec(records) || has_encrypted_handshake(records)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_hello_lost_once() {
    flight_lost(
        "ClientHello lost once",
        Direction::In,
        client_hello,
        client_hello,
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_hello_flight_lost_once() {
    flight_lost(
        "ServerHello flight lost once",
        Direction::Out,
        server_hello_first,
        server_hello_flight,
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_flight5_lost_once() {
    flight_lost(
        "proxy's flight 5 lost once",
        Direction::In,
        flight5_first,
        flight5,
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_last_flight_lost_once() {
    flight_lost(
        "client's last flight lost once",
        Direction::Out,
        has_change_cipher_spec,
        last_flight,
        1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_last_flight_lost_twice() {
    flight_lost(
        "client's last flight lost twice",
        Direction::Out,
        has_change_cipher_spec,
        last_flight,
        2,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_handshake_loss_with_fixed_seeds() {
    const SEEDS: u64 = 20;
    let mut dropped = 0;
    for seed in 1..=SEEDS {
        let name = format!("5 % handshake loss, seed {seed}");
        let browser = if seed % 2 == 0 {
            BrowserFamily::Firefox
        } else {
            BrowserFamily::Chromium
        };
        let loss = Loss::Random { seed, percent: 5 };
        let outcome = connect(&name, loss, browser).await;
        dropped += outcome.dropped_datagrams;
        exchange(&name, outcome.client, outcome.proxy).await;
    }
    eprintln!("5 % handshake loss: {dropped} datagrams dropped over {SEEDS} connections");
    assert!(dropped > 0, "no handshake datagram was dropped");
}

#[test]
fn records_are_classified() {
    // A ClientHello record (fragment offset 0), then a ChangeCipherSpec,
    // then an epoch-1 handshake record; STUN is not DTLS.
    let mut datagram = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12];
    datagram.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    datagram.extend_from_slice(&[20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]);
    datagram.extend_from_slice(&[22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 9, 9]);
    let found = records(&datagram);
    assert_eq!(found.len(), 3);
    assert!(client_hello(&found));
    assert!(starts_message(&found, CLIENT_HELLO));
    assert!(has_change_cipher_spec(&found));
    assert!(has_encrypted_handshake(&found));
    assert!(last_flight(&found[1..]));
    assert!(!last_flight(&found[..1]));
    assert!(!server_hello_flight(&found));
    assert!(records(&[0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0]).is_empty());
}
