//! The sans-IO smux session core, driven directly (no sockets, explicit
//! time): stream ids, the v2 UPD rule, send windows, the receive token
//! bucket, keepalive, half close and malformed input.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use snowflake_common::smux::{
    Command, Config, DecodeEvent, Frame, FrameDecoder, FrameError, ReadOutcome, Role, SessionCore,
    SessionError, StreamError, Wakeup, WriteOutcome, OUTPUT_PAUSE_LIMIT, OUTPUT_QUEUE_LIMIT,
};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn wire(frames: &[Frame]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for frame in frames {
        frame.encode(&mut out).unwrap();
    }
    out.to_vec()
}

fn psh(sid: u32, data: &[u8]) -> Frame {
    Frame::Psh {
        sid,
        data: Bytes::copy_from_slice(data),
    }
}

/// Decodes our output into whole frames.
fn decode(bytes: &[u8]) -> Vec<Frame> {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut psh_buf: Option<(u32, Vec<u8>)> = None;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (used, event) = decoder.decode(rest).unwrap();
        rest = &rest[used..];
        match event {
            None => {}
            Some(DecodeEvent::Syn { sid }) => frames.push(Frame::Syn { sid }),
            Some(DecodeEvent::Fin { sid }) => frames.push(Frame::Fin { sid }),
            Some(DecodeEvent::Nop) => frames.push(Frame::Nop),
            Some(DecodeEvent::Upd {
                sid,
                consumed,
                window,
            }) => frames.push(Frame::Upd {
                sid,
                consumed,
                window,
            }),
            Some(DecodeEvent::PshData {
                sid,
                data,
                remaining,
            }) => {
                psh_buf
                    .get_or_insert_with(|| (sid, Vec::new()))
                    .1
                    .extend_from_slice(data);
                if remaining == 0 {
                    let (sid, data) = psh_buf.take().unwrap();
                    frames.push(Frame::Psh {
                        sid,
                        data: data.into(),
                    });
                }
            }
        }
    }
    assert!(decoder.at_frame_boundary());
    frames
}

fn output(core: &mut SessionCore) -> Vec<Frame> {
    decode(&core.take_output())
}

fn server(now: Instant) -> SessionCore {
    SessionCore::new(Role::Server, Config::snowflake_server(), now).unwrap()
}

fn client(now: Instant) -> SessionCore {
    SessionCore::new(Role::Client, Config::snowflake_client(), now).unwrap()
}

/// A server core with one accepted peer stream (sid 3).
fn server_with_stream(now: Instant) -> SessionCore {
    let mut core = server(now);
    core.handle_input(&wire(&[Frame::Syn { sid: 3 }])).unwrap();
    assert_eq!(core.accept(), Some(3));
    core
}

fn read_all(core: &mut SessionCore, sid: u32, max: usize) -> (Vec<u8>, ReadOutcome) {
    let mut data = Vec::new();
    let mut buf = vec![0u8; max];
    loop {
        match core.read(sid, &mut buf).unwrap() {
            ReadOutcome::Data(n) => data.extend_from_slice(&buf[..n]),
            other => return (data, other),
        }
    }
}

#[test]
fn config_constructors_match_snowflake() {
    let client = Config::snowflake_client();
    let server = Config::snowflake_server();
    for config in [&client, &server] {
        assert_eq!(config.version, 2);
        assert_eq!(config.keep_alive_interval, Duration::from_secs(10));
        assert_eq!(config.max_frame_size, 32_768);
        assert_eq!(config.max_receive_buffer, 4_194_304);
        assert_eq!(config.max_stream_buffer, 1_048_576);
        config.validate().unwrap();
    }
    assert_eq!(client.keep_alive_timeout, Duration::from_secs(600));
    assert_eq!(server.keep_alive_timeout, Duration::from_secs(240));
}

