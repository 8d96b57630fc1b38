//! A byte stream as a [`PacketConn`] (§1.2): the thin async driver around
//! the sans-IO [`Deframer`] and [`Framer`] of [`crate::encapsulation`].

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

#[cfg(doc)]
use super::PacketConn;
use super::{preamble, ChannelPacketConn, ClientId, QUEUE_SIZE};
use crate::encapsulation::{Deframer, Framer, MAX_CHUNK_LEN};

/// Bytes of queued packets coalesced into one write.
const MAX_WRITE: usize = 256 * 1024;

/// Initial size of the write buffer.
const WRITE_BUFFER: usize = 64 * 1024;

/// Turns a byte stream into a [`PacketConn`] by encapsulating packets
/// (§1.2): one task decodes incoming bytes into packets, another encodes
/// outgoing packets, writing everything queued at once in one write.
///
/// With `client_id` set, the client preamble (token + ClientId) is written
/// first, as a client does on every new proxy connection.
pub fn encapsulated_packet_conn<S>(stream: S, client_id: Option<ClientId>) -> ChannelPacketConn
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);

    tokio::spawn(async move {
        let mut deframer = Deframer::new(MAX_CHUNK_LEN);
        loop {
            loop {
                match deframer.next_packet() {
                    Ok(Some(packet)) => {
                        if in_tx.send(packet).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!("encapsulated stream: {e}");
                        return;
                    }
                }
            }
            match reader.read_buf(deframer.read_buffer()).await {
                Ok(0) => {
                    if let Err(e) = deframer.finish() {
                        tracing::debug!("encapsulated stream: {e}");
                    }
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("encapsulated stream read: {e}");
                    return;
                }
            }
        }
    });

    tokio::spawn(async move {
        let mut framer = Framer::with_capacity(MAX_WRITE, WRITE_BUFFER);
        // The preamble goes out at once, not with the first packet: the
        // server reads it before anything else.
        if let Some(id) = client_id {
            if let Err(e) = writer.write_all(&preamble(id)).await {
                tracing::debug!("encapsulated stream write: {e}");
                return;
            }
        }
        while let Some(packet) = out_rx.recv().await {
            // Coalesce whatever else is already queued into the same write.
            if framer
                .push_batch(&packet, || out_rx.try_recv().ok())
                .is_err()
            {
                tracing::debug!("encapsulated stream: packet too long to encode");
                break;
            }
            if let Err(e) = writer.write_all(framer.framed()).await {
                tracing::debug!("encapsulated stream write: {e}");
                break;
            }
            framer.clear();
        }
        let _ = writer.shutdown().await;
    });

    ChannelPacketConn::new(out_tx, in_rx)
}

#[cfg(test)]
mod tests {
    use super::super::{read_preamble, PacketConn};
    use super::*;

    #[tokio::test]
    async fn encapsulated_conn_round_trip() {
        let (a, b) = tokio::io::duplex(4096);
        let id = ClientId([5; 8]);
        let client = encapsulated_packet_conn(a, Some(id));
        let (mut server_r, server_w) = tokio::io::split(b);
        assert_eq!(read_preamble(&mut server_r).await.expect("preamble"), id);
        let server = encapsulated_packet_conn(tokio::io::join(server_r, server_w), None);
        for i in 0..200u32 {
            client
                .send(Bytes::from(vec![i as u8; (i * 7 % 1400) as usize]))
                .await
                .expect("send");
        }
        for i in 0..200u32 {
            let p = server.recv().await.expect("recv");
            assert_eq!(p, Bytes::from(vec![i as u8; (i * 7 % 1400) as usize]));
        }
        server
            .send(Bytes::from_static(b"back"))
            .await
            .expect("send");
        assert_eq!(
            client.recv().await.expect("recv"),
            Bytes::from_static(b"back")
        );
        drop(server);
        assert!(
            client.recv().await.is_err(),
            "closing one end closes the other"
        );
    }
}
