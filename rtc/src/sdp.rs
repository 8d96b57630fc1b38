//! SDP text helpers that need no WebRTC stack: the data-channel label, local
//! address hygiene (`util.StripLocalAddresses`) and the proxy's `client_ip`
//! (`remoteIPFromSDP`), docs/protocol.md §5 and §6.2.
//!
//! These work line by line on the SDP text and keep every other line byte for
//! byte, so they behave the same whichever backend produced the SDP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Prefix of every data-channel label a Snowflake client creates.
pub const LABEL_PREFIX: &str = "snowflake-";

/// A fresh data-channel label: `snowflake-` and 16 lowercase hex digits
/// (8 random bytes), as the Go client makes in `preparePeerConnection`.
pub fn new_channel_label() -> String {
    let bytes: [u8; 8] = rand::random();
    format!("{LABEL_PREFIX}{}", hex::encode(bytes))
}

/// Whether `label` has the shape [`new_channel_label`] produces. Proxies do
/// not check this (they accept any channel); it exists for tests and logs.
pub fn is_channel_label(label: &str) -> bool {
    label.strip_prefix(LABEL_PREFIX).is_some_and(|digits| {
        digits.len() == 16
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Go's `util.IsLocal`: private (RFC 1918, and fc00::/7 for IPv6), link-local
/// (169.254/16, fe80::/10) or carrier-grade NAT (100.64/10).
pub fn is_local_network_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_link_local() || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            // fc00::/7 unique local, fe80::/10 link-local unicast.
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || is_mapped_local(v6)
        }
    }
}

/// Go treats IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as the IPv4
/// address they carry.
fn is_mapped_local(v6: Ipv6Addr) -> bool {
    v6.to_ipv4_mapped()
        .is_some_and(|v4| is_local_network_address(IpAddr::V4(v4)))
}

/// An address that must not be shown to the other side nor reported as the
/// client's: [`is_local_network_address`], loopback or unspecified.
/// (Go: `IsLocal(ip) || ip.IsUnspecified() || ip.IsLoopback()`.)
pub fn is_non_public_address(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    is_local_network_address(ip) || ip.is_loopback() || ip.is_unspecified()
}

/// IPv4-mapped IPv6 addresses as plain IPv4, as Go's `net.IP` sees them.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The fields of an `a=candidate` attribute that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateLine<'a> {
    /// Connection address as written (an IP, or an mDNS `….local` name).
    pub address: &'a str,
    /// Port.
    pub port: u16,
    /// Candidate type: `host`, `srflx`, `prflx` or `relay`.
    pub kind: &'a str,
}

impl CandidateLine<'_> {
    /// The address as an IP, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        parse_ip(self.address)
    }
}

/// Parses one SDP line `a=candidate:<foundation> <component> <transport>
/// <priority> <address> <port> typ <type> …` (RFC 8839 §5.1). Returns `None`
/// for other lines and for candidate lines too short or malformed to use.
pub fn parse_candidate_line(line: &str) -> Option<CandidateLine<'_>> {
    let value = line.trim_end_matches('\r').strip_prefix("a=candidate:")?;
    let mut fields = value.split_ascii_whitespace();
    let _foundation = fields.next()?;
    let _component = fields.next()?;
    let _transport = fields.next()?;
    let _priority = fields.next()?;
    let address = fields.next()?;
    let port = fields.next()?.parse().ok()?;
    if fields.next()? != "typ" {
        return None;
    }
    let kind = fields.next()?;
    Some(CandidateLine {
        address,
        port,
        kind,
    })
}

/// Parses an address as written in SDP (IPv6 possibly with a zone suffix,
/// which Go's `net.ParseIP` rejects; we do the same).
fn parse_ip(address: &str) -> Option<IpAddr> {
    address.parse().ok()
}

/// All candidates of an SDP, in order.
pub fn candidates(sdp: &str) -> impl Iterator<Item = CandidateLine<'_>> {
    sdp.split('\n').filter_map(parse_candidate_line)
}