#[test]
fn config_validation_rejects_bad_values() {
    use snowflake_common::smux::ConfigError as E;
    let base = Config::snowflake_client();
    type Mutation = Box<dyn Fn(&mut Config)>;
    let cases: Vec<(Mutation, E)> = vec![
        (Box::new(|c| c.version = 1), E::UnsupportedVersion(1)),
        (
            Box::new(|c| c.keep_alive_interval = Duration::ZERO),
            E::ZeroKeepAliveInterval,
        ),
        (
            Box::new(|c| c.keep_alive_timeout = Duration::from_secs(5)),
            E::KeepAliveTimeoutTooShort,
        ),
        (Box::new(|c| c.max_frame_size = 0), E::BadFrameSize(0)),
        (
            Box::new(|c| c.max_frame_size = 65_536),
            E::BadFrameSize(65_536),
        ),
        (
            Box::new(|c| c.max_receive_buffer = 0),
            E::BadReceiveBuffer(0),
        ),
        (
            Box::new(|c| c.max_receive_buffer = 1 << 31),
            E::BadReceiveBuffer(1 << 31),
        ),
        (Box::new(|c| c.max_stream_buffer = 0), E::BadStreamBuffer(0)),
        (
            Box::new(|c| c.max_stream_buffer = 4_194_305),
            E::BadStreamBuffer(4_194_305),
        ),
        (Box::new(|c| c.accept_backlog = 0), E::ZeroAcceptBacklog),
    ];
    for (mutate, expected) in cases {
        let mut config = base.clone();
        mutate(&mut config);
        assert_eq!(config.validate(), Err(expected.clone()));
        assert_eq!(
            SessionCore::new(Role::Client, config, Instant::now()).err(),
            Some(expected)
        );
    }
}

/// docs/protocol.md §11.5: the frames Go smux 1.5.16 emitted as a v2 client.
#[test]
fn client_emits_the_go_capture_byte_for_byte() {
    let start = Instant::now();
    let mut core = client(start);
    let sid = core.open_stream().unwrap();
    assert_eq!(sid, 3);
    assert_eq!(core.take_output().as_ref(), unhex("0200000003000000"));
    assert_eq!(core.write(sid, b"hello").unwrap(), WriteOutcome::Written(5));
    assert_eq!(
        core.take_output().as_ref(),
        unhex("020205000300000068656c6c6f")
    );
    core.handle_input(&wire(&[psh(3, b"hello")])).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(core.read(sid, &mut buf).unwrap(), ReadOutcome::Data(5));
    assert_eq!(
        core.take_output().as_ref(),
        unhex("0204080003000000 0500000000001000")
    );
    core.shutdown_stream(sid).unwrap();
    assert_eq!(core.take_output().as_ref(), unhex("0201000003000000"));
    core.handle_timeout(start + Duration::from_secs(10));
    assert_eq!(core.take_output().as_ref(), unhex("0203000000000000"));
}

#[test]
fn stream_ids_follow_role_parity() {
    let now = Instant::now();
    let mut c = client(now);
    let ids: Vec<u32> = (0..3).map(|_| c.open_stream().unwrap()).collect();
    assert_eq!(ids, [3, 5, 7]);
    let mut s = server(now);
    let ids: Vec<u32> = (0..3).map(|_| s.open_stream().unwrap()).collect();
    assert_eq!(ids, [2, 4, 6]);
    assert_eq!(
        output(&mut s),
        [2, 4, 6].map(|sid| Frame::Syn { sid }).to_vec()
    );
}

#[test]
fn open_skips_ids_the_peer_already_used() {
    let mut c = client(Instant::now());
    c.handle_input(&wire(&[Frame::Syn { sid: 3 }])).unwrap();
    assert_eq!(c.open_stream().unwrap(), 5);
}

