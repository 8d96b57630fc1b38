//! What a TLS ClientHello looks like on the wire, read back from the bytes a
//! client sent over TCP.
//!
//! The DTLS dissector next door (`dtls_wire`) handles datagrams;
//! this one handles the stream form: 5-byte TLS records whose handshake
//! payload carries the ClientHello, possibly split over several records.
//! It decodes the extensions the browser fixtures under
//! `fixtures/fingerprints/tls-*.json` describe (including the ones only
//! browsers send: ALPS, ECH, trust anchors) and computes JA4 with the TLS
//! prefix `t`, as `scripts/browser-fingerprints/fpcommon.py` does, so a
//! test can compare a hello with a fixture field by field.
//!
//! Sans-IO and passive: every length read from the wire is checked against
//! the bytes present, and malformed input gives a [`TlsWireError`]. Input
//! that is a correct prefix of a hello gives [`TlsWireError::Incomplete`],
//! so a caller reading from a socket knows to read more.
//!
//! The module depends on nothing else in this crate (only `sha2` and
//! `thiserror`), so that a crate whose tests need it without the rest of
//! the test kit (`snowflake-browser-tls`) can include the file by path.

use sha2::{Digest, Sha256};

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

/// GREASE values (RFC 8701): `0x?a?a` with both bytes equal.
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
}

/// Extension code points this module decodes or tests look for.
pub mod ext {
    /// server_name
    pub const SERVER_NAME: u16 = 0x0000;
    /// status_request (OCSP stapling)
    pub const STATUS_REQUEST: u16 = 0x0005;
    /// supported_groups
    pub const SUPPORTED_GROUPS: u16 = 0x000a;
    /// ec_point_formats
    pub const EC_POINT_FORMATS: u16 = 0x000b;
    /// signature_algorithms
    pub const SIGNATURE_ALGORITHMS: u16 = 0x000d;
    /// application_layer_protocol_negotiation
    pub const ALPN: u16 = 0x0010;
    /// signed_certificate_timestamp
    pub const SCT: u16 = 0x0012;
    /// padding
    pub const PADDING: u16 = 0x0015;
    /// extended_master_secret
    pub const EXTENDED_MASTER_SECRET: u16 = 0x0017;
    /// compress_certificate
    pub const COMPRESS_CERTIFICATE: u16 = 0x001b;
    /// record_size_limit
    pub const RECORD_SIZE_LIMIT: u16 = 0x001c;
    /// delegated_credentials
    pub const DELEGATED_CREDENTIALS: u16 = 0x0022;
    /// session_ticket
    pub const SESSION_TICKET: u16 = 0x0023;
    /// pre_shared_key
    pub const PRE_SHARED_KEY: u16 = 0x0029;
    /// supported_versions
    pub const SUPPORTED_VERSIONS: u16 = 0x002b;
    /// psk_key_exchange_modes
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 0x002d;
    /// key_share
    pub const KEY_SHARE: u16 = 0x0033;
    /// application_settings, old code point
    pub const APPLICATION_SETTINGS_OLD: u16 = 0x4469;
    /// application_settings (ALPS), new code point
    pub const APPLICATION_SETTINGS: u16 = 0x44cd;
    /// trust_anchors (draft-ietf-tls-trust-anchor-ids)
    pub const TRUST_ANCHORS: u16 = 0xca34;
    /// encrypted_client_hello
    pub const ENCRYPTED_CLIENT_HELLO: u16 = 0xfe0d;
    /// renegotiation_info
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// TLS record content type "handshake".
const CONTENT_HANDSHAKE: u8 = 22;
/// Handshake message type "client_hello".
const CLIENT_HELLO: u8 = 1;
/// Longest TLS record payload a client may send (2^14 plus the slack RFC
/// 8446 allows for compressed/protected records; plaintext hellos are well
/// under it).
const MAX_RECORD_PAYLOAD: usize = 16384 + 2048;
/// Longest ClientHello this parser accepts.
pub const MAX_CLIENT_HELLO: usize = 1 << 16;

/// Why bytes are not a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsWireError {
    /// The bytes are a correct beginning but the hello is not complete yet.
    #[error("incomplete: {have} bytes so far")]
    Incomplete {
        /// Bytes present.
        have: usize,
    },
    /// A record of another content type where a handshake record belongs.
    #[error("record {index}: content type {content_type}, expected handshake (22)")]
    NotHandshake {
        /// Index of the record.
        index: usize,
        /// Its content type.
        content_type: u8,
    },
    /// A record header with a length over the TLS limit.
    #[error("record {index}: length {length} exceeds {limit}")]
    RecordTooLong {
        /// Index of the record.
        index: usize,
        /// Its length field.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The first handshake message is not a ClientHello.
    #[error("first handshake message has type {0}, expected client_hello (1)")]
    NotClientHello(u8),
    /// The hello announces a length over [`MAX_CLIENT_HELLO`].
    #[error("ClientHello of {0} bytes exceeds the limit")]
    HelloTooLong(usize),
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
}

type Result<T> = std::result::Result<T, TlsWireError>;

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
            return Err(TlsWireError::Truncated {
                what: self.what,
                need: n,
                have: self.left(),
            });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn vec8(&mut self) -> Result<&'a [u8]> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }

