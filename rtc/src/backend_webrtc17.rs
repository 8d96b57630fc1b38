//! Backend on webrtc-rs 0.17 (the Pion port). Data channels are detached
//! (`detach()`), so we read and write SCTP messages directly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use snowflake_common::messages::{SdpType, SessionDescription};
use tokio::sync::{mpsc, oneshot, Notify};

use w::api::setting_engine::SettingEngine;
use w::api::{APIBuilder, API};
use w::data_channel::data_channel_init::RTCDataChannelInit;
use w::data_channel::RTCDataChannel;
use w::ice::mdns::MulticastDnsMode;
use w::ice::network_type::NetworkType;
use w::ice::udp_network::{EphemeralUDP, UDPNetwork};
use w::ice_transport::ice_candidate_type::RTCIceCandidateType;
use w::ice_transport::ice_connection_state::RTCIceConnectionState;
use w::ice_transport::ice_server::RTCIceServer;
use w::peer_connection::configuration::RTCConfiguration;
use w::peer_connection::peer_connection_state::RTCPeerConnectionState;
use w::peer_connection::sdp::session_description::RTCSessionDescription;
use w::peer_connection::RTCPeerConnection;
use webrtc17 as w;

use crate::backend::{AnswerPeer, OfferPeer, RtcBackend};
use crate::channel::{
    BoxFuture, LinkEvents, MessageChannel, RtcChannel, StatusSender, BUFFERED_AMOUNT_LOW,
};
use crate::close_guard::{close_channel_and_peer, Closable};
use crate::config::RtcConfig;
use crate::covert::cert::browser_certificate;
use crate::covert::shaper::disguise_for;
use crate::datagram::{DatagramChannel, DatagramLink, DatagramLinkSender, DATAGRAM_LABEL};
use crate::error::RtcError;
use crate::negotiation::{
    expect_type, ice_server_urls, ice_state_of, sdp_to_send, until_open, wait_for_gathering,
};
use crate::sdp::{is_non_public_address, new_channel_label};

/// Guards a peer connection during negotiation.
type PeerGuard = crate::close_guard::PeerGuard<RTCPeerConnection>;

/// The webrtc-rs 0.17 backend.
pub struct Webrtc17Backend {
    config: RtcConfig,
    api: API,
}

impl Webrtc17Backend {
    /// A backend making peers with `config`.
    pub fn new(config: RtcConfig) -> Result<Self, RtcError> {
        let api = APIBuilder::new()
            .with_setting_engine(setting_engine(&config)?)
            .build();
        Ok(Webrtc17Backend { config, api })
    }

    /// A new peer connection with its status wired up.
    async fn new_peer(&self) -> Result<(PeerGuard, StatusSender), RtcError> {
        let ice_servers = ice_server_urls(&self.config)
            .map(|urls| RTCIceServer {
                urls,
                ..Default::default()
            })
            .into_iter()
            .collect();
        let (certificates, registration) = self.covert_certificate()?;
        let pc = self
            .api
            .new_peer_connection(RTCConfiguration {
                ice_servers,
                certificates,
                ..Default::default()
            })
            .await
            .map_err(RtcError::backend)?;
        let pc = Arc::new(pc);
        let status = StatusSender::new();
        let for_ice = status.clone();
        // The handler lives as long as the peer connection, and with it the
        // registration that lets the DTLS stack find this peer's shaper.
        pc.on_ice_connection_state_change(Box::new(move |state| {
            let _shaper_registered = &registration;
            tracing::debug!(%state, "ICE connection state");
            if let Some(state) = ice_state_of!(state, RTCIceConnectionState) {
                for_ice.set_ice(state);
            }
            Box::pin(async {})
        }));
        // A failed DTLS handshake (or anything else that fails the peer
        // connection) ends the link at once; ICE alone may still say
        // connected.
        let for_pc = status.clone();
        pc.on_peer_connection_state_change(Box::new(move |state| {
            if state == RTCPeerConnectionState::Failed {
                tracing::debug!("peer connection failed");
                for_pc.set_channel_closed();
            }
            Box::pin(async {})
        }));
        Ok((PeerGuard::new(pc), status))
    }

