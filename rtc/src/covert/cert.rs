//! A DTLS certificate shaped like the one a browser makes for each
//! WebRTC peer connection (design note §2).
//!
//! Under DTLS 1.2 the certificate crosses the wire in clear, so its shape
//! is as visible as the hello. webrtc-rs makes rcgen's default certificate
//! (CN "rcgen self signed cert", valid 1975–4096, a subject alternative
//! name): unique to it. The browsers studied (Chromium 156, Firefox ESR
//! 153, captures under `fixtures/fingerprints/`) both make:
//!
//! * an X.509 v3 certificate with no extensions field at all;
//! * an ECDSA P-256 key, signed with ecdsa-with-SHA256;
//! * subject = issuer = one common name: the UTF8String "WebRTC" for
//!   Chromium, 32 random lowercase hex digits as a PrintableString for
//!   Firefox;
//! * validity from one day before creation to 31 days after that, both
//!   as UTCTime with whole seconds;
//! * a random serial: 8 random bytes for Chromium, 4 for Firefox, each
//!   written as the shortest positive DER INTEGER (so a leading 0x00 when
//!   the top bit is set, and a shorter number when the first byte is 0).
//!
//! [`browser_certificate`] makes exactly that with rcgen, which leaves the
//! extensions field out when there is nothing to put in it. Given the same
//! serial and signature lengths, the DER is the same size as the
//! browser's, byte for byte in structure.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::string::PrintableString;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, IsCa, KeyPair, SerialNumber,
    PKCS_ECDSA_P256_SHA256,
};
use time::OffsetDateTime;

use super::browser::BrowserFamily;
use crate::error::RtcError;

/// How long before its creation a browser certificate starts being valid.
pub const NOT_BEFORE_SKEW: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a browser certificate is valid, from its `not_before`.
pub const VALIDITY: Duration = Duration::from_secs(31 * 24 * 60 * 60);

/// A freshly made browser-style certificate and its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct BrowserCertificate {
    /// The browser whose certificate this imitates.
    pub family: BrowserFamily,
    /// The certificate, DER-encoded.
    pub der: Vec<u8>,
    /// The ECDSA P-256 private key as a PKCS#8 document (DER).
    pub pkcs8_key: Vec<u8>,
    /// Start of validity, whole seconds, as written in the certificate.
    pub not_before: SystemTime,
    /// End of validity, whole seconds, as written in the certificate.
    pub not_after: SystemTime,
}

// The key stays out of logs.
impl fmt::Debug for BrowserCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserCertificate")
            .field("family", &self.family)
            .field("der_len", &self.der.len())
            .field("sha256", &hex::encode(self.sha256_fingerprint()))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl BrowserCertificate {
    /// SHA-256 of the DER: what goes in the SDP `a=fingerprint:sha-256`
    /// line.
    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.der);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }

    /// The certificate in the form webrtc-rs 0.17 takes in
    /// `RTCConfiguration::certificates`; it then uses it instead of making
    /// its own, and derives the SDP fingerprint from our DER.
    #[cfg(feature = "webrtc17")]
    pub fn to_webrtc17(
        &self,
    ) -> Result<webrtc17::peer_connection::certificate::RTCCertificate, RtcError> {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
        use webrtc17::dtls::crypto::{Certificate, CryptoPrivateKey, CryptoPrivateKeyKind};
        use webrtc17::peer_connection::certificate::RTCCertificate;

        let rng = ring::rand::SystemRandom::new();
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.pkcs8_key, &rng)
                .map_err(|e| RtcError::backend(format!("certificate key: {e}")))?;
        let certificate = Certificate {
            certificate: vec![self.der.clone().into()],
            private_key: CryptoPrivateKey {
                kind: CryptoPrivateKeyKind::Ecdsa256(key_pair),
                serialized_der: self.pkcs8_key.clone(),
            },
        };
        Ok(RTCCertificate::from_existing(certificate, self.not_after))
    }
}

