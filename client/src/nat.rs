//! The client's NAT-type check (docs/protocol.md §8.4, Go's
//! `common/nat/nat.go`, three kinds as upstream `main` since e152e8ad):
//! RFC 5780's mapping test, then its filtering test, against a STUN
//! server.
//!
//! A Binding request to the server's primary address reports the mapped
//! address our NAT gave us, and the server's alternate address
//! (OTHER-ADDRESS). A second Binding request from the same socket to the
//! alternate address shows whether the NAT kept the mapping when the
//! destination changed:
//!
//! * different mapping (address-dependent): `strict`, only an `open`
//!   proxy can reach us;
//! * same mapping (endpoint-independent): the filtering test follows. A
//!   Binding request to the primary address with CHANGE-REQUEST "change
//!   IP and port" asks the server to answer from its alternate address,
//!   where we never sent anything:
//!   * the answer arrives: our NAT lets in packets from anywhere, `open`;
//!   * no answer within the timeout: it filters, `moderate` (reachable by
//!     `open` and `moderate` proxies);
//! * no usable answer from any server in the mapping test: `unknown`.
//!
//! (2.14 and earlier clients reported `unrestricted` for the same mapping
//! and `restricted` otherwise; brokers read those as `open` and `strict`.)
//!
//! Layers: a sans-IO STUN codec ([`encode_binding_request`],
//! [`decode_binding_response`]), the test as a state machine over datagrams
//! ([`MappingTest`]), and the tokio driver [`detect_nat_type`] that owns the
//! socket, retransmits (RFC 5389's 500 ms doubling schedule) and times out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use snowflake_common::messages::NatType;
use tokio::net::UdpSocket;
use tokio::time::Instant;

use crate::upstream_proxy::{TargetAddr, UdpAssociation, UpstreamProxy};

/// The STUN magic cookie (RFC 5389).
pub const MAGIC_COOKIE: u32 = 0x2112_A442;

/// The port of a `stun:` URL that names none.
pub const DEFAULT_STUN_PORT: u16 = 3478;

/// The size of a STUN header.
const HEADER_LEN: usize = 20;

/// Largest datagram read; a longer one is truncated and then fails to
/// decode (its length field no longer matches).
const RECEIVE_BUFFER_LEN: usize = 2048;

/// First retransmission interval (RFC 5389 RTO).
const INITIAL_RTO: Duration = Duration::from_millis(500);

const BINDING_REQUEST: u16 = 0x0001;
const BINDING_SUCCESS: u16 = 0x0101;
const BINDING_ERROR: u16 = 0x0111;

const ATTR_MAPPED_ADDRESS: u16 = 0x0001;
const ATTR_CHANGE_REQUEST: u16 = 0x0003;
const ATTR_CHANGED_ADDRESS: u16 = 0x0005;
const ATTR_ERROR_CODE: u16 = 0x0009;
const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;
const ATTR_OTHER_ADDRESS: u16 = 0x802C;

/// A STUN transaction id (96 bits).
pub type TransactionId = [u8; 12];

/// A fresh random transaction id.
pub fn new_transaction_id() -> TransactionId {
    rand::random()
}

/// A Binding request (header only, no attributes), as pion's
/// `stun.MustBuild(stun.TransactionID, stun.BindingRequest)` sends.
pub fn encode_binding_request(transaction_id: &TransactionId) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&BINDING_REQUEST.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    out.extend_from_slice(transaction_id);
    out
}

/// CHANGE-REQUEST flags: answer from the other IP address and port.
pub const CHANGE_IP_AND_PORT: u32 = 0x06;

/// A Binding request carrying CHANGE-REQUEST with `flags` (RFC 5780 §7.2),
/// as the filtering test sends it.
pub fn encode_change_request(transaction_id: &TransactionId, flags: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + 8);
    out.extend_from_slice(&BINDING_REQUEST.to_be_bytes());
    out.extend_from_slice(&8u16.to_be_bytes());
    out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    out.extend_from_slice(transaction_id);
    out.extend_from_slice(&ATTR_CHANGE_REQUEST.to_be_bytes());
    out.extend_from_slice(&4u16.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out
}

/// Why a datagram is not a usable Binding response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    /// Shorter than the 20-byte header.
    #[error("STUN message shorter than its header")]
    TooShort,
    /// The top two bits are set or the magic cookie is wrong.
    #[error("not a STUN message")]
    NotStun,
    /// The length field is not a multiple of 4 or does not match the
    /// datagram.
    #[error("STUN length field {declared} does not match the {actual} bytes after the header")]
    LengthMismatch {
        /// What the header says.
        declared: usize,
        /// What follows the header.
        actual: usize,
    },
    /// A message other than a Binding success or error response.
    #[error("unexpected STUN message type {0:#06x}")]
    UnexpectedType(u16),
    /// An attribute runs past the end of the message.
    #[error("truncated STUN attribute")]
    TruncatedAttribute,
    /// An address attribute with an unknown family or the wrong length.
    #[error("malformed address in STUN attribute {0:#06x}")]
    BadAddress(u16),
}

/// The parts of a Binding success response the mapping test uses. Only the
/// first of repeated attributes counts (RFC 5389 §15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingResponse {
    /// The transaction this answers.
    pub transaction_id: TransactionId,
    /// XOR-MAPPED-ADDRESS (RFC 5389).
    pub xor_mapped_address: Option<SocketAddr>,
    /// MAPPED-ADDRESS (RFC 3489 servers send only this).
    pub mapped_address: Option<SocketAddr>,
    /// OTHER-ADDRESS (RFC 5780): the server's alternate address.
    pub other_address: Option<SocketAddr>,
    /// CHANGED-ADDRESS (RFC 3489's name for the alternate address).
    pub changed_address: Option<SocketAddr>,
}

