//! What a DTLS handshake looks like on the wire, read back from captured
//! UDP datagrams.
//!
//! This module is a passive, sans-IO dissector written for tests that check
//! our WebRTC DTLS against the browser fixtures under
//! `fixtures/fingerprints/`: it splits UDP payloads into DTLS records (the
//! 13-byte DTLS 1.0/1.2 header; DTLS 1.3 unified-header records are only
//! counted, since their content is encrypted), puts handshake fragments back
//! together per direction and message sequence number, and summarises the
//! ClientHello, the server's first flight, the server certificate and the
//! explicit nonces of AES-GCM records. It also computes the DTLS form of
//! JA4 the same way `scripts/browser-fingerprints/fpcommon.py` does, so the
//! values can be compared with the fixtures field by field. It decrypts
//! nothing and never sends anything; every length read from the wire is
//! checked against the bytes present, and malformed input yields a
//! [`WireError`].
//!
//! Typical use: `let hs = Handshake::first(&pcap::read_udp_datagrams(path)?)?;`
//! then look at `hs.client_hello`, `hs.server_flight`,
//! `hs.server_certificate()` and `hs.explicit_nonces()`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::pcap::UdpDatagram;

/// Record content types.
pub mod content_type {
    /// change_cipher_spec
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert
    pub const ALERT: u8 = 21;
    /// handshake
    pub const HANDSHAKE: u8 = 22;
    /// application_data
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat
    pub const HEARTBEAT: u8 = 24;
    /// tls12_cid
    pub const TLS12_CID: u8 = 25;
    /// ack (DTLS 1.3)
    pub const ACK: u8 = 26;
}

/// Handshake message types.
pub mod handshake_type {
    /// client_hello
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello
    pub const SERVER_HELLO: u8 = 2;
    /// hello_verify_request
    pub const HELLO_VERIFY_REQUEST: u8 = 3;
    /// certificate
    pub const CERTIFICATE: u8 = 11;
    /// server_key_exchange
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// certificate_request
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// server_hello_done
    pub const SERVER_HELLO_DONE: u8 = 14;
}

/// Protocol version code points.
pub mod version {
    /// TLS 1.2
    pub const TLS12: u16 = 0x0303;
    /// TLS 1.3
    pub const TLS13: u16 = 0x0304;
    /// DTLS 1.0
    pub const DTLS10: u16 = 0xfeff;
    /// DTLS 1.2
    pub const DTLS12: u16 = 0xfefd;
    /// DTLS 1.3
    pub const DTLS13: u16 = 0xfefc;
}

/// Extension type code points used here.
pub mod extension_type {
    /// server_name
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// use_srtp
    pub const USE_SRTP: u16 = 14;
    /// application_layer_protocol_negotiation
    pub const ALPN: u16 = 16;
    /// padding
    pub const PADDING: u16 = 21;
    /// compress_certificate
    pub const COMPRESS_CERTIFICATE: u16 = 27;
    /// record_size_limit
    pub const RECORD_SIZE_LIMIT: u16 = 28;
    /// supported_versions
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// psk_key_exchange_modes
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    /// key_share
    pub const KEY_SHARE: u16 = 51;
    /// renegotiation_info
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// Largest handshake message this dissector reassembles.
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 18;

/// Why bytes could not be dissected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A field runs past the end of its container.
    #[error("{what}: needs {need} bytes, only {have} left")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// Bytes left over after a structure that should fill its container.
    #[error("{what}: {extra} unexpected trailing bytes")]
    TrailingBytes {
        /// The structure.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// A list of 16-bit values with an odd byte length.
    #[error("{what}: odd length {len} for a list of 16-bit values")]
    OddLength {
        /// The list.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// A byte that starts neither a DTLS 1.0/1.2 record nor a DTLS 1.3
    /// unified-header record.
    #[error("not a DTLS record header: first byte {0:#04x}")]
    UnknownRecord(u8),
    /// A handshake fragment that reaches past its message's length.
    #[error(
        "handshake message {message_seq}: fragment at {offset}+{length} is outside the {total}-byte message"
    )]
    FragmentOutOfRange {
        /// message_seq.
        message_seq: u16,
        /// fragment_offset.
        offset: usize,
        /// fragment_length.
        length: usize,
        /// The message length.
        total: usize,
    },
    /// Two fragments of one message disagree on its length.
    #[error(
        "handshake message {message_seq} (type {msg_type}): fragments give lengths {first} and {other}"
    )]
    InconsistentLength {
        /// message_seq.
        message_seq: u16,
        /// The message type.
        msg_type: u8,
        /// Length from the first fragment.
        first: usize,
        /// Length from a later one.
        other: usize,
    },
    /// A handshake message longer than [`MAX_HANDSHAKE_MESSAGE`].
    #[error("handshake message of {total} bytes exceeds the {limit}-byte limit")]
    MessageTooLarge {
        /// Its length.
        total: usize,
        /// The limit.
        limit: usize,
    },
    /// A certificate x509-parser rejected.
    #[error("certificate: {0}")]
    Certificate(String),
    /// An error inside one datagram of a capture.
    #[error("datagram {index}: {source}")]
    Datagram {
        /// Index of the datagram in the list given.
        index: usize,
        /// The error.
        source: Box<WireError>,
    },
    /// A parsed message inside a connection.
    #[error("{message} from {sender}: {source}")]
    Message {
        /// What was parsed.
        message: &'static str,
        /// Who sent it.
        sender: SocketAddr,
        /// The error.
        source: Box<WireError>,
    },
    /// The datagrams hold no complete ClientHello.
    #[error("no complete DTLS ClientHello in the datagrams")]
    NoClientHello,
}

type Result<T> = std::result::Result<T, WireError>;

// ---------------------------------------------------------------- reader

/// A bounds-checked cursor over a byte slice.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], what: &'static str) -> Self {
        Reader { data, pos: 0, what }
    }

    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.left() {
            return Err(WireError::Truncated {
                what: self.what,
                need: n,
                have: self.left(),
            });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn rest(&mut self) -> &'a [u8] {
        let out = &self.data[self.pos..];
        self.pos = self.data.len();
        out
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Result<usize> {
        let b = self.take(3)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    fn u48(&mut self) -> Result<u64> {
        let b = self.take(6)?;
        Ok(b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
    }

    fn vec8(&mut self) -> Result<&'a [u8]> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }

    fn vec16(&mut self) -> Result<&'a [u8]> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }

    fn vec24(&mut self) -> Result<&'a [u8]> {
        let n = self.u24()?;
        self.take(n)
    }

    fn finish(&self) -> Result<()> {
        if self.left() == 0 {
            Ok(())
        } else {
            Err(WireError::TrailingBytes {
                what: self.what,
                extra: self.left(),
            })
        }
    }
}

fn u16_list(data: &[u8], what: &'static str) -> Result<Vec<u16>> {
    if !data.len().is_multiple_of(2) {
        return Err(WireError::OddLength {
            what,
            len: data.len(),
        });
    }
    Ok(data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// GREASE values (RFC 8701): `0x?a?a` with both bytes equal.
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
}

/// The name `fpcommon.py` gives a handshake message type.
pub fn handshake_type_name(msg_type: u8) -> &'static str {
    match msg_type {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        3 => "hello_verify_request",
        4 => "new_session_ticket",
        6 => "hello_retry_request",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        _ => "unknown",
    }
}

/// Whether `suite` is a TLS 1.2 AES-GCM suite (with an 8-byte explicit
/// nonce in each record).
pub fn is_tls12_aes_gcm_suite(suite: u16) -> bool {
    matches!(suite, 0x009c..=0x00ad | 0xc02b..=0xc032 | 0xd001 | 0xd002)
}

// ---------------------------------------------------------------- records

/// A DTLS 1.0/1.2-style record (13-byte header, contents visible; in epoch
/// 0 in clear, in later epochs encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextRecord {
    /// Content type (20..=26).
    pub content_type: u8,
    /// Record-layer version.
    pub version: u16,
    /// Epoch.
    pub epoch: u16,
    /// 48-bit record sequence number.
    pub sequence: u64,
    /// The record body.
    pub fragment: Vec<u8>,
}

/// A DTLS 1.3 unified-header (ciphertext) record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnifiedRecord {
    /// The first header byte (`001CSLEE`).
    pub first_byte: u8,
    /// The two low bits of the epoch.
    pub epoch_low_bits: u8,
    /// Whether a connection id follows (its length is not on the wire, so
    /// the record is taken to fill the rest of the datagram).
    pub has_connection_id: bool,
    /// Length of the encrypted record body (the whole rest of the
    /// datagram, header included, when a connection id is present).
    pub length: usize,
}

