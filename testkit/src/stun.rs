//! A STUN Binding responder (RFC 5389, with RFC 5780's OTHER-ADDRESS and
//! CHANGE-REQUEST port changes) for loopback tests.
//!
//! Go's WebRTC stack (pion) never offers loopback host candidates. Inside a
//! network namespace that has only `lo`, a peer pointed at this responder
//! on 127.0.0.1 learns a server-reflexive candidate `127.0.0.1:port`, so
//! WebRTC works with all traffic on loopback. OTHER-ADDRESS (the alternate
//! port) lets RFC 5780 NAT-behaviour checks succeed.
//!
//! [`binding_response`] is the pure message logic; [`StunServer`] runs it
//! on two UDP sockets.

use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The STUN magic cookie.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
const BINDING_REQUEST: u16 = 0x0001;
const BINDING_SUCCESS: u16 = 0x0101;
const ATTR_MAPPED_ADDRESS: u16 = 0x0001;
const ATTR_CHANGE_REQUEST: u16 = 0x0003;
const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;
const ATTR_SOFTWARE: u16 = 0x8022;
const ATTR_RESPONSE_ORIGIN: u16 = 0x802B;
const ATTR_OTHER_ADDRESS: u16 = 0x802C;
const HEADER_LEN: usize = 20;

/// A parsed Binding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingRequest {
    /// The 96-bit transaction id.
    pub transaction_id: [u8; 12],
    /// CHANGE-REQUEST asked for a reply from the other port.
    pub change_port: bool,
}

/// Parses a Binding request; anything else (other messages, bad cookie,
/// truncated attributes) gives `None`.
pub fn parse_binding_request(packet: &[u8]) -> Option<BindingRequest> {
    let header = packet.get(..HEADER_LEN)?;
    let message_type = u16::from_be_bytes([header[0], header[1]]);
    let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let cookie = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    if message_type != BINDING_REQUEST || cookie != MAGIC_COOKIE {
        return None;
    }
    let mut transaction_id = [0u8; 12];
    transaction_id.copy_from_slice(&header[8..HEADER_LEN]);
    let mut attributes = packet.get(HEADER_LEN..HEADER_LEN.checked_add(length)?)?;
    let mut change_port = false;
    while attributes.len() >= 4 {
        let kind = u16::from_be_bytes([attributes[0], attributes[1]]);
        let value_len = usize::from(u16::from_be_bytes([attributes[2], attributes[3]]));
        let padded = value_len.div_ceil(4).checked_mul(4)?;
        let value = attributes.get(4..4usize.checked_add(value_len)?)?;
        if kind == ATTR_CHANGE_REQUEST && value.len() == 4 {
            change_port = value[3] & 0x02 != 0;
        }
        attributes = attributes
            .get(4usize.checked_add(padded)?..)
            .unwrap_or_default();
    }
    Some(BindingRequest {
        transaction_id,
        change_port,
    })
}

fn push_attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
}

fn address_value(address: SocketAddr, xor_with: Option<&[u8; 12]>) -> Vec<u8> {
    let mut port = address.port();
    let (family, mut ip): (u8, Vec<u8>) = match address.ip() {
        IpAddr::V4(v4) => (1, v4.octets().to_vec()),
        IpAddr::V6(v6) => (2, v6.octets().to_vec()),
    };
    if let Some(transaction_id) = xor_with {
        port ^= (MAGIC_COOKIE >> 16) as u16;
        let mut key = MAGIC_COOKIE.to_be_bytes().to_vec();
        key.extend_from_slice(transaction_id);
        for (byte, k) in ip.iter_mut().zip(key) {
            *byte ^= k;
        }
    }
    let mut value = vec![0, family];
    value.extend_from_slice(&port.to_be_bytes());
    value.extend_from_slice(&ip);
    value
}

