//! Durations as Go's `time.ParseDuration` writes them.
//!
//! A duration is an optional sign followed by one or more decimal numbers,
//! each with an optional fraction and a unit: `300ms`, `1.5s`, `1h2m`,
//! `2h45m30.5s`, `.5m`. The units are `ns`, `us` (also `µs` and `μs`),
//! `ms`, `s`, `m` and `h`. A bare `0` (signed or not) is zero; any other
//! number needs a unit. Go's limit is what fits in an `int64` of
//! nanoseconds (about 292 years).
//!
//! Every flag of ours that holds a duration is a timeout or an interval,
//! where a negative value makes no sense, so a negative duration other
//! than zero is refused.

use std::time::Duration;

/// Nanoseconds in one of each unit.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's largest duration, `math.MaxInt64` nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a duration at all (`""`, `.s`, `1..5s`, `s`).
    #[error("invalid duration {0:?}")]
    Invalid(String),
    /// A number without a unit (`5`).
    #[error("missing unit in duration {0:?} (e.g. 5s, 300ms, 1h30m)")]
    MissingUnit(String),
    /// A unit Go does not know (`5x`, `1d`).
    #[error("unknown unit {unit:?} in duration {text:?}")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole duration.
        text: String,
    },
    /// Below zero.
    #[error("negative duration {0:?}: must be zero or more")]
    Negative(String),
    /// Longer than Go can hold.
    #[error("duration {0:?} is too long")]
    TooLong(String),
}

/// Parses Go's duration syntax (see the module docs).
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(DurationError::Invalid(text.to_owned()));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (part, tail) = parse_one_term(rest, text)?;
        total = total
            .checked_add(part)
            .filter(|&t| t <= MAX_NANOS)
            .ok_or_else(|| DurationError::TooLong(text.to_owned()))?;
        rest = tail;
    }
    if negative && total != 0 {
        return Err(DurationError::Negative(text.to_owned()));
    }
    let secs = u64::try_from(total / 1_000_000_000)
        .map_err(|_| DurationError::TooLong(text.to_owned()))?;
    let nanos = u32::try_from(total % 1_000_000_000)
        .map_err(|_| DurationError::TooLong(text.to_owned()))?;
    Ok(Duration::new(secs, nanos))
}

/// Parses a whole number of seconds (`120`, as our own older flags took
/// them) or else a Go duration (`2m`). For flags that predate Go syntax.
pub fn parse_duration_or_seconds(text: &str) -> Result<Duration, DurationError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| DurationError::TooLong(text.to_owned()));
    }
    parse_go_duration(text)
}