#[test]
fn peer_syn_is_accepted_once() {
    let mut core = server(Instant::now());
    core.handle_input(&wire(&[
        Frame::Syn { sid: 3 },
        Frame::Syn { sid: 3 },
        Frame::Syn { sid: 5 },
    ]))
    .unwrap();
    let wakeups: Vec<Wakeup> = core.drain_wakeups().collect();
    assert_eq!(wakeups, [Wakeup::Accept, Wakeup::Accept]);
    assert_eq!(core.accept(), Some(3));
    assert_eq!(core.accept(), Some(5));
    assert_eq!(core.accept(), None);
}

#[test]
fn frames_for_unknown_streams_are_discarded() {
    let mut core = server_with_stream(Instant::now());
    let tokens = core.receive_tokens();
    let input = wire(&[
        psh(99, &[1; 1000]),
        Frame::Fin { sid: 99 },
        Frame::Upd {
            sid: 99,
            consumed: 123,
            window: 1,
        },
        psh(3, b"ok"),
    ]);
    assert_eq!(core.handle_input(&input).unwrap(), input.len());
    assert!(!core.is_closed());
    assert_eq!(core.num_streams(), 1);
    assert_eq!(core.readable_len(3), 2);
    assert!(core.receive_tokens() < tokens);
    assert_eq!(read_all(&mut core, 3, 64).0, b"ok");
}

/// v2 rule: UPD on the very first read, then only once MaxStreamBuffer/2
/// bytes were read since the last one; values are cumulative.
#[test]
fn upd_on_first_read_then_every_half_buffer() {
    let mut core = server_with_stream(Instant::now());
    core.handle_input(&wire(&[psh(3, &[7; 100])])).unwrap();
    let mut buf = vec![0u8; 600_000];
    assert_eq!(core.read(3, &mut buf[..10]).unwrap(), ReadOutcome::Data(10));
    assert_eq!(
        output(&mut core),
        [Frame::Upd {
            sid: 3,
            consumed: 10,
            window: 1_048_576
        }]
    );
    assert_eq!(core.read(3, &mut buf[..90]).unwrap(), ReadOutcome::Data(90));
    assert_eq!(output(&mut core), []);

    // Another 524288 bytes; reading all but one of them sends nothing.
    let chunk = vec![1u8; 32_768];
    for _ in 0..16 {
        core.handle_input(&wire(&[psh(3, &chunk)])).unwrap();
    }
    let mut left = 524_288 - 90 - 1;
    while left > 0 {
        let n = left.min(40_000);
        assert_eq!(core.read(3, &mut buf[..n]).unwrap(), ReadOutcome::Data(n));
        left -= n;
    }
    assert_eq!(output(&mut core), []);
    assert_eq!(core.read(3, &mut buf[..1]).unwrap(), ReadOutcome::Data(1));
    assert_eq!(
        output(&mut core),
        [Frame::Upd {
            sid: 3,
            consumed: 100 + 524_288 - 90,
            window: 1_048_576
        }]
    );
    assert_eq!(core.read(3, &mut buf).unwrap(), ReadOutcome::Data(90));
    assert_eq!(core.read(3, &mut buf).unwrap(), ReadOutcome::Blocked);
}

/// Writes until blocked, collecting the output frames.
fn write_until_blocked(core: &mut SessionCore, sid: u32, frames: &mut Vec<Frame>) -> usize {
    let data = vec![0xab; 100_000];
    let mut total = 0;
    loop {
        match core.write(sid, &data).unwrap() {
            WriteOutcome::Written(n) => total += n,
            WriteOutcome::Blocked => {
                frames.extend(output(core));
                if !core.has_output_room() {
                    continue;
                }
                // Draining made room; if still blocked it is the window.
                match core.write(sid, &data).unwrap() {
                    WriteOutcome::Written(n) => total += n,
                    WriteOutcome::Blocked => return total,
                }
            }
        }
        frames.extend(output(core));
    }
}

