//! A TCP listener on 127.0.0.1 that reads each connection's TLS
//! ClientHello, hands it to the test and hangs up (so the client's
//! handshake fails): what the rendezvous and proxy TLS tests compare with
//! a browser's hello.

use std::net::SocketAddr;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::tls_wire::{ClientHello, TlsWireError};

/// Hellos recorded but not yet taken; more connections than this wait.
const RECORDED: usize = 64;

/// The largest hello read (real ones are about 2 KB).
const MAX_HELLO: usize = 64 * 1024;

/// See the module documentation. Stops listening when dropped.
pub struct HelloRecorder {
    /// Where it listens.
    pub addr: SocketAddr,
    hellos: mpsc::Receiver<Result<ClientHello, String>>,
    task: JoinHandle<()>,
}

impl Drop for HelloRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HelloRecorder {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<HelloRecorder> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, hellos) = mpsc::channel(RECORDED);
        let task = tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut bytes = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while bytes.len() < MAX_HELLO {
                        let n = match tcp.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        bytes.extend_from_slice(&chunk[..n]);
                        match ClientHello::from_stream(&bytes) {
                            Ok(hello) => {
                                let _ = tx.send(Ok(hello)).await;
                                return;
                            }
                            Err(TlsWireError::Incomplete { .. }) => continue,
                            Err(e) => {
                                let _ = tx.send(Err(format!("not a ClientHello: {e}"))).await;
                                return;
                            }
                        }
                    }
                    let _ = tx.send(Err("ClientHello larger than 64 KiB".into())).await;
                });
            }
        });
        Ok(HelloRecorder { addr, hellos, task })
    }

    /// The next hello a client sent (waits for one), or why the bytes were
    /// not one; `None` once the listener stopped.
    pub async fn next(&mut self) -> Option<Result<ClientHello, String>> {
        self.hellos.recv().await
    }
}
