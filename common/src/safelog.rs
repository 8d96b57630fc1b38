//! Log scrubbing: client IP addresses never reach the log unless the operator
//! asks for them (`-unsafe-logging`), like upstream's `safelog`. Shared by
//! the server and the proxy (and later the client and broker).
//!
//! [`Redacted`] hides one value in a log call site.
//! [`scrub`] replaces every IPv4 or IPv6 address in a piece of text, with
//! or without a port (`1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
//! `[2001:db8::1]:443`, `::ffff:1.2.3.4`), by `[scrubbed]`.
//! [`ScrubbingMakeWriter`] applies it to every line a `tracing-subscriber`
//! formatter writes, so no log call site has to remember it.
//!
//! The operator's own configuration is not scrubbed: a program registers
//! the addresses it was configured with ([`keep_operator_addresses_in`]:
//! listen addresses, the broker's URL, tor's ORPort), and the writer leaves
//! exactly those addresses alone, so `cannot listen on 192.0.2.1:443` says
//! which address. Any other address (a client's, a proxy's) is still
//! scrubbed, even one that differs from a registered one only by its port.
//!
//! [`init_logging`] also keeps the WebRTC crates' warnings out of the log
//! by default ([`QUIET_TARGETS`]): they report conditions of one peer
//! connection (several per client served) that our code already handles
//! or logs in its own words. `RUST_LOG` brings them back.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};

use tracing_subscriber::fmt::MakeWriter;

/// What an address is replaced with.
pub const SCRUBBED: &str = "[scrubbed]";

/// Shows the value only when unsafe logging is on.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<T> {
    value: T,
    show: bool,
}

impl<T> Redacted<T> {
    /// Wraps `value`; it is shown only if `unsafe_logging`.
    pub fn new(value: T, unsafe_logging: bool) -> Self {
        Redacted {
            value,
            show: unsafe_logging,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.show {
            self.value.fmt(f)
        } else {
            f.write_str(SCRUBBED)
        }
    }
}

/// Characters that can appear in an IP address, an IPv6 address in
/// brackets, or an address with a port.
fn is_addr_char(c: char) -> bool {
    c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']')
}

/// Whether `candidate` is an IP address or socket address.
fn is_address(candidate: &str) -> bool {
    candidate.parse::<IpAddr>().is_ok() || candidate.parse::<SocketAddr>().is_ok()
}

/// The longest address at the start of `run` after trimming punctuation
/// that commonly follows an address in prose (`.`, `:`, `]`), and its
/// length in bytes.
fn address_prefix(run: &str) -> Option<usize> {
    let mut end = run.len();
    loop {
        let candidate = run.get(..end)?;
        if candidate.is_empty() {
            return None;
        }
        if is_address(candidate) {
            return Some(end);
        }
        // Only strip trailing punctuation; letters and digits belong to the
        // token, so "deadbeef" or "12:30" are never partly scrubbed.
        if candidate.ends_with(['.', ':', ']', '[']) {
            end -= 1;
        } else {
            return None;
        }
    }
}

/// An address as it was written: with or without a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownAddress {
    /// An IP address alone.
    Ip(IpAddr),
    /// An IP address and a port.
    Socket(SocketAddr),
}

impl KnownAddress {
    fn parse(text: &str) -> Option<Self> {
        text.parse()
            .map(Self::Ip)
            .or_else(|_| text.parse().map(Self::Socket))
            .ok()
    }
}

/// Most operator addresses remembered; further ones are scrubbed like any
/// other address (the safe side).
pub const MAX_OPERATOR_ADDRESSES: usize = 64;

/// The operator's own addresses, which the log writer does not scrub.
static OPERATOR_ADDRESSES: std::sync::RwLock<Vec<KnownAddress>> =
    std::sync::RwLock::new(Vec::new());

/// Every IP or socket address in `text`, in order, as [`scrub`] finds them.
pub fn addresses_in(text: &str) -> Vec<KnownAddress> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some((start, len)) = next_address(text, pos) {
        found.extend(text.get(start..start + len).and_then(KnownAddress::parse));
        pos = start + len;
    }
    found
}