    /// Covert DTLS (`RtcConfig::covert_dtls`): a fresh browser-style
    /// certificate for this peer connection, and its hello shaper
    /// registered under that certificate for the DTLS stack to find
    /// (`vendor/dtls`, `dtls::shaper`). Disabled: webrtc's own certificate.
    #[allow(clippy::type_complexity)]
    fn covert_certificate(
        &self,
    ) -> Result<
        (
            Vec<w::peer_connection::certificate::RTCCertificate>,
            Option<w::dtls::shaper::ShaperRegistration>,
        ),
        RtcError,
    > {
        let Some(disguise) = disguise_for(self.config.covert_dtls()) else {
            return Ok((Vec::new(), None));
        };
        tracing::debug!(
            certificate = %disguise.certificate_style,
            shaper = ?disguise.shaper,
            "covert DTLS for a new peer connection"
        );
        let certificate = browser_certificate(disguise.certificate_style, SystemTime::now())?;
        let registration = w::dtls::shaper::register(&certificate.der, disguise.shaper);
        Ok((vec![certificate.to_webrtc17()?], Some(registration)))
    }

    /// Sets `desc` as local description, waits for gathering (capped by the
    /// configured timeout) and returns the local SDP, stripped if configured.
    async fn gather(
        &self,
        pc: &RTCPeerConnection,
        desc: RTCSessionDescription,
    ) -> Result<String, RtcError> {
        let mut gathered = pc.gathering_complete_promise().await;
        pc.set_local_description(desc)
            .await
            .map_err(RtcError::backend)?;
        wait_for_gathering(&self.config, gathered.recv()).await;
        let local = pc.local_description().await.map(|local| local.sdp);
        sdp_to_send(&self.config, local)
    }
}

/// Gathering-time settings: detached channels, no mDNS, the address filter
/// (loopback only, or no local addresses) and the port range.
fn setting_engine(config: &RtcConfig) -> Result<SettingEngine, RtcError> {
    let mut s = SettingEngine::default();
    s.detach_data_channels();
    s.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
    if let Some(address) = config.host_address() {
        // 1:1 NAT: every host candidate of the address's family carries it
        // instead of the local address its socket is bound to (0.17 maps a
        // sole address to every local address of that family; a local
        // address of the other family keeps its own, with a warning from
        // the ICE agent). Upstream's `-outbound-address` is the same call
        // in Pion.
        s.set_nat_1to1_ips(vec![address.to_string()], RTCIceCandidateType::Host);
    }
    if let Some(factory) = config.packet_sockets() {
        // ICE through the caller's sockets (`crate::packet_socket`): one
        // host candidate, 127.0.0.1 with the socket's port; no reflexive
        // gathering and no socket of our own.
        let mux = crate::packet_socket_webrtc17::PacketSocketMux::new(Arc::clone(factory));
        s.set_udp_network(UDPNetwork::Muxed(Arc::new(mux)));
        s.set_include_loopback_candidate(true);
        s.set_network_types(vec![NetworkType::Udp4]);
        s.set_ip_filter(Box::new(|ip| ip == IpAddr::V4(Ipv4Addr::LOCALHOST)));
        return Ok(s);
    }
    if config.loopback_only() {
        s.set_include_loopback_candidate(true);
        s.set_network_types(vec![NetworkType::Udp4]);
        s.set_ip_filter(Box::new(|ip| ip == IpAddr::V4(Ipv4Addr::LOCALHOST)));
    } else if config.strips_local_addresses() {
        s.set_ip_filter(Box::new(|ip| !is_non_public_address(ip)));
    }
    if let Some((min, max)) = config.port_range() {
        if min == 0 || max < min {
            return Err(RtcError::BadPortRange(min, max));
        }
        let ports = EphemeralUDP::new(min, max).map_err(|_| RtcError::BadPortRange(min, max))?;
        s.set_udp_network(UDPNetwork::Ephemeral(ports));
    }
    Ok(s)
}

