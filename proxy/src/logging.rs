//! The proxy's logging, as upstream's: everything to `-log` or, without
//! it, to stderr; with `-log`, the operator's lines (start, NAT type,
//! summaries, totals) go to stderr as well. Timestamps are UTC unless
//! `-log-local-time`. Scrubbed unless `-unsafe-logging`.

use crate::cli::Settings;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The beginnings of the lines upstream writes to stderr even with `-log`
/// (its event log): the start, the NAT type, the periodic summary and our
/// totals at exit.
const OPERATOR_LINES: &[&str] = &[
    "Proxy starting",
    "NAT type: ",
    "In the last ",
    "Stopped after ",
];

/// Lets through only the proxy's own info lines that start like one of
/// [`OPERATOR_LINES`].
struct OperatorLines;

impl<S> Filter<S> for OperatorLines {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        meta.is_event()
            && *meta.level() == Level::INFO
            && meta.target().starts_with("snowflake_proxy")
    }

    fn event_enabled(&self, event: &Event<'_>, _: &Context<'_, S>) -> bool {
        let mut message = MessageStart(false);
        event.record(&mut message);
        message.0
    }
}

/// Whether the event's message starts like an operator line.
struct MessageStart(bool);

impl Visit for MessageStart {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = OPERATOR_LINES.iter().any(|start| value.starts_with(start));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

/// RFC 3339 timestamps with microseconds, in UTC (`…Z`, as the default
/// formatter writes them) or, with `-log-local-time`, in local time with
/// its offset (`…+02:00`).
#[derive(Debug, Clone, Copy)]
struct LogTime {
    local: bool,
}

impl FormatTime for LogTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let micros = now.subsec_micros();
        let civil = if self.local {
            local_clock::civil(secs)
        } else {
            None
        };
        match civil {
            Some(t) => {
                let sign = if t.offset < 0 { '-' } else { '+' };
                let offset = t.offset.unsigned_abs() / 60;
                write!(
                    w,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{micros:06}{sign}{:02}:{:02}",
                    t.year,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    offset / 60,
                    offset % 60
                )
            }
            None => {
                let t = utc_civil(secs);
                write!(
                    w,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{micros:06}Z",
                    t.year, t.month, t.day, t.hour, t.minute, t.second
                )
            }
        }
    }
}

/// A broken-down time and its offset from UTC in seconds.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    offset: i64,
}

/// UTC from seconds since the epoch.
fn utc_civil(secs: i64) -> Civil {
    let t = snowflake_common::civil_time::CivilTime::from_unix(secs);
    Civil {
        year: t.year,
        month: t.month,
        day: t.day,
        hour: t.hour,
        minute: t.minute,
        second: t.second,
        offset: 0,
    }
}

/// The C library's idea of local time (`TZ`, `/etc/localtime`).
#[cfg(target_os = "linux")]
mod local_clock {
    /// Local time at `secs` since the epoch; `None` if the C library
    /// cannot tell.
    pub(super) fn civil(secs: i64) -> Option<super::Civil> {
        // `time_t` is 64 bits on every Linux target we build for.
        #[allow(clippy::useless_conversion)]
        let time: libc::time_t = secs.try_into().ok()?;
        // SAFETY: `tm` is plain data, all zeros is a valid value.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the call; localtime_r is
        // thread-safe and writes only into `tm`.
        let result = unsafe { libc::localtime_r(&time, &mut tm) };
        if result.is_null() {
            return None;
        }
        Some(super::Civil {
            year: i64::from(tm.tm_year) + 1900,
            month: u32::try_from(tm.tm_mon + 1).ok()?,
            day: u32::try_from(tm.tm_mday).ok()?,
            hour: u32::try_from(tm.tm_hour).ok()?,
            minute: u32::try_from(tm.tm_min).ok()?,
            second: u32::try_from(tm.tm_sec).ok()?,
            offset: tm.tm_gmtoff,
        })
    }
}

/// Elsewhere local time is not known: UTC is used, and said at start.
#[cfg(not(target_os = "linux"))]
mod local_clock {
    pub(super) fn civil(_secs: i64) -> Option<super::Civil> {
        None
    }
}

/// Sets up the global subscriber for `settings`.
pub fn init_logging(settings: &Settings) -> Result<(), String> {
    use snowflake_common::safelog::{self, ScrubbingMakeWriter};
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    // Third-party crates log at warn and above; the WebRTC crates' own
    // warnings (several per client served) only with -verbose or RUST_LOG.
    let filter = if settings.verbose {
        format!(
            "warn,snowflake_proxy=debug,snowflake_rtc=debug,{}",
            safelog::webrtc_directives("warn")
        )
    } else {
        "warn,snowflake_proxy=info,snowflake_rtc=info".to_owned()
    };
    let filter = safelog::env_filter(std::env::var("RUST_LOG").ok().as_deref(), &filter);
    let scrub = !settings.config.unsafe_logging;
    let timer = LogTime {
        local: settings.log_local_time,
    };
    let main_writer = match &settings.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            BoxMakeWriter::new(std::sync::Mutex::new(file))
        }
        None => BoxMakeWriter::new(std::io::stderr),
    };
    let main_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_timer(timer)
        .with_writer(ScrubbingMakeWriter::new(main_writer, scrub))
        .with_filter(filter);
    let operator_layer = settings.log_file.is_some().then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_timer(timer)
            .with_writer(ScrubbingMakeWriter::new(std::io::stderr, scrub))
            .with_filter(OperatorLines)
    });
    tracing_subscriber::registry()
        .with(main_layer)
        .with(operator_layer)
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))?;
    // The operator's own addresses are not scrubbed from the log (a
    // broker or relay given by address, the metrics listener).
    let config = &settings.config;
    for text in [&config.broker_url, &config.default_relay_url]
        .into_iter()
        .chain(&config.nat_probe_url)
        .chain(&config.stun_urls)
    {
        safelog::keep_operator_addresses_in(text);
        // Errors name the host without the URL's port.
        if let Some(host) = url::Url::parse(text)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            safelog::keep_operator_addresses_in(&host);
        }
    }
    if let Some(addr) = config.metrics_addr {
        safelog::keep_operator_addresses_in(&addr.to_string());
    }
    Ok(())
}

/// Whether local time is known here (for `-log-local-time`).
pub fn local_time_known() -> bool {
    local_clock::civil(0).is_some()
}
