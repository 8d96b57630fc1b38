//! Encapsulation of packets in a byte stream (docs/protocol.md §1.2).
//!
//! Between the client's KCP and the server's KCP, every hop is an opaque byte
//! stream that proxies re-chunk at will, so packet boundaries are recovered
//! here. A stream is a sequence of chunks, each a 1–3 byte length prefix and
//! that many bytes. The first prefix byte holds a data/padding bit, a
//! continuation bit and 6 length bits; each continuation byte holds a
//! continuation bit and 7 more length bits, most significant first. Padding
//! chunks are skipped by readers; data chunks are packets.
//!
//! [`Decoder`] is incremental: it works on whatever read boundaries the
//! transport produces and never buffers more than one packet plus what the
//! caller has read ahead.
//!
//! [`Deframer`] and [`Framer`] are the sans-IO halves of an encapsulated
//! connection, shared by every driver that moves packets over a stream (the
//! stream adapter in [`crate::turbotunnel`], the server's WebSocket loops):
//! the deframer owns the read buffer and turns incoming byte chunks into
//! whole packets under a size limit; the framer coalesces outgoing packets
//! into one buffer for one write.

use bytes::{Buf, Bytes, BytesMut};

/// The largest length a 3-byte prefix can express (20 value bits).
pub const MAX_CHUNK_LEN: usize = 0xF_FFFF;

/// Largest total size of one padding chunk written by [`encode_padding`];
/// longer padding is split into several chunks.
const PADDING_PIECE: usize = 1024;

/// Errors from decoding an encapsulated stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A length prefix had a fourth byte; at most three are allowed.
    #[error("encapsulation length prefix longer than 3 bytes")]
    PrefixTooLong,
    /// A data chunk is longer than this decoder accepts.
    #[error("encapsulated packet of {len} bytes exceeds the limit of {max}")]
    PacketTooLarge {
        /// The length announced by the prefix.
        len: usize,
        /// The decoder's limit.
        max: usize,
    },
    /// The stream ended inside a chunk.
    #[error("encapsulated stream ended inside a chunk")]
    UnexpectedEof,
}

/// Errors from encoding a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("packet of {0} bytes is too long to encapsulate (max {MAX_CHUNK_LEN})")]
pub struct PacketTooLong(pub usize);

/// A chunk whose prefix has been read but whose body has not been fully
/// consumed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Nothing pending: the next byte starts a prefix.
    None,
    /// A data chunk of this length; its bytes are collected whole.
    Data(usize),
    /// This many padding bytes remain to be skipped.
    Padding(usize),
}

/// Incremental decoder from an encapsulated byte stream to packets.
///
/// Append bytes read from the transport to a `BytesMut` and call
/// [`Decoder::decode`] until it returns `Ok(None)`; at end of stream call
/// [`Decoder::finish`] to tell a clean end from a truncated chunk.
#[derive(Debug, Clone)]
pub struct Decoder {
    pending: Pending,
    max_packet: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder that accepts data chunks up to [`MAX_CHUNK_LEN`] bytes.
    pub fn new() -> Self {
        Self::with_max_packet(MAX_CHUNK_LEN)
    }

    /// A decoder that refuses data chunks longer than `max_packet` bytes,
    /// which bounds how much it buffers for one packet. Padding of any
    /// length is still skipped without buffering.
    pub fn with_max_packet(max_packet: usize) -> Self {
        Self {
            pending: Pending::None,
            max_packet: max_packet.min(MAX_CHUNK_LEN),
        }
    }

