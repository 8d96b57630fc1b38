//! [`PacketSocket`]s under webrtc-rs 0.17: its ICE agent takes a custom
//! socket only as a UDP mux (`UDPNetwork::Muxed`), which hands each agent
//! (one per peer connection, known by its local ufrag) a connection. Ours
//! opens one caller socket per ufrag and closes it when the agent goes.

use std::any::Any;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use webrtc17::ice::udp_mux::UDPMux;
use webrtc17::util::{Conn, Error};

use crate::packet_socket::{PacketSocket, PacketSocketFactory};

/// A caller socket as webrtc-rs's `Conn`.
struct SocketConn(Arc<dyn PacketSocket>);

fn unsupported(what: &str) -> Error {
    Error::Other(format!(
        "{what} is not supported on a caller-provided socket"
    ))
}

#[async_trait]
impl Conn for SocketConn {
    async fn connect(&self, _addr: SocketAddr) -> Result<(), Error> {
        Err(unsupported("connect"))
    }

    async fn recv(&self, buf: &mut [u8]) -> Result<usize, Error> {
        Ok(self.0.recv_from(buf).await?.0)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr), Error> {
        Ok(self.0.recv_from(buf).await?)
    }

    async fn send(&self, _buf: &[u8]) -> Result<usize, Error> {
        Err(unsupported("send without a destination"))
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> Result<usize, Error> {
        Ok(self.0.send_to(buf, target).await?)
    }

    fn local_addr(&self) -> Result<SocketAddr, Error> {
        Ok(self.0.local_addr()?)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        None
    }

    async fn close(&self) -> Result<(), Error> {
        self.0.close().await;
        Ok(())
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }
}

/// The mux: one caller socket per ICE agent.
pub(crate) struct PacketSocketMux {
    factory: Arc<dyn PacketSocketFactory>,
    /// Open sockets by local ufrag; an agent removes its own when it
    /// closes, so this holds one entry per live peer connection.
    sockets: Mutex<HashMap<String, Arc<dyn PacketSocket>>>,
}

impl PacketSocketMux {
    pub(crate) fn new(factory: Arc<dyn PacketSocketFactory>) -> Self {
        PacketSocketMux {
            factory,
            sockets: Mutex::new(HashMap::new()),
        }
    }

    fn sockets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn PacketSocket>>> {
        self.sockets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl UDPMux for PacketSocketMux {
    async fn close(&self) -> Result<(), Error> {
        let sockets: Vec<_> = self.sockets().drain().map(|(_, socket)| socket).collect();
        for socket in sockets {
            socket.close().await;
        }
        Ok(())
    }

    async fn get_conn(self: Arc<Self>, ufrag: &str) -> Result<Arc<dyn Conn + Send + Sync>, Error> {
        let existing = self.sockets().get(ufrag).cloned();
        let socket = match existing {
            Some(socket) => socket,
            None => {
                let socket = self.factory.open().await?;
                self.sockets()
                    .insert(ufrag.to_string(), Arc::clone(&socket));
                socket
            }
        };
        Ok(Arc::new(SocketConn(socket)))
    }

    async fn remove_conn_by_ufrag(&self, ufrag: &str) {
        let removed = self.sockets().remove(ufrag);
        if let Some(socket) = removed {
            socket.close().await;
        }
    }
}
