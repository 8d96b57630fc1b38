//! The browsers whose DTLS we imitate.

use std::fmt;

/// A browser family whose WebRTC DTLS handshake (hello, server flight and
/// certificate) we can imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrowserFamily {
    /// Chromium and the browsers built on it (BoringSSL underneath).
    Chromium,
    /// Firefox (NSS underneath).
    Firefox,
}

impl BrowserFamily {
    /// Every family, in a fixed order.
    pub const ALL: [BrowserFamily; 2] = [BrowserFamily::Chromium, BrowserFamily::Firefox];

    /// A short lowercase name for logs and test output.
    pub fn name(self) -> &'static str {
        match self {
            BrowserFamily::Chromium => "chromium",
            BrowserFamily::Firefox => "firefox",
        }
    }
}

impl fmt::Display for BrowserFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_lowercase() {
        assert_eq!(BrowserFamily::Chromium.name(), "chromium");
        assert_eq!(BrowserFamily::Firefox.to_string(), "firefox");
        assert_ne!(BrowserFamily::ALL[0], BrowserFamily::ALL[1]);
    }
}