    /// Consumes bytes from `buf` and returns the next complete packet, or
    /// `Ok(None)` when more input is needed. Padding is consumed (and
    /// dropped from `buf`) as it arrives.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, DecodeError> {
        loop {
            match self.pending {
                Pending::None => match parse_prefix(buf)? {
                    None => return Ok(None),
                    Some((is_data, len, prefix_len)) => {
                        if is_data && len > self.max_packet {
                            return Err(DecodeError::PacketTooLarge {
                                len,
                                max: self.max_packet,
                            });
                        }
                        buf.advance(prefix_len);
                        self.pending = if is_data {
                            Pending::Data(len)
                        } else {
                            Pending::Padding(len)
                        };
                    }
                },
                Pending::Padding(remaining) => {
                    let skip = remaining.min(buf.len());
                    buf.advance(skip);
                    if skip < remaining {
                        self.pending = Pending::Padding(remaining - skip);
                        return Ok(None);
                    }
                    self.pending = Pending::None;
                }
                Pending::Data(len) => {
                    if buf.len() < len {
                        // Make room once for the whole packet so the caller's
                        // reads do not reallocate repeatedly.
                        buf.reserve(len - buf.len());
                        return Ok(None);
                    }
                    self.pending = Pending::None;
                    return Ok(Some(buf.split_to(len).freeze()));
                }
            }
        }
    }

    /// Checks the state at end of stream: `Ok` if the stream ended between
    /// chunks, [`DecodeError::UnexpectedEof`] if it ended inside one.
    /// `buf` is what remains undecoded.
    pub fn finish(&self, buf: &BytesMut) -> Result<(), DecodeError> {
        if self.pending == Pending::None && buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::UnexpectedEof)
        }
    }
}

/// Parses a length prefix at the start of `buf` without consuming it.
/// Returns `(is_data, length, prefix_len)`, or `None` if `buf` holds only
/// part of a prefix.
fn parse_prefix(buf: &[u8]) -> Result<Option<(bool, usize, usize)>, DecodeError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let is_data = first & 0x80 != 0;
    let mut len = usize::from(first & 0x3f);
    let mut more = first & 0x40 != 0;
    let mut prefix_len = 1;
    while more {
        if prefix_len == 3 {
            return Err(DecodeError::PrefixTooLong);
        }
        let Some(&b) = buf.get(prefix_len) else {
            return Ok(None);
        };
        len = (len << 7) | usize::from(b & 0x7f);
        more = b & 0x80 != 0;
        prefix_len += 1;
    }
    Ok(Some((is_data, len, prefix_len)))
}

/// The shortest data prefix for a chunk of `len` bytes, as the Go writer
/// emits it. Returns the prefix bytes and how many of them are used.
pub fn data_prefix(len: usize) -> Result<([u8; 3], usize), PacketTooLong> {
    prefix(0x80, len)
}

fn prefix(kind: u8, len: usize) -> Result<([u8; 3], usize), PacketTooLong> {
    // Each arm masks `len` to the bits its prefix can hold, so the casts
    // below never truncate meaningful bits.
    if len <= 0x3f {
        Ok(([kind | len as u8, 0, 0], 1))
    } else if len <= 0x1fff {
        Ok(([kind | 0x40 | (len >> 7) as u8, (len & 0x7f) as u8, 0], 2))
    } else if len <= MAX_CHUNK_LEN {
        Ok((
            [
                kind | 0x40 | (len >> 14) as u8,
                0x80 | ((len >> 7) & 0x7f) as u8,
                (len & 0x7f) as u8,
            ],
            3,
        ))
    } else {
        Err(PacketTooLong(len))
    }
}

/// Appends `packet` to `out` as one data chunk with the shortest prefix.
pub fn encode_data(packet: &[u8], out: &mut BytesMut) -> Result<(), PacketTooLong> {
    let (p, n) = data_prefix(packet.len())?;
    out.reserve(n + packet.len());
    out.extend_from_slice(&p[..n]);
    out.extend_from_slice(packet);
    Ok(())
}

/// Appends padding chunks whose total size, prefixes included, is exactly
/// `n` bytes, split the way the Go writer splits them (pieces of at most
/// 1024 bytes; a 1-byte prefix when the piece is at most 64 bytes, else a
/// 2-byte prefix). Padding bytes are zero.
pub fn encode_padding(mut n: usize, out: &mut BytesMut) {
    out.reserve(n);
    while n > 0 {
        let piece = n.min(PADDING_PIECE);
        n -= piece;
        // Go picks the prefix size from the piece size, so a 65-byte piece
        // gets a 2-byte prefix even though its 63-byte body would fit a
        // 1-byte one. piece ≤ 1024, so the body length fits 2 bytes.
        let used = if piece <= 64 {
            out.extend_from_slice(&[(piece - 1) as u8]);
            1
        } else {
            let body = piece - 2;
            out.extend_from_slice(&[0x40 | (body >> 7) as u8, (body & 0x7f) as u8]);
            2
        };
        out.resize(out.len() + piece - used, 0);
    }
}

