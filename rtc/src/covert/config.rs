//! The covert DTLS setting: upstream's `-covertdtls-config` /
//! `covertdtls-config=` mode and `-covertdtls-fingerprint` /
//! `covertdtls-fingerprint=` hello, checked once where they are read.

use std::fmt;
use std::str::FromStr;

use super::browser::BrowserFamily;
use super::fingerprint::FingerprintHello;

/// Largest ClientHello we accept for `covertdtls-fingerprint`, in bytes. A
/// browser's DTLS hello is a few hundred bytes; one with a post-quantum key
/// share stays under 2 KiB.
pub const MAX_FINGERPRINT_LEN: usize = 4096;

/// Shortest ClientHello body: version (2), random (32), session id and
/// cookie lengths (1 + 1), one suite with its length (2 + 2), one
/// compression method with its length (1 + 1).
const MIN_HELLO_BODY_LEN: usize = 42;
/// DTLS record header: type, version, epoch, sequence number, length.
const RECORD_HEADER_LEN: usize = 13;
/// DTLS handshake header: type, length, message_seq, fragment offset and
/// length.
const HANDSHAKE_HEADER_LEN: usize = 12;
const CONTENT_TYPE_HANDSHAKE: u8 = 22;
const HANDSHAKE_CLIENT_HELLO: u8 = 1;

/// How the DTLS handshake is shaped, with upstream's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CovertDtlsMode {
    /// `disable`: no shaping; the handshake is the WebRTC stack's own,
    /// which a censor can tell apart from a browser's.
    Disable,
    /// `mimic`: every connection looks like one browser.
    Mimic,
    /// `randomize`: every connection gets a freshly shuffled hello, like no
    /// fixed implementation.
    Randomize,
    /// `randomizemimic`: every connection looks like a browser picked at
    /// random.
    RandomizeMimic,
}

impl CovertDtlsMode {
    /// Every mode, in upstream's documentation order.
    pub const ALL: [CovertDtlsMode; 4] = [
        CovertDtlsMode::Randomize,
        CovertDtlsMode::Mimic,
        CovertDtlsMode::RandomizeMimic,
        CovertDtlsMode::Disable,
    ];

    /// The upstream spelling (`disable`, `mimic`, `randomize`,
    /// `randomizemimic`).
    pub fn as_str(self) -> &'static str {
        match self {
            CovertDtlsMode::Disable => "disable",
            CovertDtlsMode::Mimic => "mimic",
            CovertDtlsMode::Randomize => "randomize",
            CovertDtlsMode::RandomizeMimic => "randomizemimic",
        }
    }

    /// Reads a mode, ignoring case and surrounding spaces; an empty value
    /// gives `default` (the role's default).
    pub fn parse_or(text: &str, default: CovertDtlsMode) -> Result<Self, CovertDtlsError> {
        if text.trim().is_empty() {
            Ok(default)
        } else {
            text.parse()
        }
    }
}

impl FromStr for CovertDtlsMode {
    type Err = CovertDtlsError;

    /// Reads a mode, ignoring case and surrounding spaces. An empty value
    /// is refused here; [`CovertDtlsMode::parse_or`] maps it to a default.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        CovertDtlsMode::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| CovertDtlsError::UnknownMode(text.to_owned()))
    }
}

impl fmt::Display for CovertDtlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A covert DTLS value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CovertDtlsError {
    /// Not one of the four mode names.
    #[error(
        "unknown covert DTLS mode {0:?}: expected randomize, mimic, randomizemimic or disable"
    )]
    UnknownMode(String),
    /// The fingerprint is not an even number of hex digits.
    #[error("covert DTLS fingerprint is not hex: {0}")]
    FingerprintNotHex(String),
    /// The fingerprint is longer than [`MAX_FINGERPRINT_LEN`] bytes.
    #[error(
        "covert DTLS fingerprint is {0} bytes, more than the {MAX_FINGERPRINT_LEN}-byte limit"
    )]
    FingerprintTooLong(usize),
    /// The fingerprint does not look like a DTLS ClientHello.
    #[error("covert DTLS fingerprint is not a DTLS ClientHello: {0}")]
    FingerprintNotClientHello(&'static str),
    /// The fingerprint is a ClientHello we cannot imitate (it offers DTLS
    /// 1.3, or something our stack does not implement).
    #[error("covert DTLS fingerprint cannot be imitated: {0}")]
    FingerprintUnusable(String),
}