#[test]
fn writer_respects_initial_window_and_resumes_on_upd() {
    let mut core = client(Instant::now());
    let sid = core.open_stream().unwrap();
    let mut frames = Vec::new();
    assert_eq!(write_until_blocked(&mut core, sid, &mut frames), 262_144);
    let mut payload = 0;
    for frame in &frames {
        if let Frame::Psh { data, .. } = frame {
            assert!(data.len() <= 32_768);
            payload += data.len();
        }
    }
    assert_eq!(payload, 262_144);
    core.drain_wakeups().for_each(drop);

    // The peer consumed 100000 bytes and keeps the same window: 100000 more.
    core.handle_input(&wire(&[Frame::Upd {
        sid,
        consumed: 100_000,
        window: 262_144,
    }]))
    .unwrap();
    assert_eq!(
        core.drain_wakeups().collect::<Vec<_>>(),
        [Wakeup::Writable(sid)]
    );
    assert_eq!(
        write_until_blocked(&mut core, sid, &mut Vec::new()),
        100_000
    );

    // A bigger window opens more room.
    core.handle_input(&wire(&[Frame::Upd {
        sid,
        consumed: 362_144,
        window: 1_048_576,
    }]))
    .unwrap();
    assert_eq!(
        write_until_blocked(&mut core, sid, &mut Vec::new()),
        1_048_576
    );
}

#[test]
fn upd_claiming_unsent_bytes_ends_the_session() {
    let mut core = client(Instant::now());
    let sid = core.open_stream().unwrap();
    core.write(sid, &[0; 10]).unwrap();
    let err = core
        .handle_input(&wire(&[Frame::Upd {
            sid,
            consumed: 11,
            window: 1000,
        }]))
        .unwrap_err();
    assert_eq!(
        err,
        SessionError::PeerConsumedTooMuch {
            sid,
            consumed: 11,
            written: 10
        }
    );
    assert!(core.is_closed());
    assert_eq!(
        core.write(sid, b"x"),
        Err(StreamError::Session(err.clone()))
    );
}

#[test]
fn output_queue_is_bounded_and_draining_wakes_writers() {
    let mut core = client(Instant::now());
    let sid = core.open_stream().unwrap();
    core.handle_input(&wire(&[Frame::Upd {
        sid,
        consumed: 0,
        window: u32::MAX,
    }]))
    .unwrap();
    core.drain_wakeups().for_each(drop);
    let data = vec![0u8; 1 << 20];
    let mut accepted = 0;
    while let WriteOutcome::Written(n) = core.write(sid, &data).unwrap() {
        accepted += n;
    }
    assert!(accepted <= 2 * OUTPUT_QUEUE_LIMIT, "{accepted}");
    assert!(core.output_len() < 2 * OUTPUT_QUEUE_LIMIT + 1024);
    assert!(!core.has_output_room());
    let _ = core.take_output();
    let wakeups: Vec<Wakeup> = core.drain_wakeups().collect();
    assert!(wakeups.contains(&Wakeup::Writable(sid)));
    assert!(wakeups.contains(&Wakeup::OutputRoom));
    assert!(matches!(
        core.write(sid, &data).unwrap(),
        WriteOutcome::Written(_)
    ));
}

#[test]
fn half_close_from_us() {
    let mut core = server_with_stream(Instant::now());
    core.write(3, b"bye").unwrap();
    core.shutdown_stream(3).unwrap();
    core.shutdown_stream(3).unwrap();
    assert_eq!(output(&mut core), [psh(3, b"bye"), Frame::Fin { sid: 3 }]);
    assert_eq!(
        core.write(3, b"more"),
        Err(StreamError::WriteAfterShutdown(3))
    );
    // We can still receive.
    core.handle_input(&wire(&[psh(3, b"still here"), Frame::Fin { sid: 3 }]))
        .unwrap();
    let (data, end) = read_all(&mut core, 3, 4);
    assert_eq!(data, b"still here");
    assert_eq!(end, ReadOutcome::Eof);
}

