//! Backend on webrtc-rs 0.21 (async layer over the sans-IO `rtc` crate).
//!
//! 0.21 has no `detach()`: a data channel is driven by polling its events
//! (`OnMessage`, `OnClose`, `OnBufferedAmountLow`, …), which this module
//! adapts to [`MessageChannel`].
//!
//! Differences from the 0.17 backend, all forced by the 0.21 API:
//! * 0.21 has no gathering-time IP filter, so local addresses are only
//!   stripped from the SDP (as upstream Snowflake 2.5.1 did);
//! * 0.21 has no port-range setting, so a port in the range is picked at
//!   random and bound explicitly (a few tries);
//! * flow control is 0.21's own send-buffer limit (`send` blocks while
//!   512 KiB are unacknowledged) rather than the 512/256 KiB hysteresis,
//!   whose low-water event 0.21 only delivers through the receive poll.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use snowflake_common::messages::{SdpType, SessionDescription};
use tokio::sync::{mpsc, Mutex, Notify};

use rtc21::ice::mdns::MulticastDnsMode;
use rtc21::ice::network_type::NetworkType;
use webrtc21::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};
use webrtc21::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceConnectionState, RTCIceGatheringState, RTCIceServer, RTCSessionDescription,
    SettingEngineBuilder,
};

use crate::backend::{AnswerPeer, OfferPeer, RtcBackend};
use crate::channel::{
    BoxFuture, LinkEvents, MessageChannel, RtcChannel, StatusSender, BUFFERED_AMOUNT_HIGH,
    BUFFERED_AMOUNT_LOW,
};
use crate::close_guard::{close_channel_and_peer, Closable};
use crate::config::RtcConfig;
use crate::error::RtcError;
use crate::negotiation::{
    expect_type, ice_server_urls, ice_state_of, sdp_to_send, until_open, wait_for_gathering,
};
use crate::sdp::new_channel_label;

/// Guards a peer connection during negotiation.
type PeerGuard = crate::close_guard::PeerGuard<dyn PeerConnection>;

/// Random ports tried when a port range is configured.
const PORT_TRIES: usize = 8;
/// Backstop for [`MessageChannel::buffered_amount_low`] (used only by the
/// close linger here): re-check this often even without an
/// `OnBufferedAmountLow` event, which arrives through the receive side's
/// event poll and so pauses while the caller is not reading.
const BUFFERED_LOW_BACKSTOP: Duration = Duration::from_millis(10);

/// The webrtc-rs 0.21 backend.
pub struct Webrtc21Backend {
    config: RtcConfig,
}

impl Webrtc21Backend {
    /// A backend making peers with `config`.
    pub fn new(config: RtcConfig) -> Result<Self, RtcError> {
        if let Some((min, max)) = config.port_range() {
            if min == 0 || max < min {
                return Err(RtcError::BadPortRange(min, max));
            }
        }
        if let Some(address) = config.host_address() {
            // Not wired to 0.21's gathering: refused rather than ignored,
            // so that the local address is never advertised when the
            // operator asked for another.
            return Err(RtcError::Backend(format!(
                "a host candidate address ({address}, -outbound-address) is not available \
                 on the webrtc-0.21 backend"
            )));
        }
        if config.packet_sockets().is_some() {
            // Sending ICE through a proxy's relay is built on 0.17's UDP
            // mux; without it the datagrams would bypass the proxy.
            return Err(RtcError::Backend(
                "caller-provided sockets (UDP through an upstream proxy) are not available \
                 on the webrtc-0.21 backend"
                    .into(),
            ));
        }
        if config.datagrams() {
            tracing::warn!(
                "the datagram channel is not available on the webrtc-0.21 backend: \
                 data goes over the reliable channel only"
            );
        }
        if config.covert_dtls().is_enabled() {
            tracing::warn!(
                setting = %config.covert_dtls(),
                "covert DTLS is not available on the webrtc-0.21 backend: its handshakes \
                 keep that stack's own hello and certificate"
            );
        }
        Ok(Webrtc21Backend { config })
    }

