//! smux v2 frame codec: docs/protocol.md §11.4 vectors, the smux part of §11.5,
//! malformed headers, and decoding across arbitrary read boundaries.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use snowflake_common::smux::{Command, DecodeEvent, Frame, FrameDecoder, FrameError, FrameHeader};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("test vector hex")
}

/// Splits `input` at the given cut points (taken modulo its length).
fn pieces<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut positions: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    positions.push(0);
    positions.push(input.len());
    positions.sort_unstable();
    positions.windows(2).map(|w| &input[w[0]..w[1]]).collect()
}

/// Decodes a complete byte string into frames, reassembling PSH pieces.
fn decode_all(input: &[u8], cuts: &[usize]) -> Result<Vec<Frame>, FrameError> {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut psh: Option<(u32, Vec<u8>)> = None;
    for mut chunk in pieces(input, cuts) {
        while !chunk.is_empty() {
            let (used, event) = decoder.decode(chunk)?;
            chunk = &chunk[used..];
            let Some(event) = event else {
                assert!(chunk.is_empty(), "None only when input is used up");
                continue;
            };
            match event {
                DecodeEvent::Syn { sid } => frames.push(Frame::Syn { sid }),
                DecodeEvent::Fin { sid } => frames.push(Frame::Fin { sid }),
                DecodeEvent::Nop => frames.push(Frame::Nop),
                DecodeEvent::Upd {
                    sid,
                    consumed,
                    window,
                } => frames.push(Frame::Upd {
                    sid,
                    consumed,
                    window,
                }),
                DecodeEvent::PshData {
                    sid,
                    data,
                    remaining,
                } => {
                    let (psh_sid, buf) = psh.get_or_insert_with(|| (sid, Vec::new()));
                    assert_eq!(*psh_sid, sid);
                    buf.extend_from_slice(data);
                    if remaining == 0 {
                        let (sid, data) = psh.take().unwrap();
                        frames.push(Frame::Psh {
                            sid,
                            data: Bytes::from(data),
                        });
                    }
                }
            }
        }
    }
    assert!(decoder.at_frame_boundary(), "input ended inside a frame");
    Ok(frames)
}

fn vectors() -> Vec<(Frame, &'static str)> {
    vec![
        (Frame::Syn { sid: 3 }, "02 00 00 00 03 00 00 00"),
        (Frame::Fin { sid: 3 }, "02 01 00 00 03 00 00 00"),
        (Frame::Nop, "02 03 00 00 00 00 00 00"),
        (
            Frame::Psh {
                sid: 3,
                data: Bytes::from_static(b"hello"),
            },
            "02 02 05 00 03 00 00 00 68 65 6c 6c 6f",
        ),
        (
            Frame::Upd {
                sid: 3,
                consumed: 5,
                window: 1_048_576,
            },
            "02 04 08 00 03 00 00 00 05 00 00 00 00 00 10 00",
        ),
    ]
}

#[test]
fn section_11_4_vectors_encode() {
    for (frame, hex) in vectors() {
        assert_eq!(frame.to_bytes().unwrap().as_ref(), unhex(hex), "{frame:?}");
    }
}

#[test]
fn section_11_4_vectors_decode() {
    for (frame, hex) in vectors() {
        assert_eq!(decode_all(&unhex(hex), &[]).unwrap(), vec![frame]);
    }
}

/// §11.5: the sequence captured from Go smux 1.5.16 (v2 client), encoded and
/// decoded as one byte stream.
#[test]
fn section_11_5_smux_sequence_round_trips() {
    let stream = unhex(
        "0200000003000000 020205000300000068656c6c6f \
         0204080003000000 0500000000001000 0201000003000000 0203000000000000",
    );
    let expected = vec![
        Frame::Syn { sid: 3 },
        Frame::Psh {
            sid: 3,
            data: Bytes::from_static(b"hello"),
        },
        Frame::Upd {
            sid: 3,
            consumed: 5,
            window: 1_048_576,
        },
        Frame::Fin { sid: 3 },
        Frame::Nop,
    ];
    assert_eq!(decode_all(&stream, &[]).unwrap(), expected);
    let mut encoded = BytesMut::new();
    for frame in &expected {
        frame.encode(&mut encoded).unwrap();
    }
    assert_eq!(encoded.as_ref(), stream.as_slice());
}

#[test]
fn header_parse_and_encode_round_trip() {
    let header = FrameHeader {
        cmd: Command::Psh,
        length: 0xbeef,
        sid: 0x0102_0304,
    };
    let bytes = header.encode();
    assert_eq!(bytes, [2, 2, 0xef, 0xbe, 4, 3, 2, 1]);
    assert_eq!(FrameHeader::parse(&bytes).unwrap(), header);
}

