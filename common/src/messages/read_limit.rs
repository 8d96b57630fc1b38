//! The size limit on broker message bodies, and its check.

/// Largest request body the broker reads (`readLimit` in Go); the client
/// reads at most this much of a broker response too. Decoders reject longer
/// input.
pub const READ_LIMIT: usize = 100_000;

/// Refuses a body longer than [`READ_LIMIT`] with `too_large` (each message
/// has its own error type).
pub(super) fn check_read_limit<E>(body: &[u8], too_large: E) -> Result<(), E> {
    if body.len() > READ_LIMIT {
        Err(too_large)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_itself_is_allowed() {
        assert_eq!(check_read_limit(&[0; READ_LIMIT], "too large"), Ok(()));
        assert_eq!(
            check_read_limit(&[0; READ_LIMIT + 1], "too large"),
            Err("too large")
        );
    }
}