/// One record of a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// 13-byte header record.
    Plaintext(PlaintextRecord),
    /// DTLS 1.3 unified-header record.
    Unified(UnifiedRecord),
}

impl Record {
    /// Whether the record's content is encrypted (a unified-header record,
    /// or a plain-header record in an epoch above 0).
    pub fn is_encrypted(&self) -> bool {
        match self {
            Record::Plaintext(r) => r.epoch > 0,
            Record::Unified(_) => true,
        }
    }
}

/// Whether a UDP payload is DTLS by RFC 7983 demultiplexing (first byte
/// 20..=63); STUN, RTP and the rest are not.
pub fn looks_like_dtls(payload: &[u8]) -> bool {
    matches!(payload.first(), Some(20..=63))
}

/// Splits a UDP payload into DTLS records.
pub fn parse_records(datagram: &[u8]) -> Result<Vec<Record>> {
    let mut r = Reader::new(datagram, "DTLS record");
    let mut out = Vec::new();
    while r.left() > 0 {
        let first = r.u8()?;
        if (20..=26).contains(&first) {
            let version = r.u16()?;
            let epoch = r.u16()?;
            let sequence = r.u48()?;
            let fragment = r.vec16()?.to_vec();
            out.push(Record::Plaintext(PlaintextRecord {
                content_type: first,
                version,
                epoch,
                sequence,
                fragment,
            }));
        } else if first & 0xe0 == 0x20 {
            let has_connection_id = first & 0x10 != 0;
            if has_connection_id {
                let length = r.left() + 1;
                r.rest();
                out.push(Record::Unified(UnifiedRecord {
                    first_byte: first,
                    epoch_low_bits: first & 0x03,
                    has_connection_id,
                    length,
                }));
                break;
            }
            r.take(if first & 0x08 != 0 { 2 } else { 1 })?;
            let length = if first & 0x04 != 0 {
                let n = usize::from(r.u16()?);
                r.take(n)?;
                n
            } else {
                r.rest().len()
            };
            out.push(Record::Unified(UnifiedRecord {
                first_byte: first,
                epoch_low_bits: first & 0x03,
                has_connection_id,
                length,
            }));
        } else {
            return Err(WireError::UnknownRecord(first));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- handshake

/// One handshake fragment (12-byte DTLS handshake header plus data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeFragment {
    /// Version in the header of the record that carried it.
    pub record_version: u16,
    /// Message type.
    pub msg_type: u8,
    /// Length of the whole message body.
    pub length: usize,
    /// message_seq.
    pub message_seq: u16,
    /// fragment_offset.
    pub offset: usize,
    /// The fragment's bytes (fragment_length of them).
    pub data: Vec<u8>,
}

/// Splits the body of a plaintext handshake record (of version
/// `record_version`) into fragments.
pub fn parse_handshake_fragments(
    record_body: &[u8],
    record_version: u16,
) -> Result<Vec<HandshakeFragment>> {
    let mut r = Reader::new(record_body, "handshake fragment");
    let mut out = Vec::new();
    while r.left() > 0 {
        let msg_type = r.u8()?;
        let length = r.u24()?;
        let message_seq = r.u16()?;
        let offset = r.u24()?;
        let data = r.vec24()?;
        if offset + data.len() > length {
            return Err(WireError::FragmentOutOfRange {
                message_seq,
                offset,
                length: data.len(),
                total: length,
            });
        }
        if length > MAX_HANDSHAKE_MESSAGE {
            return Err(WireError::MessageTooLarge {
                total: length,
                limit: MAX_HANDSHAKE_MESSAGE,
            });
        }
        out.push(HandshakeFragment {
            record_version,
            msg_type,
            length,
            message_seq,
            offset,
            data: data.to_vec(),
        });
    }
    Ok(out)
}

/// A reassembled handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// Message type.
    pub msg_type: u8,
    /// message_seq.
    pub message_seq: u16,
    /// The message body (without the handshake header).
    pub body: Vec<u8>,
    /// Record-layer version of the record carrying its first fragment.
    pub record_version: u16,
    /// The datagrams (indices given to [`Reassembler::push`]) that carried
    /// fragments of it up to its completion.
    pub datagrams: Vec<usize>,
}

#[derive(Debug)]
struct Pending {
    total: usize,
    record_version: u16,
    pieces: Vec<(usize, Vec<u8>)>,
    datagrams: Vec<usize>,
}

impl Pending {
    fn complete(&self) -> bool {
        let mut spans: Vec<(usize, usize)> = self
            .pieces
            .iter()
            .map(|(offset, data)| (*offset, offset + data.len()))
            .collect();
        spans.sort_unstable();
        let mut covered = 0usize;
        for (start, end) in spans {
            if start > covered {
                return false;
            }
            covered = covered.max(end);
        }
        covered >= self.total
    }

    fn assemble(&self) -> Vec<u8> {
        // Pieces lie inside 0..total (checked on parse), and the message is
        // only assembled once they cover it, so this is bounded by the
        // bytes received.
        let mut body = vec![0u8; self.total];
        for (offset, data) in &self.pieces {
            body[*offset..offset + data.len()].copy_from_slice(data);
        }
        body
    }
}

/// Reassembles the handshake messages of one sender: fragments are grouped
/// by (message_seq, type); the first complete copy of each message is
/// returned, later retransmissions are ignored.
#[derive(Debug, Default)]
pub struct Reassembler {
    pending: HashMap<(u16, u8), Pending>,
    done: Vec<(u16, u8)>,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fragment that arrived in datagram `datagram` (any index the
    /// caller uses); returns the message if this completed it.
    pub fn push(
        &mut self,
        fragment: &HandshakeFragment,
        datagram: usize,
    ) -> Result<Option<HandshakeMessage>> {
        let key = (fragment.message_seq, fragment.msg_type);
        if self.done.contains(&key) {
            return Ok(None);
        }
        if fragment.offset + fragment.data.len() > fragment.length {
            return Err(WireError::FragmentOutOfRange {
                message_seq: fragment.message_seq,
                offset: fragment.offset,
                length: fragment.data.len(),
                total: fragment.length,
            });
        }
        if fragment.length > MAX_HANDSHAKE_MESSAGE {
            return Err(WireError::MessageTooLarge {
                total: fragment.length,
                limit: MAX_HANDSHAKE_MESSAGE,
            });
        }
        let pending = self.pending.entry(key).or_insert_with(|| Pending {
            total: fragment.length,
            record_version: fragment.record_version,
            pieces: Vec::new(),
            datagrams: Vec::new(),
        });
        if pending.total != fragment.length {
            return Err(WireError::InconsistentLength {
                message_seq: fragment.message_seq,
                msg_type: fragment.msg_type,
                first: pending.total,
                other: fragment.length,
            });
        }
        pending
            .pieces
            .push((fragment.offset, fragment.data.clone()));
        if !pending.datagrams.contains(&datagram) {
            pending.datagrams.push(datagram);
        }
        if !pending.complete() {
            return Ok(None);
        }
        let Some(pending) = self.pending.remove(&key) else {
            return Ok(None);
        };
        self.done.push(key);
        Ok(Some(HandshakeMessage {
            msg_type: fragment.msg_type,
            message_seq: fragment.message_seq,
            body: pending.assemble(),
            record_version: pending.record_version,
            datagrams: pending.datagrams,
        }))
    }
}

// ---------------------------------------------------------------- hellos

/// A TLS extension: type and raw body, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Extension type.
    pub ext_type: u16,
    /// Extension body.
    pub data: Vec<u8>,
}

/// One key_share entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// Named group.
    pub group: u16,
    /// Length of the key exchange value.
    pub key_length: usize,
}

/// use_srtp contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseSrtp {
    /// SRTP protection profiles in order.
    pub profiles: Vec<u16>,
    /// Length of the MKI.
    pub mki_length: usize,
}

fn parse_extensions(r: &mut Reader<'_>) -> Result<Vec<Extension>> {
    let mut out = Vec::new();
    if r.left() == 0 {
        return Ok(out);
    }
    let mut er = Reader::new(r.vec16()?, "extensions");
    while er.left() > 0 {
        let ext_type = er.u16()?;
        let data = er.vec16()?.to_vec();
        out.push(Extension { ext_type, data });
    }
    Ok(out)
}

fn alpn_list(data: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut r = Reader::new(data, "application_layer_protocol_negotiation");
    let mut lr = Reader::new(r.vec16()?, "ALPN protocol list");
    r.finish()?;
    let mut out = Vec::new();
    while lr.left() > 0 {
        out.push(lr.vec8()?.to_vec());
    }
    Ok(out)
}

