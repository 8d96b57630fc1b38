//! KCP segment headers (docs/protocol.md §2.2) and the structural checks
//! every incoming packet passes before the `kcp` crate sees it.
//!
//! A KCP packet is a plain concatenation of segments, each a 24-byte
//! little-endian header followed by `len` payload bytes. The crate's own
//! `input` stops at the first bad segment *after* having applied the ones
//! before it, and accepts fragment counters that stall or crash stream mode
//! (see [`SegmentError::Fragmented`]), so whole packets are checked here
//! first and refused as a unit.

/// Size of a segment header (`IKCP_OVERHEAD`).
pub const HEADER_LEN: usize = 24;

/// Offset of the `sn` field, which the server's demultiplexer reads to
/// decide whether a new conversation may replace an old one (§2.4).
pub const SN_OFFSET: usize = 12;

/// Largest packet accepted as input: kcp-go reads into buffers of this size
/// (`mtuLimit`), so a longer datagram never reaches a Go peer's KCP either.
/// Our own packets are at most [`super::MTU`] bytes.
pub const MAX_INPUT_PACKET: usize = 1500;

/// `cmd` of a data segment.
pub const CMD_PUSH: u8 = 81;
/// `cmd` of an acknowledgement.
pub const CMD_ACK: u8 = 82;
/// `cmd` of a window probe (asks the peer for its window).
pub const CMD_WASK: u8 = 83;
/// `cmd` of a window announcement (answers a probe).
pub const CMD_WINS: u8 = 84;

/// One decoded 24-byte segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentHeader {
    /// Conversation id.
    pub conv: u32,
    /// Command: [`CMD_PUSH`], [`CMD_ACK`], [`CMD_WASK`] or [`CMD_WINS`].
    pub cmd: u8,
    /// Fragment countdown; always 0 in stream mode.
    pub frg: u8,
    /// Sender's free receive window, in segments.
    pub wnd: u16,
    /// Sender's clock in ms (an ACK echoes the acknowledged segment's ts).
    pub ts: u32,
    /// Sequence number (for an ACK: the acknowledged one).
    pub sn: u32,
    /// Cumulative acknowledgement: every sn below it was received.
    pub una: u32,
    /// Payload length.
    pub len: u32,
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(raw))
}

impl SegmentHeader {
    /// Decodes the header at the start of `bytes`; `None` if fewer than
    /// [`HEADER_LEN`] bytes are given.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let head = bytes.get(..HEADER_LEN)?;
        Some(Self {
            conv: le_u32(head, 0)?,
            cmd: *head.get(4)?,
            frg: *head.get(5)?,
            wnd: u16::from_le_bytes([*head.get(6)?, *head.get(7)?]),
            ts: le_u32(head, 8)?,
            sn: le_u32(head, SN_OFFSET)?,
            una: le_u32(head, 16)?,
            len: le_u32(head, 20)?,
        })
    }

    /// The 24 header bytes, little-endian as on the wire.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..4].copy_from_slice(&self.conv.to_le_bytes());
        out[4] = self.cmd;
        out[5] = self.frg;
        out[6..8].copy_from_slice(&self.wnd.to_le_bytes());
        out[8..12].copy_from_slice(&self.ts.to_le_bytes());
        out[12..16].copy_from_slice(&self.sn.to_le_bytes());
        out[16..20].copy_from_slice(&self.una.to_le_bytes());
        out[20..24].copy_from_slice(&self.len.to_le_bytes());
        out
    }
}

/// The conversation id of a packet (its first four bytes), if the packet
/// is long enough to hold a segment.
pub fn packet_conv(packet: &[u8]) -> Option<u32> {
    if packet.len() < HEADER_LEN {
        return None;
    }
    le_u32(packet, 0)
}

/// The `sn` of a packet's first segment, if the packet is long enough.
pub fn packet_sn(packet: &[u8]) -> Option<u32> {
    if packet.len() < HEADER_LEN {
        return None;
    }
    le_u32(packet, SN_OFFSET)
}