impl BindingResponse {
    /// Our address as the server saw it: XOR-MAPPED-ADDRESS, else
    /// MAPPED-ADDRESS.
    pub fn mapped(&self) -> Option<SocketAddr> {
        self.xor_mapped_address.or(self.mapped_address)
    }

    /// The server's alternate address: OTHER-ADDRESS, else CHANGED-ADDRESS.
    pub fn alternate(&self) -> Option<SocketAddr> {
        self.other_address.or(self.changed_address)
    }
}

/// A decoded Binding response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StunResponse {
    /// Binding success.
    Success(BindingResponse),
    /// Binding error response, with its ERROR-CODE number if present.
    Error {
        /// The transaction this answers.
        transaction_id: TransactionId,
        /// Class × 100 + number (e.g. 400, 420).
        code: Option<u16>,
    },
}

impl StunResponse {
    /// The transaction this answers.
    pub fn transaction_id(&self) -> &TransactionId {
        match self {
            StunResponse::Success(response) => &response.transaction_id,
            StunResponse::Error { transaction_id, .. } => transaction_id,
        }
    }
}

/// Reads a big-endian `u16` at `offset`.
fn be_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    let pair = bytes.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_be_bytes([*pair.first()?, *pair.get(1)?]))
}

/// Decodes an address attribute value (family, port, address), undoing
/// the XOR with the cookie and `xor_with` transaction id when given.
fn decode_address(
    kind: u16,
    value: &[u8],
    xor_with: Option<&TransactionId>,
) -> Result<SocketAddr, StunError> {
    let bad = || StunError::BadAddress(kind);
    let family = *value.get(1).ok_or_else(bad)?;
    let mut port = be_u16(value, 2).ok_or_else(bad)?;
    let address = value.get(4..).ok_or_else(bad)?;
    let mut key = [0u8; 16];
    if let Some(transaction_id) = xor_with {
        key[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        key[4..].copy_from_slice(transaction_id);
        // The port is XORed with the cookie's top 16 bits.
        port ^= u16::from_be_bytes([key[0], key[1]]);
    }
    let unmask = |masked: &[u8], out: &mut [u8]| {
        for ((out, byte), k) in out.iter_mut().zip(masked).zip(key) {
            *out = byte ^ k;
        }
    };
    let ip = match (family, address.len()) {
        (0x01, 4) => {
            let mut octets = [0u8; 4];
            unmask(address, &mut octets);
            IpAddr::V4(Ipv4Addr::from(octets))
        }
        (0x02, 16) => {
            let mut octets = [0u8; 16];
            unmask(address, &mut octets);
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return Err(bad()),
    };
    Ok(SocketAddr::new(ip, port))
}

/// Decodes a Binding success or error response. Unknown attributes
/// (comprehension-optional or not: we only read) are skipped; malformed
/// known ones make the whole message an error.
pub fn decode_binding_response(packet: &[u8]) -> Result<StunResponse, StunError> {
    let header = packet.get(..HEADER_LEN).ok_or(StunError::TooShort)?;
    let message_type = be_u16(header, 0).ok_or(StunError::TooShort)?;
    let declared = usize::from(be_u16(header, 2).ok_or(StunError::TooShort)?);
    let cookie = header
        .get(4..8)
        .and_then(|c| <[u8; 4]>::try_from(c).ok())
        .map(u32::from_be_bytes)
        .ok_or(StunError::TooShort)?;
    if message_type & 0xC000 != 0 || cookie != MAGIC_COOKIE {
        return Err(StunError::NotStun);
    }
    let mut transaction_id = [0u8; 12];
    transaction_id.copy_from_slice(header.get(8..HEADER_LEN).ok_or(StunError::TooShort)?);
    let body = packet.get(HEADER_LEN..).unwrap_or_default();
    if declared % 4 != 0 || declared != body.len() {
        return Err(StunError::LengthMismatch {
            declared,
            actual: body.len(),
        });
    }
    if message_type != BINDING_SUCCESS && message_type != BINDING_ERROR {
        return Err(StunError::UnexpectedType(message_type));
    }

    let mut response = BindingResponse {
        transaction_id,
        xor_mapped_address: None,
        mapped_address: None,
        other_address: None,
        changed_address: None,
    };
    let mut error_code = None;
    let mut rest = body;
    while !rest.is_empty() {
        let kind = be_u16(rest, 0).ok_or(StunError::TruncatedAttribute)?;
        let value_len = usize::from(be_u16(rest, 2).ok_or(StunError::TruncatedAttribute)?);
        // At most 4 + 65535 + 3: no overflow.
        let value_end = 4 + value_len;
        let padded_end = 4 + value_len.div_ceil(4) * 4;
        let value = rest
            .get(4..value_end)
            .ok_or(StunError::TruncatedAttribute)?;
        rest = rest
            .get(padded_end..)
            .ok_or(StunError::TruncatedAttribute)?;
        let slot = match kind {
            ATTR_XOR_MAPPED_ADDRESS => &mut response.xor_mapped_address,
            ATTR_MAPPED_ADDRESS => &mut response.mapped_address,
            ATTR_OTHER_ADDRESS => &mut response.other_address,
            ATTR_CHANGED_ADDRESS => &mut response.changed_address,
            ATTR_ERROR_CODE => {
                // Reserved (21 bits), class (3 bits), number (8 bits).
                if error_code.is_none() {
                    let class = value.get(2).map(|c| u16::from(c & 0x07));
                    let number = value.get(3).map(|n| u16::from(*n));
                    if let (Some(class), Some(number)) = (class, number) {
                        error_code = Some(class * 100 + number);
                    }
                }
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            let xor_with = (kind == ATTR_XOR_MAPPED_ADDRESS).then_some(&transaction_id);
            *slot = Some(decode_address(kind, value, xor_with)?);
        }
    }
    if message_type == BINDING_ERROR {
        return Ok(StunResponse::Error {
            transaction_id,
            code: error_code,
        });
    }
    Ok(StunResponse::Success(response))
}

/// Why a mapping test against one server gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingTestError {
    /// The server answered with a Binding error.
    #[error("STUN error response (code {0:?})")]
    ErrorResponse(Option<u16>),
    /// A success response without (XOR-)MAPPED-ADDRESS.
    #[error("STUN response without a mapped address")]
    NoMappedAddress,
    /// The server does not support NAT discovery: no OTHER-ADDRESS (or
    /// CHANGED-ADDRESS), or one equal to the address we asked.
    #[error("STUN server gives no alternate address (NAT discovery not supported)")]
    NoOtherAddress,
    /// The test is already over.
    #[error("mapping test already finished")]
    Finished,
}

/// What a datagram did to a [`MappingTest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingProgress {
    /// Not a response to the current request (undecodable, or another
    /// transaction); keep waiting.
    Ignored,
    /// The first round trip is done; send [`MappingTest::request`] next.
    NextRequest,
    /// The test is complete.
    Done(NatType),
}

#[derive(Debug, Clone)]
enum MappingState {
    /// Waiting for the answer from the primary address.
    Primary {
        transaction_id: TransactionId,
    },
    /// Waiting for the answer from the alternate address.
    Alternate {
        transaction_id: TransactionId,
        first_mapping: SocketAddr,
        alternate: SocketAddr,
    },
    /// Same mapping: waiting for an answer sent from the server's other
    /// address (none means our NAT filters).
    Filtering {
        transaction_id: TransactionId,
    },
    Finished,
}

/// The RFC 5780 mapping test, then (after an endpoint-independent
/// mapping) the filtering test, against one server, as a state machine
/// over datagrams: send [`request`](MappingTest::request), feed every
/// datagram received on the same socket to
/// [`handle_datagram`](MappingTest::handle_datagram), repeat after
/// [`MappingProgress::NextRequest`]. Retransmitting and timing out are the
/// driver's business; when a request gets no answer in time, the driver
/// asks [`timed_out`](MappingTest::timed_out), which concludes the
/// filtering test (`moderate`) and fails the others.
#[derive(Debug, Clone)]
pub struct MappingTest {
    primary: SocketAddr,
    state: MappingState,
}

impl MappingTest {
    /// A test against the server at `primary`.
    pub fn new(primary: SocketAddr) -> Self {
        MappingTest {
            primary,
            state: MappingState::Primary {
                transaction_id: new_transaction_id(),
            },
        }
    }

    /// Where to send the current request and its bytes (the same bytes for
    /// each retransmission); `None` once finished.
    pub fn request(&self) -> Option<(SocketAddr, Vec<u8>)> {
        match &self.state {
            MappingState::Primary { transaction_id } => {
                Some((self.primary, encode_binding_request(transaction_id)))
            }
            MappingState::Alternate {
                transaction_id,
                alternate,
                ..
            } => Some((*alternate, encode_binding_request(transaction_id))),
            MappingState::Filtering { transaction_id } => Some((
                self.primary,
                encode_change_request(transaction_id, CHANGE_IP_AND_PORT),
            )),
            MappingState::Finished => None,
        }
    }

    /// The current request got no answer in time: in the filtering test
    /// that is the answer (`moderate`: our NAT drops packets from an
    /// address we did not send to); otherwise the test failed (`None`).
    /// Either way the test is over.
    pub fn timed_out(&mut self) -> Option<NatType> {
        let state = std::mem::replace(&mut self.state, MappingState::Finished);
        match state {
            MappingState::Filtering { .. } => Some(NatType::Moderate),
            _ => None,
        }
    }

    /// Handles one received datagram.
    pub fn handle_datagram(
        &mut self,
        datagram: &[u8],
    ) -> Result<MappingProgress, MappingTestError> {
        let expected = match &self.state {
            MappingState::Primary { transaction_id }
            | MappingState::Alternate { transaction_id, .. }
            | MappingState::Filtering { transaction_id } => *transaction_id,
            MappingState::Finished => return Err(MappingTestError::Finished),
        };
        let response = match decode_binding_response(datagram) {
            Ok(response) if *response.transaction_id() == expected => response,
            Ok(_) => return Ok(MappingProgress::Ignored),
            Err(error) => {
                tracing::debug!(%error, "ignoring undecodable STUN datagram");
                return Ok(MappingProgress::Ignored);
            }
        };
        let outcome = self.advance(response);
        if !matches!(outcome, Ok(MappingProgress::NextRequest)) {
            self.state = MappingState::Finished;
        }
        outcome
    }

    fn advance(&mut self, response: StunResponse) -> Result<MappingProgress, MappingTestError> {
        let response = match response {
            StunResponse::Success(response) => response,
            StunResponse::Error { code, .. } => {
                return Err(MappingTestError::ErrorResponse(code));
            }
        };
        if let MappingState::Filtering { .. } = self.state {
            // An answer from the other address got through.
            return Ok(MappingProgress::Done(NatType::Open));
        }
        let mapping = response.mapped().ok_or(MappingTestError::NoMappedAddress)?;
        match self.state {
            MappingState::Primary { .. } => {
                let alternate = response
                    .alternate()
                    .filter(|alternate| *alternate != self.primary)
                    .ok_or(MappingTestError::NoOtherAddress)?;
                self.state = MappingState::Alternate {
                    transaction_id: new_transaction_id(),
                    first_mapping: mapping,
                    alternate,
                };
                Ok(MappingProgress::NextRequest)
            }
            MappingState::Alternate { first_mapping, .. } => {
                if mapping_is_endpoint_independent(first_mapping, mapping) {
                    self.state = MappingState::Filtering {
                        transaction_id: new_transaction_id(),
                    };
                    Ok(MappingProgress::NextRequest)
                } else {
                    Ok(MappingProgress::Done(NatType::Strict))
                }
            }
            MappingState::Filtering { .. } | MappingState::Finished => {
                Err(MappingTestError::Finished)
            }
        }
    }
}

/// Whether two mappings of one socket (toward the server's primary and
/// alternate addresses) show endpoint-independent mapping: they are the
/// same.
pub fn mapping_is_endpoint_independent(
    toward_primary: SocketAddr,
    toward_alternate: SocketAddr,
) -> bool {
    toward_primary == toward_alternate
}

/// The `host` and port of a `stun:` URL (`stun:host`, `stun:host:port`,
/// `stun:[v6]:port`; scheme case-insensitive; port 3478 by default). Other
/// schemes (`stuns:`, `turn:`, …) and malformed URLs give `None`.
pub fn parse_stun_url(url: &str) -> Option<(String, u16)> {
    let scheme = url.get(..5)?;
    if !scheme.eq_ignore_ascii_case("stun:") {
        return None;
    }
    let rest = url.get(5..)?;
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
    if !host_ok {
        return None;
    }
    let port = match port {
        None => DEFAULT_STUN_PORT,
        Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse::<u16>().ok().filter(|&p| p != 0)?
        }
        Some(_) => return None,
    };
    Some((host.to_string(), port))
}