fn use_srtp(data: &[u8]) -> Result<UseSrtp> {
    let mut r = Reader::new(data, "use_srtp");
    let profiles = u16_list(r.vec16()?, "use_srtp profiles")?;
    let mki_length = r.vec8()?.len();
    r.finish()?;
    Ok(UseSrtp {
        profiles,
        mki_length,
    })
}

fn whole_vec16_u16(data: &[u8], what: &'static str) -> Result<Vec<u16>> {
    let mut r = Reader::new(data, what);
    let list = u16_list(r.vec16()?, what)?;
    r.finish()?;
    Ok(list)
}

fn whole_vec8(data: &[u8], what: &'static str) -> Result<Vec<u8>> {
    let mut r = Reader::new(data, what);
    let list = r.vec8()?.to_vec();
    r.finish()?;
    Ok(list)
}

/// A ClientHello as sent, with its extensions decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloInfo {
    /// Version in the record header carrying the hello's first fragment.
    pub record_version: u16,
    /// legacy_version (`client_version`).
    pub legacy_version: u16,
    /// The 32 random bytes.
    pub random: [u8; 32],
    /// Length of legacy_session_id.
    pub session_id_length: usize,
    /// Length of the DTLS cookie.
    pub cookie_length: usize,
    /// Cipher suites in order.
    pub cipher_suites: Vec<u16>,
    /// Compression methods in order.
    pub compression_methods: Vec<u8>,
    /// Extensions in order.
    pub extensions: Vec<Extension>,
    /// supported_groups, if sent.
    pub supported_groups: Option<Vec<u16>>,
    /// signature_algorithms, if sent.
    pub signature_algorithms: Option<Vec<u16>>,
    /// supported_versions, if sent.
    pub supported_versions: Option<Vec<u16>>,
    /// key_share entries, if sent.
    pub key_shares: Option<Vec<KeyShareEntry>>,
    /// use_srtp, if sent.
    pub use_srtp: Option<UseSrtp>,
    /// ec_point_formats, if sent.
    pub ec_point_formats: Option<Vec<u8>>,
    /// ALPN protocols, if sent.
    pub alpn: Option<Vec<Vec<u8>>>,
    /// server_name host names, if sent.
    pub server_names: Option<Vec<Vec<u8>>>,
    /// record_size_limit, if sent.
    pub record_size_limit: Option<u16>,
    /// psk_key_exchange_modes, if sent.
    pub psk_key_exchange_modes: Option<Vec<u8>>,
    /// compress_certificate algorithms, if sent.
    pub compress_certificate: Option<Vec<u16>>,
    /// Extensions whose body did not decode.
    pub undecodable_extensions: Vec<u16>,
    /// Length of the ClientHello body (without the handshake header).
    pub hello_length: usize,
    /// UDP payload sizes of the datagrams that carried the first
    /// transmission of the hello (empty when parsed from a bare body).
    pub datagram_sizes: Vec<usize>,
    /// Number of records in each of those datagrams.
    pub records_per_datagram: Vec<usize>,
}

impl ClientHelloInfo {
    /// Parses a ClientHello body (after the 12-byte handshake header).
    /// `record_version` is stored as is.
    pub fn parse(body: &[u8], record_version: u16) -> Result<ClientHelloInfo> {
        let mut r = Reader::new(body, "ClientHello");
        let legacy_version = r.u16()?;
        let mut random = [0u8; 32];
        random.copy_from_slice(r.take(32)?);
        let session_id_length = r.vec8()?.len();
        let cookie_length = r.vec8()?.len();
        let cipher_suites = u16_list(r.vec16()?, "cipher_suites")?;
        let compression_methods = r.vec8()?.to_vec();
        let extensions = parse_extensions(&mut r)?;
        r.finish()?;
        let mut info = ClientHelloInfo {
            record_version,
            legacy_version,
            random,
            session_id_length,
            cookie_length,
            cipher_suites,
            compression_methods,
            extensions: Vec::new(),
            supported_groups: None,
            signature_algorithms: None,
            supported_versions: None,
            key_shares: None,
            use_srtp: None,
            ec_point_formats: None,
            alpn: None,
            server_names: None,
            record_size_limit: None,
            psk_key_exchange_modes: None,
            compress_certificate: None,
            undecodable_extensions: Vec::new(),
            hello_length: body.len(),
            datagram_sizes: Vec::new(),
            records_per_datagram: Vec::new(),
        };
        for ext in &extensions {
            if info.decode_extension(ext).is_err() {
                info.undecodable_extensions.push(ext.ext_type);
            }
        }
        info.extensions = extensions;
        Ok(info)
    }

