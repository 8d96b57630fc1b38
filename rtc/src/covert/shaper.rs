//! The hello shapers our DTLS stack consults (the hook in `vendor/dtls`,
//! `dtls::shaper`), one per covert mode, and the per-connection choice of
//! shaper and certificate style ([`Disguise`]).

use std::sync::Arc;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;
use webrtc17::dtls::record_layer::record_layer_header::ProtocolVersion;
use webrtc17::dtls::shaper::{
    ClientHelloParts, HelloShaper, PeerHello, RawExtension, ServerFlightParts,
};

use super::browser::BrowserFamily;
use super::config::{CovertDtlsConfig, CovertDtlsMode};
use super::fingerprint::FingerprintHello;
use super::profile::{ext, BrowserProfile, DOWNGRADE_SENTINEL, IMPLEMENTED_GROUPS, P256};

/// How one peer connection presents itself: the shaper for its DTLS
/// hellos and the browser whose certificate style goes with it.
#[derive(Debug, Clone)]
pub struct Disguise {
    pub shaper: Arc<dyn HelloShaper>,
    pub certificate_style: BrowserFamily,
}

/// The disguise for a new peer connection, or `None` when covert DTLS is
/// disabled (the stack's own hellos and certificate).
pub fn disguise_for(config: &CovertDtlsConfig) -> Option<Disguise> {
    let mut rng = rand::rng();
    if config.mode() == CovertDtlsMode::Disable {
        return None;
    }
    if let Some(hello) = config.fingerprint_hello() {
        let style = hello.certificate_style();
        return Some(Disguise {
            shaper: Arc::new(FingerprintShaper {
                hello: hello.clone(),
                server: BrowserProfile::of(style),
            }),
            certificate_style: style,
        });
    }
    match config.mode() {
        CovertDtlsMode::Disable => None,
        CovertDtlsMode::Mimic => Some(mimic(config.mimic_browser())),
        CovertDtlsMode::RandomizeMimic => {
            // Most browser proxies, and most browsers, are Chromium-based.
            let family = if rng.random_bool(2.0 / 3.0) {
                BrowserFamily::Chromium
            } else {
                BrowserFamily::Firefox
            };
            Some(mimic(family))
        }
        CovertDtlsMode::Randomize => {
            let style = *BrowserFamily::ALL
                .choose(&mut rng)
                .unwrap_or(&BrowserFamily::Chromium);
            Some(Disguise {
                shaper: Arc::new(RandomizingShaper),
                certificate_style: style,
            })
        }
    }
}

/// The disguise of one browser family.
pub fn mimic(family: BrowserFamily) -> Disguise {
    Disguise {
        shaper: Arc::new(BrowserShaper {
            profile: BrowserProfile::of(family),
        }),
        certificate_style: family,
    }
}

fn u16_list(values: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 2 * values.len());
    out.extend_from_slice(&((2 * values.len()) as u16).to_be_bytes());
    for v in values {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out
}

fn use_srtp(profiles: &[u16]) -> Vec<u8> {
    let mut out = u16_list(profiles);
    out.push(0); // no MKI
    out
}

