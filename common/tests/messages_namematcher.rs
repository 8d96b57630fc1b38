//! Relay hostname patterns (docs/protocol.md §6.4, §4.3).

use snowflake_common::namematcher::{NameMatcher, NamePatternError};

#[test]
fn pattern_must_end_with_dollar() {
    assert!(NameMatcher::new("snowflake.torproject.net$").is_ok());
    assert!(NameMatcher::new("^snowflake.torproject.net$").is_ok());
    assert!(NameMatcher::new("$").is_ok());
    assert_eq!(
        NameMatcher::new("snowflake.torproject.net"),
        Err(NamePatternError("snowflake.torproject.net".into()))
    );
    assert!(NameMatcher::new("").is_err());
    assert!(NameMatcher::is_valid_rule("x$"));
    assert!(!NameMatcher::is_valid_rule("x$ "));
}

#[test]
fn parsing() {
    let exact = NameMatcher::new("^snowflake.torproject.net$").unwrap();
    assert!(exact.is_exact());
    assert_eq!(exact.suffix(), "snowflake.torproject.net");
    assert_eq!(exact.to_string(), "^snowflake.torproject.net$");
    let suffix = NameMatcher::new("torproject.net$").unwrap();
    assert!(!suffix.is_exact());
    assert_eq!(suffix.to_string(), "torproject.net$");
    // Lenient parsing accepts a missing '$'; only one '$' is removed.
    assert_eq!(
        NameMatcher::parse_lenient("^snowflake.torproject.net"),
        exact
    );
    assert_eq!(NameMatcher::parse_lenient("a$$").suffix(), "a$");
}

#[test]
fn membership_table() {
    for (pattern, host, expected) in [
        ("$", "", true),
        ("$", "anything.example", true),
        (
            "^snowflake.torproject.net$",
            "snowflake.torproject.net",
            true,
        ),
        ("^snowflake.torproject.net$", "faketorproject.net", false),
        (
            "^snowflake.torproject.net$",
            "a.snowflake.torproject.net",
            false,
        ),
        ("snowflake.torproject.net$", "faketorproject.net", false),
        (
            "snowflake.torproject.net$",
            "snowflake.torproject.net",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "imaginary-01-snowflake.torproject.net",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "imaginary-aaa-snowflake.torproject.net",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "imaginary-aaa-snowflake.faketorproject.net",
            false,
        ),
        // No dot boundary.
        ("example.com$", "other-example.com", true),
        ("example.com$", "example.com.evil", false),
        // Case-sensitive, like Go.
        ("example.com$", "EXAMPLE.COM", false),
    ] {
        let matcher = NameMatcher::new(pattern).unwrap();
        assert_eq!(matcher.is_member(host), expected, "{pattern} ∋ {host}");
    }
}

#[test]
fn superset_table() {
    for (pattern, other, expected) in [
        ("$", "$", true),
        ("$", "^a.example$", true),
        (
            "^snowflake.torproject.net$",
            "^snowflake.torproject.net$",
            true,
        ),
        (
            "^snowflake.torproject.net$",
            "snowflake.torproject.net$",
            false,
        ),
        (
            "^snowflake.torproject.net$",
            "^a.snowflake.torproject.net$",
            false,
        ),
        (
            "snowflake.torproject.net$",
            "^snowflake.torproject.net$",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "snowflake.torproject.net$",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "testing-snowflake.torproject.net$",
            true,
        ),
        (
            "snowflake.torproject.net$",
            "^testing-snowflake.torproject.net$",
            true,
        ),
        ("snowflake.torproject.net$", "$", false),
        ("snowflake.torproject.net$", "torproject.net$", false),
        ("torproject.net$", "snowflake.torproject.net$", true),
    ] {
        let matcher = NameMatcher::new(pattern).unwrap();
        let other = NameMatcher::new(other).unwrap();
        assert_eq!(
            matcher.is_superset_of(&other),
            expected,
            "{pattern} ⊇ {other}"
        );
    }
}

/// The broker's check: the proxy's pattern must cover the broker's allowed
/// pattern; with an empty allowed pattern, normal proxies are rejected.
#[test]
fn broker_relay_pattern_check() {
    let proxy = NameMatcher::parse_lenient("snowflake.torproject.net$");
    assert!(proxy.is_superset_of(&NameMatcher::parse_lenient("snowflake.torproject.net$")));
    assert!(proxy.is_superset_of(&NameMatcher::parse_lenient("^snowflake.torproject.net$")));
    assert!(!proxy.is_superset_of(&NameMatcher::parse_lenient("")));
}