/// Why a packet was refused before reaching KCP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// Shorter than one segment header.
    #[error("KCP packet of {0} bytes is shorter than a segment header")]
    TooShort(usize),
    /// Longer than [`MAX_INPUT_PACKET`].
    #[error("KCP packet of {0} bytes exceeds {MAX_INPUT_PACKET} bytes")]
    TooLong(usize),
    /// A segment belongs to another conversation.
    #[error("KCP segment for conversation {found:#010x}, expected {expected:#010x}")]
    ConvMismatch {
        /// This session's conversation id.
        expected: u32,
        /// The segment's.
        found: u32,
    },
    /// `cmd` is not one of 81..=84.
    #[error("unknown KCP command {0}")]
    UnknownCommand(u8),
    /// `frg` is not 0. Snowflake runs KCP in stream mode, where every
    /// segment has `frg` 0. The crate would otherwise hold such segments
    /// back waiting for fragments that may never come (stalling the
    /// stream), compute `frg + 1` in `u8` (overflow at 255), and could
    /// assemble one "message" from the whole receive queue.
    #[error("KCP segment with fragment counter {0} in stream mode")]
    Fragmented(u8),
    /// `len` runs past the end of the packet.
    #[error("KCP segment payload of {len} bytes but only {remaining} bytes remain")]
    LengthOverrun {
        /// The announced payload length.
        len: u32,
        /// Bytes left in the packet after the header.
        remaining: usize,
    },
    /// An ACK, WASK or WINS segment carries payload; no KCP implementation
    /// sends that.
    #[error("KCP command {cmd} segment carries {len} payload bytes")]
    PayloadOnControl {
        /// The command.
        cmd: u8,
        /// The payload length.
        len: u32,
    },
    /// Bytes after the last segment that do not form a header.
    #[error("{0} stray bytes after the last KCP segment")]
    TrailingBytes(usize),
    /// A sequence number (`sn` or `una`) far outside anything this session
    /// has sent or can receive. See [`super::KcpCore::input`].
    #[error("KCP segment {field} {value} is outside the session's sequence window")]
    SequenceOutOfRange {
        /// `"sn"` or `"una"`.
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// An ACK echoes a timestamp this session cannot have sent recently.
    #[error("KCP acknowledgement timestamp {ts} is implausible at local time {now}")]
    TimestampOutOfRange {
        /// The echoed timestamp.
        ts: u32,
        /// Local KCP clock.
        now: u32,
    },
}

/// What a valid packet contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketSummary {
    /// Number of segments.
    pub segments: usize,
    /// Number of PUSH (data) segments.
    pub pushes: usize,
    /// Whether the packet asks for a reply on the next flush (it contains a
    /// PUSH, which gets acknowledged, or a WASK, which gets a WINS).
    pub needs_reply: bool,
}

/// Walks every segment of `packet` and checks its structure: length
/// bounds, conversation id `conv`, known command, `frg` 0, payload within
/// the packet and only on PUSH, nothing left over. Calls `each` for every
/// header so callers can add state-dependent checks in the same pass.
pub fn walk_packet(
    packet: &[u8],
    conv: u32,
    mut each: impl FnMut(&SegmentHeader) -> Result<(), SegmentError>,
) -> Result<PacketSummary, SegmentError> {
    if packet.len() < HEADER_LEN {
        return Err(SegmentError::TooShort(packet.len()));
    }
    if packet.len() > MAX_INPUT_PACKET {
        return Err(SegmentError::TooLong(packet.len()));
    }
    let mut summary = PacketSummary::default();
    let mut rest = packet;
    while !rest.is_empty() {
        let Some(header) = SegmentHeader::parse(rest) else {
            return Err(SegmentError::TrailingBytes(rest.len()));
        };
        let body = rest.get(HEADER_LEN..).unwrap_or_default();
        if header.conv != conv {
            return Err(SegmentError::ConvMismatch {
                expected: conv,
                found: header.conv,
            });
        }
        if !(CMD_PUSH..=CMD_WINS).contains(&header.cmd) {
            return Err(SegmentError::UnknownCommand(header.cmd));
        }
        if header.frg != 0 {
            return Err(SegmentError::Fragmented(header.frg));
        }
        let len = usize::try_from(header.len).unwrap_or(usize::MAX);
        if len > body.len() {
            return Err(SegmentError::LengthOverrun {
                len: header.len,
                remaining: body.len(),
            });
        }
        if header.cmd != CMD_PUSH && len != 0 {
            return Err(SegmentError::PayloadOnControl {
                cmd: header.cmd,
                len: header.len,
            });
        }
        each(&header)?;
        summary.segments += 1;
        if header.cmd == CMD_PUSH {
            summary.pushes += 1;
        }
        summary.needs_reply |= header.cmd == CMD_PUSH || header.cmd == CMD_WASK;
        rest = body.get(len..).unwrap_or_default();
    }
    Ok(summary)
}

