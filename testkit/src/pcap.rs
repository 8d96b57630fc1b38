//! A reader for classic pcap files (the format `tcpdump -w` writes) that
//! yields the UDP datagrams in them.
//!
//! Both byte orders and both timestamp resolutions (microsecond magic
//! `a1b2c3d4`, nanosecond magic `a1b23c4d`) are read. Link types: BSD
//! loopback/null (0), Ethernet (1, with 802.1Q/802.1ad tags), raw IP (101,
//! 228, 229), Linux cooked capture SLL (113) and SLL2 (276). IPv4 and IPv6
//! (skipping the usual IPv6 extension headers) are understood; fragmented
//! packets, other protocols and other link payloads are skipped.
//!
//! Bad input gives a [`PcapError`], never a panic. Lengths in the file are
//! checked against the bytes actually present before anything is copied.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One UDP datagram seen in a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpDatagram {
    /// When it was captured.
    pub timestamp: SystemTime,
    /// Sender address and port.
    pub src: SocketAddr,
    /// Receiver address and port.
    pub dst: SocketAddr,
    /// The UDP payload.
    pub payload: Vec<u8>,
}

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    /// Reading the file failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file does not start with a classic pcap magic number.
    #[error("not a classic pcap file (magic {0:#010x})")]
    BadMagic(u32),
    /// The file is pcapng, which this reader does not handle.
    #[error("pcapng files are not supported; write classic pcap (tcpdump -w does)")]
    Pcapng,
    /// The link type is not one this reader knows.
    #[error("unsupported pcap link type {0}")]
    UnsupportedLinkType(u32),
    /// The file ends in the middle of a header or packet.
    #[error("truncated pcap file: {what} needs {need} bytes at offset {offset}, {have} left")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Its offset in the file.
        offset: usize,
        /// Bytes it needs.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A packet's captured length is larger than its original length
    /// or than any sane snap length.
    #[error(
        "packet record at offset {offset} claims {caplen} captured bytes (original {origlen})"
    )]
    BadRecordLength {
        /// Offset of the record header.
        offset: usize,
        /// Captured length.
        caplen: u32,
        /// Original length.
        origlen: u32,
    },
    /// An IP or UDP header inside packet `packet` (0-based) is inconsistent.
    #[error("packet {packet}: {reason}")]
    BadPacket {
        /// Index of the packet in the file.
        packet: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Link types this reader understands (pcap `network` field).
pub mod link_type {
    /// BSD loopback: a 4-byte address family in the capturing host's order.
    pub const NULL: u32 = 0;
    /// Ethernet II.
    pub const ETHERNET: u32 = 1;
    /// Raw IPv4 or IPv6.
    pub const RAW: u32 = 101;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

/// Largest captured length accepted for one packet (tcpdump's maximum snap
/// length is 262144).
pub const MAX_PACKET_LEN: u32 = 1 << 20;

/// One packet record of a pcap file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapPacket<'a> {
    /// Capture time.
    pub timestamp: SystemTime,
    /// Length on the wire.
    pub original_length: u32,
    /// The captured bytes, starting at the link-layer header.
    pub data: &'a [u8],
}

/// A parsed pcap file, borrowing its bytes.
#[derive(Debug, Clone)]
pub struct PcapFile<'a> {
    /// The link type of every packet.
    pub link_type: u32,
    /// Whether timestamps have nanosecond resolution.
    pub nanosecond: bool,
    /// The snap length from the file header.
    pub snaplen: u32,
    /// The packet records in file order.
    pub packets: Vec<PcapPacket<'a>>,
}

