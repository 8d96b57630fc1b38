//! The tor instances as the server uses them (docs/tor-instances.md): a
//! thin driver around the balancing rule of `tor_instances.rs`.
//!
//! * [`TorPool::dial`] connects a client stream to the instance the rule
//!   chooses (or to its session's instance, while that one is up). A
//!   failed dial or Extended ORPort authentication marks the instance
//!   down at once and the stream tries the next choice, so a new session
//!   never fails because one instance died.
//! * [`TorPool::run_prober`] re-probes down instances when the rule says
//!   they are due (connect and authenticate, then close) and brings them
//!   back when that succeeds.
//! * Each instance has its metrics, labelled with its address.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use prometheus::IntCounter;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::metrics::{Metrics, TorInstanceMetrics};
use crate::orport::{dial_tor, DialError, TorConn, TorInstance};
use crate::tor_instances::{Backoff, TorInstances};

/// What [`Server::tor_instances`](crate::Server::tor_instances) reports
/// about one tor instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorInstanceStatus {
    /// Its address (`127.0.0.1:10001`, `unix:/…`), as in the metrics.
    pub address: String,
    /// Chosen for new sessions.
    pub up: bool,
    /// Connections to it being relayed now.
    pub connections: u64,
}

/// One instance: where it is, and its metrics.
struct Member {
    instance: TorInstance,
    address: String,
    metrics: TorInstanceMetrics,
}

/// The tor instances of a server.
pub(crate) struct TorPool {
    members: Vec<Member>,
    rule: Mutex<TorInstances>,
    /// Wakes the prober when an instance went down.
    wake: Notify,
    transport: String,
    timeout: Duration,
    /// The server-wide count of failed dials.
    dial_failures: IntCounter,
}

/// A connection assigned to instance `index` (being dialled, then open),
/// counted by the rule until dropped, and by the instance's connection
/// gauge once open. Dropping it at any point (a failed dial, the end of
/// the relay, a cancelled task) gives the count back.
pub(crate) struct TorLease {
    pool: Arc<TorPool>,
    index: usize,
    open: bool,
}

impl TorLease {
    /// The instance the connection went to.
    pub(crate) fn index(&self) -> usize {
        self.index
    }
}

impl Drop for TorLease {
    fn drop(&mut self) {
        self.pool.lock().release(self.index);
        if self.open {
            if let Some(member) = self.pool.members.get(self.index) {
                member.metrics.connections.dec();
            }
        }
    }
}