fn alpn(names: &[&str]) -> Vec<u8> {
    let mut list = vec![];
    for name in names {
        list.push(name.len() as u8);
        list.extend_from_slice(name.as_bytes());
    }
    let mut out = (list.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(&list);
    out
}

fn version(bytes: [u8; 2]) -> ProtocolVersion {
    ProtocolVersion {
        major: bytes[0],
        minor: bytes[1],
    }
}

fn random_session_id(len: usize) -> Vec<u8> {
    let mut id = vec![0u8; len];
    rand::rng().fill(id.as_mut_slice());
    id
}

/// The browser's server-side group choice: its first preference the peer
/// offered.
fn preferred_group(preference: &[u16], offered: &[u16]) -> Option<u16> {
    preference.iter().copied().find(|g| offered.contains(g))
}

/// A browser's server flight, built from the stack's own ServerHello
/// extensions (which say what was negotiated) in the browser's order.
fn browser_server_flight(
    profile: &BrowserProfile,
    default: ServerFlightParts,
    peer: &PeerHello,
) -> ServerFlightParts {
    let mut extensions = vec![];
    for typ in profile.server_hello_order {
        if let Some(ours) = default
            .server_hello_extensions
            .iter()
            .find(|e| e.typ == *typ)
        {
            extensions.push(ours.clone());
        } else if *typ == ext::ALPN {
            if let Some(name) = profile.server_alpn {
                if peer.alpn_protocols().iter().any(|p| p == name.as_bytes()) {
                    extensions.push(RawExtension::new(ext::ALPN, alpn(&[name])));
                }
            }
        } else if *typ == ext::RECORD_SIZE_LIMIT && peer.extension(*typ).is_some() {
            if let Some(limit) = profile.server_record_size_limit {
                extensions.push(RawExtension::new(*typ, limit.to_be_bytes().to_vec()));
            }
        }
    }
    // Anything the stack needs that the browser order does not place (it
    // would not happen with the profiles we ship) goes last rather than
    // being dropped.
    for ours in &default.server_hello_extensions {
        let needed = [
            ext::EXTENDED_MASTER_SECRET,
            ext::USE_SRTP,
            ext::RENEGOTIATION_INFO,
        ];
        if needed.contains(&ours.typ) && !extensions.iter().any(|e| e.typ == ours.typ) {
            extensions.push(ours.clone());
        }
    }
    ServerFlightParts {
        session_id: random_session_id(profile.server_session_id_len),
        server_hello_extensions: extensions,
        random_tail: (profile.downgrade_sentinel && !peer.offers_dtls13())
            .then_some(DOWNGRADE_SENTINEL),
        certificate_types: profile.certificate_types.to_vec(),
        certificate_request_signature_algorithms: profile
            .certificate_request_signature_algorithms
            .to_vec(),
    }
}

/// `mimic`: one browser, exactly.
#[derive(Debug)]
pub struct BrowserShaper {
    profile: &'static BrowserProfile,
}

impl BrowserShaper {
    /// The extensions of the browser's ClientHello, in its order (shuffled
    /// when the browser shuffles). The stack's own extended-master-secret and
    /// renegotiation extensions are byte-identical to the browsers'.
    fn extensions(&self) -> Vec<RawExtension> {
        let p = self.profile;
        let mut out: Vec<RawExtension> = p
            .extension_order
            .iter()
            .filter_map(|typ| {
                let data = match *typ {
                    ext::SUPPORTED_GROUPS => u16_list(p.supported_groups),
                    ext::EC_POINT_FORMATS => vec![1, 0],
                    ext::SIGNATURE_ALGORITHMS => u16_list(p.signature_algorithms),
                    ext::USE_SRTP => use_srtp(p.srtp_profiles),
                    ext::ALPN => alpn(p.alpn),
                    ext::EXTENDED_MASTER_SECRET => vec![],
                    ext::RENEGOTIATION_INFO => vec![0],
                    ext::RECORD_SIZE_LIMIT => p.record_size_limit?.to_be_bytes().to_vec(),
                    _ => return None,
                };
                Some(RawExtension::new(*typ, data))
            })
            .collect();
        if p.shuffles_extensions {
            out.shuffle(&mut rand::rng());
        }
        out
    }
}

impl HelloShaper for BrowserShaper {
    fn client_hello(&self, _default: ClientHelloParts) -> ClientHelloParts {
        ClientHelloParts {
            record_version: version(self.profile.record_version),
            cipher_suites: self.profile.cipher_suites.to_vec(),
            extensions: self.extensions(),
        }
    }

    fn select_group(&self, offered: &[u16]) -> Option<u16> {
        preferred_group(self.profile.server_group_preference, offered)
    }

    fn server_flight(&self, default: ServerFlightParts, peer: &PeerHello) -> ServerFlightParts {
        browser_server_flight(self.profile, default, peer)
    }
}

/// `randomize`: the stack's own offer, with orders shuffled and lists cut
/// to random non-empty subsets, fresh on every connection. Matches no
/// browser and no earlier connection of ours.
#[derive(Debug)]
pub struct RandomizingShaper;

fn random_subset<T: Copy>(items: &[T], keep_first: bool) -> Vec<T> {
    let mut rng = rand::rng();
    let mut out: Vec<T> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| (keep_first && *i == 0) || rng.random_bool(0.7))
        .map(|(_, v)| *v)
        .collect();
    if out.is_empty() {
        if let Some(first) = items.first() {
            out.push(*first);
        }
    }
    out.shuffle(&mut rng);
    out
}

/// P-256 (which every peer's ECDSA certificate needs) and a random subset
/// of the other groups we implement, in random order.
fn random_groups() -> Vec<u16> {
    let others: Vec<u16> = IMPLEMENTED_GROUPS
        .iter()
        .copied()
        .filter(|g| *g != P256)
        .collect();
    let mut groups = vec![P256];
    groups.extend(random_subset(&others, false));
    groups.shuffle(&mut rand::rng());
    groups
}