#[test]
fn half_close_from_peer() {
    let mut core = server_with_stream(Instant::now());
    core.handle_input(&wire(&[psh(3, b"request"), Frame::Fin { sid: 3 }]))
        .unwrap();
    // Data after FIN is beyond the end of the stream and dropped.
    core.handle_input(&wire(&[psh(3, b"junk")])).unwrap();
    let (data, end) = read_all(&mut core, 3, 3);
    assert_eq!(data, b"request");
    assert_eq!(end, ReadOutcome::Eof);
    assert_eq!(core.read(3, &mut [0; 8]).unwrap(), ReadOutcome::Eof);
    let _ = core.take_output();
    // We can still write within the window, and close.
    assert_eq!(
        core.write(3, b"response").unwrap(),
        WriteOutcome::Written(8)
    );
    core.shutdown_stream(3).unwrap();
    assert_eq!(
        output(&mut core),
        [psh(3, b"response"), Frame::Fin { sid: 3 }]
    );
}

/// As in Go smux: after the peer's FIN no window update will come, so a
/// write that would have to wait fails instead of hanging.
#[test]
fn write_needing_window_after_peer_fin_fails() {
    let mut core = server_with_stream(Instant::now());
    core.handle_input(&wire(&[Frame::Fin { sid: 3 }])).unwrap();
    assert_eq!(
        write_until_blocked_or_error(&mut core, 3),
        Err(StreamError::PeerClosed(3))
    );
}

fn write_until_blocked_or_error(core: &mut SessionCore, sid: u32) -> Result<usize, StreamError> {
    let data = vec![0u8; 50_000];
    let mut total = 0;
    loop {
        match core.write(sid, &data)? {
            WriteOutcome::Written(n) => total += n,
            WriteOutcome::Blocked if core.has_output_room() => return Ok(total),
            WriteOutcome::Blocked => {}
        }
        let _ = core.take_output();
    }
}

#[test]
fn dropping_a_stream_sends_fin_returns_tokens_and_ignores_later_frames() {
    let mut core = server_with_stream(Instant::now());
    let full = core.receive_tokens();
    core.handle_input(&wire(&[psh(3, &[1; 5000])])).unwrap();
    assert!(core.receive_tokens() < full);
    core.close_stream(3);
    assert_eq!(core.receive_tokens(), full);
    assert_eq!(output(&mut core), [Frame::Fin { sid: 3 }]);
    core.handle_input(&wire(&[psh(3, &[1; 5000]), Frame::Fin { sid: 3 }]))
        .unwrap();
    assert_eq!(core.receive_tokens(), full);
    assert_eq!(core.num_streams(), 0);
    assert_eq!(
        core.read(3, &mut [0; 4]),
        Err(StreamError::UnknownStream(3))
    );
    // After our own shutdown, dropping sends no second FIN.
    core.handle_input(&wire(&[Frame::Syn { sid: 5 }])).unwrap();
    core.accept();
    core.shutdown_stream(5).unwrap();
    core.close_stream(5);
    assert_eq!(output(&mut core), [Frame::Fin { sid: 5 }]);
}

/// A peer ignoring the window cannot make us buffer more than
/// MaxReceiveBuffer (plus about one frame): we stop consuming input.
#[test]
fn token_bucket_stops_input_and_reading_resumes_it() {
    let mut core = server_with_stream(Instant::now());
    let frame = wire(&[psh(3, &[9; 32_768])]);
    let mut input = Vec::new();
    for _ in 0..200 {
        input.extend_from_slice(&frame);
    }
    let used = core.handle_input(&input).unwrap();
    assert!(used < input.len());
    assert_eq!(used % frame.len(), 0, "stops at a frame boundary");
    assert!(!core.wants_input());
    assert!(core.receive_tokens() <= 0);
    let buffered = core.readable_len(3);
    assert!(
        (4_194_304..=4_194_304 + 65_535).contains(&buffered),
        "{buffered}"
    );
    assert_eq!(core.handle_input(&input[used..]).unwrap(), 0);

    let _ = core.take_driver_wake();
    let mut buf = vec![0u8; 100_000];
    core.read(3, &mut buf).unwrap();
    assert!(core.take_driver_wake(), "driver must be told to read again");
    assert!(core.wants_input());
    assert!(core.handle_input(&input[used..]).unwrap() > 0);
}

