//! smux v2 frame decoder (docs/protocol.md §3.2) on arbitrary bytes fed at
//! fuzzer-chosen read boundaries.
//!
//! Input: [`SplitInput`] (no flags used).
//!
//! Checks: no panic; `decode` never consumes more than it was given, returns
//! `None` only after consuming everything, and never returns more PSH bytes
//! than the header announced; `at_frame_boundary` is true exactly between
//! frames; after an error the decoder keeps returning it; the frames (PSH
//! pieces joined) and the error equal those of a whole-buffer reference
//! parser written from the spec; the frames re-encoded with `Frame::encode`
//! decode to the same frames.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use snowflake_common::smux::frame::HEADER_LEN;
use snowflake_common::smux::{Command, DecodeEvent, Frame, FrameDecoder, FrameError};
use snowflake_common_fuzz::SplitInput;

/// Whole-buffer parser from §3.2: returns the complete frames, the error
/// (if a header was bad) and whether the input ended inside a frame.
fn reference(data: &[u8]) -> (Vec<Frame>, Option<FrameError>, bool) {
    let mut frames = Vec::new();
    let mut pos = 0;
    loop {
        let Some(header) = data.get(pos..pos + HEADER_LEN) else {
            return (frames, None, pos != data.len());
        };
        let ver = header[0];
        let cmd_byte = header[1];
        let length = u16::from_le_bytes([header[2], header[3]]);
        let sid = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if ver != 2 {
            return (frames, Some(FrameError::BadVersion(ver)), false);
        }
        let Some(cmd) = Command::from_byte(cmd_byte) else {
            return (frames, Some(FrameError::UnknownCommand(cmd_byte)), false);
        };
        let expected = match cmd {
            Command::Syn | Command::Fin | Command::Nop => Some(0),
            Command::Upd => Some(8),
            Command::Psh => None,
        };
        if let Some(expected) = expected {
            if length != expected {
                return (
                    frames,
                    Some(FrameError::BadLength {
                        cmd,
                        length,
                        expected,
                    }),
                    false,
                );
            }
        }
        let body_start = pos + HEADER_LEN;
        let body_end = body_start + usize::from(length);
        let Some(body) = data.get(body_start..body_end) else {
            return (frames, None, true);
        };
        frames.push(match cmd {
            Command::Syn => Frame::Syn { sid },
            Command::Fin => Frame::Fin { sid },
            Command::Nop => Frame::Nop,
            Command::Psh => Frame::Psh {
                sid,
                data: Bytes::copy_from_slice(body),
            },
            Command::Upd => Frame::Upd {
                sid,
                consumed: u32::from_le_bytes([body[0], body[1], body[2], body[3]]),
                window: u32::from_le_bytes([body[4], body[5], body[6], body[7]]),
            },
        });
        pos = body_end;
    }
}

/// Decodes `pieces` incrementally into whole frames.
fn decode_incrementally<'a>(
    pieces: impl Iterator<Item = &'a [u8]>,
) -> (Vec<Frame>, Option<FrameError>, bool) {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    // The PSH frame being assembled: sid, bytes so far, bytes still due.
    let mut psh: Option<(u32, Vec<u8>, u16)> = None;
    for piece in pieces {
        let mut pos = 0;
        loop {
            let rest = &piece[pos..];
            let (used, event) = match decoder.decode(rest) {
                Ok(step) => step,
                Err(err) => {
                    // The decoder stays failed.
                    assert_eq!(decoder.decode(b"\x02\x03\0\0\0\0\0\0"), Err(err.clone()));
                    return (frames, Some(err), false);
                }
            };
            assert!(used <= rest.len(), "consumed more than given");
            pos += used;
            let Some(event) = event else {
                assert_eq!(pos, piece.len(), "None before the input was used up");
                break;
            };
            match event {
                DecodeEvent::PshData {
                    sid,
                    data,
                    remaining,
                } => {
                    let (psh_sid, mut bytes, due) = psh.take().unwrap_or((sid, Vec::new(), 0));
                    assert_eq!(psh_sid, sid, "PSH piece for another stream mid-frame");
                    if !bytes.is_empty() || due != 0 {
                        // A continuation: exactly the announced bytes follow.
                        assert_eq!(
                            usize::from(due),
                            data.len() + usize::from(remaining),
                            "PSH piece lengths do not add up"
                        );
                    }
                    bytes.extend_from_slice(data);
                    if remaining == 0 {
                        frames.push(Frame::Psh {
                            sid,
                            data: Bytes::from(bytes),
                        });
                        assert!(decoder.at_frame_boundary());
                    } else {
                        assert!(!decoder.at_frame_boundary());
                        psh = Some((sid, bytes, remaining));
                    }
                }
                other => {
                    assert!(psh.is_none(), "control frame inside a PSH payload");
                    frames.push(match other {
                        DecodeEvent::Syn { sid } => Frame::Syn { sid },
                        DecodeEvent::Fin { sid } => Frame::Fin { sid },
                        DecodeEvent::Nop => Frame::Nop,
                        DecodeEvent::Upd {
                            sid,
                            consumed,
                            window,
                        } => Frame::Upd {
                            sid,
                            consumed,
                            window,
                        },
                        DecodeEvent::PshData { .. } => unreachable!(),
                    });
                    assert!(decoder.at_frame_boundary());
                }
            }
            if pos == piece.len() {
                break;
            }
        }
    }
    (frames, None, !decoder.at_frame_boundary())
}

fuzz_target!(|data: &[u8]| {
    let input = SplitInput::parse(data);
    let (frames, error, truncated) = decode_incrementally(input.pieces());
    let (want_frames, want_error, want_truncated) = reference(input.payload);
    assert_eq!(frames, want_frames, "frames differ from the reference");
    assert_eq!(error, want_error, "error differs from the reference");
    assert_eq!(
        truncated, want_truncated,
        "truncation differs from the reference"
    );

    // Round trip through the encoder.
    let mut encoded = BytesMut::new();
    for frame in &frames {
        frame
            .encode(&mut encoded)
            .expect("a decoded frame is encodable");
    }
    let (again, again_error, again_truncated) = decode_incrementally(std::iter::once(&encoded[..]));
    assert_eq!(again, frames, "round trip changed the frames");
    assert!(again_error.is_none() && !again_truncated);
});