struct Bytes<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl<'a> Bytes<'a> {
    fn slice(&self, offset: usize, len: usize, what: &'static str) -> Result<&'a [u8], PcapError> {
        let have = self.data.len().saturating_sub(offset);
        if len > have {
            return Err(PcapError::Truncated {
                what,
                offset,
                need: len,
                have,
            });
        }
        Ok(&self.data[offset..offset + len])
    }

    fn u32_at(&self, offset: usize, what: &'static str) -> Result<u32, PcapError> {
        let b = self.slice(offset, 4, what)?;
        let raw = [b[0], b[1], b[2], b[3]];
        Ok(if self.big_endian {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        })
    }
}

/// Parses the records of a classic pcap file held in memory.
pub fn parse_pcap(data: &[u8]) -> Result<PcapFile<'_>, PcapError> {
    let magic_bytes = data.get(0..4).ok_or(PcapError::Truncated {
        what: "file header",
        offset: 0,
        need: 24,
        have: data.len(),
    })?;
    let magic_be = u32::from_be_bytes([
        magic_bytes[0],
        magic_bytes[1],
        magic_bytes[2],
        magic_bytes[3],
    ]);
    let (big_endian, nanosecond) = match magic_be {
        0xa1b2_c3d4 => (true, false),
        0xd4c3_b2a1 => (false, false),
        0xa1b2_3c4d => (true, true),
        0x4d3c_b2a1 => (false, true),
        0x0a0d_0d0a => return Err(PcapError::Pcapng),
        other => return Err(PcapError::BadMagic(other)),
    };
    let bytes = Bytes { data, big_endian };
    bytes.slice(0, 24, "file header")?;
    let snaplen = bytes.u32_at(16, "file header")?;
    // The upper bits may carry FCS information; the link type is the low
    // 16 bits.
    let link_type = bytes.u32_at(20, "file header")? & 0xffff;
    match link_type {
        link_type::NULL
        | link_type::ETHERNET
        | link_type::RAW
        | link_type::LINUX_SLL
        | link_type::IPV4
        | link_type::IPV6
        | link_type::LINUX_SLL2 => {}
        other => return Err(PcapError::UnsupportedLinkType(other)),
    }
    let mut packets = Vec::new();
    let mut offset = 24usize;
    while offset < data.len() {
        bytes.slice(offset, 16, "packet header")?;
        let secs = bytes.u32_at(offset, "packet header")?;
        let frac = bytes.u32_at(offset + 4, "packet header")?;
        let caplen = bytes.u32_at(offset + 8, "packet header")?;
        let origlen = bytes.u32_at(offset + 12, "packet header")?;
        if caplen > MAX_PACKET_LEN {
            return Err(PcapError::BadRecordLength {
                offset,
                caplen,
                origlen,
            });
        }
        let frac_nanos = if nanosecond {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        let since_epoch = Duration::from_secs(u64::from(secs))
            .checked_add(Duration::from_nanos(u64::from(frac_nanos)))
            .unwrap_or(Duration::from_secs(u64::from(secs)));
        let timestamp = UNIX_EPOCH.checked_add(since_epoch).unwrap_or(UNIX_EPOCH);
        let body_offset = offset + 16;
        // caplen <= MAX_PACKET_LEN, so this fits in usize.
        let len = caplen as usize;
        let body = bytes.slice(body_offset, len, "packet data")?;
        packets.push(PcapPacket {
            timestamp,
            original_length: origlen,
            data: body,
        });
        offset = body_offset + len;
    }
    Ok(PcapFile {
        link_type,
        nanosecond,
        snaplen,
        packets,
    })
}

/// The UDP datagrams in a pcap file held in memory, in file order.
pub fn udp_datagrams(data: &[u8]) -> Result<Vec<UdpDatagram>, PcapError> {
    let file = parse_pcap(data)?;
    let mut out = Vec::new();
    for (index, packet) in file.packets.iter().enumerate() {
        match udp_in_frame(file.link_type, packet.data) {
            Ok(Some((src, dst, payload))) => out.push(UdpDatagram {
                timestamp: packet.timestamp,
                src,
                dst,
                payload: payload.to_vec(),
            }),
            Ok(None) => {}
            Err(reason) => {
                return Err(PcapError::BadPacket {
                    packet: index,
                    reason,
                })
            }
        }
    }
    Ok(out)
}

/// Reads a pcap file and returns its UDP datagrams.
pub fn read_udp_datagrams(path: &Path) -> Result<Vec<UdpDatagram>, PcapError> {
    let data = std::fs::read(path).map_err(|source| PcapError::Io {
        path: path.display().to_string(),
        source,
    })?;
    udp_datagrams(&data)
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const IPPROTO_UDP: u8 = 17;

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

enum Network<'a> {
    V4(&'a [u8]),
    V6(&'a [u8]),
}

fn by_ethertype(ethertype: u16, rest: &[u8]) -> Option<Network<'_>> {
    match ethertype {
        ETHERTYPE_IPV4 => Some(Network::V4(rest)),
        ETHERTYPE_IPV6 => Some(Network::V6(rest)),
        _ => None,
    }
}

fn by_version(rest: &[u8]) -> Option<Network<'_>> {
    match rest.first()? >> 4 {
        4 => Some(Network::V4(rest)),
        6 => Some(Network::V6(rest)),
        _ => None,
    }
}

/// Finds the network-layer packet in a link-layer frame. `None` for
/// frames that carry something other than IP.
fn network_in_frame(link: u32, frame: &[u8]) -> Option<Network<'_>> {
    match link {
        link_type::NULL => {
            let family = frame.get(0..4)?;
            let le = u32::from_le_bytes([family[0], family[1], family[2], family[3]]);
            let be = u32::from_be_bytes([family[0], family[1], family[2], family[3]]);
            let rest = frame.get(4..)?;
            // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or
            // 30 (the BSDs and macOS).
            let family = if le < 0x100 { le } else { be };
            match family {
                2 => Some(Network::V4(rest)),
                10 | 24 | 28 | 30 => Some(Network::V6(rest)),
                _ => None,
            }
        }
        link_type::ETHERNET => {
            let mut at = 12usize;
            let mut ethertype = be16(frame, at)?;
            while ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
                at += 4;
                ethertype = be16(frame, at)?;
            }
            by_ethertype(ethertype, frame.get(at + 2..)?)
        }
        link_type::RAW => by_version(frame),
        link_type::IPV4 => Some(Network::V4(frame)),
        link_type::IPV6 => Some(Network::V6(frame)),
        link_type::LINUX_SLL => by_ethertype(be16(frame, 14)?, frame.get(16..)?),
        link_type::LINUX_SLL2 => by_ethertype(be16(frame, 0)?, frame.get(20..)?),
        _ => None,
    }
}

