//! The tokio smux session over in-memory pipes: Rust session against Rust
//! session, and against a hand-driven raw peer that sends exact frames.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use snowflake_common::kcp::MemoryBudget;
use snowflake_common::smux::{
    Command, Config, DecodeEvent, Frame, FrameDecoder, FrameError, Session, SessionError, Stream,
};
use snowflake_testkit::pattern::go_smux_pattern as pattern;
use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::{timeout, Instant};

/// Hang guard for tests on real time; never an expected outcome.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn pair() -> (Session, Session) {
    let (a, b) = duplex(64 * 1024);
    let client = Session::client(a, Config::snowflake_client()).unwrap();
    let server = Session::server(b, Config::snowflake_server()).unwrap();
    (client, server)
}

/// Writes `data` to the stream and shuts it down, while reading everything
/// the peer sends back until EOF. Returns what was read.
async fn exchange(stream: Stream, data: Vec<u8>) -> Vec<u8> {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let write = async move {
        writer.write_all(&data).await.unwrap();
        writer.shutdown().await.unwrap();
        writer
    };
    let read = async move {
        let mut received = Vec::new();
        reader.read_to_end(&mut received).await.unwrap();
        received
    };
    let (_writer, received) = tokio::join!(write, read);
    received
}

/// Echoes every accepted stream until the session ends.
fn spawn_echo_server(server: Session) {
    tokio::spawn(async move {
        while let Ok(stream) = server.accept_stream().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = tokio::io::split(stream);
                tokio::io::copy(&mut reader, &mut writer).await.unwrap();
                writer.shutdown().await.unwrap();
            });
        }
    });
}

#[tokio::test]
async fn open_accept_and_talk() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    assert_eq!(a.id(), 3);
    a.write_all(b"hello").await.unwrap();
    let mut b = timeout(HANG_GUARD, server.accept_stream())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.id(), 3);
    let mut buf = [0u8; 5];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello");
    b.write_all(b"world").await.unwrap();
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"world");
    assert_eq!(client.open_stream().await.unwrap().id(), 5);
}

#[tokio::test]
async fn megabytes_both_ways_on_one_stream() {
    let (client, server) = pair();
    let up = pattern(6 << 20, 1);
    let down = pattern(5 << 20, 2);
    let expected_up = sha256(&up);
    let expected_down = sha256(&down);
    let server_task = tokio::spawn(async move {
        let stream = server.accept_stream().await.unwrap();
        let received = exchange(stream, down).await;
        assert_eq!(sha256(&received), expected_up);
        server
    });
    let stream = client.open_stream().await.unwrap();
    let received = timeout(HANG_GUARD, exchange(stream, up)).await.unwrap();
    assert_eq!(received.len(), 5 << 20);
    assert_eq!(sha256(&received), expected_down);
    timeout(HANG_GUARD, server_task).await.unwrap().unwrap();
}

#[tokio::test]
async fn many_streams_at_once() {
    let (client, server) = pair();
    spawn_echo_server(server);
    let mut tasks = Vec::new();
    for i in 0..40u64 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let data = pattern(200_000 + i as usize * 1000, i);
            let stream = client.open_stream().await.unwrap();
            let echoed = exchange(stream, data.clone()).await;
            assert_eq!(sha256(&echoed), sha256(&data));
        }));
    }
    for task in tasks {
        timeout(HANG_GUARD, task).await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn half_close_client_first_then_server() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    a.write_all(b"request").await.unwrap();
    a.shutdown().await.unwrap();
    assert!(a.write_all(b"late").await.is_err());

    let mut b = server.accept_stream().await.unwrap();
    let mut request = Vec::new();
    timeout(HANG_GUARD, b.read_to_end(&mut request))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(request, b"request");
    // The server can still answer, within the window it has.
    let response = pattern(200_000, 3);
    let expected = sha256(&response);
    b.write_all(&response).await.unwrap();
    b.shutdown().await.unwrap();
    let mut received = Vec::new();
    timeout(HANG_GUARD, a.read_to_end(&mut received))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sha256(&received), expected);
}

