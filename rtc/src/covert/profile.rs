//! What a browser's WebRTC DTLS 1.2 handshake says, field by field: the
//! ClientHello it sends as a DTLS client and the first flight it sends as a
//! DTLS server. The values come from the captures in
//! `fixtures/fingerprints/dtls-{chromium,firefox}.json` (made by
//! `scripts/browser-fingerprints/`), and the capture test compares our
//! handshakes with those fixtures.
//!
//! Both browsers offer DTLS 1.3 today; our stack speaks DTLS 1.2 only, and
//! an offer we could not complete would be a lie a censor can test. So the
//! ClientHellos here are each browser's hello **capped at DTLS 1.2**:
//!
//! * Firefox ESR 153: captured with `media.peerconnection.dtls.version.max`
//!   = 771 (DTLS 1.2), i.e. exactly what that browser sends;
//! * Chromium 156: has no switch for this, so the hello is the captured 1.3
//!   hello without its 1.3-only parts (the TLS 1.3 suites, `key_share`,
//!   `supported_versions`, `psk_key_exchange_modes` and the X25519MLKEM768
//!   group), which is what BoringSSL sends when its maximum is 1.2.
//!
//! The server flights are the browsers' own answers to a DTLS-1.2-only
//! client (captured), including the `DOWNGRD\x01` sentinel.

use super::browser::BrowserFamily;

/// Extension code points used here.
pub mod ext {
    pub const SUPPORTED_GROUPS: u16 = 0x000a;
    pub const EC_POINT_FORMATS: u16 = 0x000b;
    pub const SIGNATURE_ALGORITHMS: u16 = 0x000d;
    pub const USE_SRTP: u16 = 0x000e;
    pub const ALPN: u16 = 0x0010;
    pub const EXTENDED_MASTER_SECRET: u16 = 0x0017;
    pub const RECORD_SIZE_LIMIT: u16 = 0x001c;
    pub const SUPPORTED_VERSIONS: u16 = 0x002b;
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 0x002d;
    pub const KEY_SHARE: u16 = 0x0033;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
    pub const SERVER_NAME: u16 = 0x0000;
}

/// Groups our DTLS stack can complete a key exchange with: x25519, P-256,
/// P-384.
pub const IMPLEMENTED_GROUPS: [u16; 3] = [0x001d, 0x0017, 0x0018];

/// SRTP protection profiles our stack knows (and webrtc 0.17 lists by
/// default): AES128_CM_HMAC_SHA1_80/32, AEAD_AES_128_GCM, AEAD_AES_256_GCM.
pub const KNOWN_SRTP_PROFILES: [u16; 4] = [0x0001, 0x0002, 0x0007, 0x0008];

/// Cipher suites our stack can complete with the ECDSA certificates every
/// WebRTC peer uses: ECDHE-ECDSA with AES-128-GCM, AES-128-CBC-SHA (added
/// in `vendor/dtls` because both browsers offer it), AES-256-CBC-SHA and
/// ChaCha20-Poly1305.
pub const IMPLEMENTED_ECDSA_SUITES: [u16; 4] = [0xc02b, 0xc009, 0xc00a, 0xcca9];

/// TLS 1.2 cipher suites a peer with an ECDSA certificate (every WebRTC
/// peer) can select: the ECDHE-ECDSA ones.
pub const ECDSA_SUITES: [u16; 12] = [
    0xc02b, 0xc02c, 0xc009, 0xc00a, 0xc023, 0xc024, 0xcca9, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xc072,
];

/// P-256: WebRTC certificates are ECDSA P-256, and a DTLS 1.2 server only
/// signs with one when the client lists the curve (both browsers refuse
/// the handshake otherwise).
pub const P256: u16 = 0x0017;

/// The rules an offered hello must follow so that every peer we meet can
/// complete it: P-256 among the groups, and every ECDSA suite offered
/// implemented (a peer may pick any of them: Chromium follows the client's
/// order, so a suite we lack first in line fails the handshake). Returns
/// what breaks a rule.
pub fn completable(suites: &[u16], groups: &[u16]) -> Result<(), String> {
    if !groups.contains(&P256) {
        return Err("no P-256 among the groups (peers' ECDSA certificates need it)".into());
    }
    if let Some(s) = suites
        .iter()
        .find(|s| ECDSA_SUITES.contains(s) && !IMPLEMENTED_ECDSA_SUITES.contains(s))
    {
        return Err(format!(
            "offers the ECDHE-ECDSA suite {s:#06x}, which this stack does not implement"
        ));
    }
    Ok(())
}

