//! The matching core (docs/protocol.md §4.5), free of I/O.
//!
//! A [`Matcher`] holds the proxies whose polls are waiting for a client and
//! the clients waiting for a proxy's answer. Every operation takes the
//! current time explicitly, and [`Matcher::handle_timeout`] expires what is
//! due, so tests drive it step by step; the async layer
//! ([`crate::rendezvous`]) owns the clock and the sockets.
//!
//! The rules, as in the Go broker's `main` (three NAT kinds, upstream
//! commit e152e8ad; the two-kind values of 2.14 and earlier map onto
//! them, see [`snowflake_common::messages::nat`]):
//!
//! * Waiting proxies sit in three pools by NAT class: `open` (and
//!   `unrestricted`) proxies in the open pool, `moderate` ones in the
//!   moderate pool, `strict`, `restricted`, `unknown` (and any value not
//!   recognised) in the strict pool.
//! * A client of class `open` (`open`, `unrestricted`) takes a proxy from
//!   the strict pool if there is one, else the moderate pool, else the
//!   open pool: it can reach anyone, so it uses up the proxies others
//!   cannot use. A `moderate` client takes moderate, then open proxies.
//!   Any other client (`strict`, `restricted`, `unknown`) takes only open
//!   proxies.
//! * Within a pool, clients are spread over proxy addresses
//!   ([`crate::spread`]): proxies are grouped by address group, and the
//!   group matched least recently is served first; within a group, and
//!   between groups never matched, the least loaded proxy first (fewest
//!   `Clients`; among equals, the one that has waited longest), as in Go.
//! * A proxy only receives a client whose relay URL its
//!   `AcceptedRelayPattern` matches. Proxies are grouped by pattern inside a
//!   pool; the broker only admits patterns that cover its own
//!   `-allowed-relay-pattern`, so there are few groups.
//! * Each offer goes to exactly one proxy: matching removes the proxy from
//!   its pool, and the proxy's session id then names the client waiting for
//!   its answer until the answer arrives, the client's deadline passes, or
//!   the client leaves. An answer for a session that is not waiting is
//!   refused (`client gone`).
//!
//! Every collection is bounded: at most `max_waiting_proxies` polls and
//! `max_waiting_clients` clients are held; beyond that, requests are
//! refused at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use snowflake_common::messages::{NatClass, NatType, ProxyType};
use snowflake_common::namematcher::NameMatcher;

use crate::spread::AddressGroup;

/// Limits and timeouts of a [`Matcher`].
#[derive(Debug, Clone)]
pub struct MatcherConfig {
    /// How long a proxy poll is held waiting for a client (`ProxyTimeout`,
    /// 10 s in Go).
    pub proxy_timeout: Duration,
    /// Most proxy polls held at once; further polls are answered `no match`
    /// right away.
    pub max_waiting_proxies: usize,
    /// Most matched clients waiting for an answer at once; further clients
    /// are told that no proxy is available.
    pub max_waiting_clients: usize,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        MatcherConfig {
            proxy_timeout: Duration::from_secs(10),
            max_waiting_proxies: 200_000,
            max_waiting_clients: 50_000,
        }
    }
}

/// Which of the three proxy pools a proxy waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// Proxies reporting `strict`, `restricted`, `unknown` or a value not
    /// recognised.
    Strict,
    /// Proxies reporting `moderate`.
    Moderate,
    /// Proxies reporting `open` or `unrestricted`.
    Open,
}

impl Pool {
    /// Every pool.
    pub const ALL: [Pool; 3] = [Pool::Strict, Pool::Moderate, Pool::Open];

    /// The pool a proxy with this NAT type waits in.
    pub fn for_proxy(nat: NatType) -> Pool {
        match nat.class() {
            NatClass::Open => Pool::Open,
            NatClass::Moderate => Pool::Moderate,
            NatClass::Strict => Pool::Strict,
        }
    }

    /// The pools a client with this NAT type may take proxies from, in
    /// order of preference.
    pub fn for_client(nat: NatType) -> &'static [Pool] {
        match nat.class() {
            NatClass::Open => &[Pool::Strict, Pool::Moderate, Pool::Open],
            NatClass::Moderate => &[Pool::Moderate, Pool::Open],
            NatClass::Strict => &[Pool::Open],
        }
    }

    /// 0, 1, 2 for strict, moderate, open.
    pub fn index(self) -> usize {
        match self {
            Pool::Strict => 0,
            Pool::Moderate => 1,
            Pool::Open => 2,
        }
    }

    /// `strict`, `moderate` or `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pool::Strict => "strict",
            Pool::Moderate => "moderate",
            Pool::Open => "open",
        }
    }
}

/// A proxy poll to register.
#[derive(Debug, Clone)]
pub struct ProxyRegistration {
    /// The poll's session id; the proxy's answer must carry it.
    pub sid: String,
    /// What kind of proxy polls.
    pub proxy_type: ProxyType,
    /// The proxy's NAT type.
    pub nat: NatType,
    /// The proxy's reported load (number of clients).
    pub clients: u64,
    /// The relay hostnames the proxy accepts.
    pub relay_pattern: NameMatcher,
    /// Where the poll came from (for spreading clients over addresses,
    /// [`crate::spread`]); `None` groups the proxy on its own.
    pub address: Option<IpAddr>,
}

/// A client asking for a proxy.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    /// The client's SDP JSON offer, passed to the proxy verbatim.
    pub offer: String,
    /// The client's NAT type.
    pub nat: NatType,
    /// The WebSocket URL of the relay for the bridge the client asked for.
    pub relay_url: String,
    /// The hostname in `relay_url`, checked against proxies' patterns.
    pub relay_host: String,
}