/// Registers every address written in `text` (a listen address, a URL
/// such as `wss://192.0.2.1:8443/`, tor's `ORPort 127.0.0.1:9001`) as the
/// operator's own: from now on the log writer leaves it unscrubbed. Only
/// the exact address is kept: `192.0.2.1:443` does not unscrub
/// `192.0.2.1:5555` or `192.0.2.1`. Call it with configuration only,
/// never with anything a peer sent.
pub fn keep_operator_addresses_in(text: &str) {
    let found = addresses_in(text);
    if found.is_empty() {
        return;
    }
    let mut known = OPERATOR_ADDRESSES
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    remember(&mut known, found);
}

/// Adds `found` to `known`, without duplicates and up to
/// [`MAX_OPERATOR_ADDRESSES`].
fn remember(known: &mut Vec<KnownAddress>, found: Vec<KnownAddress>) {
    for address in found {
        if !known.contains(&address) && known.len() < MAX_OPERATOR_ADDRESSES {
            known.push(address);
        }
    }
}

/// The addresses registered with [`keep_operator_addresses_in`] so far.
pub fn operator_addresses() -> Vec<KnownAddress> {
    OPERATOR_ADDRESSES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Replaces every IP address (with or without port) in `text` by
/// [`SCRUBBED`]. Text without addresses is returned unchanged and
/// unallocated.
pub fn scrub(text: &str) -> Cow<'_, str> {
    scrub_except(text, &[])
}

/// [`scrub`], except that the addresses in `keep` are left as they are.
pub fn scrub_except<'a>(text: &'a str, keep: &[KnownAddress]) -> Cow<'a, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some((start, len)) = next_address(text, pos) {
        let written = text.get(start..start + len).unwrap_or_default();
        if !KnownAddress::parse(written).is_some_and(|a| keep.contains(&a)) {
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(text.get(copied..start).unwrap_or_default());
            buf.push_str(SCRUBBED);
            copied = start + len;
        }
        pos = start + len;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
}

/// The first address in `text` at or after byte `pos`: its start and
/// length in bytes.
fn next_address(text: &str, mut pos: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    while pos < text.len() {
        let Some(c) = text.get(pos..).and_then(|t| t.chars().next()) else {
            break;
        };
        if !is_addr_char(c) {
            pos += c.len_utf8();
            continue;
        }
        // A run starts here only at a token boundary: not in the middle of
        // a word such as "abc1.2.3.4".
        let at_boundary = pos == 0
            || bytes
                .get(pos - 1)
                .is_some_and(|&b| !(b as char).is_ascii_alphanumeric() && b != b'_');
        let run_end = text
            .get(pos..)
            .and_then(|t| t.find(|ch: char| !is_addr_char(ch)))
            .map_or(text.len(), |off| pos + off);
        let followed_by_word = text
            .get(run_end..)
            .and_then(|t| t.chars().next())
            .is_some_and(|ch| ch.is_alphanumeric() || ch == '_');
        let run = text.get(pos..run_end).unwrap_or_default();
        // A leading '[' belongs to a bracketed IPv6 address only if the
        // address parses with it; otherwise try without.
        let found = if at_boundary && !followed_by_word {
            address_prefix(run)
                .map(|len| (pos, len))
                .or_else(|| {
                    run.strip_prefix('[')
                        .and_then(address_prefix)
                        .map(|len| (pos + 1, len))
                })
                .filter(|&(start, len)| {
                    // Never treat a lone number or hex word as an address:
                    // parsing already guarantees dots or colons.
                    text.get(start..start + len)
                        .is_some_and(|s| s.contains(['.', ':']))
                })
        } else {
            None
        };
        match found {
            Some(address) => return Some(address),
            None => pos = run_end.max(pos + 1),
        }
    }
    None
}

/// A writer that scrubs addresses from everything written through it.
/// `tracing-subscriber` formats each event into one buffer and writes it
/// at once, so addresses are never split across writes.
#[derive(Debug)]
pub struct ScrubbingWriter<W> {
    inner: W,
}

