//! Covert DTLS: making the WebRTC DTLS handshake look like a browser's
//! (docs/covert-dtls-design.md).
//!
//! * [`config`]: the mode and optional ClientHello fingerprint, read from
//!   upstream's `covertdtls-config` and `covertdtls-fingerprint`;
//! * [`browser`]: the browser families we imitate;
//! * [`profile`]: what each browser's DTLS 1.2 handshake says;
//! * [`fingerprint`]: an operator-given ClientHello, checked;
//! * [`cert`]: a certificate shaped like the browser's, and its
//!   conversion for webrtc-rs 0.17;
//! * [`shaper`]: the hello shapers our patched DTLS stack consults
//!   (`vendor/dtls`), and the per-connection [`shaper::Disguise`].
//!
//! Only the webrtc-rs 0.17 backend (the default) is shaped; the 0.21 one
//! keeps its stack's own hellos and certificate.

pub mod browser;
pub mod cert;
pub mod config;
pub mod fingerprint;
pub mod profile;
#[cfg(feature = "webrtc17")]
pub mod shaper;

pub use browser::BrowserFamily;
pub use cert::{browser_certificate, BrowserCertificate};
pub use config::{CovertDtlsConfig, CovertDtlsError, CovertDtlsMode};