/// `(src, dst, payload)` of a UDP packet.
pub type UdpParts<'a> = (SocketAddr, SocketAddr, &'a [u8]);

/// Extracts `(src, dst, payload)` from a link-layer frame of type `link`.
/// `Ok(None)` when the frame is not an unfragmented UDP packet over IP;
/// `Err` when its IP or UDP header contradicts the bytes present.
pub fn udp_in_frame(link: u32, frame: &[u8]) -> Result<Option<UdpParts<'_>>, String> {
    match network_in_frame(link, frame) {
        None => Ok(None),
        Some(Network::V4(packet)) => udp_in_ipv4(packet),
        Some(Network::V6(packet)) => udp_in_ipv6(packet),
    }
}

fn udp_in_ipv4(packet: &[u8]) -> Result<Option<UdpParts<'_>>, String> {
    if packet.len() < 20 {
        return Err(format!("IPv4 header truncated ({} bytes)", packet.len()));
    }
    if packet[0] >> 4 != 4 {
        return Err(format!("IP version {} in an IPv4 frame", packet[0] >> 4));
    }
    let header_len = usize::from(packet[0] & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    if header_len < 20 || total_len < header_len || total_len > packet.len() {
        return Err(format!(
            "IPv4 header length {header_len}, total length {total_len}, {} bytes captured",
            packet.len()
        ));
    }
    let flags_fragment = u16::from_be_bytes([packet[6], packet[7]]);
    let more_fragments = flags_fragment & 0x2000 != 0;
    let fragment_offset = flags_fragment & 0x1fff;
    if packet[9] != IPPROTO_UDP || more_fragments || fragment_offset != 0 {
        return Ok(None);
    }
    let src = IpAddr::V4(Ipv4Addr::new(
        packet[12], packet[13], packet[14], packet[15],
    ));
    let dst = IpAddr::V4(Ipv4Addr::new(
        packet[16], packet[17], packet[18], packet[19],
    ));
    udp_segment(src, dst, &packet[header_len..total_len]).map(Some)
}

