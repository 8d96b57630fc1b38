//! smux v2 frame format (docs/protocol.md §3.2, vectors in §11.4).
//!
//! A frame is an 8-byte header `ver cmd len(LE u16) sid(LE u32)` followed by
//! `len` payload bytes. [`FrameDecoder`] is an incremental, allocation-free
//! decoder that accepts input split at any byte boundary; PSH payloads are
//! handed out as borrowed slices so the session can copy them straight into
//! stream buffers.

use bytes::{BufMut, Bytes, BytesMut};

/// The only protocol version this implementation speaks (Snowflake uses 2).
pub const VERSION: u8 = 2;
/// Size of every frame header.
pub const HEADER_LEN: usize = 8;
/// Payload length of an UPD frame: `consumed` u32 LE then `window` u32 LE.
pub const UPD_PAYLOAD_LEN: usize = 8;
/// Window assumed for the peer of a stream until its first UPD arrives
/// (`initialPeerWindow` in Go smux).
pub const INITIAL_PEER_WINDOW: u32 = 262_144;

/// The `cmd` byte of a frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Command {
    /// Open stream `sid`; no payload.
    Syn = 0,
    /// The sender closed its write side of stream `sid`; no payload.
    Fin = 1,
    /// Stream data.
    Psh = 2,
    /// Keepalive; no payload, sid 0.
    Nop = 3,
    /// Flow-control update: bytes consumed and receive window (v2 only).
    Upd = 4,
}

impl Command {
    /// Maps a wire byte to a command, `None` for unknown values.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Syn),
            1 => Some(Self::Fin),
            2 => Some(Self::Psh),
            3 => Some(Self::Nop),
            4 => Some(Self::Upd),
            _ => None,
        }
    }
}

/// A malformed frame. Every variant is fatal for the session, because after
/// it the byte stream can no longer be trusted to be in sync.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The version byte is not 2.
    #[error("smux frame has protocol version {0}, expected 2")]
    BadVersion(u8),
    /// The command byte is not one of SYN, FIN, PSH, NOP, UPD.
    #[error("unknown smux command {0}")]
    UnknownCommand(u8),
    /// A SYN/FIN/NOP with a payload, or an UPD whose payload is not 8 bytes.
    #[error("smux {cmd:?} frame has length {length}, expected {expected}")]
    BadLength {
        /// Command of the offending frame.
        cmd: Command,
        /// Length found in the header.
        length: u16,
        /// Length this command must have.
        expected: u16,
    },
    /// Encoding only: a PSH payload longer than a u16 length can describe.
    #[error("smux payload of {0} bytes does not fit in one frame")]
    PayloadTooLong(usize),
}

/// A parsed and validated frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Command.
    pub cmd: Command,
    /// Payload length.
    pub length: u16,
    /// Stream id.
    pub sid: u32,
}

impl FrameHeader {
    /// Parses and validates 8 header bytes (version, command, and the
    /// length rules that smux v1.5.56 enforces).
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Self, FrameError> {
        let [ver, cmd, l0, l1, s0, s1, s2, s3] = *bytes;
        if ver != VERSION {
            return Err(FrameError::BadVersion(ver));
        }
        let cmd = Command::from_byte(cmd).ok_or(FrameError::UnknownCommand(cmd))?;
        let length = u16::from_le_bytes([l0, l1]);
        let sid = u32::from_le_bytes([s0, s1, s2, s3]);
        let expected = match cmd {
            Command::Syn | Command::Fin | Command::Nop => Some(0),
            Command::Upd => Some(UPD_PAYLOAD_LEN as u16),
            Command::Psh => None,
        };
        if let Some(expected) = expected {
            if length != expected {
                return Err(FrameError::BadLength {
                    cmd,
                    length,
                    expected,
                });
            }
        }
        Ok(Self { cmd, length, sid })
    }

