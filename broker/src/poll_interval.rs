//! The configured poll interval announced to proxies (`NextPoll`,
//! docs/protocol.md §4.3), per pool, optionally read from
//! `-poll-interval-filepath`, in milliseconds:
//! `{"open_poll_interval": MS, "moderate_poll_interval": MS,
//! "strict_poll_interval": MS}` (upstream `main`'s keys). The keys of 2.14
//! and earlier still work: `unrestricted_poll_interval` sets the open pool
//! and `restricted_poll_interval` the moderate and strict pools, unless
//! the three-kind key for that pool is also given (it wins). A pool left
//! out keeps its default (20 s); Go would set it to zero.
//!
//! This is what an idle proxy is told when nobody is waiting for one.
//! After a match, and while clients of its pool recently went unserved,
//! the broker announces the shorter interval of [`crate::demand`] instead
//! (never longer than the one configured here). The per-address poll limit
//! ([`crate::rate_limit`]) holds the proxy to what it was told.
//!
//! [`PoolIntervals`] is the three-pool form the broker uses. The two-kind
//! [`PollIntervals`] remains for configuring a broker from code
//! ([`crate::BrokerConfig::poll_intervals`]).

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
    open_poll_interval: Option<u64>,
    moderate_poll_interval: Option<u64>,
    strict_poll_interval: Option<u64>,
    unrestricted_poll_interval: Option<u64>,
    restricted_poll_interval: Option<u64>,
}

/// The two-kind form of the intervals (2.14's two pools): `unrestricted`
/// is the open pool's, `restricted` the moderate and strict pools'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollIntervals {
    /// For proxies in the open pool (`open`, `unrestricted`).
    pub unrestricted: Duration,
    /// For proxies in the moderate and strict pools.
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

impl From<PollIntervals> for PoolIntervals {
    fn from(two: PollIntervals) -> Self {
        PoolIntervals {
            strict: two.restricted,
            moderate: two.restricted,
            open: two.unrestricted,
        }
    }
}

/// `NextPoll` per pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolIntervals {
    /// For proxies in the strict pool (`strict`, `restricted`, `unknown`).
    pub strict: Duration,
    /// For proxies in the moderate pool.
    pub moderate: Duration,
    /// For proxies in the open pool (`open`, `unrestricted`).
    pub open: Duration,
}

impl Default for PoolIntervals {
    fn default() -> Self {
        PoolIntervals {
            strict: DEFAULT_NEXT_POLL,
            moderate: DEFAULT_NEXT_POLL,
            open: DEFAULT_NEXT_POLL,
        }
    }
}

impl PoolIntervals {
    /// Parses the JSON file contents (milliseconds).
    pub fn parse(json: &str) -> Result<Self, PollIntervalError> {
        let file: PollIntervalFile = serde_json::from_str(json)?;
        let pick = |key: Option<u64>, legacy: Option<u64>| {
            key.or(legacy)
                .map_or(DEFAULT_NEXT_POLL, Duration::from_millis)
        };
        Ok(PoolIntervals {
            strict: pick(file.strict_poll_interval, file.restricted_poll_interval),
            moderate: pick(file.moderate_poll_interval, file.restricted_poll_interval),
            open: pick(file.open_poll_interval, file.unrestricted_poll_interval),
        })
    }

    /// Reads and parses a poll-interval file.
    pub fn from_file(path: &Path) -> Result<Self, PollIntervalError> {
        if std::fs::metadata(path)?.len() > MAX_FILE_BYTES {
            return Err(PollIntervalError::TooLarge);
        }
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// The interval for proxies of `pool`.
    pub fn for_pool(&self, pool: Pool) -> Duration {
        match pool {
            Pool::Strict => self.strict,
            Pool::Moderate => self.moderate,
            Pool::Open => self.open,
        }
    }

    /// The interval for a proxy with this NAT type.
    pub fn for_proxy(&self, nat: NatType) -> Duration {
        self.for_pool(Pool::for_proxy(nat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn three_kind_keys() {
        let all = PoolIntervals::parse(
            r#"{"open_poll_interval":5000,"moderate_poll_interval":10000,"strict_poll_interval":30000}"#,
        )
        .unwrap();
        assert_eq!(all.for_proxy(NatType::Open), S(5));
        assert_eq!(all.for_proxy(NatType::Unrestricted), S(5));
        assert_eq!(all.for_proxy(NatType::Moderate), S(10));
        for nat in [NatType::Strict, NatType::Restricted, NatType::Unknown] {
            assert_eq!(all.for_proxy(nat), S(30));
        }
        let one = PoolIntervals::parse(r#"{"moderate_poll_interval":1000}"#).unwrap();
        assert_eq!(
            one,
            PoolIntervals {
                strict: S(20),
                moderate: S(1),
                open: S(20)
            }
        );
    }

    #[test]
    fn the_two_kind_form_converts() {
        let pools = PoolIntervals::from(PollIntervals {
            unrestricted: S(1),
            restricted: S(2),
        });
        assert_eq!(pools.for_proxy(NatType::Open), S(1));
        assert_eq!(pools.for_proxy(NatType::Moderate), S(2));
        assert_eq!(pools.for_proxy(NatType::Unknown), S(2));
        assert_eq!(
            PoolIntervals::from(PollIntervals::default()),
            PoolIntervals::default()
        );
    }

    #[test]
    fn legacy_keys_and_precedence() {
        let old = PoolIntervals::parse(
            r#"{"unrestricted_poll_interval":5000,"restricted_poll_interval":30000}"#,
        )
        .unwrap();
        assert_eq!(
            old,
            PoolIntervals {
                strict: S(30),
                moderate: S(30),
                open: S(5)
            }
        );
        let mixed = PoolIntervals::parse(
            r#"{"restricted_poll_interval":30000,"moderate_poll_interval":2000,"unrestricted_poll_interval":4000,"open_poll_interval":3000}"#,
        )
        .unwrap();
        assert_eq!(
            mixed,
            PoolIntervals {
                strict: S(30),
                moderate: S(2),
                open: S(3)
            }
        );
        assert_eq!(
            PoolIntervals::parse("{}").unwrap(),
            PoolIntervals::default()
        );
        assert!(PoolIntervals::parse("[]").is_err());
        assert!(PoolIntervals::parse(r#"{"restricted_poll_interval":-1}"#).is_err());
        assert!(PoolIntervals::parse(r#"{"open_poll_interval":"5s"}"#).is_err());
    }
}
