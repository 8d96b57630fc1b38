//! Country lookup from tor's geoip files (`-geoipdb`, `-geoip6db`), for
//! the broker's and the proxy's statistics.
//!
//! Format, one range per line, `#` starts a comment:
//! * IPv4 (`/usr/share/tor/geoip`): `FIRST,LAST,CC` with the addresses as
//!   decimal integers, e.g. `16777216,16777471,AU`.
//! * IPv6 (`/usr/share/tor/geoip6`): `FIRST,LAST,CC` with the addresses in
//!   IPv6 notation, e.g. `2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP`.
//!
//! Countries are only used for statistics: the broker's metrics log and
//! Prometheus labels (an address outside every range is `??` there) and
//! the proxy's `connections_total{country}` (an empty label there, as
//! upstream's proxy writes it).

use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;

/// The country code used when an address is in no range, or there is no
/// database.
pub const UNKNOWN_COUNTRY: &str = "??";

/// Largest geoip file read (tor's are about 10 MB).
pub const MAX_GEOIP_BYTES: u64 = 256 * 1024 * 1024;

/// Why a geoip file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GeoIpError {
    /// The file could not be read.
    #[error("cannot read geoip file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_GEOIP_BYTES`].
    #[error("geoip file {0} is too large")]
    TooLarge(String),
    /// A line is malformed.
    #[error("geoip line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A two-character country code.
pub type CountryCode = [u8; 2];

/// Sorted, non-empty ranges `(first, last, country)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RangeTable<T> {
    ranges: Vec<(T, T, CountryCode)>,
}

impl<T: Ord + Copy> RangeTable<T> {
    fn from_ranges(mut ranges: Vec<(T, T, CountryCode)>) -> Self {
        ranges.sort_by_key(|&(first, _, _)| first);
        RangeTable { ranges }
    }

    fn lookup(&self, address: T) -> Option<CountryCode> {
        // Index of the first range starting after the address.
        let after = self
            .ranges
            .partition_point(|&(first, _, _)| first <= address);
        let (_, last, country) = *self.ranges.get(after.checked_sub(1)?)?;
        (address <= last).then_some(country)
    }
}

fn parse_country(field: &str) -> Result<CountryCode, String> {
    match field.as_bytes() {
        [a, b] if a.is_ascii_graphic() && b.is_ascii_graphic() => Ok([*a, *b]),
        _ => Err(format!("bad country code {field:?}")),
    }
}

fn parse_table<T: Ord + Copy>(
    text: &str,
    parse_address: impl Fn(&str) -> Option<T>,
) -> Result<RangeTable<T>, GeoIpError> {
    let mut ranges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |message: String| GeoIpError::BadLine {
            line: index.saturating_add(1),
            message,
        };
        let mut fields = line.split(',');
        let (Some(first), Some(last), Some(country), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("expected FIRST,LAST,CC".to_string()));
        };
        let first =
            parse_address(first.trim()).ok_or_else(|| bad(format!("bad address {first:?}")))?;
        let last =
            parse_address(last.trim()).ok_or_else(|| bad(format!("bad address {last:?}")))?;
        if last < first {
            return Err(bad("range ends before it starts".to_string()));
        }
        ranges.push((first, last, parse_country(country.trim()).map_err(bad)?));
    }
    Ok(RangeTable::from_ranges(ranges))
}

/// IPv4 and IPv6 country tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeoIp {
    v4: RangeTable<u32>,
    v6: RangeTable<u128>,
}

impl GeoIp {
    /// Parses the text of an IPv4 and an IPv6 file (either may be empty).
    pub fn parse(v4_text: &str, v6_text: &str) -> Result<Self, GeoIpError> {
        Ok(GeoIp {
            v4: parse_table(v4_text, |s| s.parse::<u32>().ok())?,
            v6: parse_table(v6_text, |s| s.parse::<Ipv6Addr>().ok().map(u128::from))?,
        })
    }

    /// Reads both files.
    pub fn from_files(v4_path: &Path, v6_path: &Path) -> Result<Self, GeoIpError> {
        Self::parse(&read_limited(v4_path)?, &read_limited(v6_path)?)
    }

    /// Reads each file on its own: a file that cannot be read or parsed
    /// leaves its family without countries and its error is returned
    /// beside the tables of the other (the proxy, whose countries are
    /// optional, uses this; the broker uses [`GeoIp::from_files`]).
    pub fn from_files_each(v4_path: &Path, v6_path: &Path) -> (Self, Vec<GeoIpError>) {
        let mut errors = Vec::new();
        let v4 = read_limited(v4_path)
            .and_then(|text| parse_table(&text, |s| s.parse::<u32>().ok()))
            .unwrap_or_else(|error| {
                errors.push(error);
                RangeTable::default()
            });
        let v6 = read_limited(v6_path)
            .and_then(|text| parse_table(&text, |s| s.parse::<Ipv6Addr>().ok().map(u128::from)))
            .unwrap_or_else(|error| {
                errors.push(error);
                RangeTable::default()
            });
        (GeoIp { v4, v6 }, errors)
    }