    fn vec16(&mut self) -> Result<&'a [u8]> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }

    fn finish(&self) -> Result<()> {
        match self.left() {
            0 => Ok(()),
            extra => Err(TlsWireError::TrailingBytes {
                what: self.what,
                extra,
            }),
        }
    }
}

fn u16_list(data: &[u8], what: &'static str) -> Result<Vec<u16>> {
    if data.len() & 1 == 1 {
        return Err(TlsWireError::OddLength {
            what,
            len: data.len(),
        });
    }
    Ok(data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// A vector with a 16-bit length that fills `data` exactly.
fn whole_vec16<'a>(data: &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let mut r = Reader::new(data, what);
    let inner = r.vec16()?;
    r.finish()?;
    Ok(inner)
}

/// A vector with an 8-bit length that fills `data` exactly.
fn whole_vec8<'a>(data: &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let mut r = Reader::new(data, what);
    let inner = r.vec8()?;
    r.finish()?;
    Ok(inner)
}

/// A list of 8-bit-length-prefixed strings filling `data` (ALPN, ALPS).
fn protocol_list(data: &[u8], what: &'static str) -> Result<Vec<Vec<u8>>> {
    let mut lr = Reader::new(whole_vec16(data, what)?, what);
    let mut out = Vec::new();
    while lr.left() > 0 {
        out.push(lr.vec8()?.to_vec());
    }
    Ok(out)
}

/// A TLS ClientHello as sent, with its extensions decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// Version in the header of the first record.
    pub record_version: u16,
    /// Payload length of each record that carried the hello.
    pub record_lengths: Vec<usize>,
    /// legacy_version.
    pub legacy_version: u16,
    /// The 32 random bytes.
    pub random: [u8; 32],
    /// Length of legacy_session_id.
    pub session_id_length: usize,
    /// Cipher suites in order.
    pub cipher_suites: Vec<u16>,
    /// Compression methods in order.
    pub compression_methods: Vec<u8>,
    /// Extensions in order, with their raw bodies.
    pub extensions: Vec<Extension>,
    /// supported_groups, if sent.
    pub supported_groups: Option<Vec<u16>>,
    /// signature_algorithms, if sent.
    pub signature_algorithms: Option<Vec<u16>>,
    /// supported_versions, if sent.
    pub supported_versions: Option<Vec<u16>>,
    /// key_share entries, if sent.
    pub key_shares: Option<Vec<KeyShareEntry>>,
    /// ec_point_formats, if sent.
    pub ec_point_formats: Option<Vec<u8>>,
    /// ALPN protocols, if sent.
    pub alpn: Option<Vec<Vec<u8>>>,
    /// ALPS protocols (0x44cd or the old 0x4469), if sent.
    pub application_settings: Option<Vec<Vec<u8>>>,
    /// server_name host names, if sent.
    pub server_names: Option<Vec<Vec<u8>>>,
    /// psk_key_exchange_modes, if sent.
    pub psk_key_exchange_modes: Option<Vec<u8>>,
    /// compress_certificate algorithms, if sent.
    pub compress_certificate: Option<Vec<u16>>,
    /// record_size_limit, if sent.
    pub record_size_limit: Option<u16>,
    /// Extensions whose body did not decode.
    pub undecodable_extensions: Vec<u16>,
    /// Length of the ClientHello body (without the 4-byte handshake
    /// header), the fixtures' `hello_length`.
    pub hello_length: usize,
}

