//! What the ACME client needs to know about an issued certificate: when it
//! is valid and for which DNS names (RFC 5280 §4.1.2.5, §4.2.1.6). Read
//! from the leaf's DER, whether it comes from the CA or from the cache.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::der::{
    DerError, Reader, TAG_BOOLEAN, TAG_GENERALIZED_TIME, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID,
    TAG_SEQUENCE, TAG_UTC_TIME,
};

/// `[0] EXPLICIT Version`.
const TAG_VERSION: u8 = 0xa0;
/// `[1] IMPLICIT issuerUniqueID`, `[2] IMPLICIT subjectUniqueID`.
const TAG_ISSUER_UID: u8 = 0x81;
const TAG_SUBJECT_UID: u8 = 0x82;
/// `[3] EXPLICIT Extensions`.
const TAG_EXTENSIONS: u8 = 0xa3;
/// `dNSName [2] IA5String` in a GeneralName.
const TAG_DNS_NAME: u8 = 0x82;

/// A leaf certificate's validity and names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// The subjectAltName DNS names, lowercased.
    pub dns_names: Vec<String>,
}

impl CertificateFacts {
    /// Reads a DER certificate.
    pub fn parse(der: &[u8]) -> Result<Self, DerError> {
        let certificate = Reader::new(der).expect(TAG_SEQUENCE)?;
        let mut tbs = Reader::new(Reader::new(certificate).expect(TAG_SEQUENCE)?);
        tbs.optional(TAG_VERSION)?;
        tbs.expect(TAG_INTEGER)?; // serialNumber
        tbs.expect(TAG_SEQUENCE)?; // signature
        tbs.expect(TAG_SEQUENCE)?; // issuer
        let mut validity = Reader::new(tbs.expect(TAG_SEQUENCE)?);
        let not_before = read_time(&mut validity)?;
        let not_after = read_time(&mut validity)?;
        tbs.expect(TAG_SEQUENCE)?; // subject
        tbs.expect(TAG_SEQUENCE)?; // subjectPublicKeyInfo
        tbs.optional(TAG_ISSUER_UID)?;
        tbs.optional(TAG_SUBJECT_UID)?;
        let mut dns_names = Vec::new();
        if let Some(extensions) = tbs.optional(TAG_EXTENSIONS)? {
            let mut list = Reader::new(Reader::new(extensions).expect(TAG_SEQUENCE)?);
            while !list.is_empty() {
                let mut extension = Reader::new(list.expect(TAG_SEQUENCE)?);
                let oid = extension.expect(TAG_OID)?;
                extension.optional(TAG_BOOLEAN)?;
                let value = extension.expect(TAG_OCTET_STRING)?;
                if oid == super::der::OID_SUBJECT_ALT_NAME {
                    let mut names = Reader::new(Reader::new(value).expect(TAG_SEQUENCE)?);
                    while !names.is_empty() {
                        let (tag, name) = names.read()?;
                        if tag == TAG_DNS_NAME {
                            let name = std::str::from_utf8(name)
                                .map_err(|_| DerError("dNSName is not text"))?;
                            dns_names.push(name.to_ascii_lowercase());
                        }
                    }
                }
            }
        }
        Ok(CertificateFacts {
            not_before,
            not_after,
            dns_names,
        })
    }

    /// Whether the certificate names `domain` (exactly; we never ask for
    /// wildcards).
    pub fn covers(&self, domain: &str) -> bool {
        self.dns_names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(domain))
    }

    /// The validity period's length.
    pub fn lifetime(&self) -> Duration {
        self.not_after
            .duration_since(self.not_before)
            .unwrap_or_default()
    }
}

fn read_time(reader: &mut Reader<'_>) -> Result<SystemTime, DerError> {
    let (tag, value) = reader.read()?;
    let text = std::str::from_utf8(value).map_err(|_| DerError("time is not text"))?;
    let digits = text
        .strip_suffix('Z')
        .ok_or(DerError("time is not in UTC"))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DerError("time has non-digits"));
    }
    let number = |range: std::ops::Range<usize>| -> Result<i64, DerError> {
        digits
            .get(range)
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or(DerError("time too short"))
    };
    let (year, rest) = match (tag, digits.len()) {
        // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY.
        (TAG_UTC_TIME, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (TAG_GENERALIZED_TIME, 14) => (number(0..4)?, 4),
        _ => return Err(DerError("unsupported time format")),
    };
    let month = number(rest..rest + 2)?;
    let day = number(rest + 2..rest + 4)?;
    let hour = number(rest + 4..rest + 6)?;
    let minute = number(rest + 6..rest + 8)?;
    let second = number(rest + 8..rest + 10)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(DerError("time out of range"));
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok(match u64::try_from(secs) {
        Ok(secs) => UNIX_EPOCH + Duration::from_secs(secs),
        // Before 1970: as good as the epoch for our comparisons.
        Err(_) => UNIX_EPOCH,
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (the inverse of
/// [`CivilTime::from_unix`](crate::civil_time::CivilTime::from_unix)'s
/// day arithmetic).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil_time::CivilTime;

    #[test]
    fn days_from_civil_inverts_civil_time() {
        for secs in [0i64, 86_399, 951_782_400, 4_102_444_800, 1_709_164_800] {
            let civil = CivilTime::from_unix(secs);
            let days = days_from_civil(civil.year, civil.month.into(), civil.day.into());
            assert_eq!(days, secs.div_euclid(86_400), "{civil:?}");
        }
    }

    #[test]
    fn reads_validity_and_names_of_an_rcgen_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["Bridge.Example".into(), "b.example".into()])
                .unwrap();
        params.not_before = rcgen::date_time_ymd(2024, 2, 29);
        params.not_after = rcgen::date_time_ymd(2051, 12, 31);
        let cert = params.self_signed(&key).unwrap();
        let facts = CertificateFacts::parse(cert.der()).unwrap();
        assert_eq!(
            facts.not_before,
            UNIX_EPOCH + Duration::from_secs(1_709_164_800)
        );
        // 2051 is after 2049: GeneralizedTime.
        assert_eq!(
            facts.not_after,
            UNIX_EPOCH + Duration::from_secs(2_587_593_600)
        );
        assert_eq!(facts.dns_names, vec!["bridge.example", "b.example"]);
        assert!(facts.covers("BRIDGE.example") && !facts.covers("c.example"));
    }

    #[test]
    fn garbage_is_an_error() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["a.example".into()]).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        for cut in 0..der.len() {
            assert!(
                CertificateFacts::parse(&der[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut flipped = der.clone();
        for index in 0..flipped.len() {
            flipped[index] ^= 0xff;
            // Must not panic; may or may not parse.
            let _ = CertificateFacts::parse(&flipped);
            flipped[index] ^= 0xff;
        }
    }
}
