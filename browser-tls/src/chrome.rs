//! Chromium 156's ClientHello, as captured in
//! `fixtures/fingerprints/tls-chromium.json`.
//!
//! Chromium's TLS library is BoringSSL, so most of the hello comes from
//! configuring the same BoringSSL features Chromium turns on: GREASE
//! (RFC 8701), per-connection permutation of the extension order, ECH
//! GREASE, ALPS for h2, brotli certificate compression, OCSP and SCT
//! requests, the X25519MLKEM768 hybrid group with an extra X25519 share,
//! ML-DSA among the signature algorithms, and the trust_anchors extension
//! with the IDs Chromium requests. The lists below are the ones on the wire
//! in the fixture, in wire order.

use boring::error::ErrorStack;
use boring::ssl::{SslContextBuilder, SslRef};

use crate::compression::BrotliCertDecompressor;
use crate::ffi;

/// TLS 1.2 cipher suites in Chromium's order (the TLS 1.3 suites are
/// BoringSSL's fixed list, which is Chromium's: 1301, 1302, 1303 on a CPU
/// with AES instructions). Naming every suite makes the order independent
/// of BoringSSL's AES-hardware heuristic for its default list.
pub(crate) const TLS12_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:\
ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:\
ECDHE-RSA-AES128-SHA:\
ECDHE-RSA-AES256-SHA:\
AES128-GCM-SHA256:\
AES256-GCM-SHA384:\
AES128-SHA:\
AES256-SHA";

/// supported_groups: X25519MLKEM768, x25519, secp256r1, secp384r1.
/// BoringSSL sends key shares for the first group and, because that one is
/// post-quantum, for the first classical group too (x25519), as Chromium.
pub(crate) const GROUPS: &[u16] = &[0x11ec, 0x001d, 0x0017, 0x0018];

/// signature_algorithms: ML-DSA-44/65/87, then the classical list.
pub(crate) const SIGALGS: &[u16] = &[
    0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

/// ALPN: h2, http/1.1 (wire format).
pub(crate) const ALPN: &[u8] = b"\x02h2\x08http/1.1";

/// The ALPS value sent for h2 when a server negotiates ALPS: Chromium's
/// HTTP/2 SETTINGS (HEADER_TABLE_SIZE 65536, ENABLE_PUSH 0,
/// INITIAL_WINDOW_SIZE 6291456, MAX_HEADER_LIST_SIZE 262144). It never
/// appears in the ClientHello itself, which lists only the protocol.
pub(crate) const ALPS_H2_SETTINGS: &[u8] = &[
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, //
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x04, 0x00, 0x60, 0x00, 0x00, //
    0x00, 0x06, 0x00, 0x04, 0x00, 0x00, //
];

/// The trust anchor IDs Chromium 156 requests in the trust_anchors
/// extension (0xca34), in wire format: 28 IDs, each with an 8-bit length.
/// Carried over byte for byte from the fixture pcaps (identical in all
/// three captures); the 186-byte extension body is these 184 bytes behind
/// a 16-bit length.
pub(crate) const TRUST_ANCHOR_IDS: &[u8] = &[
    0x05, 0x82, 0xdf, 0x13, 0x02, 0x01, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x06, 0x05, 0x82, 0xdf, 0x13,
    0x02, 0x0d, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x0e, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x0f, 0x05, 0x82,
    0xdf, 0x13, 0x02, 0x12, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x13, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x14,
    0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x07, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d,
    0x01, 0x08, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x09, 0x08, 0x83, 0x9a, 0x64, 0x8c,
    0x9b, 0x2d, 0x01, 0x0a, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0b, 0x08, 0x83, 0x9a,
    0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0c, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0d, 0x08,
    0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x12, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01,
    0x13, 0x04, 0xd6, 0x79, 0x09, 0x01, 0x04, 0xd6, 0x79, 0x09, 0x04, 0x04, 0xd6, 0x79, 0x09, 0x05,
    0x04, 0xd6, 0x79, 0x09, 0x06, 0x04, 0xd6, 0x79, 0x09, 0x07, 0x04, 0xd6, 0x79, 0x09, 0x08, 0x04,
    0xd6, 0x79, 0x09, 0x0a, 0x04, 0xd6, 0x79, 0x09, 0x0b, 0x04, 0xd6, 0x79, 0x09, 0x0c, 0x04, 0xd6,
    0x79, 0x09, 0x0d, 0x04, 0xd6, 0x79, 0x09, 0x0f,
];

/// Applies the context-wide part of Chromium's configuration.
pub(crate) fn configure_context(ctx: &mut SslContextBuilder) -> Result<(), ErrorStack> {
    ctx.set_cipher_list(TLS12_CIPHERS)?;
    ctx.set_grease_enabled(true);
    ctx.set_permute_extensions(true);
    ffi::ctx_set_group_ids(ctx, GROUPS)?;
    ffi::ctx_set_verify_algorithm_prefs(ctx, SIGALGS)?;
    ctx.enable_ocsp_stapling();
    ctx.enable_signed_cert_timestamps();
    ctx.add_certificate_compression_algorithm(BrotliCertDecompressor)?;
    ctx.set_alpn_protos(ALPN)?;
    ffi::ctx_set_requested_trust_anchors(ctx, TRUST_ANCHOR_IDS)?;
    Ok(())
}

/// Applies the per-connection part: ECH GREASE and ALPS exist only on the
/// connection object in BoringSSL. `alps` is false when the connection
/// offers no h2 (Chromium has application settings for h2 only, so a
/// WebSocket connection's hello, ALPN http/1.1, carries no ALPS).
pub(crate) fn configure_connection(ssl: &mut SslRef, alps: bool) -> Result<(), ErrorStack> {
    ssl.set_enable_ech_grease(true);
    if alps {
        ffi::ssl_add_alps(ssl, b"h2", ALPS_H2_SETTINGS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_anchor_ids_are_well_formed() {
        let mut rest = TRUST_ANCHOR_IDS;
        let mut count = 0;
        while let Some((&len, tail)) = rest.split_first() {
            assert!(len > 0 && usize::from(len) <= tail.len());
            rest = &tail[usize::from(len)..];
            count += 1;
        }
        assert_eq!(count, 28);
        assert_eq!(TRUST_ANCHOR_IDS.len() + 2, 186);
    }
}