    fn decode_extension(&mut self, ext: &Extension) -> Result<()> {
        use extension_type as e;
        let data = ext.data.as_slice();
        match ext.ext_type {
            e::SERVER_NAME => {
                let mut r = Reader::new(data, "server_name");
                let mut lr = Reader::new(r.vec16()?, "server_name list");
                r.finish()?;
                let mut names = Vec::new();
                while lr.left() > 0 {
                    let _name_type = lr.u8()?;
                    names.push(lr.vec16()?.to_vec());
                }
                self.server_names = Some(names);
            }
            e::SUPPORTED_GROUPS => {
                self.supported_groups = Some(whole_vec16_u16(data, "supported_groups")?)
            }
            e::EC_POINT_FORMATS => {
                self.ec_point_formats = Some(whole_vec8(data, "ec_point_formats")?)
            }
            e::SIGNATURE_ALGORITHMS => {
                self.signature_algorithms = Some(whole_vec16_u16(data, "signature_algorithms")?)
            }
            e::USE_SRTP => self.use_srtp = Some(use_srtp(data)?),
            e::ALPN => self.alpn = Some(alpn_list(data)?),
            e::SUPPORTED_VERSIONS => {
                self.supported_versions = Some(u16_list(
                    &whole_vec8(data, "supported_versions")?,
                    "supported_versions",
                )?)
            }
            e::KEY_SHARE => {
                let mut r = Reader::new(data, "key_share");
                let mut lr = Reader::new(r.vec16()?, "key_share entries");
                r.finish()?;
                let mut shares = Vec::new();
                while lr.left() > 0 {
                    let group = lr.u16()?;
                    let key_length = lr.vec16()?.len();
                    shares.push(KeyShareEntry { group, key_length });
                }
                self.key_shares = Some(shares);
            }
            e::PSK_KEY_EXCHANGE_MODES => {
                self.psk_key_exchange_modes = Some(whole_vec8(data, "psk_key_exchange_modes")?)
            }
            e::COMPRESS_CERTIFICATE => {
                self.compress_certificate = Some(u16_list(
                    &whole_vec8(data, "compress_certificate")?,
                    "compress_certificate",
                )?)
            }
            e::RECORD_SIZE_LIMIT => {
                let mut r = Reader::new(data, "record_size_limit");
                self.record_size_limit = Some(r.u16()?);
                r.finish()?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Extension types in order.
    pub fn extension_types(&self) -> Vec<u16> {
        self.extensions.iter().map(|e| e.ext_type).collect()
    }

    /// Whether the hello has an extension of this type.
    pub fn has_extension(&self, ext_type: u16) -> bool {
        self.extensions.iter().any(|e| e.ext_type == ext_type)
    }

    /// Whether a server_name extension is present.
    pub fn sni_present(&self) -> bool {
        self.has_extension(extension_type::SERVER_NAME)
    }

    /// Number of datagrams that carried the first transmission.
    pub fn datagram_count(&self) -> usize {
        self.datagram_sizes.len()
    }

    /// Whether a GREASE value appears among the cipher suites, extension
    /// types, supported groups or supported versions (the lists
    /// `analyze_dtls.py` looks at).
    pub fn grease_present(&self) -> bool {
        self.cipher_suites.iter().any(|&v| is_grease(v))
            || self.extensions.iter().any(|e| is_grease(e.ext_type))
            || self
                .supported_groups
                .iter()
                .flatten()
                .any(|&v| is_grease(v))
            || self
                .supported_versions
                .iter()
                .flatten()
                .any(|&v| is_grease(v))
    }

    /// Whether the first four random bytes, read as a big-endian Unix
    /// time, lie within a year of `now` (the old gmt_unix_time layout).
    pub fn random_looks_like_gmt_unix_time(&self, now: SystemTime) -> bool {
        let first4 = u32::from_be_bytes([
            self.random[0],
            self.random[1],
            self.random[2],
            self.random[3],
        ]);
        let now = unix_seconds_f64(now);
        (f64::from(first4) - now).abs() < 365.0 * 86400.0
    }

    fn ja4_parts(&self) -> (String, String, String, String, String) {
        let versions: Vec<u16> = self
            .supported_versions
            .iter()
            .flatten()
            .copied()
            .filter(|&v| !is_grease(v))
            .collect();
        let version = versions
            .iter()
            .copied()
            .max_by_key(|&v| version_rank(v))
            .unwrap_or(self.legacy_version);
        let version = match version {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            0x0002 => "s2",
            0xfeff => "d1",
            0xfefd => "d2",
            0xfefc => "d3",
            _ => "00",
        };
        let sni = if self.sni_present() { 'd' } else { 'i' };
        let ciphers: Vec<u16> = self
            .cipher_suites
            .iter()
            .copied()
            .filter(|&c| !is_grease(c))
            .collect();
        let exts: Vec<u16> = self
            .extensions
            .iter()
            .map(|e| e.ext_type)
            .filter(|&e| !is_grease(e))
            .collect();
        let alpn = match self.alpn.as_ref().and_then(|list| list.first()) {
            Some(first) if !first.is_empty() => {
                let a0 = first[0];
                let a1 = first[first.len() - 1];
                if a0.is_ascii_alphanumeric() && a1.is_ascii_alphanumeric() {
                    format!("{}{}", char::from(a0), char::from(a1))
                } else {
                    let hex: String = first.iter().map(|b| format!("{b:02x}")).collect();
                    let mut chars = hex.chars();
                    let f = chars.next().unwrap_or('0');
                    let l = chars.next_back().unwrap_or('0');
                    format!("{f}{l}")
                }
            }
            _ => "00".to_string(),
        };
        let part_a = format!(
            "d{version}{sni}{:02}{:02}{alpn}",
            ciphers.len().min(99),
            exts.len().min(99)
        );
        let mut cipher_hex: Vec<String> = ciphers.iter().map(|c| format!("{c:04x}")).collect();
        cipher_hex.sort();
        let mut ext_hex: Vec<String> = exts
            .iter()
            .filter(|&&e| e != extension_type::SERVER_NAME && e != extension_type::ALPN)
            .map(|e| format!("{e:04x}"))
            .collect();
        ext_hex.sort();
        let c_list = cipher_hex.join(",");
        let e_list = ext_hex.join(",");
        let c_input = match &self.signature_algorithms {
            Some(sigs) => {
                let sigs: Vec<String> = sigs
                    .iter()
                    .filter(|&&s| !is_grease(s))
                    .map(|s| format!("{s:04x}"))
                    .collect();
                format!("{e_list}_{}", sigs.join(","))
            }
            None => e_list.clone(),
        };
        let part_b = hash12(&c_list);
        let part_c = if e_list.is_empty() {
            "000000000000".to_string()
        } else {
            hash12(&c_input)
        };
        (part_a, part_b, part_c, c_list, c_input)
    }

    /// JA4 for DTLS, as `fpcommon.ja4("d", ...)` computes it.
    pub fn ja4(&self) -> String {
        let (a, b, c, _, _) = self.ja4_parts();
        format!("{a}_{b}_{c}")
    }

    /// The raw JA4 (`ja4_r`): the sorted lists in clear instead of hashes.
    pub fn ja4_r(&self) -> String {
        let (a, _, _, c_list, c_input) = self.ja4_parts();
        format!("{a}_{c_list}_{c_input}")
    }
}

fn version_rank(v: u16) -> u16 {
    match v {
        0xfeff => 0x0302,
        0xfefd => 0x0303,
        0xfefc => 0x0304,
        other => other,
    }
}

fn hash12(input: &str) -> String {
    if input.is_empty() {
        return "000000000000".to_string();
    }
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn unix_seconds_f64(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// The downgrade sentinel in the last 8 bytes of ServerHello.random
/// (RFC 8446 4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeSentinel {
    /// `DOWNGRD\x01`: a TLS 1.3-capable server negotiated (D)TLS 1.2.
    Tls12,
    /// `DOWNGRD\x00`: negotiated (D)TLS 1.1 or below.
    Tls11OrBelow,
}

/// A ServerHello as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHelloInfo {
    /// Version in the record header.
    pub record_version: u16,
    /// legacy_version (`server_version`).
    pub legacy_version: u16,
    /// The 32 random bytes.
    pub random: [u8; 32],
    /// Length of the session id echoed or chosen.
    pub session_id_length: usize,
    /// Selected cipher suite.
    pub cipher_suite: u16,
    /// Selected compression method.
    pub compression_method: u8,
    /// Extensions in order.
    pub extensions: Vec<Extension>,
    /// supported_versions selection, if present.
    pub selected_version: Option<u16>,
    /// key_share (group and key length; 0 in a HelloRetryRequest).
    pub key_share: Option<KeyShareEntry>,
    /// use_srtp selection.
    pub use_srtp: Option<UseSrtp>,
    /// ec_point_formats.
    pub ec_point_formats: Option<Vec<u8>>,
    /// Whether the server (wrongly) sent supported_groups.
    pub supported_groups_present: bool,
    /// Selected ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// Extensions whose body did not decode.
    pub undecodable_extensions: Vec<u16>,
}

impl ServerHelloInfo {
    /// Parses a ServerHello body.
    pub fn parse(body: &[u8], record_version: u16) -> Result<ServerHelloInfo> {
        let mut r = Reader::new(body, "ServerHello");
        let legacy_version = r.u16()?;
        let mut random = [0u8; 32];
        random.copy_from_slice(r.take(32)?);
        let session_id_length = r.vec8()?.len();
        let cipher_suite = r.u16()?;
        let compression_method = r.u8()?;
        let extensions = parse_extensions(&mut r)?;
        r.finish()?;
        let mut info = ServerHelloInfo {
            record_version,
            legacy_version,
            random,
            session_id_length,
            cipher_suite,
            compression_method,
            extensions: Vec::new(),
            selected_version: None,
            key_share: None,
            use_srtp: None,
            ec_point_formats: None,
            supported_groups_present: false,
            alpn: None,
            undecodable_extensions: Vec::new(),
        };
        for ext in &extensions {
            if info.decode_extension(ext).is_err() {
                info.undecodable_extensions.push(ext.ext_type);
            }
        }
        info.extensions = extensions;
        Ok(info)
    }

    fn decode_extension(&mut self, ext: &Extension) -> Result<()> {
        use extension_type as e;
        let data = ext.data.as_slice();
        match ext.ext_type {
            e::SUPPORTED_VERSIONS => {
                let mut r = Reader::new(data, "supported_versions");
                self.selected_version = Some(r.u16()?);
                r.finish()?;
            }
            e::KEY_SHARE => {
                let mut r = Reader::new(data, "key_share");
                let group = r.u16()?;
                let key_length = if r.left() > 0 { r.vec16()?.len() } else { 0 };
                r.finish()?;
                self.key_share = Some(KeyShareEntry { group, key_length });
            }
            e::USE_SRTP => self.use_srtp = Some(use_srtp(data)?),
            e::EC_POINT_FORMATS => {
                self.ec_point_formats = Some(whole_vec8(data, "ec_point_formats")?)
            }
            e::SUPPORTED_GROUPS => self.supported_groups_present = true,
            e::ALPN => {
                let list = alpn_list(data)?;
                self.alpn = list.into_iter().next();
            }
            _ => {}
        }
        Ok(())
    }

    /// Extension types in order.
    pub fn extension_types(&self) -> Vec<u16> {
        self.extensions.iter().map(|e| e.ext_type).collect()
    }

    /// The last 8 bytes of the random.
    pub fn random_last8(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.random[24..]);
        out
    }

    /// The downgrade sentinel, if the random ends in one.
    pub fn downgrade_sentinel(&self) -> Option<DowngradeSentinel> {
        let tail = self.random_last8();
        if &tail[..7] != b"DOWNGRD" {
            return None;
        }
        match tail[7] {
            1 => Some(DowngradeSentinel::Tls12),
            0 => Some(DowngradeSentinel::Tls11OrBelow),
            _ => None,
        }
    }

    /// Whether this is a HelloRetryRequest (the special random).
    pub fn is_hello_retry_request(&self) -> bool {
        Sha256::digest(b"HelloRetryRequest").as_slice() == self.random
    }

    /// The negotiated version: supported_versions if present, else
    /// legacy_version.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

/// An ECDHE ServerKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchangeInfo {
    /// ECCurveType (3 = named_curve).
    pub curve_type: u8,
    /// The named group (named_curve only).
    pub named_group: Option<u16>,
    /// Length of the public key (named_curve only).
    pub public_key_length: usize,
    /// Signature algorithm (TLS/DTLS 1.2 only).
    pub signature_algorithm: Option<u16>,
    /// Length of the signature.
    pub signature_length: usize,
}

impl ServerKeyExchangeInfo {
    /// Parses an ECDHE ServerKeyExchange body; `negotiated_version` says
    /// whether a signature algorithm precedes the signature (1.2).
    pub fn parse(body: &[u8], negotiated_version: u16) -> Result<ServerKeyExchangeInfo> {
        let mut r = Reader::new(body, "ServerKeyExchange");
        let curve_type = r.u8()?;
        let mut info = ServerKeyExchangeInfo {
            curve_type,
            named_group: None,
            public_key_length: 0,
            signature_algorithm: None,
            signature_length: 0,
        };
        if curve_type == 3 {
            info.named_group = Some(r.u16()?);
            info.public_key_length = r.vec8()?.len();
            if matches!(negotiated_version, version::TLS12 | version::DTLS12) {
                info.signature_algorithm = Some(r.u16()?);
            }
            info.signature_length = r.vec16()?.len();
            r.finish()?;
        }
        Ok(info)
    }
}

/// A (D)TLS 1.2 CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequestInfo {
    /// certificate_types in order.
    pub certificate_types: Vec<u8>,
    /// supported_signature_algorithms in order (absent before 1.2).
    pub signature_algorithms: Option<Vec<u16>>,
    /// Length of certificate_authorities.
    pub certificate_authorities_length: usize,
}

impl CertificateRequestInfo {
    /// Parses a CertificateRequest body of a (D)TLS 1.0-1.2 handshake.
    pub fn parse(body: &[u8], negotiated_version: u16) -> Result<CertificateRequestInfo> {
        let mut r = Reader::new(body, "CertificateRequest");
        let certificate_types = r.vec8()?.to_vec();
        let signature_algorithms = if matches!(negotiated_version, version::TLS12 | version::DTLS12)
        {
            Some(u16_list(
                r.vec16()?,
                "CertificateRequest signature algorithms",
            )?)
        } else {
            None
        };
        let certificate_authorities_length = r.vec16()?.len();
        r.finish()?;
        Ok(CertificateRequestInfo {
            certificate_types,
            signature_algorithms,
            certificate_authorities_length,
        })
    }
}

/// Splits a (D)TLS 1.2 Certificate message body into DER certificates.
pub fn parse_certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut r = Reader::new(body, "Certificate");
    let mut lr = Reader::new(r.vec24()?, "certificate_list");
    r.finish()?;
    let mut out = Vec::new();
    while lr.left() > 0 {
        out.push(lr.vec24()?.to_vec());
    }
    Ok(out)
}