impl<W: io::Write> io::Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let scrubbed = {
            let keep = OPERATOR_ADDRESSES
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            scrub_except(&text, &keep).into_owned()
        };
        self.inner.write_all(scrubbed.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Wraps a [`MakeWriter`] so that every log line is scrubbed, unless
/// scrubbing is turned off (`--unsafe-logging`).
#[derive(Debug, Clone)]
pub struct ScrubbingMakeWriter<M> {
    inner: M,
    enabled: bool,
}

impl<M> ScrubbingMakeWriter<M> {
    /// Scrubs lines written through `inner` when `enabled`.
    pub fn new(inner: M, enabled: bool) -> Self {
        Self { inner, enabled }
    }
}

/// The writer of [`ScrubbingMakeWriter`]: scrubbing or pass-through.
#[derive(Debug)]
pub enum MaybeScrubbing<W> {
    /// Addresses are scrubbed.
    Scrubbing(ScrubbingWriter<W>),
    /// Written as is.
    Plain(W),
}

impl<W: io::Write> io::Write for MaybeScrubbing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Scrubbing(w) => w.write(buf),
            Self::Plain(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Scrubbing(w) => w.flush(),
            Self::Plain(w) => w.flush(),
        }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for ScrubbingMakeWriter<M> {
    type Writer = MaybeScrubbing<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        let inner = self.inner.make_writer();
        if self.enabled {
            MaybeScrubbing::Scrubbing(ScrubbingWriter { inner })
        } else {
            MaybeScrubbing::Plain(inner)
        }
    }
}

/// Where log lines go when no log file is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFallback {
    /// Standard error (a program run by hand or by a service manager).
    Stderr,
    /// Nowhere: a managed client transport's stdout and stderr belong to
    /// tor, so without `-log` it logs nothing (as upstream).
    Discard,
}

/// Log targets (crate-name prefixes) of the WebRTC stack whose warnings
/// are not logged by default: webrtc-rs 0.17 (`webrtc`, `webrtc_ice`,
/// `webrtc_sctp`, `webrtc_data`, … all start with `webrtc`), its `dtls`,
/// `turn` and `interceptor` crates, and webrtc-rs 0.21's `rtc_*` crates.
/// Their warnings describe one peer connection at a time (e.g. a data
/// channel we detach on open being reported as "enabled but didn't
/// Detach", candidates that fail to pair): several lines per client served
/// that tell the operator nothing our own log does not.
pub const QUIET_TARGETS: &[&str] = &["webrtc", "dtls", "turn", "interceptor", "rtc_"];

/// `target=level` for every [`QUIET_TARGETS`] entry, comma-separated: a
/// program that logs at debug level passes `webrtc_directives("warn")` in
/// its default filter to see their warnings again.
pub fn webrtc_directives(level: &str) -> String {
    QUIET_TARGETS
        .iter()
        .map(|target| format!("{target}={level}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why a `RUST_LOG` directive was not understood ([`parse_filter`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid log filter directive {:?}", self.0)
    }
}

impl std::error::Error for FilterError {}

/// One directive of a filter: `Some(target)` or the default (`None`), and
/// its level.
fn parse_directive(
    directive: &str,
) -> Result<(Option<&str>, tracing_subscriber::filter::LevelFilter), FilterError> {
    use tracing_subscriber::filter::LevelFilter;
    let invalid = || FilterError(directive.to_owned());
    let trimmed = directive.trim();
    // Span and field directives (`target[span{field=value}]=level`) need
    // tracing-subscriber's EnvFilter and its regex engine; the programs
    // do not carry them, so such a filter is refused as a whole.
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | ':' | '_');
    if !trimmed.starts_with(allowed) || trimmed.contains(['[', ']', '{', '}']) {
        return Err(invalid());
    }
    match trimmed.split_once('=') {
        Some((target, "")) => Ok((Some(target), LevelFilter::TRACE)),
        Some((target, level)) => Ok((Some(target), level.parse().map_err(|_| invalid())?)),
        None => Ok(match trimmed.parse() {
            Ok(level) => (None, level),
            Err(_) => (Some(trimmed), LevelFilter::TRACE),
        }),
    }
}

