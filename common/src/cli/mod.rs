//! The command line of the four programs, read as Go's `flag` package
//! reads the upstream ones, so that a torrc line or service file written
//! for upstream works unchanged.
//!
//! * [`go_flags`]: the syntax. `-flag` and `--flag`, `-flag=value` and
//!   `-flag value`; boolean flags as `-flag`, `-flag=true`, `-flag=false`
//!   (and `1`, `0`, `t`, `f`, `T`, `F`, `TRUE`, `FALSE`, `True`, `False`),
//!   also as `-flag false` (which Go misreads; see [`go_flags`]); a
//!   repeated flag keeps its last value.
//! * [`boolean`]: the boolean spellings.
//! * [`duration`]: Go's durations (`1.5s`, `300ms`, `1h2m`).
//! * [`listen_addr`]: Go's listen addresses (`:8080`, `[::1]:8080`).
//!
//! Each program declares its flags with clap's derive in its own
//! `cli.rs` and parses them with [`try_parse_from`]. Adding a flag there:
//!
//! * a boolean is a plain `bool` field with `#[arg(long)]`: it gets Go's
//!   syntax and spellings by itself;
//! * a duration takes `value_parser = parse_go_duration` and a Go default
//!   (`default_value = "10s"`);
//! * a listen address takes `value_parser = parse_listen_addr`;
//! * other values use clap's parsers, with Go's flag name as the long name
//!   (`-allowed-relay-pattern` is `allowed_relay_pattern`).

pub mod boolean;
pub mod duration;
pub mod go_flags;
pub mod listen_addr;

use std::ffi::OsString;

use clap::{ArgMatches, Command, CommandFactory, FromArgMatches};

pub use boolean::{parse_go_bool, BoolError};
pub use duration::{parse_duration_or_seconds, parse_go_duration, DurationError};
pub use go_flags::{go_style_args, go_style_command};
pub use listen_addr::{parse_listen_addr, resolve_listen_host, ListenAddrError};

/// The clap command for `P`, with Go's rules ([`go_style_command`]).
pub fn command<P: CommandFactory>() -> Command {
    go_style_command(P::command())
}

/// Parses a Go-style command line (program name first) into `P`.
/// On error, `error.exit()` prints the message and exits with status 2
/// (0 for `-h`), as Go's programs do.
pub fn try_parse_from<P, I, T>(args: I) -> Result<P, clap::Error>
where
    P: CommandFactory + FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut command = command::<P>();
    let mut matches = try_get_matches_from(&mut command, args)?;
    P::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut command))
}

/// `Args::parse_go_style(args)` for every program's flag struct: the same
/// as [`try_parse_from`], callable on the type.
pub trait GoFlags: CommandFactory + FromArgMatches + Sized {
    /// Parses `args` (program name first) as Go's `flag` package would.
    fn parse_go_style<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        try_parse_from(args)
    }
}

impl<P: CommandFactory + FromArgMatches> GoFlags for P {}

/// Parses a Go-style command line against `command` (made by
/// [`go_style_command`]), for callers that look at the matches themselves.
pub fn try_get_matches_from<I, T>(command: &mut Command, args: I) -> Result<ArgMatches, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args = go_style_args(command, args)?;
    command.try_get_matches_from_mut(args)
}