// ---------------------------------------------------------------- X.509

/// The ASN.1 string type of a name attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asn1StringType {
    /// UTF8String (tag 12).
    Utf8String,
    /// PrintableString (tag 19).
    PrintableString,
    /// TeletexString (tag 20).
    TeletexString,
    /// IA5String (tag 22).
    Ia5String,
    /// UniversalString (tag 28).
    UniversalString,
    /// BMPString (tag 30).
    BmpString,
    /// Another tag.
    Other(u32),
}

impl Asn1StringType {
    fn from_tag(tag: u32) -> Self {
        match tag {
            12 => Asn1StringType::Utf8String,
            19 => Asn1StringType::PrintableString,
            20 => Asn1StringType::TeletexString,
            22 => Asn1StringType::Ia5String,
            28 => Asn1StringType::UniversalString,
            30 => Asn1StringType::BmpString,
            other => Asn1StringType::Other(other),
        }
    }
}

/// The encoding of a certificate validity time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeEncoding {
    /// UTCTime.
    UtcTime,
    /// GeneralizedTime.
    GeneralizedTime,
}

/// A summary of an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// 1, 2 or 3.
    pub x509_version: u32,
    /// Subject as `CN=...` (attributes joined by `,`).
    pub subject: String,
    /// Issuer, same form.
    pub issuer: String,
    /// The first CN of the subject.
    pub common_name: Option<String>,
    /// Its ASN.1 string type.
    pub common_name_type: Option<Asn1StringType>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Encoding of notBefore.
    pub time_encoding: TimeEncoding,
    /// The serial INTEGER's content bytes (with any leading 0x00).
    pub serial: Vec<u8>,
    /// Signature algorithm of the TBS part (name such as
    /// `ecdsa-with-SHA256`, or the dotted OID).
    pub signature_algorithm: String,
    /// Public key algorithm (`ecPublicKey`, `rsaEncryption`, ... or OID).
    pub key_type: String,
    /// Named curve of an EC key (`prime256v1`, ... or OID).
    pub key_curve: Option<String>,
    /// X.509v3 extension names (or OIDs) in order.
    pub extensions: Vec<String>,
    /// Length of the DER certificate.
    pub der_length: usize,
}

fn oid_name(dotted: &str) -> String {
    let name = match dotted {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.10045.2.1" => "ecPublicKey",
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.3.101.112" => "Ed25519",
        "1.2.840.10045.3.1.7" => "prime256v1",
        "1.3.132.0.34" => "secp384r1",
        "1.3.132.0.35" => "secp521r1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.15" => "keyUsage",
        "2.5.29.37" => "extKeyUsage",
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.35" => "authorityKeyIdentifier",
        other => other,
    };
    name.to_string()
}

fn name_string(name: &x509_parser::x509::X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let key = oid_name(&attr.attr_type().to_id_string());
            let value = String::from_utf8_lossy(attr.attr_value().data);
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(",")
}

impl CertificateInfo {
    /// Summarises a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<CertificateInfo> {
        use x509_parser::prelude::FromDer;
        let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| WireError::Certificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(WireError::TrailingBytes {
                what: "certificate DER",
                extra: rest.len(),
            });
        }
        let tbs = &cert.tbs_certificate;
        let cn = tbs.subject.iter_common_name().next();
        let validity = &tbs.validity;
        let spki = &tbs.subject_pki;
        let key_curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|oid| oid_name(&oid.to_id_string()));
        Ok(CertificateInfo {
            x509_version: tbs.version.0 + 1,
            subject: name_string(&tbs.subject),
            issuer: name_string(&tbs.issuer),
            common_name: cn.map(|a| String::from_utf8_lossy(a.attr_value().data).into_owned()),
            common_name_type: cn.map(|a| Asn1StringType::from_tag(a.attr_value().header.tag().0)),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            time_encoding: if validity.not_before.is_utctime() {
                TimeEncoding::UtcTime
            } else {
                TimeEncoding::GeneralizedTime
            },
            serial: tbs.raw_serial().to_vec(),
            signature_algorithm: oid_name(&tbs.signature.algorithm.to_id_string()),
            key_type: oid_name(&spki.algorithm.algorithm.to_id_string()),
            key_curve,
            extensions: tbs
                .extensions()
                .iter()
                .map(|ext| oid_name(&ext.oid.to_id_string()))
                .collect(),
            der_length: der.len(),
        })
    }

    /// Whether subject and issuer are the same.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// notAfter - notBefore in seconds.
    pub fn validity_seconds(&self) -> i64 {
        self.not_after.saturating_sub(self.not_before)
    }

    /// Length of the serial INTEGER's content (with a leading 0x00 when
    /// the top bit of the number is set).
    pub fn serial_der_length(&self) -> usize {
        self.serial.len()
    }

    /// Significant bytes of the serial number (without leading zeros).
    pub fn serial_length(&self) -> usize {
        self.serial.iter().skip_while(|&&b| b == 0).count()
    }

    /// Number of X.509v3 extensions.
    pub fn extension_count(&self) -> usize {
        self.extensions.len()
    }
}

// ---------------------------------------------------------------- connection

/// One DTLS datagram of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireDatagram {
    /// Index in the datagram list the [`Handshake`] was built from.
    pub capture_index: usize,
    /// Capture time.
    pub timestamp: SystemTime,
    /// Whether the DTLS client sent it.
    pub from_client: bool,
    /// UDP payload size.
    pub size: usize,
    /// Its records.
    pub records: Vec<Record>,
    /// The plaintext (epoch 0) handshake fragments in it, in order.
    pub fragments: Vec<HandshakeFragment>,
}

