//! The configured poll interval announced to proxies (`NextPoll`,
//! docs/protocol.md §4.3), per pool, optionally read from
//! `-poll-interval-filepath`:
//! `{"unrestricted_poll_interval": MS, "restricted_poll_interval": MS}`.
//! A key left out keeps its default (20 s).
//!
//! This is what an idle proxy is told when nobody is waiting for one.
//! After a match, and while clients of its pool recently went unserved,
//! the broker announces the shorter interval of [`crate::demand`] instead
//! (never longer than the one configured here).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use snowflake_common::messages::proxy::DEFAULT_NEXT_POLL;
use snowflake_common::messages::NatType;

use crate::matcher::Pool;

/// Largest poll-interval file read.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Why a poll-interval file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PollIntervalError {
    /// The file could not be read.
    #[error("cannot read poll interval file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is too large to be a poll-interval file.
    #[error("poll interval file is too large")]
    TooLarge,
    /// The file is not the expected JSON.
    #[error("bad poll interval file: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Deserialize)]
struct PollIntervalFile {
    unrestricted_poll_interval: Option<u64>,
    restricted_poll_interval: Option<u64>,
}

/// `NextPoll` per pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollIntervals {
    /// For proxies in the unrestricted pool.
    pub unrestricted: Duration,
    /// For proxies in the restricted pool (`restricted` and `unknown`).
    pub restricted: Duration,
}

impl Default for PollIntervals {
    fn default() -> Self {
        PollIntervals {
            unrestricted: DEFAULT_NEXT_POLL,
            restricted: DEFAULT_NEXT_POLL,
        }
    }
}

impl PollIntervals {
    /// Parses the JSON file contents (milliseconds).
    pub fn parse(json: &str) -> Result<Self, PollIntervalError> {
        let file: PollIntervalFile = serde_json::from_str(json)?;
        let defaults = PollIntervals::default();
        Ok(PollIntervals {
            unrestricted: file
                .unrestricted_poll_interval
                .map_or(defaults.unrestricted, Duration::from_millis),
            restricted: file
                .restricted_poll_interval
                .map_or(defaults.restricted, Duration::from_millis),
        })
    }

    /// Reads and parses a poll-interval file.
    pub fn from_file(path: &Path) -> Result<Self, PollIntervalError> {
        if std::fs::metadata(path)?.len() > MAX_FILE_BYTES {
            return Err(PollIntervalError::TooLarge);
        }
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// The interval for a proxy with this NAT type.
    pub fn for_proxy(&self, nat: NatType) -> Duration {
        match Pool::for_proxy(nat) {
            Pool::Unrestricted => self.unrestricted,
            Pool::Restricted => self.restricted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_defaults() {
        let both = PollIntervals::parse(
            r#"{"unrestricted_poll_interval":5000,"restricted_poll_interval":30000}"#,
        )
        .unwrap();
        assert_eq!(
            both.for_proxy(NatType::Unrestricted),
            Duration::from_secs(5)
        );
        assert_eq!(both.for_proxy(NatType::Restricted), Duration::from_secs(30));
        assert_eq!(both.for_proxy(NatType::Unknown), Duration::from_secs(30));
        let one = PollIntervals::parse(r#"{"restricted_poll_interval":1000}"#).unwrap();
        assert_eq!(one.unrestricted, Duration::from_secs(20));
        assert_eq!(one.restricted, Duration::from_secs(1));
        assert!(PollIntervals::parse("[]").is_err());
        assert!(PollIntervals::parse(r#"{"restricted_poll_interval":-1}"#).is_err());
    }
}
