//! Helpers shared by the rtc integration tests.

/// `len` bytes of a repeatable pseudo-random pattern (xorshift), different
/// for each `seed`: data whose corruption, loss or reordering shows.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