/// The DTLS 1.3 downgrade sentinel a 1.3-capable server puts at the end of
/// its random when it answers DTLS 1.2 (RFC 8446 §4.1.3).
pub const DOWNGRADE_SENTINEL: [u8; 8] = *b"DOWNGRD\x01";

/// One browser's DTLS 1.2 handshake shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserProfile {
    pub family: BrowserFamily,
    /// The browser the values were taken from, and how.
    pub source: &'static str,

    // The ClientHello.
    /// Record-layer version of the hello's records (DTLS 1.0 in both).
    pub record_version: [u8; 2],
    pub cipher_suites: &'static [u16],
    /// Extension types in the order the browser sends them.
    pub extension_order: &'static [u16],
    /// Whether the browser permutes its extensions on every connection
    /// (Chromium does, BoringSSL's `permute_extensions`).
    pub shuffles_extensions: bool,
    pub supported_groups: &'static [u16],
    pub signature_algorithms: &'static [u16],
    pub srtp_profiles: &'static [u16],
    /// ALPN protocol names offered (Firefox: `webrtc`, `c-webrtc`).
    pub alpn: &'static [&'static str],
    /// `record_size_limit` value offered, if any.
    pub record_size_limit: Option<u16>,

    // The server flight, answering a DTLS 1.2 client.
    /// Length of the random session id in the ServerHello.
    pub server_session_id_len: usize,
    /// ServerHello extension types in order; each is sent only when the
    /// negotiation calls for it (EMS and use_srtp when agreed, ALPN and
    /// record_size_limit only when the client offered them).
    pub server_hello_order: &'static [u16],
    /// ALPN protocol the server selects when the client offers it.
    pub server_alpn: Option<&'static str>,
    /// `record_size_limit` the server answers with when the client offered one.
    pub server_record_size_limit: Option<u16>,
    /// Whether the server marks a DTLS 1.2 answer with the downgrade
    /// sentinel (only ever when the client did not offer DTLS 1.3).
    pub downgrade_sentinel: bool,
    /// Key-exchange groups in the server's order of preference.
    pub server_group_preference: &'static [u16],
    pub certificate_types: &'static [u8],
    pub certificate_request_signature_algorithms: &'static [u16],
}

/// Chromium's signature algorithms (ClientHello and CertificateRequest).
const CHROMIUM_SIGNATURE_ALGORITHMS: &[u16] = &[
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201,
];

/// Firefox's signature algorithms (ClientHello and CertificateRequest).
const FIREFOX_SIGNATURE_ALGORITHMS: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402,
    0x0502, 0x0602, 0x0202,
];

/// Chromium 156 (Debian), DTLS 1.2.
pub const CHROMIUM: BrowserProfile = BrowserProfile {
    family: BrowserFamily::Chromium,
    source: "Chromium 156.0.8078.114 (Debian 12): server flight captured against a \
             DTLS-1.2-only client; ClientHello = the captured DTLS 1.3 hello without its \
             1.3-only parts",
    record_version: [0xfe, 0xff],
    cipher_suites: &[
        0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x002f, 0x0035,
    ],
    extension_order: &[
        ext::SUPPORTED_GROUPS,
        ext::SIGNATURE_ALGORITHMS,
        ext::USE_SRTP,
        ext::EC_POINT_FORMATS,
        ext::RENEGOTIATION_INFO,
        ext::EXTENDED_MASTER_SECRET,
    ],
    shuffles_extensions: true,
    supported_groups: &[0x001d, 0x0017, 0x0018],
    signature_algorithms: CHROMIUM_SIGNATURE_ALGORITHMS,
    srtp_profiles: &[0x0001, 0x0008, 0x0007],
    alpn: &[],
    record_size_limit: None,
    server_session_id_len: 32,
    server_hello_order: &[
        ext::EXTENDED_MASTER_SECRET,
        ext::RENEGOTIATION_INFO,
        ext::EC_POINT_FORMATS,
        ext::USE_SRTP,
    ],
    server_alpn: None,
    server_record_size_limit: None,
    downgrade_sentinel: true,
    server_group_preference: &[0x001d, 0x0017, 0x0018],
    certificate_types: &[1, 64],
    certificate_request_signature_algorithms: CHROMIUM_SIGNATURE_ALGORITHMS,
};