/// Parses `directives` as tracing-subscriber's EnvFilter parses the
/// `RUST_LOG` variable, without its regex engine: comma-separated
/// `target=level`, bare `level` (every other target) and bare `target`
/// (all its levels), the most specific target winning; levels `off`,
/// `error` … `trace` (any case) or `0` … `5`; an empty string logs
/// nothing. Refused, as a whole: a directive that EnvFilter refuses, and
/// span or field directives (`target[span{field}]=level`), which only
/// developers use. Unlike EnvFilter, spaces around a directive are
/// ignored.
pub fn parse_filter(directives: &str) -> Result<tracing_subscriber::filter::Targets, FilterError> {
    use tracing_subscriber::filter::Targets;
    let mut filter = Targets::new();
    for directive in directives.split(',').filter(|d| !d.is_empty()) {
        filter = match parse_directive(directive)? {
            (Some(target), level) => filter.with_target(target, level),
            (None, level) => filter.with_default(level),
        };
    }
    Ok(filter)
}

/// The filter [`init_logging`] installs: `rust_log` (the `RUST_LOG`
/// variable) when it is set and valid ([`parse_filter`]), exactly as
/// written; otherwise `default_filter` with [`QUIET_TARGETS`] lowered to
/// errors only, except for those `default_filter` names itself.
pub fn env_filter(
    rust_log: Option<&str>,
    default_filter: &str,
) -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    if let Some(filter) = rust_log.and_then(|r| parse_filter(r).ok()) {
        return filter;
    }
    let named: Vec<&str> = default_filter
        .split(',')
        .filter_map(|directive| directive.split('=').next())
        .map(str::trim)
        .collect();
    let mut directives = default_filter.to_owned();
    for target in QUIET_TARGETS {
        if !named.iter().any(|name| name.starts_with(target)) {
            if !directives.is_empty() {
                directives.push(',');
            }
            directives.push_str(target);
            directives.push_str("=error");
        }
    }
    // As EnvFilter::new: invalid directives of the default are skipped,
    // and errors only are logged if none is left.
    let valid: Vec<_> = directives
        .split(',')
        .filter(|d| !d.is_empty())
        .filter_map(|d| parse_directive(d).ok())
        .collect();
    if valid.is_empty() {
        return Targets::new().with_default(LevelFilter::ERROR);
    }
    valid
        .into_iter()
        .fold(Targets::new(), |filter, directive| match directive {
            (Some(target), level) => filter.with_target(target, level),
            (None, level) => filter.with_default(level),
        })
}