/// [`walk_packet`] without extra checks: is `packet` a well-formed KCP
/// packet of conversation `conv`?
pub fn validate_packet(packet: &[u8], conv: u32) -> Result<PacketSummary, SegmentError> {
    walk_packet(packet, conv, |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(conv: u32, sn: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = SegmentHeader {
            conv,
            cmd: CMD_PUSH,
            wnd: 65535,
            sn,
            len: payload.len() as u32,
            ..Default::default()
        }
        .to_bytes()
        .to_vec();
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn header_round_trip() {
        let header = SegmentHeader {
            conv: 0x11223344,
            cmd: CMD_ACK,
            frg: 0,
            wnd: 65534,
            ts: 1000,
            sn: 0,
            una: 1,
            len: 0,
        };
        let bytes = header.to_bytes();
        // §11.5: the ACK a kcp-go server sends for the client's first PUSH.
        assert_eq!(
            hex::encode(bytes),
            "443322115200feffe8030000000000000100000000000000"
        );
        assert_eq!(SegmentHeader::parse(&bytes), Some(header));
        assert_eq!(SegmentHeader::parse(&bytes[..23]), None);
        assert_eq!(packet_conv(&bytes), Some(0x11223344));
        assert_eq!(packet_sn(&bytes), Some(0));
        assert_eq!(packet_conv(&bytes[..23]), None);
    }

    #[test]
    fn valid_packets() {
        let mut two = push(7, 0, b"hello");
        two.extend(push(7, 1, b""));
        assert_eq!(
            validate_packet(&two, 7),
            Ok(PacketSummary {
                segments: 2,
                pushes: 2,
                needs_reply: true
            })
        );
        let ack = SegmentHeader {
            conv: 7,
            cmd: CMD_ACK,
            ..Default::default()
        }
        .to_bytes();
        assert_eq!(
            validate_packet(&ack, 7),
            Ok(PacketSummary {
                segments: 1,
                pushes: 0,
                needs_reply: false
            })
        );
    }

    #[test]
    fn malformed_packets() {
        let good = push(7, 0, b"hello");
        assert_eq!(
            validate_packet(&good[..20], 7),
            Err(SegmentError::TooShort(20))
        );
        assert_eq!(
            validate_packet(&vec![0; 1501], 7),
            Err(SegmentError::TooLong(1501))
        );
        assert_eq!(
            validate_packet(&good, 8),
            Err(SegmentError::ConvMismatch {
                expected: 8,
                found: 7
            })
        );
        let mut bad = good.clone();
        bad[4] = 80;
        assert_eq!(
            validate_packet(&bad, 7),
            Err(SegmentError::UnknownCommand(80))
        );
        let mut bad = good.clone();
        bad[5] = 255;
        assert_eq!(validate_packet(&bad, 7), Err(SegmentError::Fragmented(255)));
        assert_eq!(
            validate_packet(&good[..28], 7),
            Err(SegmentError::LengthOverrun {
                len: 5,
                remaining: 4
            })
        );
        let mut bad = good.clone();
        bad[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            validate_packet(&bad, 7),
            Err(SegmentError::LengthOverrun { .. })
        ));
        let mut bad = good.clone();
        bad[4] = CMD_WINS;
        assert_eq!(
            validate_packet(&bad, 7),
            Err(SegmentError::PayloadOnControl { cmd: 84, len: 5 })
        );
        let mut bad = good.clone();
        bad.extend_from_slice(&[0; 10]);
        assert_eq!(
            validate_packet(&bad, 7),
            Err(SegmentError::TrailingBytes(10))
        );
        // A bad second segment rejects the whole packet.
        let mut bad = good.clone();
        bad.extend(push(9, 1, b"x"));
        assert!(matches!(
            validate_packet(&bad, 7),
            Err(SegmentError::ConvMismatch { found: 9, .. })
        ));
    }
}
