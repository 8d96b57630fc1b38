//! `hellorandomizedalpn` / `hellorandomizednoalpn`: a new random hello for
//! every connection, so that no single fingerprint can be blocked.
//!
//! What is drawn, per connection:
//! * TLS 1.3 cipher suites: TLS_AES_128_GCM_SHA256 (which every TLS 1.3
//!   server must implement) plus each of the two others by a coin toss,
//!   shuffled.
//! * TLS 1.2 cipher suites: a random subset of the ECDHE and RSA AEAD/CBC
//!   suites, shuffled. ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM are always
//!   in, so a TLS 1.2-only server with either key type finds a suite.
//! * supported_groups: secp256r1 and secp384r1 (a TLS 1.2 server's ECDSA
//!   certificate must be on an offered curve) plus a random subset of
//!   X25519MLKEM768, x25519 and secp521r1, shuffled; the key share is for
//!   the first group (plus a classical one when the first is the hybrid),
//!   and a server that wants another group asks with HelloRetryRequest,
//!   which BoringSSL answers.
//! * signature_algorithms: the four any web server needs (ECDSA P-256 and
//!   P-384, RSA-PSS and PKCS#1 with SHA-256) plus a random subset of the
//!   others, shuffled.
//! * GREASE, extension-order permutation, ECH GREASE, OCSP and SCT
//!   requests, session_ticket, brotli certificate compression, and (with
//!   ALPN) ALPS for h2: each on or off by a coin toss.
//! * ALPN: h2 and http/1.1 for the ALPN variant, in random order; none
//!   for the no-ALPN variant.
//!
//! Everything drawn is something BoringSSL implements in full, so the hello
//! always completes a handshake with an ordinary server.

use boring::error::ErrorStack;
use boring::ssl::{SslContextBuilder, SslOptions, SslRef};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::chrome::ALPS_H2_SETTINGS;
use crate::compression::BrotliCertDecompressor;
use crate::ffi;