/// The bucket counts memory, not payload: one-byte frames on many streams
/// cannot pin more than MaxReceiveBuffer of allocations.
#[test]
fn tiny_frames_on_many_streams_exhaust_the_bucket() {
    let config = Config {
        accept_backlog: 100_000,
        ..Config::snowflake_server()
    };
    let mut core = SessionCore::new(Role::Server, config, Instant::now()).unwrap();
    let mut input = Vec::new();
    for i in 0..5000u32 {
        let sid = 3 + 2 * i;
        input.extend(wire(&[Frame::Syn { sid }, psh(sid, b"x")]));
    }
    let used = core.handle_input(&input).unwrap();
    assert!(used < input.len());
    assert!(core.receive_tokens() <= 0);
    // Each stream holds a 4 KiB chunk: about 1024 streams fit in 4 MiB.
    assert!(core.num_streams() <= 1100, "{}", core.num_streams());
}

#[test]
fn full_accept_backlog_pauses_input() {
    let config = Config {
        accept_backlog: 2,
        ..Config::snowflake_server()
    };
    let mut core = SessionCore::new(Role::Server, config, Instant::now()).unwrap();
    let input = wire(&[
        Frame::Syn { sid: 3 },
        Frame::Syn { sid: 5 },
        Frame::Syn { sid: 7 },
    ]);
    assert_eq!(core.handle_input(&input).unwrap(), 16);
    assert!(!core.wants_input());
    let _ = core.take_driver_wake();
    assert_eq!(core.accept(), Some(3));
    assert!(core.take_driver_wake());
    assert_eq!(core.handle_input(&input[16..]).unwrap(), 8);
    assert_eq!(core.pending_accepts(), 2);
}

/// Control frames (UPDs here) never block the reader, but if the transport
/// does not drain them the session stops taking input that makes more.
#[test]
fn undrained_control_frames_pause_input() {
    let config = Config {
        accept_backlog: 100_000,
        ..Config::snowflake_server()
    };
    let mut core = SessionCore::new(Role::Server, config, Instant::now()).unwrap();
    let mut buf = [0u8; 4];
    let mut sid = 3;
    while core.wants_input() {
        let input = wire(&[Frame::Syn { sid }, psh(sid, b"x")]);
        assert_eq!(core.handle_input(&input).unwrap(), input.len());
        let accepted = core.accept().unwrap();
        assert_eq!(core.read(accepted, &mut buf).unwrap(), ReadOutcome::Data(1));
        sid += 2;
    }
    assert!(core.output_len() >= OUTPUT_PAUSE_LIMIT);
    assert!(core.output_len() < OUTPUT_PAUSE_LIMIT + 64);
    let more = wire(&[Frame::Syn { sid }]);
    assert_eq!(core.handle_input(&more).unwrap(), 0);
    let _ = core.take_output();
    assert!(core.wants_input());
}

#[test]
fn keepalive_sends_nop_every_interval() {
    let start = Instant::now();
    let mut core = server(start);
    let second = Duration::from_secs(1);
    assert_eq!(core.poll_timeout(), Some(start + 10 * second));
    core.handle_timeout(start + 9 * second);
    assert_eq!(output(&mut core), []);
    core.handle_timeout(start + 10 * second);
    assert_eq!(output(&mut core), [Frame::Nop]);
    assert_eq!(core.poll_timeout(), Some(start + 20 * second));
    // Not sent while other output is queued anyway.
    core.open_stream().unwrap();
    core.handle_timeout(start + 20 * second);
    assert_eq!(output(&mut core), [Frame::Syn { sid: 2 }]);
    core.handle_timeout(start + 30 * second);
    assert_eq!(output(&mut core), [Frame::Nop]);
}

