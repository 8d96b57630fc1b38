//! A TLS client for Snowflake's rendezvous whose ClientHello looks like a
//! browser's.
//!
//! The client reaches the broker over domain-fronted HTTPS; a censor that
//! fingerprints ClientHellos (JA3/JA4) can block a hello that no browser
//! sends. Upstream Snowflake uses uTLS for this, selected by the bridge-line
//! argument `utls-imitate`; this crate reads the same argument
//! ([`HelloProfile::from_utls_name`]) and produces the hello with
//! BoringSSL, Chromium's own TLS library, configured as Chromium 156
//! configures it (or, with a patched BoringSSL, as Firefox 153 ESR's hello). See `docs/rendezvous-tls.md` for what each value sends,
//! what differs from the browsers and the measurements.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
//! let choice = HelloProfile::from_utls_name("hellochrome_auto")?;
//! if let Some(note) = choice.note() {
//!     tracing::warn!("{note}");
//! }
//! let connector = TlsConnector::new(choice.profile, Roots::mozilla()?, true)?;
//! let tcp = tokio::net::TcpStream::connect("cdn.example:443").await?;
//! let tls = connector.connect("cdn.example", tcp).await?;
//! let h2 = tls.negotiated_alpn() == Some(b"h2");
//! # let _ = h2; Ok(()) }
//! ```
//!
//! With the feature `http-client`, [`TlsConnector`] implements
//! `snowflake_common::http_client::TlsConnect`, so that requests of that
//! HTTP client (HTTP/1.1, or HTTP/2 when the server picks `h2`) carry the
//! browser hello.

mod chrome;
mod compression;
mod connector;
mod ffi;
mod firefox;
#[cfg(feature = "http-client")]
mod http_client;
mod profile;
mod randomized;
mod roots;

pub use connector::{TlsConnector, TlsStream};
pub use profile::{utls_nosni, HelloProfile, ProfileChoice, UnknownProfile, KNOWN_NAMES};
pub use roots::Roots;

/// Why a connector or a set of roots could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// BoringSSL refused a setting.
    #[error("TLS setup failed while {context}: {source}")]
    Boring {
        /// What was being done.
        context: &'static str,
        /// BoringSSL's error queue.
        source: boring::error::ErrorStack,
    },
    /// A roots file could not be read.
    #[error("cannot read trust roots from {path}: {source}")]
    RootsFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A roots source held no certificate.
    #[error("no usable CA certificate in {source_name}")]
    NoRoots {
        /// Where the certificates were to come from.
        source_name: &'static str,
    },
}

impl Error {
    pub(crate) fn boring(context: &'static str, source: boring::error::ErrorStack) -> Error {
        Error::Boring { context, source }
    }
}
