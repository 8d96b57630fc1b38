//! Metrics read at scrape time: the shards' drop counters, the client
//! queue count and evictions from the client table, and the KCP sessions'
//! receive buffers, summed over shards.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, Weak};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounterVec, IntGauge, Opts};

use crate::metrics;
use crate::shared::Shared;

/// Reads the shards' drop counters and the sessions' receive buffers at
/// every scrape.
pub(crate) struct StatsCollector {
    shared: Weak<Shared>,
    dropped: IntCounterVec,
    buffered: IntGauge,
    client_queues: IntGauge,
    refused: IntCounterVec,
    evicted: IntCounterVec,
    table_evicted: IntCounterVec,
    budget_used: IntGauge,
    budget_limit: IntGauge,
    scrape: Mutex<()>,
}

impl StatsCollector {
    pub(crate) fn new(shared: Weak<Shared>) -> Result<Self, prometheus::Error> {
        Ok(Self {
            shared,
            dropped: IntCounterVec::new(
                Opts::new(
                    "packets_dropped_total",
                    "Turbo Tunnel and KCP packets dropped, by reason",
                )
                .namespace(metrics::NAMESPACE),
                &["reason"],
            )?,
            buffered: IntGauge::with_opts(
                Opts::new(
                    "kcp_receive_buffered_bytes",
                    "Payload bytes held by the KCP sessions' receive buffers",
                )
                .namespace(metrics::NAMESPACE),
            )?,
            client_queues: IntGauge::with_opts(
                Opts::new("client_queues", "Clients with a send queue")
                    .namespace(metrics::NAMESPACE),
            )?,
            refused: IntCounterVec::new(
                Opts::new(
                    "sessions_refused_total",
                    "New clients whose first packet was dropped because no session could be made, by reason",
                )
                .namespace(metrics::NAMESPACE),
                &["reason"],
            )?,
            evicted: IntCounterVec::new(
                Opts::new(
                    "sessions_evicted_total",
                    "KCP sessions ended to make room for a new client, by reason",
                )
                .namespace(metrics::NAMESPACE),
                &["reason"],
            )?,
            table_evicted: IntCounterVec::new(
                Opts::new(
                    "client_table_evicted_total",
                    "Turbo Tunnel client table entries evicted to make room for a new client's connection, by whether the client's session was established",
                )
                .namespace(metrics::NAMESPACE),
                &["state"],
            )?,
            budget_used: IntGauge::with_opts(
                Opts::new(
                    "memory_budget_used_bytes",
                    "Bytes of the session memory budget in use (fixed cost per session plus KCP buffers)",
                )
                .namespace(metrics::NAMESPACE),
            )?,
            budget_limit: IntGauge::with_opts(
                Opts::new("memory_budget_bytes", "The session memory budget")
                    .namespace(metrics::NAMESPACE),
            )?,
            scrape: Mutex::new(()),
        })
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Collector for StatsCollector {
    fn desc(&self) -> Vec<&Desc> {
        let mut descs = self.dropped.desc();
        descs.extend(self.buffered.desc());
        descs.extend(self.client_queues.desc());
        descs.extend(self.refused.desc());
        descs.extend(self.evicted.desc());
        descs.extend(self.table_evicted.desc());
        descs.extend(self.budget_used.desc());
        descs.extend(self.budget_limit.desc());
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(shared) = self.shared.upgrade() else {
            return Vec::new();
        };
        let mut totals: HashMap<&'static str, u64> = HashMap::new();
        let mut clients = 0usize;
        let mut refused: [u64; 2] = [0; 2];
        let mut evicted: [u64; 2] = [0; 2];
        let mut table_evicted: [u64; 2] = [0; 2];
        for shard in shared.demux.shards() {
            let q = shard.conn.stats();
            let l = shard.listener.stats();
            refused[0] += l.session_cap_dropped;
            refused[1] += l.budget_refused;
            evicted[0] += l.evicted_unestablished;
            evicted[1] += l.evicted_idle;
            table_evicted[0] += q.evicted_unestablished;
            table_evicted[1] += q.evicted_established;
            for (reason, value) in [
                ("incoming_queue_full", q.incoming_dropped),
                ("client_queue_full", q.outgoing_dropped),
                ("oversize", q.oversize_dropped),
                ("client_table_full", q.clients_refused),
                ("conv_mismatch", l.conv_mismatch_dropped),
                ("not_opening", l.not_opening_dropped),
                ("invalid", l.invalid_dropped),
                ("session_cap", l.session_cap_dropped),
                ("accept_backlog", l.backlog_dropped),
                ("session_queue_full", l.queue_full_dropped),
            ] {
                *totals.entry(reason).or_default() += value;
            }
            clients += shard.conn.client_count();
        }
        self.dropped.reset();
        for (reason, value) in totals {
            self.dropped.with_label_values(&[reason]).inc_by(value);
        }
        let buffered: u64 = shared
            .lock_sessions()
            .values()
            .filter_map(|e| e.monitor.receive_buffered_bytes())
            .map(|b| b as u64)
            .sum();
        self.buffered.set(clamp(buffered));
        self.client_queues.set(clamp(clients as u64));
        self.refused.reset();
        self.evicted.reset();
        self.table_evicted.reset();
        for (reason, value) in [("session_cap", refused[0]), ("memory_budget", refused[1])] {
            self.refused.with_label_values(&[reason]).inc_by(value);
        }
        for (reason, value) in [("unestablished", evicted[0]), ("idle", evicted[1])] {
            self.evicted.with_label_values(&[reason]).inc_by(value);
        }
        for (state, value) in [
            ("unestablished", table_evicted[0]),
            ("established", table_evicted[1]),
        ] {
            self.table_evicted.with_label_values(&[state]).inc_by(value);
        }
        self.budget_used.set(clamp(shared.budget.used() as u64));
        self.budget_limit.set(clamp(shared.budget.limit() as u64));
        let mut families = self.dropped.collect();
        families.extend(self.buffered.collect());
        families.extend(self.client_queues.collect());
        families.extend(self.refused.collect());
        families.extend(self.evicted.collect());
        families.extend(self.table_evicted.collect());
        families.extend(self.budget_used.collect());
        families.extend(self.budget_limit.collect());
        families
    }
}
