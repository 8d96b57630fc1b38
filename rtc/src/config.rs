//! Peer configuration shared by every backend.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::covert::CovertDtlsConfig;
use crate::packet_socket::{PacketSocketFactory, PacketSockets};

/// How a peer gathers ICE candidates, which ones it shows, and how its DTLS
/// handshake is shaped. The default is production use: no ICE servers,
/// local addresses stripped, any port, the client's covert DTLS default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RtcConfig {
    /// STUN server URLs (`stun:host:port`). Only `stun:` URLs are kept, as
    /// upstream does from 2.6.0 on; build it with [`RtcConfig::with_ice_servers`].
    ice_servers: Vec<String>,
    /// Keep host candidates with private, loopback, link-local, CGNAT or
    /// unspecified addresses (`-keep-local-addresses`). Off by default: they
    /// are filtered at gathering time and stripped from the SDP.
    keep_local_addresses: bool,
    /// Inclusive range of local UDP ports ICE may bind (`-ephemeral-ports-range`);
    /// `None` lets the OS choose.
    port_range: Option<(u16, u16)>,
    /// Tests and demos: gather only 127.0.0.1 host candidates, use no ICE
    /// server, and keep those loopback candidates in the SDP. No packet
    /// leaves the machine's loopback interface.
    loopback_only: bool,
    /// Give up waiting for ICE gathering after this long and send what was
    /// gathered (the Go proxy caps this at 3.75 s from 2.11.0). `None` waits
    /// for gathering to complete, as the Go client does.
    gathering_timeout: Option<Duration>,
    /// How the DTLS handshake and certificate are shaped
    /// (`-covertdtls-config`, `-covertdtls-fingerprint`). The default is
    /// the client's; the proxy sets its own.
    covert_dtls: CovertDtlsConfig,
    /// Add the datagram channel ([`crate::datagram`]): the proxy opens it,
    /// the client accepts it. Off unless the program turns it on.
    datagrams: bool,
    /// Send ICE through these sockets instead of the system's UDP
    /// ([`crate::packet_socket`]); `None` uses the system's.
    packet_sockets: Option<PacketSockets>,
    /// Advertise this address in every host candidate of its family
    /// instead of the local address the candidate's socket is bound to: a
    /// 1:1 NAT address (the proxy's `-outbound-address`). Candidates of the
    /// other family keep their local address; server-reflexive candidates
    /// are unchanged.
    host_address: Option<IpAddr>,
}

impl RtcConfig {
    /// A configuration for in-process tests and demos: 127.0.0.1 only, no ICE
    /// servers.
    pub fn loopback() -> Self {
        RtcConfig {
            loopback_only: true,
            ..RtcConfig::default()
        }
    }

    /// Sets the ICE servers, keeping only the `stun:` URLs (others are logged
    /// and dropped). Ignored in loopback-only mode.
    pub fn with_ice_servers<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.ice_servers = stun_urls_only(urls);
        self
    }

    /// Keeps local (non-public) host candidates (`-keep-local-addresses`).
    pub fn with_keep_local_addresses(mut self, keep: bool) -> Self {
        self.keep_local_addresses = keep;
        self
    }

    /// Restricts ICE to local UDP ports `min..=max` (`-ephemeral-ports-range`).
    /// Backends reject an empty range or one starting at 0.
    pub fn with_port_range(mut self, min: u16, max: u16) -> Self {
        self.port_range = Some((min, max));
        self
    }

    /// Caps the wait for ICE gathering (the Go proxy uses 3.75 s).
    pub fn with_gathering_timeout(mut self, limit: Duration) -> Self {
        self.gathering_timeout = Some(limit);
        self
    }

    /// Sets how the DTLS handshake and certificate are shaped.
    pub fn with_covert_dtls(mut self, covert_dtls: CovertDtlsConfig) -> Self {
        self.covert_dtls = covert_dtls;
        self
    }

    /// Turns the datagram channel ([`crate::datagram`]) on or off.
    pub fn with_datagrams(mut self, datagrams: bool) -> Self {
        self.datagrams = datagrams;
        self
    }

    /// Sends every peer connection's datagrams through a socket from
    /// `factory` ([`crate::packet_socket`]).
    pub fn with_packet_sockets(mut self, factory: Arc<dyn PacketSocketFactory>) -> Self {
        self.packet_sockets = Some(PacketSockets(factory));
        self
    }

    /// Advertises `address` in host candidates instead of the local
    /// address ([`RtcConfig::host_address`]).
    pub fn with_host_address(mut self, address: IpAddr) -> Self {
        self.host_address = Some(address);
        self
    }

    /// The address host candidates carry instead of the local one, if
    /// set (`-outbound-address`).
    pub fn host_address(&self) -> Option<IpAddr> {
        self.host_address
    }

    /// The caller's socket factory, if ICE goes through one.
    pub fn packet_sockets(&self) -> Option<&Arc<dyn PacketSocketFactory>> {
        self.packet_sockets.as_ref().map(|sockets| &sockets.0)
    }

    /// Whether the datagram channel is on.
    pub fn datagrams(&self) -> bool {
        self.datagrams
    }

    /// How the DTLS handshake and certificate are shaped.
    pub fn covert_dtls(&self) -> &CovertDtlsConfig {
        &self.covert_dtls
    }

    /// The configured port range, if any.
    pub fn port_range(&self) -> Option<(u16, u16)> {
        self.port_range
    }

    /// Whether this is the loopback-only test/demo mode.
    pub fn loopback_only(&self) -> bool {
        self.loopback_only
    }

    /// The cap on the wait for ICE gathering, if any.
    pub fn gathering_timeout(&self) -> Option<Duration> {
        self.gathering_timeout
    }

    /// The ICE server URLs this peer will use: none in loopback-only mode.
    pub fn ice_servers(&self) -> &[String] {
        if self.loopback_only {
            &[]
        } else {
            &self.ice_servers
        }
    }

    /// Whether local (non-public) host candidates are removed, at gathering
    /// and from the SDP. Never in loopback-only mode, whose candidates are all
    /// local.
    pub fn strips_local_addresses(&self) -> bool {
        !self.keep_local_addresses && !self.loopback_only
    }
}

