//! The few BoringSSL calls the safe `boring` API does not wrap.
//!
//! Every `unsafe` block of the crate lives here. Each wrapper takes a live
//! `boring` object (so the pointer it passes is valid for the call), passes
//! Rust slices as pointer + length (BoringSSL copies what it keeps before
//! returning), and turns BoringSSL's "0 on failure" into the error stack.

use boring::error::ErrorStack;
use boring::ssl::{SslContextBuilder, SslRef};
use foreign_types::ForeignTypeRef;

/// Maps BoringSSL's `1` = success, anything else = failure.
fn check(ret: std::os::raw::c_int) -> Result<(), ErrorStack> {
    if ret == 1 {
        Ok(())
    } else {
        Err(ErrorStack::get())
    }
}

/// `SSL_CTX_set1_group_ids`: the supported_groups list, in order, by IANA
/// code point (the safe API only takes OpenSSL-style names, and has no name
/// for every group).
pub(crate) fn ctx_set_group_ids(
    ctx: &mut SslContextBuilder,
    groups: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: `ctx.as_ptr()` is the live SSL_CTX owned by the builder;
    // `groups` is valid for `groups.len()` u16 reads and BoringSSL copies it.
    check(unsafe {
        boring_sys::SSL_CTX_set1_group_ids(ctx.as_ptr(), groups.as_ptr(), groups.len())
    })
}

/// `SSL_CTX_set_verify_algorithm_prefs`: the signature_algorithms list by
/// code point, including ML-DSA (0x0904-0x0906), for which the safe
/// `SslSignatureAlgorithm` has no constant.
pub(crate) fn ctx_set_verify_algorithm_prefs(
    ctx: &mut SslContextBuilder,
    sigalgs: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `sigalgs` valid for its length; copied by
    // BoringSSL.
    check(unsafe {
        boring_sys::SSL_CTX_set_verify_algorithm_prefs(
            ctx.as_ptr(),
            sigalgs.as_ptr(),
            sigalgs.len(),
        )
    })
}

/// `SSL_CTX_set1_tls13_ciphers`: the TLS 1.3 suites in order, by code
/// point (0x1301-0x1303); the safe API has no TLS 1.3 suite setting.
pub(crate) fn ctx_set_tls13_ciphers(
    ctx: &mut SslContextBuilder,
    suites: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `suites` valid for its length; a null `flags`
    // is allowed ("if flags is non-null"); BoringSSL copies the list.
    check(unsafe {
        boring_sys::SSL_CTX_set1_tls13_ciphers(
            ctx.as_ptr(),
            suites.as_ptr(),
            std::ptr::null(),
            suites.len(),
        )
    })
}

/// `SSL_CTX_set1_requested_trust_anchors`: the trust_anchors (0xca34)
/// extension, `ids` in wire format (8-bit length-prefixed IDs, without the
/// outer 16-bit length).
pub(crate) fn ctx_set_requested_trust_anchors(
    ctx: &mut SslContextBuilder,
    ids: &[u8],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `ids` valid for its length; copied by BoringSSL.
    check(unsafe {
        boring_sys::SSL_CTX_set1_requested_trust_anchors(ctx.as_ptr(), ids.as_ptr(), ids.len())
    })
}

/// `SSL_add_application_settings` + `SSL_set_alps_use_new_codepoint`: offer
/// ALPS for `proto` (which must be in the ALPN list) with our `settings`,
/// under the new code point 0x44cd as current Chromium does.
pub(crate) fn ssl_add_alps(
    ssl: &mut SslRef,
    proto: &[u8],
    settings: &[u8],
) -> Result<(), ErrorStack> {
    // SAFETY: `ssl.as_ptr()` is the live SSL behind the exclusive
    // reference; the slices are valid for their lengths and BoringSSL
    // copies both.
    unsafe {
        boring_sys::SSL_set_alps_use_new_codepoint(ssl.as_ptr(), 1);
        check(boring_sys::SSL_add_application_settings(
            ssl.as_ptr(),
            proto.as_ptr(),
            proto.len(),
            settings.as_ptr(),
            settings.len(),
        ))
    }
}

/// Whether the connection negotiated ALPS (`SSL_has_application_settings`).
pub(crate) fn ssl_has_alps(ssl: &SslRef) -> bool {
    // SAFETY: live SSL behind the reference; the call only reads it.
    unsafe { boring_sys::SSL_has_application_settings(ssl.as_ptr()) == 1 }
}

// The switches our BoringSSL patch adds (vendor/boring-sys/PATCHES.md);
// every one is off unless called, so the Chrome context never sees them.

/// `SSL_CTX_set_extension_order`: send the ClientHello extensions in this
/// order (code points); BoringSSL refuses a type it does not send or one
/// listed twice.
pub(crate) fn ctx_set_extension_order(
    ctx: &mut SslContextBuilder,
    types: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `types` valid for its length; copied by
    // BoringSSL.
    check(unsafe {
        boring_sys::SSL_CTX_set_extension_order(ctx.as_ptr(), types.as_ptr(), types.len())
    })
}

/// `SSL_CTX_set_record_size_limit`: send record_size_limit (RFC 8449) with
/// `limit` and honour the server's answer.
pub(crate) fn ctx_set_record_size_limit(
    ctx: &mut SslContextBuilder,
    limit: u16,
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; plain value.
    check(unsafe { boring_sys::SSL_CTX_set_record_size_limit(ctx.as_ptr(), limit) })
}

