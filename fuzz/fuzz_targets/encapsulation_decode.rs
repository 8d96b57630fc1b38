//! Encapsulation decoder (docs/protocol.md §1.2) on arbitrary bytes fed at
//! fuzzer-chosen read boundaries.
//!
//! Input: [`SplitInput`]; flag bits 0-1 pick the decoder's packet limit
//! (MAX_CHUNK_LEN, 1400, 64, 0).
//!
//! Checks: no panic; the decoder never holds more than one packet's worth
//! of undecoded bytes after returning `Ok(None)`; returned packets respect
//! the limit; the result (packets, error, clean end) is the same as that of
//! a simple whole-buffer reference parser written from the spec, whatever
//! the split; re-encoding the packets and decoding that again gives the same
//! packets with a clean end.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use snowflake_common::encapsulation::{encode_data, DecodeError, Decoder, MAX_CHUNK_LEN};
use snowflake_common_fuzz::SplitInput;

/// Whole-buffer parser written straight from §1.2, independent of the
/// incremental decoder. Returns the packets and how the stream ended.
fn reference(data: &[u8], max_packet: usize) -> (Vec<Vec<u8>>, Result<(), DecodeError>) {
    let mut packets = Vec::new();
    let mut pos = 0usize;
    loop {
        if pos == data.len() {
            return (packets, Ok(()));
        }
        let first = data[pos];
        let is_data = first & 0x80 != 0;
        let mut len = usize::from(first & 0x3f);
        let mut more = first & 0x40 != 0;
        let mut prefix_len = 1;
        while more {
            if prefix_len == 3 {
                return (packets, Err(DecodeError::PrefixTooLong));
            }
            let Some(&b) = data.get(pos + prefix_len) else {
                return (packets, Err(DecodeError::UnexpectedEof));
            };
            len = (len << 7) | usize::from(b & 0x7f);
            more = b & 0x80 != 0;
            prefix_len += 1;
        }
        if is_data && len > max_packet {
            return (
                packets,
                Err(DecodeError::PacketTooLarge {
                    len,
                    max: max_packet,
                }),
            );
        }
        let start = pos + prefix_len;
        let end = start + len;
        if end > data.len() {
            return (packets, Err(DecodeError::UnexpectedEof));
        }
        if is_data {
            packets.push(data[start..end].to_vec());
        }
        pos = end;
    }
}

fuzz_target!(|data: &[u8]| {
    let input = SplitInput::parse(data);
    let max_packet = match input.flags & 3 {
        0 => MAX_CHUNK_LEN,
        1 => 1400,
        2 => 64,
        _ => 0,
    };

    let mut decoder = Decoder::with_max_packet(max_packet);
    let mut buf = BytesMut::new();
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut outcome: Result<(), DecodeError> = Ok(());
    'feed: for piece in input.pieces() {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(packet)) => {
                    assert!(packet.len() <= max_packet, "packet over the limit");
                    packets.push(packet.to_vec());
                }
                Ok(None) => {
                    // Only a partial prefix (at most 2 bytes) or part of one
                    // data chunk may be left; padding is never buffered.
                    assert!(
                        buf.len() <= max_packet.max(2),
                        "decoder left {} bytes buffered (limit {max_packet})",
                        buf.len()
                    );
                    break;
                }
                Err(err) => {
                    outcome = Err(err);
                    break 'feed;
                }
            }
        }
    }
    if outcome.is_ok() {
        outcome = decoder.finish(&buf);
    }

    let (want_packets, want_outcome) = reference(input.payload, max_packet);
    assert_eq!(packets, want_packets, "packets differ from the reference");
    assert_eq!(
        outcome, want_outcome,
        "end of stream differs from the reference"
    );

    // Round trip: the packets re-encoded decode to the same packets.
    let mut encoded = BytesMut::new();
    for packet in &packets {
        encode_data(packet, &mut encoded).expect("a decoded packet is encodable");
    }
    let mut again = Decoder::with_max_packet(max_packet);
    let mut redecoded = Vec::new();
    while let Some(packet) = again
        .decode(&mut encoded)
        .expect("re-encoded stream decodes")
    {
        redecoded.push(packet.to_vec());
    }
    again
        .finish(&encoded)
        .expect("re-encoded stream ends cleanly");
    assert_eq!(redecoded, packets, "round trip changed the packets");
});
