//! A proxy path that may switch to the datagram channel
//! (`snowflake_rtc::datagram`, docs/datagram-channel.md).
//!
//! The path starts as every path does: the preamble and encapsulated
//! packets on the proxy's reliable channel. If the proxy opens the
//! datagram channel (only ours does), every packet from then on goes out
//! as one message there, unordered and never retransmitted by SCTP, so
//! KCP alone recovers losses and no lost packet holds back the ones behind
//! it. Packets arrive on both channels until the proxy has switched too;
//! KCP takes them in any order.
//!
//! When the datagram channel is full the path's sender waits, as it does
//! on the reliable channel, so the only losses KCP sees are the network's.
//! If the datagram channel closes, the path goes back to the reliable
//! channel.

use bytes::Bytes;
use snowflake_common::turbotunnel::{
    encapsulated_packet_conn, ChannelPacketConn, ClientId, PacketConn, QUEUE_SIZE,
};
use snowflake_rtc::{DatagramChannel, DatagramLink};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};

/// The packet connection of a path over `stream` whose proxy may open the
/// datagram channel `link`. Same contract as `encapsulated_packet_conn`.
pub fn datagram_packet_conn<S>(
    stream: S,
    client_id: ClientId,
    link: DatagramLink,
) -> ChannelPacketConn
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let reliable = std::sync::Arc::new(encapsulated_packet_conn(stream, Some(client_id)));
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);
    let (open_tx, open_rx) = watch::channel::<Option<DatagramChannel>>(None);

    // The link: publish the channel once the proxy opens it.
    let opener = tokio::spawn(async move {
        if let Some(channel) = link.opened().await {
            tracing::debug!("path switched to the datagram channel");
            let _ = open_tx.send(Some(channel));
            // Keep the sender alive so receivers see the channel, until
            // every receiver is gone.
            open_tx.closed().await;
        }
    });

    // Outgoing: datagrams once open, the reliable channel before (and
    // after, if the datagram channel closes).
    let sender_reliable = std::sync::Arc::clone(&reliable);
    let sender_open = open_rx.clone();
    tokio::spawn(async move {
        let mut datagrams: Option<DatagramChannel> = None;
        while let Some(packet) = out_rx.recv().await {
            if datagrams.is_none() {
                datagrams = sender_open.borrow().clone();
            }
            if let Some(channel) = &datagrams {
                match channel.send(packet.clone()).await {
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::debug!(%error, "datagram channel closed; back to the stream");
                        datagrams = None;
                    }
                }
            }
            if sender_reliable.send(packet).await.is_err() {
                break;
            }
        }
        if let Some(channel) = datagrams {
            channel.close().await;
        }
        opener.abort();
    });

    // Incoming: whatever arrives on either channel.
    let mut receiver_open = open_rx;
    tokio::spawn(async move {
        let mut datagrams: Option<DatagramChannel> = None;
        let mut watching = true;
        let mut scratch = Vec::new();
        loop {
            let packet = tokio::select! {
                // The path was dropped (its session closed, or the
                // scheduler removed it): let go of the reliable channel,
                // which closes it. Waiting for the next packet instead
                // would keep the proxy's peer connection, and its relay
                // to the server, up until the proxy's inactivity timeout.
                () = in_tx.closed() => return,
                packet = reliable.recv() => match packet {
                    Ok(packet) => packet,
                    // The stream ended: the path is over.
                    Err(_) => return,
                },
                changed = receiver_open.changed(), if watching && datagrams.is_none() => {
                    if changed.is_err() {
                        // The link will not open: the stream alone.
                        watching = false;
                    } else {
                        datagrams = receiver_open.borrow_and_update().clone();
                    }
                    continue;
                }
                received = next_datagram(datagrams.as_ref(), &mut scratch) => match received {
                    Some(packet) => packet,
                    None => {
                        datagrams = None;
                        continue;
                    }
                },
            };
            if in_tx.send(packet).await.is_err() {
                return;
            }
        }
    });

    ChannelPacketConn::new(out_tx, in_rx)
}

/// The next datagram, never if there is no channel, `None` once it closed.
async fn next_datagram(channel: Option<&DatagramChannel>, scratch: &mut Vec<u8>) -> Option<Bytes> {
    match channel {
        Some(channel) => channel.recv(scratch).await.ok().flatten(),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::turbotunnel::{read_preamble, PacketConn};
    use std::time::Duration;
    use tokio::io::AsyncReadExt;

    /// Hang guard only.
    const GUARD: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn dropping_the_path_closes_its_reliable_stream() {
        let (ours, mut proxy) = tokio::io::duplex(64 * 1024);
        let id = ClientId([3; 8]);
        // The proxy never opens its datagram channel (its sender is kept,
        // so the link stays pending), the case of a path dropped early.
        let (_link_sender, link) = DatagramLink::new();
        let conn = datagram_packet_conn(ours, id, link);
        conn.send(Bytes::from_static(b"packet"))
            .await
            .expect("send");
        assert_eq!(
            tokio::time::timeout(GUARD, read_preamble(&mut proxy))
                .await
                .expect("preamble in time")
                .expect("preamble"),
            id
        );
        drop(conn);
        // What was sent, then the end of the stream.
        let mut rest = Vec::new();
        tokio::time::timeout(GUARD, proxy.read_to_end(&mut rest))
            .await
            .expect("the stream ended once the path was dropped")
            .expect("read");
        assert!(rest.ends_with(b"packet"), "{rest:?}");
    }
}
