//! The ACME account key and the requests it signs (RFC 8555 §6.2, RFC 7515
//! flattened JSON serialization, ES256 of RFC 7518 §3.4), its JWK and JWK
//! thumbprint (RFC 7638), and the key authorization that challenge
//! responses carry (RFC 8555 §8.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use serde::Serialize;

use super::der::pkcs8_from_sec1_p256;
use super::error::AcmeError;

/// Base64url without padding, as JOSE writes every binary value.
pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// How a request names its signer: the JWK itself (`newAccount`) or the
/// account URL (everything after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer<'a> {
    /// `jwk`: the public key, for `newAccount`.
    Jwk,
    /// `kid`: the account URL.
    Kid(&'a str),
}

/// A P-256 public key as a JWK, members in the lexicographic order RFC
/// 7638 §3.3 requires for the thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwk {
    /// Always `P-256`.
    pub crv: &'static str,
    /// Always `EC`.
    pub kty: &'static str,
    /// The x coordinate, base64url.
    pub x: String,
    /// The y coordinate, base64url.
    pub y: String,
}

#[derive(Serialize)]
struct Protected<'a> {
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwk: Option<&'a Jwk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    nonce: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct Flattened {
    protected: String,
    payload: String,
    signature: String,
}

/// The account's ECDSA P-256 key.
pub struct AccountKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    jwk: Jwk,
    rng: SystemRandom,
}

impl std::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountKey")
            .field("jwk", &self.jwk)
            .finish_non_exhaustive()
    }
}

