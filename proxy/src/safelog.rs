//! Keeping clients' addresses out of the volunteer's logs unless
//! `-unsafe-logging` is given (protocol reference §6.6).
//!
//! Two layers: the proxy's own log lines pass addresses through
//! [`Redacted`], and the binary's log writer ([`ScrubbingMakeWriter`])
//! replaces anything that parses as an IP address in every line, so
//! addresses logged by the WebRTC stack are caught too.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};

/// What a scrubbed address is replaced with.
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

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_address_char(c: char) -> bool {
    c.is_ascii_hexdigit() || c == ':' || c == '.'
}

/// Whether `run` (a maximal run of hex digits, `:` and `.`) is an IP
/// address, or an IPv4 address with a port. Returns the length of the
/// address part to scrub.
fn address_len(run: &str) -> Option<usize> {
    let trimmed = run.trim_end_matches(['.', ':']);
    if trimmed.parse::<IpAddr>().is_ok() {
        // "::" alone (Rust paths, "a :: b") is not worth scrubbing.
        return trimmed
            .bytes()
            .any(|b| b.is_ascii_hexdigit())
            .then_some(trimmed.len());
    }
    if let Ok(SocketAddr::V4(addr)) = trimmed.parse::<SocketAddr>() {
        return Some(addr.ip().to_string().len());
    }
    None
}

/// Replaces every IPv4 or IPv6 address in `text` with [`SCRUBBED`]
/// (ports are kept). Borrowed when nothing was found.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        let at_boundary = !prev.is_some_and(is_word);
        prev = Some(c);
        if !at_boundary || !is_address_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, next)) = iter.peek() {
            if !is_address_char(next) {
                break;
            }
            end = i + next.len_utf8();
            prev = Some(next);
            iter.next();
        }
        let followed_by_word = text
            .get(end..)
            .and_then(|r| r.chars().next())
            .is_some_and(is_word);
        let Some(run) = text.get(start..end) else {
            continue;
        };
        if followed_by_word {
            continue;
        }
        if let Some(len) = address_len(run) {
            let buffer = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buffer.push_str(text.get(copied..start).unwrap_or_default());
            buffer.push_str(SCRUBBED);
            copied = start + len;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buffer) => {
            buffer.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(buffer)
        }
    }
}

/// A writer that scrubs addresses from what passes through it (one log
/// line per `write` call, which is how `tracing-subscriber` writes).
#[derive(Debug)]
pub struct ScrubbingWriter<W> {
    inner: W,
    enabled: bool,
}

impl<W: io::Write> io::Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.enabled {
            return self.inner.write(buf);
        }
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A `tracing-subscriber` writer factory that scrubs when `enabled`.
#[derive(Debug, Clone)]
pub struct ScrubbingMakeWriter<M> {
    inner: M,
    enabled: bool,
}

impl<M> ScrubbingMakeWriter<M> {
    /// Wraps `inner`; scrubs when `enabled` (i.e. without `-unsafe-logging`).
    pub fn new(inner: M, enabled: bool) -> Self {
        ScrubbingMakeWriter { inner, enabled }
    }
}

impl<'a, M> tracing_subscriber::fmt::MakeWriter<'a> for ScrubbingMakeWriter<M>
where
    M: tracing_subscriber::fmt::MakeWriter<'a>,
{
    type Writer = ScrubbingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter {
            inner: self.inner.make_writer(),
            enabled: self.enabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_scrubbed() {
        let cases = [
            ("client 1.2.3.4 connected", "client [scrubbed] connected"),
            ("from 1.2.3.4:5678.", "from [scrubbed]:5678."),
            (
                "relay ws://127.0.0.1:9/?client_ip=10.0.0.7 ok",
                "relay ws://[scrubbed]:9/?client_ip=[scrubbed] ok",
            ),
            (
                "v6 [2001:db8::1]:443 and fe80::1%eth0",
                "v6 [[scrubbed]]:443 and [scrubbed]%eth0",
            ),
            (
                "snowflake_proxy::relay: done",
                "snowflake_proxy::relay: done",
            ),
            ("at 12:34:56.789 took 1.5s", "at 12:34:56.789 took 1.5s"),
            ("version 2.5.1, id deadbeef", "version 2.5.1, id deadbeef"),
            ("abc1.2.3.4", "abc1.2.3.4"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input), want, "{input}");
        }
    }

    #[test]
    fn redacted_shows_only_when_unsafe() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(Redacted::new(ip, false).to_string(), SCRUBBED);
        assert_eq!(Redacted::new(ip, true).to_string(), "192.0.2.1");
    }

    #[test]
    fn writer_scrubs_when_enabled() {
        use std::io::Write;
        let mut w = ScrubbingWriter {
            inner: Vec::new(),
            enabled: true,
        };
        w.write_all(b"peer 198.51.100.9 gone\n").unwrap();
        assert_eq!(w.inner, b"peer [scrubbed] gone\n");
        let mut w = ScrubbingWriter {
            inner: Vec::new(),
            enabled: false,
        };
        w.write_all(b"peer 198.51.100.9 gone\n").unwrap();
        assert_eq!(w.inner, b"peer 198.51.100.9 gone\n");
    }
}
