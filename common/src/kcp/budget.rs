//! One memory budget shared by every session of a server.
//!
//! Per-session bounds ([`super::ReceiveLimiter`], [`super::SEND_QUEUE_LIMIT`])
//! stop one session from growing without end, but not many sessions from
//! adding up: 150 sessions each holding their 2 MiB of out-of-order data are
//! 300 MB. A [`MemoryBudget`] is a byte count shared by all sessions of a
//! listener (or of several listeners): each session takes a fixed
//! [`SESSION_COST`] when it is created, and takes more for every payload
//! byte it stores on its receive side (out of order or unread) and on its
//! send side (queued or unacknowledged). When the budget is spent, new data
//! is dropped (KCP retransmits it later, as after a loss), writes wait, and
//! new sessions are refused unless an unproductive one can be evicted (see
//! [`super::KcpListener`]).
//!
//! Charges are released by the RAII [`Charge`] that holds them, so a
//! session that ends for any reason gives back everything it took.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What one idle server session costs, charged when it is created: the KCP
/// state and its output buffer, the smux session and its 4 KiB starting
/// read buffer, the session and driver tasks, the packet queue between the
/// demultiplexer and the session, and one stream waiting for its first
/// data. Measured as the server's resident memory growth per session over
/// 5,000 sessions (docs/server-budget.md): 31 KB for a session without a
/// stream, 46 KB with one; rounded up.
pub const SESSION_COST: usize = 48 * 1024;

/// Default budget of a listener: 1 GiB, room for about 20,000 idle
/// sessions, or a few hundred sessions with full receive buffers. (The
/// server's default is half the machine's memory.)
pub const DEFAULT_MEMORY_BUDGET: usize = 1024 * 1024 * 1024;

/// A byte budget shared by sessions; cheap to clone (all clones share the
/// same count).
#[derive(Clone)]
pub struct MemoryBudget {
    inner: Arc<Inner>,
}

struct Inner {
    limit: usize,
    used: AtomicUsize,
}

impl fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBudget")
            .field("limit", &self.limit())
            .field("used", &self.used())
            .finish()
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        Self::new(DEFAULT_MEMORY_BUDGET)
    }
}

impl MemoryBudget {
    /// A budget of `limit` bytes, none used.
    pub fn new(limit: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                limit,
                used: AtomicUsize::new(0),
            }),
        }
    }

    /// A budget that never refuses (for clients and tests).
    pub fn unlimited() -> Self {
        Self::new(usize::MAX)
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.inner.limit
    }

    /// Bytes charged now.
    pub fn used(&self) -> usize {
        self.inner.used.load(Ordering::Relaxed)
    }

    /// Bytes that may still be charged.
    pub fn available(&self) -> usize {
        self.limit().saturating_sub(self.used())
    }

    /// Takes `bytes` if they fit; `false` (and nothing taken) otherwise.
    fn try_take(&self, bytes: usize) -> bool {
        let limit = self.inner.limit;
        self.inner
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&total| total <= limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        // Every release matches an earlier take, so this never underflows;
        // saturate anyway rather than wrap.
        let _ = self
            .inner
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(bytes))
            });
    }

    /// An empty charge against this budget, to grow with
    /// [`Charge::try_grow`].
    pub fn charge(&self) -> Charge {
        Charge {
            budget: self.clone(),
            bytes: 0,
        }
    }

    /// A charge of `bytes`, if they fit.
    pub fn try_charge(&self, bytes: usize) -> Option<Charge> {
        let mut charge = self.charge();
        charge.try_grow(bytes).then_some(charge)
    }
}

/// Bytes taken from a [`MemoryBudget`]; given back when shrunk or dropped.
pub struct Charge {
    budget: MemoryBudget,
    bytes: usize,
}

impl fmt::Debug for Charge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Charge")
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl Charge {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Takes `bytes` more if the budget has room.
    pub fn try_grow(&mut self, bytes: usize) -> bool {
        if bytes == 0 {
            return true;
        }
        if self.budget.try_take(bytes) {
            self.bytes += bytes;
            true
        } else {
            false
        }
    }

    /// Bytes the budget behind this charge still has room for.
    pub fn available(&self) -> usize {
        self.budget.available()
    }

    /// Takes `bytes` more even beyond the limit (for the small amounts a
    /// session must always be able to take to make progress).
    pub fn force_grow(&mut self, bytes: usize) {
        self.budget.inner.used.fetch_add(bytes, Ordering::AcqRel);
        self.bytes += bytes;
    }

    /// Gives back up to `bytes`.
    pub fn shrink(&mut self, bytes: usize) {
        let bytes = bytes.min(self.bytes);
        self.bytes -= bytes;
        self.budget.give_back(bytes);
    }

    /// Gives back whatever is held above `bytes`.
    pub fn shrink_to(&mut self, bytes: usize) {
        self.shrink(self.bytes.saturating_sub(bytes));
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_are_bounded_and_given_back() {
        let budget = MemoryBudget::new(100);
        let mut a = budget.try_charge(60).expect("fits");
        assert!(budget.try_charge(41).is_none());
        let b = budget.try_charge(40).expect("fits");
        assert_eq!((budget.used(), budget.available()), (100, 0));
        assert!(!a.try_grow(1));
        a.shrink(10);
        assert!(a.try_grow(10));
        assert!(!a.try_grow(1));
        a.shrink_to(20);
        assert_eq!(budget.used(), 60);
        drop(b);
        assert_eq!(budget.used(), 20);
        drop(a);
        assert_eq!(budget.used(), 0);
        assert!(MemoryBudget::unlimited().try_charge(usize::MAX).is_some());
    }
}
