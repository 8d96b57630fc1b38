//! Snowflake patch: a hook that decides what the hellos look like on the wire.
//!
//! The stack still decides what it can do (suites it implements, the curve
//! it generates, extended master secret, the SRTP profile); a
//! [`HelloShaper`] only decides how the ClientHello, the ServerHello and the
//! CertificateRequest are written: which code points are listed, in which
//! order, with which record version, and whether the server sends a
//! HelloVerifyRequest. The parts are raw (`u16` code points and raw
//! extension bodies) because the typed structures of this crate cannot
//! express code points it does not implement.
//!
//! A shaper reaches a connection either through [`crate::config::Config`]'s
//! `hello_shaper` field or, for stacks that build the `Config` themselves
//! (webrtc), through [`register`], keyed by the SHA-256 of the connection's
//! first local certificate.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, Weak};

use byteorder::{BigEndian, WriteBytesExt};
use sha2::{Digest, Sha256};

use crate::error::*;
use crate::extension::Extension;
use crate::handshake::handshake_random::HandshakeRandom;
use crate::handshake::HandshakeType;
use crate::record_layer::record_layer_header::ProtocolVersion;

/// Extension code points the stack itself fills in or acts on.
pub const EXT_SERVER_NAME: u16 = 0x0000;
pub const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
pub const EXT_EC_POINT_FORMATS: u16 = 0x000b;
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000d;
pub const EXT_USE_SRTP: u16 = 0x000e;
pub const EXT_ALPN: u16 = 0x0010;
pub const EXT_EXTENDED_MASTER_SECRET: u16 = 0x0017;
pub const EXT_RECORD_SIZE_LIMIT: u16 = 0x001c;
pub const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;
pub const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// DTLS 1.3 as it appears in `supported_versions`.
pub const DTLS_1_3: u16 = 0xfefc;

/// One extension as it goes on the wire: its type and its body (without the
/// 4-byte type and length header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawExtension {
    pub typ: u16,
    pub data: Vec<u8>,
}

impl RawExtension {
    pub fn new(typ: u16, data: Vec<u8>) -> Self {
        RawExtension { typ, data }
    }

    /// The raw form of a typed extension of this crate.
    pub fn from_extension(extension: &Extension) -> Result<Self> {
        let mut buf = vec![];
        extension.marshal(&mut buf)?;
        if buf.len() < 4 {
            return Err(Error::ErrBufferTooSmall);
        }
        Ok(RawExtension {
            typ: u16::from_be_bytes([buf[0], buf[1]]),
            data: buf[4..].to_vec(),
        })
    }

    fn size(&self) -> usize {
        4 + self.data.len()
    }

    fn marshal<W: Write>(&self, writer: &mut W) -> Result<()> {
        let len = u16::try_from(self.data.len()).map_err(|_| Error::ErrBufferTooSmall)?;
        writer.write_u16::<BigEndian>(self.typ)?;
        writer.write_u16::<BigEndian>(len)?;
        writer.write_all(&self.data)?;
        Ok(())
    }
}

/// What a ClientHello says, apart from the random and the cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHelloParts {
    /// Record-layer version of the records that carry the hello (browsers
    /// write DTLS 1.0, `fe ff`).
    pub record_version: ProtocolVersion,
    /// Cipher suite code points, in order.
    pub cipher_suites: Vec<u16>,
    /// Extensions, in order.
    pub extensions: Vec<RawExtension>,
}

/// The peer's ClientHello as a server saw it, in raw form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerHello {
    pub cipher_suites: Vec<u16>,
    pub extensions: Vec<RawExtension>,
}

impl PeerHello {
    pub fn extension(&self, typ: u16) -> Option<&RawExtension> {
        self.extensions.iter().find(|e| e.typ == typ)
    }