impl AccountKey {
    /// A new random key.
    pub fn generate() -> Result<Self, AcmeError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| AcmeError::Crypto("cannot generate an account key".into()))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// A key from its PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, AcmeError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
            .map_err(|e| AcmeError::Crypto(format!("account key: {e}")))?;
        let point = pair.public_key().as_ref();
        // An uncompressed P-256 point: 0x04, x (32 bytes), y (32 bytes).
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => return Err(AcmeError::Crypto("account key is not P-256".into())),
        };
        let jwk = Jwk {
            crv: "P-256",
            kty: "EC",
            x: b64url(x),
            y: b64url(y),
        };
        Ok(Self {
            pair,
            pkcs8: der.to_vec(),
            jwk,
            rng,
        })
    }

    /// A key from PEM: PKCS#8 (`PRIVATE KEY`, what we write) or SEC1
    /// (`EC PRIVATE KEY`, what Go's autocert writes).
    pub fn from_pem(text: &[u8]) -> Result<Self, AcmeError> {
        match PrivateKeyDer::from_pem_slice(text) {
            Ok(PrivateKeyDer::Pkcs8(key)) => Self::from_pkcs8(key.secret_pkcs8_der()),
            Ok(PrivateKeyDer::Sec1(key)) => {
                Self::from_pkcs8(&pkcs8_from_sec1_p256(key.secret_sec1_der()))
            }
            Ok(_) => Err(AcmeError::Crypto(
                "account key is not an ECDSA P-256 key".into(),
            )),
            Err(e) => Err(AcmeError::Crypto(format!("account key: {e}"))),
        }
    }

    /// The key as PKCS#8 PEM.
    pub fn to_pem(&self) -> String {
        super::pem::encode("PRIVATE KEY", &self.pkcs8)
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The JWK thumbprint (RFC 7638): base64url of the SHA-256 of the JWK's
    /// required members, in order, without whitespace.
    pub fn thumbprint(&self) -> String {
        let canonical = serde_json::to_vec(&self.jwk).unwrap_or_default();
        b64url(ring::digest::digest(&ring::digest::SHA256, &canonical).as_ref())
    }

    /// The key authorization for a challenge token (RFC 8555 §8.1).
    pub fn key_authorization(&self, token: &str) -> String {
        format!("{token}.{}", self.thumbprint())
    }

    /// A signed request body: `payload` as JSON text, or `None` for a
    /// POST-as-GET (empty payload, RFC 8555 §6.3).
    pub fn sign(
        &self,
        signer: Signer<'_>,
        nonce: &str,
        url: &str,
        payload: Option<&[u8]>,
    ) -> Result<Vec<u8>, AcmeError> {
        let (jwk, kid) = match signer {
            Signer::Jwk => (Some(&self.jwk), None),
            Signer::Kid(kid) => (None, Some(kid)),
        };
        let protected = Protected {
            alg: "ES256",
            jwk,
            kid,
            nonce,
            url,
        };
        let protected = b64url(
            &serde_json::to_vec(&protected)
                .map_err(|e| AcmeError::Crypto(format!("JWS header: {e}")))?,
        );
        let payload = b64url(payload.unwrap_or_default());
        let signing_input = format!("{protected}.{payload}");
        let signature = self
            .pair
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|_| AcmeError::Crypto("signing failed".into()))?;
        serde_json::to_vec(&Flattened {
            protected,
            payload,
            signature: b64url(signature.as_ref()),
        })
        .map_err(|e| AcmeError::Crypto(format!("JWS: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
    use serde_json::Value;

    /// The P-256 key of RFC 7515, appendix A.3.
    fn rfc7515_key() -> AccountKey {
        let d = URL_SAFE_NO_PAD
            .decode("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")
            .unwrap();
        let x = URL_SAFE_NO_PAD
            .decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
            .unwrap();
        let point = [&[0x04][..], &x, &y].concat();
        // SEC1 ECPrivateKey with parameters and public key, as Go writes it.
        use crate::acme::der::*;
        let sec1 = element(
            TAG_SEQUENCE,
            &[
                element(TAG_INTEGER, &[1]),
                element(TAG_OCTET_STRING, &d),
                element(0xa0, &element(TAG_OID, OID_PRIME256V1)),
                element(0xa1, &element(0x03, &[&[0u8][..], &point].concat())),
            ]
            .concat(),
        );
        let pem = crate::acme::pem::encode("EC PRIVATE KEY", &sec1);
        AccountKey::from_pem(pem.as_bytes()).expect("SEC1 key")
    }

    #[test]
    fn jwk_and_thumbprint_of_a_known_key() {
        let key = rfc7515_key();
        assert_eq!(key.jwk().x, "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
        assert_eq!(key.jwk().y, "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
        // SHA-256 of the canonical JWK, computed independently.
        assert_eq!(
            key.thumbprint(),
            "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
        assert_eq!(
            key.key_authorization("tok"),
            "tok.oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
    }

    fn decode_json(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    fn verify(key: &AccountKey, body: &[u8]) -> (Value, Vec<u8>) {
        let jws: Value = serde_json::from_slice(body).unwrap();
        let protected = jws["protected"].as_str().unwrap();
        let payload = jws["payload"].as_str().unwrap();
        let signature = URL_SAFE_NO_PAD
            .decode(jws["signature"].as_str().unwrap())
            .unwrap();
        assert_eq!(signature.len(), 64, "ES256 is r || s");
        let x = URL_SAFE_NO_PAD.decode(&key.jwk().x).unwrap();
        let y = URL_SAFE_NO_PAD.decode(&key.jwk().y).unwrap();
        let point = [&[0x04][..], &x, &y].concat();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(format!("{protected}.{payload}").as_bytes(), &signature)
            .expect("signature verifies with the JWK");
        (
            decode_json(protected),
            URL_SAFE_NO_PAD.decode(payload).unwrap(),
        )
    }

    #[test]
    fn signed_requests_verify_with_the_public_key() {
        let key = AccountKey::generate().unwrap();
        let body = key
            .sign(
                Signer::Jwk,
                "nonce-1",
                "https://ca.example/new-acct",
                Some(br#"{"termsOfServiceAgreed":true}"#),
            )
            .unwrap();
        let (header, payload) = verify(&key, &body);
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["nonce"], "nonce-1");
        assert_eq!(header["url"], "https://ca.example/new-acct");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert_eq!(header["jwk"]["x"], key.jwk().x.as_str());
        assert!(header.get("kid").is_none());
        assert_eq!(payload, br#"{"termsOfServiceAgreed":true}"#);

        let body = key
            .sign(
                Signer::Kid("https://ca.example/acct/1"),
                "nonce-2",
                "https://ca.example/order/1",
                None,
            )
            .unwrap();
        let (header, payload) = verify(&key, &body);
        assert_eq!(header["kid"], "https://ca.example/acct/1");
        assert!(header.get("jwk").is_none());
        assert!(payload.is_empty(), "POST-as-GET has an empty payload");
    }

    #[test]
    fn keys_survive_pem_and_bad_pem_is_an_error() {
        let key = AccountKey::generate().unwrap();
        let again = AccountKey::from_pem(key.to_pem().as_bytes()).unwrap();
        assert_eq!(key.jwk(), again.jwk());
        assert!(AccountKey::from_pem(b"not a key").is_err());
        let rsa_like = crate::acme::pem::encode("RSA PRIVATE KEY", &[0x30, 0x00]);
        assert!(AccountKey::from_pem(rsa_like.as_bytes()).is_err());
        let junk = crate::acme::pem::encode("PRIVATE KEY", &[0x30, 0x03, 1, 2, 3]);
        assert!(AccountKey::from_pem(junk.as_bytes()).is_err());
    }
}