/// Installs the global `tracing` subscriber every program uses: lines go
/// to `file` (appended) or to `fallback`, with IP addresses scrubbed
/// unless `unsafe_logging` (except the operator's own, see
/// [`keep_operator_addresses_in`]). The filter is [`env_filter`]:
/// `RUST_LOG` if set, else `default_filter` with the WebRTC crates'
/// warnings left out. Fails only if the log file cannot be opened.
pub fn init_logging(
    file: Option<&std::path::Path>,
    fallback: LogFallback,
    default_filter: &str,
    unsafe_logging: bool,
) -> Result<(), String> {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let writer = match (file, fallback) {
        (Some(path), _) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            BoxMakeWriter::new(std::sync::Mutex::new(file))
        }
        (None, LogFallback::Stderr) => BoxMakeWriter::new(io::stderr),
        (None, LogFallback::Discard) => BoxMakeWriter::new(io::sink),
    };
    let filter = env_filter(std::env::var("RUST_LOG").ok().as_deref(), default_filter);
    // A second call (tests) keeps the first subscriber. The fmt
    // builder's own level (INFO unless told) must not hide what `filter`
    // lets through (RUST_LOG=debug).
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(ScrubbingMakeWriter::new(writer, !unsafe_logging))
        .finish()
        .with(filter)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_shows_only_when_unsafe() {
        let ip: IpAddr = "192.0.2.1".parse().expect("literal");
        assert_eq!(Redacted::new(ip, false).to_string(), SCRUBBED);
        assert_eq!(Redacted::new(ip, true).to_string(), "192.0.2.1");
    }

    #[test]
    fn scrubs_addresses_in_all_forms() {
        let cases = [
            ("client 1.2.3.4 connected", "client [scrubbed] connected"),
            ("from 1.2.3.4:5678.", "from [scrubbed]."),
            (
                "v6 2001:db8::1 and [2001:db8::2]:443",
                "v6 [scrubbed] and [scrubbed]",
            ),
            (
                "mapped ::ffff:10.0.0.1, loopback ::1",
                "mapped [scrubbed], loopback [scrubbed]",
            ),
            ("addr=192.168.0.1,", "addr=[scrubbed],"),
            ("(fe80::1)", "([scrubbed])"),
            ("1.2.3.4", "[scrubbed]"),
            ("ends with colon 1.2.3.4:", "ends with colon [scrubbed]:"),
            ("[1.2.3.4]", "[[scrubbed]]"),
            ("useraddr=\"8.8.8.8:1\"", "useraddr=\"[scrubbed]\""),
        ];
        for (input, expected) in cases {
            assert_eq!(scrub(input), expected, "{input}");
        }
    }

    #[test]
    fn leaves_other_text_alone() {
        for text in [
            "client id 0102030405060708 conv 0xdeadbeef",
            "at 12:30:45.123 took 1.5 s",
            "version 2.14.1",
            "module snowflake_server::relay: done",
            "2026-11-21T21:01:53.123456Z  INFO",
            "sha256 abcdef:12",
            "no addresses here",
            "word1.2.3.4 is not an address",
            "1.2.3.4x neither",
            "ünïcödé 1.2.3",
        ] {
            assert_eq!(scrub(text), text, "{text}");
            assert!(matches!(scrub(text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn writer_scrubs_each_line() {
        use std::io::Write;
        let mut out = Vec::new();
        {
            let mut w = ScrubbingWriter { inner: &mut out };
            w.write_all(b"connection from 127.0.0.1:4000\n")
                .expect("write");
        }
        assert_eq!(out, b"connection from [scrubbed]\n");
    }

    #[test]
    fn only_the_exact_kept_addresses_survive() {
        let keep = addresses_in("-addr 192.0.2.1:443 -relay wss://[2001:db8::7]:8443/");
        assert_eq!(
            keep,
            vec![
                KnownAddress::Socket("192.0.2.1:443".parse().expect("literal")),
                KnownAddress::Socket("[2001:db8::7]:8443".parse().expect("literal")),
            ]
        );
        let line = "cannot listen on 192.0.2.1:443; client 192.0.2.1:5555 and 192.0.2.1, \
                    relay [2001:db8::7]:8443, proxy [2001:db8::7]:1";
        assert_eq!(
            scrub_except(line, &keep),
            "cannot listen on 192.0.2.1:443; client [scrubbed] and [scrubbed], \
             relay [2001:db8::7]:8443, proxy [scrubbed]"
        );
        // Without the list, everything goes, as before.
        assert_eq!(
            scrub(line),
            "cannot listen on [scrubbed]; client [scrubbed] and [scrubbed], \
             relay [scrubbed], proxy [scrubbed]"
        );
    }

    #[test]
    fn addresses_in_configuration_text() {
        for (text, expected) in [
            ("ORPort 127.0.0.1:9001", "127.0.0.1:9001"),
            ("ExtORPort [::1]:9002", "[::1]:9002"),
            ("snowflake-0.0.0.0:443", "0.0.0.0:443"),
            ("http://198.51.100.4:8080/", "198.51.100.4:8080"),
            ("-metrics-address 203.0.113.3:9110", "203.0.113.3:9110"),
            ("wss://203.0.113.8/", "203.0.113.8"),
        ] {
            assert_eq!(
                addresses_in(text),
                vec![KnownAddress::parse(expected).expect("literal")],
                "{text}"
            );
        }
        assert!(addresses_in("wss://snowflake.torproject.net/ ExtORPort unix:/run/t").is_empty());
    }

    #[test]
    fn the_operator_list_is_bounded() {
        let mut known = Vec::new();
        for round in 0..2 {
            // The second round repeats the first: no duplicates.
            let found = (0..MAX_OPERATOR_ADDRESSES as u16 + 10)
                .map(|port| KnownAddress::Socket(SocketAddr::from(([192, 0, 2, 1], port))))
                .collect();
            remember(&mut known, found);
            assert_eq!(known.len(), MAX_OPERATOR_ADDRESSES, "round {round}");
        }
    }

    #[test]
    fn the_writer_keeps_registered_operator_addresses() {
        use std::io::Write;
        // Addresses no other test here uses: the list is process-wide.
        keep_operator_addresses_in("-addr 198.51.100.77:8443");
        assert!(operator_addresses()
            .contains(&KnownAddress::parse("198.51.100.77:8443").expect("literal")));
        let mut out = Vec::new();
        {
            let mut w = ScrubbingWriter { inner: &mut out };
            w.write_all(b"listening on 198.51.100.77:8443; client 198.51.100.77:40000\n")
                .expect("write");
        }
        assert_eq!(
            String::from_utf8_lossy(&out),
            "listening on 198.51.100.77:8443; client [scrubbed]\n"
        );
    }

    /// What `filter` lets through of a warning from `target`.
    fn passes(filter: tracing_subscriber::filter::Targets, target: &str) -> bool {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::SubscriberExt;
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_ansi(false)
            .with_writer(move || SharedBuf(sink.clone()))
            .finish()
            .with(filter);
        tracing::subscriber::with_default(subscriber, || match target {
            // Targets are literals in tracing's macros; these are the
            // module paths the log-crate records of those crates carry.
            "webrtc::data_channel" => tracing::warn!(
                target: "webrtc::data_channel",
                "webrtc.DetachDataChannels() enabled but didn't Detach, call Detach from OnOpen"
            ),
            "webrtc_ice::agent::agent_internal" => {
                tracing::warn!(target: "webrtc_ice::agent::agent_internal", "pair failed")
            }
            "dtls::conn" => tracing::warn!(target: "dtls::conn", "bad record"),
            "rtc_sctp::association" => tracing::warn!(target: "rtc_sctp::association", "x"),
            "snowflake_proxy::proxy" => {
                tracing::warn!(target: "snowflake_proxy::proxy", "offer dropped")
            }
            "snowflake_rtc::webrtc17" => {
                tracing::warn!(target: "snowflake_rtc::webrtc17", "ours")
            }
            other => panic!("no event for {other}"),
        });
        let text = String::from_utf8_lossy(&lines.lock().expect("lock")).into_owned();
        !text.is_empty()
    }

    #[derive(Clone)]
    struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl io::Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn webrtc_warnings_are_left_out_unless_asked_for() {
        const WEBRTC: [&str; 4] = [
            "webrtc::data_channel",
            "webrtc_ice::agent::agent_internal",
            "dtls::conn",
            "rtc_sctp::association",
        ];
        const OURS: [&str; 2] = ["snowflake_proxy::proxy", "snowflake_rtc::webrtc17"];
        // The programs' defaults.
        for default in ["info", "warn,snowflake_proxy=info,snowflake_rtc=info"] {
            for target in WEBRTC {
                assert!(
                    !passes(env_filter(None, default), target),
                    "{default} {target}"
                );
            }
            for target in OURS {
                assert!(
                    passes(env_filter(None, default), target),
                    "{default} {target}"
                );
            }
        }
        // A default that names them itself (a program at debug level).
        let verbose = format!("warn,snowflake_proxy=debug,{}", webrtc_directives("warn"));
        for target in WEBRTC.into_iter().chain(OURS) {
            assert!(passes(env_filter(None, &verbose), target), "{target}");
        }
        // RUST_LOG wins over everything.
        for target in WEBRTC.into_iter().chain(OURS) {
            assert!(passes(env_filter(Some("warn"), "info"), target), "{target}");
        }
        assert!(!passes(
            env_filter(Some("error"), "info"),
            "snowflake_proxy::proxy"
        ));
        // An invalid RUST_LOG falls back to the default.
        assert!(!passes(
            env_filter(Some("=[bad"), "info"),
            "webrtc::data_channel"
        ));
        assert!(passes(
            env_filter(Some("=[bad"), "info"),
            "snowflake_proxy::proxy"
        ));
    }

    /// The events of [`emit_at_all_levels`] that get through `filter`.
    fn let_through<L>(filter: L) -> Vec<(String, tracing::Level)>
    where
        L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync,
    {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::{Context, SubscriberExt};
        struct Seen(Arc<Mutex<Vec<(String, tracing::Level)>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
            fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
                let meta = event.metadata();
                self.0
                    .lock()
                    .expect("lock")
                    .push((meta.target().to_owned(), *meta.level()));
            }
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry()
            .with(filter)
            .with(Seen(seen.clone()));
        tracing::subscriber::with_default(subscriber, emit_at_all_levels);
        let seen = seen.lock().expect("lock").clone();
        seen
    }

    /// One event per level for targets of our crates and the WebRTC ones.
    fn emit_at_all_levels() {
        macro_rules! at_all_levels {
            ($($target:literal),*) => {$(
                tracing::error!(target: $target, "e");
                tracing::warn!(target: $target, "w");
                tracing::info!(target: $target, "i");
                tracing::debug!(target: $target, "d");
                tracing::trace!(target: $target, "t");
            )*};
        }
        at_all_levels!(
            "snowflake_proxy",
            "snowflake_proxy::relay",
            "snowflake_rtc::webrtc17",
            "webrtc::data_channel",
            "webrtc_ice::agent",
            "dtls::conn",
            "info",
            "other"
        );
    }

    #[test]
    fn rust_log_is_read_as_env_filter_reads_it() {
        use tracing_subscriber::EnvFilter;
        // Directives the programs' operators and developers write, each
        // compared with tracing-subscriber's EnvFilter (a dev-dependency
        // here, no longer in the programs).
        let same = [
            "",
            ",",
            "info",
            "INFO",
            "Debug",
            "3",
            "0",
            "off",
            "trace",
            "warn,snowflake_proxy=debug",
            "warn,snowflake_proxy=info,snowflake_rtc=info",
            "snowflake_proxy",
            "snowflake_proxy=",
            "snowflake_proxy=debug,",
            "error,snowflake_proxy::relay=trace,snowflake_proxy=warn",
            "webrtc=off,debug",
            "webrtc_sctp=debug",
            "dtls=warn,webrtc=info,info=trace",
            "warn,info",
            "info,snowflake_proxy=debug,snowflake_proxy=error",
            "snowflake_proxy=5,webrtc=1",
        ];
        for directives in same {
            let ours = parse_filter(directives).expect(directives);
            let theirs = EnvFilter::try_new(directives).expect(directives);
            let lines = let_through(ours);
            assert_eq!(lines, let_through(theirs), "{directives:?}");
        }
        // Refused by both: the default filter is used instead.
        for bad in [
            "=info",
            "snowflake_proxy=loud",
            "a=b=c",
            " ",
            "info, ,debug",
            "snowflake_proxy=debug,?",
        ] {
            assert!(EnvFilter::try_new(bad).is_err(), "{bad:?}");
            assert!(parse_filter(bad).is_err(), "{bad:?}");
        }
        // Span and field directives need EnvFilter's regex engine: refused.
        for developers_only in ["[conn]=debug", "snowflake_proxy[{client}]=debug"] {
            assert!(EnvFilter::try_new(developers_only).is_ok());
            assert!(parse_filter(developers_only).is_err());
        }
        // Spaces around a directive, which EnvFilter refuses, are ignored.
        let spaced = let_through(parse_filter("warn, snowflake_proxy=debug ").expect("spaces"));
        assert_eq!(
            spaced,
            let_through(parse_filter("warn,snowflake_proxy=debug").expect("plain"))
        );
        assert!(spaced.contains(&("snowflake_proxy::relay".into(), tracing::Level::DEBUG)));
        assert!(!spaced.contains(&("webrtc::data_channel".into(), tracing::Level::INFO)));
    }

    #[test]
    fn make_writer_scrubs_unless_disabled() {
        use std::io::Write;
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().expect("lock").extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        for (enabled, expected) in [(true, "from [scrubbed]"), (false, "from 192.0.2.1")] {
            let sink = Shared::default();
            let make = ScrubbingMakeWriter::new(
                {
                    let sink = sink.clone();
                    move || sink.clone()
                },
                enabled,
            );
            make.make_writer()
                .write_all(b"from 192.0.2.1")
                .expect("write");
            assert_eq!(
                String::from_utf8_lossy(&sink.0.lock().expect("lock")),
                expected
            );
        }
    }
}
