//! Metrics read at scrape time: the shards' drop counters, the client
//! queue count and the KCP sessions' receive buffers, summed over shards.

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
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(shared) = self.shared.upgrade() else {
            return Vec::new();
        };
        let mut totals: HashMap<&'static str, u64> = HashMap::new();
        let mut clients = 0usize;
        for shard in shared.demux.shards() {
            let q = shard.conn.stats();
            let l = shard.listener.stats();
            for (reason, value) in [
                ("incoming_queue_full", q.incoming_dropped),
                ("client_queue_full", q.outgoing_dropped),
                ("oversize", q.oversize_dropped),
                ("client_table_full", q.clients_refused),
                ("conv_mismatch", l.conv_mismatch_dropped),
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
        let mut families = self.dropped.collect();
        families.extend(self.buffered.collect());
        families.extend(self.client_queues.collect());
        families
    }
}