/// Suites `randomize` may offer besides AES-128-GCM with ECDSA (always
/// offered, so that every peer can pick it): the ones browsers offer.
const RANDOM_EXTRA_SUITES: [u16; 10] = [
    0xc02f, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x002f, 0x0035,
];

/// Signature algorithms `randomize` may offer besides ECDSA-P256-SHA256
/// (always offered): the ones browsers offer.
const RANDOM_EXTRA_SIGNATURE_ALGORITHMS: [u16; 12] = [
    0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502,
];

impl HelloShaper for RandomizingShaper {
    fn client_hello(&self, _default: ClientHelloParts) -> ClientHelloParts {
        let mut rng = rand::rng();
        let mut suites = vec![0xc02bu16];
        suites.extend(random_subset(&RANDOM_EXTRA_SUITES, false));
        suites.shuffle(&mut rng);
        let mut signature_algorithms = vec![0x0403u16];
        signature_algorithms.extend(random_subset(&RANDOM_EXTRA_SIGNATURE_ALGORITHMS, false));
        signature_algorithms.shuffle(&mut rng);
        let mut extensions = vec![
            RawExtension::new(ext::SUPPORTED_GROUPS, u16_list(&random_groups())),
            RawExtension::new(ext::EC_POINT_FORMATS, vec![1, 0]),
            RawExtension::new(ext::SIGNATURE_ALGORITHMS, u16_list(&signature_algorithms)),
            RawExtension::new(
                ext::USE_SRTP,
                use_srtp(&random_subset(&[0x0001, 0x0007, 0x0008, 0x0002], true)),
            ),
            RawExtension::new(ext::EXTENDED_MASTER_SECRET, vec![]),
            RawExtension::new(ext::RENEGOTIATION_INFO, vec![0]),
        ];
        if rng.random_bool(0.5) {
            extensions.push(RawExtension::new(ext::ALPN, alpn(&["webrtc"])));
        }
        if rng.random_bool(0.5) {
            extensions.push(RawExtension::new(
                ext::RECORD_SIZE_LIMIT,
                16384u16.to_be_bytes().to_vec(),
            ));
        }
        extensions.shuffle(&mut rng);
        ClientHelloParts {
            record_version: version(if rng.random_bool(0.5) {
                [0xfe, 0xff]
            } else {
                [0xfe, 0xfd]
            }),
            cipher_suites: suites,
            extensions,
        }
    }

    fn select_group(&self, offered: &[u16]) -> Option<u16> {
        let mut ours = IMPLEMENTED_GROUPS;
        ours.shuffle(&mut rand::rng());
        preferred_group(&ours, offered)
    }

    fn server_flight(&self, default: ServerFlightParts, _peer: &PeerHello) -> ServerFlightParts {
        let mut rng = rand::rng();
        let mut extensions = default.server_hello_extensions;
        if rng.random_bool(0.5) {
            extensions.retain(|e| e.typ != ext::SUPPORTED_GROUPS);
        }
        extensions.shuffle(&mut rng);
        ServerFlightParts {
            session_id: random_session_id(if rng.random_bool(0.5) { 32 } else { 0 }),
            server_hello_extensions: extensions,
            ..default
        }
    }
}

/// `covertdtls-fingerprint`: a ClientHello given by the operator, replayed
/// (once checked, see [`FingerprintHello`]); as a server, the browser the
/// hello most resembles.
#[derive(Debug)]
pub struct FingerprintShaper {
    hello: FingerprintHello,
    server: &'static BrowserProfile,
}

impl HelloShaper for FingerprintShaper {
    fn client_hello(&self, _default: ClientHelloParts) -> ClientHelloParts {
        ClientHelloParts {
            record_version: version(self.hello.record_version),
            cipher_suites: self.hello.cipher_suites.clone(),
            extensions: self
                .hello
                .extensions
                .iter()
                .map(|(typ, data)| RawExtension::new(*typ, data.clone()))
                .collect(),
        }
    }

    fn select_group(&self, offered: &[u16]) -> Option<u16> {
        preferred_group(self.server.server_group_preference, offered)
    }

    fn server_flight(&self, default: ServerFlightParts, peer: &PeerHello) -> ServerFlightParts {
        browser_server_flight(self.server, default, peer)
    }
}