/// As in Go smux: after the peer's FIN, a write that has to wait for a
/// window update fails (a Go peer never sends one after FIN) instead of
/// hanging forever.
#[tokio::test]
async fn write_beyond_window_after_peer_fin_fails() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    a.write_all(b"x").await.unwrap();
    let mut b = server.accept_stream().await.unwrap();
    let mut one = [0u8; 1];
    b.read_exact(&mut one).await.unwrap();
    // Make sure the server stream saw the client's FIN before writing.
    a.shutdown().await.unwrap();
    assert_eq!(b.read(&mut one).await.unwrap(), 0);
    let big = vec![0u8; 2 << 20];
    let err = timeout(HANG_GUARD, b.write_all(&big))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
}

#[tokio::test]
async fn half_close_server_first_then_client() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    a.write_all(b"x").await.unwrap();
    let mut b = server.accept_stream().await.unwrap();
    b.write_all(b"greeting").await.unwrap();
    b.shutdown().await.unwrap();
    let mut greeting = Vec::new();
    a.read_to_end(&mut greeting).await.unwrap();
    assert_eq!(greeting, b"greeting");
    a.write_all(b"yz").await.unwrap();
    a.shutdown().await.unwrap();
    let mut rest = Vec::new();
    timeout(HANG_GUARD, b.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rest, b"xyz");
}

#[tokio::test]
async fn dropped_stream_reads_as_eof_at_the_peer() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    a.write_all(b"last words").await.unwrap();
    drop(a);
    let mut b = server.accept_stream().await.unwrap();
    let mut data = Vec::new();
    timeout(HANG_GUARD, b.read_to_end(&mut data))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(data, b"last words");
    assert!(client.num_streams() == 0);
}

#[tokio::test]
async fn closing_the_session_ends_both_sides() {
    let (client, server) = pair();
    let mut a = client.open_stream().await.unwrap();
    a.write_all(b"hi").await.unwrap();
    let mut b = server.accept_stream().await.unwrap();
    client.close().await;
    assert_eq!(client.close_reason(), Some(SessionError::Closed));
    assert!(a.write_all(b"x").await.is_err());
    assert!(client.open_stream().await.is_err());
    assert_eq!(
        timeout(HANG_GUARD, server.closed()).await.unwrap(),
        SessionError::TransportClosed
    );
    let mut buf = Vec::new();
    let err = b.read_to_end(&mut buf).await.unwrap_err();
    assert_eq!(buf, b"hi", "data before the end is still delivered");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(server.accept_stream().await.is_err());
}

#[tokio::test]
async fn dropping_every_handle_ends_the_session() {
    let (client, server) = pair();
    let stream = client.open_stream().await.unwrap();
    let watcher = server.clone();
    drop(client);
    // A live stream keeps the session running.
    let mut accepted = server.accept_stream().await.unwrap();
    drop(stream);
    let mut buf = Vec::new();
    accepted.read_to_end(&mut buf).await.unwrap();
    assert_eq!(
        timeout(HANG_GUARD, watcher.closed()).await.unwrap(),
        SessionError::TransportClosed
    );
}

// ---- against a raw peer ---------------------------------------------------

/// The far end of a session's transport, speaking frames by hand.
struct RawPeer {
    io: DuplexStream,
    decoder: FrameDecoder,
    pending: BytesMut,
    psh: Option<(u32, Vec<u8>)>,
}

impl RawPeer {
    fn new(io: DuplexStream) -> Self {
        Self {
            io,
            decoder: FrameDecoder::new(),
            pending: BytesMut::new(),
            psh: None,
        }
    }

    async fn send(&mut self, frames: &[Frame]) {
        let mut out = BytesMut::new();
        for frame in frames {
            frame.encode(&mut out).unwrap();
        }
        self.io.write_all(&out).await.unwrap();
    }