impl TorPool {
    /// The pool of `instances` (their source ranges resolved), all up,
    /// with their metrics registered in `metrics`.
    pub(crate) fn new(
        instances: Vec<TorInstance>,
        transport: String,
        timeout: Duration,
        metrics: &Metrics,
    ) -> Result<Self, prometheus::Error> {
        let mut members = Vec::with_capacity(instances.len());
        for instance in instances {
            let address = instance.target.address();
            // The operator's own addresses stay readable in our logs.
            snowflake_common::safelog::keep_operator_addresses_in(&address);
            let instance_metrics = metrics.tor_instance(&address)?;
            instance_metrics.up.set(1);
            members.push(Member {
                instance,
                address,
                metrics: instance_metrics,
            });
        }
        Ok(Self {
            rule: Mutex::new(TorInstances::new(members.len(), Backoff::default())),
            members,
            wake: Notify::new(),
            transport,
            timeout,
            dial_failures: metrics.tor_dial_failures.clone(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, TorInstances> {
        self.rule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The instances' addresses, in order.
    pub(crate) fn addresses(&self) -> Vec<String> {
        self.members.iter().map(|m| m.address.clone()).collect()
    }

    /// The instances as the start-up line names them (`ExtORPort
    /// 127.0.0.1:10001, ExtORPort 127.0.0.1:10002`).
    pub(crate) fn describe(&self) -> String {
        self.members
            .iter()
            .map(|m| m.instance.target.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each instance's state.
    pub(crate) fn status(&self) -> Vec<TorInstanceStatus> {
        let rule = self.lock();
        self.members
            .iter()
            .enumerate()
            .map(|(index, member)| TorInstanceStatus {
                address: member.address.clone(),
                up: rule.is_up(index),
                connections: u64::try_from(member.metrics.connections.get()).unwrap_or(0),
            })
            .collect()
    }

    /// Connects a client stream to tor: to `preferred` (its session's
    /// instance) while that is up, else to the rule's choice; on failure
    /// marks the instance down and tries the next choice, until every
    /// instance was tried. Returns the connection and its lease; the
    /// error is the last instance's.
    pub(crate) async fn dial(
        self: &Arc<Self>,
        user_addr: Option<&str>,
        preferred: Option<usize>,
    ) -> Result<(TorLease, TorConn), DialError> {
        let mut tried: Vec<usize> = Vec::new();
        let mut last_error = None;
        loop {
            let choice = {
                let mut rule = self.lock();
                match preferred.filter(|&index| tried.is_empty() && rule.is_up(index)) {
                    Some(index) => {
                        rule.assign(index);
                        Some(index)
                    }
                    None => rule.choose(&tried),
                }
            };
            let Some(index) = choice else {
                return Err(last_error.unwrap_or(DialError::NoInstance));
            };
            tried.push(index);
            let mut lease = TorLease {
                pool: Arc::clone(self),
                index,
                open: false,
            };
            let Some(member) = self.members.get(index) else {
                continue;
            };
            let dialled = dial_tor(
                &member.instance.target,
                user_addr,
                &self.transport,
                member.instance.srcaddr.as_ref(),
                self.timeout,
            )
            .await;
            match dialled {
                Ok(conn) => {
                    member.metrics.connections.inc();
                    member.metrics.connections_total.inc();
                    lease.open = true;
                    if self.lock().mark_up(index) {
                        member.metrics.up.set(1);
                        tracing::info!("tor instance {} is up again", member.address);
                    }
                    return Ok((lease, conn));
                }
                Err(error) => {
                    drop(lease);
                    let went_down = self.lock().mark_down(index, Instant::now());
                    member.metrics.dial_failures.inc();
                    self.dial_failures.inc();
                    if went_down {
                        member.metrics.up.set(0);
                        tracing::warn!(
                            "tor instance {} is down ({error}); left out of new sessions while another is up, probing it until it answers",
                            member.address
                        );
                        self.wake.notify_one();
                    } else {
                        tracing::warn!("{error}");
                    }
                    last_error = Some(error);
                }
            }
        }
    }

    /// Probes down instances when they are due and reports the outcome to
    /// the rule, until dropped (the server's shutdown cancels it). At most
    /// one probe per instance runs at a time.
    pub(crate) async fn run_prober(self: Arc<Self>) {
        let mut probes: JoinSet<(usize, Result<(), DialError>)> = JoinSet::new();
        loop {
            let (due, next) = {
                let mut rule = self.lock();
                (rule.take_due_probes(Instant::now()), rule.next_probe())
            };
            for index in due {
                let pool = Arc::clone(&self);
                probes.spawn(async move { (index, pool.probe(index).await) });
            }
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(joined) = probes.join_next() => {
                    if let Ok((index, result)) = joined {
                        self.probed(index, result);
                    }
                }
                () = sleep => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// One probe: connect and authenticate as for a client stream (no
    /// client address), then close.
    async fn probe(&self, index: usize) -> Result<(), DialError> {
        let Some(member) = self.members.get(index) else {
            return Err(DialError::NoInstance);
        };
        dial_tor(
            &member.instance.target,
            None,
            &self.transport,
            member.instance.srcaddr.as_ref(),
            self.timeout,
        )
        .await
        .map(drop)
    }

    fn probed(&self, index: usize, result: Result<(), DialError>) {
        let Some(member) = self.members.get(index) else {
            return;
        };
        match result {
            Ok(()) => {
                if self.lock().mark_up(index) {
                    member.metrics.up.set(1);
                    tracing::info!("tor instance {} answered a probe: up again", member.address);
                }
            }
            Err(error) => {
                self.lock().mark_down(index, Instant::now());
                tracing::debug!("probe of tor instance {}: {error}", member.address);
            }
        }
    }
}
