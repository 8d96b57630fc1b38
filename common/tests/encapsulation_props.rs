//! Splitting properties of the encapsulation decoder: a proxy re-chunks the
//! stream arbitrarily, so every way of splitting must decode the same.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use snowflake_common::encapsulation::{encode_data, encode_padding, DecodeError, Decoder};

/// Feeds `stream` to a fresh decoder in pieces ending at `cuts` (sorted
/// offsets) and returns the packets, checking the end-of-stream state.
fn decode_in_pieces(stream: &[u8], cuts: &[usize]) -> Result<Vec<Bytes>, DecodeError> {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&stream.len())) {
        buf.extend_from_slice(&stream[start..end]);
        start = end;
        while let Some(p) = dec.decode(&mut buf)? {
            out.push(p);
        }
    }
    dec.finish(&buf)?;
    Ok(out)
}

#[derive(Debug, Clone)]
enum Chunk {
    Data(Vec<u8>),
    Padding(usize),
}

fn encode(chunks: &[Chunk]) -> (Vec<u8>, Vec<Bytes>) {
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    for c in chunks {
        match c {
            Chunk::Data(d) => {
                encode_data(d, &mut buf).expect("encodable");
                packets.push(Bytes::copy_from_slice(d));
            }
            Chunk::Padding(n) => encode_padding(*n, &mut buf),
        }
    }
    (buf.to_vec(), packets)
}

#[test]
fn every_split_of_a_small_stream_decodes_the_same() {
    // A stream with a 1-byte data prefix, padding, an empty packet, a
    // non-minimal 2-byte prefix and a 2-byte padding prefix: 14 bytes, so
    // all 2^13 ways of splitting it are tried.
    let stream: Vec<u8> = vec![
        0x82, 0xaa, 0xbb, // data "aa bb"
        0x01, 0x00, // padding, 1 byte
        0x80, // empty data
        0xc0, 0x01, 0xcc, // non-minimal data "cc"
        0x40, 0x01, 0x00, // padding with 2-byte prefix
        0x81, 0xdd, // data "dd"
    ];
    let want: Vec<Bytes> = vec![
        Bytes::from_static(&[0xaa, 0xbb]),
        Bytes::new(),
        Bytes::from_static(&[0xcc]),
        Bytes::from_static(&[0xdd]),
    ];
    let n = stream.len();
    for mask in 0u32..(1 << (n - 1)) {
        let cuts: Vec<usize> = (1..n).filter(|i| mask & (1 << (i - 1)) != 0).collect();
        assert_eq!(
            decode_in_pieces(&stream, &cuts).expect("valid stream"),
            want,
            "cuts {cuts:?}"
        );
    }
}

fn chunk_strategy() -> impl Strategy<Value = Chunk> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Chunk::Data),
        1 => prop::collection::vec(any::<u8>(), 8000..9000).prop_map(Chunk::Data),
        1 => (1usize..3000).prop_map(Chunk::Padding),
    ]
}

proptest! {
    #[test]
    fn any_split_decodes_the_same(
        chunks in prop::collection::vec(chunk_strategy(), 0..12),
        raw_cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let (stream, want) = encode(&chunks);
        let mut cuts: Vec<usize> = if stream.is_empty() {
            Vec::new()
        } else {
            raw_cuts.iter().map(|i| i.index(stream.len())).collect()
        };
        cuts.sort_unstable();
        prop_assert_eq!(decode_in_pieces(&stream, &cuts).expect("valid stream"), want);
    }

    #[test]
    fn truncation_is_an_error_never_a_panic(
        chunks in prop::collection::vec(chunk_strategy(), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let (stream, _) = encode(&chunks);
        let end = cut.index(stream.len());
        // Ending anywhere is either a clean end between chunks or
        // UnexpectedEof: never another error, never a panic.
        match decode_in_pieces(&stream[..end], &[]) {
            Ok(_) | Err(DecodeError::UnexpectedEof) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode_in_pieces(&data, &[data.len() / 2]);
    }
}