/// Go's `util.StripLocalAddresses`: removes the `host` candidates whose
/// address is private, link-local, CGNAT, loopback or unspecified, so a peer
/// never learns the machine's internal addresses. Other candidate types and
/// mDNS names are kept; all other lines are kept unchanged.
pub fn strip_local_addresses(sdp: &str) -> String {
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let drop = parse_candidate_line(line)
            .is_some_and(|c| c.kind == "host" && c.ip().is_some_and(is_non_public_address));
        if !drop {
            out.push_str(line);
        }
    }
    out
}

/// The client's IP as the proxy reports it to the server in `client_ip`
/// (Go `remoteIPFromSDP`, §6.2): the first media-level `a=candidate` whose
/// address is a public IP, else the first media-level `c=` line with a public
/// IP, else `None`. Note that in loopback-only tests this is always `None`;
/// the selected candidate pair's remote address is the other source.
pub fn client_ip_from_sdp(sdp: &str) -> Option<IpAddr> {
    let media_lines = || {
        sdp.split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .skip_while(|l| !l.starts_with("m="))
    };
    let public = |ip: IpAddr| (!is_non_public_address(ip)).then_some(ip);
    media_lines()
        .filter_map(parse_candidate_line)
        .find_map(|c| c.ip().and_then(public))
        .or_else(|| {
            media_lines()
                .filter_map(connection_address)
                .find_map(public)
        })
}

/// The address of a `c=IN IP4 <addr>` / `c=IN IP6 <addr>` line. Multicast
/// forms with a `/ttl` suffix keep only the address part.
fn connection_address(line: &str) -> Option<IpAddr> {
    let value = line.strip_prefix("c=")?;
    let mut fields = value.split_ascii_whitespace();
    if fields.next()? != "IN" {
        return None;
    }
    let _addrtype = fields.next()?;
    let address = fields.next()?;
    let address = address.split('/').next()?;
    parse_ip(address)
}