/// The covert DTLS setting of one program: the mode, and optionally a
/// ClientHello to imitate. Built by the constructors below, which check
/// every value, so a setting in hand is always usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CovertDtlsConfig {
    mode: CovertDtlsMode,
    fingerprint: Option<Fingerprint>,
    /// The browser `mimic` imitates (Chromium unless set).
    mimic_browser: BrowserFamily,
}

/// A checked `covertdtls-fingerprint`: its bytes and what they offer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    bytes: Vec<u8>,
    hello: FingerprintHello,
}

impl CovertDtlsConfig {
    /// The client's default mode. The client is always the DTLS server, so
    /// what it shows is its server flight and certificate; looking like a
    /// browser there is the safe choice (upstream's client disables covert
    /// DTLS by default, but its hook never touches the server side).
    pub const CLIENT_DEFAULT_MODE: CovertDtlsMode = CovertDtlsMode::Mimic;
    /// The proxy's default mode, as upstream's proxy since 2.13.
    pub const PROXY_DEFAULT_MODE: CovertDtlsMode = CovertDtlsMode::RandomizeMimic;

    /// The client's default: [`Self::CLIENT_DEFAULT_MODE`], no fingerprint.
    pub fn client_default() -> Self {
        CovertDtlsConfig {
            mode: Self::CLIENT_DEFAULT_MODE,
            fingerprint: None,
            mimic_browser: BrowserFamily::Chromium,
        }
    }

    /// The proxy's default: [`Self::PROXY_DEFAULT_MODE`], no fingerprint.
    pub fn proxy_default() -> Self {
        CovertDtlsConfig {
            mode: Self::PROXY_DEFAULT_MODE,
            fingerprint: None,
            mimic_browser: BrowserFamily::Chromium,
        }
    }

    /// The client's setting from its two strings (flag or bridge-line
    /// values; empty means unset).
    pub fn client_from_strings(mode: &str, fingerprint: &str) -> Result<Self, CovertDtlsError> {
        Self::from_strings(mode, fingerprint, Self::CLIENT_DEFAULT_MODE)
    }

    /// The proxy's setting from its two flag values (empty means unset).
    pub fn proxy_from_strings(mode: &str, fingerprint: &str) -> Result<Self, CovertDtlsError> {
        Self::from_strings(mode, fingerprint, Self::PROXY_DEFAULT_MODE)
    }

    fn from_strings(
        mode: &str,
        fingerprint: &str,
        default: CovertDtlsMode,
    ) -> Result<Self, CovertDtlsError> {
        CovertDtlsConfig {
            mode: CovertDtlsMode::parse_or(mode, default)?,
            fingerprint: None,
            mimic_browser: BrowserFamily::Chromium,
        }
        .with_fingerprint_hex(fingerprint)
    }

    /// This setting with another mode.
    pub fn with_mode(mut self, mode: CovertDtlsMode) -> Self {
        self.mode = mode;
        self
    }

    /// This setting with the fingerprint read from hex (empty: none); see
    /// [`parse_fingerprint`] for the forms taken. The hello must be one our
    /// DTLS 1.2 stack can finish.
    pub fn with_fingerprint_hex(mut self, hex_hello: &str) -> Result<Self, CovertDtlsError> {
        self.fingerprint = match parse_fingerprint(hex_hello)? {
            None => None,
            Some(bytes) => {
                let hello = FingerprintHello::parse(&bytes)
                    .map_err(CovertDtlsError::FingerprintUnusable)?;
                Some(Fingerprint { bytes, hello })
            }
        };
        Ok(self)
    }

    /// This setting with `mimic` imitating `browser` (upstream's flag has
    /// no such choice; `mimic` means Chromium there, the most common).
    pub fn with_mimic_browser(mut self, browser: BrowserFamily) -> Self {
        self.mimic_browser = browser;
        self
    }

    /// The browser `mimic` imitates.
    pub fn mimic_browser(&self) -> BrowserFamily {
        self.mimic_browser
    }

    /// How handshakes are shaped.
    pub fn mode(&self) -> CovertDtlsMode {
        self.mode
    }

    /// The ClientHello to imitate (`covertdtls-fingerprint`), as a DTLS
    /// handshake message, or as a whole record when given as one.
    pub fn fingerprint(&self) -> Option<&[u8]> {
        self.fingerprint.as_ref().map(|f| f.bytes.as_slice())
    }

    /// What the fingerprint offers, already checked to be imitable.
    pub fn fingerprint_hello(&self) -> Option<&FingerprintHello> {
        self.fingerprint.as_ref().map(|f| &f.hello)
    }

