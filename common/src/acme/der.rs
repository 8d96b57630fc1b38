//! The little DER (ITU-T X.690) the ACME client reads and writes: walking
//! tag-length-value elements of certificates from the CA or the cache, and
//! wrapping a SEC1 EC key (how Go's autocert stores its account key) in
//! PKCS#8 for ring.
//!
//! Certificates come from the network and from disk: every read is
//! bounds-checked and returns an error, never panics.

/// Universal tags used here.
pub(crate) const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// Malformed DER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed DER: {0}")]
pub struct DerError(pub &'static str);

/// A cursor over a run of DER elements.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }

    /// The next element: its tag and contents.
    pub(crate) fn read(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let (&tag, rest) = self.input.split_first().ok_or(DerError("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(DerError("multi-byte tags are not used here"));
        }
        let (&first, rest) = rest.split_first().ok_or(DerError("truncated length"))?;
        let (length, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(DerError("unsupported length encoding"));
            }
            if rest.len() < count {
                return Err(DerError("truncated length"));
            }
            let (bytes, rest) = rest.split_at(count);
            let length = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (length, rest)
        };
        if rest.len() < length {
            return Err(DerError("element longer than its input"));
        }
        let (value, rest) = rest.split_at(length);
        self.input = rest;
        Ok((tag, value))
    }

    /// The next element, which must have `tag`.
    pub(crate) fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        match self.read()? {
            (found, value) if found == tag => Ok(value),
            _ => Err(DerError("unexpected tag")),
        }
    }

    /// Skips the next element if it has `tag`; returns its contents then.
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.read().map(|(_, value)| Some(value))
        } else {
            Ok(None)
        }
    }
}

/// Encodes one element.
pub(crate) fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    let length = contents.len();
    if length < 0x80 {
        // Fits in the short form.
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = &bytes[skip..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

/// Object identifiers, DER-encoded contents.
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(crate) const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// Wraps a SEC1 `ECPrivateKey` of a P-256 key in a PKCS#8
/// `PrivateKeyInfo` (RFC 5208, RFC 5915 §2).
pub(crate) fn pkcs8_from_sec1_p256(sec1: &[u8]) -> Vec<u8> {
    let algorithm = element(
        TAG_SEQUENCE,
        &[
            element(TAG_OID, OID_EC_PUBLIC_KEY),
            element(TAG_OID, OID_PRIME256V1),
        ]
        .concat(),
    );
    element(
        TAG_SEQUENCE,
        &[
            element(TAG_INTEGER, &[0]),
            algorithm,
            element(TAG_OCTET_STRING, sec1),
        ]
        .concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_lengths() {
        for length in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let contents = vec![7u8; length];
            let encoded = element(TAG_OCTET_STRING, &contents);
            let mut reader = Reader::new(&encoded);
            assert_eq!(reader.expect(TAG_OCTET_STRING).unwrap(), &contents[..]);
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn truncated_or_odd_input_is_an_error() {
        for bad in [
            &b""[..],
            &[0x30],
            &[0x30, 0x05, 1, 2],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x82, 0x01],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(Reader::new(bad).read().is_err(), "{bad:?}");
        }
        assert!(Reader::new(&[0x02, 0x01, 0x00])
            .expect(TAG_SEQUENCE)
            .is_err());
    }
}
