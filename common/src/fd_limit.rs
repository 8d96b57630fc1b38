//! File descriptors: raising the soft limit at start, and what an accept
//! loop does when the process runs out of them anyway.
//!
//! Every connection a program holds is a file descriptor, and the common
//! default soft limit (`ulimit -n`) of 1,024 is reached by a few hundred
//! clients of a bridge or a broker. Like the Go runtime, each program raises
//! its soft `RLIMIT_NOFILE` to the hard limit when it starts
//! ([`raise_nofile_limit`]). When descriptors still run out, `accept`
//! fails with `EMFILE`/`ENFILE` at once and keeps failing while the
//! pending connection stays queued: the loop must wait before trying again
//! rather than spin, and must not write a log line per attempt
//! ([`AcceptBackoff`]).

use std::io;
use std::time::Duration;

use tokio::time::Instant;

/// The soft and hard `RLIMIT_NOFILE` before and after
/// [`raise_nofile_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NofileLimit {
    /// The soft limit the process started with.
    pub soft_before: u64,
    /// The soft limit now in force.
    pub soft: u64,
    /// The hard limit (the ceiling for the soft one).
    pub hard: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, as the Go runtime
/// does for every Go program. An infinite hard limit is capped at
/// `1 << 20` (the kernel's default `nr_open`), because the kernel refuses a
/// soft limit above `nr_open`.
pub fn raise_nofile_limit() -> io::Result<NofileLimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the call's duration.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let soft_before: u64 = limit.rlim_cur;
    let hard: u64 = limit.rlim_max;
    let target = if limit.rlim_max == libc::RLIM_INFINITY {
        1 << 20
    } else {
        hard
    };
    if soft_before >= target {
        return Ok(NofileLimit {
            soft_before,
            soft: soft_before,
            hard,
        });
    }
    let raised = libc::rlimit {
        rlim_cur: target,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: `raised` is a valid rlimit; setrlimit only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(NofileLimit {
        soft_before,
        soft: target,
        hard,
    })
}

/// Raises the limit and logs what happened, once, at start.
pub fn raise_nofile_limit_and_log() {
    match raise_nofile_limit() {
        Ok(limit) if limit.soft > limit.soft_before => tracing::info!(
            from = limit.soft_before,
            to = limit.soft,
            "raised the open-file limit"
        ),
        Ok(limit) => tracing::debug!(soft = limit.soft, hard = limit.hard, "open-file limit"),
        Err(e) => tracing::warn!("could not raise the open-file limit: {e}"),
    }
}

/// Whether an `accept` error means the process or the system is out of
/// descriptors (or of memory for a socket): a condition that lasts until
/// something closes, as opposed to one failed connection.
pub fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// What an accept loop does after an error: how long to wait before the
/// next `accept`, and a log line to write, if one is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptErrorAction {
    /// Wait this long before accepting again.
    pub wait: Duration,
    /// Errors since the last line (this one included), when a line is due.
    pub log_count: Option<u64>,
}

/// Back-off and log rate limiting for an accept loop, over time given by
/// the caller (no I/O here).
///
/// Exhaustion errors double the wait from [`AcceptBackoff::FIRST_WAIT`] up
/// to [`AcceptBackoff::MAX_WAIT`]; any successful accept resets it. At most
/// one log line is due per [`AcceptBackoff::LOG_INTERVAL`], carrying how
/// many errors it stands for.
#[derive(Debug, Clone)]
pub struct AcceptBackoff {
    wait: Duration,
    unlogged: u64,
    last_log: Option<Instant>,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        Self::new()
    }
}

impl AcceptBackoff {
    /// The first wait after an exhaustion error.
    pub const FIRST_WAIT: Duration = Duration::from_millis(10);
    /// The longest wait between two accepts.
    pub const MAX_WAIT: Duration = Duration::from_secs(1);
    /// At most one log line per this interval.
    pub const LOG_INTERVAL: Duration = Duration::from_secs(10);
    /// The wait after an error that is not exhaustion (one connection
    /// failed, e.g. `ECONNABORTED`): short, so that others are not held up.
    pub const OTHER_ERROR_WAIT: Duration = Duration::from_millis(1);

    /// A loop that has not failed yet.
    pub fn new() -> Self {
        Self {
            wait: Duration::ZERO,
            unlogged: 0,
            last_log: None,
        }
    }

