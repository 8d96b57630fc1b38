//! Sessions and streams (§7.4, §7.7): per shard, one task accepts KCP sessions;
//! each session runs an smux server and each of its streams is relayed to
//! tor's Extended ORPort or ORPort.
//!
//! A session must prove itself before it costs more than its KCP state
//! (docs/server-budget.md): tor is dialled for a stream only once the
//! stream has carried data (a bare SYN dials nothing), the session is then
//! marked established (so the KCP listener no longer evicts it for a new
//! client), and a session none of whose streams carried data within the
//! new-session timeout is closed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use snowflake_common::kcp::{Accepted, KcpMonitor};
use snowflake_common::pt::extorport::useraddr_for_ip;
use snowflake_common::smux;
use snowflake_common::turbotunnel::ClientId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use crate::metrics::RejectReason;
use crate::relay::{relay, RelayEnd};
use crate::shared::{SessionEntry, Shared};

/// Accepts the KCP sessions of shard `index`, one task each.
pub(crate) async fn accept_sessions(shared: Weak<Shared>, index: usize) {
    let Some(listener) = shared.upgrade().and_then(|s| {
        s.demux
            .shards()
            .get(index)
            .map(|shard| Arc::clone(&shard.listener))
    }) else {
        return;
    };
    loop {
        let accepted = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::debug!("KCP listener {index} stopped: {e}");
                return;
            }
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let weak = Arc::downgrade(&shared);
        shared.spawn(run_session(weak, accepted));
    }
}

/// Bytes of a stream's first data read before tor is dialled.
const FIRST_READ: usize = 2048;

/// One KCP session: an smux server whose streams each get a task, within
/// the per-session stream limit. The session is listed in
/// [`Shared::sessions`] while it runs, and closed if no stream has carried
/// data by the new-session timeout.
async fn run_session(shared: Weak<Shared>, accepted: Accepted) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    let Accepted {
        client_id,
        conv,
        stream,
    } = accepted;
    let serial = shared.next_serial.fetch_add(1, Ordering::Relaxed);
    let monitor = stream.monitor();
    let new_session = shared.config.timeouts.new_session;
    let deadline = Instant::now() + new_session;
    shared.lock_sessions().insert(
        client_id,
        SessionEntry {
            serial,
            conv,
            monitor: monitor.clone(),
        },
    );
    shared.metrics.sessions_total.inc();
    shared.metrics.sessions_active.inc();
    tracing::debug!(%client_id, conv = format_args!("{conv:#010x}"), "session started");
    let stream_slots = Arc::new(Semaphore::new(shared.config.limits.max_streams_per_session));
    // Woken when one of the session's streams ends.
    let stream_ended = Arc::new(Notify::new());
    // The tor instance this session's streams go to, once the first one
    // went somewhere (NO_INSTANCE until then).
    let instance = Arc::new(AtomicUsize::new(NO_INSTANCE));
    let max_streams = shared.config.limits.max_streams_per_session;
    let finished_linger = shared.config.timeouts.finished_linger;
    // When the session's last stream ended (None while one is open), and
    // how many looks in a row found everything it sent acknowledged.
    let mut finished_since: Option<Instant> = None;
    let mut drained_looks = 0u8;
    match smux::Session::server_charged(stream, smux::Config::snowflake_server(), &shared.budget) {
        Ok(session) => loop {
            let finished =
                monitor.is_established() && stream_slots.available_permits() == max_streams;
            let linger_end = if finished {
                let since = *finished_since.get_or_insert_with(Instant::now);
                since + finished_linger
            } else {
                finished_since = None;
                drained_looks = 0;
                deadline
            };
            let next_look = (Instant::now() + FINISHED_DRAIN_LOOK).min(linger_end);
            let accepted = tokio::select! {
                accepted = session.accept_stream() => accepted,
                () = tokio::time::sleep_until(deadline), if !monitor.is_established() => {
                    if monitor.is_established() {
                        continue;
                    }
                    shared.metrics.sessions_expired.inc();
                    tracing::debug!(%client_id, "session closed: no stream carried data within {new_session:?}");
                    break;
                }
                () = tokio::time::sleep_until(next_look), if finished => {
                    if stream_slots.available_permits() != max_streams {
                        continue;
                    }
                    if is_drained(&session, &monitor) {
                        drained_looks = drained_looks.saturating_add(1);
                    } else {
                        drained_looks = 0;
                    }
                    let lingered = Instant::now() >= linger_end;
                    if drained_looks < FINISHED_DRAIN_LOOKS && !lingered {
                        continue;
                    }
                    shared.metrics.sessions_finished.inc();
                    if lingered {
                        tracing::debug!(%client_id, "session closed: its streams are done, {finished_linger:?} without an acknowledgement of all it sent");
                    } else {
                        tracing::debug!(%client_id, "session closed: its streams are done and all it sent is acknowledged");
                    }
                    break;
                }
                () = stream_ended.notified(), if !finished => continue,
            };
            match accepted {
                Ok(stream) => match Arc::clone(&stream_slots).try_acquire_owned() {
                    Ok(slot) => {
                        let weak = Arc::downgrade(&shared);
                        let monitor = monitor.clone();
                        let instance = Arc::clone(&instance);
                        let stream_ended = Arc::clone(&stream_ended);
                        shared.spawn(async move {
                            run_stream(weak, client_id, stream, monitor, &instance).await;
                            drop(slot);
                            stream_ended.notify_one();
                        });
                    }
                    Err(_) => {
                        // Dropping the stream sends FIN: the client sees it
                        // closed, the session and its other streams go on.
                        shared.metrics.reject(RejectReason::StreamLimit);
                        tracing::debug!(%client_id, "stream refused: too many streams in one session");
                        drop(stream);
                    }
                },
                Err(e) => {
                    tracing::debug!(%client_id, "session ended: {e}");
                    break;
                }
            }
        },
        Err(e) => tracing::error!("smux configuration: {e}"),
    }
    {
        let mut sessions = shared.lock_sessions();
        if sessions.get(&client_id).is_some_and(|e| e.serial == serial) {
            sessions.remove(&client_id);
        }
    }
    shared.metrics.sessions_active.dec();
}