fn udp_in_ipv6(packet: &[u8]) -> Result<Option<UdpParts<'_>>, String> {
    if packet.len() < 40 {
        return Err(format!("IPv6 header truncated ({} bytes)", packet.len()));
    }
    if packet[0] >> 4 != 6 {
        return Err(format!("IP version {} in an IPv6 frame", packet[0] >> 4));
    }
    let payload_len = usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    if 40 + payload_len > packet.len() {
        return Err(format!(
            "IPv6 payload length {payload_len}, {} bytes captured after the header",
            packet.len() - 40
        ));
    }
    let mut src = [0u8; 16];
    src.copy_from_slice(&packet[8..24]);
    let mut dst = [0u8; 16];
    dst.copy_from_slice(&packet[24..40]);
    let src = IpAddr::V6(Ipv6Addr::from(src));
    let dst = IpAddr::V6(Ipv6Addr::from(dst));
    let mut next = packet[6];
    let mut rest = &packet[40..40 + payload_len];
    loop {
        match next {
            IPPROTO_UDP => return udp_segment(src, dst, rest).map(Some),
            // Hop-by-hop, routing, destination options: length in 8-octet
            // units, not counting the first 8.
            0 | 43 | 60 => {
                if rest.len() < 2 {
                    return Err("IPv6 extension header truncated".to_string());
                }
                let len = (usize::from(rest[1]) + 1) * 8;
                if len > rest.len() {
                    return Err("IPv6 extension header longer than the packet".to_string());
                }
                next = rest[0];
                rest = &rest[len..];
            }
            // Fragment header: skip fragmented datagrams.
            44 => return Ok(None),
            _ => return Ok(None),
        }
    }
}

