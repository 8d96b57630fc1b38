//! An HTTP/1.0 server on 127.0.0.1 for the tests that fetch data through
//! the private Tor network's exit: `GET /data` answers the whole file,
//! `GET /small` its first `small_len` bytes, anything else 404. Requests
//! are read up to their blank line (at most 8 KiB).

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running file server; stops when dropped.
#[derive(Debug)]
pub struct FileServer {
    addr: SocketAddrV4,
    file: Arc<Vec<u8>>,
    task: JoinHandle<()>,
}

impl FileServer {
    /// Serves `file` (and its first `small_len` bytes as `/small`) on a
    /// free port of 127.0.0.1.
    pub async fn start(file: Arc<Vec<u8>>, small_len: usize) -> std::io::Result<FileServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let SocketAddr::V4(addr) = listener.local_addr()? else {
            return Err(std::io::Error::other("bound to 127.0.0.1 but got IPv6"));
        };
        let served = Arc::clone(&file);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let file = Arc::clone(&served);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body: &[u8] = if request.starts_with(b"GET /data ") {
                        &file
                    } else if request.starts_with(b"GET /small ") {
                        file.get(..small_len).unwrap_or(&file)
                    } else {
                        let _ = stream.write_all(b"HTTP/1.0 404 Not Found\r\n\r\n").await;
                        return;
                    };
                    let head = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                    if stream.write_all(head.as_bytes()).await.is_ok()
                        && stream.write_all(body).await.is_ok()
                    {
                        let _ = stream.shutdown().await;
                    }
                });
            }
        });
        Ok(FileServer { addr, file, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddrV4 {
        self.addr
    }

    /// The file it serves.
    pub fn file(&self) -> &Arc<Vec<u8>> {
        &self.file
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