/// Makes a new key and a self-signed certificate in `family`'s style,
/// created at `now` (so valid from `now` − 1 day to `now` + 30 days, in
/// whole seconds).
pub fn browser_certificate(
    family: BrowserFamily,
    now: SystemTime,
) -> Result<BrowserCertificate, RtcError> {
    let now_secs = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| RtcError::backend("certificate: the clock is before 1970"))?
        .as_secs();
    let not_before_secs = now_secs.saturating_sub(NOT_BEFORE_SKEW.as_secs());
    let not_after_secs = not_before_secs.saturating_add(VALIDITY.as_secs());
    let not_before = UNIX_EPOCH + Duration::from_secs(not_before_secs);
    let not_after = UNIX_EPOCH + Duration::from_secs(not_after_secs);

    let mut params = CertificateParams::default();
    params.not_before = offset_date_time(not_before_secs)?;
    params.not_after = offset_date_time(not_after_secs)?;
    params.distinguished_name = distinguished_name(family)?;
    params.serial_number = Some(SerialNumber::from(serial_bytes(family)));
    // rcgen writes no extensions field when all of these are empty and
    // the certificate is not a CA one; the defaults already are, this
    // only makes the requirement visible.
    params.is_ca = IsCa::NoCa;
    params.subject_alt_names.clear();
    params.key_usages.clear();
    params.extended_key_usages.clear();
    params.custom_extensions.clear();
    params.use_authority_key_identifier_extension = false;

    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(|e| RtcError::backend(format!("certificate key: {e}")))?;
    let certificate = params
        .self_signed(&key)
        .map_err(|e| RtcError::backend(format!("certificate: {e}")))?;
    Ok(BrowserCertificate {
        family,
        der: certificate.der().to_vec(),
        pkcs8_key: key.serialize_der(),
        not_before,
        not_after,
    })
}

fn offset_date_time(unix_secs: u64) -> Result<OffsetDateTime, RtcError> {
    i64::try_from(unix_secs)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| RtcError::backend("certificate: time out of range"))
}

/// Subject and issuer: the one common name the browser writes.
fn distinguished_name(family: BrowserFamily) -> Result<DistinguishedName, RtcError> {
    let common_name = match family {
        BrowserFamily::Chromium => DnValue::Utf8String("WebRTC".to_owned()),
        BrowserFamily::Firefox => {
            let name = hex::encode(rand::random::<[u8; 16]>());
            let printable = PrintableString::try_from(name)
                .map_err(|e| RtcError::backend(format!("certificate name: {e}")))?;
            DnValue::PrintableString(printable)
        }
    };
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    Ok(name)
}

