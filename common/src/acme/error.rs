//! What can go wrong while obtaining, caching or serving a certificate.

use std::time::Duration;

use super::problem::Problem;

/// An ACME failure. None of these is fatal to the program: the manager
/// logs it and tries again later.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    /// The configuration cannot work (no hostname, a bad hostname or URL,
    /// an unreadable CA roots file).
    #[error("ACME configuration: {0}")]
    Config(String),
    /// The HTTP exchange with the ACME server failed.
    #[error("ACME server {url}: {reason}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("ACME server refused {what} (HTTP {status}){}", problem_suffix(.problem))]
    Refused {
        /// The request ("new account", "new order", ...).
        what: &'static str,
        /// The HTTP status.
        status: u16,
        /// The problem document, when the server sent one.
        problem: Option<Problem>,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The server's answer is not what RFC 8555 says it is.
    #[error("ACME server sent a malformed {what}: {reason}")]
    Malformed {
        /// The object expected.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No challenge type we can answer is offered for a domain.
    #[error("no usable challenge for {domain}: offered {offered:?}, we answer {wanted:?}")]
    NoUsableChallenge {
        /// The domain.
        domain: String,
        /// The types the server offered.
        offered: Vec<String>,
        /// The types we can answer.
        wanted: Vec<&'static str>,
    },
    /// The server could not validate our answer to a challenge.
    #[error("{kind} validation of {domain} failed{}", problem_suffix(.problem))]
    ChallengeFailed {
        /// The domain.
        domain: String,
        /// The challenge type.
        kind: &'static str,
        /// Why, as the server said.
        problem: Option<Problem>,
    },
    /// The order became invalid.
    #[error("order became invalid{}", problem_suffix(.problem))]
    OrderInvalid {
        /// Why, as the server said.
        problem: Option<Problem>,
    },
    /// An object stayed pending for too many polls.
    #[error("{0} still not done after {1} polls")]
    Stalled(&'static str, u32),
    /// The flow was driven out of order (a driver bug, reported rather than
    /// panicking).
    #[error("ACME order flow: {0}")]
    Flow(String),
    /// A key or certificate could not be made or used.
    #[error("ACME key or certificate: {0}")]
    Crypto(String),
    /// The certificate cache could not be read or written.
    #[error("certificate cache {path}: {source}")]
    Cache {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Too many challenge responses are published at once.
    #[error("too many ACME challenges in progress")]
    ChallengeStoreFull,
}

fn problem_suffix(problem: &Option<Problem>) -> String {
    match problem {
        Some(problem) => format!(": {problem}"),
        None => String::new(),
    }
}

impl AcmeError {
    /// The delay the server asked for, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AcmeError::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn malformed(what: &'static str, reason: impl std::fmt::Display) -> Self {
        AcmeError::Malformed {
            what,
            reason: reason.to_string(),
        }
    }
}
