//! Sessions and streams (§7.4, §7.7): per shard, one task accepts KCP sessions;
//! each session runs an smux server and each of its streams is relayed to
//! tor's Extended ORPort or ORPort.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use snowflake_common::kcp::Accepted;
use snowflake_common::pt::extorport::useraddr_for_ip;
use snowflake_common::smux;
use snowflake_common::turbotunnel::ClientId;
use tokio::sync::Semaphore;

use crate::metrics::RejectReason;
use crate::orport::dial_tor;
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

/// One KCP session: an smux server whose streams each get a task, within
/// the per-session stream limit. The session is listed in
/// [`Shared::sessions`] while it runs.
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
    shared.lock_sessions().insert(
        client_id,
        SessionEntry {
            serial,
            conv,
            monitor: stream.monitor(),
        },
    );
    shared.metrics.sessions_total.inc();
    shared.metrics.sessions_active.inc();
    tracing::debug!(%client_id, conv = format_args!("{conv:#010x}"), "session started");
    let stream_slots = Arc::new(Semaphore::new(shared.config.limits.max_streams_per_session));
    match smux::Session::server(stream, smux::Config::snowflake_server()) {
        Ok(session) => loop {
            match session.accept_stream().await {
                Ok(stream) => match Arc::clone(&stream_slots).try_acquire_owned() {
                    Ok(slot) => {
                        let weak = Arc::downgrade(&shared);
                        shared.spawn(async move {
                            run_stream(weak, client_id, stream).await;
                            drop(slot);
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

/// One smux stream: dials tor, reporting the client's newest address, and
/// relays until both sides are done.
async fn run_stream(shared: Weak<Shared>, client_id: ClientId, stream: smux::Stream) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    shared.metrics.streams_total.inc();
    let config = &shared.config;
    let user_addr = shared.demux.client_addr(client_id).map(useraddr_for_ip);
    let tor = match dial_tor(
        &config.tor,
        user_addr.as_deref(),
        &config.transport_name,
        config.orport_srcaddr.as_ref(),
        config.timeouts.tor_dial,
    )
    .await
    {
        Ok(tor) => tor,
        Err(e) => {
            shared.metrics.tor_dial_failures.inc();
            tracing::warn!("{e}");
            return;
        }
    };
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
    match end {
        RelayEnd::Failed(e) => tracing::debug!(%client_id, "stream ended: {e}"),
        other => tracing::debug!(%client_id, "stream ended: {other:?}"),
    }
}
