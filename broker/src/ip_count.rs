//! Distinct proxy address counts over time (`-ip-count-prefix`,
//! `-ip-count-interval`, as the Go broker names them).
//!
//! With a prefix set, the broker counts the distinct addresses of polling
//! proxies in seven categories, by NAT class (`strict`, `moderate`,
//! `open`) and by kind (`standalone`; `browser` for `webext` and `badge`;
//! `mobile` for `iptproxy`; `unknown` for the rest), in chunks of the
//! interval (1 h by default). Each category has its own file,
//! `<prefix>-<category>-<start time, RFC 3339>.log`, created (truncated)
//! at start; each chunk adds one JSON line to every file:
//!
//! ```text
//! {"recordingStart":"2026-12-03T09:00:00Z","recordingEnd":"2026-12-03T10:00:01Z","count":17}
//! ```
//!
//! As in Go, a chunk is written when the first poll after its interval
//! arrives (a broker without polls writes nothing), and the count covers
//! the polls from `recordingStart` up to then.
//!
//! Difference from Go: Go stores a HyperLogLog sketch of keyed hashes of
//! the addresses (field `recorded`, read by its own tool); this broker
//! writes the exact count (field `count`) of distinct keyed hashes. No
//! address, nor anything from which one could be recovered without the
//! key (random per run, never written), is stored. At most
//! [`MAX_DISTINCT_PER_CATEGORY`] addresses are counted per category and
//! chunk; the count saturates there.

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use snowflake_common::messages::{NatClass, NatType, ProxyType};

use crate::metrics::format_utc;

/// The categories, in the order files are opened and written.
pub const CATEGORIES: [&str; 7] = [
    "strict",
    "open",
    "moderate",
    "standalone",
    "browser",
    "mobile",
    "unknown",
];

/// Most distinct addresses counted per category and chunk.
pub const MAX_DISTINCT_PER_CATEGORY: usize = 1 << 20;

/// The NAT category of a proxy.
pub fn nat_category(nat: NatType) -> &'static str {
    match nat.class() {
        NatClass::Open => "open",
        NatClass::Moderate => "moderate",
        NatClass::Strict => "strict",
    }
}

/// The kind category of a proxy.
pub fn type_category(proxy_type: ProxyType) -> &'static str {
    match proxy_type {
        ProxyType::Standalone => "standalone",
        ProxyType::Webext | ProxyType::Badge => "browser",
        ProxyType::IptProxy => "mobile",
        ProxyType::Bloco | ProxyType::Unknown => "unknown",
    }
}

/// RFC 3339 in UTC, second precision (`2026-12-03T09:00:00Z`).
pub fn rfc3339_utc(time: SystemTime) -> String {
    let mut text = format_utc(time).replacen(' ', "T", 1);
    text.push('Z');
    text
}

/// The counting core: distinct keyed address hashes per category, cut
/// into chunks. Times are passed in; nothing here does I/O.
#[derive(Debug)]
pub struct DistinctCounter {
    key: RandomState,
    interval: Duration,
    chunk_started: Instant,
    chunk_started_wall: SystemTime,
    seen: [HashSet<u64>; CATEGORIES.len()],
}

/// One finished chunk: a JSON line per category, in [`CATEGORIES`] order.
pub type Chunk = [String; CATEGORIES.len()];

impl DistinctCounter {
    /// A counter whose first chunk starts now.
    pub fn new(interval: Duration, now: Instant, wall: SystemTime) -> Self {
        DistinctCounter {
            key: RandomState::new(),
            interval,
            chunk_started: now,
            chunk_started_wall: wall,
            seen: Default::default(),
        }
    }

    /// Counts a poll from `address` of this NAT type and kind. Returns the
    /// chunk that ended first, if the interval has passed (the poll itself
    /// is counted in the next chunk).
    pub fn add(
        &mut self,
        address: IpAddr,
        nat: NatType,
        proxy_type: ProxyType,
        now: Instant,
        wall: SystemTime,
    ) -> Option<Chunk> {
        let finished = (now.saturating_duration_since(self.chunk_started) > self.interval)
            .then(|| self.finish_chunk(now, wall));
        let hash = self.key.hash_one(address);
        for category in [nat_category(nat), type_category(proxy_type)] {
            if let Some(index) = CATEGORIES.iter().position(|c| *c == category) {
                if let Some(set) = self.seen.get_mut(index) {
                    if set.len() < MAX_DISTINCT_PER_CATEGORY {
                        set.insert(hash);
                    }
                }
            }
        }
        finished
    }

    /// Ends the current chunk at `now`: its lines, and a new empty chunk.
    pub fn finish_chunk(&mut self, now: Instant, wall: SystemTime) -> Chunk {
        let start = rfc3339_utc(self.chunk_started_wall);
        let end = rfc3339_utc(wall);
        let lines = std::array::from_fn(|index| {
            let count = self.seen.get(index).map_or(0, HashSet::len);
            format!(r#"{{"recordingStart":"{start}","recordingEnd":"{end}","count":{count}}}"#)
        });
        for set in &mut self.seen {
            set.clear();
        }
        self.chunk_started = now;
        self.chunk_started_wall = wall;
        lines
    }
}

/// The count files and the counter feeding them.
#[derive(Debug)]
pub struct IpCountFiles {
    counter: DistinctCounter,
    files: Vec<(PathBuf, std::fs::File)>,
}

impl IpCountFiles {
    /// Creates (truncating) the seven files for `prefix`, named with the
    /// current time.
    pub fn create(prefix: &str, interval: Duration) -> std::io::Result<Self> {
        let wall = SystemTime::now();
        let stamp = rfc3339_utc(wall);
        let mut files = Vec::with_capacity(CATEGORIES.len());
        for category in CATEGORIES {
            let path = PathBuf::from(format!("{prefix}-{category}-{stamp}.log"));
            let file = std::fs::File::create(&path)?;
            files.push((path, file));
        }
        Ok(IpCountFiles {
            counter: DistinctCounter::new(interval, Instant::now(), wall),
            files,
        })
    }

