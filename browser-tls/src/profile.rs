//! The `utls-imitate` and `utls-nosni` bridge-line arguments.
//!
//! Upstream Snowflake names uTLS's ClientHello IDs (`HelloChrome_Auto`,
//! `HelloFirefox_63`, ...) in lower case. We produce a subset of those
//! hellos with BoringSSL; a name whose hello we cannot produce faithfully
//! maps to the closest hello we *can* produce, and the answer says so, so
//! the client can log the substitution instead of silently sending
//! something else than was asked for.

use std::fmt;

/// Which ClientHello a [`crate::TlsConnector`] sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelloProfile {
    /// Chromium 156's hello (BoringSSL is Chromium's own TLS library).
    Chrome,
    /// Firefox 153 ESR's hello (BoringSSL with our patch, configured as
    /// NSS writes its hello).
    Firefox,
    /// A fresh random hello per connection, offering h2 and http/1.1.
    RandomizedAlpn,
    /// A fresh random hello per connection, without ALPN.
    RandomizedNoAlpn,
    /// No imitation: BoringSSL's defaults, offering h2 and http/1.1
    /// (upstream's `hellogolang`, which sends Go's own hello).
    Golang,
}

/// The outcome of reading a `utls-imitate` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileChoice {
    /// The hello that will be sent.
    pub profile: HelloProfile,
    /// The canonical (lower-case) upstream name that was asked for.
    pub requested: &'static str,
    /// `Some(requested)` when `profile` is not the hello `requested`
    /// names (an iOS hello, replaced by current Chrome, or an old Chrome or
    /// Firefox version, replaced by the current hello of that browser). The
    /// caller should log [`Self::note`].
    pub substituted_from: Option<&'static str>,
}

impl ProfileChoice {
    /// A one-line explanation of a substitution, for the log; `None` when
    /// the requested hello is sent as asked.
    pub fn note(&self) -> Option<String> {
        let from = self.substituted_from?;
        let (hello, why) = if from.starts_with("hellofirefox") {
            (
                "Firefox 153 ESR",
                "old Firefox versions' hellos are no longer seen on the network; \
                 the current Firefox ESR hello blends in",
            )
        } else if from.starts_with("helloios") {
            (
                "Chrome 156",
                "Safari's hello (Apple's TLS stack) cannot be produced with BoringSSL",
            )
        } else {
            (
                "Chrome 156",
                "old Chrome versions' hellos are no longer seen on the network; \
                 the current Chrome hello blends in",
            )
        };
        Some(format!(
            "utls-imitate={from}: sending the {hello} hello instead ({why})"
        ))
    }
}

/// A `utls-imitate` value we do not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown utls-imitate value {name:?} (known: {known})", known = KNOWN_NAMES.join(", "))]
pub struct UnknownProfile {
    /// The value as given.
    pub name: String,
}

/// Every value [`HelloProfile::from_utls_name`] accepts, in lower case.
pub const KNOWN_NAMES: &[&str] = &[
    "hellorandomizedalpn",
    "hellorandomizednoalpn",
    "hellofirefox_auto",
    "hellofirefox_55",
    "hellofirefox_56",
    "hellofirefox_63",
    "hellofirefox_65",
    "hellochrome_auto",
    "hellochrome_58",
    "hellochrome_62",
    "hellochrome_70",
    "hellochrome_72",
    "helloios_auto",
    "helloios_11_1",
    "helloios_12_1",
    "hellogolang",
];

impl HelloProfile {
    /// Reads a `utls-imitate` value, case-insensitively (surrounding
    /// white space ignored). iOS and versioned Chrome names map to
    /// [`HelloProfile::Chrome`], versioned Firefox names to
    /// [`HelloProfile::Firefox`], with `substituted_from` set.
    pub fn from_utls_name(name: &str) -> Result<ProfileChoice, UnknownProfile> {
        let lower = name.trim().to_ascii_lowercase();
        let requested = KNOWN_NAMES
            .iter()
            .copied()
            .find(|&k| k == lower)
            .ok_or_else(|| UnknownProfile {
                name: name.to_string(),
            })?;
        let (profile, exact) = match requested {
            "hellorandomizedalpn" => (HelloProfile::RandomizedAlpn, true),
            "hellorandomizednoalpn" => (HelloProfile::RandomizedNoAlpn, true),
            "hellogolang" => (HelloProfile::Golang, true),
            "hellochrome_auto" => (HelloProfile::Chrome, true),
            "hellofirefox_auto" => (HelloProfile::Firefox, true),
            // Versioned Firefox: the current ESR hello.
            f if f.starts_with("hellofirefox") => (HelloProfile::Firefox, false),
            // Versioned Chrome and every iOS name.
            _ => (HelloProfile::Chrome, false),
        };
        Ok(ProfileChoice {
            profile,
            requested,
            substituted_from: if exact { None } else { Some(requested) },
        })
    }

    /// Whether the hello offers h2 in ALPN (so the caller may speak HTTP/2
    /// if the server picks it; check [`crate::TlsStream::negotiated_alpn`]).
    pub fn offers_h2(&self) -> bool {
        match self {
            HelloProfile::Chrome
            | HelloProfile::Firefox
            | HelloProfile::RandomizedAlpn
            | HelloProfile::Golang => true,
            HelloProfile::RandomizedNoAlpn => false,
        }
    }

    /// The upstream name that selects this profile exactly.
    pub fn utls_name(&self) -> &'static str {
        match self {
            HelloProfile::Chrome => "hellochrome_auto",
            HelloProfile::Firefox => "hellofirefox_auto",
            HelloProfile::RandomizedAlpn => "hellorandomizedalpn",
            HelloProfile::RandomizedNoAlpn => "hellorandomizednoalpn",
            HelloProfile::Golang => "hellogolang",
        }
    }
}

impl fmt::Display for HelloProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.utls_name())
    }
}

/// Reads a `utls-nosni` value as upstream does: `true` or `yes` (any case)
/// turn SNI off; anything else, including absence, leaves it on.
pub fn utls_nosni(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips_and_notes_substitutions() {
        for &name in KNOWN_NAMES {
            let choice = HelloProfile::from_utls_name(name).unwrap();
            assert_eq!(choice.requested, name);
            assert_eq!(
                choice.substituted_from.is_none(),
                choice.profile.utls_name() == name,
                "{name}"
            );
            assert_eq!(choice.note().is_some(), choice.substituted_from.is_some());
        }
    }
}