    /// The local UDP addresses to bind, with `port`.
    fn bind_addrs(&self, port: u16) -> Vec<SocketAddr> {
        if self.config.loopback_only() {
            vec![SocketAddr::from(([127, 0, 0, 1], port))]
        } else {
            // Wildcards: 0.21 binds one socket per interface address.
            vec![
                SocketAddr::from(([0, 0, 0, 0], port)),
                SocketAddr::from(([0u16; 8], port)),
            ]
        }
    }

    /// A new peer connection with its event handler.
    async fn new_peer(
        &self,
        channels: Option<mpsc::Sender<Arc<dyn DataChannel>>>,
    ) -> Result<Peer21, RtcError> {
        let status = StatusSender::new();
        let gathered = Arc::new(Notify::new());
        let handler = Arc::new(Handler21 {
            status: status.clone(),
            gathered: gathered.clone(),
            channels,
        });
        let ports: Vec<u16> = match self.config.port_range() {
            None => vec![0],
            Some((min, max)) => (0..PORT_TRIES)
                .map(|_| rand::random_range(min..=max))
                .collect(),
        };
        let mut last_error = RtcError::Backend("no port to bind".into());
        for port in ports {
            match self.build(handler.clone(), port).await {
                Ok(pc) => {
                    return Ok(Peer21 {
                        pc: PeerGuard::new(pc),
                        status,
                        gathered,
                    })
                }
                Err(error) => {
                    tracing::debug!(port, %error, "building peer connection");
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }

    async fn build(
        &self,
        handler: Arc<Handler21>,
        port: u16,
    ) -> Result<Arc<dyn PeerConnection>, RtcError> {
        let ice_servers = ice_server_urls(&self.config)
            .map(|urls| RTCIceServer {
                urls,
                ..Default::default()
            })
            .into_iter()
            .collect();
        let mut settings =
            SettingEngineBuilder::new().with_multicast_dns_mode(MulticastDnsMode::Disabled);
        if self.config.loopback_only() {
            settings = settings
                .with_include_loopback_candidate(true)
                .with_network_types(vec![NetworkType::Udp4]);
        }
        let pc = PeerConnectionBuilder::new()
            .with_configuration(
                RTCConfigurationBuilder::new()
                    .with_ice_servers(ice_servers)
                    .build(),
            )
            .with_setting_engine(settings.build())
            // Flow control: `send` blocks while this many bytes are
            // unacknowledged (0.21's own back-pressure, woken by the driver
            // as acknowledgements arrive).
            .with_data_channel_send_buffer_limit(BUFFERED_AMOUNT_HIGH)
            .with_handler(handler)
            .with_udp_addrs(self.bind_addrs(port))
            .build()
            .await
            .map_err(RtcError::backend)?;
        Ok(Arc::new(pc))
    }

    /// Sets `desc` as local description, waits for gathering (capped by the
    /// configured timeout) and returns the local SDP, stripped if configured.
    async fn gather(&self, peer: &Peer21, desc: RTCSessionDescription) -> Result<String, RtcError> {
        let pc = peer.pc.get();
        pc.set_local_description(desc)
            .await
            .map_err(RtcError::backend)?;
        wait_for_gathering(&self.config, peer.gathered.notified()).await;
        let local = pc.local_description().await.map(|local| local.sdp);
        sdp_to_send(&self.config, local)
    }
}

/// Routes a peer connection's events to our status and waiters.
struct Handler21 {
    status: StatusSender,
    gathered: Arc<Notify>,
    /// Answer side: where channels the client opens go.
    channels: Option<mpsc::Sender<Arc<dyn DataChannel>>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler21 {
    async fn on_ice_connection_state_change(&self, state: RTCIceConnectionState) {
        tracing::debug!(%state, "ICE connection state");
        if let Some(state) = ice_state_of!(state, RTCIceConnectionState) {
            self.status.set_ice(state);
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.notify_one();
        }
    }

    async fn on_data_channel(&self, data_channel: Arc<dyn DataChannel>) {
        if let Some(channels) = &self.channels {
            // The first channel is ours; Snowflake clients open exactly one.
            let _ = channels.try_send(data_channel);
        }
    }
}

impl RtcBackend for Webrtc21Backend {
    fn name(&self) -> &'static str {
        "webrtc-0.21"
    }

    fn config(&self) -> &RtcConfig {
        &self.config
    }

    fn create_offer(&self) -> BoxFuture<'_, Result<Box<dyn OfferPeer>, RtcError>> {
        Box::pin(async move {
            let peer = self.new_peer(None).await?;
            let label = new_channel_label();
            let dc = peer
                .pc
                .get()
                .create_data_channel(
                    &label,
                    Some(RTCDataChannelInit {
                        ordered: true,
                        ..Default::default()
                    }),
                )
                .await
                .map_err(RtcError::backend)?;
            let offer = peer
                .pc
                .get()
                .create_offer(None)
                .await
                .map_err(RtcError::backend)?;
            let sdp = self.gather(&peer, offer).await?;
            Ok(Box::new(Offer21 {
                peer,
                label,
                dc,
                offer: SessionDescription::new(SdpType::Offer, sdp),
            }) as Box<dyn OfferPeer>)
        })
    }

    fn answer_offer<'a>(
        &'a self,
        offer: &'a SessionDescription,
    ) -> BoxFuture<'a, Result<Box<dyn AnswerPeer>, RtcError>> {
        Box::pin(async move {
            expect_type(offer, SdpType::Offer)?;
            let (channels_tx, channels_rx) = mpsc::channel(1);
            let peer = self.new_peer(Some(channels_tx)).await?;
            let remote =
                RTCSessionDescription::offer(offer.sdp.clone()).map_err(RtcError::backend)?;
            peer.pc
                .get()
                .set_remote_description(remote)
                .await
                .map_err(RtcError::backend)?;
            let answer = peer
                .pc
                .get()
                .create_answer(None)
                .await
                .map_err(RtcError::backend)?;
            let sdp = self.gather(&peer, answer).await?;
            Ok(Box::new(Answer21 {
                peer,
                answer: SessionDescription::new(SdpType::Answer, sdp),
                channels: channels_rx,
            }) as Box<dyn AnswerPeer>)
        })
    }
}