/// The Binding success response to `request` from `peer`, sent from
/// `origin`; `other` is the alternate address advertised as
/// OTHER-ADDRESS.
pub fn binding_response(
    request: &BindingRequest,
    peer: SocketAddr,
    origin: SocketAddr,
    other: Option<SocketAddr>,
) -> Vec<u8> {
    let mut attributes = Vec::new();
    push_attribute(
        &mut attributes,
        ATTR_XOR_MAPPED_ADDRESS,
        &address_value(peer, Some(&request.transaction_id)),
    );
    push_attribute(
        &mut attributes,
        ATTR_MAPPED_ADDRESS,
        &address_value(peer, None),
    );
    push_attribute(
        &mut attributes,
        ATTR_RESPONSE_ORIGIN,
        &address_value(origin, None),
    );
    if let Some(other) = other {
        push_attribute(
            &mut attributes,
            ATTR_OTHER_ADDRESS,
            &address_value(other, None),
        );
    }
    push_attribute(&mut attributes, ATTR_SOFTWARE, b"snowflake-testkit");
    let mut out = Vec::with_capacity(HEADER_LEN + attributes.len());
    out.extend_from_slice(&BINDING_SUCCESS.to_be_bytes());
    out.extend_from_slice(&(attributes.len() as u16).to_be_bytes());
    out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    out.extend_from_slice(&request.transaction_id);
    out.extend_from_slice(&attributes);
    out
}

/// Decodes the XOR-MAPPED-ADDRESS of a Binding success response (for
/// tests of the responder).
pub fn xor_mapped_address(response: &[u8]) -> Option<SocketAddr> {
    let header = response.get(..HEADER_LEN)?;
    let transaction_id: [u8; 12] = header.get(8..HEADER_LEN)?.try_into().ok()?;
    let mut attributes = response.get(HEADER_LEN..)?;
    while attributes.len() >= 4 {
        let kind = u16::from_be_bytes([attributes[0], attributes[1]]);
        let len = usize::from(u16::from_be_bytes([attributes[2], attributes[3]]));
        let value = attributes.get(4..4 + len)?;
        if kind == ATTR_XOR_MAPPED_ADDRESS {
            let port =
                u16::from_be_bytes([*value.get(2)?, *value.get(3)?]) ^ (MAGIC_COOKIE >> 16) as u16;
            let mut key = MAGIC_COOKIE.to_be_bytes().to_vec();
            key.extend_from_slice(&transaction_id);
            let ip: Vec<u8> = value
                .get(4..)?
                .iter()
                .zip(key)
                .map(|(b, k)| b ^ k)
                .collect();
            let ip = match ip.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(ip).ok()?),
                16 => IpAddr::from(<[u8; 16]>::try_from(ip).ok()?),
                _ => return None,
            };
            return Some(SocketAddr::new(ip, port));
        }
        attributes = attributes
            .get(4 + len.div_ceil(4) * 4..)
            .unwrap_or_default();
    }
    None
}

/// A running responder on a primary and an alternate UDP port. Stops when
/// dropped.
#[derive(Debug)]
pub struct StunServer {
    primary: SocketAddr,
    alternate: SocketAddr,
    task: JoinHandle<()>,
}

impl StunServer {
    /// Listens on two free ports of `ip` (normally 127.0.0.1).
    pub async fn start(ip: IpAddr) -> io::Result<StunServer> {
        let primary = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let alternate = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let primary_addr = primary.local_addr()?;
        let alternate_addr = alternate.local_addr()?;
        let task = tokio::spawn(async move {
            let sockets = [primary, alternate];
            let mut buffers = [[0u8; 1500], [0u8; 1500]];
            loop {
                let [first, second] = &mut buffers;
                let (index, received) = tokio::select! {
                    r = sockets[0].recv_from(first) => (0usize, r),
                    r = sockets[1].recv_from(second) => (1usize, r),
                };
                let Ok((len, peer)) = received else { continue };
                let packet = &buffers[index][..len];
                let Some(request) = parse_binding_request(packet) else {
                    continue;
                };
                let reply_index = if request.change_port {
                    1 - index
                } else {
                    index
                };
                let other_index = 1 - index;
                let addresses = [primary_addr, alternate_addr];
                let response = binding_response(
                    &request,
                    peer,
                    addresses[reply_index],
                    Some(addresses[other_index]),
                );
                let _ = sockets[reply_index].send_to(&response, peer).await;
            }
        });
        Ok(StunServer {
            primary: primary_addr,
            alternate: alternate_addr,
            task,
        })
    }