    /// The versions listed in `supported_versions`, if present.
    pub fn supported_versions(&self) -> Vec<u16> {
        let Some(ext) = self.extension(EXT_SUPPORTED_VERSIONS) else {
            return vec![];
        };
        let Some((&len, rest)) = ext.data.split_first() else {
            return vec![];
        };
        rest.get(..usize::from(len))
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    /// Whether the peer offered DTLS 1.3: a server that then answers 1.2
    /// must not put the downgrade sentinel in its random.
    pub fn offers_dtls13(&self) -> bool {
        self.supported_versions().contains(&DTLS_1_3)
    }

    /// The groups listed in `supported_groups`, in the peer's order.
    pub fn supported_groups(&self) -> Vec<u16> {
        let Some(ext) = self.extension(EXT_SUPPORTED_GROUPS) else {
            return vec![];
        };
        let Some(len) = ext.data.get(..2) else {
            return vec![];
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        ext.data
            .get(2..2 + len)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    /// The ALPN protocol names offered, in order.
    pub fn alpn_protocols(&self) -> Vec<Vec<u8>> {
        let Some(ext) = self.extension(EXT_ALPN) else {
            return vec![];
        };
        let mut out = vec![];
        let mut rest = ext.data.get(2..).unwrap_or(&[]);
        while let Some((&len, tail)) = rest.split_first() {
            let Some(name) = tail.get(..usize::from(len)) else {
                break;
            };
            out.push(name.to_vec());
            rest = &tail[usize::from(len)..];
        }
        out
    }
}

/// What a server's first flight says, apart from what the negotiation fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFlightParts {
    /// Session id of the ServerHello (browsers send 32 random bytes).
    pub session_id: Vec<u8>,
    /// ServerHello extensions, in order. The stack checks that the ones it
    /// acts on (extended master secret, use_srtp, renegotiation_info) are
    /// still what it negotiated.
    pub server_hello_extensions: Vec<RawExtension>,
    /// Replaces the last 8 bytes of the server random (before anything is
    /// signed with it), e.g. the DTLS 1.3 downgrade sentinel.
    pub random_tail: Option<[u8; 8]>,
    /// CertificateRequest: certificate types, in order.
    pub certificate_types: Vec<u8>,
    /// CertificateRequest: signature algorithm code points, in order.
    pub certificate_request_signature_algorithms: Vec<u16>,
}

/// Decides how hellos are written. Called once per handshake for each
/// decision; the stack caches the results, so that a retransmitted or
/// cookie-carrying ClientHello is the same hello.
pub trait HelloShaper: Send + Sync + fmt::Debug {
    /// Whether a client sends `server_name` (no WebRTC stack does).
    fn send_server_name(&self) -> bool {
        false
    }

    /// The ClientHello to send, given the stack's own.
    fn client_hello(&self, default: ClientHelloParts) -> ClientHelloParts;

    /// Whether a server answers the first ClientHello directly, without a
    /// HelloVerifyRequest (as browsers do).
    fn skip_hello_verify(&self) -> bool {
        true
    }

    /// A server's choice of key-exchange group among those the peer
    /// offered (`offered`, in the peer's order). `None` keeps the stack's
    /// choice; a group the stack cannot generate is ignored.
    fn select_group(&self, _offered: &[u16]) -> Option<u16> {
        None
    }

    /// The server flight to send, given the stack's own and the peer's hello.
    fn server_flight(&self, default: ServerFlightParts, _peer: &PeerHello) -> ServerFlightParts {
        default
    }
}

/// A ClientHello written from [`ClientHelloParts`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapedClientHello {
    pub version: ProtocolVersion,
    pub random: HandshakeRandom,
    pub cookie: Vec<u8>,
    pub parts: ClientHelloParts,
}

impl ShapedClientHello {
    pub fn handshake_type(&self) -> HandshakeType {
        HandshakeType::ClientHello
    }

    pub fn size(&self) -> usize {
        2 + self.random.size()
            + 1
            + 1
            + self.cookie.len()
            + 2
            + 2 * self.parts.cipher_suites.len()
            + 2
            + 2
            + self
                .parts
                .extensions
                .iter()
                .map(RawExtension::size)
                .sum::<usize>()
    }

    pub fn marshal<W: Write>(&self, writer: &mut W) -> Result<()> {
        let cookie_len = u8::try_from(self.cookie.len()).map_err(|_| Error::ErrCookieTooLong)?;
        let suites_len = u16::try_from(2 * self.parts.cipher_suites.len())
            .map_err(|_| Error::ErrBufferTooSmall)?;
        writer.write_u8(self.version.major)?;
        writer.write_u8(self.version.minor)?;
        self.random.marshal(writer)?;
        writer.write_u8(0)?; // session id
        writer.write_u8(cookie_len)?;
        writer.write_all(&self.cookie)?;
        writer.write_u16::<BigEndian>(suites_len)?;
        for suite in &self.parts.cipher_suites {
            writer.write_u16::<BigEndian>(*suite)?;
        }
        writer.write_u8(1)?; // compression methods: null only
        writer.write_u8(0)?;
        write_extensions(writer, &self.parts.extensions)?;
        Ok(writer.flush()?)
    }
}

/// A ServerHello written with raw extensions and a session id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapedServerHello {
    pub version: ProtocolVersion,
    pub random: HandshakeRandom,
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub extensions: Vec<RawExtension>,
}