    /// Whether no range is known (no file loaded, or empty files).
    pub fn is_empty(&self) -> bool {
        self.v4.ranges.is_empty() && self.v6.ranges.is_empty()
    }

    /// The country of `address`, if it is in a range. IPv4-mapped IPv6
    /// addresses are looked up as IPv4.
    pub fn country(&self, address: IpAddr) -> Option<CountryCode> {
        match address {
            IpAddr::V4(v4) => self.v4.lookup(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.v4.lookup(u32::from(v4)),
                None => self.v6.lookup(u128::from(v6)),
            },
        }
    }

    /// The country code of `address` as text, [`UNKNOWN_COUNTRY`] if none.
    pub fn country_name(&self, address: IpAddr) -> String {
        match self.country(address) {
            Some(code) => String::from_utf8_lossy(&code).into_owned(),
            None => UNKNOWN_COUNTRY.to_string(),
        }
    }
}

fn read_limited(path: &Path) -> Result<String, GeoIpError> {
    let io_error = |source| GeoIpError::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    if size > MAX_GEOIP_BYTES {
        return Err(GeoIpError::TooLarge(path.display().to_string()));
    }
    std::fs::read_to_string(path).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str =
        "# comment\n16777216,16777471,AU\n\n3405803776,3405804031,JP\n3758096128,3758096383,AU\n";
    const V6: &str = "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n2c0f:ffd8::,2c0f:ffd8:ffff:ffff:ffff:ffff:ffff:ffff,ZA\n";

    #[test]
    fn looks_up_v4_and_v6() {
        let geoip = GeoIp::parse(V4, V6).unwrap();
        let lookup = |s: &str| geoip.country_name(s.parse().unwrap());
        assert_eq!(lookup("1.0.0.0"), "AU");
        assert_eq!(lookup("1.0.0.255"), "AU");
        assert_eq!(lookup("1.0.1.0"), "??");
        assert_eq!(lookup("203.0.113.5"), "JP");
        assert_eq!(lookup("0.0.0.1"), "??");
        assert_eq!(lookup("255.255.255.255"), "??");
        assert_eq!(lookup("2001:200::1"), "JP");
        assert_eq!(lookup("2c0f:ffd8::1"), "ZA");
        assert_eq!(lookup("2001:db8::1"), "??");
        assert_eq!(lookup("::ffff:1.0.0.7"), "AU");
    }

    #[test]
    fn rejects_malformed_lines() {
        for bad in [
            "1,2",
            "1,2,AU,x",
            "x,2,AU",
            "5,4,AU",
            "1,2,AUS",
            "1,99999999999,AU",
        ] {
            assert!(
                matches!(
                    GeoIp::parse(bad, ""),
                    Err(GeoIpError::BadLine { line: 1, .. })
                ),
                "{bad}"
            );
        }
        assert!(GeoIp::parse("", "::1,zz,AU").is_err());
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("sf-common-geoip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("geoip"), V4).unwrap();
        std::fs::write(dir.join("geoip6"), V6).unwrap();
        let geoip = GeoIp::from_files(&dir.join("geoip"), &dir.join("geoip6")).unwrap();
        assert_eq!(geoip, GeoIp::parse(V4, V6).unwrap());
        assert!(matches!(
            GeoIp::from_files(&dir.join("missing"), &dir.join("geoip6")),
            Err(GeoIpError::Io { .. })
        ));
        // Each on its own: the IPv6 table loads without the IPv4 file.
        let (partial, errors) = GeoIp::from_files_each(&dir.join("missing"), &dir.join("geoip6"));
        assert!(matches!(errors.as_slice(), [GeoIpError::Io { .. }]));
        assert_eq!(partial, GeoIp::parse("", V6).unwrap());
        assert!(!partial.is_empty());
        let (both, errors) = GeoIp::from_files_each(&dir.join("geoip"), &dir.join("geoip6"));
        assert!(errors.is_empty());
        assert_eq!(both, GeoIp::parse(V4, V6).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_tables_know_nothing() {
        let geoip = GeoIp::default();
        assert!(geoip.is_empty());
        assert_eq!(geoip.country("1.2.3.4".parse().unwrap()), None);
    }
}