    /// The files, in [`CATEGORIES`] order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(path, _)| path.as_path())
    }

    /// Counts one proxy poll, writing a chunk first if one has ended.
    pub fn record(&mut self, address: IpAddr, nat: NatType, proxy_type: ProxyType) {
        let chunk = self
            .counter
            .add(address, nat, proxy_type, Instant::now(), SystemTime::now());
        if let Some(chunk) = chunk {
            for ((path, file), line) in self.files.iter_mut().zip(chunk) {
                let written = file
                    .write_all(line.as_bytes())
                    .and_then(|()| file.write_all(b"\n"))
                    .and_then(|()| file.sync_data());
                if let Err(error) = written {
                    tracing::warn!(path = %path.display(), %error, "cannot write ip count");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn categories() {
        assert_eq!(nat_category(NatType::Unrestricted), "open");
        assert_eq!(nat_category(NatType::Open), "open");
        assert_eq!(nat_category(NatType::Moderate), "moderate");
        for nat in [NatType::Strict, NatType::Restricted, NatType::Unknown] {
            assert_eq!(nat_category(nat), "strict");
        }
        assert_eq!(type_category(ProxyType::Standalone), "standalone");
        assert_eq!(type_category(ProxyType::Webext), "browser");
        assert_eq!(type_category(ProxyType::Badge), "browser");
        assert_eq!(type_category(ProxyType::IptProxy), "mobile");
        assert_eq!(type_category(ProxyType::Bloco), "unknown");
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
    }

    #[test]
    fn distinct_counts_per_chunk() {
        let t0 = Instant::now();
        let w0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let hour = Duration::from_secs(3600);
        let mut counter = DistinctCounter::new(hour, t0, w0);
        let a = ip("203.0.113.5");
        let b = ip("198.51.100.7");
        for (address, nat, kind) in [
            (a, NatType::Open, ProxyType::Standalone),
            (a, NatType::Open, ProxyType::Standalone),
            (a, NatType::Unrestricted, ProxyType::Standalone),
            (b, NatType::Moderate, ProxyType::Webext),
            (b, NatType::Strict, ProxyType::Badge),
        ] {
            assert!(counter.add(address, nat, kind, t0, w0).is_none());
        }
        // Within the hour: nothing written yet.
        assert!(counter
            .add(a, NatType::Open, ProxyType::IptProxy, t0 + hour, w0 + hour)
            .is_none());
        // The first poll after it ends the chunk.
        let later = Duration::from_secs(3601);
        let chunk = counter
            .add(
                b,
                NatType::Open,
                ProxyType::Standalone,
                t0 + later,
                w0 + later,
            )
            .unwrap();
        let start = r#"{"recordingStart":"2023-11-14T22:13:20Z","recordingEnd":"2023-11-14T23:13:21Z","count":"#;
        let counts: Vec<&str> = chunk
            .iter()
            .map(|line| {
                assert!(line.starts_with(start), "{line}");
                line.get(start.len()..).unwrap()
            })
            .collect();
        // strict, open, moderate, standalone, browser, mobile, unknown
        assert_eq!(counts, ["1}", "1}", "1}", "1}", "1}", "1}", "0}"]);
        // The poll that ended the chunk is in the next one.
        let next = counter.finish_chunk(t0 + later, w0 + later);
        assert!(next[1].ends_with(r#""count":1}"#), "{}", next[1]);
        assert!(next[0].ends_with(r#""count":0}"#), "{}", next[0]);
    }

    #[test]
    fn files_are_created_and_chunks_appended() {
        let dir = std::env::temp_dir().join(format!("ipcount-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let prefix = dir.join("counts").to_string_lossy().into_owned();
        let mut files = IpCountFiles::create(&prefix, Duration::ZERO).unwrap();
        let paths: Vec<PathBuf> = files.paths().map(Path::to_path_buf).collect();
        assert_eq!(paths.len(), 7);
        for (path, category) in paths.iter().zip(CATEGORIES) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(&format!("counts-{category}-")), "{name}");
            assert!(name.ends_with("Z.log"), "{name}");
        }
        // A zero interval: every poll at a later instant ends the chunk
        // before it (the first may end the empty one since creation).
        files.record(ip("203.0.113.5"), NatType::Open, ProxyType::Standalone);
        std::thread::sleep(Duration::from_millis(5));
        files.record(ip("203.0.113.6"), NatType::Open, ProxyType::Standalone);
        let open = std::fs::read_to_string(&paths[1]).unwrap();
        let last = open.lines().last().unwrap_or_default();
        assert!(last.ends_with(r#""count":1}"#), "{open}");
        assert!(last.starts_with(r#"{"recordingStart":""#), "{open}");
        let mobile = std::fs::read_to_string(&paths[5]).unwrap();
        assert!(
            mobile.lines().all(|l| l.ends_with(r#""count":0}"#)),
            "{mobile}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