/// The server's first flight and the handshake messages it sent in clear.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerFlightInfo {
    /// Whether the server sent a HelloVerifyRequest.
    pub hello_verify_request: bool,
    /// The first ServerHello.
    pub server_hello: Option<ServerHelloInfo>,
    /// The DER certificates of a plaintext Certificate message.
    pub certificate_chain: Option<Vec<Vec<u8>>>,
    /// The ServerKeyExchange.
    pub server_key_exchange: Option<ServerKeyExchangeInfo>,
    /// The CertificateRequest (only read when 1.2 or below was
    /// negotiated; in 1.3 it is encrypted).
    pub certificate_request: Option<CertificateRequestInfo>,
    /// Whether a plaintext ServerHelloDone was sent.
    pub server_hello_done: bool,
    /// Plaintext handshake message types in the flight, in order
    /// (consecutive fragments of one type counted once).
    pub plaintext_handshake_messages: Vec<u8>,
    /// Encrypted records in the flight.
    pub encrypted_records: usize,
    /// The flight's datagrams (indices into [`Handshake::datagrams`]): the
    /// server's datagrams from the first with a ServerHello or
    /// HelloVerifyRequest up to the client's next datagram with anything
    /// but a ClientHello in it.
    pub datagrams: Vec<usize>,
    /// Their UDP payload sizes.
    pub datagram_sizes: Vec<usize>,
    /// Records per flight datagram.
    pub records_per_datagram: Vec<usize>,
}

/// The record of an encrypted (epoch >= 1) plain-header record, with the
/// first 8 bytes of its body: for AES-GCM the explicit nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordNonce {
    /// Index into [`Handshake::datagrams`].
    pub datagram: usize,
    /// Whether the DTLS client sent it.
    pub from_client: bool,
    /// Content type.
    pub content_type: u8,
    /// Epoch.
    pub epoch: u16,
    /// Record sequence number.
    pub sequence: u64,
    /// The first 8 bytes of the record body.
    pub explicit_nonce: [u8; 8],
}

impl RecordNonce {
    /// epoch (2 bytes) ‖ sequence number (6 bytes), big-endian: what an
    /// implementation that derives the explicit nonce from the record
    /// number sends.
    pub fn epoch_and_sequence(&self) -> [u8; 8] {
        (u64::from(self.epoch) << 48 | (self.sequence & 0xffff_ffff_ffff)).to_be_bytes()
    }

    /// Whether the explicit nonce equals epoch ‖ sequence.
    pub fn is_epoch_and_sequence(&self) -> bool {
        self.explicit_nonce == self.epoch_and_sequence()
    }
}

/// Everything seen of one DTLS connection (one UDP 4-tuple).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The endpoint that sent the ClientHello.
    pub client: SocketAddr,
    /// The other endpoint.
    pub server: SocketAddr,
    /// Time of the connection's first DTLS datagram.
    pub start: SystemTime,
    /// The connection's DTLS datagrams in capture order.
    pub datagrams: Vec<WireDatagram>,
    /// The client's plaintext handshake messages, in order of completion.
    pub client_messages: Vec<HandshakeMessage>,
    /// The server's plaintext handshake messages, in order of completion.
    pub server_messages: Vec<HandshakeMessage>,
    /// The client's first ClientHello.
    pub client_hello: ClientHelloInfo,
    /// Any later ClientHellos (after a HelloVerifyRequest or
    /// HelloRetryRequest).
    pub later_client_hellos: Vec<ClientHelloInfo>,
    /// The server's flight.
    pub server_flight: ServerFlightInfo,
}

struct Parsed {
    index: usize,
    records: Vec<Record>,
    fragments: Vec<HandshakeFragment>,
}

fn parse_datagram(index: usize, payload: &[u8]) -> Result<Parsed> {
    let wrap = |e: WireError| WireError::Datagram {
        index,
        source: Box::new(e),
    };
    let records = parse_records(payload).map_err(wrap)?;
    let mut fragments = Vec::new();
    for record in &records {
        if let Record::Plaintext(r) = record {
            if r.content_type == content_type::HANDSHAKE && r.epoch == 0 {
                fragments.extend(parse_handshake_fragments(&r.fragment, r.version).map_err(wrap)?);
            }
        }
    }
    Ok(Parsed {
        index,
        records,
        fragments,
    })
}

/// Builds one [`Handshake`] per UDP 4-tuple that carries a DTLS
/// ClientHello, ordered by the first ClientHello; datagrams that are not
/// DTLS (STUN, RTP, ...) are ignored.
pub fn handshakes(datagrams: &[UdpDatagram]) -> Result<Vec<Handshake>> {
    let mut parsed = Vec::new();
    for (index, d) in datagrams.iter().enumerate() {
        if looks_like_dtls(&d.payload) {
            parsed.push(parse_datagram(index, &d.payload)?);
        }
    }
    // (client, server) in order of the first ClientHello of each pair.
    let mut pairs: Vec<(SocketAddr, SocketAddr)> = Vec::new();
    for p in &parsed {
        let Some(d) = datagrams.get(p.index) else {
            continue;
        };
        let has_hello = p
            .fragments
            .iter()
            .any(|f| f.msg_type == handshake_type::CLIENT_HELLO);
        let known = pairs
            .iter()
            .any(|&(a, b)| (a, b) == (d.src, d.dst) || (a, b) == (d.dst, d.src));
        if has_hello && !known {
            pairs.push((d.src, d.dst));
        }
    }
    let mut out = Vec::new();
    for (client, server) in pairs {
        let mut conn = Vec::new();
        for p in &parsed {
            let Some(d) = datagrams.get(p.index) else {
                continue;
            };
            let from_client = (d.src, d.dst) == (client, server);
            if !from_client && (d.src, d.dst) != (server, client) {
                continue;
            }
            conn.push(WireDatagram {
                capture_index: p.index,
                timestamp: d.timestamp,
                from_client,
                size: d.payload.len(),
                records: p.records.clone(),
                fragments: p.fragments.clone(),
            });
        }
        out.push(Handshake::build(client, server, conn)?);
    }
    Ok(out)
}

impl Handshake {
    /// The first DTLS connection (by first ClientHello) in `datagrams`.
    pub fn first(datagrams: &[UdpDatagram]) -> Result<Handshake> {
        handshakes(datagrams)?
            .into_iter()
            .next()
            .ok_or(WireError::NoClientHello)
    }

    fn build(
        client: SocketAddr,
        server: SocketAddr,
        datagrams: Vec<WireDatagram>,
    ) -> Result<Handshake> {
        let start = datagrams.first().map(|d| d.timestamp).unwrap_or(UNIX_EPOCH);
        let mut client_asm = Reassembler::new();
        let mut server_asm = Reassembler::new();
        let mut client_messages = Vec::new();
        let mut server_messages = Vec::new();
        for (j, d) in datagrams.iter().enumerate() {
            let (asm, messages) = if d.from_client {
                (&mut client_asm, &mut client_messages)
            } else {
                (&mut server_asm, &mut server_messages)
            };
            for f in &d.fragments {
                let wrap = |e: WireError| WireError::Datagram {
                    index: d.capture_index,
                    source: Box::new(e),
                };
                if let Some(m) = asm.push(f, j).map_err(wrap)? {
                    messages.push(m);
                }
            }
        }
        let sizes_of = |m: &HandshakeMessage| -> (Vec<usize>, Vec<usize>) {
            m.datagrams
                .iter()
                .filter_map(|&j| datagrams.get(j))
                .map(|d| (d.size, d.records.len()))
                .unzip()
        };
        let mut hellos = Vec::new();
        for m in client_messages
            .iter()
            .filter(|m| m.msg_type == handshake_type::CLIENT_HELLO)
        {
            let mut hello = ClientHelloInfo::parse(&m.body, m.record_version).map_err(|e| {
                WireError::Message {
                    message: "ClientHello",
                    sender: client,
                    source: Box::new(e),
                }
            })?;
            let (sizes, records) = sizes_of(m);
            hello.datagram_sizes = sizes;
            hello.records_per_datagram = records;
            hellos.push(hello);
        }
        let mut hellos = hellos.into_iter();
        let client_hello = hellos.next().ok_or(WireError::NoClientHello)?;
        let later_client_hellos = hellos.collect();
        let server_flight = server_flight(server, &datagrams, &server_messages)?;
        Ok(Handshake {
            client,
            server,
            start,
            datagrams,
            client_messages,
            server_messages,
            client_hello,
            later_client_hellos,
            server_flight,
        })
    }

    /// The server's leaf certificate, if it was sent in clear.
    pub fn server_certificate(&self) -> Option<Result<CertificateInfo>> {
        let chain = self.server_flight.certificate_chain.as_ref()?;
        chain.first().map(|der| CertificateInfo::from_der(der))
    }

    /// The negotiated cipher suite, from the ServerHello.
    pub fn cipher_suite(&self) -> Option<u16> {
        self.server_flight
            .server_hello
            .as_ref()
            .map(|s| s.cipher_suite)
    }