/// TLS 1.2 suites that may be drawn: (IANA code point, BoringSSL name).
const TLS12_SUITES: &[(u16, &str)] = &[
    (0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"),
    (0xc030, "ECDHE-RSA-AES256-GCM-SHA384"),
    (0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"),
    (0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"),
    (0xc009, "ECDHE-ECDSA-AES128-SHA"),
    (0xc00a, "ECDHE-ECDSA-AES256-SHA"),
    (0xc013, "ECDHE-RSA-AES128-SHA"),
    (0xc014, "ECDHE-RSA-AES256-SHA"),
    (0x009c, "AES128-GCM-SHA256"),
    (0x009d, "AES256-GCM-SHA384"),
    (0x002f, "AES128-SHA"),
    (0x0035, "AES256-SHA"),
];
/// Always offered (see the module doc).
const TLS12_REQUIRED: &[u16] = &[0xc02b, 0xc02f];

const TLS13_REQUIRED: &[u16] = &[0x1301];
const TLS13_OPTIONAL: &[u16] = &[0x1302, 0x1303];

/// Always offered: in TLS 1.2 the curve of a server's ECDSA certificate
/// must be among the client's groups (BoringSSL rejects the certificate
/// with BAD_ECC_CERT otherwise), and WebPKI ECDSA keys are P-256 or P-384.
const GROUPS_REQUIRED: &[u16] = &[0x0017, 0x0018];
/// Each offered or not by a coin toss.
const GROUPS_OPTIONAL: &[u16] = &[0x11ec, 0x001d, 0x0019];

const SIGALGS_REQUIRED: &[u16] = &[0x0403, 0x0503, 0x0804, 0x0401];
const SIGALGS_OPTIONAL: &[u16] = &[0x0603, 0x0805, 0x0806, 0x0501, 0x0601, 0x0807];

/// One connection's draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RandomHello {
    pub(crate) tls13_suites: Vec<u16>,
    pub(crate) tls12_suites: Vec<u16>,
    pub(crate) groups: Vec<u16>,
    pub(crate) sigalgs: Vec<u16>,
    pub(crate) grease: bool,
    pub(crate) permute_extensions: bool,
    pub(crate) ech_grease: bool,
    pub(crate) ocsp: bool,
    pub(crate) sct: bool,
    pub(crate) session_ticket: bool,
    pub(crate) cert_compression: bool,
    /// ALPN in wire format; empty for none.
    pub(crate) alpn: Vec<u8>,
    pub(crate) alps: bool,
}

impl RandomHello {
    pub(crate) fn draw<R: Rng + ?Sized>(rng: &mut R, with_alpn: bool) -> RandomHello {
        let mut tls13_suites: Vec<u16> = TLS13_REQUIRED.to_vec();
        tls13_suites.extend(
            TLS13_OPTIONAL
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5)),
        );
        tls13_suites.shuffle(rng);

        let mut tls12_suites: Vec<u16> = TLS12_SUITES
            .iter()
            .map(|&(code, _)| code)
            .filter(|code| TLS12_REQUIRED.contains(code) || rng.random_bool(0.5))
            .collect();
        tls12_suites.shuffle(rng);

        let mut groups: Vec<u16> = GROUPS_REQUIRED.to_vec();
        groups.extend(
            GROUPS_OPTIONAL
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5)),
        );
        groups.shuffle(rng);

        let mut sigalgs: Vec<u16> = SIGALGS_REQUIRED.to_vec();
        sigalgs.extend(
            SIGALGS_OPTIONAL
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5)),
        );
        sigalgs.shuffle(rng);

        let alpn = if with_alpn {
            let mut protos: [&[u8]; 2] = [b"h2", b"http/1.1"];
            protos.shuffle(rng);
            let mut wire = Vec::new();
            for p in protos {
                // Both names are short constants: the length fits a byte.
                wire.push(p.len() as u8);
                wire.extend_from_slice(p);
            }
            wire
        } else {
            Vec::new()
        };

        RandomHello {
            tls13_suites,
            tls12_suites,
            groups,
            sigalgs,
            grease: rng.random_bool(0.5),
            permute_extensions: rng.random_bool(0.5),
            ech_grease: rng.random_bool(0.5),
            ocsp: rng.random_bool(0.5),
            sct: rng.random_bool(0.5),
            session_ticket: rng.random_bool(0.5),
            cert_compression: rng.random_bool(0.5),
            alps: with_alpn && rng.random_bool(0.5),
            alpn,
        }
    }

    fn cipher_list(&self) -> String {
        self.tls12_suites
            .iter()
            .filter_map(|code| TLS12_SUITES.iter().find(|(c, _)| c == code))
            .map(|&(_, name)| name)
            .collect::<Vec<_>>()
            .join(":")
    }

    pub(crate) fn configure_context(&self, ctx: &mut SslContextBuilder) -> Result<(), ErrorStack> {
        ctx.set_cipher_list(&self.cipher_list())?;
        ffi::ctx_set_tls13_ciphers(ctx, &self.tls13_suites)?;
        ctx.set_grease_enabled(self.grease);
        ctx.set_permute_extensions(self.permute_extensions);
        ffi::ctx_set_group_ids(ctx, &self.groups)?;
        ffi::ctx_set_verify_algorithm_prefs(ctx, &self.sigalgs)?;
        if self.ocsp {
            ctx.enable_ocsp_stapling();
        }
        if self.sct {
            ctx.enable_signed_cert_timestamps();
        }
        if !self.session_ticket {
            ctx.set_options(SslOptions::NO_TICKET);
        }
        if self.cert_compression {
            ctx.add_certificate_compression_algorithm(BrotliCertDecompressor)?;
        }
        if !self.alpn.is_empty() {
            ctx.set_alpn_protos(&self.alpn)?;
        }
        Ok(())
    }

    pub(crate) fn configure_connection(&self, ssl: &mut SslRef) -> Result<(), ErrorStack> {
        ssl.set_enable_ech_grease(self.ech_grease);
        if self.alps && !self.alpn.is_empty() {
            ffi::ssl_add_alps(ssl, b"h2", ALPS_H2_SETTINGS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_keep_the_required_parts_and_vary() {
        let mut rng = rand::rng();
        let draws: Vec<RandomHello> = (0..200)
            .map(|i| RandomHello::draw(&mut rng, i % 2 == 0))
            .collect();
        for (i, d) in draws.iter().enumerate() {
            for s in TLS12_REQUIRED {
                assert!(d.tls12_suites.contains(s));
            }
            assert!(d.tls13_suites.contains(&0x1301));
            assert!(d.tls13_suites.iter().all(|s| (0x1301..=0x1303).contains(s)));
            for s in SIGALGS_REQUIRED {
                assert!(d.sigalgs.contains(s));
            }
            for g in GROUPS_REQUIRED {
                assert!(d.groups.contains(g));
            }
            assert_eq!(d.alpn.is_empty(), i % 2 == 1);
            assert!(!d.alps || !d.alpn.is_empty());
            assert_eq!(d.cipher_list().split(':').count(), d.tls12_suites.len());
        }
        let distinct: std::collections::HashSet<_> = draws
            .iter()
            .map(|d| (d.tls12_suites.clone(), d.groups.clone(), d.sigalgs.clone()))
            .collect();
        // 200 draws from a space of well over 10^9 lists: a repeat-heavy
        // result means the draw is not random.
        assert!(
            distinct.len() > 190,
            "only {} distinct draws",
            distinct.len()
        );
    }
}
