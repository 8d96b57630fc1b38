//! The header of every datagram through a SOCKS5 UDP relay (RFC 1928 §7):
//! `RSV(2) FRAG(1) ATYP DST.ADDR DST.PORT DATA`. Toward the relay it names
//! the destination; from the relay, the source.
//!
//! Fragmentation (FRAG ≠ 0) is optional in the RFC and not implemented:
//! such datagrams are dropped, as the RFC allows, and we never send any.

use super::socks5::{decode_address, encode_address, Socks5Error};
use super::TargetAddr;

/// The longest header: a 255-byte host name.
pub const MAX_HEADER_LEN: usize = 3 + 1 + 1 + 255 + 2;

/// Why a datagram from the relay was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UdpHeaderError {
    /// Shorter than its header.
    #[error("datagram shorter than its SOCKS5 header")]
    Truncated,
    /// A fragment (not supported).
    #[error("fragmented SOCKS5 datagram (fragment {0}) dropped")]
    Fragment(u8),
    /// The address is malformed.
    #[error("SOCKS5 datagram header: {0}")]
    Address(#[from] Socks5Error),
}

/// `payload` for `target`, with its header, as sent to the relay.
pub fn encode_datagram(target: &TargetAddr, payload: &[u8]) -> Result<Vec<u8>, Socks5Error> {
    let mut out = Vec::with_capacity(MAX_HEADER_LEN.min(22) + payload.len());
    out.extend_from_slice(&[0, 0, 0]);
    encode_address(target, &mut out)?;
    out.extend_from_slice(payload);
    Ok(out)
}

/// The source named in a datagram from the relay and where its payload
/// starts.
pub fn decode_header(datagram: &[u8]) -> Result<(TargetAddr, usize), UdpHeaderError> {
    let [_, _, fragment] = super::socks5::first::<3>(datagram).ok_or(UdpHeaderError::Truncated)?;
    if fragment != 0 {
        return Err(UdpHeaderError::Fragment(fragment));
    }
    let (source, len) = decode_address(&datagram[3..])?.ok_or(UdpHeaderError::Truncated)?;
    Ok((source, 3 + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let target = TargetAddr::Ip("192.0.2.7:3478".parse().unwrap());
        let datagram = encode_datagram(&target, b"stun").unwrap();
        assert_eq!(
            datagram,
            [0, 0, 0, 1, 192, 0, 2, 7, 0x0d, 0x96, b's', b't', b'u', b'n']
        );
        let (source, start) = decode_header(&datagram).unwrap();
        assert_eq!(source, target);
        assert_eq!(&datagram[start..], b"stun");
        let named = TargetAddr::Domain("stun.example".into(), 3478);
        let datagram = encode_datagram(&named, b"").unwrap();
        assert_eq!(decode_header(&datagram).unwrap(), (named, datagram.len()));
    }

    #[test]
    fn bad_datagrams_are_dropped_not_panicked_on() {
        assert_eq!(decode_header(&[0, 0]), Err(UdpHeaderError::Truncated));
        assert_eq!(
            decode_header(&[0, 0, 0, 1, 1, 2]),
            Err(UdpHeaderError::Truncated)
        );
        assert_eq!(
            decode_header(&[0, 0, 1, 1, 1, 2, 3, 4, 0, 1]),
            Err(UdpHeaderError::Fragment(1))
        );
        assert!(matches!(
            decode_header(&[0, 0, 0, 7, 1, 2, 3, 4, 0, 1]),
            Err(UdpHeaderError::Address(Socks5Error::BadAddressType(7)))
        ));
        // Every prefix of a good datagram either decodes or is refused.
        let datagram = encode_datagram(&TargetAddr::Domain("a.example".into(), 9), b"x").unwrap();
        for cut in 0..datagram.len() {
            let _ = decode_header(&datagram[..cut]);
        }
    }
}