    /// Next whole frame from the session; `None` at EOF.
    async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            while !self.pending.is_empty() {
                let (used, event) = self.decoder.decode(&self.pending).unwrap();
                let frame = match event {
                    None => None,
                    Some(DecodeEvent::Syn { sid }) => Some(Frame::Syn { sid }),
                    Some(DecodeEvent::Fin { sid }) => Some(Frame::Fin { sid }),
                    Some(DecodeEvent::Nop) => Some(Frame::Nop),
                    Some(DecodeEvent::Upd {
                        sid,
                        consumed,
                        window,
                    }) => Some(Frame::Upd {
                        sid,
                        consumed,
                        window,
                    }),
                    Some(DecodeEvent::PshData {
                        sid,
                        data,
                        remaining,
                    }) => {
                        self.psh
                            .get_or_insert_with(|| (sid, Vec::new()))
                            .1
                            .extend_from_slice(data);
                        if remaining == 0 {
                            let (sid, data) = self.psh.take().unwrap();
                            Some(Frame::Psh {
                                sid,
                                data: data.into(),
                            })
                        } else {
                            None
                        }
                    }
                };
                let _ = self.pending.split_to(used);
                if frame.is_some() {
                    return frame;
                }
            }
            let mut buf = [0u8; 65536];
            let n = self.io.read(&mut buf).await.unwrap();
            if n == 0 {
                return None;
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    /// Next frame that is not a keepalive.
    async fn next_non_nop(&mut self) -> Option<Frame> {
        loop {
            match self.next_frame().await {
                Some(Frame::Nop) => continue,
                other => return other,
            }
        }
    }
}

fn psh(sid: u32, data: &[u8]) -> Frame {
    Frame::Psh {
        sid,
        data: Bytes::copy_from_slice(data),
    }
}

fn raw_server() -> (Session, RawPeer) {
    let (a, b) = duplex(64 * 1024);
    (
        Session::server(a, Config::snowflake_server()).unwrap(),
        RawPeer::new(b),
    )
}

fn raw_client() -> (Session, RawPeer) {
    let (a, b) = duplex(64 * 1024);
    (
        Session::client(a, Config::snowflake_client()).unwrap(),
        RawPeer::new(b),
    )
}

#[tokio::test]
async fn upd_sent_on_first_read_and_then_after_half_the_buffer() {
    let (session, mut peer) = raw_server();
    peer.send(&[Frame::Syn { sid: 3 }, psh(3, &[1; 10])]).await;
    let mut stream = session.accept_stream().await.unwrap();
    let mut buf = vec![0u8; 600_000];
    stream.read_exact(&mut buf[..4]).await.unwrap();
    assert_eq!(
        peer.next_non_nop().await,
        Some(Frame::Upd {
            sid: 3,
            consumed: 4,
            window: 1_048_576
        })
    );
    stream.read_exact(&mut buf[..6]).await.unwrap();
    // Send 524288 more bytes (more than the initial window is fine: we
    // track what the peer sends, not what we allowed).
    for _ in 0..16 {
        peer.send(&[psh(3, &[2; 32_768])]).await;
    }
    stream.read_exact(&mut buf[..524_281]).await.unwrap();
    // No UPD yet: the marker PSH we write now is the next frame.
    stream.write_all(b"marker").await.unwrap();
    assert_eq!(peer.next_non_nop().await, Some(psh(3, b"marker")));
    stream.read_exact(&mut buf[..1]).await.unwrap();
    assert_eq!(
        peer.next_non_nop().await,
        Some(Frame::Upd {
            sid: 3,
            consumed: 10 + 524_282,
            window: 1_048_576
        })
    );
}

#[tokio::test(start_paused = true)]
async fn writer_blocks_on_full_window_and_resumes_on_upd() {
    let (session, mut peer) = raw_client();
    let mut stream = session.open_stream().await.unwrap();
    let data = pattern(300_000, 4);
    let expected = data.clone();
    let writer = tokio::spawn(async move {
        stream.write_all(&data).await.unwrap();
        stream
    });
    assert_eq!(peer.next_non_nop().await, Some(Frame::Syn { sid: 3 }));
    let mut received = Vec::new();
    while received.len() < 262_144 {
        match peer.next_non_nop().await {
            Some(Frame::Psh { sid: 3, data }) => {
                assert!(data.len() <= 32_768);
                received.extend_from_slice(&data);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(received.len(), 262_144, "exactly the initial window");
    // Nothing more arrives (only keepalives) while the window is closed.
    let idle = timeout(Duration::from_secs(60), peer.next_non_nop()).await;
    assert!(idle.is_err(), "got {idle:?}");
    assert!(!writer.is_finished());
    peer.send(&[Frame::Upd {
        sid: 3,
        consumed: 262_144,
        window: 1_048_576,
    }])
    .await;
    while received.len() < expected.len() {
        match peer.next_non_nop().await {
            Some(Frame::Psh { sid: 3, data }) => received.extend_from_slice(&data),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(received, expected);
    writer.await.unwrap();
}

/// A peer that ignores our window and never lets us catch up: we stop
/// reading the transport after about MaxReceiveBuffer.
#[tokio::test(start_paused = true)]
async fn peer_flooding_an_unread_stream_is_stopped_by_the_bucket() {
    let (session, mut peer) = raw_server();
    peer.send(&[Frame::Syn { sid: 3 }]).await;
    let _stream = session.accept_stream().await.unwrap();
    let mut frame = BytesMut::new();
    psh(3, &[0; 65_535]).encode(&mut frame).unwrap();
    let mut sent = 0usize;
    loop {
        match timeout(Duration::from_secs(5), peer.io.write_all(&frame)).await {
            Ok(result) => {
                result.unwrap();
                sent += frame.len();
            }
            Err(_) => break,
        }
        assert!(sent < 64 << 20, "session never stopped reading");
    }
    // Bucket (4 MiB) + one frame of overshoot + driver read buffer + pipe.
    assert!(sent >= 4_194_304, "{sent}");
    assert!(sent <= 4_194_304 + 3 * 65_543 + 64 * 1024, "{sent}");
    assert!(!session.is_closed());
}

/// A server session charged to a memory budget: what the peer sent and the
/// application has not read is charged, given back as it is read, and all
/// of it when the session ends.
#[tokio::test]
async fn a_charged_session_holds_its_unread_data_in_the_budget() {
    let budget = MemoryBudget::new(64 << 20);
    let (a, b) = duplex(64 * 1024);
    let client = Session::client(a, Config::snowflake_client()).unwrap();
    let server = Session::server_charged(b, Config::snowflake_server(), &budget).unwrap();
    let mut sent = client.open_stream().await.unwrap();
    // Within the initial window (256 KiB), so that it all arrives unread.
    let data = pattern(200_000, 7);
    sent.write_all(&data).await.unwrap();
    let mut received = timeout(HANG_GUARD, server.accept_stream())
        .await
        .unwrap()
        .unwrap();
    // Unread, it is all charged (with the driver's read buffer).
    timeout(HANG_GUARD, async {
        while budget.used() < data.len() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("charged {} of {}", budget.used(), data.len()));
    assert!(
        budget.used() <= data.len() + 64 * 1024 + 65_543,
        "{}",
        budget.used()
    );
    let mut back = vec![0u8; data.len()];
    received.read_exact(&mut back).await.unwrap();
    assert_eq!(sha256(&back), sha256(&data));
    // The next frame in runs the driver, which gives the read data back.
    sent.write_all(b"x").await.unwrap();
    let mut one = [0u8; 1];
    received.read_exact(&mut one).await.unwrap();
    timeout(HANG_GUARD, async {
        while budget.used() > 64 * 1024 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("still charged {} after reading", budget.used()));
    drop((sent, received, client, server));
    timeout(HANG_GUARD, async {
        while budget.used() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("still charged {} after the end", budget.used()));
}

/// With no room left in the budget, a charged session still delivers its
/// stream whole, reading in small bites: its read buffer does not grow
/// beyond its starting size (which the session's fixed cost covers), so
/// once the data is read the session holds nothing in the budget.
#[tokio::test]
async fn a_charged_session_without_room_reads_in_small_bites() {
    let budget = MemoryBudget::new(1 << 20);
    let hog = budget.try_charge(1 << 20).expect("the whole budget");
    let (a, b) = duplex(64 * 1024);
    let client = Session::client(a, Config::snowflake_client()).unwrap();
    let server = Session::server_charged(b, Config::snowflake_server(), &budget).unwrap();
    let mut sent = client.open_stream().await.unwrap();
    let data = pattern(200_000, 9);
    sent.write_all(&data).await.unwrap();
    let mut received = timeout(HANG_GUARD, server.accept_stream())
        .await
        .unwrap()
        .unwrap();
    let mut back = vec![0u8; data.len()];
    timeout(HANG_GUARD, received.read_exact(&mut back))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sha256(&back), sha256(&data));
    sent.write_all(b"x").await.unwrap();
    let mut one = [0u8; 1];
    received.read_exact(&mut one).await.unwrap();
    // Everything read: only the hog's charge is left (a grown read buffer
    // would still be charged here, as in the test above).
    timeout(HANG_GUARD, async {
        while budget.used() > hog.bytes() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("charged {} beyond the hog", budget.used() - hog.bytes()));
    drop((sent, received, client, server, hog));
}

/// A peer that grants a huge window but never reads the transport: our
/// writer blocks after a bounded amount instead of queueing everything.
#[tokio::test(start_paused = true)]
async fn peer_not_reading_the_transport_blocks_our_writer() {
    let (session, mut peer) = raw_client();
    let mut stream = session.open_stream().await.unwrap();
    peer.send(&[Frame::Upd {
        sid: 3,
        consumed: 0,
        window: u32::MAX,
    }])
    .await;
    let chunk = vec![0u8; 1 << 20];
    let mut accepted = 0usize;
    loop {
        match timeout(Duration::from_secs(5), stream.write(&chunk)).await {
            Ok(result) => accepted += result.unwrap(),
            Err(_) => break,
        }
        assert!(accepted < 64 << 20, "writer never blocked");
    }
    // Two output buffers of at most 128 KiB each plus the pipe.
    assert!(accepted <= 4 * 65_536 + 64 * 1024 + 4096, "{accepted}");
}

#[tokio::test(start_paused = true)]
async fn keepalive_nops_are_sent_every_interval() {
    let (_session, mut peer) = raw_server();
    let start = Instant::now();
    for n in 1..=3u32 {
        assert_eq!(peer.next_frame().await, Some(Frame::Nop));
        assert_eq!(start.elapsed(), Duration::from_secs(10) * n);
    }
}

#[tokio::test(start_paused = true)]
async fn silent_peer_times_out() {
    let (session, mut peer) = raw_server();
    let start = Instant::now();
    // Drain our NOPs so the pipe never fills, but send nothing.
    let _reader = tokio::spawn(async move { while peer.next_frame().await.is_some() {} });
    let reason = session.closed().await;
    assert_eq!(
        reason,
        SessionError::KeepAliveTimeout(Duration::from_secs(240))
    );
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(240) && elapsed <= Duration::from_secs(480));
}

#[tokio::test(start_paused = true)]
async fn peer_keepalives_keep_the_session_open() {
    let (session, mut peer) = raw_server();
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        peer.send(&[Frame::Nop]).await;
        // Drain our own NOPs.
        while let Ok(Some(_)) = timeout(Duration::from_millis(1), peer.next_frame()).await {}
    }
    assert!(!session.is_closed(), "{:?}", session.close_reason());
}

#[tokio::test]
async fn each_malformed_frame_kind_ends_the_session() {
    let cases: Vec<(&[u8], FrameError)> = vec![
        (&[1, 0, 0, 0, 5, 0, 0, 0], FrameError::BadVersion(1)),
        (&[2, 7, 0, 0, 5, 0, 0, 0], FrameError::UnknownCommand(7)),
        (
            &[2, 0, 1, 0, 5, 0, 0, 0, 0],
            FrameError::BadLength {
                cmd: Command::Syn,
                length: 1,
                expected: 0,
            },
        ),
        (
            &[2, 1, 2, 0, 3, 0, 0, 0, 0, 0],
            FrameError::BadLength {
                cmd: Command::Fin,
                length: 2,
                expected: 0,
            },
        ),
        (
            &[2, 3, 1, 0, 0, 0, 0, 0, 0],
            FrameError::BadLength {
                cmd: Command::Nop,
                length: 1,
                expected: 0,
            },
        ),
        (
            &[2, 4, 4, 0, 3, 0, 0, 0, 0, 0, 0, 0],
            FrameError::BadLength {
                cmd: Command::Upd,
                length: 4,
                expected: 8,
            },
        ),
    ];
    for (bytes, expected) in cases {
        let (session, mut peer) = raw_server();
        peer.send(&[Frame::Syn { sid: 3 }]).await;
        let mut stream = session.accept_stream().await.unwrap();
        peer.io.write_all(bytes).await.unwrap();
        let reason = timeout(HANG_GUARD, session.closed()).await.unwrap();
        assert_eq!(reason, SessionError::Protocol(expected));
        let err = stream.read(&mut [0u8; 4]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        // The transport was shut down.
        while peer.next_frame().await.is_some() {}
    }
}

#[tokio::test]
async fn truncated_frame_at_eof_is_reported() {
    let (session, mut peer) = raw_server();
    peer.io
        .write_all(&[2, 2, 9, 0, 3, 0, 0, 0, 1, 2])
        .await
        .unwrap();
    peer.io.shutdown().await.unwrap();
    assert_eq!(
        timeout(HANG_GUARD, session.closed()).await.unwrap(),
        SessionError::TruncatedFrame
    );
}

#[tokio::test]
async fn frames_for_unknown_streams_are_ignored() {
    let (session, mut peer) = raw_server();
    peer.send(&[
        psh(41, b"nobody"),
        Frame::Fin { sid: 41 },
        Frame::Upd {
            sid: 41,
            consumed: 9,
            window: 9,
        },
        Frame::Syn { sid: 3 },
        Frame::Syn { sid: 3 },
        psh(3, b"data"),
        Frame::Fin { sid: 3 },
    ])
    .await;
    let mut stream = session.accept_stream().await.unwrap();
    let mut data = Vec::new();
    stream.read_to_end(&mut data).await.unwrap();
    assert_eq!(data, b"data");
    assert_eq!(session.num_streams(), 1, "the duplicate SYN made no stream");
    assert!(!session.is_closed());
}

#[tokio::test]
async fn our_fin_reaches_the_peer_after_the_data() {
    let (session, mut peer) = raw_client();
    let mut stream = session.open_stream().await.unwrap();
    stream.write_all(b"abc").await.unwrap();
    stream.shutdown().await.unwrap();
    assert_eq!(peer.next_non_nop().await, Some(Frame::Syn { sid: 3 }));
    assert_eq!(peer.next_non_nop().await, Some(psh(3, b"abc")));
    assert_eq!(peer.next_non_nop().await, Some(Frame::Fin { sid: 3 }));
    drop(stream);
    // No second FIN on drop: the next frame is the new stream's SYN.
    let _second = session.open_stream().await.unwrap();
    assert_eq!(peer.next_non_nop().await, Some(Frame::Syn { sid: 5 }));
}

#[test]
fn handles_can_move_between_tasks() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Session>();
    assert_send_sync::<Stream>();
    assert_send_sync::<SessionError>();
}
