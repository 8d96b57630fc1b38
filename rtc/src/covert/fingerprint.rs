//! A ClientHello given by the operator (`covertdtls-fingerprint`, hex), as
//! upstream accepts it, checked before use: we replay its suites and
//! extensions, so it must offer only what our DTLS 1.2 stack can finish.

use super::browser::BrowserFamily;
use super::profile::{
    completable, ext, IMPLEMENTED_ECDSA_SUITES, IMPLEMENTED_GROUPS, KNOWN_SRTP_PROFILES,
};

/// The parts of a ClientHello we replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintHello {
    pub record_version: [u8; 2],
    pub cipher_suites: Vec<u16>,
    /// Extensions (type, body) in order; `server_name` removed.
    pub extensions: Vec<(u16, Vec<u8>)>,
}

/// Extensions that belong to TLS/DTLS 1.3 only.
const TLS13_ONLY: [u16; 6] = [
    ext::SUPPORTED_VERSIONS,
    ext::KEY_SHARE,
    ext::PSK_KEY_EXCHANGE_MODES,
    0x0029, // pre_shared_key
    0x002a, // early_data
    0x002c, // cookie (1.3)
];

fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the ClientHello is truncated".into());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Result<usize, String> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

fn u16s(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

impl FingerprintHello {
    /// Parses a DTLS ClientHello given as a whole handshake record
    /// (`16 fe ff …`), as a handshake message (`01 …`) or as the message
    /// body alone (`fe fd …`, upstream's form), and checks it.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.first() == Some(&0xfe) {
            return Self::parse_body(bytes, [0xfe, 0xff]);
        }
        let mut r = Reader(bytes);
        let mut record_version = [0xfe, 0xff];
        if bytes.first() == Some(&22) {
            r.take(1)?;
            let v = r.take(2)?;
            record_version = [v[0], v[1]];
            r.take(8)?; // epoch, sequence number
            let len = usize::from(r.u16()?);
            r = Reader(r.take(len)?);
        }
        if r.u8()? != 1 {
            return Err("not a ClientHello (handshake type is not 1)".into());
        }
        let length = r.u24()?;
        r.take(2)?; // message sequence
        let offset = r.u24()?;
        let fragment = r.u24()?;
        if offset != 0 || fragment != length {
            return Err("the ClientHello is fragmented; give the whole message".into());
        }
        Self::parse_body(r.take(length)?, record_version)
    }

    fn parse_body(body: &[u8], record_version: [u8; 2]) -> Result<Self, String> {
        let mut b = Reader(body);
        let legacy = b.u16()?;
        if legacy != 0xfefd {
            return Err(format!("ClientHello version {legacy:#06x} is not DTLS 1.2"));
        }
        b.take(32)?;
        let sid = usize::from(b.u8()?);
        b.take(sid)?;
        let cookie = usize::from(b.u8()?);
        b.take(cookie)?;
        let suites_len = usize::from(b.u16()?);
        let cipher_suites = u16s(b.take(suites_len)?);
        let comp = usize::from(b.u8()?);
        b.take(comp)?;
        let mut extensions = vec![];
        if !b.0.is_empty() {
            let total = usize::from(b.u16()?);
            let mut e = Reader(b.take(total)?);
            while !e.0.is_empty() {
                let typ = e.u16()?;
                let len = usize::from(e.u16()?);
                let data = e.take(len)?.to_vec();
                if typ != ext::SERVER_NAME {
                    extensions.push((typ, data));
                }
            }
        }
        let hello = FingerprintHello {
            record_version,
            cipher_suites,
            extensions,
        };
        hello.check()?;
        Ok(hello)
    }

    fn extension(&self, typ: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == typ)
            .map(|(_, d)| d.as_slice())
    }

    /// What a replayed hello must not offer: DTLS 1.3 (we could not finish
    /// it), groups or SRTP profiles our stack lacks; and what it must: an
    /// ECDSA suite we implement, `use_srtp`.
    fn check(&self) -> Result<(), String> {
        if let Some(typ) = TLS13_ONLY.iter().find(|t| self.extension(**t).is_some()) {
            return Err(format!(
                "the fingerprint offers DTLS 1.3 (extension {typ:#06x}); this stack speaks DTLS 1.2 only"
            ));
        }
        if let Some(s) = self.cipher_suites.iter().find(|s| **s >> 8 == 0x13) {
            return Err(format!(
                "the fingerprint offers the TLS 1.3 suite {s:#06x}; this stack speaks DTLS 1.2 only"
            ));
        }
        if !self
            .cipher_suites
            .iter()
            .any(|s| IMPLEMENTED_ECDSA_SUITES.contains(s))
        {
            return Err("the fingerprint offers no ECDHE-ECDSA suite this stack implements".into());
        }
        let groups = self
            .extension(ext::SUPPORTED_GROUPS)
            .map(|d| u16s(d.get(2..).unwrap_or(&[])))
            .unwrap_or_default();
        if let Some(g) = groups
            .iter()
            .find(|g| !is_grease(**g) && !IMPLEMENTED_GROUPS.contains(g))
        {
            return Err(format!(
                "the fingerprint offers group {g:#06x}, which this stack cannot use"
            ));
        }
        completable(&self.cipher_suites, &groups).map_err(|e| format!("the fingerprint {e}"))?;
        let Some(srtp) = self.extension(ext::USE_SRTP) else {
            return Err("the fingerprint has no use_srtp extension; WebRTC needs one".into());
        };
        let len = srtp
            .get(..2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .unwrap_or(0);
        let profiles = u16s(srtp.get(2..2 + len).unwrap_or(&[]));
        if profiles.is_empty() {
            return Err("the fingerprint's use_srtp extension lists no profile".into());
        }
        if let Some(p) = profiles.iter().find(|p| !KNOWN_SRTP_PROFILES.contains(p)) {
            return Err(format!(
                "the fingerprint offers SRTP profile {p:#06x}, which this stack does not know"
            ));
        }
        Ok(())
    }

    /// The certificate style that goes with this hello: Firefox's if it
    /// offers ALPN (only Firefox does in WebRTC), else Chromium's.
    pub fn certificate_style(&self) -> BrowserFamily {
        if self.extension(ext::ALPN).is_some() {
            BrowserFamily::Firefox
        } else {
            BrowserFamily::Chromium
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DTLS 1.2 ClientHello record with the given suites and extensions.
    pub(crate) fn hello_record(suites: &[u16], extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = vec![0xfe, 0xfd];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
        for s in suites {
            body.extend_from_slice(&s.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]);
        let mut exts = vec![];
        for (t, d) in extensions {
            exts.extend_from_slice(&t.to_be_bytes());
            exts.extend_from_slice(&(d.len() as u16).to_be_bytes());
            exts.extend_from_slice(d);
        }
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let len = body.len();
        let mut hs = vec![
            1,
            (len >> 16) as u8,
            (len >> 8) as u8,
            len as u8,
            0,
            0,
            0,
            0,
            0,
        ];
        hs.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
        hs.extend_from_slice(&body);
        let mut record = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        record.extend_from_slice(&hs);
        record
    }

    fn srtp() -> (u16, Vec<u8>) {
        (ext::USE_SRTP, vec![0, 2, 0, 1, 0])
    }

    fn groups() -> (u16, Vec<u8>) {
        (ext::SUPPORTED_GROUPS, vec![0, 4, 0, 0x1d, 0, 0x17])
    }

    #[test]
    fn a_dtls12_hello_parses_and_drops_sni() {
        let record = hello_record(
            &[0xc02b, 0xc02f],
            &[
                (ext::SERVER_NAME, b"\x00\x05\x00\x00\x02hi".to_vec()),
                (ext::SUPPORTED_GROUPS, vec![0, 4, 0, 0x1d, 0, 0x17]),
                srtp(),
                (ext::ALPN, vec![0, 7, 6, b'w', b'e', b'b', b'r', b't', b'c']),
            ],
        );
        let hello = FingerprintHello::parse(&record).unwrap();
        assert_eq!(hello.cipher_suites, vec![0xc02b, 0xc02f]);
        assert_eq!(hello.extensions.len(), 3);
        assert_eq!(hello.certificate_style(), BrowserFamily::Firefox);
        // The same as a handshake message, and as its body alone.
        for start in [13, 25] {
            let hello = FingerprintHello::parse(&record[start..]).unwrap();
            assert_eq!(hello.extensions.len(), 3);
        }
    }

    /// Suites, extensions, and what the refusal must mention.
    type Case = (Vec<u16>, Vec<(u16, Vec<u8>)>, &'static str);

    #[test]
    fn what_we_cannot_finish_is_refused_with_a_reason() {
        let cases: Vec<Case> = vec![
            (
                vec![0xc02b],
                vec![srtp(), (ext::SUPPORTED_VERSIONS, vec![2, 0xfe, 0xfc])],
                "DTLS 1.3",
            ),
            (vec![0x1301, 0xc02b], vec![srtp()], "TLS 1.3 suite"),
            (vec![0xc02f], vec![srtp()], "ECDSA"),
            (
                vec![0xc02b],
                vec![srtp(), (ext::SUPPORTED_GROUPS, vec![0, 2, 0x11, 0xec])],
                "group",
            ),
            (vec![0xc02b], vec![groups()], "use_srtp"),
            (
                vec![0xc02b],
                vec![groups(), (ext::USE_SRTP, vec![0, 2, 0, 9, 0])],
                "SRTP profile",
            ),
        ];
        let mut cases = cases;
        cases.push((
            vec![0xc02b],
            vec![srtp(), (ext::SUPPORTED_GROUPS, vec![0, 2, 0, 0x1d])],
            "P-256",
        ));
        cases.push((vec![0xc024, 0xc02b], vec![srtp(), groups()], "0xc024"));
        for (suites, exts, reason) in cases {
            let err = FingerprintHello::parse(&hello_record(&suites, &exts)).unwrap_err();
            assert!(err.contains(reason), "{err} should mention {reason}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &[][..],
            &[22],
            &[1, 0, 0],
            &[22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9],
        ] {
            assert!(FingerprintHello::parse(bytes).is_err());
        }
        let record = hello_record(&[0xc02b], &[srtp()]);
        for cut in 0..record.len() {
            assert!(FingerprintHello::parse(&record[..cut]).is_err());
        }
    }
}
