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

/// Replaces every IP address (with or without port) in `text` by
/// [`SCRUBBED`]. Text without addresses is returned unchanged and
/// unallocated.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
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
            Some((start, len)) => {
                let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
                buf.push_str(text.get(copied..start).unwrap_or_default());
                buf.push_str(SCRUBBED);
                copied = start + len;
                pos = start + len;
            }
            None => pos = run_end.max(pos + 1),
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
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
        self.inner.write_all(scrub(&text).as_bytes())?;
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

/// Installs the global `tracing` subscriber every program uses: lines go
/// to `file` (appended) or to `fallback`, with IP addresses scrubbed
/// unless `unsafe_logging`. `default_filter` applies when `RUST_LOG` is not
/// set. Fails only if the log file cannot be opened.
pub fn init_logging(
    file: Option<&std::path::Path>,
    fallback: LogFallback,
    default_filter: &str,
    unsafe_logging: bool,
) -> Result<(), String> {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::EnvFilter;

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
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    // A second call (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(ScrubbingMakeWriter::new(writer, !unsafe_logging))
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
