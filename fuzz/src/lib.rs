//! Helpers shared by the fuzz targets.
//!
//! Most targets feed a byte stream to an incremental decoder and must behave
//! the same whatever read boundaries the transport produces. They all read
//! their input in one format, [`SplitInput`], so that seed files are easy to
//! write by hand: `00` followed by a protocol message feeds the message in
//! one piece.

/// A fuzz input split into a payload and the read boundaries to feed it at.
///
/// Layout: byte 0 holds the number of chunk-length bytes in its low nibble
/// and four target-specific flag bits in its high nibble; then come that many
/// chunk lengths (one byte each, 0..=255), then the payload. The payload is
/// fed in pieces whose lengths cycle through the chunk lengths; with no
/// chunk lengths (or only zeros) it is fed in one piece. A zero length feeds
/// an empty piece, which decoders must also handle.
#[derive(Debug, Clone)]
pub struct SplitInput<'a> {
    /// The high nibble of byte 0 (already shifted down, 0..=15).
    pub flags: u8,
    /// Piece lengths, used cyclically.
    pub chunk_lengths: &'a [u8],
    /// The bytes to feed.
    pub payload: &'a [u8],
}

impl<'a> SplitInput<'a> {
    /// Parses the layout described on the type. Short inputs are read as
    /// far as they go (an empty input is an empty payload).
    pub fn parse(data: &'a [u8]) -> Self {
        let Some((&first, rest)) = data.split_first() else {
            return Self {
                flags: 0,
                chunk_lengths: &[],
                payload: &[],
            };
        };
        let count = usize::from(first & 0x0f).min(rest.len());
        let (chunk_lengths, payload) = rest.split_at(count);
        Self {
            flags: first >> 4,
            chunk_lengths,
            payload,
        }
    }

    /// Whether flag bit `bit` (0..=3) is set.
    pub fn flag(&self, bit: u8) -> bool {
        self.flags & (1 << bit) != 0
    }

    /// The payload cut at the chosen boundaries.
    pub fn pieces(&self) -> Pieces<'a> {
        split_cyclic(self.payload, self.chunk_lengths)
    }
}

/// Cuts `payload` into pieces whose lengths cycle through `lengths` (see
/// [`SplitInput`]).
pub fn split_cyclic<'a>(payload: &'a [u8], lengths: &'a [u8]) -> Pieces<'a> {
    let lengths = if lengths.iter().all(|&l| l == 0) {
        &[][..]
    } else {
        lengths
    };
    Pieces {
        rest: payload,
        lengths,
        next: 0,
        whole_done: false,
    }
}

/// Iterator over the pieces of a payload; see [`split_cyclic`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    rest: &'a [u8],
    lengths: &'a [u8],
    next: usize,
    whole_done: bool,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.lengths.is_empty() {
            // One piece, even when the payload is empty.
            if self.whole_done {
                return None;
            }
            self.whole_done = true;
            return Some(std::mem::take(&mut self.rest));
        }
        if self.rest.is_empty() {
            return None;
        }
        let len = usize::from(self.lengths[self.next % self.lengths.len()]);
        self.next += 1;
        let (piece, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        Some(piece)
    }
}

/// Reads fuzzer-chosen values from the front of a byte slice; reads past
/// the end give zeros, so every input is a valid program.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    data: &'a [u8],
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether all bytes have been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Up to `n` bytes (fewer at the end of the input).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_layout() {
        let input = SplitInput::parse(&[0x32, 1, 2, 9, 8, 7, 6]);
        assert_eq!(input.flags, 3);
        assert!(input.flag(0) && input.flag(1) && !input.flag(2));
        let pieces: Vec<&[u8]> = input.pieces().collect();
        assert_eq!(pieces, vec![&[9][..], &[8, 7], &[6]]);

        let whole = SplitInput::parse(&[0x00, 1, 2, 3]);
        assert_eq!(whole.pieces().collect::<Vec<_>>(), vec![&[1, 2, 3][..]]);

        let zeros = SplitInput::parse(&[0x02, 0, 0, 5]);
        assert_eq!(zeros.pieces().collect::<Vec<_>>(), vec![&[5][..]]);

        let with_empty = SplitInput::parse(&[0x02, 0, 2, 5, 6, 7]);
        assert_eq!(
            with_empty.pieces().collect::<Vec<_>>(),
            vec![&[][..], &[5, 6], &[], &[7]]
        );
        assert_eq!(
            SplitInput::parse(&[]).pieces().collect::<Vec<_>>(),
            vec![&[][..]]
        );
    }
}
