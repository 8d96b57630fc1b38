//! The client address of each Turbo Tunnel session, for `USERADDR` (§7.2,
//! §7.4).
//!
//! A client's session outlives any one proxy connection, and only the
//! proxies know the client's address (they pass it as `?client_ip=`). Each
//! WebSocket connection that carries a ClientId records the address its
//! proxy reported; each smux stream looks the ClientId up when it connects
//! to tor, so a stream opened after the client moved to another proxy
//! reports where the client is now. A ClientId has at most one live KCP
//! conversation (a new conversation replaces the old one, §2.4), so the
//! ClientId alone also identifies the conversation.
//!
//! The map is a bounded LRU: upstream's fixed ring of 98,304 entries keeps
//! the newest entries too, but forgets busy clients as readily as idle ones.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use lru::LruCache;
use snowflake_common::turbotunnel::ClientId;

/// Upstream's capacity (`clientIDAddrMapCapacity`).
pub const DEFAULT_CAPACITY: usize = 98_304;

/// ClientId → the newest client IP address reported for it.
#[derive(Debug)]
pub struct UserAddrMap {
    inner: Mutex<LruCache<ClientId, IpAddr>>,
}

impl UserAddrMap {
    /// A map holding at most `capacity` clients (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            inner: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// Records that a connection carrying `client_id` came from `ip`.
    /// Connections without a usable `client_ip` leave the last known
    /// address in place.
    pub fn record(&self, client_id: ClientId, ip: IpAddr) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(client_id, ip);
    }

    /// The newest address recorded for `client_id`.
    pub fn get(&self, client_id: ClientId) -> Option<IpAddr> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&client_id)
            .copied()
    }

    /// Clients currently remembered.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no client is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_address_wins_and_capacity_is_bounded() {
        let map = UserAddrMap::new(2);
        let a = ClientId([1; 8]);
        let b = ClientId([2; 8]);
        let c = ClientId([3; 8]);
        map.record(a, "192.0.2.1".parse().unwrap());
        map.record(a, "192.0.2.2".parse().unwrap());
        assert_eq!(map.get(a), Some("192.0.2.2".parse().unwrap()));
        map.record(b, "192.0.2.3".parse().unwrap());
        // `a` was used more recently than `b`.
        map.get(a);
        map.record(c, "192.0.2.4".parse().unwrap());
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(b), None, "least recently used is forgotten");
        assert!(map.get(a).is_some() && map.get(c).is_some());
    }
}
