//! The bridge list (docs/protocol.md §4.7): which WebSocket relay serves
//! the bridge a client names by fingerprint.
//!
//! The `-bridge-list-path` file holds one JSON object per line, with exactly
//! the keys `displayName`, `webSocketAddress` and `fingerprint`; an unknown
//! key makes the whole file invalid, as in Go. Without a file the broker
//! knows only the default bridge ([`DEFAULT_BRIDGE_LINE`]).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use snowflake_common::messages::BridgeFingerprint;

/// The built-in bridge list: the default Tor Project bridge.
pub const DEFAULT_BRIDGE_LINE: &str = r#"{"displayName":"default", "webSocketAddress":"wss://snowflake.torproject.net/", "fingerprint":"2B280B23E1107BB62ABFC40DDCC8824814F80A72"}"#;

/// Largest bridge-list file read (the list is small; this bounds memory).
pub const MAX_BRIDGE_LIST_BYTES: u64 = 16 * 1024 * 1024;

/// Why a bridge list could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BridgeListError {
    /// The file could not be read.
    #[error("cannot read bridge list {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_BRIDGE_LIST_BYTES`].
    #[error("bridge list is larger than {MAX_BRIDGE_LIST_BYTES} bytes")]
    TooLarge,
    /// A line is not a bridge entry.
    #[error("bridge list line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file names no bridge at all.
    #[error("bridge list is empty")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BridgeLine {
    #[serde(rename = "displayName")]
    display_name: String,
    #[serde(rename = "webSocketAddress")]
    websocket_address: String,
    fingerprint: String,
}

/// One bridge and its relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeInfo {
    /// A label for operators.
    pub display_name: String,
    /// The relay URL given to proxies (`RelayURL`).
    pub websocket_address: String,
    /// The hostname of `websocket_address`, matched against proxies'
    /// accepted relay patterns.
    pub relay_host: String,
}

/// Bridges by fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeList {
    bridges: HashMap<BridgeFingerprint, BridgeInfo>,
}

impl Default for BridgeList {
    /// The built-in list with only the default bridge.
    fn default() -> Self {
        // The built-in line is a constant that a unit test parses.
        BridgeList::parse(DEFAULT_BRIDGE_LINE).unwrap_or_else(|_| BridgeList {
            bridges: HashMap::new(),
        })
    }
}

impl BridgeList {
    /// Parses the JSON-lines text of a bridge-list file. Blank lines are
    /// skipped; a later line with the same fingerprint wins.
    pub fn parse(text: &str) -> Result<Self, BridgeListError> {
        let mut bridges = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let line_number = index.saturating_add(1);
            if line.trim().is_empty() {
                continue;
            }
            let bad = |message: String| BridgeListError::BadLine {
                line: line_number,
                message,
            };
            let entry: BridgeLine = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            let fingerprint = BridgeFingerprint::from_hex(&entry.fingerprint)
                .map_err(|e| bad(format!("fingerprint: {e}")))?;
            let relay_host = relay_hostname(&entry.websocket_address)
                .ok_or_else(|| bad("webSocketAddress has no hostname".to_string()))?;
            bridges.insert(
                fingerprint,
                BridgeInfo {
                    display_name: entry.display_name,
                    websocket_address: entry.websocket_address,
                    relay_host,
                },
            );
        }
        if bridges.is_empty() {
            return Err(BridgeListError::Empty);
        }
        Ok(BridgeList { bridges })
    }

    /// Reads and parses a bridge-list file.
    pub fn from_file(path: &Path) -> Result<Self, BridgeListError> {
        let io_error = |source| BridgeListError::Io {
            path: path.display().to_string(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io_error)?.len();
        if size > MAX_BRIDGE_LIST_BYTES {
            return Err(BridgeListError::TooLarge);
        }
        let text = std::fs::read_to_string(path).map_err(io_error)?;
        Self::parse(&text)
    }

    /// The bridge with this fingerprint.
    pub fn get(&self, fingerprint: &BridgeFingerprint) -> Option<&BridgeInfo> {
        self.bridges.get(fingerprint)
    }

    /// All bridges.
    pub fn iter(&self) -> impl Iterator<Item = (&BridgeFingerprint, &BridgeInfo)> {
        self.bridges.iter()
    }

    /// How many bridges are known.
    pub fn len(&self) -> usize {
        self.bridges.len()
    }

    /// Whether the list is empty (never true for a parsed list).
    pub fn is_empty(&self) -> bool {
        self.bridges.is_empty()
    }
}