    /// Whether handshakes are shaped at all.
    pub fn is_enabled(&self) -> bool {
        self.mode != CovertDtlsMode::Disable
    }
}

impl Default for CovertDtlsConfig {
    /// The client's default ([`CovertDtlsConfig::client_default`]).
    fn default() -> Self {
        Self::client_default()
    }
}

impl fmt::Display for CovertDtlsConfig {
    /// The mode's upstream spelling, plus the fingerprint's size if set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.mode)?;
        if let Some(hello) = self.fingerprint() {
            write!(f, " (ClientHello fingerprint, {} bytes)", hello.len())?;
        }
        Ok(())
    }
}

/// Reads a `covertdtls-fingerprint` value and checks its outline: hex
/// (either case, surrounding spaces ignored) of a DTLS ClientHello, given
/// as upstream does (the body, from `client_version` on), as a handshake
/// message (with its 12-byte header), or as a whole handshake record.
/// Returns a record as given, and otherwise the handshake message (a
/// header is put in front of a bare body); `None` when empty. Whether the
/// hello can be imitated is checked by [`CovertDtlsConfig`].
pub fn parse_fingerprint(hex_hello: &str) -> Result<Option<Vec<u8>>, CovertDtlsError> {
    let text = hex_hello.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // Checked before decoding, so a huge value costs nothing.
    if text.len() / 2 > MAX_FINGERPRINT_LEN {
        return Err(CovertDtlsError::FingerprintTooLong(text.len() / 2));
    }
    let bytes = hex::decode(text).map_err(|e| CovertDtlsError::FingerprintNotHex(e.to_string()))?;
    let body = client_hello_body(&bytes)?;
    if body.len() == bytes.len() {
        Ok(Some(with_handshake_header(body)))
    } else {
        Ok(Some(bytes))
    }
}

/// `body` as an unfragmented ClientHello handshake message (message_seq 0).
fn with_handshake_header(body: &[u8]) -> Vec<u8> {
    // The caller checked the length against MAX_FINGERPRINT_LEN.
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes();
    let mut out = Vec::with_capacity(HANDSHAKE_HEADER_LEN + body.len());
    out.push(HANDSHAKE_CLIENT_HELLO);
    out.extend_from_slice(&len[1..]);
    out.extend_from_slice(&[0, 0, 0, 0, 0]);
    out.extend_from_slice(&len[1..]);
    out.extend_from_slice(body);
    out
}

/// The ClientHello body inside `bytes`, after checking its outline.
fn client_hello_body(bytes: &[u8]) -> Result<&[u8], CovertDtlsError> {
    use CovertDtlsError::FingerprintNotClientHello as NotHello;
    let body = match bytes.first() {
        Some(&CONTENT_TYPE_HANDSHAKE) => {
            let (header, rest) =
                split(bytes, RECORD_HEADER_LEN).ok_or(NotHello("record header cut short"))?;
            if !is_dtls_version(header[1], header[2]) {
                return Err(NotHello("record version is not DTLS"));
            }
            if usize::from(u16::from_be_bytes([header[11], header[12]])) != rest.len() {
                return Err(NotHello("record length does not match"));
            }
            handshake_body(rest)?
        }
        Some(&HANDSHAKE_CLIENT_HELLO) => handshake_body(bytes)?,
        Some(_) => bytes,
        None => return Err(NotHello("empty")),
    };
    if body.len() < MIN_HELLO_BODY_LEN {
        return Err(NotHello("too short"));
    }
    if !is_dtls_version(body[0], body[1]) {
        return Err(NotHello("client_version is not DTLS"));
    }
    Ok(body)
}

/// The body of one unfragmented ClientHello handshake message.
fn handshake_body(bytes: &[u8]) -> Result<&[u8], CovertDtlsError> {
    use CovertDtlsError::FingerprintNotClientHello as NotHello;
    let (header, body) =
        split(bytes, HANDSHAKE_HEADER_LEN).ok_or(NotHello("handshake header cut short"))?;
    if header[0] != HANDSHAKE_CLIENT_HELLO {
        return Err(NotHello("handshake message is not a ClientHello"));
    }
    let length = u24(&header[1..4]);
    let fragment_offset = u24(&header[6..9]);
    let fragment_length = u24(&header[9..12]);
    if fragment_offset != 0 || fragment_length != length {
        return Err(NotHello("the ClientHello is fragmented"));
    }
    if length != body.len() {
        return Err(NotHello("handshake length does not match"));
    }
    Ok(body)
}

fn split(bytes: &[u8], at: usize) -> Option<(&[u8], &[u8])> {
    (bytes.len() >= at).then(|| bytes.split_at(at))
}