#[test]
fn silent_peer_times_out_after_one_to_two_periods() {
    let start = Instant::now();
    let minute = Duration::from_secs(60);
    let mut core = server(start);
    // A frame during the first period keeps the session for another one.
    core.handle_input(&wire(&[Frame::Nop])).unwrap();
    for t in (10..=240).step_by(10) {
        core.handle_timeout(start + Duration::from_secs(t));
    }
    assert!(!core.is_closed());
    for t in (250..=480).step_by(10) {
        core.handle_timeout(start + Duration::from_secs(t));
    }
    assert_eq!(
        core.close_reason(),
        Some(&SessionError::KeepAliveTimeout(4 * minute))
    );
    assert_eq!(core.poll_timeout(), None);
}

#[test]
fn no_timeout_while_we_are_the_ones_not_reading() {
    let start = Instant::now();
    let mut core = server_with_stream(start);
    let frame = wire(&[psh(3, &[0; 65_535])]);
    while core.wants_input() {
        core.handle_input(&frame).unwrap();
    }
    core.handle_timeout(start + Duration::from_secs(240));
    core.handle_timeout(start + Duration::from_secs(480));
    assert!(!core.is_closed());
}

#[test]
fn every_malformed_frame_kind_ends_the_session() {
    let cases: Vec<(&str, FrameError)> = vec![
        ("01 02 00 00 03 00 00 00", FrameError::BadVersion(1)),
        ("02 09 00 00 03 00 00 00", FrameError::UnknownCommand(9)),
        (
            "02 00 04 00 05 00 00 00 00 00 00 00",
            FrameError::BadLength {
                cmd: Command::Syn,
                length: 4,
                expected: 0,
            },
        ),
        (
            "02 01 01 00 03 00 00 00 00",
            FrameError::BadLength {
                cmd: Command::Fin,
                length: 1,
                expected: 0,
            },
        ),
        (
            "02 03 02 00 00 00 00 00 00 00",
            FrameError::BadLength {
                cmd: Command::Nop,
                length: 2,
                expected: 0,
            },
        ),
        (
            "02 04 0c 00 03 00 00 00",
            FrameError::BadLength {
                cmd: Command::Upd,
                length: 12,
                expected: 8,
            },
        ),
    ];
    for (hex, expected) in cases {
        let mut core = server_with_stream(Instant::now());
        core.handle_input(&wire(&[psh(3, b"buffered")])).unwrap();
        let err = core.handle_input(&unhex(hex)).unwrap_err();
        assert_eq!(err, SessionError::Protocol(expected), "{hex}");
        assert_eq!(core.close_reason(), Some(&err));
        assert!(core.drain_wakeups().any(|w| w == Wakeup::Closed));
        assert!(!core.wants_input());
        // Buffered data is still delivered, then the error.
        let mut buf = [0u8; 64];
        assert_eq!(core.read(3, &mut buf).unwrap(), ReadOutcome::Data(8));
        assert_eq!(
            core.read(3, &mut buf),
            Err(StreamError::Session(err.clone()))
        );
        assert_eq!(core.open_stream(), Err(err));
    }
}

#[test]
fn transport_eof_inside_a_frame_is_truncation() {
    let mut core = server(Instant::now());
    core.handle_input(&[2, 2, 10, 0, 3, 0, 0, 0, 1]).unwrap();
    core.handle_transport_eof();
    assert_eq!(core.close_reason(), Some(&SessionError::TruncatedFrame));
    let mut core = server(Instant::now());
    core.handle_transport_eof();
    assert_eq!(core.close_reason(), Some(&SessionError::TransportClosed));
}

#[test]
fn local_close_is_reported() {
    let mut core = client(Instant::now());
    let sid = core.open_stream().unwrap();
    core.close();
    assert_eq!(core.close_reason(), Some(&SessionError::Closed));
    assert_eq!(
        core.write(sid, b"x"),
        Err(StreamError::Session(SessionError::Closed))
    );
    assert!(core.accept().is_none());
}