/// What a matched proxy is told about its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferForProxy {
    /// The client's SDP JSON offer.
    pub offer: String,
    /// The client's NAT type.
    pub client_nat: NatType,
    /// The relay the proxy should connect to.
    pub relay_url: String,
}

/// Names one registration so that it, and not a later one with the same
/// session id, can be cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    sid: String,
    id: u64,
}

impl Ticket {
    /// The session id the registration is keyed by.
    pub fn sid(&self) -> &str {
        &self.sid
    }
}

/// A proxy poll was registered and now waits.
#[derive(Debug)]
pub struct ProxyWaiting<P> {
    /// For [`Matcher::cancel_proxy`].
    pub ticket: Ticket,
    /// The waiter of an earlier poll with the same session id, which this
    /// poll replaced; it should be answered `no match`.
    pub replaced: Option<P>,
    /// When the poll will expire.
    pub deadline: Instant,
}

/// Why a proxy poll was not registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProxyRefusal {
    /// [`MatcherConfig::max_waiting_proxies`] polls are already held.
    #[error("too many proxies waiting")]
    TooManyProxies,
    /// A client is waiting for an answer under this session id.
    #[error("session id is waiting for an answer")]
    SidAwaitingAnswer,
}

/// A client was matched with a proxy.
#[derive(Debug)]
pub struct ClientMatched<P> {
    /// For [`Matcher::cancel_client`].
    pub ticket: Ticket,
    /// The matched proxy's waiter; hand it [`ClientMatched::offer`].
    pub proxy_waiter: P,
    /// What to tell the proxy.
    pub offer: OfferForProxy,
    /// The matched proxy's kind.
    pub proxy_type: ProxyType,
    /// The matched proxy's NAT type.
    pub proxy_nat: NatType,
}

/// Why a client was not matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientRefusal {
    /// No compatible proxy is waiting.
    #[error("no compatible proxy waiting")]
    NoProxies,
    /// [`MatcherConfig::max_waiting_clients`] clients are already waiting.
    #[error("too many clients waiting")]
    TooManyClients,
    /// The client's deadline had already passed.
    #[error("client deadline already passed")]
    DeadlinePassed,
}

/// Something [`Matcher::handle_timeout`] expired.
#[derive(Debug)]
pub enum Expired<P, C> {
    /// A proxy poll that no client took: answer `no match`.
    Proxy {
        /// The poll's waiter.
        waiter: P,
        /// The proxy's NAT type.
        nat: NatType,
        /// The proxy's kind.
        proxy_type: ProxyType,
    },
    /// A client whose proxy did not answer in time: answer `timed out`.
    Client {
        /// The client's waiter.
        waiter: C,
        /// The client's NAT type.
        nat: NatType,
    },
}

/// Counts of what the matcher holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatcherStats {
    /// Proxy polls waiting for a client.
    pub waiting_proxies: usize,
    /// Matched clients waiting for their proxy's answer.
    pub waiting_clients: usize,
    /// Proxies the broker knows (waiting, or matched and not yet answered;
    /// what Go's `/debug` counts), by kind and NAT type.
    pub known_proxies: Vec<((ProxyType, NatType), usize)>,
    /// Waiting proxy polls by kind and NAT type (the Prometheus gauge).
    pub waiting_by_kind: Vec<((ProxyType, NatType), usize)>,
}

struct WaitingProxy<P> {
    sid: String,
    id: u64,
    pool: Pool,
    pattern_key: String,
    group: GroupKey,
    clients: u64,
    deadline: Instant,
    proxy_type: ProxyType,
    nat: NatType,
    waiter: P,
}

struct WaitingClient<C> {
    id: u64,
    deadline: Instant,
    client_nat: NatType,
    proxy_type: ProxyType,
    proxy_nat: NatType,
    waiter: C,
}

/// What proxies are grouped by for spreading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum GroupKey {
    /// A proxy grouped on its own (no public address), by registration id.
    Alone(u64),
    /// Proxies of one address group.
    Address(AddressGroup),
}

/// The waiting proxies of one address group in one pattern group.
struct AddressQueue {
    /// (clients, registration id) → session id, least loaded first.
    queue: BTreeMap<(u64, u64), String>,
    /// The match counter when the group was last matched while keeping
    /// polls waiting (0: not since it started waiting).
    last_match: u64,
}

/// (last match, clients, registration id, group): the order in which the
/// groups of a pattern group are offered.
type OrderKey = (u64, u64, u64, GroupKey);

/// Proxies of one pool that share a relay pattern, by address group.
struct PatternGroup {
    pattern: NameMatcher,
    groups: HashMap<GroupKey, AddressQueue>,
    /// Each non-empty group once, keyed by its first proxy.
    order: BTreeSet<OrderKey>,
}

impl PatternGroup {
    fn new(pattern: NameMatcher) -> Self {
        PatternGroup {
            pattern,
            groups: HashMap::new(),
            order: BTreeSet::new(),
        }
    }

    fn order_key(key: GroupKey, queue: &AddressQueue) -> Option<OrderKey> {
        queue
            .queue
            .first_key_value()
            .map(|(&(clients, id), _)| (queue.last_match, clients, id, key))
    }

    /// Runs `change` on group `key` (created if absent) and keeps the
    /// order index and the group map in step; an emptied group is dropped.
    fn update(&mut self, key: GroupKey, change: impl FnOnce(&mut AddressQueue)) {
        let queue = self.groups.entry(key).or_insert_with(|| AddressQueue {
            queue: BTreeMap::new(),
            last_match: 0,
        });
        if let Some(old) = Self::order_key(key, queue) {
            self.order.remove(&old);
        }
        change(queue);
        match Self::order_key(key, queue) {
            Some(new) => {
                self.order.insert(new);
            }
            None => {
                self.groups.remove(&key);
            }
        }
    }

