//! ACME (RFC 8555) certificates for the broker's and the server's TLS
//! listeners, as Go's autocert gives them to the Go programs: certificates
//! for the configured hostnames from Let's Encrypt (or another CA), one
//! per hostname, cached in a directory autocert can share, renewed ahead
//! of expiry and swapped into the running listener. Notes for operators:
//! docs/acme.md.
//!
//! One file per rule, sans-IO where the rule has no I/O:
//!
//! * [`jws`]: the account key, ES256 JWS, JWK thumbprint, key
//!   authorizations;
//! * [`directory`], [`nonce`]: the directory and anti-replay nonces;
//! * [`resources`], [`problem`]: the objects the CA sends, and its errors;
//! * [`order`]: the issuance flow as a state machine;
//! * [`challenge`]: the answers to HTTP-01 and TLS-ALPN-01 challenges;
//! * [`cache`]: the cache directory and its entries;
//! * [`renewal`]: when to renew and to retry;
//! * [`x509`], [`der`](self) and [`pem`]: what we read from certificates
//!   and keys;
//! * [`resolver`]: the rustls certificate resolver that serves it all;
//! * [`client`], [`http01`], [`manager`]: the async drivers (requests to
//!   the CA, the HTTP-01 listener, the per-hostname tasks).
//!
//! Available with the `acme` feature of `snowflake-common`.

pub mod cache;
pub mod challenge;
pub mod client;
mod der;
pub mod directory;
pub mod error;
pub mod http01;
pub mod jws;
pub mod manager;
pub mod nonce;
pub mod order;
pub mod pem;
pub mod problem;
pub mod renewal;
pub mod resolver;
pub mod resources;
pub mod x509;

pub use challenge::ACME_TLS_ALPN;
pub use directory::LETS_ENCRYPT;
pub use error::AcmeError;
pub use manager::{parse_hostnames, AcmeConfig, AcmeManager};
pub use resolver::AcmeResolver;
