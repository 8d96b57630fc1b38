//! Re-encapsulation for clients that use the datagram channel
//! (`snowflake_rtc::datagram`, docs/datagram-channel.md).
//!
//! The relay's WebSocket carries one byte stream per client: the preamble
//! (token + ClientId), then encapsulated packets. A client on the datagram
//! channel sends its KCP packets as bare messages there, while its
//! reliable channel still carries the preamble (and any packets written
//! before it switched). [`UpstreamMerger`] turns both into the one stream
//! the server expects: it follows the reliable channel's bytes frame by
//! frame, so that a datagram is only ever placed between two whole frames.
//!
//! Toward the client, [`DownstreamSplitter`] passes the server's bytes
//! through untouched until the client has switched, following the frame
//! boundaries all along; from the first message that starts between two
//! frames after the switch, it cuts the stream into packets that the driver
//! sends as datagrams.
//!
//! Both are sans-IO; [`crate::relay`] drives them.

use bytes::{Bytes, BytesMut};
use snowflake_common::encapsulation::{encode_data, DecodeError, Deframer};
use snowflake_common::turbotunnel::TOKEN;

/// Length of the client preamble: token and ClientId.
const PREAMBLE_LEN: usize = 16;

/// Largest packet accepted from either side: a KCP packet is at most
/// 1400 bytes, so anything over 64 KiB is not a Snowflake stream, and
/// buffering it whole would only grow memory.
const MAX_PACKET: usize = 64 * 1024;

/// What the merger knows about the client's reliable stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    /// Reading the preamble (this many bytes seen).
    Preamble(usize),
    /// Preamble forwarded; frames follow.
    Frames,
    /// Not a Turbo Tunnel stream: passed through untouched, no datagrams.
    Opaque,
}

/// Client → relay: merges the reliable channel's bytes and the client's
/// datagrams into one encapsulated stream. See the module docs.
#[derive(Debug)]
pub struct UpstreamMerger {
    state: StreamState,
    deframer: Deframer,
    out: BytesMut,
    dropped_early: u64,
}

impl Default for UpstreamMerger {
    fn default() -> Self {
        Self::new()
    }
}

impl UpstreamMerger {
    /// A merger at the start of a client's stream.
    pub fn new() -> Self {
        UpstreamMerger {
            state: StreamState::Preamble(0),
            deframer: Deframer::new(MAX_PACKET),
            out: BytesMut::new(),
            dropped_early: 0,
        }
    }

    /// Takes bytes read from the reliable channel. An error means the
    /// client sent an impossible frame; the relay then ends.
    pub fn push_stream(&mut self, mut bytes: &[u8]) -> Result<(), DecodeError> {
        while let StreamState::Preamble(seen) = self.state {
            let Some((&byte, rest)) = bytes.split_first() else {
                return Ok(());
            };
            let token_byte = TOKEN.get(seen).copied();
            if token_byte.is_some_and(|t| t != byte) {
                // Not the token: hand the stream over as it is.
                self.state = StreamState::Opaque;
                break;
            }
            self.out.extend_from_slice(&[byte]);
            bytes = rest;
            self.state = if seen + 1 == PREAMBLE_LEN {
                StreamState::Frames
            } else {
                StreamState::Preamble(seen + 1)
            };
        }
        match self.state {
            StreamState::Opaque => {
                self.out.extend_from_slice(bytes);
                Ok(())
            }
            StreamState::Frames => {
                self.deframer.push(bytes);
                while let Some(packet) = self.deframer.next_packet()? {
                    self.frame(&packet);
                }
                Ok(())
            }
            StreamState::Preamble(_) => Ok(()),
        }
    }

    /// Takes one datagram (a bare packet). Returns whether it was placed
    /// in the stream: before the preamble is complete, or on a stream that
    /// is not Turbo Tunnel, it is dropped (KCP sends it again).
    pub fn push_datagram(&mut self, packet: &[u8]) -> bool {
        if self.state != StreamState::Frames || packet.is_empty() {
            self.dropped_early += 1;
            return false;
        }
        self.frame(packet);
        true
    }

    fn frame(&mut self, packet: &[u8]) {
        // Packets come out of a deframer bounded by MAX_PACKET or from a
        // datagram bounded by the channel, so they always fit a frame.
        if encode_data(packet, &mut self.out).is_err() {
            tracing::debug!(len = packet.len(), "packet too long to frame; dropped");
        }
    }

    /// The merged bytes ready for the WebSocket since the last call.
    pub fn take_output(&mut self) -> Option<Bytes> {
        (!self.out.is_empty()).then(|| self.out.split().freeze())
    }

