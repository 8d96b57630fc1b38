//! The TLS of the broker rendezvous (HTTPS to the broker, a front, or an
//! AMP cache): a browser's ClientHello from `snowflake-browser-tls`, chosen
//! by the bridge-line arguments `utls-imitate` and `utls-nosni` as in
//! upstream, Chrome's when none is given (docs/rendezvous-tls.md).
//!
//! The connector plugs into `snowflake_common::http_client` as its
//! [`TlsConnect`]; a server that picks `h2` is spoken to in HTTP/2.

use std::sync::Arc;

pub use snowflake_browser_tls::{
    utls_nosni, HelloProfile, ProfileChoice, Roots, TlsConnector, UnknownProfile,
};
use snowflake_common::http_client::TlsConnect;

/// Which hello the rendezvous sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RendezvousTls {
    /// The hello (`utls-imitate`); Chrome's by default.
    pub profile: HelloProfile,
    /// Whether the hello names the server (`utls-nosni=true` turns it off).
    /// The certificate is checked against the name either way.
    pub send_sni: bool,
}

impl Default for RendezvousTls {
    /// Chrome's hello with SNI: what a browser visiting the front sends.
    fn default() -> Self {
        RendezvousTls {
            profile: HelloProfile::Chrome,
            send_sni: true,
        }
    }
}

impl RendezvousTls {
    /// Reads a `utls-imitate` value: the profile and, when the hello asked
    /// for is replaced by another (iOS, old Chrome or Firefox versions), the
    /// line to report. An empty value means the default (Chrome).
    pub fn imitate(value: &str) -> Result<(HelloProfile, Option<String>), UnknownProfile> {
        if value.trim().is_empty() {
            return Ok((RendezvousTls::default().profile, None));
        }
        let choice = HelloProfile::from_utls_name(value)?;
        Ok((choice.profile, choice.note()))
    }

    /// A connector for these settings that trusts `roots`.
    pub fn connector(&self, roots: Roots) -> Result<TlsConnector, snowflake_browser_tls::Error> {
        TlsConnector::new(self.profile, roots, self.send_sni)
    }

    /// [`Self::connector`] as the HTTP client's TLS.
    pub fn tls_connect(
        &self,
        roots: Roots,
    ) -> Result<Arc<dyn TlsConnect>, snowflake_browser_tls::Error> {
        Ok(Arc::new(self.connector(roots)?))
    }

    /// [`Self::tls_connect`] with Mozilla's roots (the web PKI).
    pub fn web_pki(&self) -> Result<Arc<dyn TlsConnect>, snowflake_browser_tls::Error> {
        self.tls_connect(Roots::mozilla()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imitate_values() {
        assert_eq!(
            RendezvousTls::imitate("").unwrap(),
            (HelloProfile::Chrome, None)
        );
        assert_eq!(
            RendezvousTls::imitate("HelloChrome_Auto").unwrap(),
            (HelloProfile::Chrome, None)
        );
        assert_eq!(
            RendezvousTls::imitate("hellorandomizednoalpn").unwrap(),
            (HelloProfile::RandomizedNoAlpn, None)
        );
        assert_eq!(
            RendezvousTls::imitate("hellofirefox_auto").unwrap(),
            (HelloProfile::Firefox, None)
        );
        let (profile, note) = RendezvousTls::imitate("hellofirefox_65").unwrap();
        assert_eq!(profile, HelloProfile::Firefox);
        assert!(note.is_some_and(|n| n.contains("hellofirefox_65")));
        let (profile, note) = RendezvousTls::imitate("helloios_auto").unwrap();
        assert_eq!(profile, HelloProfile::Chrome);
        assert!(note.is_some_and(|n| n.contains("helloios_auto")));
        assert!(RendezvousTls::imitate("hellonetscape_4").is_err());
    }
}
