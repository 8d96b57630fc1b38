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