fn udp_segment(src: IpAddr, dst: IpAddr, segment: &[u8]) -> Result<UdpParts<'_>, String> {
    if segment.len() < 8 {
        return Err(format!("UDP header truncated ({} bytes)", segment.len()));
    }
    let src_port = u16::from_be_bytes([segment[0], segment[1]]);
    let dst_port = u16::from_be_bytes([segment[2], segment[3]]);
    let udp_len = usize::from(u16::from_be_bytes([segment[4], segment[5]]));
    // A zero length is legal for IPv6 jumbograms only; then the IP length
    // rules.
    let end = if udp_len == 0 { segment.len() } else { udp_len };
    if end < 8 || end > segment.len() {
        return Err(format!(
            "UDP length {udp_len}, {} bytes in the IP payload",
            segment.len()
        ));
    }
    Ok((
        SocketAddr::new(src, src_port),
        SocketAddr::new(dst, dst_port),
        &segment[8..end],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, big_endian: bool, link: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let push32 = |out: &mut Vec<u8>, v: u32| {
            if big_endian {
                out.extend_from_slice(&v.to_be_bytes())
            } else {
                out.extend_from_slice(&v.to_le_bytes())
            }
        };
        push32(&mut out, magic);
        if big_endian {
            out.extend_from_slice(&2u16.to_be_bytes());
            out.extend_from_slice(&4u16.to_be_bytes());
        } else {
            out.extend_from_slice(&2u16.to_le_bytes());
            out.extend_from_slice(&4u16.to_le_bytes());
        }
        push32(&mut out, 0);
        push32(&mut out, 0);
        push32(&mut out, 65535);
        push32(&mut out, link);
        out
    }

    fn record(big_endian: bool, secs: u32, frac: u32, frame: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [secs, frac, frame.len() as u32, frame.len() as u32] {
            if big_endian {
                out.extend_from_slice(&v.to_be_bytes());
            } else {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(frame);
        out
    }

    fn udp(src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&src_port.to_be_bytes());
        out.extend_from_slice(&dst_port.to_be_bytes());
        out.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(payload);
        out
    }

    fn ipv4_udp(payload: &[u8]) -> Vec<u8> {
        let seg = udp(1111, 2222, payload);
        let mut out = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let total = (out.len() + seg.len()) as u16;
        out[2..4].copy_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&seg);
        out
    }

    fn ipv6_udp(payload: &[u8]) -> Vec<u8> {
        let seg = udp(3333, 4444, payload);
        let mut out = vec![0x60, 0, 0, 0];
        out.extend_from_slice(&(seg.len() as u16).to_be_bytes());
        out.push(17);
        out.push(64);
        out.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        out.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        out.extend_from_slice(&seg);
        out
    }

    #[test]
    fn every_link_type_and_byte_order() {
        let v4 = ipv4_udp(b"hello");
        let v6 = ipv6_udp(b"world!");
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        eth.extend_from_slice(&v4);
        eth.extend_from_slice(&[0; 6]); // Ethernet padding
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
        sll.extend_from_slice(&v6);
        let mut sll2 = ETHERTYPE_IPV4.to_be_bytes().to_vec();
        sll2.extend_from_slice(&[0u8; 18]);
        sll2.extend_from_slice(&v4);
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(&v4);
        let mut null6 = 30u32.to_be_bytes().to_vec();
        null6.extend_from_slice(&v6);
        let cases: Vec<(u32, Vec<u8>, &[u8])> = vec![
            (link_type::ETHERNET, eth, b"hello"),
            (link_type::LINUX_SLL, sll, b"world!"),
            (link_type::LINUX_SLL2, sll2, b"hello"),
            (link_type::NULL, null, b"hello"),
            (link_type::NULL, null6, b"world!"),
            (link_type::RAW, v6.clone(), b"world!"),
        ];
        for (magic, nano) in [(0xa1b2_c3d4u32, false), (0xa1b2_3c4d, true)] {
            for big_endian in [false, true] {
                for (link, frame, want) in &cases {
                    let mut file = header(magic, big_endian, *link);
                    file.extend(record(big_endian, 1_700_000_000, 5, frame));
                    let got = udp_datagrams(&file).expect("parses");
                    assert_eq!(got.len(), 1, "link {link}");
                    assert_eq!(got[0].payload, *want, "link {link}");
                    let nanos = if nano { 5 } else { 5000 };
                    assert_eq!(
                        got[0].timestamp,
                        UNIX_EPOCH + Duration::new(1_700_000_000, nanos)
                    );
                }
            }
        }
    }

    #[test]
    fn addresses() {
        let mut file = header(0xa1b2_c3d4, false, link_type::RAW);
        file.extend(record(false, 0, 0, &ipv4_udp(b"x")));
        let got = udp_datagrams(&file).expect("parses");
        assert_eq!(got[0].src, "10.0.0.1:1111".parse().expect("addr"));
        assert_eq!(got[0].dst, "10.0.0.2:2222".parse().expect("addr"));
    }

    #[test]
    fn non_udp_is_skipped() {
        let mut tcp = ipv4_udp(b"abc");
        tcp[9] = 6;
        let mut fragment = ipv4_udp(b"abc");
        fragment[6] = 0x20;
        let mut file = header(0xa1b2_c3d4, false, link_type::RAW);
        file.extend(record(false, 0, 0, &tcp));
        file.extend(record(false, 0, 0, &fragment));
        file.extend(record(false, 0, 0, &[0x00, 0x01]));
        assert_eq!(udp_datagrams(&file).expect("parses"), vec![]);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            udp_datagrams(&[]),
            Err(PcapError::Truncated { .. })
        ));
        assert!(matches!(
            udp_datagrams(&[1, 2, 3, 4, 5, 6]),
            Err(PcapError::BadMagic(_))
        ));
        assert!(matches!(
            udp_datagrams(&[0x0a, 0x0d, 0x0d, 0x0a, 0, 0]),
            Err(PcapError::Pcapng)
        ));
        assert!(matches!(
            udp_datagrams(&header(0xa1b2_c3d4, false, 9999)),
            Err(PcapError::UnsupportedLinkType(9999))
        ));
        let mut file = header(0xa1b2_c3d4, false, link_type::RAW);
        file.extend(record(false, 0, 0, &ipv4_udp(b"payload")));
        // Every truncation of a valid file is an error (or, at a record
        // boundary, fine), never a panic.
        for cut in 0..file.len() {
            let result = udp_datagrams(&file[..cut]);
            if cut == 24 {
                assert!(result.is_ok());
            } else {
                assert!(result.is_err(), "cut at {cut}");
            }
        }
        // A UDP length larger than the packet.
        let mut bad = ipv4_udp(b"payload");
        bad[24..26].copy_from_slice(&200u16.to_be_bytes());
        let mut file = header(0xa1b2_c3d4, false, link_type::RAW);
        file.extend(record(false, 0, 0, &bad));
        assert!(matches!(
            udp_datagrams(&file),
            Err(PcapError::BadPacket { packet: 0, .. })
        ));
        // A huge captured length.
        let mut file = header(0xa1b2_c3d4, false, link_type::RAW);
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&u32::MAX.to_le_bytes());
        file.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            udp_datagrams(&file),
            Err(PcapError::BadRecordLength { .. })
        ));
    }

    #[test]
    fn garbage_frames_never_panic() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for link in [0, 1, 101, 113, 228, 229, 276] {
            for len in 0..120 {
                let mut frame: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                // Make the frame look like IP often enough to reach the
                // deeper parsers.
                if let Some(first) = frame.first_mut() {
                    if next() % 2 == 0 {
                        *first = 0x45;
                    }
                }
                let _ = udp_in_frame(link, &frame);
            }
        }
    }
}
