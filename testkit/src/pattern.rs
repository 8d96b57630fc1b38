//! Repeatable pseudo-random test data: bytes whose corruption, loss or
//! reordering shows when a transfer is compared with what was sent.

/// `len` bytes of an xorshift32 pattern, different for each `seed`.
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

/// `len` bytes of the xorshift64 pattern the Go smux interop peer
/// generates (`smuxPattern` in `interop/go-peer/smux.go`), so that both
/// sides can check each other's data.
pub fn go_smux_pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_give_different_repeatable_bytes() {
        assert_eq!(pattern(1, 64), pattern(1, 64));
        assert_ne!(pattern(1, 64), pattern(2, 64));
        assert_eq!(go_smux_pattern(64, 7), go_smux_pattern(64, 7));
        assert_ne!(go_smux_pattern(64, 7), go_smux_pattern(64, 8));
    }
}
