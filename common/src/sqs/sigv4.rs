//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for requests whose
//! headers this crate writes itself: SQS's JSON protocol, a `POST /` with a
//! small fixed set of headers.
//!
//! The steps are AWS's: a canonical request (method, path, sorted query,
//! lowercased and sorted headers, the signed header names, the SHA-256 of
//! the payload), the string to sign (algorithm, time, credential scope,
//! hash of the canonical request), the signing key (HMAC-SHA256 chained
//! over date, region, service and `aws4_request`) and the `Authorization`
//! header. The path and query are taken as given, already URI-encoded:
//! our requests use the path `/` and no query.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::civil_time::CivilTime;

/// The signing algorithm's name.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The last element of every credential scope.
const TERMINATOR: &str = "aws4_request";

/// A request, as far as signing is concerned.
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path, already URI-encoded (`/` for SQS).
    pub path: &'a str,
    /// The query string without `?`, already URI-encoded; empty for none.
    pub query: &'a str,
    /// Every header to sign, `host` and `x-amz-date` included, in any
    /// case and order.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub payload: &'a [u8],
}

/// Who signs, where, and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The service, e.g. `sqs`.
    pub service: &'a str,
    /// The request time as `YYYYMMDDTHHMMSSZ` ([`amz_date`]); it must be
    /// the value of the request's `x-amz-date` header.
    pub amz_date: &'a str,
}

/// The result of signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The value of the `Authorization` header.
    pub authorization: String,
    /// The signature alone (hex).
    pub signature: String,
}

/// `time` in the `x-amz-date` form, `YYYYMMDDTHHMMSSZ` (UTC).
pub fn amz_date(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let t = CivilTime::from_unix(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// A header value as canonical headers have it: trimmed, with runs of
/// spaces inside collapsed to one.
fn canonical_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical headers (each `name:value\n`) and the signed header
/// names (`a;b;c`). Repeated names are joined with commas, in order.
fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut sorted: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = canonical_value(value);
        match sorted.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => sorted.push((name, value)),
        }
    }
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical = String::new();
    for (name, value) in &sorted {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
    }
    let signed = sorted
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (canonical, signed)
}

/// The query with its `name=value` pairs sorted (names, then values).
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request of `request`.
pub fn canonical_request(request: &SigningRequest<'_>) -> String {
    let (headers, signed) = canonical_headers(request.headers);
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        request.path,
        canonical_query(request.query),
        headers,
        signed,
        sha256_hex(request.payload)
    )
}

/// The signing key for one day, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, TERMINATOR.as_bytes())
}

/// The date part (`YYYYMMDD`) of an `x-amz-date` value.
fn date_part(amz_date: &str) -> &str {
    amz_date.get(..8).unwrap_or(amz_date)
}

/// The string to sign for a canonical request.
pub fn string_to_sign(params: &SigningParams<'_>, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}/{}/{}/{TERMINATOR}\n{}",
        params.amz_date,
        date_part(params.amz_date),
        params.region,
        params.service,
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Signs `request`: the `Authorization` header value and the signature.
pub fn sign(params: &SigningParams<'_>, request: &SigningRequest<'_>) -> Signature {
    let canonical = canonical_request(request);
    let to_sign = string_to_sign(params, &canonical);
    let date = date_part(params.amz_date);
    let key = signing_key(
        params.secret_access_key,
        date,
        params.region,
        params.service,
    );
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    let (_, signed_headers) = canonical_headers(request.headers);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{date}/{}/{}/{TERMINATOR}, SignedHeaders={signed_headers}, Signature={signature}",
        params.access_key_id, params.region, params.service
    );
    Signature {
        authorization,
        signature,
    }
}

#[cfg(test)]
mod tests {
    //! AWS's published examples: the IAM `ListUsers` request of the
    //! Signature Version 4 documentation, and the `get-vanilla` and
    //! `post-vanilla` cases of the Signature Version 4 test suite (all with
    //! the documentation's example key).
    use super::*;

    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    fn params<'a>(service: &'a str) -> SigningParams<'a> {
        SigningParams {
            access_key_id: KEY_ID,
            secret_access_key: SECRET,
            region: "us-east-1",
            service,
            amz_date: DATE,
        }
    }

    #[test]
    fn documentation_example_iam_list_users() {
        let headers = [
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("Host", "iam.amazonaws.com"),
            ("X-Amz-Date", DATE),
        ];
        let request = SigningRequest {
            method: "GET",
            path: "/",
            query: "Version=2010-05-08&Action=ListUsers",
            headers: &headers,
            payload: b"",
        };
        let canonical = canonical_request(&request);
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            hex::encode(signing_key(SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let signed = sign(&params("iam"), &request);
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn test_suite_vanilla_requests() {
        let headers = [("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)];
        let request = |method| SigningRequest {
            method,
            path: "/",
            query: "",
            headers: &headers,
            payload: b"",
        };
        let get = sign(&params("service"), &request("GET"));
        assert_eq!(
            get.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        let post = sign(&params("service"), &request("POST"));
        assert_eq!(
            post.signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
    }

    #[test]
    fn header_canonicalisation() {
        let (canonical, signed) = canonical_headers(&[
            ("X-Amz-Date", DATE),
            ("My-Header1", "  a   b  c "),
            ("host", "h"),
            ("my-header1", "d"),
        ]);
        assert_eq!(
            canonical,
            "host:h\nmy-header1:a b c,d\nx-amz-date:20150830T123600Z\n"
        );
        assert_eq!(signed, "host;my-header1;x-amz-date");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
    }

    #[test]
    fn changes_change_the_signature() {
        let headers = [
            ("host", "sqs.us-east-1.amazonaws.com"),
            ("x-amz-date", DATE),
        ];
        let base = SigningRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: b"{}",
        };
        let reference = sign(&params("sqs"), &base).signature;
        let other_body = SigningRequest {
            payload: b"{ }",
            ..base
        };
        assert_ne!(sign(&params("sqs"), &other_body).signature, reference);
        let other_region = SigningParams {
            region: "eu-west-1",
            ..params("sqs")
        };
        assert_ne!(sign(&other_region, &base).signature, reference);
        let other_secret = SigningParams {
            secret_access_key: "x",
            ..params("sqs")
        };
        assert_ne!(sign(&other_secret, &base).signature, reference);
    }

    #[test]
    fn amz_dates() {
        let time = UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(time), DATE);
        assert_eq!(amz_date(UNIX_EPOCH), "19700101T000000Z");
    }
}