    /// The 8 wire bytes of this header (version 2).
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let [l0, l1] = self.length.to_le_bytes();
        let [s0, s1, s2, s3] = self.sid.to_le_bytes();
        [VERSION, self.cmd as u8, l0, l1, s0, s1, s2, s3]
    }
}

/// Appends a header to `out`.
pub(crate) fn put_header(out: &mut BytesMut, cmd: Command, length: u16, sid: u32) {
    out.put_slice(&FrameHeader { cmd, length, sid }.encode());
}

/// Appends a complete UPD frame to `out`.
pub(crate) fn put_upd(out: &mut BytesMut, sid: u32, consumed: u32, window: u32) {
    put_header(out, Command::Upd, UPD_PAYLOAD_LEN as u16, sid);
    out.put_u32_le(consumed);
    out.put_u32_le(window);
}

/// A whole frame, for encoding and for tests. The session itself never
/// materialises frames; it works on [`DecodeEvent`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Open a stream.
    Syn {
        /// Stream id.
        sid: u32,
    },
    /// Close the sender's write side of a stream.
    Fin {
        /// Stream id.
        sid: u32,
    },
    /// Stream data (at most 65535 bytes).
    Psh {
        /// Stream id.
        sid: u32,
        /// Payload.
        data: Bytes,
    },
    /// Keepalive (always sent with sid 0).
    Nop,
    /// Flow-control update.
    Upd {
        /// Stream id.
        sid: u32,
        /// Total bytes of this stream the sender has delivered to its reader.
        consumed: u32,
        /// The sender's receive window for this stream.
        window: u32,
    },
}

impl Frame {
    /// Appends the wire form of this frame to `out`.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), FrameError> {
        match self {
            Frame::Syn { sid } => put_header(out, Command::Syn, 0, *sid),
            Frame::Fin { sid } => put_header(out, Command::Fin, 0, *sid),
            Frame::Nop => put_header(out, Command::Nop, 0, 0),
            Frame::Upd {
                sid,
                consumed,
                window,
            } => put_upd(out, *sid, *consumed, *window),
            Frame::Psh { sid, data } => {
                let length = u16::try_from(data.len())
                    .map_err(|_| FrameError::PayloadTooLong(data.len()))?;
                put_header(out, Command::Psh, length, *sid);
                out.put_slice(data);
            }
        }
        Ok(())
    }

    /// The wire form of this frame as a new buffer.
    pub fn to_bytes(&self) -> Result<Bytes, FrameError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        Ok(out.freeze())
    }
}

/// One step of decoded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeEvent<'a> {
    /// A SYN frame.
    Syn {
        /// Stream id.
        sid: u32,
    },
    /// A FIN frame.
    Fin {
        /// Stream id.
        sid: u32,
    },
    /// A NOP frame (its sid is ignored, as in Go smux).
    Nop,
    /// A complete UPD frame.
    Upd {
        /// Stream id.
        sid: u32,
        /// Bytes the peer has consumed.
        consumed: u32,
        /// The peer's window.
        window: u32,
    },
    /// A piece of a PSH payload. A frame yields one or more pieces; the last
    /// has `remaining == 0`. A zero-length PSH yields one empty piece.
    PshData {
        /// Stream id.
        sid: u32,
        /// Payload bytes borrowed from the input.
        data: &'a [u8],
        /// Payload bytes of this frame still to come.
        remaining: u16,
    },
}

#[derive(Debug, Clone, Copy)]
enum DecodeState {
    Header,
    Payload {
        sid: u32,
        remaining: u16,
    },
    Update {
        sid: u32,
        body: [u8; UPD_PAYLOAD_LEN],
        have: usize,
    },
}