/// Why the check against one server failed (logged; the result is then
/// the next server's, or `unknown`).
#[derive(Debug, thiserror::Error)]
enum NatCheckError {
    #[error("resolving: {0}")]
    Resolve(std::io::Error),
    #[error("no address")]
    NoAddress,
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Test(#[from] MappingTestError),
}

/// Finds our NAT type (`open`, `moderate` or `strict`) with the mapping
/// and filtering tests against each `stun:` server of `stun_urls` in turn
/// (other URLs are skipped), stopping at the first that completes them.
/// Each round trip may take `per_try_timeout` (Go: 10 s), retransmissions
/// included; the filtering test's request is expected to go unanswered
/// behind a filtering NAT, so a `moderate` result takes that long. If no
/// server works, `unknown`.
///
/// The caller shuffles the list if it wants Go's behaviour (§8.4).
pub async fn detect_nat_type(stun_urls: &[String], per_try_timeout: Duration) -> NatType {
    detect_nat_type_via(&NatCheckRoute::Direct, stun_urls, per_try_timeout).await
}

/// How the NAT check's datagrams leave the machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NatCheckRoute {
    /// From a UDP socket of our own.
    #[default]
    Direct,
    /// Through an upstream SOCKS5 proxy's UDP relay, as WebRTC's datagrams
    /// then go: the check measures the relay's NAT, as upstream's does.
    /// STUN host names are resolved by the proxy, not here.
    Proxy(UpstreamProxy),
}

