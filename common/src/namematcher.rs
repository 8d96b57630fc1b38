//! Relay hostname patterns (docs/protocol.md §6.4 and §4.3).
//!
//! A pattern is a hostname suffix followed by `$`, e.g.
//! `snowflake.torproject.net$`; a leading `^` turns it into an exact match,
//! e.g. `^snowflake.torproject.net$`. Matching is plain string suffix
//! matching with no dot boundary: `example.com$` accepts
//! `other-example.com`, exactly as the Go proxy and broker do.

use std::fmt;

/// A pattern without the `$` that every pattern must end with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("relay pattern {0:?} does not end with '$'")]
pub struct NamePatternError(pub String);

/// A parsed relay hostname pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameMatcher {
    exact: bool,
    suffix: String,
}

impl NameMatcher {
    /// Parses a pattern, requiring the trailing `$` (Go's `IsValidRule`,
    /// which the proxy enforces on its configuration).
    pub fn new(rule: &str) -> Result<Self, NamePatternError> {
        if Self::is_valid_rule(rule) {
            Ok(Self::parse_lenient(rule))
        } else {
            Err(NamePatternError(rule.to_string()))
        }
    }

    /// Whether `rule` is a well-formed pattern (ends with `$`).
    pub fn is_valid_rule(rule: &str) -> bool {
        rule.ends_with('$')
    }

    /// Parses a pattern without requiring the `$`, as the Go broker does
    /// with the pattern a proxy sends: one trailing `$` is removed, then a
    /// leading `^` makes the match exact. Never fails.
    pub fn parse_lenient(rule: &str) -> Self {
        let rule = rule.strip_suffix('$').unwrap_or(rule);
        match rule.strip_prefix('^') {
            Some(name) => NameMatcher {
                exact: true,
                suffix: name.to_string(),
            },
            None => NameMatcher {
                exact: false,
                suffix: rule.to_string(),
            },
        }
    }

    /// Whether the pattern matches only one exact hostname.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The hostname (exact) or suffix the pattern stands for.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Whether `hostname` matches: equal for an exact pattern, otherwise
    /// ends with the suffix. Case-sensitive, like Go.
    pub fn is_member(&self, hostname: &str) -> bool {
        if self.exact {
            hostname == self.suffix
        } else {
            hostname.ends_with(&self.suffix)
        }
    }

    /// Whether every hostname `other` matches is also matched by `self`, as
    /// Go decides it: an exact pattern covers only the same exact pattern; a
    /// suffix pattern covers any pattern (exact or not) whose text ends
    /// with its suffix.
    ///
    /// The broker accepts a proxy when
    /// `proxy_pattern.is_superset_of(&broker_allowed_pattern)`.
    pub fn is_superset_of(&self, other: &NameMatcher) -> bool {
        if self.exact {
            other.exact && self.suffix == other.suffix
        } else {
            other.suffix.ends_with(&self.suffix)
        }
    }
}

impl fmt::Display for NameMatcher {
    /// The pattern in its canonical written form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exact {
            write!(f, "^{}$", self.suffix)
        } else {
            write!(f, "{}$", self.suffix)
        }
    }
}