impl RtcBackend for Webrtc17Backend {
    fn name(&self) -> &'static str {
        "webrtc-0.17"
    }

    fn config(&self) -> &RtcConfig {
        &self.config
    }

    fn create_offer(&self) -> BoxFuture<'_, Result<Box<dyn OfferPeer>, RtcError>> {
        Box::pin(async move {
            let (pc, status) = self.new_peer().await?;
            let label = new_channel_label();
            let dc = pc
                .get()
                .create_data_channel(
                    &label,
                    Some(RTCDataChannelInit {
                        ordered: Some(true),
                        ..Default::default()
                    }),
                )
                .await
                .map_err(RtcError::backend)?;
            let (open_tx, open_rx) = oneshot::channel();
            dc.on_open(Box::new(move || {
                let _ = open_tx.send(());
                Box::pin(async {})
            }));
            let datagrams = self
                .config
                .datagrams()
                .then(|| accept_datagram_channel(pc.get()));
            let offer = pc
                .get()
                .create_offer(None)
                .await
                .map_err(RtcError::backend)?;
            let sdp = self.gather(pc.get(), offer).await?;
            Ok(Box::new(Offer17 {
                pc,
                status,
                label,
                dc,
                offer: SessionDescription::new(SdpType::Offer, sdp),
                open: open_rx,
                datagrams,
            }) as Box<dyn OfferPeer>)
        })
    }

    fn answer_offer<'a>(
        &'a self,
        offer: &'a SessionDescription,
    ) -> BoxFuture<'a, Result<Box<dyn AnswerPeer>, RtcError>> {
        Box::pin(async move {
            expect_type(offer, SdpType::Offer)?;
            let (pc, status) = self.new_peer().await?;
            // The first channel the client opens is ours; Snowflake clients
            // open exactly one.
            let (open_tx, open_rx) = mpsc::channel(1);
            pc.get()
                .on_data_channel(Box::new(move |dc: Arc<RTCDataChannel>| {
                    tracing::debug!(label = dc.label(), "client opened a data channel");
                    let open_tx = open_tx.clone();
                    // Weak: the handler is stored in the channel itself.
                    let opened = Arc::downgrade(&dc);
                    dc.on_open(Box::new(move || {
                        if let Some(dc) = opened.upgrade() {
                            let _ = open_tx.try_send(dc);
                        }
                        Box::pin(async {})
                    }));
                    Box::pin(async {})
                }));
            let remote =
                RTCSessionDescription::offer(offer.sdp.clone()).map_err(RtcError::backend)?;
            pc.get()
                .set_remote_description(remote)
                .await
                .map_err(RtcError::backend)?;
            let answer = pc
                .get()
                .create_answer(None)
                .await
                .map_err(RtcError::backend)?;
            let sdp = self.gather(pc.get(), answer).await?;
            Ok(Box::new(Answer17 {
                pc,
                status,
                answer: SessionDescription::new(SdpType::Answer, sdp),
                open: open_rx,
                datagrams: self.config.datagrams(),
            }) as Box<dyn AnswerPeer>)
        })
    }
}

impl Closable for RTCPeerConnection {
    const KIND: &'static str = "peer connection";

    fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move { self.close().await.map_err(RtcError::backend) })
    }
}

impl Closable for RTCDataChannel {
    const KIND: &'static str = "data channel";

    fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move { self.close().await.map_err(RtcError::backend) })
    }
}

struct Offer17 {
    pc: PeerGuard,
    status: StatusSender,
    label: String,
    dc: Arc<RTCDataChannel>,
    offer: SessionDescription,
    open: oneshot::Receiver<()>,
    datagrams: Option<DatagramLink>,
}