    /// The proxy to offer next: (order key, session id).
    fn first(&self) -> Option<(OrderKey, &String)> {
        let order = *self.order.first()?;
        let (_, _, _, key) = order;
        let sid = self.groups.get(&key)?.queue.first_key_value()?.1;
        Some((order, sid))
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

const PROXY_TYPES: [ProxyType; 6] = [
    ProxyType::Standalone,
    ProxyType::Webext,
    ProxyType::Badge,
    ProxyType::IptProxy,
    ProxyType::Bloco,
    ProxyType::Unknown,
];
const NAT_TYPES: [NatType; 6] = [
    NatType::Restricted,
    NatType::Unrestricted,
    NatType::Unknown,
    NatType::Open,
    NatType::Moderate,
    NatType::Strict,
];

fn kind_index(proxy_type: ProxyType, nat: NatType) -> usize {
    let type_index = PROXY_TYPES
        .iter()
        .position(|&t| t == proxy_type)
        .unwrap_or(PROXY_TYPES.len() - 1);
    let nat_index = NAT_TYPES.iter().position(|&n| n == nat).unwrap_or(0);
    type_index * NAT_TYPES.len() + nat_index
}

const KINDS: usize = PROXY_TYPES.len() * NAT_TYPES.len();

/// Per (proxy type, NAT type) counters.
#[derive(Clone, Copy)]
struct KindCounts([usize; KINDS]);

impl KindCounts {
    fn add(&mut self, proxy_type: ProxyType, nat: NatType) {
        if let Some(count) = self.0.get_mut(kind_index(proxy_type, nat)) {
            *count = count.saturating_add(1);
        }
    }

    fn remove(&mut self, proxy_type: ProxyType, nat: NatType) {
        if let Some(count) = self.0.get_mut(kind_index(proxy_type, nat)) {
            *count = count.saturating_sub(1);
        }
    }

    fn to_vec(self) -> Vec<((ProxyType, NatType), usize)> {
        let mut out = Vec::new();
        for proxy_type in PROXY_TYPES {
            for nat in NAT_TYPES {
                let count = self.0.get(kind_index(proxy_type, nat)).copied();
                if let Some(count) = count.filter(|&c| c > 0) {
                    out.push(((proxy_type, nat), count));
                }
            }
        }
        out
    }
}

/// The matching state machine; `P` and `C` are whatever the caller uses to
/// reach a waiting proxy or client (a channel sender in the server, a plain
/// value in tests).
pub struct Matcher<P, C> {
    config: MatcherConfig,
    next_id: u64,
    /// Counts matches, for [`AddressQueue::last_match`].
    match_count: u64,
    /// Per pool, pattern text → group.
    pools: [BTreeMap<String, PatternGroup>; 3],
    proxies: HashMap<String, WaitingProxy<P>>,
    proxy_deadlines: BTreeMap<(Instant, u64), String>,
    clients: HashMap<String, WaitingClient<C>>,
    client_deadlines: BTreeMap<(Instant, u64), String>,
    waiting_kinds: KindCounts,
    answering_kinds: KindCounts,
}

impl<P, C> Matcher<P, C> {
    /// An empty matcher.
    pub fn new(config: MatcherConfig) -> Self {
        Matcher {
            config,
            next_id: 0,
            match_count: 0,
            pools: [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()],
            proxies: HashMap::new(),
            proxy_deadlines: BTreeMap::new(),
            clients: HashMap::new(),
            client_deadlines: BTreeMap::new(),
            waiting_kinds: KindCounts([0; KINDS]),
            answering_kinds: KindCounts([0; KINDS]),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &MatcherConfig {
        &self.config
    }

    fn new_id(&mut self) -> u64 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    /// Registers a proxy poll, held until a client takes it or
    /// `now + proxy_timeout`. A waiting poll with the same session id is
    /// replaced (its waiter is returned to be answered `no match`).
    pub fn proxy_poll(
        &mut self,
        now: Instant,
        registration: ProxyRegistration,
        waiter: P,
    ) -> Result<ProxyWaiting<P>, (ProxyRefusal, P)> {
        if self.clients.contains_key(&registration.sid) {
            return Err((ProxyRefusal::SidAwaitingAnswer, waiter));
        }
        let replaced = self
            .remove_waiting_proxy(&registration.sid)
            .map(|old| old.waiter);
        if replaced.is_none() && self.proxies.len() >= self.config.max_waiting_proxies {
            return Err((ProxyRefusal::TooManyProxies, waiter));
        }
        let id = self.new_id();
        let deadline = now + self.config.proxy_timeout;
        let pool = Pool::for_proxy(registration.nat);
        let pattern_key = registration.relay_pattern.to_string();
        let group = match registration.address.and_then(AddressGroup::of) {
            Some(address) => GroupKey::Address(address),
            None => GroupKey::Alone(id),
        };
        let sid = registration.sid.clone();
        let clients = registration.clients;
        self.pools[pool.index()]
            .entry(pattern_key.clone())
            .or_insert_with(|| PatternGroup::new(registration.relay_pattern.clone()))
            .update(group, |queue| {
                queue.queue.insert((clients, id), sid);
            });
        self.proxy_deadlines
            .insert((deadline, id), registration.sid.clone());
        self.waiting_kinds
            .add(registration.proxy_type, registration.nat);
        self.proxies.insert(
            registration.sid.clone(),
            WaitingProxy {
                sid: registration.sid.clone(),
                id,
                pool,
                pattern_key,
                group,
                clients: registration.clients,
                deadline,
                proxy_type: registration.proxy_type,
                nat: registration.nat,
                waiter,
            },
        );
        Ok(ProxyWaiting {
            ticket: Ticket {
                sid: registration.sid,
                id,
            },
            replaced,
            deadline,
        })
    }

    /// Removes a waiting proxy from every index.
    fn remove_waiting_proxy(&mut self, sid: &str) -> Option<WaitingProxy<P>> {
        let proxy = self.proxies.remove(sid)?;
        let pool = &mut self.pools[proxy.pool.index()];
        if let Some(group) = pool.get_mut(&proxy.pattern_key) {
            group.update(proxy.group, |queue| {
                queue.queue.remove(&(proxy.clients, proxy.id));
            });
            if group.is_empty() {
                pool.remove(&proxy.pattern_key);
            }
        }
        self.proxy_deadlines.remove(&(proxy.deadline, proxy.id));
        self.waiting_kinds.remove(proxy.proxy_type, proxy.nat);
        Some(proxy)
    }

    /// The session id of the proxy in `pool` that accepts `relay_host`
    /// and comes first: least recently matched address group, then least
    /// loaded, then longest waiting.
    fn best_proxy(&self, pool: Pool, relay_host: &str) -> Option<String> {
        self.pools[pool.index()]
            .values()
            .filter(|group| group.pattern.is_member(relay_host))
            .filter_map(PatternGroup::first)
            .min_by_key(|(order, _)| {
                let (last_match, clients, id, _) = *order;
                (last_match, clients, id)
            })
            .map(|(_, sid)| sid.clone())
    }

    /// A proxy of `group` was just matched: if the group still has polls
    /// waiting, it goes behind the groups matched less recently.
    fn group_matched(&mut self, pool: Pool, pattern_key: &str, group: GroupKey) {
        self.match_count = self.match_count.wrapping_add(1);
        let count = self.match_count;
        if let Some(pattern_group) = self.pools[pool.index()].get_mut(pattern_key) {
            if pattern_group.groups.contains_key(&group) {
                pattern_group.update(group, |queue| queue.last_match = count);
            }
        }
    }

    /// Matches a client with a waiting proxy. On success the proxy leaves
    /// its pool and the client waits, until `deadline`, for the answer
    /// under the proxy's session id.
    pub fn client_poll(
        &mut self,
        now: Instant,
        deadline: Instant,
        request: ClientRequest,
        waiter: C,
    ) -> Result<ClientMatched<P>, (ClientRefusal, C)> {
        if now >= deadline {
            return Err((ClientRefusal::DeadlinePassed, waiter));
        }
        if self.clients.len() >= self.config.max_waiting_clients {
            return Err((ClientRefusal::TooManyClients, waiter));
        }
        let sid = Pool::for_client(request.nat)
            .iter()
            .find_map(|&pool| self.best_proxy(pool, &request.relay_host));
        let Some(proxy) = sid.and_then(|sid| self.remove_waiting_proxy(&sid)) else {
            return Err((ClientRefusal::NoProxies, waiter));
        };
        self.group_matched(proxy.pool, &proxy.pattern_key, proxy.group);
        let sid = proxy.sid;
        let id = self.new_id();
        self.client_deadlines.insert((deadline, id), sid.clone());
        self.answering_kinds.add(proxy.proxy_type, proxy.nat);
        self.clients.insert(
            sid.clone(),
            WaitingClient {
                id,
                deadline,
                client_nat: request.nat,
                proxy_type: proxy.proxy_type,
                proxy_nat: proxy.nat,
                waiter,
            },
        );
        Ok(ClientMatched {
            ticket: Ticket { sid, id },
            proxy_waiter: proxy.waiter,
            offer: OfferForProxy {
                offer: request.offer,
                client_nat: request.nat,
                relay_url: request.relay_url,
            },
            proxy_type: proxy.proxy_type,
            proxy_nat: proxy.nat,
        })
    }

    /// A proxy's answer arrived for `sid`: returns the waiting client's
    /// waiter (the answer goes to it), or `None` if no client waits under
    /// that session id any more (`client gone`).
    pub fn proxy_answer(&mut self, sid: &str) -> Option<C> {
        let client = self.clients.remove(sid)?;
        self.client_deadlines.remove(&(client.deadline, client.id));
        self.answering_kinds
            .remove(client.proxy_type, client.proxy_nat);
        Some(client.waiter)
    }

    /// Withdraws a proxy poll (its HTTP request went away). Returns whether
    /// it was still waiting.
    pub fn cancel_proxy(&mut self, ticket: &Ticket) -> bool {
        match self.proxies.get(&ticket.sid) {
            Some(proxy) if proxy.id == ticket.id => {
                self.remove_waiting_proxy(&ticket.sid);
                true
            }
            _ => false,
        }
    }

    /// Withdraws a waiting client (its HTTP request went away), so that a
    /// later answer is refused. Returns whether it was still waiting.
    pub fn cancel_client(&mut self, ticket: &Ticket) -> bool {
        match self.clients.get(&ticket.sid) {
            Some(client) if client.id == ticket.id => {
                self.proxy_answer(&ticket.sid);
                true
            }
            _ => false,
        }
    }

    /// Expires every proxy poll and client whose deadline is at or before
    /// `now`, appending them to `expired`.
    pub fn handle_timeout(&mut self, now: Instant, expired: &mut Vec<Expired<P, C>>) {
        while let Some(entry) = self.proxy_deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let sid = entry.remove();
            if let Some(proxy) = self.remove_waiting_proxy(&sid) {
                expired.push(Expired::Proxy {
                    waiter: proxy.waiter,
                    nat: proxy.nat,
                    proxy_type: proxy.proxy_type,
                });
            }
        }
        while let Some(entry) = self.client_deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let sid = entry.remove();
            if let Some(client) = self.clients.remove(&sid) {
                self.answering_kinds
                    .remove(client.proxy_type, client.proxy_nat);
                expired.push(Expired::Client {
                    waiter: client.waiter,
                    nat: client.client_nat,
                });
            }
        }
    }

    /// The earliest deadline pending, when [`Matcher::handle_timeout`]
    /// should next run.
    pub fn next_deadline(&self) -> Option<Instant> {
        let proxy = self.proxy_deadlines.first_key_value().map(|(k, _)| k.0);
        let client = self.client_deadlines.first_key_value().map(|(k, _)| k.0);
        match (proxy, client) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Current counts.
    pub fn stats(&self) -> MatcherStats {
        let mut known = self.waiting_kinds;
        for (slot, answering) in known.0.iter_mut().zip(self.answering_kinds.0) {
            *slot = slot.saturating_add(answering);
        }
        MatcherStats {
            waiting_proxies: self.proxies.len(),
            waiting_clients: self.clients.len(),
            known_proxies: known.to_vec(),
            waiting_by_kind: self.waiting_kinds.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test waiters: just names.
    type TestMatcher = Matcher<&'static str, &'static str>;

    const RELAY_HOST: &str = "relay.example.net";

    fn matcher() -> TestMatcher {
        Matcher::new(MatcherConfig {
            proxy_timeout: Duration::from_secs(10),
            max_waiting_proxies: 100,
            max_waiting_clients: 100,
        })
    }

    fn proxy(sid: &str, nat: NatType, clients: u64) -> ProxyRegistration {
        ProxyRegistration {
            sid: sid.to_string(),
            proxy_type: ProxyType::Standalone,
            nat,
            clients,
            relay_pattern: NameMatcher::parse_lenient("example.net$"),
            address: None,
        }
    }

    fn proxy_at(sid: &str, nat: NatType, clients: u64, address: &str) -> ProxyRegistration {
        ProxyRegistration {
            address: Some(address.parse().unwrap()),
            ..proxy(sid, nat, clients)
        }
    }

    fn client(nat: NatType) -> ClientRequest {
        ClientRequest {
            offer: format!("offer from {nat}"),
            nat,
            relay_url: format!("wss://{RELAY_HOST}/"),
            relay_host: RELAY_HOST.to_string(),
        }
    }

    fn later(now: Instant) -> Instant {
        now + Duration::from_secs(5)
    }

    /// Which proxy (if any) a client with `client_nat` gets when one proxy
    /// of each NAT type in `proxies` is waiting.
    fn match_with(client_nat: NatType, proxies: &[NatType]) -> Option<&'static str> {
        let mut m = matcher();
        let now = Instant::now();
        for (i, &nat) in proxies.iter().enumerate() {
            m.proxy_poll(now, proxy(&format!("sid{i}"), nat, 0), nat.as_str())
                .unwrap();
        }
        m.client_poll(now, later(now), client(client_nat), "client")
            .ok()
            .map(|matched| matched.proxy_waiter)
    }

    #[test]
    fn every_nat_combination() {
        use NatType::*;
        // Restricted and unknown clients only ever get unrestricted proxies.
        for client_nat in [Restricted, Unknown] {
            assert_eq!(match_with(client_nat, &[Restricted]), None);
            assert_eq!(match_with(client_nat, &[Unknown]), None);
            assert_eq!(
                match_with(client_nat, &[Unrestricted]),
                Some("unrestricted")
            );
            assert_eq!(
                match_with(client_nat, &[Restricted, Unknown, Unrestricted]),
                Some("unrestricted")
            );
            assert_eq!(match_with(client_nat, &[]), None);
        }
        // Unrestricted clients prefer restricted-pool proxies (restricted or
        // unknown) and fall back to unrestricted ones.
        assert_eq!(match_with(Unrestricted, &[Restricted]), Some("restricted"));
        assert_eq!(match_with(Unrestricted, &[Unknown]), Some("unknown"));
        assert_eq!(
            match_with(Unrestricted, &[Unrestricted]),
            Some("unrestricted")
        );
        assert_eq!(
            match_with(Unrestricted, &[Unrestricted, Restricted]),
            Some("restricted")
        );
        assert_eq!(
            match_with(Unrestricted, &[Unrestricted, Unknown]),
            Some("unknown")
        );
        assert_eq!(match_with(Unrestricted, &[]), None);
    }

    #[test]
    fn three_kind_nat_rules() {
        use NatType::*;
        // Strict, unknown and unrecognised-as-unknown clients: open-class
        // proxies only.
        for client_nat in [Strict, Restricted, Unknown] {
            for proxy_nat in [Strict, Moderate, Restricted, Unknown] {
                assert_eq!(
                    match_with(client_nat, &[proxy_nat]),
                    None,
                    "{client_nat}/{proxy_nat}"
                );
            }
            assert_eq!(match_with(client_nat, &[Open]), Some("open"));
            assert_eq!(
                match_with(client_nat, &[Unrestricted]),
                Some("unrestricted")
            );
            assert_eq!(
                match_with(client_nat, &[Strict, Moderate, Open]),
                Some("open")
            );
        }
        // Moderate clients: moderate first, then open; never strict.
        assert_eq!(match_with(Moderate, &[Strict]), None);
        assert_eq!(match_with(Moderate, &[Restricted, Unknown]), None);
        assert_eq!(match_with(Moderate, &[Open]), Some("open"));
        assert_eq!(match_with(Moderate, &[Unrestricted]), Some("unrestricted"));
        assert_eq!(match_with(Moderate, &[Open, Moderate]), Some("moderate"));
        assert_eq!(match_with(Moderate, &[Strict, Open]), Some("open"));
        // Open clients (either spelling): strict pool, then moderate, then
        // open.
        for client_nat in [Open, Unrestricted] {
            assert_eq!(
                match_with(client_nat, &[Open, Moderate, Strict]),
                Some("strict")
            );
            assert_eq!(
                match_with(client_nat, &[Open, Moderate, Unknown]),
                Some("unknown")
            );
            assert_eq!(
                match_with(client_nat, &[Open, Restricted]),
                Some("restricted")
            );
            assert_eq!(match_with(client_nat, &[Open, Moderate]), Some("moderate"));
            assert!(match_with(client_nat, &[Unrestricted, Open]).is_some());
            assert_eq!(match_with(client_nat, &[Open]), Some("open"));
            assert_eq!(match_with(client_nat, &[]), None);
        }
    }

    #[test]
    fn pools_by_class() {
        use NatType::*;
        assert_eq!(Pool::for_proxy(Open), Pool::Open);
        assert_eq!(Pool::for_proxy(Unrestricted), Pool::Open);
        assert_eq!(Pool::for_proxy(Moderate), Pool::Moderate);
        for nat in [Strict, Restricted, Unknown] {
            assert_eq!(Pool::for_proxy(nat), Pool::Strict);
        }
        assert_eq!(Pool::ALL.map(Pool::as_str), ["strict", "moderate", "open"]);
    }

    /// Which address group each of `count` matches goes to.
    fn matched_addresses(m: &mut TestMatcher, count: usize) -> Vec<&'static str> {
        let now = Instant::now();
        (0..count)
            .map(|_| {
                m.client_poll(now, later(now), client(NatType::Restricted), "c")
                    .map(|matched| matched.proxy_waiter)
                    .unwrap_or("none")
            })
            .collect()
    }

    #[test]
    fn one_address_with_many_polls_does_not_get_every_client() {
        let mut m: TestMatcher = Matcher::new(MatcherConfig {
            max_waiting_proxies: 20_000,
            ..MatcherConfig::default()
        });
        let now = Instant::now();
        // 10,000 polls from one host, all claiming no load, and three
        // honest proxies with some load.
        for i in 0..10_000 {
            m.proxy_poll(
                now,
                proxy_at(&format!("bad{i}"), NatType::Unrestricted, 0, "203.0.113.66"),
                "attacker",
            )
            .unwrap();
        }
        for (sid, address, name) in [
            ("h1", "198.51.100.1", "honest1"),
            ("h2", "198.51.100.2", "honest2"),
            ("h3", "2001:db8:1::1", "honest3"),
        ] {
            m.proxy_poll(now, proxy_at(sid, NatType::Unrestricted, 8, address), name)
                .unwrap();
        }
        let order = matched_addresses(&mut m, 6);
        // The attacker's least loaded poll comes first (never matched yet),
        // then every other address before it is served again.
        assert_eq!(order[0], "attacker");
        let mut honest: Vec<_> = order[1..4].to_vec();
        honest.sort_unstable();
        assert_eq!(honest, ["honest1", "honest2", "honest3"]);
        // Only the attacker is left.
        assert_eq!(&order[4..], ["attacker", "attacker"]);
    }

    #[test]
    fn groups_take_turns_and_an_ipv6_64_is_one_group() {
        let mut m = matcher();
        let now = Instant::now();
        for i in 0..3 {
            m.proxy_poll(
                now,
                proxy_at(
                    &format!("a{i}"),
                    NatType::Unrestricted,
                    0,
                    &format!("2001:db8:a::{i}"),
                ),
                "prefixA",
            )
            .unwrap();
            m.proxy_poll(
                now,
                proxy_at(&format!("b{i}"), NatType::Unrestricted, 0, "203.0.113.9"),
                "hostB",
            )
            .unwrap();
        }
        m.proxy_poll(
            now,
            proxy_at("c", NatType::Unrestricted, 0, "198.51.100.3"),
            "hostC",
        )
        .unwrap();
        let order = matched_addresses(&mut m, 8);
        // Round 1 serves each group once (oldest registration first among
        // the unmatched), then the groups still waiting alternate.
        assert_eq!(
            order,
            ["prefixA", "hostB", "hostC", "prefixA", "hostB", "prefixA", "hostB", "none"]
        );
    }

    #[test]
    fn proxies_without_a_public_address_keep_the_go_order() {
        let mut m = matcher();
        let now = Instant::now();
        for (sid, clients, address, name) in [
            ("a", 16, "127.0.0.1", "a16"),
            ("b", 0, "10.0.0.1", "b0"),
            ("c", 8, "127.0.0.1", "c8"),
            ("d", 0, "127.0.0.1", "d0"),
        ] {
            m.proxy_poll(
                now,
                proxy_at(sid, NatType::Unrestricted, clients, address),
                name,
            )
            .unwrap();
        }
        assert_eq!(matched_addresses(&mut m, 4), ["b0", "d0", "c8", "a16"]);
    }

    #[test]
    fn a_group_that_empties_starts_afresh() {
        let mut m = matcher();
        let now = Instant::now();
        m.proxy_poll(
            now,
            proxy_at("x1", NatType::Unrestricted, 0, "203.0.113.1"),
            "x",
        )
        .unwrap();
        m.proxy_poll(
            now,
            proxy_at("x2", NatType::Unrestricted, 0, "203.0.113.1"),
            "x",
        )
        .unwrap();
        m.proxy_poll(
            now,
            proxy_at("y1", NatType::Unrestricted, 8, "203.0.113.2"),
            "y",
        )
        .unwrap();
        assert_eq!(matched_addresses(&mut m, 1), ["x"]);
        // x was matched with a poll still waiting: y goes first.
        assert_eq!(matched_addresses(&mut m, 1), ["y"]);
        // y polls again: its group had emptied, so it is new again and
        // comes before x (matched, still waiting).
        m.proxy_poll(
            now,
            proxy_at("y2", NatType::Unrestricted, 8, "203.0.113.2"),
            "y",
        )
        .unwrap();
        assert_eq!(matched_addresses(&mut m, 3), ["y", "x", "none"]);
        assert_eq!(m.stats().waiting_proxies, 0);
    }

    #[test]
    fn least_loaded_first_then_longest_waiting() {
        let mut m = matcher();
        let now = Instant::now();
        for (sid, clients, name) in [
            ("a", 16, "a16"),
            ("b", 0, "b0"),
            ("c", 8, "c8"),
            ("d", 0, "d0"),
            ("e", 24, "e24"),
        ] {
            m.proxy_poll(now, proxy(sid, NatType::Unrestricted, clients), name)
                .unwrap();
        }
        let order: Vec<_> = (0..5)
            .map(|_| {
                m.client_poll(now, later(now), client(NatType::Restricted), "c")
                    .unwrap()
                    .proxy_waiter
            })
            .collect();
        assert_eq!(order, ["b0", "d0", "c8", "a16", "e24"]);
        assert!(matches!(
            m.client_poll(now, later(now), client(NatType::Restricted), "c"),
            Err((ClientRefusal::NoProxies, "c"))
        ));
    }

    #[test]
    fn least_loaded_across_pattern_groups() {
        let mut m = matcher();
        let now = Instant::now();
        let mut p = proxy("wide", NatType::Unrestricted, 8);
        p.relay_pattern = NameMatcher::parse_lenient("net$");
        m.proxy_poll(now, p, "wide8").unwrap();
        m.proxy_poll(now, proxy("narrow", NatType::Unrestricted, 0), "narrow0")
            .unwrap();
        let first = m
            .client_poll(now, later(now), client(NatType::Restricted), "c")
            .unwrap();
        assert_eq!(first.proxy_waiter, "narrow0");
        let second = m
            .client_poll(now, later(now), client(NatType::Restricted), "c")
            .unwrap();
        assert_eq!(second.proxy_waiter, "wide8");
    }

    #[test]
    fn proxies_only_get_relays_they_accept() {
        let mut m = matcher();
        let now = Instant::now();
        let mut other = proxy("other", NatType::Unrestricted, 0);
        other.relay_pattern = NameMatcher::parse_lenient("other.org$");
        m.proxy_poll(now, other, "other").unwrap();
        let mut exact = proxy("exact", NatType::Unrestricted, 0);
        exact.relay_pattern = NameMatcher::parse_lenient("^example.net$");
        m.proxy_poll(now, exact, "exact").unwrap();
        assert!(matches!(
            m.client_poll(now, later(now), client(NatType::Restricted), "c"),
            Err((ClientRefusal::NoProxies, _))
        ));
        m.proxy_poll(now, proxy("ok", NatType::Unrestricted, 100), "ok")
            .unwrap();
        let matched = m
            .client_poll(now, later(now), client(NatType::Restricted), "c")
            .unwrap();
        assert_eq!(matched.proxy_waiter, "ok");
        assert_eq!(m.stats().waiting_proxies, 2);
    }

    #[test]
    fn offer_goes_to_one_proxy_and_answer_to_its_client() {
        let mut m = matcher();
        let now = Instant::now();
        let waiting = m
            .proxy_poll(now, proxy("sid", NatType::Unrestricted, 0), "proxy")
            .unwrap();
        assert_eq!(waiting.deadline, now + Duration::from_secs(10));
        let matched = m
            .client_poll(now, later(now), client(NatType::Unknown), "client")
            .unwrap();
        assert_eq!(matched.ticket.sid(), "sid");
        assert_eq!(
            matched.offer,
            OfferForProxy {
                offer: "offer from unknown".to_string(),
                client_nat: NatType::Unknown,
                relay_url: format!("wss://{RELAY_HOST}/"),
            }
        );
        assert_eq!(matched.proxy_type, ProxyType::Standalone);
        assert_eq!(matched.proxy_nat, NatType::Unrestricted);
        // The proxy is no longer in the pool.
        assert!(m
            .client_poll(now, later(now), client(NatType::Unknown), "second")
            .is_err());
        let stats = m.stats();
        assert_eq!(stats.waiting_proxies, 0);
        assert_eq!(stats.waiting_clients, 1);
        assert_eq!(
            stats.known_proxies,
            vec![((ProxyType::Standalone, NatType::Unrestricted), 1)]
        );
        assert!(stats.waiting_by_kind.is_empty());
        assert_eq!(m.proxy_answer("sid"), Some("client"));
        assert_eq!(m.proxy_answer("sid"), None);
        assert_eq!(m.proxy_answer("never"), None);
        assert_eq!(m.stats(), MatcherStats::default());
        assert_eq!(m.next_deadline(), None);
    }

    #[test]
    fn proxy_poll_expires_at_its_deadline() {
        let mut m = matcher();
        let start = Instant::now();
        m.proxy_poll(start, proxy("sid", NatType::Restricted, 0), "proxy")
            .unwrap();
        assert_eq!(m.next_deadline(), Some(start + Duration::from_secs(10)));
        let mut expired = Vec::new();
        m.handle_timeout(start + Duration::from_millis(9_999), &mut expired);
        assert!(expired.is_empty());
        // Just before expiry, a client still gets it.
        let mut m2 = matcher();
        m2.proxy_poll(start, proxy("sid", NatType::Restricted, 0), "proxy")
            .unwrap();
        let t = start + Duration::from_millis(9_999);
        assert!(m2
            .client_poll(t, later(t), client(NatType::Unrestricted), "c")
            .is_ok());
        // At the deadline it expires.
        m.handle_timeout(start + Duration::from_secs(10), &mut expired);
        assert!(matches!(
            expired.as_slice(),
            [Expired::Proxy {
                waiter: "proxy",
                nat: NatType::Restricted,
                proxy_type: ProxyType::Standalone
            }]
        ));
        assert_eq!(m.stats().waiting_proxies, 0);
        assert_eq!(m.next_deadline(), None);
        let t = start + Duration::from_secs(10);
        assert!(matches!(
            m.client_poll(t, later(t), client(NatType::Unrestricted), "c"),
            Err((ClientRefusal::NoProxies, _))
        ));
    }

    #[test]
    fn client_expires_and_late_answer_is_client_gone() {
        let mut m = matcher();
        let start = Instant::now();
        m.proxy_poll(start, proxy("sid", NatType::Unrestricted, 0), "proxy")
            .unwrap();
        let deadline = start + Duration::from_secs(5);
        m.client_poll(
            start + Duration::from_secs(1),
            deadline,
            client(NatType::Restricted),
            "client",
        )
        .unwrap();
        assert_eq!(m.next_deadline(), Some(deadline));
        let mut expired = Vec::new();
        m.handle_timeout(deadline, &mut expired);
        assert!(matches!(
            expired.as_slice(),
            [Expired::Client {
                waiter: "client",
                nat: NatType::Restricted
            }]
        ));
        assert_eq!(m.proxy_answer("sid"), None);
        assert_eq!(m.stats(), MatcherStats::default());
    }

    #[test]
    fn client_deadline_already_passed() {
        let mut m = matcher();
        let now = Instant::now();
        m.proxy_poll(now, proxy("sid", NatType::Unrestricted, 0), "proxy")
            .unwrap();
        assert!(matches!(
            m.client_poll(now, now, client(NatType::Restricted), "c"),
            Err((ClientRefusal::DeadlinePassed, "c"))
        ));
        // The proxy was not used up.
        assert_eq!(m.stats().waiting_proxies, 1);
    }

    #[test]
    fn duplicate_sid_replaces_the_waiting_poll() {
        let mut m = matcher();
        let now = Instant::now();
        let first = m
            .proxy_poll(now, proxy("sid", NatType::Unrestricted, 0), "first")
            .unwrap();
        assert_eq!(first.replaced, None);
        let second = m
            .proxy_poll(now, proxy("sid", NatType::Restricted, 0), "second")
            .unwrap();
        assert_eq!(second.replaced, Some("first"));
        assert_eq!(m.stats().waiting_proxies, 1);
        // The old ticket no longer cancels anything.
        assert!(!m.cancel_proxy(&first.ticket));
        let matched = m
            .client_poll(now, later(now), client(NatType::Unrestricted), "c")
            .unwrap();
        assert_eq!(matched.proxy_waiter, "second");
        // While a client waits under "sid", a poll with that sid is refused.
        assert!(matches!(
            m.proxy_poll(now, proxy("sid", NatType::Restricted, 0), "third"),
            Err((ProxyRefusal::SidAwaitingAnswer, "third"))
        ));
    }

    #[test]
    fn cancellation() {
        let mut m = matcher();
        let now = Instant::now();
        let p = m
            .proxy_poll(now, proxy("p", NatType::Unrestricted, 0), "proxy")
            .unwrap();
        assert!(m.cancel_proxy(&p.ticket));
        assert!(!m.cancel_proxy(&p.ticket));
        assert_eq!(m.stats(), MatcherStats::default());
        assert_eq!(m.next_deadline(), None);

        m.proxy_poll(now, proxy("p", NatType::Unrestricted, 0), "proxy")
            .unwrap();
        let c = m
            .client_poll(now, later(now), client(NatType::Restricted), "client")
            .unwrap();
        assert!(m.cancel_client(&c.ticket));
        assert!(!m.cancel_client(&c.ticket));
        assert_eq!(m.proxy_answer("p"), None);
        assert_eq!(m.stats(), MatcherStats::default());
    }

    #[test]
    fn capacity_limits() {
        let mut m: TestMatcher = Matcher::new(MatcherConfig {
            proxy_timeout: Duration::from_secs(10),
            max_waiting_proxies: 2,
            max_waiting_clients: 1,
        });
        let now = Instant::now();
        m.proxy_poll(now, proxy("a", NatType::Unrestricted, 0), "a")
            .unwrap();
        m.proxy_poll(now, proxy("b", NatType::Unrestricted, 0), "b")
            .unwrap();
        assert!(matches!(
            m.proxy_poll(now, proxy("c", NatType::Unrestricted, 0), "c"),
            Err((ProxyRefusal::TooManyProxies, "c"))
        ));
        // Replacing an existing sid is allowed at capacity.
        assert!(m
            .proxy_poll(now, proxy("a", NatType::Unrestricted, 0), "a2")
            .is_ok());
        m.client_poll(now, later(now), client(NatType::Restricted), "x")
            .unwrap();
        assert!(matches!(
            m.client_poll(now, later(now), client(NatType::Restricted), "y"),
            Err((ClientRefusal::TooManyClients, "y"))
        ));
        assert_eq!(m.stats().waiting_proxies, 1);
    }

    #[test]
    fn stats_by_kind() {
        let mut m = matcher();
        let now = Instant::now();
        let mut webext = proxy("w", NatType::Restricted, 0);
        webext.proxy_type = ProxyType::Webext;
        m.proxy_poll(now, webext, "w").unwrap();
        m.proxy_poll(now, proxy("s", NatType::Unknown, 0), "s")
            .unwrap();
        let stats = m.stats();
        assert_eq!(stats.waiting_proxies, 2);
        assert_eq!(
            stats.waiting_by_kind,
            vec![
                ((ProxyType::Standalone, NatType::Unknown), 1),
                ((ProxyType::Webext, NatType::Restricted), 1),
            ]
        );
        assert_eq!(stats.known_proxies, stats.waiting_by_kind);
    }
}
