//! The proxy's TLS client: Chrome's ClientHello (`snowflake-browser-tls`,
//! docs/rendezvous-tls.md) for everything the proxy opens over TLS, so
//! that its connections look like a browser's, as those of the web
//! proxies (the browser extension and the embed page) are.
//!
//! * broker polls and answers, and the NAT probe: [`https`], offering h2
//!   and http/1.1 (a server that picks h2 is spoken to in HTTP/2);
//! * the `wss://` relay connection: [`websocket`], offering http/1.1 only,
//!   as a browser's fresh WebSocket connection does.
//!
//! Both trust Mozilla's roots and are built once per process, at first use.

use std::io;
use std::sync::{Arc, OnceLock};

pub use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
use snowflake_common::http_client::TlsConnect;

/// The two connectors, or why BoringSSL could not build them.
struct Connectors {
    https: TlsConnector,
    websocket: TlsConnector,
}

fn connectors() -> io::Result<&'static Connectors> {
    static CONNECTORS: OnceLock<Result<Connectors, String>> = OnceLock::new();
    CONNECTORS
        .get_or_init(|| {
            let roots = Roots::mozilla().map_err(|e| e.to_string())?;
            let https =
                TlsConnector::new(HelloProfile::Chrome, roots, true).map_err(|e| e.to_string())?;
            let websocket = https.with_alpn_http11_only();
            Ok(Connectors { https, websocket })
        })
        .as_ref()
        .map_err(|e| io::Error::other(format!("TLS setup: {e}")))
}

/// The TLS client of broker and probe requests.
pub fn https() -> io::Result<Arc<dyn TlsConnect>> {
    Ok(Arc::new(connectors()?.https.clone()))
}

/// The TLS client of `wss://` relay connections (ALPN http/1.1 only).
pub fn websocket() -> io::Result<TlsConnector> {
    Ok(connectors()?.websocket.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connectors_build_with_the_expected_alpn_choice() {
        let websocket = websocket().unwrap();
        assert_eq!(websocket.profile(), HelloProfile::Chrome);
        assert!(websocket.http11_only());
        assert!(https().is_ok());
    }
}