/// Reads one `<number><unit>` term from the front of `rest`; returns its
/// length in nanoseconds and what follows. `text` is the whole duration,
/// for error messages.
fn parse_one_term<'a>(rest: &'a str, text: &str) -> Result<(u128, &'a str), DurationError> {
    let invalid = || DurationError::Invalid(text.to_owned());
    let too_long = || DurationError::TooLong(text.to_owned());

    let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (whole, after_whole) = rest.split_at(whole_len);
    let (fraction, after_number) = match after_whole.strip_prefix('.') {
        Some(after_dot) => {
            let fraction_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            after_dot.split_at(fraction_len)
        }
        None => ("", after_whole),
    };
    // `.` alone, or a term that starts with neither a digit nor a dot.
    if whole.is_empty() && fraction.is_empty() {
        return Err(invalid());
    }
    let unit_len = after_number
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(after_number.len());
    let (unit, tail) = after_number.split_at(unit_len);
    if unit.is_empty() {
        return Err(DurationError::MissingUnit(text.to_owned()));
    }
    let unit_nanos = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, nanos)| nanos)
        .ok_or_else(|| DurationError::UnknownUnit {
            unit: unit.to_owned(),
            text: text.to_owned(),
        })?;

    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_long())?
    };
    let mut nanos = whole.checked_mul(unit_nanos).ok_or_else(too_long)?;
    // Fraction digits beyond the unit's precision are dropped, as in Go.
    let mut scale = unit_nanos;
    for digit in fraction.bytes() {
        scale /= 10;
        if scale == 0 {
            break;
        }
        nanos = nanos
            .checked_add(u128::from(digit - b'0') * scale)
            .ok_or_else(too_long)?;
    }
    if nanos > MAX_NANOS {
        return Err(too_long());
    }
    Ok((nanos, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Duration {
        parse_go_duration(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn zero_in_every_form() {
        for text in ["0", "+0", "-0", "0s", "0h0m0s", "-0s", "0.0ms"] {
            assert_eq!(ok(text), Duration::ZERO, "{text}");
        }
    }

    #[test]
    fn single_units() {
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok("2us"), Duration::from_micros(2));
        assert_eq!(ok("2µs"), Duration::from_micros(2));
        assert_eq!(ok("2μs"), Duration::from_micros(2));
        assert_eq!(ok("300ms"), Duration::from_millis(300));
        assert_eq!(ok("5s"), Duration::from_secs(5));
        assert_eq!(ok("10m"), Duration::from_secs(600));
        assert_eq!(ok("24h"), Duration::from_secs(86_400));
        assert_eq!(ok("+5s"), Duration::from_secs(5));
    }

    #[test]
    fn fractions_and_compound_durations() {
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok(".5m"), Duration::from_secs(30));
        assert_eq!(ok("1.s"), Duration::from_secs(1));
        assert_eq!(ok("1h2m"), Duration::from_secs(3720));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok("24h0m0s"), Duration::from_secs(86_400));
        assert_eq!(ok("2h45m30.5s"), Duration::from_millis(9_930_500));
        assert_eq!(ok("1m1.000000001s"), Duration::new(61, 1));
        // Terms need not be in order or distinct, as in Go.
        assert_eq!(ok("1s1s"), Duration::from_secs(2));
        assert_eq!(ok("1ms1h"), Duration::from_millis(3_600_001));
        // Precision below a nanosecond is dropped.
        assert_eq!(ok("1.9ns"), Duration::from_nanos(1));
        assert_eq!(ok("0.0000000019s"), Duration::from_nanos(1));
    }

    #[test]
    fn go_s_largest_duration_and_beyond() {
        assert_eq!(ok("2562047h"), Duration::from_secs(2_562_047 * 3600));
        assert_eq!(
            ok("9223372036854775807ns"),
            Duration::from_nanos(i64::MAX as u64)
        );
        for text in [
            "9223372036854775808ns",
            "2562048h",
            "99999999999999999999999h",
            "2562047h48m",
        ] {
            assert_eq!(
                parse_go_duration(text),
                Err(DurationError::TooLong(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_durations() {
        for text in ["", "-", "+", ".", ".s", "s", "1..5s", "-.s", " 5s", "5s "] {
            assert!(parse_go_duration(text).is_err(), "{text:?}");
        }
        assert_eq!(
            parse_go_duration("5"),
            Err(DurationError::MissingUnit("5".into()))
        );
        assert_eq!(
            parse_go_duration("1h5"),
            Err(DurationError::MissingUnit("1h5".into()))
        );
        assert_eq!(
            parse_go_duration("5x"),
            Err(DurationError::UnknownUnit {
                unit: "x".into(),
                text: "5x".into()
            })
        );
        assert!(matches!(
            parse_go_duration("1d"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_go_duration("5S"),
            Err(DurationError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn negative_durations_are_refused() {
        for text in ["-1s", "-1.5h", "-1ns"] {
            assert_eq!(
                parse_go_duration(text),
                Err(DurationError::Negative(text.to_owned()))
            );
        }
    }

    #[test]
    fn seconds_or_duration() {
        assert_eq!(
            parse_duration_or_seconds("120"),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(parse_duration_or_seconds("0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_duration_or_seconds("2m"),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(
            parse_duration_or_seconds("1.5s"),
            Ok(Duration::from_millis(1500))
        );
        for text in ["", "-5", "1.5", "99999999999999999999"] {
            assert!(parse_duration_or_seconds(text).is_err(), "{text}");
        }
    }

    /// The cases of the parsers this one replaced (the proxy's and the
    /// broker's).
    #[test]
    fn former_parsers_cases() {
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("0s"), Duration::ZERO);
        assert_eq!(ok("5s"), Duration::from_secs(5));
        assert_eq!(ok("24h"), Duration::from_secs(86400));
        assert_eq!(ok("24h0m0s"), Duration::from_secs(86400));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("2us"), Duration::from_micros(2));
        assert_eq!(ok(".5m"), Duration::from_secs(30));
        for bad in [
            "",
            "5",
            "s",
            "-1s",
            "1x",
            "5x",
            "1..5s",
            "99999999999999999999999h",
            ".",
        ] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_value() {
        let message = parse_go_duration("5").unwrap_err().to_string();
        assert!(
            message.contains("\"5\"") && message.contains("unit"),
            "{message}"
        );
    }
}