impl OfferPeer for Offer17 {
    fn offer(&self) -> &SessionDescription {
        &self.offer
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn events(&self) -> LinkEvents {
        self.status.subscribe()
    }

    fn connect(
        self: Box<Self>,
        answer: SessionDescription,
    ) -> BoxFuture<'static, Result<RtcChannel, RtcError>> {
        Box::pin(async move {
            let this = *self;
            expect_type(&answer, SdpType::Answer)?;
            let remote = RTCSessionDescription::answer(answer.sdp).map_err(RtcError::backend)?;
            this.pc
                .get()
                .set_remote_description(remote)
                .await
                .map_err(RtcError::backend)?;
            until_open(async { this.open.await.ok() }, &this.status).await?;
            let channel = open_channel(this.pc, this.status, this.dc).await?;
            Ok(match this.datagrams {
                Some(link) => channel.with_datagrams(link),
                None => channel,
            })
        })
    }
}

struct Answer17 {
    pc: PeerGuard,
    status: StatusSender,
    answer: SessionDescription,
    open: mpsc::Receiver<Arc<RTCDataChannel>>,
    datagrams: bool,
}

impl AnswerPeer for Answer17 {
    fn answer(&self) -> &SessionDescription {
        &self.answer
    }

    fn events(&self) -> LinkEvents {
        self.status.subscribe()
    }

    fn connect(self: Box<Self>) -> BoxFuture<'static, Result<RtcChannel, RtcError>> {
        Box::pin(async move {
            let mut this = *self;
            let dc = until_open(this.open.recv(), &this.status).await?;
            let datagrams = if this.datagrams {
                Some(open_datagram_channel(this.pc.get()).await?)
            } else {
                None
            };
            let channel = open_channel(this.pc, this.status, dc).await?;
            Ok(match datagrams {
                Some(link) => channel.with_datagrams(link),
                None => channel,
            })
        })
    }
}

/// The datagram channel's settings: unordered, never retransmitted.
fn datagram_init() -> RTCDataChannelInit {
    RTCDataChannelInit {
        ordered: Some(false),
        max_retransmits: Some(0),
        ..Default::default()
    }
}

/// Client side: takes the datagram channel when the proxy opens it
/// ([`crate::datagram`]); any other channel the proxy opens is ignored.
fn accept_datagram_channel(pc: &RTCPeerConnection) -> DatagramLink {
    let (sender, link) = DatagramLink::new();
    let sender = Arc::new(std::sync::Mutex::new(Some(sender)));
    pc.on_data_channel(Box::new(move |dc: Arc<RTCDataChannel>| {
        let sender = Arc::clone(&sender);
        Box::pin(async move {
            let wanted =
                dc.label() == DATAGRAM_LABEL && !dc.ordered() && dc.max_retransmits() == Some(0);
            if !wanted {
                tracing::debug!(label = dc.label(), "ignoring a channel the proxy opened");
                return;
            }
            hand_over_when_open(&dc, sender);
        })
    }));
    link
}

/// Proxy side: opens the datagram channel beside the client's
/// ([`crate::datagram`]); the link resolves when it is open.
async fn open_datagram_channel(pc: &RTCPeerConnection) -> Result<DatagramLink, RtcError> {
    let (sender, link) = DatagramLink::new();
    let dc = pc
        .create_data_channel(DATAGRAM_LABEL, Some(datagram_init()))
        .await
        .map_err(RtcError::backend)?;
    hand_over_when_open(&dc, Arc::new(std::sync::Mutex::new(Some(sender))));
    Ok(link)
}

/// Once `dc` opens, detaches it and hands it to whoever waits on the link
/// (only the first time; a link nobody waits on drops it).
fn hand_over_when_open(
    dc: &Arc<RTCDataChannel>,
    sender: Arc<std::sync::Mutex<Option<DatagramLinkSender>>>,
) {
    let opened = Arc::downgrade(dc);
    dc.on_open(Box::new(move || {
        let sender = Arc::clone(&sender);
        let opened = opened.clone();
        Box::pin(async move {
            let Some(dc) = opened.upgrade() else { return };
            let taken = sender.lock().ok().and_then(|mut s| s.take());
            let Some(sender) = taken else { return };
            match detach_datagrams(dc).await {
                Ok(channel) => {
                    tracing::debug!("datagram channel open");
                    let _ = sender.open(channel);
                }
                Err(error) => tracing::debug!(%error, "datagram channel"),
            }
        })
    }));
}