/// Incremental sans-IO frame decoder. Holds at most one partial header or
/// UPD body (16 bytes); PSH payloads are never buffered here.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    header: [u8; HEADER_LEN],
    header_len: usize,
    state: DecodeState,
    failed: Option<FrameError>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder positioned at the start of a frame.
    pub fn new() -> Self {
        Self {
            header: [0; HEADER_LEN],
            header_len: 0,
            state: DecodeState::Header,
            failed: None,
        }
    }

    /// True when no part of a frame has been consumed yet (so a clean end of
    /// the input here is not a truncated frame).
    pub fn at_frame_boundary(&self) -> bool {
        matches!(self.state, DecodeState::Header) && self.header_len == 0
    }

    /// Consumes input until one event is complete or the input is used up.
    ///
    /// Returns the number of bytes consumed and the event, if any. `None` is
    /// only returned when all of `input` was consumed. After an error the
    /// decoder stays failed and returns the same error again.
    pub fn decode<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<(usize, Option<DecodeEvent<'a>>), FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            match &mut self.state {
                DecodeState::Header => {
                    let want = HEADER_LEN - self.header_len;
                    let take = want.min(rest.len());
                    let (head, _) = rest.split_at(take);
                    if let Some(slot) = self.header.get_mut(self.header_len..self.header_len + take)
                    {
                        slot.copy_from_slice(head);
                    }
                    self.header_len += take;
                    pos += take;
                    if self.header_len < HEADER_LEN {
                        return Ok((pos, None));
                    }
                    self.header_len = 0;
                    let header = match FrameHeader::parse(&self.header) {
                        Ok(header) => header,
                        Err(err) => {
                            self.failed = Some(err.clone());
                            return Err(err);
                        }
                    };
                    let sid = header.sid;
                    match header.cmd {
                        Command::Syn => return Ok((pos, Some(DecodeEvent::Syn { sid }))),
                        Command::Fin => return Ok((pos, Some(DecodeEvent::Fin { sid }))),
                        Command::Nop => return Ok((pos, Some(DecodeEvent::Nop))),
                        Command::Psh if header.length == 0 => {
                            let event = DecodeEvent::PshData {
                                sid,
                                data: &[],
                                remaining: 0,
                            };
                            return Ok((pos, Some(event)));
                        }
                        Command::Psh => {
                            self.state = DecodeState::Payload {
                                sid,
                                remaining: header.length,
                            };
                        }
                        Command::Upd => {
                            self.state = DecodeState::Update {
                                sid,
                                body: [0; UPD_PAYLOAD_LEN],
                                have: 0,
                            };
                        }
                    }
                }
                DecodeState::Payload { sid, remaining } => {
                    if rest.is_empty() {
                        return Ok((pos, None));
                    }
                    let take = usize::from(*remaining).min(rest.len());
                    let (data, _) = rest.split_at(take);
                    // `take` <= `remaining`, a u16, so this cannot saturate.
                    let left = remaining.saturating_sub(u16::try_from(take).unwrap_or(u16::MAX));
                    let sid = *sid;
                    self.state = if left == 0 {
                        DecodeState::Header
                    } else {
                        DecodeState::Payload {
                            sid,
                            remaining: left,
                        }
                    };
                    let event = DecodeEvent::PshData {
                        sid,
                        data,
                        remaining: left,
                    };
                    return Ok((pos + take, Some(event)));
                }
                DecodeState::Update { sid, body, have } => {
                    let take = (UPD_PAYLOAD_LEN - *have).min(rest.len());
                    let (head, _) = rest.split_at(take);
                    if let Some(slot) = body.get_mut(*have..*have + take) {
                        slot.copy_from_slice(head);
                    }
                    *have += take;
                    pos += take;
                    if *have < UPD_PAYLOAD_LEN {
                        return Ok((pos, None));
                    }
                    let [c0, c1, c2, c3, w0, w1, w2, w3] = *body;
                    let event = DecodeEvent::Upd {
                        sid: *sid,
                        consumed: u32::from_le_bytes([c0, c1, c2, c3]),
                        window: u32::from_le_bytes([w0, w1, w2, w3]),
                    };
                    self.state = DecodeState::Header;
                    return Ok((pos, Some(event)));
                }
            }
        }
    }
}