    /// Every plain-header record in an epoch above 0 whose body has at
    /// least 8 bytes, with those 8 bytes (for AES-GCM suites, the explicit
    /// nonce), in capture order.
    pub fn explicit_nonces(&self) -> Vec<RecordNonce> {
        let mut out = Vec::new();
        for (j, d) in self.datagrams.iter().enumerate() {
            for record in &d.records {
                let Record::Plaintext(r) = record else {
                    continue;
                };
                if r.epoch == 0 {
                    continue;
                }
                let Some(first8) = r.fragment.get(..8) else {
                    continue;
                };
                let mut explicit_nonce = [0u8; 8];
                explicit_nonce.copy_from_slice(first8);
                out.push(RecordNonce {
                    datagram: j,
                    from_client: d.from_client,
                    content_type: r.content_type,
                    epoch: r.epoch,
                    sequence: r.sequence,
                    explicit_nonce,
                });
            }
        }
        out
    }
}

fn server_flight(
    server: SocketAddr,
    datagrams: &[WireDatagram],
    messages: &[HandshakeMessage],
) -> Result<ServerFlightInfo> {
    let wrap = |message: &'static str| {
        move |e: WireError| WireError::Message {
            message,
            sender: server,
            source: Box::new(e),
        }
    };
    let find = |t: u8| messages.iter().find(|m| m.msg_type == t);
    let mut info = ServerFlightInfo {
        hello_verify_request: find(handshake_type::HELLO_VERIFY_REQUEST).is_some(),
        server_hello_done: find(handshake_type::SERVER_HELLO_DONE).is_some(),
        ..ServerFlightInfo::default()
    };
    if let Some(m) = find(handshake_type::SERVER_HELLO) {
        info.server_hello =
            Some(ServerHelloInfo::parse(&m.body, m.record_version).map_err(wrap("ServerHello"))?);
    }
    let negotiated = info
        .server_hello
        .as_ref()
        .map(ServerHelloInfo::negotiated_version);
    if let Some(m) = find(handshake_type::CERTIFICATE) {
        info.certificate_chain =
            Some(parse_certificate_list(&m.body).map_err(wrap("Certificate"))?);
    }
    if let (Some(m), Some(v)) = (find(handshake_type::SERVER_KEY_EXCHANGE), negotiated) {
        info.server_key_exchange =
            Some(ServerKeyExchangeInfo::parse(&m.body, v).map_err(wrap("ServerKeyExchange"))?);
    }
    if let (Some(m), Some(v)) = (find(handshake_type::CERTIFICATE_REQUEST), negotiated) {
        if matches!(v, version::DTLS12 | version::DTLS10) {
            info.certificate_request = Some(
                CertificateRequestInfo::parse(&m.body, v).map_err(wrap("CertificateRequest"))?,
            );
        }
    }
    let mut started = false;
    for (j, d) in datagrams.iter().enumerate() {
        if !d.from_client {
            if d.fragments.iter().any(|f| {
                f.msg_type == handshake_type::SERVER_HELLO
                    || f.msg_type == handshake_type::HELLO_VERIFY_REQUEST
            }) {
                started = true;
            }
            if started {
                info.datagrams.push(j);
            }
        } else if started
            && !info.datagrams.is_empty()
            && (d
                .fragments
                .iter()
                .any(|f| f.msg_type != handshake_type::CLIENT_HELLO)
                || d.records.iter().any(Record::is_encrypted))
        {
            break;
        }
    }
    for &j in &info.datagrams {
        let Some(d) = datagrams.get(j) else {
            continue;
        };
        info.datagram_sizes.push(d.size);
        info.records_per_datagram.push(d.records.len());
        info.encrypted_records += d.records.iter().filter(|r| r.is_encrypted()).count();
        for f in &d.fragments {
            if info.plaintext_handshake_messages.last() != Some(&f.msg_type) {
                info.plaintext_handshake_messages.push(f.msg_type);
            }
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn vec8(data: &[u8]) -> Vec<u8> {
        let mut out = vec![data.len() as u8];
        out.extend_from_slice(data);
        out
    }

    fn vec16(data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(data);
        out
    }

    fn ext(t: u16, body: &[u8]) -> Vec<u8> {
        let mut out = t.to_be_bytes().to_vec();
        out.extend(vec16(body));
        out
    }

    fn u16s(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// A small DTLS 1.3-capable ClientHello body.
    fn client_hello_body() -> Vec<u8> {
        let mut body = vec![0xfe, 0xfd];
        body.extend_from_slice(&[0x11; 32]);
        body.extend(vec8(&[])); // session id
        body.extend(vec8(&[])); // cookie
        body.extend(vec16(&u16s(&[0x0a0a, 0x1301, 0xc02b, 0xc02f])));
        body.extend(vec8(&[0]));
        let mut exts = Vec::new();
        exts.extend(ext(0x1a1a, &[]));
        exts.extend(ext(10, &vec16(&u16s(&[0x001d, 0x0017]))));
        exts.extend(ext(11, &vec8(&[0])));
        exts.extend(ext(13, &vec16(&u16s(&[0x0403, 0x0804]))));
        let mut srtp = vec16(&u16s(&[0x0007, 0x0001]));
        srtp.extend(vec8(&[]));
        exts.extend(ext(14, &srtp));
        let mut alpn = vec8(b"webrtc");
        alpn.extend(vec8(b"c-webrtc"));
        exts.extend(ext(16, &vec16(&alpn)));
        exts.extend(ext(43, &vec8(&u16s(&[0xfefc, 0xfefd]))));
        let mut share = u16s(&[0x001d]);
        share.extend(vec16(&[7; 32]));
        exts.extend(ext(51, &vec16(&share)));
        exts.extend(ext(28, &u16s(&[16385])));
        exts.extend(ext(45, &vec8(&[1])));
        body.extend(vec16(&exts));
        body
    }

    fn handshake_record(msg_type: u8, seq: u16, body: &[u8], offset: usize, len: usize) -> Vec<u8> {
        let mut hs = vec![msg_type];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&seq.to_be_bytes());
        hs.extend_from_slice(&(offset as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&body[offset..offset + len]);
        let mut rec = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, seq as u8];
        rec.extend(vec16(&hs));
        rec
    }

    fn udp(src: &str, dst: &str, payload: Vec<u8>) -> UdpDatagram {
        UdpDatagram {
            timestamp: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            src: src.parse().expect("addr"),
            dst: dst.parse().expect("addr"),
            payload,
        }
    }

    #[test]
    fn client_hello_fields_and_ja4() {
        let body = client_hello_body();
        let hello = ClientHelloInfo::parse(&body, 0xfeff).expect("parses");
        assert_eq!(hello.cipher_suites, [0x0a0a, 0x1301, 0xc02b, 0xc02f]);
        assert_eq!(hello.supported_groups, Some(vec![0x001d, 0x0017]));
        assert_eq!(hello.supported_versions, Some(vec![0xfefc, 0xfefd]));
        assert_eq!(
            hello.key_shares,
            Some(vec![KeyShareEntry {
                group: 0x001d,
                key_length: 32
            }])
        );
        assert_eq!(
            hello.use_srtp,
            Some(UseSrtp {
                profiles: vec![7, 1],
                mki_length: 0
            })
        );
        assert_eq!(
            hello.alpn,
            Some(vec![b"webrtc".to_vec(), b"c-webrtc".to_vec()])
        );
        assert_eq!(hello.record_size_limit, Some(16385));
        assert_eq!(hello.psk_key_exchange_modes, Some(vec![1]));
        assert!(hello.grease_present());
        assert!(!hello.sni_present());
        assert!(hello.undecodable_extensions.is_empty());
        assert_eq!(hello.hello_length, body.len());
        // 3 suites and 9 extensions without GREASE; "webrtc" -> "wc".
        let ja4_r = hello.ja4_r();
        assert_eq!(
            ja4_r,
            "dd3i0309wc_1301,c02b,c02f_000a,000b,000d,000e,001c,002b,002d,0033_0403,0804"
        );
        let ja4 = hello.ja4();
        assert!(ja4.starts_with("dd3i0309wc_"), "{ja4}");
        assert_eq!(ja4.len(), "dd3i0309wc_".len() + 12 + 1 + 12);
        // Random of 0x11111111 is 1979, not near 2027.
        assert!(
            !hello.random_looks_like_gmt_unix_time(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
        );
        assert!(hello
            .random_looks_like_gmt_unix_time(UNIX_EPOCH + Duration::from_secs(0x1111_1111 + 1000)));
    }

    #[test]
    fn fragmented_hello_reassembles_across_datagrams() {
        let body = client_hello_body();
        let split = 50;
        let d1 = handshake_record(1, 0, &body, 0, split);
        let d2 = handshake_record(1, 0, &body, split, body.len() - split);
        let datagrams = vec![
            udp("127.0.0.1:1000", "127.0.0.1:2000", vec![0, 1, 0, 0]), // STUN
            udp("127.0.0.1:1000", "127.0.0.1:2000", d1.clone()),
            udp("127.0.0.1:1000", "127.0.0.1:2000", d1.clone()), // retransmission
            udp("127.0.0.1:1000", "127.0.0.1:2000", d2.clone()),
        ];
        let hs = Handshake::first(&datagrams).expect("builds");
        assert_eq!(hs.client, "127.0.0.1:1000".parse().expect("addr"));
        // Like analyze_dtls.py: every datagram with a fragment of the
        // message before it was complete counts, retransmissions included.
        assert_eq!(
            hs.client_hello.datagram_sizes,
            [d1.len(), d1.len(), d2.len()]
        );
        assert_eq!(hs.client_hello.records_per_datagram, [1, 1, 1]);
        assert_eq!(hs.datagrams.len(), 3);
        assert_eq!(hs.client_hello.record_version, 0xfeff);
        assert_eq!(hs.client_messages.len(), 1);
        assert_eq!(hs.server_flight, ServerFlightInfo::default());
    }

    #[test]
    fn records_of_both_header_kinds() {
        let mut datagram = vec![23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 5];
        datagram.extend(vec16(&[0, 1, 0, 0, 0, 0, 0, 5, 9, 9]));
        // Unified header: 001 C=0 S=1 L=1 EE=11, 16-bit seq, length 3.
        datagram.extend_from_slice(&[0x2f, 0xab, 0xcd, 0, 3, 1, 2, 3]);
        // Unified header without length: to the end.
        datagram.extend_from_slice(&[0x21, 0x01, 9, 9, 9, 9]);
        let records = parse_records(&datagram).expect("parses");
        assert_eq!(records.len(), 3);
        let Record::Plaintext(p) = &records[0] else {
            panic!("plaintext expected")
        };
        assert_eq!((p.epoch, p.sequence), (1, 5));
        assert_eq!(
            records[1],
            Record::Unified(UnifiedRecord {
                first_byte: 0x2f,
                epoch_low_bits: 3,
                has_connection_id: false,
                length: 3
            })
        );
        let Record::Unified(u) = &records[2] else {
            panic!("unified expected")
        };
        assert_eq!(u.length, 4);
        let nonce = RecordNonce {
            datagram: 0,
            from_client: true,
            content_type: 23,
            epoch: 1,
            sequence: 5,
            explicit_nonce: [0, 1, 0, 0, 0, 0, 0, 5],
        };
        assert!(nonce.is_epoch_and_sequence());
    }

    #[test]
    fn truncated_hello_is_an_error_at_every_length() {
        let body = client_hello_body();
        // Without the extensions block the hello is still well formed.
        let no_extensions = 2 + 32 + 1 + 1 + 2 + 8 + 2;
        assert!(ClientHelloInfo::parse(&body[..no_extensions], 0xfeff).is_ok());
        for cut in (0..body.len()).filter(|&c| c != no_extensions) {
            assert!(
                ClientHelloInfo::parse(&body[..cut], 0xfeff).is_err(),
                "cut at {cut}"
            );
        }
        let mut long = body.clone();
        long.push(0);
        assert!(matches!(
            ClientHelloInfo::parse(&long, 0xfeff),
            Err(WireError::TrailingBytes { .. })
        ));
    }

    #[test]
    fn truncated_records_are_errors() {
        let body = client_hello_body();
        let datagram = handshake_record(1, 0, &body, 0, body.len());
        for cut in 1..datagram.len() {
            assert!(parse_records(&datagram[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            parse_records(&[0x80, 1, 2]),
            Err(WireError::UnknownRecord(0x80))
        ));
        // A fragment claiming to extend past its message.
        let mut hs = vec![1, 0, 0, 4, 0, 0, 0, 0, 2, 0, 0, 4];
        hs.extend_from_slice(&[1, 2, 3, 4]);
        assert!(matches!(
            parse_handshake_fragments(&hs, 0xfeff),
            Err(WireError::FragmentOutOfRange { .. })
        ));
        // A huge message length is refused before any allocation.
        let hs = [1, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            parse_handshake_fragments(&hs, 0xfeff),
            Err(WireError::MessageTooLarge { .. })
        ));
    }

    #[test]
    fn inconsistent_fragments_are_errors() {
        let mut asm = Reassembler::new();
        let a = HandshakeFragment {
            record_version: 0xfeff,
            msg_type: 1,
            length: 10,
            message_seq: 0,
            offset: 0,
            data: vec![0; 5],
        };
        let b = HandshakeFragment {
            length: 11,
            offset: 5,
            ..a.clone()
        };
        assert_eq!(asm.push(&a, 0), Ok(None));
        assert!(matches!(
            asm.push(&b, 1),
            Err(WireError::InconsistentLength { .. })
        ));
        let empty = HandshakeFragment {
            record_version: 0xfefd,
            msg_type: 14,
            length: 0,
            message_seq: 4,
            offset: 0,
            data: vec![],
        };
        let done = asm.push(&empty, 2).expect("ok").expect("complete");
        assert!(done.body.is_empty());
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let body = client_hello_body();
        for _ in 0..2000 {
            let mut mutated = body.clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % mutated.len();
                mutated[at] = next() as u8;
            }
            let cut = (next() as usize) % (mutated.len() + 1);
            let _ = ClientHelloInfo::parse(&mutated[..cut], 0xfeff);
            let _ = ServerHelloInfo::parse(&mutated[..cut], 0xfefd);
            let _ = ServerKeyExchangeInfo::parse(&mutated[..cut], 0xfefd);
            let _ = CertificateRequestInfo::parse(&mutated[..cut], 0xfefd);
            let _ = parse_certificate_list(&mutated[..cut]);
            let _ = CertificateInfo::from_der(&mutated[..cut]);
            let record = handshake_record(1, 0, &mutated, 0, mutated.len());
            let mut rec = record.clone();
            let at = (next() as usize) % rec.len();
            rec[at] = next() as u8;
            let _ = parse_records(&rec);
            let datagrams = vec![udp("10.0.0.1:1", "10.0.0.2:2", rec)];
            let _ = handshakes(&datagrams);
        }
        for len in 0..64 {
            let garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let _ = parse_records(&garbage);
            let _ = parse_handshake_fragments(&garbage, 0xfeff);
            let _ = CertificateInfo::from_der(&garbage);
        }
    }

    #[test]
    fn server_hello_sentinel() {
        let mut body = vec![0xfe, 0xfd];
        let mut random = [0x42u8; 32];
        random[24..].copy_from_slice(b"DOWNGRD\x01");
        body.extend_from_slice(&random);
        body.extend(vec8(&[5; 32]));
        body.extend_from_slice(&[0xc0, 0x2b, 0]);
        let mut exts = Vec::new();
        exts.extend(ext(23, &[]));
        exts.extend(ext(0xff01, &[0]));
        exts.extend(ext(11, &vec8(&[0])));
        let mut srtp = vec16(&u16s(&[7]));
        srtp.extend(vec8(&[]));
        exts.extend(ext(14, &srtp));
        body.extend(vec16(&exts));
        let sh = ServerHelloInfo::parse(&body, 0xfefd).expect("parses");
        assert_eq!(sh.downgrade_sentinel(), Some(DowngradeSentinel::Tls12));
        assert_eq!(sh.session_id_length, 32);
        assert_eq!(sh.extension_types(), [23, 0xff01, 11, 14]);
        assert_eq!(sh.negotiated_version(), 0xfefd);
        assert!(!sh.is_hello_retry_request());
        assert_eq!(sh.use_srtp.map(|s| s.profiles), Some(vec![7]));
    }

    #[test]
    fn grease_values() {
        assert!(is_grease(0x0a0a));
        assert!(is_grease(0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x1301));
    }

    #[test]
    fn gcm_suites() {
        assert!(is_tls12_aes_gcm_suite(0xc02b));
        assert!(is_tls12_aes_gcm_suite(0xc02f));
        assert!(is_tls12_aes_gcm_suite(0x009c));
        assert!(!is_tls12_aes_gcm_suite(0xcca9));
        assert!(!is_tls12_aes_gcm_suite(0xc009));
        assert!(!is_tls12_aes_gcm_suite(0x1301));
    }
}