/// [`detect_nat_type`] with the datagrams sent along `route`.
pub async fn detect_nat_type_via(
    route: &NatCheckRoute,
    stun_urls: &[String],
    per_try_timeout: Duration,
) -> NatType {
    for url in stun_urls {
        let Some((host, port)) = parse_stun_url(url) else {
            tracing::debug!(url = %url, "NAT check: not a stun: URL, skipped");
            continue;
        };
        let checked = match route {
            NatCheckRoute::Direct => check_server(&host, port, per_try_timeout).await,
            NatCheckRoute::Proxy(proxy) => {
                check_server_via_proxy(proxy, &host, port, per_try_timeout).await
            }
        };
        match checked {
            Ok(nat) => {
                tracing::info!(server = %url, nat = %nat, "NAT type detected");
                return nat;
            }
            Err(error) => {
                tracing::warn!(server = %url, %error, "NAT check failed");
            }
        }
    }
    NatType::Unknown
}

/// The mapping and filtering tests against one server.
async fn check_server(
    host: &str,
    port: u16,
    per_try_timeout: Duration,
) -> Result<NatType, NatCheckError> {
    let addresses: Vec<SocketAddr> =
        tokio::time::timeout(per_try_timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| NatCheckError::Timeout(per_try_timeout))?
            .map_err(NatCheckError::Resolve)?
            .collect();
    // Go resolves with "udp4"; prefer IPv4, take IPv6 only if that is all.
    let server = addresses
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .ok_or(NatCheckError::NoAddress)?;
    let local_ip = match (server.ip().is_loopback(), server.ip()) {
        (true, ip) => ip,
        (false, IpAddr::V4(_)) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (false, IpAddr::V6(_)) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let socket = StunSocket::Direct(UdpSocket::bind(SocketAddr::new(local_ip, 0)).await?);
    run_mapping_test(&socket, server, per_try_timeout).await
}

/// The tests against one server through `proxy`'s UDP relay. A server
/// given by name is found by a first Binding request sent to the name
/// (the proxy resolves it): the relay reports the address it answered
/// from.
async fn check_server_via_proxy(
    proxy: &UpstreamProxy,
    host: &str,
    port: u16,
    per_try_timeout: Duration,
) -> Result<NatType, NatCheckError> {
    let socket = StunSocket::Relayed(UdpAssociation::open(proxy).await?);
    let server = match TargetAddr::from_host_port(host, port) {
        TargetAddr::Ip(server) => server,
        named => locate_server(&socket, &named, per_try_timeout).await?,
    };
    run_mapping_test(&socket, server, per_try_timeout).await
}

/// The datagram socket of a check: ours, or a relay's.
enum StunSocket {
    Direct(UdpSocket),
    Relayed(UdpAssociation),
}

impl StunSocket {
    async fn send_to(&self, datagram: &[u8], destination: &TargetAddr) -> std::io::Result<()> {
        match (self, destination) {
            (StunSocket::Direct(socket), TargetAddr::Ip(addr)) => {
                socket.send_to(datagram, addr).await?;
            }
            (StunSocket::Direct(_), TargetAddr::Domain(..)) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a direct NAT check sends to addresses only",
                ))
            }
            (StunSocket::Relayed(association), destination) => {
                association.send_to(datagram, destination).await?;
            }
        }
        Ok(())
    }

    /// A datagram and its source (if the relay named it by address).
    async fn recv_from(&self, buffer: &mut [u8]) -> std::io::Result<(usize, Option<SocketAddr>)> {
        match self {
            StunSocket::Direct(socket) => {
                let (len, from) = socket.recv_from(buffer).await?;
                Ok((len, Some(from)))
            }
            StunSocket::Relayed(association) => {
                let (len, from) = association.recv_from(buffer).await?;
                Ok((
                    len,
                    match from {
                        TargetAddr::Ip(addr) => Some(addr),
                        TargetAddr::Domain(..) => None,
                    },
                ))
            }
        }
    }
}