impl ClientHello {
    /// Parses the ClientHello at the start of a client's TCP byte stream:
    /// handshake records, reassembled until the first handshake message is
    /// complete. Bytes after that message are ignored.
    pub fn from_stream(bytes: &[u8]) -> Result<ClientHello> {
        let mut handshake = Vec::new();
        let mut record_lengths = Vec::new();
        let mut record_version = None;
        let mut pos = 0usize;
        loop {
            // Is the handshake message complete?
            if handshake.len() >= 4 {
                if handshake[0] != CLIENT_HELLO {
                    return Err(TlsWireError::NotClientHello(handshake[0]));
                }
                let len = usize::from(handshake[1]) << 16
                    | usize::from(handshake[2]) << 8
                    | usize::from(handshake[3]);
                if len > MAX_CLIENT_HELLO {
                    return Err(TlsWireError::HelloTooLong(len));
                }
                if handshake.len() >= 4 + len {
                    let mut hello = ClientHello::parse_body(&handshake[4..4 + len])?;
                    hello.record_version = record_version.unwrap_or(0);
                    hello.record_lengths = record_lengths;
                    return Ok(hello);
                }
            }
            let header = match bytes.get(pos..pos + 5) {
                Some(h) => h,
                None => return Err(TlsWireError::Incomplete { have: bytes.len() }),
            };
            let index = record_lengths.len();
            if header[0] != CONTENT_HANDSHAKE {
                return Err(TlsWireError::NotHandshake {
                    index,
                    content_type: header[0],
                });
            }
            let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if length > MAX_RECORD_PAYLOAD {
                return Err(TlsWireError::RecordTooLong {
                    index,
                    length,
                    limit: MAX_RECORD_PAYLOAD,
                });
            }
            let payload = match bytes.get(pos + 5..pos + 5 + length) {
                Some(p) => p,
                None => return Err(TlsWireError::Incomplete { have: bytes.len() }),
            };
            record_version.get_or_insert(u16::from_be_bytes([header[1], header[2]]));
            record_lengths.push(length);
            handshake.extend_from_slice(payload);
            pos += 5 + length;
        }
    }

    /// Parses a ClientHello body (after the 4-byte handshake header).
    pub fn parse_body(body: &[u8]) -> Result<ClientHello> {
        let mut r = Reader::new(body, "ClientHello");
        let legacy_version = r.u16()?;
        let mut random = [0u8; 32];
        random.copy_from_slice(r.take(32)?);
        let session_id_length = r.vec8()?.len();
        let cipher_suites = u16_list(r.vec16()?, "cipher_suites")?;
        let compression_methods = r.vec8()?.to_vec();
        let mut extensions = Vec::new();
        if r.left() > 0 {
            let mut er = Reader::new(r.vec16()?, "extensions");
            while er.left() > 0 {
                let ext_type = er.u16()?;
                let data = er.vec16()?.to_vec();
                extensions.push(Extension { ext_type, data });
            }
        }
        r.finish()?;
        let mut hello = ClientHello {
            record_version: 0,
            record_lengths: Vec::new(),
            legacy_version,
            random,
            session_id_length,
            cipher_suites,
            compression_methods,
            extensions: Vec::new(),
            supported_groups: None,
            signature_algorithms: None,
            supported_versions: None,
            key_shares: None,
            ec_point_formats: None,
            alpn: None,
            application_settings: None,
            server_names: None,
            psk_key_exchange_modes: None,
            compress_certificate: None,
            record_size_limit: None,
            undecodable_extensions: Vec::new(),
            hello_length: body.len(),
        };
        for e in &extensions {
            if hello.decode_extension(e).is_err() {
                hello.undecodable_extensions.push(e.ext_type);
            }
        }
        hello.extensions = extensions;
        Ok(hello)
    }