/// Whether every candidate of `sdp` is on 127.0.0.1 (and there is at least
/// one). Used to check loopback-only mode.
pub fn only_loopback_candidates(sdp: &str) -> bool {
    let mut any = false;
    for c in candidates(sdp) {
        if c.ip() != Some(IpAddr::V4(Ipv4Addr::LOCALHOST)) {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn label_has_prefix_and_16_lowercase_hex_digits() {
        for _ in 0..100 {
            let label = new_channel_label();
            assert!(is_channel_label(&label), "{label}");
            assert_eq!(label.len(), LABEL_PREFIX.len() + 16);
        }
        assert_ne!(new_channel_label(), new_channel_label());
    }

    #[test]
    fn label_check_rejects_other_shapes() {
        for bad in [
            "snowflake-",
            "snowflake-0123456789abcde",
            "snowflake-0123456789abcdef0",
            "snowflake-0123456789ABCDEF",
            "snowflake-0123456789abcdeg",
            "Snowflake-0123456789abcdef",
            "data",
        ] {
            assert!(!is_channel_label(bad), "{bad}");
        }
        assert!(is_channel_label("snowflake-0123456789abcdef"));
    }

    /// Each address with whether it is a local network address (Go's
    /// `IsLocal`) and whether it is non-public (local, loopback or
    /// unspecified).
    #[test]
    fn address_classification_table() {
        let table = [
            ("10.1.2.3", true, true),
            ("172.16.0.1", true, true),
            ("172.31.255.255", true, true),
            ("172.32.0.1", false, false),
            ("192.168.1.1", true, true),
            ("192.168.0.5", true, true),
            ("100.64.0.1", true, true),
            ("100.100.100.100", true, true),
            ("100.127.255.255", true, true),
            ("100.128.0.1", false, false),
            ("100.63.255.255", false, false),
            ("169.254.10.10", true, true),
            ("127.0.0.1", false, true),
            ("127.9.9.9", false, true),
            ("0.0.0.0", false, true),
            ("8.8.8.8", false, false),
            ("203.0.113.5", false, false),
            ("fc00::1", true, true),
            ("fdff::1", true, true),
            ("fe80::1", true, true),
            ("febf::1", true, true),
            ("fec0::1", false, false),
            ("::1", false, true),
            ("::", false, true),
            ("2001:db8::1", false, false),
            ("2001:db8::5", false, false),
            ("::ffff:192.168.0.1", true, true),
            ("::ffff:8.8.8.8", false, false),
            ("::ffff:127.0.0.1", false, true),
        ];
        for (addr, local, non_public) in table {
            assert_eq!(is_local_network_address(ip(addr)), local, "local: {addr}");
            assert_eq!(
                is_non_public_address(ip(addr)),
                non_public,
                "non-public: {addr}"
            );
        }
    }

    #[test]
    fn candidate_line_parsing() {
        let c = parse_candidate_line(
            "a=candidate:1 1 udp 2130706431 203.0.113.5 54321 typ host generation 0\r",
        )
        .unwrap();
        assert_eq!(c.address, "203.0.113.5");
        assert_eq!(c.port, 54321);
        assert_eq!(c.kind, "host");
        assert_eq!(c.ip(), Some(ip("203.0.113.5")));
        let c = parse_candidate_line(
            "a=candidate:2 1 udp 1694498815 198.51.100.7 4000 typ srflx raddr 0.0.0.0 rport 4000",
        )
        .unwrap();
        assert_eq!(c.kind, "srflx");
        let c = parse_candidate_line("a=candidate:3 1 udp 1 abcd.local 9 typ host").unwrap();
        assert_eq!(c.ip(), None);
        for bad in [
            "a=candidate:1 1 udp 2130706431 203.0.113.5 54321",
            "a=candidate:1 1 udp 2130706431 203.0.113.5 port typ host",
            "a=candidate:1 1 udp 2130706431 203.0.113.5 5 type host",
            "a=candidat:1 1 udp 2130706431 203.0.113.5 5 typ host",
            "c=IN IP4 203.0.113.5",
            "a=candidate:",
        ] {
            assert_eq!(parse_candidate_line(bad), None, "{bad}");
        }
    }

    const SDP_WITH_LOCALS: &str = "v=0\r\n\
o=- 1 2 IN IP4 0.0.0.0\r\n\
s=-\r\n\
t=0 0\r\n\
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
c=IN IP4 0.0.0.0\r\n\
a=candidate:1 1 udp 2130706431 192.168.1.2 5000 typ host\r\n\
a=candidate:2 1 udp 2130706431 127.0.0.1 5001 typ host\r\n\
a=candidate:3 1 udp 2130706431 203.0.113.9 5002 typ host\r\n\
a=candidate:4 1 udp 2130706431 fe80::1 5003 typ host\r\n\
a=candidate:5 1 udp 1694498815 10.0.0.1 5004 typ srflx raddr 0.0.0.0 rport 5004\r\n\
a=candidate:6 1 udp 2130706431 0.0.0.0 5005 typ host\r\n\
a=candidate:7 1 udp 2130706431 d3b1.local 5006 typ host\r\n\
a=candidate:8 1 udp 2130706431 100.64.1.1 5007 typ host\r\n\
a=candidate:9 1 udp 2130706431 fd12::1 5008 typ host\r\n\
a=candidate:10 1 udp 2130706431 2001:db8::1 5009 typ host\r\n\
a=end-of-candidates\r\n";

    #[test]
    fn strip_local_addresses_removes_only_local_host_candidates() {
        let stripped = strip_local_addresses(SDP_WITH_LOCALS);
        let kept: Vec<&str> = candidates(&stripped).map(|c| c.address).collect();
        assert_eq!(
            kept,
            ["203.0.113.9", "10.0.0.1", "d3b1.local", "2001:db8::1"]
        );
        // Every non-candidate line survives unchanged, in order.
        let others = |s: &str| -> Vec<String> {
            s.split_inclusive('\n')
                .filter(|l| !l.starts_with("a=candidate:"))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(others(&stripped), others(SDP_WITH_LOCALS));
        assert!(stripped.ends_with("a=end-of-candidates\r\n"));
        // Idempotent, and a no-op without local candidates.
        assert_eq!(strip_local_addresses(&stripped), stripped);
    }

    #[test]
    fn client_ip_table() {
        let media = "v=0\r\no=- 1 2 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
        let table: [(&str, Option<&str>); 9] = [
            // First public candidate wins, whatever its type.
            (
                "c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 1 192.168.0.2 1 typ host\r\na=candidate:2 1 udp 1 203.0.113.5 2 typ srflx raddr 192.168.0.2 rport 1\r\na=candidate:3 1 udp 1 203.0.113.6 3 typ host\r\n",
                Some("203.0.113.5"),
            ),
            // Only non-public candidates: fall back to the media c= line.
            (
                "c=IN IP4 203.0.113.7\r\na=candidate:1 1 udp 1 10.0.0.2 1 typ host\r\na=candidate:2 1 udp 1 127.0.0.1 1 typ host\r\n",
                Some("203.0.113.7"),
            ),
            // Nothing public at all.
            (
                "c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 1 127.0.0.1 1 typ host\r\n",
                None,
            ),
            // No candidates, unspecified c=.
            ("c=IN IP4 0.0.0.0\r\n", None),
            // IPv6 candidate.
            (
                "c=IN IP6 ::\r\na=candidate:1 1 udp 1 2001:db8::7 1 typ host\r\n",
                Some("2001:db8::7"),
            ),
            // IPv6 private and link-local are skipped.
            (
                "c=IN IP6 2001:db8::8\r\na=candidate:1 1 udp 1 fd00::1 1 typ host\r\na=candidate:1 1 udp 1 fe80::1 1 typ host\r\n",
                Some("2001:db8::8"),
            ),
            // mDNS names are not IPs.
            (
                "c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 1 x.local 1 typ host\r\n",
                None,
            ),
            // Malformed candidate lines are ignored.
            (
                "c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 203.0.113.9\r\na=candidate:2 1 udp 1 203.0.113.10 1 typ host\r\n",
                Some("203.0.113.10"),
            ),
            // CGNAT is not public.
            (
                "c=IN IP4 100.64.0.9\r\na=candidate:1 1 udp 1 100.100.0.1 1 typ host\r\n",
                None,
            ),
        ];
        for (tail, want) in table {
            let sdp = format!("{media}{tail}");
            assert_eq!(client_ip_from_sdp(&sdp), want.map(ip), "{tail}");
        }
    }

    #[test]
    fn client_ip_ignores_session_level_lines() {
        // The session-level c= and o= addresses are public but Go only
        // looks at media descriptions.
        let sdp = "v=0\r\no=- 1 2 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n";
        assert_eq!(client_ip_from_sdp(sdp), None);
        // No media section at all.
        assert_eq!(client_ip_from_sdp("v=0\r\nc=IN IP4 198.51.100.2\r\n"), None);
        assert_eq!(client_ip_from_sdp(""), None);
    }

    #[test]
    fn client_ip_accepts_bare_newlines() {
        let sdp = "v=0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\nc=IN IP4 0.0.0.0\na=candidate:1 1 udp 1 203.0.113.11 1 typ host\n";
        assert_eq!(client_ip_from_sdp(sdp), Some(ip("203.0.113.11")));
    }

    #[test]
    fn only_loopback_check() {
        assert!(only_loopback_candidates(
            "m=application 9 x\r\na=candidate:1 1 udp 1 127.0.0.1 5 typ host\r\n"
        ));
        assert!(!only_loopback_candidates("m=application 9 x\r\n"));
        assert!(!only_loopback_candidates(
            "a=candidate:1 1 udp 1 127.0.0.1 5 typ host\r\na=candidate:1 1 udp 1 10.0.0.1 5 typ host\r\n"
        ));
        assert!(!only_loopback_candidates(
            "a=candidate:1 1 udp 1 ::1 5 typ host\r\n"
        ));
    }
}