    /// Datagrams dropped because the stream was not ready for them.
    pub fn dropped_early(&self) -> u64 {
        self.dropped_early
    }
}

/// What to do with bytes from the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Downstream {
    /// Write these bytes, untouched, into the reliable channel.
    Raw(Bytes),
    /// Send this packet as a datagram.
    Packet(Bytes),
}

/// Relay → client: passes the server's stream through untouched until the
/// client has switched to datagrams, then cuts it into packets. It follows
/// frame boundaries from the first byte, so the switch happens only at a
/// message that starts between two frames; a stream that is not
/// encapsulated is never switched. See the module docs.
#[derive(Debug)]
pub struct DownstreamSplitter {
    deframer: Deframer,
    switched: bool,
    opaque: bool,
}

impl Default for DownstreamSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl DownstreamSplitter {
    /// A splitter at the start of the server's stream.
    pub fn new() -> Self {
        DownstreamSplitter {
            deframer: Deframer::new(MAX_PACKET),
            switched: false,
            opaque: false,
        }
    }

    /// Whether packets now go out as datagrams.
    pub fn is_switched(&self) -> bool {
        self.switched
    }

    /// Takes one message from the relay; `client_switched` tells whether
    /// the client uses datagrams by now. Appends what to send to `out`.
    pub fn push(&mut self, bytes: Bytes, client_switched: bool, out: &mut Vec<Downstream>) {
        if self.opaque {
            out.push(Downstream::Raw(bytes));
            return;
        }
        if !self.switched && client_switched && self.deframer.finish().is_ok() {
            self.switched = true;
        }
        self.deframer.push(&bytes);
        let mut packets = Vec::new();
        loop {
            match self.deframer.next_packet() {
                Ok(Some(packet)) => packets.push(packet),
                Ok(None) => break,
                Err(_) if self.switched => {
                    // Already cut into packets: nothing to fall back to.
                    self.opaque = true;
                    break;
                }
                Err(_) => {
                    // Not an encapsulated stream: pass it on as it is.
                    self.opaque = true;
                    break;
                }
            }
        }
        if self.switched {
            out.extend(packets.into_iter().map(Downstream::Packet));
        } else {
            out.push(Downstream::Raw(bytes));
        }
    }

    /// Whether the relay's stream turned out not to be encapsulated after
    /// the switch (the relay then ends).
    pub fn is_broken(&self) -> bool {
        self.switched && self.opaque
    }
}

