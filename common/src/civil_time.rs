//! Calendar dates from Unix time, in UTC, without a date crate: the
//! timestamps in our logs, metrics files and reports.

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl CivilTime {
    /// The UTC date and time `secs` seconds after 1970-01-01 00:00:00
    /// (negative before it), in the proleptic Gregorian calendar.
    pub fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rest = secs.rem_euclid(86_400);
        // Days since the epoch to a civil date (Howard Hinnant's
        // civil-from-days: eras of 400 years, years starting in March).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // Each value is within its range by construction (day 1..=31,
        // month 1..=12, rest < 86 400), so the narrowing cannot fail.
        let small = |v: i64| u32::try_from(v).unwrap_or(0);
        CivilTime {
            year,
            month: small(month),
            day: small(day),
            hour: small(rest / 3600),
            minute: small(rest / 60 % 60),
            second: small(rest % 60),
        }
    }

    /// [`CivilTime::from_unix`] of `time` (times before the epoch read as
    /// the epoch).
    pub fn from_system_time(time: std::time::SystemTime) -> Self {
        let secs = time
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2))
            .unwrap_or(0);
        Self::from_unix(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::CivilTime;

    fn at(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
        let t = CivilTime::from_unix(secs);
        (t.year, t.month, t.day, t.hour, t.minute, t.second)
    }

    #[test]
    fn known_dates() {
        assert_eq!(at(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(at(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(at(1_709_210_096), (2024, 2, 29, 12, 34, 56));
        assert_eq!(at(-1), (1969, 12, 31, 23, 59, 59));
        assert_eq!(at(4_102_444_800), (2100, 1, 1, 0, 0, 0));
    }
}
