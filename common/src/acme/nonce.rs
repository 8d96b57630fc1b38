//! Anti-replay nonces (RFC 8555 §6.5, §7.2): every signed request carries
//! one fresh nonce from the server, taken from the `Replay-Nonce` header of
//! an earlier response or fetched from `newNonce`.

use std::collections::VecDeque;

/// The `Replay-Nonce` header.
pub const REPLAY_NONCE: &str = "replay-nonce";

/// How many unused nonces are kept; older ones are dropped (the server
/// may expire them anyway).
const CAPACITY: usize = 4;

/// Longest nonce accepted.
const MAX_LENGTH: usize = 512;

/// Nonces received and not used yet, newest last.
#[derive(Debug, Default)]
pub struct NoncePool {
    nonces: VecDeque<String>,
}

impl NoncePool {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a `Replay-Nonce` value if it is valid base64url (§6.5.1);
    /// anything else is ignored.
    pub fn offer(&mut self, value: &[u8]) {
        let valid = !value.is_empty()
            && value.len() <= MAX_LENGTH
            && value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return;
        }
        if self.nonces.len() == CAPACITY {
            self.nonces.pop_front();
        }
        self.nonces
            .push_back(String::from_utf8_lossy(value).into_owned());
    }

    /// A nonce to use (the newest), if any is left.
    pub fn take(&mut self) -> Option<String> {
        self.nonces.pop_back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_valid_nonces_newest_first_and_bounded() {
        let mut pool = NoncePool::new();
        assert_eq!(pool.take(), None);
        for i in 0..10 {
            pool.offer(format!("nonce_{i}-x").as_bytes());
        }
        pool.offer(b"bad nonce");
        pool.offer(b"bad+/=");
        pool.offer(b"");
        pool.offer(&[b'a'; MAX_LENGTH + 1]);
        let taken: Vec<String> = std::iter::from_fn(|| pool.take()).collect();
        assert_eq!(
            taken,
            vec!["nonce_9-x", "nonce_8-x", "nonce_7-x", "nonce_6-x"]
        );
    }
}
