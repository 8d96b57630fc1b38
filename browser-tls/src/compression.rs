//! Brotli certificate decompression (RFC 8879), as Chromium offers it.
//!
//! Chromium's hello lists brotli (2) in compress_certificate; a server may
//! then send its certificate chain compressed, so the client must be able to
//! inflate it. BoringSSL hands us a buffer sized to the length the server
//! announced (BoringSSL has already bounded that length by its maximum
//! certificate list size); writing past it fails, so a stream that inflates
//! to more than announced is rejected instead of growing without bound.

use std::io::{self, Write};

use boring::ssl::{CertificateCompressionAlgorithm, CertificateCompressor};

/// Decompress-only brotli for the compress_certificate extension.
pub(crate) struct BrotliCertDecompressor;

impl CertificateCompressor for BrotliCertDecompressor {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::BROTLI;
    const CAN_COMPRESS: bool = false;
    const CAN_DECOMPRESS: bool = true;

    fn decompress<W: Write>(&self, input: &[u8], output: &mut W) -> io::Result<()> {
        let mut inflater = brotli_decompressor::Decompressor::new(input, 4096);
        io::copy(&mut inflater, output)
            .map(|_| ())
            .inspect_err(|e| {
                tracing::debug!(error = %e, "brotli certificate decompression failed");
            })
    }
}