/// Spare capacity [`Deframer::read_buffer`] keeps available for the next
/// read; below it the buffer grows by [`READ_BUFFER_GROWTH`].
const READ_BUFFER_MIN_SPARE: usize = 2048;

/// How much [`Deframer::read_buffer`] grows the buffer at a time.
const READ_BUFFER_GROWTH: usize = 64 * 1024;

/// The receiving half of an encapsulated connection, without I/O: feed it
/// the stream's bytes as they arrive, in chunks of any size, and take whole
/// packets out.
///
/// Data chunks longer than the limit given to [`Deframer::new`] are refused
/// as soon as their prefix is seen, so the buffer never holds more than one
/// packet plus what the transport delivered past it. Padding of any length
/// is skipped.
#[derive(Debug)]
pub struct Deframer {
    decoder: Decoder,
    buf: BytesMut,
}

impl Deframer {
    /// A deframer that refuses packets longer than `max_packet` bytes
    /// (capped at [`MAX_CHUNK_LEN`]).
    pub fn new(max_packet: usize) -> Self {
        Self {
            decoder: Decoder::with_max_packet(max_packet),
            buf: BytesMut::new(),
        }
    }

    /// Appends bytes received from the transport.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The buffer to read the transport's next bytes into directly (for
    /// instance with `AsyncReadExt::read_buf`), with room for at least one
    /// more read without reallocating on every call.
    pub fn read_buffer(&mut self) -> &mut BytesMut {
        if self.buf.capacity() - self.buf.len() < READ_BUFFER_MIN_SPARE {
            self.buf.reserve(READ_BUFFER_GROWTH);
        }
        &mut self.buf
    }

    /// The next whole packet, or `Ok(None)` when more bytes are needed. An
    /// error means the stream is unusable from here on.
    pub fn next_packet(&mut self) -> Result<Option<Bytes>, DecodeError> {
        self.decoder.decode(&mut self.buf)
    }

    /// At end of stream: `Ok` if it ended between chunks,
    /// [`DecodeError::UnexpectedEof`] if it ended inside one.
    pub fn finish(&self) -> Result<(), DecodeError> {
        self.decoder.finish(&self.buf)
    }
}

/// The sending half of an encapsulated connection, without I/O: packets go
/// in as data chunks, and the bytes come out for one write. A driver frames
/// the packet it waited for plus whatever else is already queued, up to a
/// size at which it writes ([`Framer::push_batch`]).
#[derive(Debug)]
pub struct Framer {
    buf: BytesMut,
    write_at: usize,
}