/// The random serial, as unsigned big-endian bytes; rcgen writes it as the
/// shortest positive INTEGER, as both browsers do.
fn serial_bytes(family: BrowserFamily) -> Vec<u8> {
    match family {
        BrowserFamily::Chromium => rand::random::<[u8; 8]>().to_vec(),
        BrowserFamily::Firefox => rand::random::<[u8; 4]>().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::oid_registry::{
        OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256, OID_X509_COMMON_NAME,
    };
    use x509_parser::prelude::{FromDer, X509Certificate, X509Version};

    /// A Chromium 156 certificate: the DTLS server's in
    /// `fixtures/fingerprints/pcap/dtls-chromium-srv12-1.pcap` (9-byte
    /// serial, 71-byte signature, 282 bytes in all).
    const CHROMIUM_FIXTURE: &str = "308201163081bda003020102020900b028efb844a72adc300a06082a8648ce3d0403023011310f300d06035504030c06576562525443301e170d3236313230313138303835315a170d3237303130313138303835315a3011310f300d06035504030c065765625254433059301306072a8648ce3d020106082a8648ce3d03010703420004662a7d720da05f5aded17a198dc5ba48f121c0c6b81cf7466a701f8e354899f42a4976476f4f0493edc2016600cc0f5e917347b763d1487878b0d8bbc93e25d2300a06082a8648ce3d0403020348003045022001513ade6798b16c8dfb2cd21b91d786d8a8fc4f0226f2d5eb2107bf7eac2957022100ecd54cb62b6dc7ce55bc0ad1c2940e20ea6816e1ce32941917d21295505fc636";
    /// A Firefox ESR 153 certificate: the DTLS server's in
    /// `fixtures/fingerprints/pcap/dtls-firefox-srv12-1.pcap` (5-byte
    /// serial, 70-byte signature, 329 bytes in all).
    const FIREFOX_FIXTURE: &str = "308201453081eda003020102020500a957057c300a06082a8648ce3d040302302b31293027060355040313206337323862616638333463303137636164333938333730393639646364323165301e170d3236313230313138303930365a170d3237303130313138303930365a302b312930270603550403132063373238626166383334633031376361643339383337303936396463643231653059301306072a8648ce3d020106082a8648ce3d03010703420004cec93d22ee873f63cf4ec85cd5b61799d34ddd611bec043951faed20a4e25fa9994196d5b437e3a17d3801b28f0d7566f64fee44708c9927957f941401e02972300a06082a8648ce3d040302034700304402205e3a3da56c59fd972fa9988de64f151826510027de0721ac6d0e2b011d0e865a02203272b882f2b4d87c761e59117dca087ab2c8ff40aee0ecbd3b746215f7830430";
    /// The other Firefox certificate of that capture: 4-byte serial (top
    /// bit clear, so no 0x00 in front), 70-byte signature, 328 bytes.
    const FIREFOX_FIXTURE_SHORT_SERIAL: &str = "308201443081eca00302010202043164cbec300a06082a8648ce3d040302302b31293027060355040313203038386465396532616431633262356462643035656663303766646561333466301e170d3236313230313138303931315a170d3237303130313138303931315a302b312930270603550403132030383864653965326164316332623564626430356566633037666465613334663059301306072a8648ce3d020106082a8648ce3d030107034200040b890ab42954afa0df007c54b7ba83ab9d134eb11fa202779eb499d965c9cd0ea7a836fcf82578e1c81942a2906b4f59a00a4e6851afd1d403714947f2ab15e3300a06082a8648ce3d040302034700304402204a8cbf9c1c1bc1153c23fc5fd20c08759eb016aa02f81a6827781d9f7fcaf69c022041816683b760900d9861d8c3395b020cd90dd0d1c936a2898a825e3f13d00a13";

    fn fixture(family: BrowserFamily) -> Vec<u8> {
        let hex_der = match family {
            BrowserFamily::Chromium => CHROMIUM_FIXTURE,
            BrowserFamily::Firefox => FIREFOX_FIXTURE,
        };
        hex::decode(hex_der).unwrap()
    }

    /// A fixed creation time with a fraction of a second, in the captures'
    /// era (2026-12-01 18:08:51.25 UTC).
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_796_148_531_250)
    }

    fn make(family: BrowserFamily) -> BrowserCertificate {
        browser_certificate(family, now()).unwrap()
    }

    fn parse(der: &[u8]) -> X509Certificate<'_> {
        let (rest, cert) = X509Certificate::from_der(der).unwrap();
        assert!(rest.is_empty());
        cert
    }

    /// One DER element: (tag, content, what follows).
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = input[0];
        let (len, header) = match input[1] {
            n if n < 0x80 => (usize::from(n), 2),
            0x81 => (usize::from(input[2]), 3),
            0x82 => (usize::from(u16::from_be_bytes([input[2], input[3]])), 4),
            n => panic!("unexpected length byte {n:#x}"),
        };
        let end = header + len;
        (tag, &input[header..end], &input[end..])
    }

    /// The certificate's structure with the random parts blanked out:
    /// every tag in order, constant contents (version, OIDs, the
    /// "WebRTC" name) in full, random ones (serial, times, Firefox's
    /// name, key, signature) by tag and, where fixed, length. Two
    /// certificates with the same skeleton differ only in random values.
    fn skeleton(der: &[u8]) -> Vec<String> {
        fn walk(mut input: &[u8], depth: usize, out: &mut Vec<String>) {
            while !input.is_empty() {
                let (tag, content, rest) = tlv(input);
                if tag & 0x20 != 0 {
                    out.push(format!("{tag:02x}{{"));
                    walk(content, depth + 1, out);
                    out.push("}".to_owned());
                } else {
                    out.push(match tag {
                        // The version inside [0] is constant; the serial
                        // is random.
                        0x02 if depth == 3 => format!("02:{}", hex::encode(content)),
                        0x02 => "02:serial".to_owned(),
                        0x06 | 0x0c => format!("{tag:02x}:{}", hex::encode(content)),
                        0x13 | 0x17 => format!("{tag:02x}:len={}", content.len()),
                        0x03 => "03:bits".to_owned(),
                        other => format!("{other:02x}:{}", hex::encode(content)),
                    });
                }
                input = rest;
            }
        }
        let mut out = Vec::new();
        walk(der, 0, &mut out);
        out
    }

    /// (serial content length, signature BIT STRING content length).
    fn variable_lengths(der: &[u8]) -> (usize, usize) {
        let (_, certificate, _) = tlv(der);
        let (_, tbs, rest) = tlv(certificate);
        let (_, _, rest) = tlv(rest); // signatureAlgorithm
        let (_, signature, _) = tlv(rest);
        let (_, _, tbs) = tlv(tbs); // version
        let (_, serial, _) = tlv(tbs);
        (serial.len(), signature.len())
    }

    fn signature_verifies(der: &[u8]) -> bool {
        let cert = parse(der);
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            cert.public_key().subject_public_key.data.as_ref(),
        );
        key.verify(
            cert.tbs_certificate.as_ref(),
            cert.signature_value.data.as_ref(),
        )
        .is_ok()
    }

    fn common_name<'a>(name: &'a x509_parser::x509::X509Name<'a>) -> (u32, String) {
        let attributes: Vec<_> = name.iter_attributes().collect();
        assert_eq!(attributes.len(), 1, "one attribute only");
        assert_eq!(attributes[0].attr_type(), &OID_X509_COMMON_NAME);
        let value = attributes[0].attr_value();
        (value.tag().0, attributes[0].as_str().unwrap().to_owned())
    }

    #[test]
    fn fixture_skeletons_agree_with_each_other() {
        // The helper itself: both Firefox fixtures have one skeleton, and
        // the fixtures' signatures verify.
        let short = hex::decode(FIREFOX_FIXTURE_SHORT_SERIAL).unwrap();
        assert_eq!(skeleton(&short), skeleton(&fixture(BrowserFamily::Firefox)));
        assert_ne!(
            skeleton(&fixture(BrowserFamily::Chromium)),
            skeleton(&fixture(BrowserFamily::Firefox))
        );
        assert_eq!(variable_lengths(&short), (4, 71));
        for family in BrowserFamily::ALL {
            assert!(signature_verifies(&fixture(family)), "{family}");
        }
    }

    #[test]
    fn structure_matches_the_browser_fixture() {
        for family in BrowserFamily::ALL {
            let reference = fixture(family);
            for _ in 0..10 {
                let ours = make(family);
                assert_eq!(skeleton(&ours.der), skeleton(&reference), "{family}");
            }
        }
    }

    #[test]
    fn der_size_is_the_browsers_for_the_same_random_lengths() {
        for family in BrowserFamily::ALL {
            let reference = fixture(family);
            let (ref_serial, ref_signature) = variable_lengths(&reference);
            // Sizes the captures show, widened by one byte at the bottom for
            // the shorter signature (both browsers draw the same ECDSA
            // lengths) and one for a serial whose first byte is zero.
            let range = match family {
                BrowserFamily::Chromium => 279..=283,
                BrowserFamily::Firefox => 326..=331,
            };
            for _ in 0..20 {
                let ours = make(family);
                let (serial, signature) = variable_lengths(&ours.der);
                assert_eq!(
                    ours.der.len() + ref_serial + ref_signature,
                    reference.len() + serial + signature,
                    "{family}"
                );
                assert!(
                    range.contains(&ours.der.len()),
                    "{family}: {}",
                    ours.der.len()
                );
            }
        }
    }

    #[test]
    fn subject_and_issuer_are_the_browsers_common_name() {
        let chromium = make(BrowserFamily::Chromium);
        let cert = parse(&chromium.der);
        // UTF8String (tag 12), as Chromium writes it.
        assert_eq!(common_name(cert.subject()), (12, "WebRTC".to_owned()));
        assert_eq!(common_name(cert.issuer()), (12, "WebRTC".to_owned()));

        let mut names = std::collections::HashSet::new();
        for _ in 0..5 {
            let firefox = make(BrowserFamily::Firefox);
            let cert = parse(&firefox.der);
            // PrintableString (tag 19), as Firefox writes it.
            let (tag, name) = common_name(cert.subject());
            assert_eq!(tag, 19);
            assert_eq!(name.len(), 32);
            assert!(name
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert_eq!(common_name(cert.issuer()), (19, name.clone()));
            names.insert(name);
        }
        assert_eq!(names.len(), 5, "a fresh random name each time");
    }

    #[test]
    fn validity_is_one_day_back_to_thirty_days_ahead() {
        let whole_now = UNIX_EPOCH + Duration::from_secs(1_796_148_531);
        for family in BrowserFamily::ALL {
            let ours = make(family);
            assert_eq!(ours.not_before, whole_now - Duration::from_secs(86_400));
            assert_eq!(ours.not_after, whole_now + Duration::from_secs(30 * 86_400));
            assert_eq!(
                ours.not_after.duration_since(ours.not_before).unwrap(),
                Duration::from_secs(2_678_400)
            );
            let cert = parse(&ours.der);
            let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
            assert_eq!(
                cert.validity().not_before.timestamp(),
                secs(ours.not_before)
            );
            assert_eq!(cert.validity().not_after.timestamp(), secs(ours.not_after));
            // Both times as UTCTime (the skeleton also compares this).
            assert_eq!(
                skeleton(&ours.der)
                    .iter()
                    .filter(|s| s.as_str() == "17:len=13")
                    .count(),
                2
            );
        }
        // Created right now: valid now.
        let fresh = browser_certificate(BrowserFamily::Chromium, SystemTime::now()).unwrap();
        assert!(fresh.not_before < SystemTime::now() && SystemTime::now() < fresh.not_after);
    }

    #[test]
    fn serial_lengths_follow_the_browsers() {
        for (family, random_bytes) in [(BrowserFamily::Chromium, 8), (BrowserFamily::Firefox, 4)] {
            let mut counts = std::collections::BTreeMap::new();
            for _ in 0..200 {
                let ours = make(family);
                let cert = parse(&ours.der);
                let serial = cert.raw_serial();
                // The shortest positive encoding of `random_bytes` bytes.
                assert!(serial[0] < 0x80, "{family}: positive");
                if serial[0] == 0 {
                    assert!(serial.len() > 1 && serial[1] >= 0x80, "{family}: minimal");
                }
                assert!(serial.len() <= random_bytes + 1, "{family}");
                *counts.entry(serial.len()).or_insert(0) += 1;
            }
            // Half of the serials have the top bit set and take one byte
            // more; a first byte of zero (1 in 512) gives one byte less.
            let full = counts.get(&random_bytes).copied().unwrap_or(0);
            let padded = counts.get(&(random_bytes + 1)).copied().unwrap_or(0);
            assert!(full >= 60 && padded >= 60, "{family}: {counts:?}");
            assert!(full + padded >= 195, "{family}: {counts:?}");
        }
    }

    #[test]
    fn no_extensions_and_an_ecdsa_p256_key() {
        for family in BrowserFamily::ALL {
            let ours = make(family);
            let cert = parse(&ours.der);
            assert_eq!(cert.version(), X509Version::V3);
            assert!(cert.extensions().is_empty());
            // No [3] element in the TBSCertificate at all.
            let (_, certificate, _) = tlv(&ours.der);
            let (_, mut tbs, _) = tlv(certificate);
            let mut fields = 0;
            while !tbs.is_empty() {
                let (tag, _, rest) = tlv(tbs);
                assert_ne!(tag, 0xa3, "{family}: extensions present");
                fields += 1;
                tbs = rest;
            }
            assert_eq!(fields, 7, "{family}");
            assert_eq!(
                cert.signature_algorithm.algorithm,
                OID_SIG_ECDSA_WITH_SHA256
            );
            assert!(cert.signature_algorithm.parameters.is_none());
            let key = cert.public_key();
            assert_eq!(key.algorithm.algorithm, OID_KEY_TYPE_EC_PUBLIC_KEY);
            let curve = key.algorithm.parameters.as_ref().unwrap().as_oid().unwrap();
            assert_eq!(curve, OID_EC_P256);
            assert_eq!(key.subject_public_key.data.len(), 65);
        }
    }

    #[test]
    fn signature_verifies_and_the_key_matches() {
        for family in BrowserFamily::ALL {
            let ours = make(family);
            assert!(signature_verifies(&ours.der), "{family}");
            let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &ours.pkcs8_key,
                &ring::rand::SystemRandom::new(),
            )
            .unwrap();
            use ring::signature::KeyPair as _;
            let cert = parse(&ours.der);
            assert_eq!(
                pair.public_key().as_ref(),
                cert.public_key().subject_public_key.data.as_ref()
            );
        }
    }

    #[test]
    fn fingerprint_is_sha256_of_the_der_and_the_key_stays_out_of_debug() {
        let ours = make(BrowserFamily::Firefox);
        let expected = ring::digest::digest(&ring::digest::SHA256, &ours.der);
        assert_eq!(ours.sha256_fingerprint().as_slice(), expected.as_ref());
        let debug = format!("{ours:?}");
        assert!(debug.contains(&hex::encode(ours.sha256_fingerprint())));
        assert!(!debug.contains(&hex::encode(&ours.pkcs8_key[40..56])));
    }

    #[test]
    fn a_clock_before_1970_is_an_error() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(browser_certificate(BrowserFamily::Chromium, before).is_err());
    }

    #[cfg(feature = "webrtc17")]
    #[test]
    fn webrtc17_certificate_carries_our_der_and_fingerprint() {
        for family in BrowserFamily::ALL {
            let ours = make(family);
            let rtc = ours.to_webrtc17().unwrap();
            let fingerprints = rtc.get_fingerprints();
            assert_eq!(fingerprints.len(), 1);
            assert_eq!(fingerprints[0].algorithm, "sha-256");
            let expected: Vec<String> = ours
                .sha256_fingerprint()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(fingerprints[0].value, expected.join(":"));
            // webrtc clones certificates, which re-reads the PKCS#8 key.
            let _copy = rtc.clone();
        }
    }
}
