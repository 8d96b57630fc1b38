//! Sizes, rates and durations as the demo and the benchmark read and print
//! them. Sizes use decimal units (1 MB = 10^6 bytes), as network rates do;
//! `KiB`/`MiB`/`GiB` are accepted for binary ones.

use std::time::Duration;

/// One decimal megabyte.
pub const MB: u64 = 1_000_000;

/// Parses a byte count: a number (with an optional fraction) and an
/// optional unit `k`, `M`, `G` (powers of 1000, an optional trailing `B`)
/// or `KiB`, `MiB`, `GiB` (powers of 1024). `100M`, `1.5GB`, `65536`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("bad size {text:?}: expected a number like 100M or 1.5G"))?;
    let factor: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "k" | "K" | "kB" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("bad size unit {other:?} in {text:?}")),
    };
    let bytes = (number * factor).round();
    if !bytes.is_finite() || !(0.0..=1e18).contains(&bytes) {
        return Err(format!("size {text:?} is out of range"));
    }
    // In range, checked above.
    Ok(bytes as u64)
}

/// `bytes` in MB with one decimal (`"12.3 MB"`), or in kB/B when small.
pub fn format_bytes(bytes: u64) -> String {
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1000 {
        format!("{:.1} kB", bytes as f64 / 1000.0)
    } else {
        format!("{bytes} B")
    }
}

/// Megabytes per second; 0 for an empty interval.
pub fn mb_per_s(bytes: u64, over: Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 {
        bytes as f64 / MB as f64 / secs
    } else {
        0.0
    }
}

/// Seconds with two decimals (`"1.23 s"`), or milliseconds below 1 s.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

/// The median of `values` (the lower middle one for an even count).
pub fn median<T: Ord + Copy>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_decimal_and_binary_units() {
        assert_eq!(parse_size("100M"), Ok(100 * MB));
        assert_eq!(parse_size("100MB"), Ok(100 * MB));
        assert_eq!(parse_size("1.5G"), Ok(1_500 * MB));
        assert_eq!(parse_size("64k"), Ok(64_000));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("12345"), Ok(12_345));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn medians_and_formats() {
        assert_eq!(median(&[3, 1, 2]), Some(2));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(median::<u32>(&[]), None);
        assert_eq!(format_bytes(12_345_678), "12.3 MB");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.23 s");
        assert!((mb_per_s(10 * MB, Duration::from_secs(2)) - 5.0).abs() < 1e-9);
    }
}
