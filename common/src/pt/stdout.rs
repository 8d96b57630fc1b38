//! Lines a managed transport writes to tor on stdout (docs/protocol.md
//! §9.2): `Keyword SP args NL`.
//!
//! Every line is built from a [`PtLine`] value so that no caller can produce
//! a malformed line: free text is reduced to printable ASCII, single-token
//! fields lose their spaces, and `LOG`/`STATUS` values are C-quoted, so a
//! newline in a message can never end a line early.

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Mutex;

use super::args::{encode_smethod_args, PtArgs};

/// `LOG` severities tor understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSeverity {
    /// `error`
    Error,
    /// `warning`
    Warning,
    /// `notice`
    Notice,
    /// `info`
    Info,
    /// `debug`
    Debug,
}

impl LogSeverity {
    /// The keyword tor expects after `SEVERITY=`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogSeverity::Error => "error",
            LogSeverity::Warning => "warning",
            LogSeverity::Notice => "notice",
            LogSeverity::Info => "info",
            LogSeverity::Debug => "debug",
        }
    }
}

/// One line of the PT → tor stdout protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtLine {
    /// `VERSION 1`
    Version,
    /// `VERSION-ERROR no-version`: tor offered no version we speak.
    VersionError,
    /// `ENV-ERROR <message>`
    EnvError(String),
    /// `PROXY DONE`: the `TOR_PT_PROXY` proxy will be used.
    ProxyDone,
    /// `PROXY-ERROR <message>`
    ProxyError(String),
    /// `CMETHOD <name> socks5 <addr>`
    Cmethod {
        /// Transport name.
        name: String,
        /// The SOCKS listener's address.
        addr: SocketAddr,
    },
    /// `CMETHOD-ERROR <name> <message>`
    CmethodError {
        /// Transport name.
        name: String,
        /// Why the method is unavailable.
        message: String,
    },
    /// `CMETHODS DONE`
    CmethodsDone,
    /// `SMETHOD <name> <addr> [ARGS:k=v,…]`
    Smethod {
        /// Transport name.
        name: String,
        /// The listener's address.
        addr: SocketAddr,
        /// Arguments published in the bridge descriptor; `None` omits `ARGS:`.
        args: Option<PtArgs>,
    },
    /// `SMETHOD-ERROR <name> <message>`
    SmethodError {
        /// Transport name.
        name: String,
        /// Why the method is unavailable.
        message: String,
    },
    /// `SMETHODS DONE`
    SmethodsDone,
    /// `STATUS TRANSPORT=<name> <k>=<v> …`; values are C-quoted when they
    /// hold anything but plain printable characters.
    Status {
        /// Transport name.
        transport: String,
        /// Key–value pairs in output order.
        pairs: Vec<(String, String)>,
    },
    /// `STATUS TYPE=version IMPLEMENTATION="<impl>" VERSION="<ver>"`, the
    /// line goptlib's `ReportVersion` prints.
    StatusVersion {
        /// e.g. `snowflake-client`.
        implementation: String,
        /// e.g. `2.14.1`.
        version: String,
    },
    /// `LOG SEVERITY=<sev> MESSAGE="<CString>"`
    Log {
        /// Severity keyword.
        severity: LogSeverity,
        /// Free text; any bytes are allowed, they are C-quoted.
        message: String,
    },
}