/// Frames `packet` for the reliable channel (appended to `out`).
pub fn frame_for_stream(packet: &[u8], out: &mut BytesMut) {
    if encode_data(packet, out).is_err() {
        tracing::debug!(len = packet.len(), "packet too long to frame; dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::encapsulation::encode_padding;

    fn preamble() -> Vec<u8> {
        let mut p = TOKEN.to_vec();
        p.extend_from_slice(&[7; 8]);
        p
    }

    fn framed(packets: &[&[u8]]) -> Vec<u8> {
        let mut out = BytesMut::new();
        for p in packets {
            encode_data(p, &mut out).expect("frame");
        }
        out.to_vec()
    }

    /// Decodes a merged stream back into its preamble and packets.
    fn unmerge(stream: &[u8]) -> (Vec<u8>, Vec<Bytes>) {
        let (pre, rest) = stream.split_at(PREAMBLE_LEN);
        let mut d = Deframer::new(MAX_PACKET);
        d.push(rest);
        let mut packets = Vec::new();
        while let Some(p) = d.next_packet().expect("valid stream") {
            packets.push(p);
        }
        d.finish().expect("no partial frame");
        (pre.to_vec(), packets)
    }

    #[test]
    fn datagrams_land_between_whole_frames_whatever_the_read_boundaries() {
        let mut stream = preamble();
        stream.extend(framed(&[b"first", &[9; 1400], b"third"]));
        // Feed the stream one byte at a time, with a datagram after each
        // byte: every datagram must end up between frames.
        let mut m = UpstreamMerger::new();
        let mut merged = Vec::new();
        let mut placed = 0;
        for byte in &stream {
            m.push_stream(std::slice::from_ref(byte)).expect("push");
            if m.push_datagram(b"dgram") {
                placed += 1;
            }
            if let Some(out) = m.take_output() {
                merged.extend_from_slice(&out);
            }
        }
        let (pre, packets) = unmerge(&merged);
        assert_eq!(pre, preamble());
        let real: Vec<&[u8]> = packets
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| *p != b"dgram")
            .collect();
        assert_eq!(real, vec![&b"first"[..], &[9; 1400][..], &b"third"[..]]);
        assert_eq!(packets.len() - real.len(), placed);
        // Datagrams before the preamble was complete were dropped.
        assert_eq!(m.dropped_early(), PREAMBLE_LEN as u64 - 1);
    }

    #[test]
    fn padding_from_the_client_is_not_forwarded() {
        let mut stream = preamble();
        let mut out = BytesMut::new();
        encode_padding(300, &mut out);
        encode_data(b"data", &mut out).expect("frame");
        stream.extend_from_slice(&out);
        let mut m = UpstreamMerger::new();
        m.push_stream(&stream).expect("push");
        let merged = m.take_output().expect("output");
        let (_, packets) = unmerge(&merged);
        assert_eq!(packets, vec![Bytes::from_static(b"data")]);
    }

    #[test]
    fn a_stream_that_is_not_turbo_tunnel_passes_untouched() {
        let mut m = UpstreamMerger::new();
        let stream = b"GET / HTTP/1.1\r\n\r\n".to_vec();
        m.push_stream(&stream[..3]).expect("push");
        assert!(!m.push_datagram(b"x"));
        m.push_stream(&stream[3..]).expect("push");
        assert_eq!(m.take_output().expect("output").as_ref(), &stream[..]);
        assert!(m.take_output().is_none());
    }

    #[test]
    fn an_impossible_frame_is_an_error_not_a_panic() {
        let mut m = UpstreamMerger::new();
        m.push_stream(&preamble()).expect("preamble");
        // A data frame announcing more than any packet can be.
        let mut huge = BytesMut::new();
        encode_data(&vec![0; MAX_PACKET + 1], &mut huge).expect("frame");
        let result = m.push_stream(&huge[..16]);
        assert!(matches!(result, Err(DecodeError::PacketTooLarge { .. })));
    }

    fn packets_of(out: &[Downstream]) -> Vec<Bytes> {
        out.iter()
            .filter_map(|d| match d {
                Downstream::Packet(p) => Some(p.clone()),
                Downstream::Raw(_) => None,
            })
            .collect()
    }

    fn raw_of(out: &[Downstream]) -> Vec<u8> {
        out.iter()
            .flat_map(|d| match d {
                Downstream::Raw(r) => r.to_vec(),
                Downstream::Packet(_) => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn the_splitter_passes_bytes_untouched_until_the_client_switches() {
        let stream = framed(&[b"one", &[1; 1400], b"three"]);
        let mut s = DownstreamSplitter::new();
        let mut out = Vec::new();
        for chunk in stream.chunks(100) {
            s.push(Bytes::copy_from_slice(chunk), false, &mut out);
        }
        assert_eq!(raw_of(&out), stream);
        assert!(packets_of(&out).is_empty());
        assert!(!s.is_switched());
    }

    #[test]
    fn the_splitter_switches_only_between_frames() {
        let first = framed(&[b"one", &[1; 1400]]);
        let second = framed(&[b"three", b"four"]);
        let mut s = DownstreamSplitter::new();
        let mut out = Vec::new();
        // The client switches while the relay is inside the big frame: the
        // rest of that frame still goes out raw.
        s.push(Bytes::copy_from_slice(&first[..600]), false, &mut out);
        s.push(Bytes::copy_from_slice(&first[600..]), true, &mut out);
        assert!(!s.is_switched());
        assert_eq!(raw_of(&out), first);
        out.clear();
        // The next message starts between frames: packets from here on.
        s.push(Bytes::from(second), true, &mut out);
        assert!(s.is_switched());
        assert_eq!(
            packets_of(&out),
            vec![Bytes::from_static(b"three"), Bytes::from_static(b"four")]
        );
        assert!(raw_of(&out).is_empty());
    }

    #[test]
    fn a_relay_stream_that_is_not_encapsulated_is_never_switched() {
        let mut s = DownstreamSplitter::new();
        let mut out = Vec::new();
        let mut huge = BytesMut::new();
        encode_data(&vec![0; MAX_PACKET + 1], &mut huge).expect("frame");
        let garbage = Bytes::copy_from_slice(&huge[..16]);
        s.push(garbage.clone(), false, &mut out);
        s.push(Bytes::from_static(b"last words"), true, &mut out);
        assert!(!s.is_switched());
        assert!(!s.is_broken());
        let mut expected = garbage.to_vec();
        expected.extend_from_slice(b"last words");
        assert_eq!(raw_of(&out), expected);
    }
}
