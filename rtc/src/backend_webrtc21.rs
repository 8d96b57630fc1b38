//! Backend on webrtc-rs 0.21 (async layer over the sans-IO `rtc` crate).
//!
//! 0.21 has no `detach()`: a data channel is driven by polling its events
//! (`OnMessage`, `OnClose`, `OnBufferedAmountLow`, …), which this module
//! adapts to [`MessageChannel`].
//!
//! Differences from the 0.17 backend, both forced by the 0.21 API:
//! * 0.21 has no gathering-time IP filter, so local addresses are only
//!   stripped from the SDP (as upstream Snowflake 2.5.1 did);
//! * 0.21 has no port-range setting, so a port in the range is picked at
//!   random and bound explicitly (a few tries).

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

use crate::backend::{expect_type, AnswerPeer, OfferPeer, RtcBackend, RtcError};
use crate::channel::{
    BoxFuture, IceState, LinkEvents, MessageChannel, RtcChannel, StatusSender, BUFFERED_AMOUNT_LOW,
};
use crate::config::RtcConfig;
use crate::sdp::{new_channel_label, strip_local_addresses};

/// Random ports tried when a port range is configured.
const PORT_TRIES: usize = 8;
/// Backstop for flow control: re-check the buffered amount this often even
/// without an `OnBufferedAmountLow` event (those arrive through the receive
/// side's event poll, which pauses while the caller is not reading).
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
        let ice_servers = if self.config.ice_servers().is_empty() {
            Vec::new()
        } else {
            vec![RTCIceServer {
                urls: self.config.ice_servers().to_vec(),
                ..Default::default()
            }]
        };
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
        match self.config.gathering_timeout() {
            Some(limit) => {
                if tokio::time::timeout(limit, peer.gathered.notified())
                    .await
                    .is_err()
                {
                    tracing::info!("ICE gathering not complete, sending what we have");
                }
            }
            None => peer.gathered.notified().await,
        }
        let local = pc
            .local_description()
            .await
            .ok_or_else(|| RtcError::Backend("no local description".into()))?;
        Ok(if self.config.strips_local_addresses() {
            strip_local_addresses(&local.sdp)
        } else {
            local.sdp
        })
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
        if let Some(state) = ice_state(state) {
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

fn ice_state(state: RTCIceConnectionState) -> Option<IceState> {
    Some(match state {
        RTCIceConnectionState::New => IceState::New,
        RTCIceConnectionState::Checking => IceState::Checking,
        RTCIceConnectionState::Connected => IceState::Connected,
        RTCIceConnectionState::Completed => IceState::Completed,
        RTCIceConnectionState::Disconnected => IceState::Disconnected,
        RTCIceConnectionState::Failed => IceState::Failed,
        RTCIceConnectionState::Closed => IceState::Closed,
        _ => return None,
    })
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

/// Owns a peer connection until it is handed to an open channel; closes it
/// when dropped before that (failed or abandoned negotiation).
struct PeerGuard {
    pc: Arc<dyn PeerConnection>,
    armed: bool,
}

impl PeerGuard {
    fn new(pc: Arc<dyn PeerConnection>) -> Self {
        PeerGuard { pc, armed: true }
    }

    fn get(&self) -> &dyn PeerConnection {
        &*self.pc
    }

    /// Hands the connection over; the guard no longer closes it.
    fn disarm(mut self) -> Arc<dyn PeerConnection> {
        self.armed = false;
        self.pc.clone()
    }
}

impl Drop for PeerGuard {
    fn drop(&mut self) {
        if self.armed {
            let pc = self.pc.clone();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(error) = pc.close().await {
                        tracing::debug!(%error, "closing peer connection");
                    }
                });
            }
        }
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
            let mut events = this.peer.status.subscribe();
            let dc = tokio::select! {
                dc = this.channels.recv() => dc.ok_or(RtcError::FailedBeforeOpen)?,
                _ = events.closed() => return Err(RtcError::FailedBeforeOpen),
            };
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
    let mut events = peer.status.subscribe();
    // Anything that arrives with the open is kept for the first read.
    let mut early = None;
    loop {
        let event = tokio::select! {
            e = dc.poll() => e,
            _ = events.closed() => return Err(RtcError::FailedBeforeOpen),
        };
        match event {
            Some(DataChannelEvent::OnOpen) => break,
            Some(DataChannelEvent::OnMessage(message)) => {
                early = Some(message.data);
                break;
            }
            Some(DataChannelEvent::OnClose) | None => return Err(RtcError::FailedBeforeOpen),
            Some(_) => {}
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
        Box::pin(async move {
            if let Err(error) = self.dc.close().await {
                tracing::debug!(%error, "closing data channel");
            }
            if let Err(error) = self.pc.close().await {
                tracing::debug!(%error, "closing peer connection");
            }
        })
    }
}