/// Free text: everything outside printable ASCII (including NL and NUL, which
/// would break the line) becomes `?`.
fn text(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// A single space-free token: as [`text`], and spaces become `?` too.
fn token(s: &str) -> String {
    s.chars()
        .map(|c| if ('!'..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// Quotes `s` as a pt-spec CString: `"` … `"`, with bytes 32, 33, 35–91 and
/// 93–126 kept and every other byte (including `"` and `\`) written as a
/// three-digit octal escape `\ooo`.
pub fn cstring_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s.as_bytes() {
        match b {
            32 | 33 | 35..=91 | 93..=126 => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// A `STATUS` value: kept bare when it is non-empty and made only of bytes
/// that need no quoting (and no `"`, `\`, `=`, space), else C-quoted.
fn status_value(s: &str) -> String {
    let bare = !s.is_empty()
        && s.bytes()
            .all(|b| (33..=126).contains(&b) && b != b'"' && b != b'\\' && b != b'=');
    if bare {
        s.to_owned()
    } else {
        cstring_quote(s)
    }
}

impl fmt::Display for PtLine {
    /// The line without its trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PtLine::Version => f.write_str("VERSION 1"),
            PtLine::VersionError => f.write_str("VERSION-ERROR no-version"),
            PtLine::EnvError(msg) => write!(f, "ENV-ERROR {}", text(msg)),
            PtLine::ProxyDone => f.write_str("PROXY DONE"),
            PtLine::ProxyError(msg) => write!(f, "PROXY-ERROR {}", text(msg)),
            PtLine::Cmethod { name, addr } => write!(f, "CMETHOD {} socks5 {addr}", token(name)),
            PtLine::CmethodError { name, message } => {
                write!(f, "CMETHOD-ERROR {} {}", token(name), text(message))
            }
            PtLine::CmethodsDone => f.write_str("CMETHODS DONE"),
            PtLine::Smethod { name, addr, args } => {
                write!(f, "SMETHOD {} {addr}", token(name))?;
                if let Some(args) = args {
                    write!(f, " ARGS:{}", token(&encode_smethod_args(args)))?;
                }
                Ok(())
            }
            PtLine::SmethodError { name, message } => {
                write!(f, "SMETHOD-ERROR {} {}", token(name), text(message))
            }
            PtLine::SmethodsDone => f.write_str("SMETHODS DONE"),
            PtLine::Status { transport, pairs } => {
                write!(f, "STATUS TRANSPORT={}", token(transport))?;
                for (k, v) in pairs {
                    write!(f, " {}={}", token(k), status_value(v))?;
                }
                Ok(())
            }
            PtLine::StatusVersion {
                implementation,
                version,
            } => write!(
                f,
                "STATUS TYPE=version IMPLEMENTATION={} VERSION={}",
                cstring_quote(implementation),
                cstring_quote(version)
            ),
            PtLine::Log { severity, message } => write!(
                f,
                "LOG SEVERITY={} MESSAGE={}",
                severity.as_str(),
                cstring_quote(message)
            ),
        }
    }
}

impl PtLine {
    /// The complete line, newline included, ready to write.
    pub fn to_line(&self) -> String {
        format!("{self}\n")
    }
}

/// Writes [`PtLine`]s to tor, one `write` + `flush` per line, so that tor
/// sees each line as soon as it is produced. Shareable between tasks: a
/// mutex keeps lines from interleaving.
pub struct PtWriter<W: Write> {
    out: Mutex<W>,
}

impl PtWriter<io::Stdout> {
    /// A writer on the process's stdout.
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }
}

impl<W: Write> PtWriter<W> {
    /// Wraps any writer (tests use a `Vec<u8>`).
    pub fn new(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// Writes one line and flushes.
    pub fn emit(&self, line: &PtLine) -> io::Result<()> {
        let bytes = line.to_line();
        let mut out = self
            .out
            .lock()
            .map_err(|_| io::Error::other("PT stdout writer lock poisoned"))?;
        out.write_all(bytes.as_bytes())?;
        out.flush()
    }

    /// Shorthand for a `LOG` line; a failure to write is only traced, since
    /// there is nowhere else to report it.
    pub fn log(&self, severity: LogSeverity, message: impl Into<String>) {
        let line = PtLine::Log {
            severity,
            message: message.into(),
        };
        if let Err(e) = self.emit(&line) {
            tracing::warn!("could not write LOG line to tor: {e}");
        }
    }

    /// Gives back the wrapped writer.
    pub fn into_inner(self) -> W {
        match self.out.into_inner() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cstring_quoting() {
        assert_eq!(cstring_quote("a b!"), "\"a b!\"");
        assert_eq!(cstring_quote("\"\\\n\t\0"), r#""\042\134\012\011\000""#);
        assert_eq!(cstring_quote("é"), r#""\303\251""#);
        assert_eq!(cstring_quote("~\x7f"), r#""~\177""#);
    }

    #[test]
    fn newline_never_breaks_a_line() {
        let lines = [
            PtLine::EnvError("a\nb".into()),
            PtLine::ProxyError("a\r\nb".into()),
            PtLine::CmethodError {
                name: "x\ny".into(),
                message: "m\n".into(),
            },
            PtLine::Log {
                severity: LogSeverity::Notice,
                message: "1\n2".into(),
            },
            PtLine::Status {
                transport: "t".into(),
                pairs: vec![("k".into(), "v\nw".into())],
            },
        ];
        for line in lines {
            let s = line.to_line();
            assert_eq!(s.matches('\n').count(), 1, "{s:?}");
            assert!(s.ends_with('\n'));
            assert!(s.is_ascii());
        }
    }
}
