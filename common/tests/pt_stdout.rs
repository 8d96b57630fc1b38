//! PT → tor stdout lines: every keyword, escaping, and the writer.

use std::sync::Arc;

use snowflake_common::pt::args::PtArgs;
use snowflake_common::pt::stdout::{cstring_quote, LogSeverity, PtLine, PtWriter};

fn line(l: PtLine) -> String {
    l.to_line()
}

#[test]
fn every_keyword() {
    let addr = "127.0.0.1:5555".parse().unwrap();
    assert_eq!(line(PtLine::Version), "VERSION 1\n");
    assert_eq!(line(PtLine::VersionError), "VERSION-ERROR no-version\n");
    assert_eq!(
        line(PtLine::EnvError("no TOR_PT_ORPORT".into())),
        "ENV-ERROR no TOR_PT_ORPORT\n"
    );
    assert_eq!(line(PtLine::ProxyDone), "PROXY DONE\n");
    assert_eq!(
        line(PtLine::ProxyError("proxy is not supported".into())),
        "PROXY-ERROR proxy is not supported\n"
    );
    assert_eq!(
        line(PtLine::Cmethod {
            name: "snowflake".into(),
            addr
        }),
        "CMETHOD snowflake socks5 127.0.0.1:5555\n"
    );
    assert_eq!(
        line(PtLine::CmethodError {
            name: "obfs4".into(),
            message: "no such method".into()
        }),
        "CMETHOD-ERROR obfs4 no such method\n"
    );
    assert_eq!(line(PtLine::CmethodsDone), "CMETHODS DONE\n");
    assert_eq!(
        line(PtLine::Smethod {
            name: "snowflake".into(),
            addr: "[::]:443".parse().unwrap(),
            args: None
        }),
        "SMETHOD snowflake [::]:443\n"
    );
    assert_eq!(
        line(PtLine::SmethodError {
            name: "snowflake".into(),
            message: "address in use".into()
        }),
        "SMETHOD-ERROR snowflake address in use\n"
    );
    assert_eq!(line(PtLine::SmethodsDone), "SMETHODS DONE\n");
    assert_eq!(
        line(PtLine::Status {
            transport: "snowflake".into(),
            pairs: vec![
                ("ADDRESS".into(), "198.51.100.7:443".into()),
                ("CONNECT".into(), "Success".into()),
                ("MSG".into(), "two words \"q\"".into()),
                ("EMPTY".into(), "".into()),
            ]
        }),
        "STATUS TRANSPORT=snowflake ADDRESS=198.51.100.7:443 CONNECT=Success \
         MSG=\"two words \\042q\\042\" EMPTY=\"\"\n"
    );
    assert_eq!(
        line(PtLine::StatusVersion {
            implementation: "snowflake-server".into(),
            version: "2.14.1 (abcdef12*)".into()
        }),
        "STATUS TYPE=version IMPLEMENTATION=\"snowflake-server\" VERSION=\"2.14.1 (abcdef12*)\"\n"
    );
    assert_eq!(
        line(PtLine::Log {
            severity: LogSeverity::Notice,
            message: "connected".into()
        }),
        "LOG SEVERITY=notice MESSAGE=\"connected\"\n"
    );
}

#[test]
fn log_severities() {
    for (sev, word) in [
        (LogSeverity::Error, "error"),
        (LogSeverity::Warning, "warning"),
        (LogSeverity::Notice, "notice"),
        (LogSeverity::Info, "info"),
        (LogSeverity::Debug, "debug"),
    ] {
        assert_eq!(
            line(PtLine::Log {
                severity: sev,
                message: "m".into()
            }),
            format!("LOG SEVERITY={word} MESSAGE=\"m\"\n")
        );
    }
}

/// Bytes 32, 33, 35–91, 93–126 literal; everything else octal.
#[test]
fn log_message_cstring_escaping() {
    let all: Vec<u8> = (0u8..128).collect();
    let quoted = cstring_quote(std::str::from_utf8(&all).unwrap());
    let mut expected = String::from("\"");
    for b in 0u8..128 {
        if b == 32 || b == 33 || (35..=91).contains(&b) || (93..=126).contains(&b) {
            expected.push(char::from(b));
        } else {
            expected.push_str(&format!("\\{b:03o}"));
        }
    }
    expected.push('"');
    assert_eq!(quoted, expected);
    assert_eq!(
        line(PtLine::Log {
            severity: LogSeverity::Warning,
            message: "say \"hi\"\\\nnext".into()
        }),
        "LOG SEVERITY=warning MESSAGE=\"say \\042hi\\042\\134\\012next\"\n"
    );
}

#[test]
fn smethod_args_escaping() {
    let args: PtArgs = [
        ("tls", "yes"),
        ("hostname", "a.example"),
        ("hostname", "b.example"),
        ("weird", r"x=y,z\w"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        line(PtLine::Smethod {
            name: "snowflake".into(),
            addr: "0.0.0.0:443".parse().unwrap(),
            args: Some(args)
        }),
        "SMETHOD snowflake 0.0.0.0:443 \
         ARGS:hostname=a.example,hostname=b.example,tls=yes,weird=x\\=y\\,z\\\\w\n"
    );
}

#[test]
fn free_text_and_tokens_stay_on_one_line() {
    assert_eq!(
        line(PtLine::EnvError("bad\nvalue\0é".into())),
        "ENV-ERROR bad?value??\n"
    );
    assert_eq!(
        line(PtLine::CmethodError {
            name: "a b\n".into(),
            message: "x\r\ny".into()
        }),
        "CMETHOD-ERROR a?b? x??y\n"
    );
}

/// A writer that records how lines arrive and how often it is flushed.
#[derive(Default)]
struct Recorder {
    data: Vec<u8>,
    flushes_at: Vec<usize>,
}

impl std::io::Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.flushes_at.push(self.data.len());
        Ok(())
    }
}

#[test]
fn writer_flushes_each_line() {
    let writer = PtWriter::new(Recorder::default());
    writer.emit(&PtLine::Version).unwrap();
    writer.log(LogSeverity::Info, "a\nb");
    writer.emit(&PtLine::CmethodsDone).unwrap();
    let rec = writer.into_inner();
    let text = String::from_utf8(rec.data).unwrap();
    assert_eq!(
        text,
        "VERSION 1\nLOG SEVERITY=info MESSAGE=\"a\\012b\"\nCMETHODS DONE\n"
    );
    // Flushed after each complete line.
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    assert_eq!(rec.flushes_at, ends);
}

#[test]
fn writer_lines_do_not_interleave_across_threads() {
    let writer = Arc::new(PtWriter::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let w = Arc::clone(&writer);
            std::thread::spawn(move || {
                for i in 0..50 {
                    w.log(LogSeverity::Debug, format!("thread {t} line {i}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let writer = Arc::try_unwrap(writer).ok().unwrap();
    let text = String::from_utf8(writer.into_inner()).unwrap();
    assert_eq!(text.lines().count(), 200);
    for l in text.lines() {
        assert!(
            l.starts_with("LOG SEVERITY=debug MESSAGE=\"thread ") && l.ends_with('"'),
            "{l}"
        );
    }
}