    /// The primary address.
    pub fn addr(&self) -> SocketAddr {
        self.primary
    }

    /// The alternate address (OTHER-ADDRESS).
    pub fn alternate_addr(&self) -> SocketAddr {
        self.alternate
    }

    /// A `stun:` URL for the primary address.
    pub fn url(&self) -> String {
        format!("stun:{}", self.primary)
    }
}

impl Drop for StunServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(transaction_id: [u8; 12], change: Option<u32>) -> Vec<u8> {
        let mut attributes = Vec::new();
        if let Some(flags) = change {
            push_attribute(&mut attributes, ATTR_CHANGE_REQUEST, &flags.to_be_bytes());
        }
        let mut out = Vec::new();
        out.extend_from_slice(&BINDING_REQUEST.to_be_bytes());
        out.extend_from_slice(&(attributes.len() as u16).to_be_bytes());
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(&transaction_id);
        out.extend_from_slice(&attributes);
        out
    }

    #[test]
    fn parses_requests() {
        let id = [7u8; 12];
        assert_eq!(
            parse_binding_request(&request(id, None)),
            Some(BindingRequest {
                transaction_id: id,
                change_port: false
            })
        );
        assert_eq!(
            parse_binding_request(&request(id, Some(2))).map(|r| r.change_port),
            Some(true)
        );
        assert_eq!(
            parse_binding_request(&request(id, Some(4))).map(|r| r.change_port),
            Some(false)
        );
        let mut wrong_cookie = request(id, None);
        wrong_cookie[4] = 0;
        assert_eq!(parse_binding_request(&wrong_cookie), None);
        assert_eq!(parse_binding_request(&[0, 1, 0]), None);
        let mut truncated = request(id, Some(2));
        truncated.truncate(truncated.len() - 2);
        assert_eq!(parse_binding_request(&truncated), None);
    }

    #[test]
    fn known_xor_mapped_address() {
        // RFC 5769 §2.2 sample IPv4 response: 192.0.2.1:32853 with this
        // transaction id encodes as port a1 47, address e1 12 a6 43.
        let id = [
            0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
        ];
        let request = BindingRequest {
            transaction_id: id,
            change_port: false,
        };
        let peer: SocketAddr = "192.0.2.1:32853".parse().unwrap();
        let response = binding_response(&request, peer, "127.0.0.1:3478".parse().unwrap(), None);
        assert_eq!(
            &response[20..32],
            &[0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43]
        );
        assert_eq!(xor_mapped_address(&response), Some(peer));
        let v6: SocketAddr = "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
            .parse()
            .unwrap();
        let response = binding_response(&request, v6, "127.0.0.1:3478".parse().unwrap(), None);
        assert_eq!(xor_mapped_address(&response), Some(v6));
    }

    #[tokio::test]
    async fn answers_on_loopback() {
        let server = StunServer::start("127.0.0.1".parse().unwrap())
            .await
            .unwrap();
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let me = socket.local_addr().unwrap();
        socket
            .send_to(&request([1; 12], None), server.addr())
            .await
            .unwrap();
        let mut buf = [0u8; 1500];
        let (len, from) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!(from, server.addr());
        assert_eq!(xor_mapped_address(&buf[..len]), Some(me));
        // CHANGE-REQUEST(port): the reply comes from the alternate port.
        socket
            .send_to(&request([2; 12], Some(2)), server.addr())
            .await
            .unwrap();
        let (_, from) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!(from, server.alternate_addr());
        assert_eq!(server.url(), format!("stun:{}", server.addr()));
    }
}