/// `SSL_CTX_set1_delegated_credential_sigalgs`: send delegated_credentials
/// (RFC 9345) with these algorithms. A server's delegated credential is
/// refused (handshake fails), never used unverified.
pub(crate) fn ctx_set_delegated_credential_sigalgs(
    ctx: &mut SslContextBuilder,
    sigalgs: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `sigalgs` valid for its length; copied.
    check(unsafe {
        boring_sys::SSL_CTX_set1_delegated_credential_sigalgs(
            ctx.as_ptr(),
            sigalgs.as_ptr(),
            sigalgs.len(),
        )
    })
}

/// `SSL_CTX_set1_extra_supported_groups`: groups listed in
/// supported_groups only (no key share; a server choosing one fails).
pub(crate) fn ctx_set_extra_supported_groups(
    ctx: &mut SslContextBuilder,
    groups: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `groups` valid for its length; copied.
    check(unsafe {
        boring_sys::SSL_CTX_set1_extra_supported_groups(ctx.as_ptr(), groups.as_ptr(), groups.len())
    })
}

/// `SSL_CTX_set_ech_grease_payload_len`: a fixed ECH GREASE payload length
/// (ciphertext + tag) instead of BoringSSL's random one.
pub(crate) fn ctx_set_ech_grease_payload_len(
    ctx: &mut SslContextBuilder,
    len: usize,
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; plain value.
    check(unsafe { boring_sys::SSL_CTX_set_ech_grease_payload_len(ctx.as_ptr(), len) })
}

/// `SSL_CTX_set1_ech_grease_aeads`: the ECH GREASE extension names an HPKE
/// AEAD drawn per connection from `aead_ids`.
pub(crate) fn ctx_set_ech_grease_aeads(
    ctx: &mut SslContextBuilder,
    aead_ids: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `aead_ids` valid for its length; copied.
    check(unsafe {
        boring_sys::SSL_CTX_set1_ech_grease_aeads(ctx.as_ptr(), aead_ids.as_ptr(), aead_ids.len())
    })
}

/// `SSL_set1_client_key_shares` (stock BoringSSL): exactly these key
/// shares, in order; they must be a subsequence of the supported groups.
pub(crate) fn ssl_set_client_key_shares(
    ssl: &mut SslRef,
    groups: &[u16],
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL behind the exclusive reference; `groups` valid for
    // its length; copied by BoringSSL.
    check(unsafe {
        boring_sys::SSL_set1_client_key_shares(ssl.as_ptr(), groups.as_ptr(), groups.len())
    })
}

/// Registers zstd (RFC 8879 algorithm 3) certificate decompression, which
/// the safe API cannot name. The inflating itself is safe Rust
/// ([`crate::compression::zstd_decompress`]).
pub(crate) fn ctx_add_zstd_cert_decompression(
    ctx: &mut SslContextBuilder,
) -> Result<(), ErrorStack> {
    // SAFETY: live SSL_CTX; `zstd_decompress_cb` has the signature
    // BoringSSL expects and is a plain function (no state to keep alive).
    check(unsafe {
        boring_sys::SSL_CTX_add_cert_compression_alg(
            ctx.as_ptr(),
            crate::compression::ZSTD_ALGORITHM,
            None,
            Some(zstd_decompress_cb),
        )
    })
}

/// BoringSSL's decompression callback for zstd: allocates a buffer of the
/// length the server announced and fills it; 0 (handshake failure) unless
/// the stream inflates to exactly that length.
unsafe extern "C" fn zstd_decompress_cb(
    _ssl: *mut boring_sys::SSL,
    out: *mut *mut boring_sys::CRYPTO_BUFFER,
    uncompressed_len: usize,
    input: *const u8,
    in_len: usize,
) -> std::os::raw::c_int {
    if out.is_null() || (input.is_null() && in_len != 0) {
        return 0;
    }
    let input: &[u8] = if in_len == 0 {
        &[]
    } else {
        // SAFETY: BoringSSL passes `in_len` readable bytes at `input`,
        // alive for the call.
        unsafe { std::slice::from_raw_parts(input, in_len) }
    };
    let mut data: *mut u8 = std::ptr::null_mut();
    // SAFETY: CRYPTO_BUFFER_alloc writes a pointer to `uncompressed_len`
    // writable bytes owned by the returned buffer.
    let buffer = unsafe { boring_sys::CRYPTO_BUFFER_alloc(&mut data, uncompressed_len) };
    if buffer.is_null() || (data.is_null() && uncompressed_len != 0) {
        if !buffer.is_null() {
            // SAFETY: we own the buffer just allocated.
            unsafe { boring_sys::CRYPTO_BUFFER_free(buffer) };
        }
        return 0;
    }
    let output: &mut [u8] = if uncompressed_len == 0 {
        &mut []
    } else {
        // SAFETY: `data` points to `uncompressed_len` bytes of the buffer
        // we own; nothing else refers to them yet.
        unsafe { std::slice::from_raw_parts_mut(data, uncompressed_len) }
    };
    // A panic must not unwind into C.
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::compression::zstd_decompress(input, output)
    }))
    .unwrap_or(false);
    if !ok {
        // SAFETY: we own the buffer and hand it to no one.
        unsafe { boring_sys::CRYPTO_BUFFER_free(buffer) };
        return 0;
    }
    // SAFETY: `out` is BoringSSL's out-parameter; it takes ownership.
    unsafe { *out = buffer };
    1
}
