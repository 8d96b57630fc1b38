//! Which tor instance a new connection goes to, and which instances are
//! up: the balancing rule, without I/O (docs/tor-instances.md).
//!
//! A busy bridge runs several tor instances sharing one identity; the
//! server spreads its connections to tor over their Extended ORPorts.
//! [`TorInstances`] holds, per instance, the connections assigned to it
//! (being dialled or open) and whether it is up, and answers:
//!
//! * [`TorInstances::choose`]: the up instance with the fewest assigned
//!   connections; among equals, the next one in round-robin order after
//!   the previous choice. When no instance is up, the down ones are
//!   chosen the same way, so that a bridge whose every instance failed
//!   once keeps trying (such a dial doubles as a probe).
//! * [`TorInstances::mark_down`]: a failed dial or a failed Extended
//!   ORPort authentication takes the instance out of the choice at once.
//!   It is probed again after a backoff ([`Backoff`]: 1 s, then doubling
//!   up to 5 s), by [`TorInstances::take_due_probes`].
//! * [`TorInstances::mark_up`]: a successful dial or probe brings it back.
//!
//! Time is passed in ([`Instant`]), so every rule is tested directly;
//! the driver (`tor_pool.rs`) dials, probes and sleeps.

use std::time::{Duration, Instant};

/// How long a down instance waits before its next probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Before the first probe after a failure.
    pub first: Duration,
    /// The longest wait; each failed probe doubles the wait up to this.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            max: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1 or more).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(16);
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// An instance's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Chosen for new connections.
    Up,
    /// Skipped for new connections while another instance is up.
    Down {
        /// Consecutive failures (dials and probes) since it was last up.
        failures: u32,
        /// When the next probe is due.
        next_probe: Instant,
        /// A probe is running.
        probing: bool,
    },
}

#[derive(Debug, Clone)]
struct Instance {
    assigned: usize,
    health: Health,
}

/// The state of the balancing rule over a fixed list of instances,
/// numbered from 0.
#[derive(Debug, Clone)]
pub struct TorInstances {
    instances: Vec<Instance>,
    /// Where the round-robin scan for the next choice starts.
    cursor: usize,
    backoff: Backoff,
}

impl TorInstances {
    /// `count` instances, all up, none with a connection.
    pub fn new(count: usize, backoff: Backoff) -> Self {
        Self {
            instances: vec![
                Instance {
                    assigned: 0,
                    health: Health::Up,
                };
                count
            ],
            cursor: 0,
            backoff,
        }
    }

