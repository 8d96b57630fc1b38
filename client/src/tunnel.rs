//! One client session (one SOCKS connection from tor): a fresh ClientId,
//! a set of proxy paths kept filled by the collector, KCP with a random
//! conversation id over them, and smux v2 over KCP (§8.4).

use std::sync::Arc;
use std::time::Duration;

use snowflake_common::kcp::{self, KcpMonitor, KcpStream};
use snowflake_common::smux;
use snowflake_common::turbotunnel::ClientId;
use tokio::task::JoinHandle;

use crate::collector::{keep_filled, Reporter};
use crate::dialer::ProxyDialer;
use crate::paths::{MultiplexingPacketConn, ProxyPaths, RedialPacketConn};

/// A running client session.
pub struct Tunnel {
    client_id: ClientId,
    paths: Arc<ProxyPaths>,
    session: smux::Session,
    kcp: KcpMonitor,
    collector: JoinHandle<()>,
}

/// How often [`Tunnel::close`] looks whether the server has acknowledged
/// everything.
const DRAIN_POLL: Duration = Duration::from_millis(20);

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field("client_id", &self.client_id)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Tunnel {
    /// Starts a session with a new ClientId; proxies are dialed in the
    /// background (`max` of them, striped or one at a time). Must be called
    /// within a tokio runtime.
    pub fn start(
        dialer: Arc<dyn ProxyDialer>,
        max: usize,
        striping: bool,
        reporter: Option<Reporter>,
    ) -> Result<Self, smux::ConfigError> {
        let client_id = ClientId::random();
        let (paths, kcp): (Arc<ProxyPaths>, KcpStream) = if striping {
            let conn = MultiplexingPacketConn::new(client_id);
            (Arc::clone(conn.paths()), kcp::connect(conn))
        } else {
            let conn = RedialPacketConn::new(client_id);
            // One proxy at a time keeps packets in order: fast resend is
            // safe and recovers datagram-channel losses in a round trip.
            (Arc::clone(conn.paths()), kcp::connect_one_path(conn))
        };
        let monitor = kcp.monitor();
        let session = smux::Session::client(kcp, smux::Config::snowflake_client())?;
        let collector = tokio::spawn(keep_filled(Arc::clone(&paths), dialer, max, reporter));
        tracing::debug!(%client_id, striping, max, "client session started");
        Ok(Self {
            client_id,
            paths,
            session,
            kcp: monitor,
            collector,
        })
    }

    /// The session's ClientId.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// The proxies under the session.
    pub fn paths(&self) -> &Arc<ProxyPaths> {
        &self.paths
    }

    /// Opens a stream (tor's connection to the bridge).
    pub async fn open_stream(&self) -> Result<smux::Stream, smux::SessionError> {
        self.session.open_stream().await
    }

    /// Closes the session, its proxies and its dialing, after waiting up
    /// to `drain` for the server to acknowledge what is still queued (the
    /// FIN of the streams that just ended, above all) while a proxy is
    /// connected.
    ///
    /// Without that wait the proxies go at once and the FIN rarely reaches
    /// the server, which then keeps the session (and its memory) until its
    /// idle timeout instead of closing it seconds after its last stream
    /// (docs/server-budget.md).
    pub async fn close(self, drain: Duration) {
        self.collector.abort();
        let deadline = tokio::time::Instant::now() + drain;
        // Two quiet looks in a row: the smux driver moves frames into KCP
        // in one step, but another thread may look in between.
        let mut quiet = 0;
        while quiet < 2 && tokio::time::Instant::now() < deadline && !self.paths.is_empty() {
            let unacknowledged = self.kcp.unacknowledged_segments().unwrap_or(0);
            if self.session.is_closed()
                || (self.session.queued_output_bytes() == 0 && unacknowledged == 0)
            {
                quiet += 1;
            } else {
                quiet = 0;
            }
            tokio::time::sleep(DRAIN_POLL).await;
        }
        // smux's close sends nothing the server needs and would wait on
        // the packets; closing the paths ends KCP and smux underneath.
        self.paths.close();
        self.session.close().await;
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.collector.abort();
        self.paths.close();
    }
}