/// A peer connection with its status and gathering signal.
struct Peer21 {
    pc: PeerGuard,
    status: StatusSender,
    gathered: Arc<Notify>,
}

impl Closable for dyn PeerConnection {
    const KIND: &'static str = "peer connection";

    fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move { self.close().await.map_err(RtcError::backend) })
    }
}

impl Closable for dyn DataChannel {
    const KIND: &'static str = "data channel";

    fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move { self.close().await.map_err(RtcError::backend) })
    }
}

struct Offer21 {
    peer: Peer21,
    label: String,
    dc: Arc<dyn DataChannel>,
    offer: SessionDescription,
}

impl OfferPeer for Offer21 {
    fn offer(&self) -> &SessionDescription {
        &self.offer
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn events(&self) -> LinkEvents {
        self.peer.status.subscribe()
    }

    fn connect(
        self: Box<Self>,
        answer: SessionDescription,
    ) -> BoxFuture<'static, Result<RtcChannel, RtcError>> {
        Box::pin(async move {
            let this = *self;
            expect_type(&answer, SdpType::Answer)?;
            let remote = RTCSessionDescription::answer(answer.sdp).map_err(RtcError::backend)?;
            this.peer
                .pc
                .get()
                .set_remote_description(remote)
                .await
                .map_err(RtcError::backend)?;
            open_channel(this.peer, this.dc, this.label).await
        })
    }
}

struct Answer21 {
    peer: Peer21,
    answer: SessionDescription,
    channels: mpsc::Receiver<Arc<dyn DataChannel>>,
}

impl AnswerPeer for Answer21 {
    fn answer(&self) -> &SessionDescription {
        &self.answer
    }

    fn events(&self) -> LinkEvents {
        self.peer.status.subscribe()
    }

    fn connect(self: Box<Self>) -> BoxFuture<'static, Result<RtcChannel, RtcError>> {
        Box::pin(async move {
            let mut this = *self;
            let dc = until_open(this.channels.recv(), &this.peer.status).await?;
            let label = dc.label().await.map_err(RtcError::backend)?;
            tracing::debug!(label, "client opened a data channel");
            open_channel(this.peer, dc, label).await
        })
    }
}

