//! Certificate decompression (RFC 8879): brotli, as Chromium offers it, and
//! zlib, brotli and zstd, as Firefox offers them.
//!
//! A hello that lists an algorithm in compress_certificate lets the server
//! send its certificate chain compressed with it, so the client must be able
//! to inflate it. BoringSSL hands us a buffer sized to the length the server
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

/// Decompress-only zlib (RFC 1950) for the compress_certificate extension
/// (Firefox lists it first). The output is bounded as for brotli.
pub(crate) struct ZlibCertDecompressor;

impl CertificateCompressor for ZlibCertDecompressor {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::ZLIB;
    const CAN_COMPRESS: bool = false;
    const CAN_DECOMPRESS: bool = true;

    fn decompress<W: Write>(&self, input: &[u8], output: &mut W) -> io::Result<()> {
        // BoringSSL's buffer refuses writes past the announced length; the
        // limit makes inflation stop there too instead of allocating more.
        let limit = MAX_CERT_CHAIN;
        match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(input, limit) {
            Ok(data) => output.write_all(&data),
            Err(e) => {
                tracing::debug!(error = ?e.status, "zlib certificate decompression failed");
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "zlib: bad stream",
                ))
            }
        }
    }
}

/// The RFC 8879 code point of zstd, which `boring`'s safe API cannot name;
/// registered through [`crate::ffi::ctx_add_zstd_cert_decompression`].
pub(crate) const ZSTD_ALGORITHM: u16 = 3;

/// More than any certificate chain BoringSSL accepts (its default limit is
/// 100 KiB); bounds zlib's output vector.
const MAX_CERT_CHAIN: usize = 1 << 20;

/// Inflates a zstd certificate message into `output`, which has the length
/// the server announced: true only if the stream decodes to exactly that.
pub(crate) fn zstd_decompress(input: &[u8], output: &mut [u8]) -> bool {
    let mut decoder = ruzstd::decoding::FrameDecoder::new();
    match decoder.decode_all(input, output) {
        Ok(n) if n == output.len() => true,
        Ok(n) => {
            tracing::debug!(
                got = n,
                announced = output.len(),
                "zstd certificate shorter than announced"
            );
            false
        }
        Err(e) => {
            tracing::debug!(error = %e, "zstd certificate decompression failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_rejects_garbage_and_wrong_lengths() {
        let mut out = [0u8; 8];
        assert!(!zstd_decompress(b"not zstd at all", &mut out));
        // A raw (uncompressed) zstd frame holding "abc": magic, frame header
        // with single-segment flag and 1-byte content size, one raw last
        // block of 3 bytes.
        let frame = [
            0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x03, 0x19, 0x00, 0x00, b'a', b'b', b'c',
        ];
        let mut exact = [0u8; 3];
        assert!(zstd_decompress(&frame, &mut exact));
        assert_eq!(&exact, b"abc");
        let mut longer = [0u8; 4];
        assert!(!zstd_decompress(&frame, &mut longer));
    }

    #[test]
    fn zlib_inflates_and_rejects_garbage() {
        // zlib stream of "abc" (stored block).
        let stream = [
            0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c', 0x02, 0x4d, 0x01, 0x27,
        ];
        let mut out = Vec::new();
        ZlibCertDecompressor.decompress(&stream, &mut out).unwrap();
        assert_eq!(out, b"abc");
        assert!(ZlibCertDecompressor
            .decompress(b"garbage", &mut Vec::new())
            .is_err());
    }
}