    fn decode_extension(&mut self, e: &Extension) -> Result<()> {
        let data = e.data.as_slice();
        match e.ext_type {
            ext::SERVER_NAME => {
                let mut lr = Reader::new(whole_vec16(data, "server_name")?, "server_name list");
                let mut names = Vec::new();
                while lr.left() > 0 {
                    let _name_type = lr.u8()?;
                    names.push(lr.vec16()?.to_vec());
                }
                self.server_names = Some(names);
            }
            ext::SUPPORTED_GROUPS => {
                self.supported_groups = Some(u16_list(
                    whole_vec16(data, "supported_groups")?,
                    "supported_groups",
                )?)
            }
            ext::EC_POINT_FORMATS => {
                self.ec_point_formats = Some(whole_vec8(data, "ec_point_formats")?.to_vec())
            }
            ext::SIGNATURE_ALGORITHMS => {
                self.signature_algorithms = Some(u16_list(
                    whole_vec16(data, "signature_algorithms")?,
                    "signature_algorithms",
                )?)
            }
            ext::ALPN => self.alpn = Some(protocol_list(data, "alpn")?),
            ext::APPLICATION_SETTINGS | ext::APPLICATION_SETTINGS_OLD => {
                self.application_settings = Some(protocol_list(data, "application_settings")?)
            }
            ext::SUPPORTED_VERSIONS => {
                self.supported_versions = Some(u16_list(
                    whole_vec8(data, "supported_versions")?,
                    "supported_versions",
                )?)
            }
            ext::KEY_SHARE => {
                let mut lr = Reader::new(whole_vec16(data, "key_share")?, "key_share entries");
                let mut shares = Vec::new();
                while lr.left() > 0 {
                    let group = lr.u16()?;
                    let key_length = lr.vec16()?.len();
                    shares.push(KeyShareEntry { group, key_length });
                }
                self.key_shares = Some(shares);
            }
            ext::PSK_KEY_EXCHANGE_MODES => {
                self.psk_key_exchange_modes =
                    Some(whole_vec8(data, "psk_key_exchange_modes")?.to_vec())
            }
            ext::COMPRESS_CERTIFICATE => {
                self.compress_certificate = Some(u16_list(
                    whole_vec8(data, "compress_certificate")?,
                    "compress_certificate",
                )?)
            }
            ext::RECORD_SIZE_LIMIT => {
                let mut r = Reader::new(data, "record_size_limit");
                self.record_size_limit = Some(r.u16()?);
                r.finish()?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Extension types in wire order.
    pub fn extension_types(&self) -> Vec<u16> {
        self.extensions.iter().map(|e| e.ext_type).collect()
    }

    /// Body lengths of the extensions in wire order.
    pub fn extension_lengths(&self) -> Vec<usize> {
        self.extensions.iter().map(|e| e.data.len()).collect()
    }

    /// The body of the first extension of this type.
    pub fn extension(&self, ext_type: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.ext_type == ext_type)
            .map(|e| e.data.as_slice())
    }

    /// Whether the hello has an extension of this type.
    pub fn has_extension(&self, ext_type: u16) -> bool {
        self.extension(ext_type).is_some()
    }

    /// The first server_name host name, as text.
    pub fn sni(&self) -> Option<String> {
        self.server_names
            .as_ref()
            .and_then(|names| names.first())
            .map(|n| String::from_utf8_lossy(n).into_owned())
    }

    /// The hello's lists with every GREASE value written `"GREASE"` and
    /// others as 4-digit hex, the way the fixtures write them.
    pub fn fixture_form(values: &[u16]) -> Vec<String> {
        values
            .iter()
            .map(|&v| {
                if is_grease(v) {
                    "GREASE".to_string()
                } else {
                    format!("{v:04x}")
                }
            })
            .collect()
    }

    fn ja4_parts(&self) -> (String, String, String, bool) {
        let version = self
            .supported_versions
            .iter()
            .flatten()
            .copied()
            .filter(|&v| !is_grease(v))
            .max()
            .unwrap_or(self.legacy_version);
        let version = match version {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            0x0002 => "s2",
            _ => "00",
        };
        let sni = if self.has_extension(ext::SERVER_NAME) {
            'd'
        } else {
            'i'
        };
        let ciphers: Vec<u16> = self
            .cipher_suites
            .iter()
            .copied()
            .filter(|&c| !is_grease(c))
            .collect();
        let exts: Vec<u16> = self
            .extension_types()
            .into_iter()
            .filter(|&e| !is_grease(e))
            .collect();
        let alpn = match self.alpn.as_ref().and_then(|l| l.first()) {
            Some(first) if !first.is_empty() => {
                let (a0, a1) = (first[0], first[first.len() - 1]);
                if a0.is_ascii_alphanumeric() && a1.is_ascii_alphanumeric() {
                    format!("{}{}", char::from(a0), char::from(a1))
                } else {
                    let hex: Vec<char> = first
                        .iter()
                        .flat_map(|b| format!("{b:02x}").chars().collect::<Vec<_>>())
                        .collect();
                    let f = hex.first().copied().unwrap_or('0');
                    let l = hex.last().copied().unwrap_or('0');
                    format!("{f}{l}")
                }
            }
            _ => "00".to_string(),
        };
        let part_a = format!(
            "t{version}{sni}{:02}{:02}{alpn}",
            ciphers.len().min(99),
            exts.len().min(99)
        );
        let mut cipher_hex: Vec<String> = ciphers.iter().map(|c| format!("{c:04x}")).collect();
        cipher_hex.sort();
        let mut ext_hex: Vec<String> = exts
            .iter()
            .filter(|&&e| e != ext::SERVER_NAME && e != ext::ALPN)
            .map(|e| format!("{e:04x}"))
            .collect();
        ext_hex.sort();
        let c_list = cipher_hex.join(",");
        let mut c_input = ext_hex.join(",");
        if let Some(sigs) = &self.signature_algorithms {
            let sigs: Vec<String> = sigs
                .iter()
                .filter(|&&s| !is_grease(s))
                .map(|s| format!("{s:04x}"))
                .collect();
            c_input = format!("{c_input}_{}", sigs.join(","));
        }
        (part_a, c_list, c_input, ext_hex.is_empty())
    }

    /// JA4 (TLS over TCP), as `fpcommon.ja4("t", ...)` computes it.
    pub fn ja4(&self) -> String {
        let (a, c_list, c_input, no_extensions) = self.ja4_parts();
        // No extensions left (after SNI and ALPN) means a zero hash,
        // whatever the signature algorithms.
        let c = if no_extensions {
            hash12("")
        } else {
            hash12(&c_input)
        };
        format!("{a}_{}_{c}", hash12(&c_list))
    }

    /// The raw JA4 (`ja4_r`): the sorted lists in clear.
    pub fn ja4_r(&self) -> String {
        let (a, c_list, c_input, _) = self.ja4_parts();
        format!("{a}_{c_list}_{c_input}")
    }
}

fn hash12(input: &str) -> String {
    if input.is_empty() {
        return "000000000000".to_string();
    }
    Sha256::digest(input.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built hello: one GREASE suite and two real ones, SNI, ALPN,
    /// supported_versions, signature_algorithms, key_share.
    fn sample_hello() -> Vec<u8> {
        fn ext(t: u16, body: &[u8]) -> Vec<u8> {
            let mut v = t.to_be_bytes().to_vec();
            v.extend_from_slice(&(body.len() as u16).to_be_bytes());
            v.extend_from_slice(body);
            v
        }
        let mut exts = Vec::new();
        exts.extend(ext(0x0a0a, &[]));
        exts.extend(ext(0, &[0, 6, 0, 0, 3, b'a', b'.', b'b']));
        exts.extend(ext(0x10, &[0, 3, 2, b'h', b'2']));
        exts.extend(ext(0x2b, &[4, 0x03, 0x04, 0x03, 0x03]));
        exts.extend(ext(0x0d, &[0, 4, 0x04, 0x03, 0x08, 0x04]));
        exts.extend(ext(0x33, &[0, 6, 0, 0x1d, 0, 2, 9, 9]));
        let mut body = vec![3, 3];
        body.extend([7u8; 32]);
        body.push(0);
        body.extend([0, 6, 0x1a, 0x1a, 0x13, 0x01, 0xc0, 0x2b]);
        body.extend([1, 0]);
        body.extend((exts.len() as u16).to_be_bytes());
        body.extend(exts);
        let mut hs = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        hs.extend(body);
        hs
    }

    fn records(hs: &[u8], split: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in [&hs[..split], &hs[split..]] {
            out.extend([22, 3, 1]);
            out.extend((chunk.len() as u16).to_be_bytes());
            out.extend(chunk);
        }
        out
    }

    #[test]
    fn parses_a_hello_split_over_records() {
        let hs = sample_hello();
        let wire = records(&hs, 10);
        let hello = ClientHello::from_stream(&wire).unwrap();
        assert_eq!(hello.record_lengths, vec![10, hs.len() - 10]);
        assert_eq!(hello.cipher_suites, vec![0x1a1a, 0x1301, 0xc02b]);
        assert_eq!(hello.sni().as_deref(), Some("a.b"));
        assert_eq!(hello.alpn, Some(vec![b"h2".to_vec()]));
        assert_eq!(
            hello.key_shares,
            Some(vec![KeyShareEntry {
                group: 0x1d,
                key_length: 2
            }])
        );
        assert_eq!(hello.hello_length, hs.len() - 4);
        assert_eq!(
            hello.ja4_r(),
            "t13d0205h2_1301,c02b_000d,002b,0033_0403,0804"
        );
        assert!(hello.ja4().starts_with("t13d0205h2_"));
    }

    #[test]
    fn every_prefix_is_incomplete_not_an_error() {
        let wire = records(&sample_hello(), 30);
        for cut in 0..wire.len() {
            match ClientHello::from_stream(&wire[..cut]) {
                Err(TlsWireError::Incomplete { .. }) => {}
                other => panic!("prefix {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_non_handshake_and_corrupt_lengths() {
        let mut wire = records(&sample_hello(), 10);
        wire[0] = 23;
        assert!(matches!(
            ClientHello::from_stream(&wire),
            Err(TlsWireError::NotHandshake { .. })
        ));
        let hs = sample_hello();
        let mut body = hs[4..].to_vec();
        // Cipher-suite length pointing past the end.
        body[35] = 0xff;
        assert!(ClientHello::parse_body(&body).is_err());
    }
}