impl Framer {
    /// A framer that stops coalescing once `write_at` bytes are buffered.
    /// A single packet may take it past that size.
    pub fn new(write_at: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            write_at,
        }
    }

    /// A framer whose buffer starts with room for `capacity` bytes.
    pub fn with_capacity(write_at: usize, capacity: usize) -> Self {
        Self {
            buf: BytesMut::with_capacity(capacity),
            write_at,
        }
    }

    /// Appends `packet` as one data chunk. A packet too long to encode
    /// leaves the buffer as it was.
    pub fn push_packet(&mut self, packet: &[u8]) -> Result<(), PacketTooLong> {
        encode_data(packet, &mut self.buf)
    }

    /// Appends padding chunks of exactly `n` bytes in total, prefixes
    /// included (see [`encode_padding`]).
    pub fn push_padding(&mut self, n: usize) {
        encode_padding(n, &mut self.buf);
    }

    /// Appends `first`, then packets from `ready` (which returns `None` when
    /// nothing more is queued right now) until the buffer reaches the write
    /// size. Stops at the first packet too long to encode and returns its
    /// error; the packets before it stay framed, that one is lost.
    pub fn push_batch(
        &mut self,
        first: &[u8],
        mut ready: impl FnMut() -> Option<Bytes>,
    ) -> Result<(), PacketTooLong> {
        self.push_packet(first)?;
        while !self.is_full() {
            match ready() {
                Some(packet) => self.push_packet(&packet)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Whether the buffer reached the write size.
    pub fn is_full(&self) -> bool {
        self.buf.len() >= self.write_at
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes framed so far.
    pub fn framed(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets the framed bytes (after writing them), keeping the buffer's
    /// memory for the next batch.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Takes the framed bytes out, as one message.
    pub fn take(&mut self) -> Bytes {
        self.buf.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).expect("test vector is hex")
    }

    fn decode_all(input: &[u8]) -> Result<Vec<Bytes>, DecodeError> {
        let mut dec = Decoder::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(p) = dec.decode(&mut buf)? {
            out.push(p);
        }
        dec.finish(&buf)?;
        Ok(out)
    }

    #[test]
    fn data_prefix_vectors() {
        // §11.1
        let table: &[(usize, &str)] = &[
            (0, "80"),
            (5, "85"),
            (63, "bf"),
            (64, "c0 40"),
            (200, "c1 48"),
            (1376, "ca 60"),
            (1400, "ca 78"),
            (8191, "ff 7f"),
            (8192, "c0 c0 00"),
            (20000, "c1 9c 20"),
            (1048575, "ff ff 7f"),
        ];
        for &(len, want) in table {
            let (p, n) = data_prefix(len).expect("encodable");
            assert_eq!(p[..n], hex(want)[..], "length {len}");
            // And the decoder reads the same length back.
            let mut buf = BytesMut::from(&p[..n]);
            assert_eq!(
                parse_prefix(&buf).expect("valid"),
                Some((true, len, n)),
                "length {len}"
            );
            buf.clear();
        }
        assert_eq!(data_prefix(1048576), Err(PacketTooLong(1048576)));
        let mut out = BytesMut::new();
        assert!(encode_data(&vec![0; 1048576], &mut out).is_err());
    }

    #[test]
    fn five_byte_packet() {
        let mut out = BytesMut::new();
        encode_data(&[1, 2, 3, 4, 5], &mut out).expect("encodable");
        assert_eq!(out[..], hex("85 01 02 03 04 05")[..]);
        assert_eq!(
            decode_all(&out).expect("decodes"),
            vec![Bytes::from_static(&[1, 2, 3, 4, 5])]
        );
    }

    #[test]
    fn reader_vectors() {
        let five = vec![Bytes::from_static(&[1, 2, 3, 4, 5])];
        // Non-minimal prefix.
        assert_eq!(decode_all(&hex("c0 05 01 02 03 04 05")).expect("ok"), five);
        // Empty padding chunk, then data.
        assert_eq!(decode_all(&hex("00 85 01 02 03 04 05")).expect("ok"), five);
        // 4 padding bytes, then data.
        assert_eq!(
            decode_all(&hex("04 aa bb cc dd 85 01 02 03 04 05")).expect("ok"),
            five
        );
        // 4-byte prefix.
        assert_eq!(
            decode_all(&hex("c0 80 80 80 00")),
            Err(DecodeError::PrefixTooLong)
        );
        // Truncated data chunk.
        assert_eq!(
            decode_all(&hex("85 01 02")),
            Err(DecodeError::UnexpectedEof)
        );
        // Truncated prefix and truncated padding.
        assert_eq!(decode_all(&hex("c0")), Err(DecodeError::UnexpectedEof));
        assert_eq!(decode_all(&hex("04 00")), Err(DecodeError::UnexpectedEof));
        // Empty input is a clean end.
        assert_eq!(decode_all(&[]).expect("ok"), Vec::<Bytes>::new());
        // Zero-length data chunk is a packet.
        assert_eq!(decode_all(&hex("80")).expect("ok"), vec![Bytes::new()]);
    }

    #[test]
    fn worked_example_from_reference() {
        // §1.4 / §11.5: token and ClientID are not encapsulated; the chunk is.
        let segment = hex(
            "44 33 22 11 51 00 ff ff e8 03 00 00 00 00 00 00 00 00 00 00 08 00 00 00 \
             02 00 00 00 03 00 00 00",
        );
        let mut out = BytesMut::new();
        encode_data(&segment, &mut out).expect("encodable");
        assert_eq!(out[0], 0xa0);
        assert_eq!(out[1..], segment[..]);
        let ack = hex("44 33 22 11 52 00 fe ff e8 03 00 00 00 00 00 00 01 00 00 00 00 00 00 00");
        out.clear();
        encode_data(&ack, &mut out).expect("encodable");
        assert_eq!(out[0], 0x98);
    }

    #[test]
    fn padding_vectors() {
        // §11.2
        let zeros = |n: usize| "00 ".repeat(n);
        let table: Vec<(usize, String)> = vec![
            (1, "00".into()),
            (2, "01 00".into()),
            (5, "04 00 00 00 00".into()),
            (64, format!("3f {}", zeros(63))),
            (65, format!("40 3f {}", zeros(63))),
            (1024, format!("47 7e {}", zeros(1022))),
            (1025, format!("47 7e {} 00", zeros(1022))),
            (1500, format!("47 7e {} 43 5a {}", zeros(1022), zeros(474))),
        ];
        for (n, want) in table {
            let mut out = BytesMut::new();
            encode_padding(n, &mut out);
            assert_eq!(out[..], hex(want.trim())[..], "padding {n}");
            assert_eq!(
                decode_all(&out).expect("padding decodes"),
                Vec::<Bytes>::new()
            );
        }
        let mut out = BytesMut::new();
        encode_padding(0, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn limit_refuses_oversize_packet_before_buffering() {
        let mut dec = Decoder::with_max_packet(1400);
        let mut buf = BytesMut::from(&hex("ca 79")[..]); // 1401 bytes announced
        assert_eq!(
            dec.decode(&mut buf),
            Err(DecodeError::PacketTooLarge {
                len: 1401,
                max: 1400
            })
        );
        // Padding of any size is still skipped.
        let mut dec = Decoder::with_max_packet(16);
        let mut buf = BytesMut::new();
        encode_padding(5000, &mut buf);
        encode_data(b"ok", &mut buf).expect("encodable");
        assert_eq!(
            dec.decode(&mut buf).expect("ok"),
            Some(Bytes::from_static(b"ok"))
        );
    }

    /// Feeds `stream` to a deframer cut at `cuts` and collects the packets.
    fn deframe_in_pieces(
        stream: &[u8],
        cuts: &[usize],
        max: usize,
    ) -> Result<Vec<Bytes>, DecodeError> {
        let mut deframer = Deframer::new(max);
        let mut out = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            deframer.push(&stream[start..cut]);
            start = cut;
            while let Some(p) = deframer.next_packet()? {
                out.push(p);
            }
        }
        deframer.finish()?;
        Ok(out)
    }

    fn sample_stream() -> (Vec<u8>, Vec<Bytes>) {
        let packets: Vec<Bytes> = [0usize, 1, 63, 64, 200, 1400]
            .iter()
            .map(|&n| Bytes::from((0..n).map(|i| i as u8).collect::<Vec<u8>>()))
            .collect();
        let mut framer = Framer::new(usize::MAX);
        for (i, p) in packets.iter().enumerate() {
            framer.push_padding(i * 37);
            framer.push_packet(p).expect("encodable");
        }
        framer.push_padding(3000);
        (framer.framed().to_vec(), packets)
    }

    #[test]
    fn deframer_any_split_point() {
        let (stream, packets) = sample_stream();
        for cut in 0..=stream.len() {
            assert_eq!(
                deframe_in_pieces(&stream, &[cut], 1400).expect("valid"),
                packets,
                "cut at {cut}"
            );
        }
        // One byte at a time.
        let every: Vec<usize> = (1..stream.len()).collect();
        assert_eq!(
            deframe_in_pieces(&stream, &every, 1400).expect("valid"),
            packets
        );
    }

    #[test]
    fn deframer_skips_padding_only() {
        let mut framer = Framer::new(usize::MAX);
        framer.push_padding(10_000);
        let stream = framer.take();
        assert!(framer.is_empty());
        for cut in [0, 1, 2, 1023, 1024, 1025, 9_999] {
            assert_eq!(
                deframe_in_pieces(&stream, &[cut], 16).expect("valid"),
                Vec::<Bytes>::new()
            );
        }
    }

    #[test]
    fn deframer_refuses_oversize_packet() {
        let mut framer = Framer::new(usize::MAX);
        framer.push_packet(b"fine").expect("encodable");
        framer.push_packet(&[0; 2049]).expect("encodable");
        let stream = framer.take();
        let mut deframer = Deframer::new(2048);
        // Only the first packet and the next prefix arrive: the oversize
        // packet is refused before its body is buffered.
        deframer.push(&stream[..5 + 2]);
        assert_eq!(
            deframer.next_packet(),
            Ok(Some(Bytes::from_static(b"fine")))
        );
        assert_eq!(
            deframer.next_packet(),
            Err(DecodeError::PacketTooLarge {
                len: 2049,
                max: 2048
            })
        );
        // At exactly the limit it passes.
        assert_eq!(
            deframe_in_pieces(&stream, &[], 2049).expect("valid").len(),
            2
        );
    }

    #[test]
    fn deframer_end_of_stream() {
        let mut deframer = Deframer::new(1400);
        assert_eq!(deframer.finish(), Ok(()));
        deframer.push(&hex("85 01 02"));
        assert_eq!(deframer.next_packet(), Ok(None));
        assert_eq!(deframer.finish(), Err(DecodeError::UnexpectedEof));
        deframer.push(&hex("03 04 05"));
        assert_eq!(
            deframer.next_packet(),
            Ok(Some(Bytes::from_static(&[1, 2, 3, 4, 5])))
        );
        assert_eq!(deframer.finish(), Ok(()));
        deframer.push(&hex("c0 80 80 80"));
        assert_eq!(deframer.next_packet(), Err(DecodeError::PrefixTooLong));
    }

    #[test]
    fn deframer_read_buffer_keeps_room() {
        let mut deframer = Deframer::new(1400);
        let buf = deframer.read_buffer();
        assert!(buf.capacity() - buf.len() >= READ_BUFFER_MIN_SPARE);
        buf.extend_from_slice(&hex("85 01 02 03 04 05"));
        assert_eq!(
            deframer.next_packet(),
            Ok(Some(Bytes::from_static(&[1, 2, 3, 4, 5])))
        );
    }

    #[test]
    fn framer_coalesces_up_to_write_size() {
        let mut queued: std::collections::VecDeque<Bytes> =
            (0..10u8).map(|i| Bytes::from(vec![i; 30])).collect();
        // 31 bytes per packet: the batch stops once 100 bytes are framed.
        let mut framer = Framer::new(100);
        framer
            .push_batch(b"first", || queued.pop_front())
            .expect("encodable");
        assert_eq!(framer.framed().len(), 6 + 31 * 4);
        assert!(framer.is_full());
        assert_eq!(queued.len(), 6, "the rest waits for the next batch");
        let batch = framer.take();
        assert!(framer.is_empty() && !framer.is_full());
        assert_eq!(
            deframe_in_pieces(&batch, &[], 1400).expect("valid"),
            std::iter::once(Bytes::from_static(b"first"))
                .chain((0..4u8).map(|i| Bytes::from(vec![i; 30])))
                .collect::<Vec<_>>()
        );
        // Nothing else queued: the batch is the one packet.
        framer.push_batch(b"alone", || None).expect("encodable");
        assert_eq!(framer.framed(), &hex("85 61 6c 6f 6e 65")[..]);
        framer.clear();
        assert!(framer.is_empty());
    }

    #[test]
    fn framer_stops_at_packet_too_long() {
        let long = Bytes::from(vec![0; MAX_CHUNK_LEN + 1]);
        let mut queued: std::collections::VecDeque<Bytes> = [
            Bytes::from_static(b"a"),
            long.clone(),
            Bytes::from_static(b"b"),
        ]
        .into_iter()
        .collect();
        let mut framer = Framer::with_capacity(usize::MAX, 64);
        assert_eq!(
            framer.push_batch(b"x", || queued.pop_front()),
            Err(PacketTooLong(MAX_CHUNK_LEN + 1))
        );
        // The packets before it stay framed; the one after is not taken.
        assert_eq!(framer.framed(), &hex("81 78 81 61")[..]);
        assert_eq!(queued.len(), 1);
        framer.clear();
        assert_eq!(
            framer.push_batch(&long, || None),
            Err(PacketTooLong(MAX_CHUNK_LEN + 1))
        );
        assert!(framer.is_empty());
    }
}
