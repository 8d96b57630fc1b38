//! Firefox 153 ESR's ClientHello, as captured in
//! `fixtures/fingerprints/tls-firefox.json`.
//!
//! Firefox's TLS library is NSS, not BoringSSL, so this profile configures
//! BoringSSL to write what NSS writes: its suite order (TLS 1.3 suites
//! 1301, 1303, 1302), its fixed extension order (no GREASE, no
//! permutation), groups with ffdhe2048/3072 advertised, three key shares
//! (X25519MLKEM768, x25519, P-256), delegated_credentials,
//! record_size_limit, zlib/brotli/zstd certificate compression and an ECH
//! GREASE extension of Firefox's length and AEADs. The extension order,
//! record_size_limit, delegated_credentials, the advertised-only groups and
//! the ECH GREASE length and AEADs come from our BoringSSL patch
//! (`vendor/boring-sys/PATCHES.md`). The lists below are the fixture's, in
//! wire order.

use boring::error::ErrorStack;
use boring::ssl::{SslContextBuilder, SslRef};

use crate::compression::{BrotliCertDecompressor, ZlibCertDecompressor};
use crate::ffi;

/// TLS 1.3 suites in Firefox's order: AES-128-GCM, ChaCha20, AES-256-GCM.
pub(crate) const TLS13_SUITES: &[u16] = &[0x1301, 0x1303, 0x1302];

/// TLS 1.2 suites in Firefox's order (c02b c02f cca9 cca8 c02c c030 c00a
/// c013 c014 009c 009d 002f 0035).
pub(crate) const TLS12_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:\
ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:\
ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-AES256-SHA:\
ECDHE-RSA-AES128-SHA:\
ECDHE-RSA-AES256-SHA:\
AES128-GCM-SHA256:\
AES256-GCM-SHA384:\
AES128-SHA:\
AES256-SHA";

/// supported_groups BoringSSL implements: X25519MLKEM768, x25519,
/// secp256r1, secp384r1, secp521r1.
pub(crate) const GROUPS: &[u16] = &[0x11ec, 0x001d, 0x0017, 0x0018, 0x0019];

/// ffdhe2048 and ffdhe3072, which Firefox lists last. BoringSSL has no
/// finite-field DH: they are only advertised (no key share), a TLS 1.3
/// server that selects one fails the handshake, and without DHE suites a
/// TLS 1.2 server cannot select them.
pub(crate) const ADVERTISED_ONLY_GROUPS: &[u16] = &[0x0100, 0x0101];

/// The three key shares Firefox sends (1216, 32 and 65 bytes).
pub(crate) const KEY_SHARES: &[u16] = &[0x11ec, 0x001d, 0x0017];

/// signature_algorithms: ECDSA, RSA-PSS, PKCS#1, then the two SHA-1 ones.
pub(crate) const SIGALGS: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
];

/// delegated_credentials: the ECDSA algorithms Firefox accepts for one.
pub(crate) const DELEGATED_CREDENTIAL_SIGALGS: &[u16] = &[0x0403, 0x0503, 0x0603, 0x0203];

/// record_size_limit: 2^14 + 1, the TLS 1.3 maximum (Firefox sends it for
/// TLS 1.2 too).
pub(crate) const RECORD_SIZE_LIMIT: u16 = 0x4001;

/// ALPN: h2, http/1.1 (wire format).
pub(crate) const ALPN: &[u8] = b"\x02h2\x08http/1.1";

/// Firefox's extension order (identical in every capture).
pub(crate) const EXTENSION_ORDER: &[u16] = &[
    0x0000, // server_name
    0x0017, // extended_master_secret
    0xff01, // renegotiation_info
    0x000a, // supported_groups
    0x000b, // ec_point_formats
    0x0023, // session_ticket
    0x0010, // ALPN
    0x0005, // status_request
    0x0022, // delegated_credentials
    0x0012, // signed_certificate_timestamp
    0x0033, // key_share
    0x002b, // supported_versions
    0x000d, // signature_algorithms
    0x002d, // psk_key_exchange_modes
    0x001c, // record_size_limit
    0x001b, // compress_certificate
    0xfe0d, // encrypted_client_hello
];

/// The ECH GREASE payload (ciphertext + 16-byte tag): 239 bytes, which makes
/// the 281-byte extension of every Firefox capture (BoringSSL's own length
/// is random, 144 to 240).
pub(crate) const ECH_GREASE_PAYLOAD: usize = 239;

/// The HPKE AEADs Firefox's ECH GREASE names, drawn per connection:
/// AES-128-GCM (1) and ChaCha20-Poly1305 (3) both occur in the captures
/// (on one machine, so not by AES hardware as in BoringSSL). Both have a
/// 16-byte tag, so the length does not change.
pub(crate) const ECH_GREASE_AEADS: &[u16] = &[0x0001, 0x0003];

/// Applies the context-wide part of Firefox's configuration.
pub(crate) fn configure_context(ctx: &mut SslContextBuilder) -> Result<(), ErrorStack> {
    ctx.set_cipher_list(TLS12_CIPHERS)?;
    ffi::ctx_set_tls13_ciphers(ctx, TLS13_SUITES)?;
    ffi::ctx_set_group_ids(ctx, GROUPS)?;
    ffi::ctx_set_extra_supported_groups(ctx, ADVERTISED_ONLY_GROUPS)?;
    ffi::ctx_set_verify_algorithm_prefs(ctx, SIGALGS)?;
    ffi::ctx_set_delegated_credential_sigalgs(ctx, DELEGATED_CREDENTIAL_SIGALGS)?;
    ffi::ctx_set_record_size_limit(ctx, RECORD_SIZE_LIMIT)?;
    ctx.enable_ocsp_stapling();
    ctx.enable_signed_cert_timestamps();
    // compress_certificate lists the algorithms in registration order.
    ctx.add_certificate_compression_algorithm(ZlibCertDecompressor)?;
    ctx.add_certificate_compression_algorithm(BrotliCertDecompressor)?;
    ffi::ctx_add_zstd_cert_decompression(ctx)?;
    ctx.set_alpn_protos(ALPN)?;
    ffi::ctx_set_ech_grease_payload_len(ctx, ECH_GREASE_PAYLOAD)?;
    ffi::ctx_set_ech_grease_aeads(ctx, ECH_GREASE_AEADS)?;
    ffi::ctx_set_extension_order(ctx, EXTENSION_ORDER)?;
    Ok(())
}

/// Applies the per-connection part: the key shares and ECH GREASE exist
/// only on the connection object in BoringSSL.
pub(crate) fn configure_connection(ssl: &mut SslRef) -> Result<(), ErrorStack> {
    ffi::ssl_set_client_key_shares(ssl, KEY_SHARES)?;
    ssl.set_enable_ech_grease(true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shares_are_a_subsequence_of_the_groups() {
        let mut groups = GROUPS.iter();
        assert!(KEY_SHARES.iter().all(|k| groups.any(|g| g == k)));
        assert!(ADVERTISED_ONLY_GROUPS.iter().all(|g| !GROUPS.contains(g)));
    }
}