/// The hostname of a URL such as `wss://user@host:443/path?q`, without
/// port or IPv6 brackets; `None` if there is none.
pub fn relay_hostname(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_list_has_the_default_bridge() {
        let list = BridgeList::default();
        assert_eq!(list.len(), 1);
        let info = list.get(&BridgeFingerprint::default()).unwrap();
        assert_eq!(info.websocket_address, "wss://snowflake.torproject.net/");
        assert_eq!(info.relay_host, "snowflake.torproject.net");
        assert_eq!(info.display_name, "default");
    }

    #[test]
    fn parses_upstream_test_list() {
        let text = format!(
            "{DEFAULT_BRIDGE_LINE}\n\n{}\n",
            r#"{"displayName":"second", "webSocketAddress":"wss://02.snowflake.torproject.net", "fingerprint":"8838024498816A039FCBBAB14E6F40A0843051FA"}"#
        );
        let list = BridgeList::parse(&text).unwrap();
        assert_eq!(list.len(), 2);
        let second =
            BridgeFingerprint::from_hex("8838024498816a039fcbbab14e6f40a0843051fa").unwrap();
        assert_eq!(
            list.get(&second).unwrap().relay_host,
            "02.snowflake.torproject.net"
        );
    }

    #[test]
    fn rejects_unknown_keys_bad_fingerprints_and_empty_files() {
        let unknown = r#"{"displayName":"x","webSocketAddress":"wss://a/","fingerprint":"2B280B23E1107BB62ABFC40DDCC8824814F80A72","extra":1}"#;
        assert!(matches!(
            BridgeList::parse(unknown),
            Err(BridgeListError::BadLine { line: 1, .. })
        ));
        let short = r#"{"displayName":"x","webSocketAddress":"wss://a/","fingerprint":"2B28"}"#;
        assert!(matches!(
            BridgeList::parse(&format!("\n{short}")),
            Err(BridgeListError::BadLine { line: 2, .. })
        ));
        let no_host = r#"{"displayName":"x","webSocketAddress":"wss:///","fingerprint":"2B280B23E1107BB62ABFC40DDCC8824814F80A72"}"#;
        assert!(BridgeList::parse(no_host).is_err());
        assert!(matches!(
            BridgeList::parse("\n \n"),
            Err(BridgeListError::Empty)
        ));
        assert!(BridgeList::parse("not json").is_err());
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("sf-bridges-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bridges.jsonl");
        std::fs::write(&path, format!("{DEFAULT_BRIDGE_LINE}\n")).unwrap();
        assert_eq!(BridgeList::from_file(&path).unwrap(), BridgeList::default());
        assert!(matches!(
            BridgeList::from_file(&dir.join("missing")),
            Err(BridgeListError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn relay_hostnames() {
        assert_eq!(
            relay_hostname("wss://snowflake.torproject.net/").as_deref(),
            Some("snowflake.torproject.net")
        );
        assert_eq!(
            relay_hostname("ws://127.0.0.1:8080/path?x=1").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            relay_hostname("wss://user:pw@host.example:443").as_deref(),
            Some("host.example")
        );
        assert_eq!(relay_hostname("wss://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(relay_hostname("no-scheme"), None);
        assert_eq!(relay_hostname("wss://"), None);
        assert_eq!(relay_hostname("wss://[::1"), None);
    }
}