/// Detaches an open datagram channel. Closing it leaves the peer
/// connection to the main channel.
async fn detach_datagrams(dc: Arc<RTCDataChannel>) -> Result<DatagramChannel, RtcError> {
    Ok(DatagramChannel::new(Arc::new(detach(None, dc).await?)))
}

/// Detaches an open channel, with the buffered-amount wake-up wired.
async fn detach(
    pc: Option<Arc<RTCPeerConnection>>,
    dc: Arc<RTCDataChannel>,
) -> Result<Channel17, RtcError> {
    let raw = dc.detach().await.map_err(RtcError::backend)?;
    let low = Arc::new(Notify::new());
    raw.set_buffered_amount_low_threshold(BUFFERED_AMOUNT_LOW);
    let on_low = low.clone();
    raw.on_buffered_amount_low(Box::new(move || {
        on_low.notify_one();
        Box::pin(async {})
    }));
    Ok(Channel17 { pc, dc, raw, low })
}

/// Detaches the open channel and starts the byte stream over it.
async fn open_channel(
    pc: PeerGuard,
    status: StatusSender,
    dc: Arc<RTCDataChannel>,
) -> Result<RtcChannel, RtcError> {
    let label = dc.label().to_owned();
    let mut channel = detach(None, dc).await?;
    let remote_addr = selected_remote_addr(pc.get()).await;
    channel.pc = Some(pc.disarm());
    Ok(RtcChannel::spawn(
        Arc::new(channel),
        label,
        remote_addr,
        status,
    ))
}

/// The remote side of the selected ICE candidate pair.
async fn selected_remote_addr(pc: &RTCPeerConnection) -> Option<SocketAddr> {
    let pair = pc
        .sctp()
        .transport()
        .ice_transport()
        .get_selected_candidate_pair()
        .await?;
    let ip: IpAddr = pair.remote.address.parse().ok()?;
    Some(SocketAddr::new(ip, pair.remote.port))
}

/// An open, detached data channel.
struct Channel17 {
    /// The peer connection, closed with the channel; `None` for the
    /// datagram channel, which leaves it to the main channel.
    pc: Option<Arc<RTCPeerConnection>>,
    dc: Arc<RTCDataChannel>,
    raw: Arc<w::data::data_channel::DataChannel>,
    low: Arc<Notify>,
}

impl MessageChannel for Channel17 {
    fn recv<'a>(&'a self, buf: &'a mut [u8]) -> BoxFuture<'a, Result<Option<usize>, RtcError>> {
        Box::pin(async move {
            match self.raw.read(buf).await {
                // The detached API reports a reset stream as a zero-length
                // read, which an empty message also gives; Snowflake peers
                // never send empty messages, so take it as the close.
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(n)),
                Err(w::data::Error::Sctp(w::sctp::Error::ErrShortBuffer { size })) => {
                    Err(RtcError::MessageTooLarge(size))
                }
                Err(w::data::Error::Sctp(w::sctp::Error::ErrEof)) => Ok(None),
                Err(error) => Err(RtcError::backend(error)),
            }
        })
    }

    fn send(&self, message: Bytes) -> BoxFuture<'_, Result<(), RtcError>> {
        Box::pin(async move {
            self.raw
                .write(&message)
                .await
                .map(|_| ())
                .map_err(RtcError::backend)
        })
    }

    fn buffered_amount(&self) -> BoxFuture<'_, usize> {
        Box::pin(async move { self.raw.buffered_amount() })
    }

    fn buffered_amount_low(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.low.notified())
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            match &self.pc {
                Some(pc) => close_channel_and_peer(&*self.dc, &**pc).await,
                None => {
                    let _ = self.dc.close().await;
                }
            }
        })
    }
}
