//! Per-stream receive buffer whose memory is accounted exactly.
//!
//! The session's token bucket is charged with the *allocated capacity* of
//! this buffer rather than the payload length. Charging payload bytes only
//! (as Go smux does) would let a peer pin far more memory than
//! MaxReceiveBuffer with many tiny frames or many streams; charging capacity
//! makes the bucket a true bound on buffered memory. Small payloads are
//! packed into shared chunks so ordinary traffic is charged close to its size.

use std::collections::VecDeque;

/// Smallest chunk allocated; tiny frames are packed into chunks this big.
const MIN_CHUNK: usize = 4096;

#[derive(Debug)]
struct Chunk {
    /// Received bytes; never grows beyond its initial capacity.
    data: Vec<u8>,
    /// How much of `data` the reader has consumed.
    read: usize,
}

/// A FIFO of received bytes made of fixed-capacity chunks.
#[derive(Debug, Default)]
pub(crate) struct RecvBuffer {
    chunks: VecDeque<Chunk>,
    len: usize,
}

impl RecvBuffer {
    /// Bytes waiting to be read.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `data`; `upcoming` is how many more bytes of the same frame
    /// are still to arrive (used to size a new chunk). Returns the capacity
    /// newly allocated, which the caller charges to the token bucket.
    pub(crate) fn push(&mut self, data: &[u8], upcoming: usize) -> usize {
        let mut rest = data;
        if let Some(back) = self.chunks.back_mut() {
            let spare = back.data.capacity() - back.data.len();
            let (now, later) = rest.split_at(spare.min(rest.len()));
            back.data.extend_from_slice(now);
            rest = later;
        }
        let mut allocated = 0;
        if !rest.is_empty() {
            let mut chunk = Vec::with_capacity(rest.len().saturating_add(upcoming).max(MIN_CHUNK));
            chunk.extend_from_slice(rest);
            allocated = chunk.capacity();
            self.chunks.push_back(Chunk {
                data: chunk,
                read: 0,
            });
        }
        self.len += data.len();
        allocated
    }

    /// Copies up to `out.len()` bytes out. Returns (bytes copied, capacity
    /// freed); freed capacity goes back to the token bucket.
    pub(crate) fn read(&mut self, out: &mut [u8]) -> (usize, usize) {
        let mut copied = 0;
        let mut freed = 0;
        while copied < out.len() {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            let available = front.data.get(front.read..).unwrap_or_default();
            let dst = out.get_mut(copied..).unwrap_or_default();
            let take = available.len().min(dst.len());
            if let (Some(dst), Some(src)) = (dst.get_mut(..take), available.get(..take)) {
                dst.copy_from_slice(src);
            }
            front.read += take;
            copied += take;
            if front.read == front.data.len() {
                freed += front.data.capacity();
                self.chunks.pop_front();
            }
        }
        self.len -= copied;
        (copied, freed)
    }

    /// Drops everything; returns the capacity freed.
    pub(crate) fn clear(&mut self) -> usize {
        let freed = self.chunks.iter().map(|c| c.data.capacity()).sum();
        self.chunks.clear();
        self.len = 0;
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_pushes_share_a_chunk_and_reads_free_it() {
        let mut buf = RecvBuffer::default();
        let first = buf.push(b"abc", 0);
        assert!(first >= MIN_CHUNK);
        assert_eq!(buf.push(b"def", 0), 0);
        let mut out = [0u8; 4];
        assert_eq!(buf.read(&mut out), (4, 0));
        assert_eq!(&out, b"abcd");
        let (n, freed) = buf.read(&mut out);
        assert_eq!((n, freed), (2, first));
        assert_eq!(buf.len(), 0);
    }

    #[test]
    fn large_frame_gets_exact_chunk_including_upcoming_bytes() {
        let mut buf = RecvBuffer::default();
        let payload = vec![7u8; 10_000];
        let allocated = buf.push(payload.get(..6_000).unwrap_or_default(), 4_000);
        assert!((10_000..10_100).contains(&allocated));
        assert_eq!(buf.push(payload.get(6_000..).unwrap_or_default(), 0), 0);
        assert_eq!(buf.len(), 10_000);
        assert_eq!(buf.clear(), allocated);
    }
}