/// Waits for `dc` to open, then starts the byte stream over it.
async fn open_channel(
    peer: Peer21,
    dc: Arc<dyn DataChannel>,
    label: String,
) -> Result<RtcChannel, RtcError> {
    // Anything that arrives with the open is kept for the first read.
    let mut early = None;
    loop {
        // No event (the channel is gone) fails like a close.
        match until_open(dc.poll(), &peer.status).await? {
            DataChannelEvent::OnOpen => break,
            DataChannelEvent::OnMessage(message) => {
                early = Some(message.data);
                break;
            }
            DataChannelEvent::OnClose => return Err(RtcError::FailedBeforeOpen),
            _ => {}
        }
    }
    dc.set_buffered_amount_low_threshold(low_threshold())
        .await
        .map_err(RtcError::backend)?;
    let remote_addr = selected_remote_addr(peer.pc.get()).await;
    let pc = peer.pc.disarm();
    let channel = Channel21 {
        pc,
        dc,
        pending: Mutex::new(early),
        low: Notify::new(),
    };
    Ok(RtcChannel::spawn(
        Arc::new(channel),
        label,
        remote_addr,
        peer.status,
    ))
}

fn low_threshold() -> u32 {
    u32::try_from(BUFFERED_AMOUNT_LOW).unwrap_or(u32::MAX)
}

/// The remote side of the selected ICE candidate pair.
async fn selected_remote_addr(pc: &dyn PeerConnection) -> Option<SocketAddr> {
    let sctp = pc.sctp().await?;
    let pair = sctp
        .transport()
        .ice_transport()
        .get_selected_candidate_pair()
        .await
        .ok()??;
    let ip: IpAddr = pair.remote().address.parse().ok()?;
    Some(SocketAddr::new(ip, pair.remote().port))
}

/// An open data channel driven through its event poll.
struct Channel21 {
    pc: Arc<dyn PeerConnection>,
    dc: Arc<dyn DataChannel>,
    /// A message received while waiting for the open event.
    pending: Mutex<Option<BytesMut>>,
    /// Signalled on `OnBufferedAmountLow`.
    low: Notify,
}

impl Channel21 {
    fn deliver(buf: &mut [u8], data: &[u8]) -> Result<Option<usize>, RtcError> {
        let dst = buf
            .get_mut(..data.len())
            .ok_or(RtcError::MessageTooLarge(data.len()))?;
        dst.copy_from_slice(data);
        Ok(Some(data.len()))
    }
}

impl MessageChannel for Channel21 {
    fn recv<'a>(&'a self, buf: &'a mut [u8]) -> BoxFuture<'a, Result<Option<usize>, RtcError>> {
        Box::pin(async move {
            if let Some(data) = self.pending.lock().await.take() {
                return Self::deliver(buf, &data);
            }
            loop {
                match self.dc.poll().await {
                    Some(DataChannelEvent::OnMessage(message)) => {
                        if message.data.is_empty() {
                            continue;
                        }
                        return Self::deliver(buf, &message.data);
                    }
                    Some(DataChannelEvent::OnBufferedAmountLow) => self.low.notify_one(),
                    Some(DataChannelEvent::OnClose) | None => return Ok(None),
                    Some(_) => {}
                }
            }
        })
    }

    fn send(&self, message: Bytes) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move {
            self.dc
                .send(BytesMut::from(message))
                .await
                .map_err(RtcError::backend)
        })
    }

    fn buffered_amount(&self) -> BoxFuture<'_, usize> {
        Box::pin(async move { self.dc.outstanding_bytes().await.unwrap_or(0) })
    }

    fn buffered_amount_low(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = tokio::time::timeout(BUFFERED_LOW_BACKSTOP, self.low.notified()).await;
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(close_channel_and_peer(&*self.dc, &*self.pc))
    }

    /// Nothing to wait for after a send: `send` itself blocks at the
    /// connection's send-buffer limit ([`BUFFERED_AMOUNT_HIGH`]), which the
    /// driver releases promptly as the peer acknowledges. (Waiting for the
    /// low mark here would depend on `OnBufferedAmountLow`, which counts a
    /// different amount than `outstanding_bytes` and arrives through the
    /// receive poll.)
    fn wait_for_room(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