/// The long names of `command`'s boolean flags, for tests that try every
/// spelling on every one of them.
pub fn bool_flag_names(command: &Command) -> Vec<String> {
    command
        .get_arguments()
        .filter(|arg| go_flags::is_go_bool_flag(arg))
        .filter_map(|arg| arg.get_long().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use clap::error::ErrorKind;
    use clap::Parser;

    use super::*;

    /// A program with one flag of each kind.
    #[derive(Debug, Parser, PartialEq)]
    #[command(name = "example", disable_version_flag = true)]
    struct Args {
        #[arg(long)]
        unsafe_logging: bool,
        #[arg(long)]
        verbose: bool,
        #[arg(long, default_value = "")]
        url: String,
        #[arg(long)]
        log: Option<String>,
        #[arg(long, default_value_t = 1)]
        capacity: i64,
        #[arg(long, default_value = "10s", value_parser = parse_go_duration)]
        timeout: Duration,
        #[arg(long, default_value = ":443", value_parser = parse_listen_addr)]
        addr: SocketAddr,
        #[arg(long, visible_alias = "other-name")]
        aliased: Option<String>,
    }

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        try_parse_from(std::iter::once("example").chain(args.iter().copied()))
    }

    fn ok(args: &[&str]) -> Args {
        parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn defaults() -> Args {
        Args {
            unsafe_logging: false,
            verbose: false,
            url: String::new(),
            log: None,
            capacity: 1,
            timeout: Duration::from_secs(10),
            addr: "[::]:443".parse().unwrap(),
            aliased: None,
        }
    }

    #[test]
    fn no_flags_give_the_defaults() {
        assert_eq!(ok(&[]), defaults());
    }

    #[test]
    fn value_flags_in_every_spelling() {
        for args in [
            ["-url", "https://b/"].as_slice(),
            &["--url", "https://b/"],
            &["-url=https://b/"],
            &["--url=https://b/"],
        ] {
            assert_eq!(ok(args).url, "https://b/", "{args:?}");
        }
    }

    #[test]
    fn a_separate_value_is_taken_whatever_it_looks_like() {
        assert_eq!(ok(&["-capacity", "-1"]).capacity, -1);
        assert_eq!(ok(&["-log", "-verbose"]).log.as_deref(), Some("-verbose"));
        assert_eq!(ok(&["-log", "--"]).log.as_deref(), Some("--"));
        assert_eq!(ok(&["-url", ""]).url, "");
        assert_eq!(ok(&["-url="]).url, "");
        assert_eq!(ok(&["-url", "a=b"]).url, "a=b");
        assert_eq!(ok(&["-url=a=b"]).url, "a=b");
    }

    #[test]
    fn boolean_flags_alone_are_true() {
        assert!(ok(&["-unsafe-logging"]).unsafe_logging);
        assert!(ok(&["--unsafe-logging"]).unsafe_logging);
        let both = ok(&["-unsafe-logging", "--verbose"]);
        assert!(both.unsafe_logging && both.verbose);
    }

    #[test]
    fn boolean_flags_take_go_s_spellings_attached() {
        for dash in ["-", "--"] {
            for value in ["1", "t", "T", "TRUE", "true", "True"] {
                let arg = format!("{dash}unsafe-logging={value}");
                assert!(ok(&[&arg]).unsafe_logging, "{arg}");
            }
            for value in ["0", "f", "F", "FALSE", "false", "False"] {
                let arg = format!("{dash}unsafe-logging={value}");
                assert!(!ok(&[&arg]).unsafe_logging, "{arg}");
            }
        }
        for bad in ["-verbose=yes", "-verbose=", "-verbose=tRuE", "-verbose=2"] {
            let error = parse(&[bad]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
        }
    }

    #[test]
    fn a_boolean_flag_takes_a_separate_boolean_spelling_and_nothing_else() {
        assert!(!ok(&["-unsafe-logging", "false"]).unsafe_logging);
        assert!(ok(&["--unsafe-logging", "true"]).unsafe_logging);
        assert!(!ok(&["-unsafe-logging", "0", "-verbose"]).unsafe_logging);
        let error = parse(&["-unsafe-logging", "yes"]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnknownArgument);
        let message = error.to_string();
        assert!(
            message.contains("\"yes\"") && message.contains("-unsafe-logging=true"),
            "{message}"
        );
        // The flag after it is still a flag.
        let args = ok(&["-verbose", "-url", "u"]);
        assert!(args.verbose);
        assert_eq!(args.url, "u");
    }

    #[test]
    fn non_flag_arguments_are_refused() {
        for args in [["value"].as_slice(), &["-url", "u", "extra"], &["-"]] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::UnknownArgument, "{args:?}");
        }
        assert!(parse(&["--", "after"]).is_err());
    }

    #[test]
    fn unknown_flags_and_bad_syntax_are_refused() {
        for args in [
            ["-no-such-flag"].as_slice(),
            &["--no-such-flag=1"],
            &["-x"],
            &["---url", "u"],
            &["-=u"],
            &["-url"],
        ] {
            assert!(parse(args).is_err(), "{args:?}");
        }
        let error = parse(&["-no-such-flag", "value"]).unwrap_err();
        assert!(error.to_string().contains("no-such-flag"), "{error}");
    }

    #[test]
    fn a_repeated_flag_keeps_its_last_value() {
        assert_eq!(ok(&["-capacity", "2", "-capacity=3"]).capacity, 3);
        assert!(!ok(&["-verbose", "-verbose=false"]).verbose);
    }

    #[test]
    fn aliases_are_flags_too() {
        assert_eq!(ok(&["-other-name", "v"]).aliased.as_deref(), Some("v"));
    }

    #[test]
    fn durations_and_listen_addresses() {
        assert_eq!(
            ok(&["-timeout", "1.5s"]).timeout,
            Duration::from_millis(1500)
        );
        assert_eq!(ok(&["-timeout=1h2m"]).timeout, Duration::from_secs(3720));
        assert_eq!(ok(&["--timeout", "0"]).timeout, Duration::ZERO);
        for bad in ["-1s", "5", "soon"] {
            let error = parse(&["-timeout", bad]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
        }
        assert_eq!(
            ok(&["-addr", "127.0.0.1:8080"]).addr,
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(ok(&["-addr=[::1]:80"]).addr, "[::1]:80".parse().unwrap());
        assert_eq!(ok(&["-addr", ":80"]).addr, "[::]:80".parse().unwrap());
        assert!(parse(&["-addr", "80"]).is_err());
    }

    #[test]
    fn help_in_every_spelling() {
        for flag in ["-h", "--h", "-help", "--help"] {
            let error = parse(&[flag, "-no-such-flag"]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::DisplayHelp, "{flag}");
            assert_eq!(error.exit_code(), 0);
            assert!(error.to_string().contains("--unsafe-logging"), "{error}");
        }
    }

    #[test]
    fn errors_exit_with_status_2() {
        assert_eq!(parse(&["-nope"]).unwrap_err().exit_code(), 2);
        assert_eq!(parse(&["true"]).unwrap_err().exit_code(), 2);
        assert_eq!(parse(&["-timeout", "x"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn bool_flags_are_listed() {
        assert_eq!(
            bool_flag_names(&command::<Args>()),
            ["unsafe-logging", "verbose"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_arguments_reach_clap() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'-', b'-', 0xff]);
        let args = vec![OsString::from("example"), bad];
        assert!(try_parse_from::<Args, _, _>(args).is_err());
    }
}