/// How often a session whose streams have all ended looks whether all it
/// sent is acknowledged. A Snowflake client opens one stream per session,
/// at its start, and closes the session when that stream ends; KCP and
/// smux have no session close on the wire, so without this rule the
/// session (its budget charge, its buffers, its KCP state retransmitting to
/// a client that has gone) would stay until smux's keepalive timeout,
/// minutes later. Closing it once drained, rather than a fixed time after
/// its stream, frees a busy bridge of the many finished sessions it would
/// otherwise hold (docs/server-budget.md); `Timeouts::finished_linger`
/// bounds the wait for a client that no longer acknowledges.
const FINISHED_DRAIN_LOOK: Duration = Duration::from_millis(100);

/// Looks in a row that must find the session drained. The smux driver
/// moves frames into KCP in one step, which another thread may look at
/// halfway; and the second look leaves KCP time to acknowledge the
/// client's own last segments before the session goes.
const FINISHED_DRAIN_LOOKS: u8 = 2;

/// Whether nothing the session sent waits for an acknowledgement: smux has
/// no frame queued and KCP none unacknowledged (or the KCP session is gone).
fn is_drained(session: &smux::Session, monitor: &KcpMonitor) -> bool {
    session.queued_output_bytes() == 0 && monitor.unacknowledged_segments().unwrap_or(0) == 0
}

/// No tor instance chosen yet for a session.
const NO_INSTANCE: usize = usize::MAX;

/// One smux stream: waits for its first data (at most the new-session
/// timeout), marks the session established, dials tor (the session's
/// instance, `instance`, while it is up; see docs/tor-instances.md),
/// reporting the client's newest address, and relays until both sides are
/// done.
async fn run_stream(
    shared: Weak<Shared>,
    client_id: ClientId,
    mut stream: smux::Stream,
    monitor: KcpMonitor,
    instance: &AtomicUsize,
) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    shared.metrics.streams_total.inc();
    let config = &shared.config;
    let mut first = [0u8; FIRST_READ];
    let first_len =
        match tokio::time::timeout(config.timeouts.new_session, stream.read(&mut first)).await {
            Ok(Ok(n)) if n > 0 => n,
            Ok(Ok(_)) | Err(_) => {
                shared.metrics.streams_without_data.inc();
                tracing::debug!(%client_id, "stream closed before carrying data; tor not dialled");
                return;
            }
            Ok(Err(e)) => {
                shared.metrics.streams_without_data.inc();
                tracing::debug!(%client_id, "stream failed before carrying data: {e}");
                return;
            }
        };
    monitor.mark_established();
    // The client table prefers to evict entries that never got this far.
    if let Some(shard) = shared.demux.shard(client_id) {
        shard.conn.mark_established(client_id);
    }
    let user_addr = shared.demux.client_addr(client_id).map(useraddr_for_ip);
    let preferred = Some(instance.load(Ordering::Relaxed)).filter(|&i| i != NO_INSTANCE);
    let (lease, mut tor) = match shared.tor.dial(user_addr.as_deref(), preferred).await {
        Ok(dialled) => dialled,
        Err(e) => {
            tracing::debug!(%client_id, "stream closed: no tor instance could be reached: {e}");
            return;
        }
    };
    instance.store(lease.index(), Ordering::Relaxed);
    let first = first.get(..first_len).unwrap_or_default();
    if let Err(e) = tor.write_all(first).await {
        tracing::debug!(%client_id, "stream ended: writing to tor: {e}");
        return;
    }
    shared.metrics.bytes_to_tor.inc_by(first.len() as u64);
    shared.metrics.streams_active.inc();
    let end = relay(
        stream,
        tor,
        config.timeouts.half_close_linger,
        &shared.metrics.bytes_to_tor,
        &shared.metrics.bytes_to_client,
    )
    .await;
    shared.metrics.streams_active.dec();
    drop(lease);
    match end {
        RelayEnd::Failed(e) => tracing::debug!(%client_id, "stream ended: {e}"),
        other => tracing::debug!(%client_id, "stream ended: {other:?}"),
    }
}
