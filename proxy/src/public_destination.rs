//! Which IP addresses count as public destinations for a relay connection.
//!
//! A volunteer's proxy must not become a way into the volunteer's own
//! network, so a relay address is accepted only when it is globally
//! reachable unicast. IPv6 has many ways to carry an IPv4 address inside
//! it (mapped, compatible, translated, NAT64, 6to4, Teredo, ISATAP); each
//! of them is judged by the IPv4 address it carries, so `[64:ff9b::7f00:1]`
//! (127.0.0.1 through a NAT64 translator) is as private as `127.0.0.1`.
//!
//! The ranges are those that IANA's IPv4 and IPv6 Special-Purpose Address
//! Registries mark as not globally reachable, plus IPv6 space outside
//! global unicast (`2000::/3`), which is not assigned for use at all.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is an acceptable relay destination when private addresses
/// are not allowed.
pub fn is_public_destination(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// A globally reachable IPv4 unicast address.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        // 0.0.0.0/8, "this network".
        || a == 0
        // 100.64.0.0/10, carrier-grade NAT.
        || (a == 100 && (b & 0xc0) == 64)
        // 192.0.0.0/24, IETF protocol assignments (DS-Lite, NAT64 discovery, ...).
        || (a == 192 && b == 0 && c == 0)
        // 192.88.99.0/24, the deprecated 6to4 relay anycast.
        || (a == 192 && b == 88 && c == 99)
        // 198.18.0.0/15, benchmarking.
        || (a == 198 && (b & 0xfe) == 18)
        // 240.0.0.0/4, reserved.
        || a >= 240)
}

/// How an IPv6 address carries an IPv4 address, when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddedIpv4 {
    /// `::ffff:a.b.c.d` (IPv4-mapped): the socket really talks IPv4.
    Mapped(Ipv4Addr),
    /// `::a.b.c.d` (the deprecated IPv4-compatible form).
    Compatible(Ipv4Addr),
    /// `::ffff:0:a.b.c.d` (SIIT IPv4-translated).
    Translated(Ipv4Addr),
    /// `64:ff9b::a.b.c.d` (NAT64, the well-known prefix).
    Nat64(Ipv4Addr),
    /// `2002:aabb:ccdd::/48` (6to4): the site's IPv4 address.
    SixToFour(Ipv4Addr),
    /// `2001:0000::/32` (Teredo): the server's IPv4 address and the
    /// client's (stored inverted in the last 32 bits).
    Teredo {
        /// The Teredo server.
        server: Ipv4Addr,
        /// The client's public IPv4 address, as the relay reaches it.
        client: Ipv4Addr,
    },
    /// An ISATAP interface identifier (`…:0:5efe:a.b.c.d` or
    /// `…:200:5efe:a.b.c.d`) under any prefix: the host's IPv4 address.
    Isatap(Ipv4Addr),
}

/// The IPv4 address(es) an IPv6 address carries, by the first rule that
/// matches.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Option<EmbeddedIpv4> {
    let s = ip.segments();
    let o = ip.octets();
    let last32 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if s[..5] == [0; 5] && s[5] == 0xffff {
        return Some(EmbeddedIpv4::Mapped(last32));
    }
    if s[..6] == [0; 6] {
        return Some(EmbeddedIpv4::Compatible(last32));
    }
    if s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        return Some(EmbeddedIpv4::Translated(last32));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(EmbeddedIpv4::Nat64(last32));
    }
    if s[0] == 0x2002 {
        return Some(EmbeddedIpv4::SixToFour(Ipv4Addr::new(
            o[2], o[3], o[4], o[5],
        )));
    }
    if s[0] == 0x2001 && s[1] == 0 {
        let client = Ipv4Addr::from(!u32::from(last32));
        return Some(EmbeddedIpv4::Teredo {
            server: Ipv4Addr::new(o[4], o[5], o[6], o[7]),
            client,
        });
    }
    // RFC 5214: the u/g bits of the 0200 form may be set; the rest is fixed.
    if (s[4] & 0xfcff) == 0 && s[5] == 0x5efe {
        return Some(EmbeddedIpv4::Isatap(last32));
    }
    None
}