/// Keeps the `stun:` URLs (scheme compared case-insensitively, surrounding
/// spaces trimmed); `stuns:`, `turn:`, `turns:` and anything else are dropped
/// with a log line, as upstream's client does since 2.6.0.
pub fn stun_urls_only<I, S>(urls: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    urls.into_iter()
        .filter_map(|url| {
            let url = url.as_ref().trim();
            if url.is_empty() {
                return None;
            }
            let is_stun = url.split_once(':').is_some_and(|(scheme, rest)| {
                scheme.eq_ignore_ascii_case("stun") && !rest.is_empty()
            });
            if is_stun {
                Some(url.to_owned())
            } else {
                tracing::warn!(url, "ignoring non-STUN ICE server");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stun_urls_are_kept() {
        let kept = stun_urls_only([
            "stun:stun.l.google.com:19302",
            " STUN:stun.example.net:3478 ",
            "stuns:stun.example.net:5349",
            "turn:turn.example.net:3478?transport=udp",
            "turns:turn.example.net",
            "stun:",
            "stun.example.net:3478",
            "",
        ]);
        assert_eq!(
            kept,
            ["stun:stun.l.google.com:19302", "STUN:stun.example.net:3478"]
        );
    }

    #[test]
    fn loopback_mode_uses_no_ice_server_and_keeps_loopback_candidates() {
        let config = RtcConfig::loopback().with_ice_servers(["stun:stun.example.net:3478"]);
        assert!(config.ice_servers().is_empty());
        assert!(!config.strips_local_addresses());
        let config = RtcConfig::default().with_ice_servers(["stun:stun.example.net:3478"]);
        assert_eq!(config.ice_servers(), ["stun:stun.example.net:3478"]);
        assert!(config.strips_local_addresses());
        let config = config.with_keep_local_addresses(true);
        assert!(!config.strips_local_addresses());
    }

    #[test]
    fn host_address_is_unset_by_default_and_reaches_every_backend() {
        assert_eq!(RtcConfig::default().host_address(), None);
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let config = RtcConfig::default().with_host_address(address);
        assert_eq!(config.host_address(), Some(address));
        #[cfg(feature = "webrtc17")]
        assert!(crate::backend_webrtc17::Webrtc17Backend::new(config.clone()).is_ok());
        // 0.21 refuses it rather than advertise the local address.
        #[cfg(feature = "webrtc21")]
        assert!(matches!(
            crate::backend_webrtc21::Webrtc21Backend::new(config),
            Err(crate::RtcError::Backend(message)) if message.contains("-outbound-address")
        ));
    }

    #[test]
    fn covert_dtls_defaults_to_the_clients_and_can_be_set() {
        use crate::covert::CovertDtlsMode;
        assert_eq!(
            RtcConfig::default().covert_dtls(),
            &CovertDtlsConfig::client_default()
        );
        assert_eq!(
            RtcConfig::loopback().covert_dtls(),
            &CovertDtlsConfig::client_default()
        );
        let config = RtcConfig::loopback().with_covert_dtls(CovertDtlsConfig::proxy_default());
        assert_eq!(config.covert_dtls().mode(), CovertDtlsMode::RandomizeMimic);
        assert!(config.loopback_only());
        assert_ne!(config, RtcConfig::loopback());
    }
}