#[test]
fn malformed_headers_are_errors() {
    let cases: Vec<(&str, FrameError)> = vec![
        ("01 00 00 00 03 00 00 00", FrameError::BadVersion(1)),
        ("00 02 05 00 03 00 00 00", FrameError::BadVersion(0)),
        ("02 05 00 00 03 00 00 00", FrameError::UnknownCommand(5)),
        ("02 ff 00 00 03 00 00 00", FrameError::UnknownCommand(0xff)),
        (
            "02 00 01 00 03 00 00 00",
            FrameError::BadLength {
                cmd: Command::Syn,
                length: 1,
                expected: 0,
            },
        ),
        (
            "02 01 00 01 03 00 00 00",
            FrameError::BadLength {
                cmd: Command::Fin,
                length: 256,
                expected: 0,
            },
        ),
        (
            "02 03 08 00 00 00 00 00",
            FrameError::BadLength {
                cmd: Command::Nop,
                length: 8,
                expected: 0,
            },
        ),
        (
            "02 04 07 00 03 00 00 00",
            FrameError::BadLength {
                cmd: Command::Upd,
                length: 7,
                expected: 8,
            },
        ),
        (
            "02 04 00 00 03 00 00 00",
            FrameError::BadLength {
                cmd: Command::Upd,
                length: 0,
                expected: 8,
            },
        ),
    ];
    for (hex, expected) in cases {
        let bytes = unhex(hex);
        let mut decoder = FrameDecoder::new();
        assert_eq!(decoder.decode(&bytes), Err(expected.clone()), "{hex}");
        // The decoder stays failed.
        assert_eq!(
            decoder.decode(&unhex("02 03 00 00 00 00 00 00")),
            Err(expected)
        );
    }
}

#[test]
fn psh_may_carry_up_to_65535_bytes() {
    let data = Bytes::from(vec![0x5a; 65_535]);
    let frame = Frame::Psh { sid: 7, data };
    let bytes = frame.to_bytes().unwrap();
    assert_eq!(&bytes[..4], &[2, 2, 0xff, 0xff]);
    assert_eq!(decode_all(&bytes, &[1, 9, 40_000]).unwrap(), vec![frame]);
    let too_long = Frame::Psh {
        sid: 7,
        data: Bytes::from(vec![0; 65_536]),
    };
    assert_eq!(too_long.to_bytes(), Err(FrameError::PayloadTooLong(65_536)));
}

#[test]
fn empty_psh_yields_one_empty_piece() {
    let bytes = unhex("02 02 00 00 09 00 00 00");
    let mut decoder = FrameDecoder::new();
    assert_eq!(
        decoder.decode(&bytes),
        Ok((
            8,
            Some(DecodeEvent::PshData {
                sid: 9,
                data: &[],
                remaining: 0
            })
        ))
    );
}

#[test]
fn partial_frame_is_not_at_boundary() {
    let mut decoder = FrameDecoder::new();
    assert!(decoder.at_frame_boundary());
    assert_eq!(decoder.decode(&[2, 2, 5]), Ok((3, None)));
    assert!(!decoder.at_frame_boundary());
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        any::<u32>().prop_map(|sid| Frame::Syn { sid }),
        any::<u32>().prop_map(|sid| Frame::Fin { sid }),
        Just(Frame::Nop),
        (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(sid, consumed, window)| {
            Frame::Upd {
                sid,
                consumed,
                window,
            }
        }),
        (any::<u32>(), prop::collection::vec(any::<u8>(), 0..2000)).prop_map(|(sid, data)| {
            Frame::Psh {
                sid,
                data: Bytes::from(data),
            }
        }),
    ]
}

proptest! {
    /// Any sequence of frames, cut at any positions, decodes to itself.
    #[test]
    fn decoding_is_independent_of_read_boundaries(
        frames in prop::collection::vec(arb_frame(), 0..20),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let mut encoded = BytesMut::new();
        for frame in &frames {
            frame.encode(&mut encoded).unwrap();
        }
        prop_assert_eq!(decode_all(&encoded, &cuts).unwrap(), frames);
    }

    /// Arbitrary bytes never panic the decoder, and every call makes
    /// progress (consumes input or yields an event) or fails for good.
    #[test]
    fn arbitrary_input_never_panics(
        input in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut decoder = FrameDecoder::new();
        'outer: for mut chunk in pieces(&input, &cuts) {
            while !chunk.is_empty() {
                match decoder.decode(chunk) {
                    Ok((used, event)) => {
                        prop_assert!(used > 0 || event.is_some());
                        chunk = &chunk[used..];
                    }
                    Err(_) => break 'outer,
                }
            }
        }
    }
}