    /// How many instances there are.
    pub fn len(&self) -> usize {
        self.instances.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    /// Instance `index`'s health (`None` for a bad index).
    pub fn health(&self, index: usize) -> Option<Health> {
        self.instances.get(index).map(|i| i.health)
    }

    /// Whether instance `index` is up.
    pub fn is_up(&self, index: usize) -> bool {
        matches!(self.health(index), Some(Health::Up))
    }

    /// Connections assigned to instance `index` (being dialled or open).
    pub fn assigned(&self, index: usize) -> usize {
        self.instances.get(index).map_or(0, |i| i.assigned)
    }

    /// Picks the instance for a new connection, leaving out those in
    /// `tried` (instances this connection already failed on), and counts
    /// the connection as assigned to it; give it back with
    /// [`TorInstances::release`]. Among up instances, the one with the
    /// fewest assigned connections, ties broken round-robin; if none is up,
    /// the down ones by the same rule. `None` when every instance is in
    /// `tried`.
    pub fn choose(&mut self, tried: &[usize]) -> Option<usize> {
        let pick = self
            .least_assigned(tried, true)
            .or_else(|| self.least_assigned(tried, false))?;
        self.assign(pick);
        self.cursor = (pick + 1) % self.instances.len();
        Some(pick)
    }

    /// Counts a connection as assigned to `index` without choosing (a
    /// session's later streams go where its first one went).
    pub fn assign(&mut self, index: usize) {
        if let Some(instance) = self.instances.get_mut(index) {
            instance.assigned = instance.assigned.saturating_add(1);
        }
    }

    /// The candidate with the fewest assigned connections among up (or,
    /// with `up == false`, down) instances not in `tried`, scanning from
    /// the cursor so that the first of equals is the next in turn.
    fn least_assigned(&self, tried: &[usize], up: bool) -> Option<usize> {
        let count = self.instances.len();
        let mut best: Option<(usize, usize)> = None;
        for offset in 0..count {
            let index = (self.cursor + offset) % count;
            let Some(instance) = self.instances.get(index) else {
                continue;
            };
            if tried.contains(&index) || matches!(instance.health, Health::Up) != up {
                continue;
            }
            if best.is_none_or(|(_, fewest)| instance.assigned < fewest) {
                best = Some((index, instance.assigned));
            }
        }
        best.map(|(index, _)| index)
    }

    /// A connection assigned to `index` ended (or its dial failed).
    pub fn release(&mut self, index: usize) {
        if let Some(instance) = self.instances.get_mut(index) {
            instance.assigned = instance.assigned.saturating_sub(1);
        }
    }

    /// A dial or probe of `index` failed at `now`: the instance is down,
    /// and its next probe is due after the backoff for its consecutive
    /// failures. Returns true if it was up until now.
    pub fn mark_down(&mut self, index: usize, now: Instant) -> bool {
        let backoff = self.backoff;
        let Some(instance) = self.instances.get_mut(index) else {
            return false;
        };
        let (was_up, failures) = match instance.health {
            Health::Up => (true, 1),
            Health::Down { failures, .. } => (false, failures.saturating_add(1)),
        };
        instance.health = Health::Down {
            failures,
            next_probe: now + backoff.delay(failures),
            probing: false,
        };
        was_up
    }

    /// A dial or probe of `index` succeeded: it is up. Returns true if it
    /// was down until now.
    pub fn mark_up(&mut self, index: usize) -> bool {
        let Some(instance) = self.instances.get_mut(index) else {
            return false;
        };
        let was_down = !matches!(instance.health, Health::Up);
        instance.health = Health::Up;
        was_down
    }

    /// The down instances whose probe is due at `now`, now marked as being
    /// probed (so they are returned once); report each outcome with
    /// [`TorInstances::mark_up`] or [`TorInstances::mark_down`].
    pub fn take_due_probes(&mut self, now: Instant) -> Vec<usize> {
        let mut due = Vec::new();
        for (index, instance) in self.instances.iter_mut().enumerate() {
            if let Health::Down {
                next_probe,
                probing,
                ..
            } = &mut instance.health
            {
                if !*probing && *next_probe <= now {
                    *probing = true;
                    due.push(index);
                }
            }
        }
        due
    }

    /// When the next probe is due (`None` if no down instance waits for
    /// one).
    pub fn next_probe(&self) -> Option<Instant> {
        self.instances
            .iter()
            .filter_map(|instance| match instance.health {
                Health::Down {
                    next_probe,
                    probing: false,
                    ..
                } => Some(next_probe),
                _ => None,
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Chooses `n` times without releasing.
    fn choices(rule: &mut TorInstances, n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| rule.choose(&[]).expect("a choice"))
            .collect()
    }

    #[test]
    fn equal_instances_are_chosen_in_turn() {
        let mut rule = TorInstances::new(3, Backoff::default());
        assert_eq!(choices(&mut rule, 7), [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(
            (rule.assigned(0), rule.assigned(1), rule.assigned(2)),
            (3, 2, 2)
        );
    }

    #[test]
    fn the_least_loaded_instance_wins_and_ties_go_round_robin() {
        let mut rule = TorInstances::new(3, Backoff::default());
        assert_eq!(choices(&mut rule, 3), [0, 1, 2]);
        // Instance 1's connections end: it has the fewest, every time
        // until it catches up.
        rule.release(1);
        assert_eq!(rule.choose(&[]), Some(1));
        rule.release(0);
        rule.release(2);
        // 0 and 2 have none, 1 has one: 2 first (the turn goes on after
        // 1), then 0, then all are equal and it is 1's turn.
        assert_eq!(choices(&mut rule, 3), [2, 0, 1]);
        // Releasing more than was assigned never underflows.
        let mut rule = TorInstances::new(1, Backoff::default());
        rule.release(0);
        assert_eq!(rule.assigned(0), 0);
        rule.release(7);
    }

    #[test]
    fn a_down_instance_is_skipped_until_it_is_up_again() {
        let now = Instant::now();
        let mut rule = TorInstances::new(3, Backoff::default());
        assert!(rule.mark_down(1, now));
        assert!(!rule.is_up(1));
        assert_eq!(choices(&mut rule, 4), [0, 2, 0, 2]);
        assert!(!rule.mark_down(1, now), "already down");
        assert!(rule.mark_up(1));
        assert!(!rule.mark_up(1), "already up");
        // Back with no connections: it takes the next ones until even.
        assert_eq!(choices(&mut rule, 3), [1, 1, 2]);
    }

    #[test]
    fn tried_instances_are_left_out_and_all_down_falls_back_to_down_ones() {
        let now = Instant::now();
        let mut rule = TorInstances::new(3, Backoff::default());
        // A connection that failed on 0 goes elsewhere.
        assert_eq!(rule.choose(&[0]), Some(1));
        rule.release(1);
        assert_eq!(rule.choose(&[0, 1, 2]), None, "every one tried");
        // Every instance down: still a choice, by the same rule (the turn
        // goes on after 1).
        for index in 0..3 {
            rule.mark_down(index, now);
        }
        assert_eq!(choices(&mut rule, 2), [2, 0]);
        // One comes back: only it is chosen.
        rule.mark_up(1);
        assert_eq!(choices(&mut rule, 3), [1, 1, 1]);
        // Every up instance already tried: a down one rather than none.
        assert_eq!(rule.choose(&[1]), Some(2));
    }

    #[test]
    fn down_instances_are_probed_with_a_backoff() {
        let backoff = Backoff::default();
        assert_eq!(
            [1, 2, 3, 4, 10, u32::MAX].map(|f| backoff.delay(f)),
            [secs(1), secs(2), secs(4), secs(5), secs(5), secs(5)]
        );
        let t0 = Instant::now();
        let mut rule = TorInstances::new(2, backoff);
        assert_eq!(rule.next_probe(), None, "nothing to probe while all up");
        rule.mark_down(1, t0);
        assert_eq!(rule.next_probe(), Some(t0 + secs(1)));
        assert!(rule.take_due_probes(t0).is_empty(), "not yet");
        assert_eq!(rule.take_due_probes(t0 + secs(1)), [1]);
        // Once taken, not again while it runs, and no wake-up is due.
        assert!(rule.take_due_probes(t0 + secs(9)).is_empty());
        assert_eq!(rule.next_probe(), None);
        // The probe fails: the next one waits twice as long.
        let t1 = t0 + secs(1);
        assert!(!rule.mark_down(1, t1));
        assert_eq!(
            rule.health(1),
            Some(Health::Down {
                failures: 2,
                next_probe: t1 + secs(2),
                probing: false
            })
        );
        // A dial failing meanwhile (every other instance tried) counts too.
        assert!(!rule.mark_down(1, t1));
        assert_eq!(rule.next_probe(), Some(t1 + secs(4)));
        // It succeeds: up, and nothing left to probe.
        assert_eq!(rule.take_due_probes(t1 + secs(4)), [1]);
        assert!(rule.mark_up(1));
        assert_eq!(rule.next_probe(), None);
        // A later failure starts the backoff from the beginning.
        rule.mark_down(1, t1 + secs(60));
        assert_eq!(rule.next_probe(), Some(t1 + secs(61)));
    }

    #[test]
    fn bad_indices_change_nothing() {
        let now = Instant::now();
        let mut rule = TorInstances::new(2, Backoff::default());
        assert!(!rule.mark_down(5, now));
        assert!(!rule.mark_up(5));
        rule.assign(5);
        assert_eq!(rule.health(5), None);
        assert_eq!(rule.assigned(5), 0);
        assert_eq!(choices(&mut rule, 2), [0, 1]);
        let mut empty = TorInstances::new(0, Backoff::default());
        assert!(empty.is_empty());
        assert_eq!(empty.choose(&[]), None);
    }
}