    /// A connection was accepted: the next error starts from the first
    /// wait again.
    pub fn accepted(&mut self) {
        self.wait = Duration::ZERO;
    }

    /// `accept` failed at `now`, for lack of resources (`exhausted`) or
    /// for one connection's sake.
    pub fn failed(&mut self, exhausted: bool, now: Instant) -> AcceptErrorAction {
        self.unlogged += 1;
        let wait = if exhausted {
            self.wait = if self.wait.is_zero() {
                Self::FIRST_WAIT
            } else {
                (self.wait * 2).min(Self::MAX_WAIT)
            };
            self.wait
        } else {
            Self::OTHER_ERROR_WAIT
        };
        let due = self
            .last_log
            .is_none_or(|last| now.duration_since(last) >= Self::LOG_INTERVAL);
        let log_count = due.then(|| {
            self.last_log = Some(now);
            std::mem::take(&mut self.unlogged)
        });
        AcceptErrorAction { wait, log_count }
    }

    /// The driver's half: logs if due (with `what` naming the listener),
    /// then sleeps for the wait.
    pub async fn after_error(&mut self, what: &str, e: &io::Error) {
        let action = self.failed(is_resource_exhaustion(e), Instant::now());
        if let Some(count) = action.log_count {
            tracing::warn!(
                listener = what,
                errors = count,
                "accepting connections failed: {e} (counting errors; at most one line per {:?})",
                Self::LOG_INTERVAL
            );
        }
        tokio::time::sleep(action.wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustion_doubles_the_wait_up_to_the_cap_and_success_resets_it() {
        let t0 = Instant::now();
        let mut b = AcceptBackoff::new();
        let waits: Vec<Duration> = (0..10).map(|_| b.failed(true, t0).wait).collect();
        assert_eq!(waits[0], AcceptBackoff::FIRST_WAIT);
        assert_eq!(waits[1], AcceptBackoff::FIRST_WAIT * 2);
        assert!(waits.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*waits.last().unwrap(), AcceptBackoff::MAX_WAIT);
        b.accepted();
        assert_eq!(b.failed(true, t0).wait, AcceptBackoff::FIRST_WAIT);
    }

    #[test]
    fn other_errors_wait_briefly_and_leave_the_backoff() {
        let t0 = Instant::now();
        let mut b = AcceptBackoff::new();
        b.failed(true, t0);
        b.failed(true, t0);
        assert_eq!(b.failed(false, t0).wait, AcceptBackoff::OTHER_ERROR_WAIT);
        assert_eq!(b.failed(true, t0).wait, AcceptBackoff::FIRST_WAIT * 4);
    }

    #[test]
    fn one_log_line_per_interval_with_the_count() {
        let t0 = Instant::now();
        let mut b = AcceptBackoff::new();
        assert_eq!(b.failed(true, t0).log_count, Some(1));
        for i in 1..100u64 {
            let now = t0 + Duration::from_millis(i * 50);
            assert_eq!(b.failed(true, now).log_count, None, "error {i}");
        }
        // 99 silent errors, then the one that is due.
        let later = t0 + AcceptBackoff::LOG_INTERVAL;
        assert_eq!(b.failed(true, later).log_count, Some(100));
        assert_eq!(b.failed(true, later).log_count, None);
    }

    #[test]
    fn emfile_and_enfile_are_exhaustion() {
        assert!(is_resource_exhaustion(&io::Error::from_raw_os_error(
            libc::EMFILE
        )));
        assert!(is_resource_exhaustion(&io::Error::from_raw_os_error(
            libc::ENFILE
        )));
        assert!(!is_resource_exhaustion(&io::Error::from_raw_os_error(
            libc::ECONNABORTED
        )));
        assert!(!is_resource_exhaustion(&io::Error::other("x")));
    }

    #[test]
    fn raising_the_limit_reaches_the_hard_limit() {
        // Raising is idempotent, so doing it in the test process is safe.
        let limit = raise_nofile_limit().unwrap();
        assert!(limit.soft >= limit.soft_before);
        let again = raise_nofile_limit().unwrap();
        assert_eq!(again.soft_before, again.soft, "already raised");
        assert!(again.soft == again.hard || again.soft == 1 << 20);
    }
}