impl ShapedServerHello {
    pub fn handshake_type(&self) -> HandshakeType {
        HandshakeType::ServerHello
    }

    pub fn size(&self) -> usize {
        2 + self.random.size()
            + 1
            + self.session_id.len()
            + 2
            + 1
            + 2
            + self
                .extensions
                .iter()
                .map(RawExtension::size)
                .sum::<usize>()
    }

    pub fn marshal<W: Write>(&self, writer: &mut W) -> Result<()> {
        let session_id_len =
            u8::try_from(self.session_id.len()).map_err(|_| Error::ErrBufferTooSmall)?;
        writer.write_u8(self.version.major)?;
        writer.write_u8(self.version.minor)?;
        self.random.marshal(writer)?;
        writer.write_u8(session_id_len)?;
        writer.write_all(&self.session_id)?;
        writer.write_u16::<BigEndian>(self.cipher_suite)?;
        writer.write_u8(0)?; // null compression
        write_extensions(writer, &self.extensions)?;
        Ok(writer.flush()?)
    }
}

/// A CertificateRequest with raw lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapedCertificateRequest {
    pub certificate_types: Vec<u8>,
    pub signature_algorithms: Vec<u16>,
}

impl ShapedCertificateRequest {
    pub fn handshake_type(&self) -> HandshakeType {
        HandshakeType::CertificateRequest
    }

    pub fn size(&self) -> usize {
        1 + self.certificate_types.len() + 2 + 2 * self.signature_algorithms.len() + 2
    }

    pub fn marshal<W: Write>(&self, writer: &mut W) -> Result<()> {
        let types_len =
            u8::try_from(self.certificate_types.len()).map_err(|_| Error::ErrBufferTooSmall)?;
        let algs_len = u16::try_from(2 * self.signature_algorithms.len())
            .map_err(|_| Error::ErrBufferTooSmall)?;
        writer.write_u8(types_len)?;
        writer.write_all(&self.certificate_types)?;
        writer.write_u16::<BigEndian>(algs_len)?;
        for alg in &self.signature_algorithms {
            writer.write_u16::<BigEndian>(*alg)?;
        }
        writer.write_u16::<BigEndian>(0)?; // no certificate authorities
        Ok(writer.flush()?)
    }
}

fn write_extensions<W: Write>(writer: &mut W, extensions: &[RawExtension]) -> Result<()> {
    let mut buf = vec![];
    for extension in extensions {
        extension.marshal(&mut buf)?;
    }
    let len = u16::try_from(buf.len()).map_err(|_| Error::ErrBufferTooSmall)?;
    writer.write_u16::<BigEndian>(len)?;
    writer.write_all(&buf)?;
    Ok(())
}

type Registry = HashMap<[u8; 32], Weak<dyn HelloShaper>>;

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: std::sync::OnceLock<Mutex<Registry>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Keeps a shaper registered for one certificate; dropping it removes the
/// entry.
#[must_use = "the shaper is unregistered when this is dropped"]
pub struct ShaperRegistration {
    key: [u8; 32],
    // Holds the shaper alive as long as the registration lives.
    _shaper: Arc<dyn HelloShaper>,
}

impl fmt::Debug for ShaperRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShaperRegistration").finish_non_exhaustive()
    }
}

impl Drop for ShaperRegistration {
    fn drop(&mut self) {
        if let Ok(mut map) = registry().lock() {
            let stale = map.get(&self.key).is_none_or(|weak| {
                weak.upgrade()
                    .is_none_or(|s| Arc::ptr_eq(&s, &self._shaper))
            });
            if stale {
                map.remove(&self.key);
            }
        }
    }
}

/// SHA-256 of a DER certificate, the registry's key.
pub fn certificate_key(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Registers `shaper` for connections whose first local certificate is
/// `certificate_der`, until the returned registration is dropped.
pub fn register(certificate_der: &[u8], shaper: Arc<dyn HelloShaper>) -> ShaperRegistration {
    let key = certificate_key(certificate_der);
    if let Ok(mut map) = registry().lock() {
        map.retain(|_, weak| weak.strong_count() > 0);
        map.insert(key, Arc::downgrade(&shaper));
    }
    ShaperRegistration {
        key,
        _shaper: shaper,
    }
}

/// The shaper registered for this certificate, if any.
pub fn lookup(certificate_der: &[u8]) -> Option<Arc<dyn HelloShaper>> {
    let key = certificate_key(certificate_der);
    registry()
        .lock()
        .ok()
        .and_then(|map| map.get(&key).and_then(Weak::upgrade))
}

#[cfg(test)]
mod shaper_test;