fn u24(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
}

/// DTLS 1.0 (0xfeff), 1.2 (0xfefd) or 1.3 (0xfefc) as a wire version.
fn is_dtls_version(major: u8, minor: u8) -> bool {
    major == 0xfe && matches!(minor, 0xff | 0xfd | 0xfc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::covert::BrowserFamily;

    /// A Chrome ClientHello body in upstream's form (covert-dtls's
    /// fingerprint list).
    const CHROME_BODY: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

    fn body() -> Vec<u8> {
        hex::decode(CHROME_BODY).unwrap()
    }

    fn handshake(body: &[u8]) -> Vec<u8> {
        let len = (body.len() as u32).to_be_bytes();
        let mut out = vec![
            HANDSHAKE_CLIENT_HELLO,
            len[1],
            len[2],
            len[3],
            0,
            0,
            0,
            0,
            0,
        ];
        out.extend_from_slice(&len[1..]);
        out.extend_from_slice(body);
        out
    }

    fn record(fragment: &[u8]) -> Vec<u8> {
        let mut out = vec![CONTENT_TYPE_HANDSHAKE, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
        out.extend_from_slice(fragment);
        out
    }

    #[test]
    fn modes_parse_case_insensitively_with_upstream_names() {
        for (text, mode) in [
            ("disable", CovertDtlsMode::Disable),
            ("mimic", CovertDtlsMode::Mimic),
            ("randomize", CovertDtlsMode::Randomize),
            ("randomizemimic", CovertDtlsMode::RandomizeMimic),
            ("RandomizeMimic", CovertDtlsMode::RandomizeMimic),
            ("MIMIC", CovertDtlsMode::Mimic),
            (" Disable ", CovertDtlsMode::Disable),
        ] {
            assert_eq!(text.parse::<CovertDtlsMode>(), Ok(mode), "{text}");
        }
        for mode in CovertDtlsMode::ALL {
            assert_eq!(mode.to_string().parse::<CovertDtlsMode>(), Ok(mode));
            assert_eq!(mode.to_string(), mode.as_str());
        }
    }

    #[test]
    fn unknown_modes_are_refused_with_the_list() {
        for bad in ["random", "mimicrandomize", "randomize-mimic", "on", ""] {
            let error = bad.parse::<CovertDtlsMode>().unwrap_err();
            assert_eq!(error, CovertDtlsError::UnknownMode(bad.to_owned()));
            let text = error.to_string();
            for mode in CovertDtlsMode::ALL {
                assert!(text.contains(mode.as_str()), "{text}");
            }
        }
    }

    #[test]
    fn an_empty_mode_is_the_role_default() {
        assert_eq!(
            CovertDtlsConfig::client_from_strings("", ""),
            Ok(CovertDtlsConfig::client_default())
        );
        assert_eq!(
            CovertDtlsConfig::proxy_from_strings("  ", ""),
            Ok(CovertDtlsConfig::proxy_default())
        );
        assert_eq!(
            CovertDtlsMode::parse_or("", CovertDtlsMode::Randomize),
            Ok(CovertDtlsMode::Randomize)
        );
        assert_eq!(
            CovertDtlsConfig::client_from_strings("randomize", "")
                .unwrap()
                .mode(),
            CovertDtlsMode::Randomize
        );
    }

    #[test]
    fn defaults_per_role() {
        assert_eq!(
            CovertDtlsConfig::default(),
            CovertDtlsConfig::client_default()
        );
        assert_eq!(
            CovertDtlsConfig::client_default().mode,
            CovertDtlsMode::Mimic
        );
        assert_eq!(
            CovertDtlsConfig::proxy_default().mode,
            CovertDtlsMode::RandomizeMimic
        );
        assert!(CovertDtlsConfig::proxy_default().fingerprint.is_none());
        assert!(CovertDtlsConfig::client_default().is_enabled());
        assert!(!CovertDtlsConfig::client_default()
            .with_mode(CovertDtlsMode::Disable)
            .is_enabled());
        assert_eq!(
            CovertDtlsConfig::proxy_default().to_string(),
            "randomizemimic"
        );
    }

    #[test]
    fn fingerprints_in_each_form_are_read() {
        let body = body();
        let message = handshake(&body);
        let whole = record(&message);
        for (text, expected) in [
            (CHROME_BODY.to_owned(), &message),
            (CHROME_BODY.to_ascii_uppercase(), &message),
            (format!(" {CHROME_BODY}\n"), &message),
            (hex::encode(&message), &message),
            (hex::encode(&whole), &whole),
        ] {
            assert_eq!(
                parse_fingerprint(&text),
                Ok(Some(expected.clone())),
                "{text}"
            );
            let config = CovertDtlsConfig::proxy_default()
                .with_fingerprint_hex(&text)
                .unwrap();
            assert_eq!(config.fingerprint(), Some(expected.as_slice()));
            let hello = config.fingerprint_hello().unwrap();
            assert_eq!(hello.certificate_style(), BrowserFamily::Chromium);
            assert_eq!(hello.cipher_suites.first(), Some(&0xc02b));
        }
        assert_eq!(parse_fingerprint(""), Ok(None));
        let config = CovertDtlsConfig::client_from_strings("mimic", CHROME_BODY).unwrap();
        assert_eq!(config.mode(), CovertDtlsMode::Mimic);
        assert!(config
            .to_string()
            .starts_with("mimic (ClientHello fingerprint"));
        // An empty value removes it.
        let config = config.with_fingerprint_hex(" ").unwrap();
        assert_eq!(config, CovertDtlsConfig::client_default());
    }

    #[test]
    fn a_dtls13_fingerprint_is_refused_with_the_reason() {
        // Firefox 127's hello (covert-dtls's list): it offers DTLS 1.3.
        let firefox_13 = "fefd713910e31aa451cda18c437634c566fb872731739ada472eafa74741c7d02c8c0000001413011303c02bc02fcca9cca8c00ac009c013c014010000b100170000ff01000100000a000c000a001d0017001801000101000b000201000010001200100677656272746308632d7765627274630022000a00080403050306030203003300260024001d00209b3a0682a66a92872457a05dfd4ce6f92312ef605e960f36b8fd71f054b60540002b000706fefcfefd0303000d0020001e040305030603020308040805080604010501060102010402050206020202001c00024001000e000b0008000700080001000200";
        // Its outline is fine...
        assert!(parse_fingerprint(firefox_13).unwrap().is_some());
        // ...but it cannot be imitated by a DTLS 1.2 stack.
        let error = CovertDtlsConfig::proxy_from_strings("", firefox_13).unwrap_err();
        assert!(
            matches!(&error, CovertDtlsError::FingerprintUnusable(why) if why.contains("1.3")),
            "{error}"
        );
        assert!(error.to_string().contains("cannot be imitated"), "{error}");
    }

    #[test]
    fn bad_fingerprints_are_refused() {
        let body = body();
        assert!(matches!(
            parse_fingerprint("fefdzz"),
            Err(CovertDtlsError::FingerprintNotHex(_))
        ));
        assert!(matches!(
            parse_fingerprint(&CHROME_BODY[1..]),
            Err(CovertDtlsError::FingerprintNotHex(_))
        ));
        let huge = "fefd".repeat(MAX_FINGERPRINT_LEN);
        assert_eq!(
            parse_fingerprint(&huge),
            Err(CovertDtlsError::FingerprintTooLong(2 * MAX_FINGERPRINT_LEN))
        );
        let not_hello = |text: &str| {
            matches!(
                parse_fingerprint(text),
                Err(CovertDtlsError::FingerprintNotClientHello(_))
            )
        };
        // A TLS hello (0303), a truncated body, headers that disagree with
        // the body, a ServerHello, a fragment, a record with a TLS version.
        let mut tls = body.clone();
        tls[0] = 0x03;
        tls[1] = 0x03;
        assert!(not_hello(&hex::encode(&tls)));
        assert!(not_hello(&hex::encode(&body[..30])));
        let mut short_header = handshake(&body);
        short_header.pop();
        assert!(not_hello(&hex::encode(&short_header)));
        let mut server_hello = handshake(&body);
        server_hello[0] = 2;
        assert!(not_hello(&hex::encode(&server_hello)));
        let mut fragment = handshake(&body);
        fragment[11] -= 1;
        assert!(not_hello(&hex::encode(&fragment)));
        let mut tls_record = record(&handshake(&body));
        tls_record[1] = 0x03;
        tls_record[2] = 0x03;
        assert!(not_hello(&hex::encode(&tls_record)));
        let mut long_record = record(&handshake(&body));
        long_record.push(0);
        assert!(not_hello(&hex::encode(&long_record)));
        assert!(not_hello("16"));
        assert!(CovertDtlsConfig::proxy_from_strings("", "01").is_err());
        assert!(CovertDtlsConfig::client_default()
            .with_fingerprint_hex("zz")
            .is_err());
    }
}