/// Firefox ESR 153 (Debian), DTLS 1.2.
pub const FIREFOX: BrowserProfile = BrowserProfile {
    family: BrowserFamily::Firefox,
    source: "Firefox ESR 153.8.0 (Debian 12): ClientHello captured with \
             media.peerconnection.dtls.version.max = DTLS 1.2; server flight captured \
             against that client",
    record_version: [0xfe, 0xff],
    cipher_suites: &[
        0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc00a, 0xc009, 0xc013, 0xc014,
    ],
    extension_order: &[
        ext::EXTENDED_MASTER_SECRET,
        ext::RENEGOTIATION_INFO,
        ext::SUPPORTED_GROUPS,
        ext::EC_POINT_FORMATS,
        ext::ALPN,
        ext::SIGNATURE_ALGORITHMS,
        ext::RECORD_SIZE_LIMIT,
        ext::USE_SRTP,
    ],
    shuffles_extensions: false,
    supported_groups: &[0x001d, 0x0017, 0x0018],
    signature_algorithms: FIREFOX_SIGNATURE_ALGORITHMS,
    srtp_profiles: &[0x0007, 0x0008, 0x0001, 0x0002],
    alpn: &["webrtc", "c-webrtc"],
    record_size_limit: Some(16384),
    server_session_id_len: 32,
    server_hello_order: &[
        ext::EXTENDED_MASTER_SECRET,
        ext::RENEGOTIATION_INFO,
        ext::EC_POINT_FORMATS,
        ext::ALPN,
        ext::RECORD_SIZE_LIMIT,
        ext::USE_SRTP,
    ],
    server_alpn: Some("webrtc"),
    server_record_size_limit: Some(16384),
    downgrade_sentinel: true,
    server_group_preference: &[0x001d, 0x0017, 0x0018],
    certificate_types: &[1, 64, 2],
    certificate_request_signature_algorithms: FIREFOX_SIGNATURE_ALGORITHMS,
};

impl BrowserProfile {
    /// The profile of a browser family.
    pub fn of(family: BrowserFamily) -> &'static BrowserProfile {
        match family {
            BrowserFamily::Chromium => &CHROMIUM,
            BrowserFamily::Firefox => &FIREFOX,
        }
    }

    /// Checks that the hello offers only what our stack can finish: no
    /// DTLS 1.3 item, only implemented groups and known SRTP profiles, at
    /// least one implemented ECDSA suite. (Suites a peer could only pick
    /// with an RSA certificate are offered as the browser offers them: no
    /// WebRTC peer has one.)
    pub fn check(&self) -> Result<(), String> {
        for typ in [
            ext::SUPPORTED_VERSIONS,
            ext::KEY_SHARE,
            ext::PSK_KEY_EXCHANGE_MODES,
            ext::SERVER_NAME,
        ] {
            if self.extension_order.contains(&typ) {
                return Err(format!("{}: offers extension {typ:#06x}", self.family));
            }
        }
        if let Some(s) = self.cipher_suites.iter().find(|s| **s >> 8 == 0x13) {
            return Err(format!("{}: offers TLS 1.3 suite {s:#06x}", self.family));
        }
        if let Some(g) = self
            .supported_groups
            .iter()
            .chain(self.server_group_preference)
            .find(|g| !IMPLEMENTED_GROUPS.contains(g))
        {
            return Err(format!(
                "{}: group {g:#06x} is not implemented",
                self.family
            ));
        }
        if let Some(p) = self
            .srtp_profiles
            .iter()
            .find(|p| !KNOWN_SRTP_PROFILES.contains(p))
        {
            return Err(format!("{}: SRTP profile {p:#06x} is unknown", self.family));
        }
        if !self
            .cipher_suites
            .iter()
            .any(|s| IMPLEMENTED_ECDSA_SUITES.contains(s))
        {
            return Err(format!("{}: no implemented ECDSA suite", self.family));
        }
        completable(self.cipher_suites, self.supported_groups)
            .map_err(|e| format!("{}: {e}", self.family))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_offer_only_what_we_can_finish() {
        for family in BrowserFamily::ALL {
            BrowserProfile::of(family).check().unwrap();
        }
    }

    #[test]
    fn a_dtls13_offer_is_refused() {
        let mut p = CHROMIUM.clone();
        p.extension_order = &[ext::SUPPORTED_VERSIONS];
        assert!(p.check().is_err());
        let mut p = CHROMIUM.clone();
        p.cipher_suites = &[0x1301, 0xc02b];
        assert!(p.check().is_err());
        let mut p = CHROMIUM.clone();
        p.supported_groups = &[0x11ec, 0x001d];
        assert!(p.check().is_err());
    }
}