/// A globally reachable IPv6 unicast address whose embedded IPv4
/// addresses, if any, are public too.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    if ip.is_loopback() || ip.is_unspecified() {
        return false;
    }
    match embedded_ipv4(ip) {
        Some(EmbeddedIpv4::Mapped(v4) | EmbeddedIpv4::Nat64(v4) | EmbeddedIpv4::SixToFour(v4)) => {
            return is_public_v4(v4)
        }
        // Deprecated or host-internal forms: nothing public is reached
        // through them.
        Some(EmbeddedIpv4::Compatible(_) | EmbeddedIpv4::Translated(_)) => return false,
        Some(EmbeddedIpv4::Teredo { server, client }) => {
            return is_public_v4(server) && is_public_v4(client)
        }
        // ISATAP: the IPv4 host must be public, and so must the prefix.
        Some(EmbeddedIpv4::Isatap(v4)) if !is_public_v4(v4) => return false,
        Some(EmbeddedIpv4::Isatap(_)) | None => {}
    }
    let s = ip.segments();
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    global_unicast
        // 2001::/23, IETF protocol assignments (Teredo, handled above, is
        // inside it): benchmarking, ORCHID, and others not globally routed.
        && !(s[0] == 0x2001 && s[1] < 0x0200)
        // 2001:db8::/32, documentation.
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
        // 3fff::/20, documentation (RFC 9637).
        && !(s[0] == 0x3fff && (s[1] & 0xf000) == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(ip: &str) -> bool {
        is_public_destination(ip.parse().unwrap())
    }

    #[test]
    fn plain_addresses() {
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.8",
            "192.88.99.1",
            "198.18.0.1",
            "203.0.113.5",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fec0::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "100::1",
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "2001:db8::1",
            "3fff::1",
            "5f00::1",
            "4000::1",
            "e000::1",
        ] {
            assert!(!public(ip), "{ip} must not be public");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "2a00:1450::1",
            "2606:4700::1111",
        ] {
            assert!(public(ip), "{ip} must be public");
        }
    }

    #[test]
    fn every_ipv4_embedding_is_judged_by_its_ipv4_address() {
        // (private form, public form) for each embedding.
        let pairs = [
            ("::ffff:192.168.0.1", "::ffff:8.8.8.8"),
            ("::ffff:127.0.0.1", "::ffff:1.1.1.1"),
            ("64:ff9b::7f00:1", "64:ff9b::808:808"),
            ("64:ff9b::10.0.0.1", "64:ff9b::1.1.1.1"),
            ("2002:7f00:1::1", "2002:808:808::1"),
            ("2002:c0a8:101::1", "2002:101:101::1"),
            // Teredo: server 8.8.8.8 (0808:0808), client stored inverted:
            // 127.0.0.1 -> 80ff:fffe, 1.1.1.1 -> fefe:fefe.
            ("2001:0:808:808::80ff:fffe", "2001:0:808:808::fefe:fefe"),
            // Teredo with a private server.
            ("2001:0:a00:1::fefe:fefe", "2001:0:101:101::fefe:fefe"),
            // ISATAP under a global prefix.
            ("2a00:1450::5efe:192.168.0.1", "2a00:1450::5efe:8.8.8.8"),
            (
                "2a00:1450::200:5efe:10.0.0.1",
                "2a00:1450::200:5efe:8.8.8.8",
            ),
        ];
        for (private, public_form) in pairs {
            assert!(!public(private), "{private} must not be public");
            assert!(public(public_form), "{public_form} must be public");
        }
    }

    #[test]
    fn deprecated_and_local_embeddings_are_refused() {
        for ip in [
            "::8.8.8.8",
            "::127.0.0.1",
            "::ffff:0:8.8.8.8",
            "::ffff:0:127.0.0.1",
            // Local-use NAT64 (RFC 8215) is a site's own translator.
            "64:ff9b:1::808:808",
            "64:ff9b:1::7f00:1",
            // ISATAP under a link-local or unique-local prefix.
            "fe80::5efe:8.8.8.8",
            "fd00::5efe:8.8.8.8",
        ] {
            assert!(!public(ip), "{ip} must not be public");
        }
    }

    #[test]
    fn embeddings_are_decoded() {
        let teredo: Ipv6Addr = "2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap();
        // RFC 4380's example: server 65.54.227.120, client 192.0.2.45.
        assert_eq!(
            embedded_ipv4(teredo),
            Some(EmbeddedIpv4::Teredo {
                server: Ipv4Addr::new(65, 54, 227, 120),
                client: Ipv4Addr::new(192, 0, 2, 45),
            })
        );
        assert_eq!(
            embedded_ipv4("2002:c000:22a::1".parse().unwrap()),
            Some(EmbeddedIpv4::SixToFour(Ipv4Addr::new(192, 0, 2, 42)))
        );
        assert_eq!(
            embedded_ipv4("64:ff9b::c000:221".parse().unwrap()),
            Some(EmbeddedIpv4::Nat64(Ipv4Addr::new(192, 0, 2, 33)))
        );
        assert_eq!(embedded_ipv4("2a00:1450::1".parse().unwrap()), None);
    }
}