/// Sends a Binding request to the server named `server` until a response
/// comes (retransmitting as [`round_trip`] does); the address it came
/// from.
async fn locate_server(
    socket: &StunSocket,
    server: &TargetAddr,
    timeout: Duration,
) -> Result<SocketAddr, NatCheckError> {
    let transaction_id = new_transaction_id();
    let request = encode_binding_request(&transaction_id);
    let deadline = Instant::now() + timeout;
    let mut rto = INITIAL_RTO;
    let mut buffer = vec![0u8; RECEIVE_BUFFER_LEN];
    loop {
        socket.send_to(&request, server).await?;
        let resend_at = (Instant::now() + rto).min(deadline);
        loop {
            match tokio::time::timeout_at(resend_at, socket.recv_from(&mut buffer)).await {
                Err(_) => break,
                Ok(Err(error)) => return Err(error.into()),
                Ok(Ok((len, from))) => {
                    let datagram = buffer.get(..len).unwrap_or_default();
                    match (decode_binding_response(datagram), from) {
                        (Ok(response), Some(from))
                            if *response.transaction_id() == transaction_id =>
                        {
                            return Ok(from)
                        }
                        _ => {}
                    }
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(NatCheckError::Timeout(timeout));
        }
        rto = rto.saturating_mul(2);
    }
}

/// The mapping and filtering tests against `server` on `socket`.
async fn run_mapping_test(
    socket: &StunSocket,
    server: SocketAddr,
    per_try_timeout: Duration,
) -> Result<NatType, NatCheckError> {
    let mut test = MappingTest::new(server);
    loop {
        match round_trip(socket, &mut test, per_try_timeout).await {
            Ok(MappingProgress::Done(nat)) => return Ok(nat),
            Ok(MappingProgress::NextRequest | MappingProgress::Ignored) => {}
            Err(NatCheckError::Timeout(timeout)) => {
                return test.timed_out().ok_or(NatCheckError::Timeout(timeout));
            }
            Err(error) => return Err(error),
        }
    }
}

/// Sends the test's current request (retransmitting at 0.5, 1.5, 3.5 … s)
/// until a datagram advances the test or `timeout` passes.
async fn round_trip(
    socket: &StunSocket,
    test: &mut MappingTest,
    timeout: Duration,
) -> Result<MappingProgress, NatCheckError> {
    let (destination, request) = test.request().ok_or(MappingTestError::Finished)?;
    let deadline = Instant::now() + timeout;
    let mut rto = INITIAL_RTO;
    let mut buffer = vec![0u8; RECEIVE_BUFFER_LEN];
    loop {
        socket
            .send_to(&request, &TargetAddr::Ip(destination))
            .await?;
        let resend_at = (Instant::now() + rto).min(deadline);
        loop {
            match tokio::time::timeout_at(resend_at, socket.recv_from(&mut buffer)).await {
                Err(_) => break,
                Ok(Err(error)) => return Err(error.into()),
                Ok(Ok((len, _from))) => {
                    let datagram = buffer.get(..len).unwrap_or_default();
                    match test.handle_datagram(datagram)? {
                        MappingProgress::Ignored => {}
                        progress => return Ok(progress),
                    }
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(NatCheckError::Timeout(timeout));
        }
        rto = rto.saturating_mul(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5769 §2.2: sample IPv4 Binding success response (SOFTWARE,
    /// XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT).
    const RFC5769_IPV4_RESPONSE: [u8; 80] = [
        0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76,
        0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1,
        0x12, 0xa6, 0x43, 0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
        0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00,
        0x04, 0xc0, 0x7d, 0x4c, 0x96,
    ];

    /// RFC 5769 §2.3: the IPv6 sample, XOR-MAPPED-ADDRESS
    /// [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    const RFC5769_IPV6_RESPONSE: [u8; 92] = [
        0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76,
        0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01,
        0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
        0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9,
        0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb,
        0x0b, 0x4c,
    ];

    const RFC5769_TRANSACTION_ID: TransactionId = [
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ];

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    /// Builds a response of `message_type` with the given raw attributes.
    fn message(
        message_type: u16,
        transaction_id: &TransactionId,
        attributes: &[(u16, Vec<u8>)],
    ) -> Vec<u8> {
        let mut body = Vec::new();
        for (kind, value) in attributes {
            body.extend_from_slice(&kind.to_be_bytes());
            body.extend_from_slice(&(value.len() as u16).to_be_bytes());
            body.extend_from_slice(value);
            body.resize(body.len().div_ceil(4) * 4, 0);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&message_type.to_be_bytes());
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(transaction_id);
        out.extend_from_slice(&body);
        out
    }

    /// A plain (not XORed) address attribute value.
    fn plain_address(address: SocketAddr) -> Vec<u8> {
        let mut value = vec![0];
        match address.ip() {
            IpAddr::V4(ip) => {
                value.push(1);
                value.extend_from_slice(&address.port().to_be_bytes());
                value.extend_from_slice(&ip.octets());
            }
            IpAddr::V6(ip) => {
                value.push(2);
                value.extend_from_slice(&address.port().to_be_bytes());
                value.extend_from_slice(&ip.octets());
            }
        }
        value
    }

    /// An XOR-MAPPED-ADDRESS value.
    fn xor_address(address: SocketAddr, transaction_id: &TransactionId) -> Vec<u8> {
        let mut value = plain_address(address);
        let mut key = MAGIC_COOKIE.to_be_bytes().to_vec();
        key.extend_from_slice(transaction_id);
        value[2] ^= key[0];
        value[3] ^= key[1];
        for (byte, k) in value[4..].iter_mut().zip(key) {
            *byte ^= k;
        }
        value
    }

    fn success(
        transaction_id: &TransactionId,
        mapped: SocketAddr,
        other: Option<SocketAddr>,
    ) -> Vec<u8> {
        let mut attributes = vec![(ATTR_XOR_MAPPED_ADDRESS, xor_address(mapped, transaction_id))];
        if let Some(other) = other {
            attributes.push((ATTR_OTHER_ADDRESS, plain_address(other)));
        }
        message(BINDING_SUCCESS, transaction_id, &attributes)
    }

    fn current_transaction(test: &MappingTest) -> TransactionId {
        let (_, request) = test.request().unwrap();
        request[8..20].try_into().unwrap()
    }

    #[test]
    fn binding_request_bytes() {
        let id = [0x11; 12];
        let request = encode_binding_request(&id);
        assert_eq!(
            request[..8],
            [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]
        );
        assert_eq!(request[8..], id);
        assert_ne!(new_transaction_id(), new_transaction_id());
    }

    #[test]
    fn rfc5769_vectors() {
        let StunResponse::Success(v4) = decode_binding_response(&RFC5769_IPV4_RESPONSE).unwrap()
        else {
            panic!("not a success response");
        };
        assert_eq!(v4.transaction_id, RFC5769_TRANSACTION_ID);
        assert_eq!(v4.mapped(), Some(addr("192.0.2.1:32853")));
        assert_eq!(v4.alternate(), None);
        let StunResponse::Success(v6) = decode_binding_response(&RFC5769_IPV6_RESPONSE).unwrap()
        else {
            panic!("not a success response");
        };
        assert_eq!(
            v6.xor_mapped_address,
            Some(addr("[2001:db8:1234:5678:11:2233:4455:6677]:32853"))
        );
    }

    #[test]
    fn all_address_attributes() {
        let id = [3; 12];
        let packet = message(
            BINDING_SUCCESS,
            &id,
            &[
                (0x8022, b"software".to_vec()),
                (
                    ATTR_MAPPED_ADDRESS,
                    plain_address(addr("198.51.100.1:1000")),
                ),
                (
                    ATTR_CHANGED_ADDRESS,
                    plain_address(addr("203.0.113.9:3479")),
                ),
                (
                    ATTR_OTHER_ADDRESS,
                    plain_address(addr("[2001:db8::9]:3479")),
                ),
                // Only the first of a repeated attribute counts.
                (
                    ATTR_MAPPED_ADDRESS,
                    plain_address(addr("198.51.100.2:2000")),
                ),
            ],
        );
        let StunResponse::Success(response) = decode_binding_response(&packet).unwrap() else {
            panic!("not a success response");
        };
        assert_eq!(response.xor_mapped_address, None);
        assert_eq!(response.mapped(), Some(addr("198.51.100.1:1000")));
        assert_eq!(response.changed_address, Some(addr("203.0.113.9:3479")));
        // OTHER-ADDRESS wins over CHANGED-ADDRESS.
        assert_eq!(response.alternate(), Some(addr("[2001:db8::9]:3479")));

        // XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS; legacy CHANGED-ADDRESS
        // is the alternate when there is no OTHER-ADDRESS.
        let packet = message(
            BINDING_SUCCESS,
            &id,
            &[
                (ATTR_MAPPED_ADDRESS, plain_address(addr("10.0.0.1:1"))),
                (
                    ATTR_XOR_MAPPED_ADDRESS,
                    xor_address(addr("198.51.100.7:4000"), &id),
                ),
                (
                    ATTR_CHANGED_ADDRESS,
                    plain_address(addr("203.0.113.9:3479")),
                ),
            ],
        );
        let StunResponse::Success(response) = decode_binding_response(&packet).unwrap() else {
            panic!("not a success response");
        };
        assert_eq!(response.mapped(), Some(addr("198.51.100.7:4000")));
        assert_eq!(response.alternate(), Some(addr("203.0.113.9:3479")));
    }

    #[test]
    fn error_responses() {
        let id = [4; 12];
        let packet = message(BINDING_ERROR, &id, &[(ATTR_ERROR_CODE, vec![0, 0, 4, 20])]);
        assert_eq!(
            decode_binding_response(&packet),
            Ok(StunResponse::Error {
                transaction_id: id,
                code: Some(420)
            })
        );
        let packet = message(BINDING_ERROR, &id, &[(ATTR_ERROR_CODE, vec![0])]);
        assert_eq!(
            decode_binding_response(&packet),
            Ok(StunResponse::Error {
                transaction_id: id,
                code: None
            })
        );
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let good = success(&[5; 12], addr("192.0.2.1:1"), Some(addr("192.0.2.2:2")));
        // Every truncation of a valid message.
        for len in 0..good.len() {
            assert!(decode_binding_response(&good[..len]).is_err(), "{len}");
        }
        // Trailing garbage.
        let mut longer = good.clone();
        longer.extend_from_slice(&[0; 4]);
        assert!(matches!(
            decode_binding_response(&longer),
            Err(StunError::LengthMismatch { .. })
        ));
        // Bad cookie, top bits set, a request instead of a response.
        let mut bad_cookie = good.clone();
        bad_cookie[4] ^= 1;
        assert_eq!(
            decode_binding_response(&bad_cookie),
            Err(StunError::NotStun)
        );
        let mut top_bits = good.clone();
        top_bits[0] |= 0x80;
        assert_eq!(decode_binding_response(&top_bits), Err(StunError::NotStun));
        assert_eq!(
            decode_binding_response(&encode_binding_request(&[0; 12])),
            Err(StunError::UnexpectedType(BINDING_REQUEST))
        );
        // An attribute claiming more bytes than there are.
        let mut overlong = message(BINDING_SUCCESS, &[6; 12], &[(0x8022, vec![1, 2, 3, 4])]);
        overlong[22] = 0xff;
        assert_eq!(
            decode_binding_response(&overlong),
            Err(StunError::TruncatedAttribute)
        );
        // Address attributes with a bad family or length.
        for value in [
            vec![0, 3, 0, 1, 1, 2, 3, 4],
            vec![0, 1, 0, 1, 1, 2, 3],
            vec![0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8],
            vec![0, 2, 0, 1, 1, 2, 3, 4],
            vec![0],
            vec![],
        ] {
            for kind in [
                ATTR_MAPPED_ADDRESS,
                ATTR_XOR_MAPPED_ADDRESS,
                ATTR_OTHER_ADDRESS,
                ATTR_CHANGED_ADDRESS,
            ] {
                let packet = message(BINDING_SUCCESS, &[7; 12], &[(kind, value.clone())]);
                assert_eq!(
                    decode_binding_response(&packet),
                    Err(StunError::BadAddress(kind)),
                    "{kind:#x} {value:?}"
                );
            }
        }
    }

    #[test]
    fn pseudo_random_garbage_never_panics() {
        // A simple deterministic generator; many inputs start with a valid
        // header so the attribute parser sees garbage too.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let len = (next() % 120) as usize;
            let mut packet: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if round % 2 == 0 && packet.len() >= HEADER_LEN {
                let body_len = (packet.len() - HEADER_LEN) as u16;
                packet[..2].copy_from_slice(&BINDING_SUCCESS.to_be_bytes());
                packet[2..4].copy_from_slice(&body_len.to_be_bytes());
                packet[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            }
            let _ = decode_binding_response(&packet);
            let mut test = MappingTest::new(addr("192.0.2.1:3478"));
            let _ = test.handle_datagram(&packet);
        }
    }

    #[test]
    fn change_request_bytes() {
        let id = [7u8; 12];
        let bytes = encode_change_request(&id, CHANGE_IP_AND_PORT);
        assert_eq!(bytes.len(), 28);
        assert_eq!(&bytes[..4], &[0x00, 0x01, 0x00, 0x08]);
        assert_eq!(&bytes[8..20], &id);
        assert_eq!(&bytes[20..], &[0x00, 0x03, 0x00, 0x04, 0, 0, 0, 6]);
    }

    /// Runs the mapping test to its end with `second_mapping` from the
    /// alternate address; returns the test and the progress of that step.
    fn after_mapping(second_mapping: SocketAddr) -> (MappingTest, MappingProgress) {
        let primary = addr("192.0.2.1:3478");
        let alternate = addr("192.0.2.2:3479");
        let ours = addr("198.51.100.1:40000");
        let mut test = MappingTest::new(primary);
        let id = current_transaction(&test);
        test.handle_datagram(&success(&id, ours, Some(alternate)))
            .unwrap();
        let id = current_transaction(&test);
        let progress = test
            .handle_datagram(&success(&id, second_mapping, Some(primary)))
            .unwrap();
        (test, progress)
    }

    #[test]
    fn filtering_test_open_and_moderate() {
        let primary = addr("192.0.2.1:3478");
        let ours = addr("198.51.100.1:40000");
        // Same mapping: the filtering request goes to the primary address
        // and asks for an answer from the other IP and port.
        let (mut test, progress) = after_mapping(ours);
        assert_eq!(progress, MappingProgress::NextRequest);
        let (destination, bytes) = test.request().unwrap();
        assert_eq!(destination, primary);
        let id = current_transaction(&test);
        assert_eq!(bytes, encode_change_request(&id, CHANGE_IP_AND_PORT));
        // An answer (from wherever it comes): open.
        let answer = success(&id, ours, None);
        assert_eq!(
            test.handle_datagram(&answer),
            Ok(MappingProgress::Done(NatType::Open))
        );
        assert_eq!(test.request(), None);

        // No answer in time: moderate.
        let (mut test, _) = after_mapping(ours);
        assert_eq!(test.timed_out(), Some(NatType::Moderate));
        assert_eq!(test.request(), None);

        // A timeout anywhere else is a failure.
        let mut test = MappingTest::new(primary);
        assert_eq!(test.timed_out(), None);
        // An error response to the filtering request is a failure too.
        let (mut test, _) = after_mapping(ours);
        let id = current_transaction(&test);
        let error = message(BINDING_ERROR, &id, &[(ATTR_ERROR_CODE, vec![0, 0, 4, 20])]);
        assert_eq!(
            test.handle_datagram(&error),
            Err(MappingTestError::ErrorResponse(Some(420)))
        );
        assert_eq!(test.request(), None);
    }

    #[test]
    fn mapping_test_open_and_strict() {
        let primary = addr("192.0.2.1:3478");
        let alternate = addr("192.0.2.2:3479");
        let ours = addr("198.51.100.1:40000");
        for (second_mapping, expected) in [
            (ours, MappingProgress::NextRequest),
            (
                addr("198.51.100.1:40001"),
                MappingProgress::Done(NatType::Strict),
            ),
        ] {
            let mut test = MappingTest::new(primary);
            let (destination, _) = test.request().unwrap();
            assert_eq!(destination, primary);
            let first_id = current_transaction(&test);

            // A response to another transaction and garbage are ignored.
            let stray = success(&[9; 12], ours, Some(alternate));
            assert_eq!(test.handle_datagram(&stray), Ok(MappingProgress::Ignored));
            assert_eq!(
                test.handle_datagram(b"garbage"),
                Ok(MappingProgress::Ignored)
            );

            let first = success(&first_id, ours, Some(alternate));
            assert_eq!(
                test.handle_datagram(&first),
                Ok(MappingProgress::NextRequest)
            );
            let (destination, _) = test.request().unwrap();
            assert_eq!(destination, alternate);
            let second_id = current_transaction(&test);
            assert_ne!(second_id, first_id, "a new transaction for the second test");
            // A late duplicate of the first response does not count.
            assert_eq!(test.handle_datagram(&first), Ok(MappingProgress::Ignored));

            let second = success(&second_id, second_mapping, Some(primary));
            assert_eq!(test.handle_datagram(&second), Ok(expected));
            if expected == MappingProgress::NextRequest {
                // The filtering test follows (see filtering_test_open_and_moderate).
                assert_eq!(test.request().map(|r| r.0), Some(primary));
                assert_eq!(test.handle_datagram(&second), Ok(MappingProgress::Ignored));
            } else {
                assert_eq!(test.request(), None);
                assert_eq!(
                    test.handle_datagram(&second),
                    Err(MappingTestError::Finished)
                );
            }
        }
    }

    #[test]
    fn mapping_test_failures() {
        let primary = addr("192.0.2.1:3478");
        let ours = addr("198.51.100.1:40000");

        let mut test = MappingTest::new(primary);
        let id = current_transaction(&test);
        assert_eq!(
            test.handle_datagram(&success(&id, ours, None)),
            Err(MappingTestError::NoOtherAddress)
        );
        assert_eq!(test.request(), None);

        // An alternate address equal to the primary proves nothing.
        let mut test = MappingTest::new(primary);
        let id = current_transaction(&test);
        assert_eq!(
            test.handle_datagram(&success(&id, ours, Some(primary))),
            Err(MappingTestError::NoOtherAddress)
        );

        let mut test = MappingTest::new(primary);
        let id = current_transaction(&test);
        let no_mapping = message(
            BINDING_SUCCESS,
            &id,
            &[(ATTR_OTHER_ADDRESS, plain_address(addr("192.0.2.2:1")))],
        );
        assert_eq!(
            test.handle_datagram(&no_mapping),
            Err(MappingTestError::NoMappedAddress)
        );

        let mut test = MappingTest::new(primary);
        let id = current_transaction(&test);
        let error = message(BINDING_ERROR, &id, &[(ATTR_ERROR_CODE, vec![0, 0, 5, 0])]);
        assert_eq!(
            test.handle_datagram(&error),
            Err(MappingTestError::ErrorResponse(Some(500)))
        );
    }

    #[test]
    fn stun_urls() {
        let parsed = |url: &str| parse_stun_url(url);
        assert_eq!(
            parsed("stun:stun.example.net:3478"),
            Some(("stun.example.net".into(), 3478))
        );
        assert_eq!(
            parsed("stun:stun.example.net"),
            Some(("stun.example.net".into(), DEFAULT_STUN_PORT))
        );
        assert_eq!(
            parsed("STUN:127.0.0.1:19302"),
            Some(("127.0.0.1".into(), 19302))
        );
        assert_eq!(parsed("stun:[::1]:9"), Some(("::1".into(), 9)));
        assert_eq!(
            parsed("stun:[::1]"),
            Some(("::1".into(), DEFAULT_STUN_PORT))
        );
        for bad in [
            "",
            "stun:",
            "stuns:stun.example.net:5349",
            "turn:turn.example.net:3478",
            "stun.example.net:3478",
            "stun:host:",
            "stun:host:0",
            "stun:host:65536",
            "stun:host:-1",
            "stun:host:34a",
            "stun:[::1",
            "stun:[::1]x",
            "stun:[nonsense]:1",
            "stun:host name:1",
            "stun://host:1",
            "stun:user@host:1",
            "stun:host:1:2",
        ] {
            assert_eq!(parsed(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn same_mapping_is_endpoint_independent() {
        let a = addr("198.51.100.1:1");
        assert!(mapping_is_endpoint_independent(a, a));
        assert!(!mapping_is_endpoint_independent(a, addr("198.51.100.2:1")));
        assert!(!mapping_is_endpoint_independent(a, addr("198.51.100.1:2")));
    }
}
