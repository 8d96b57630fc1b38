//! Go's `flag` syntax, read in front of clap.
//!
//! Go's `flag` package, which the upstream programs use, reads a command
//! line this way:
//!
//! * a flag is `-name` or `--name` (one or two dashes mean the same), with
//!   its value either attached (`-name=value`) or, for a flag that is not a
//!   boolean, in the next argument (`-name value`, taken whatever it looks
//!   like, even `-1` or an empty string);
//! * a boolean flag takes its value only when attached: `-name` is true,
//!   `-name=false` is false, and in `-name false` the `false` is not the
//!   flag's value but the first non-flag argument;
//! * the first non-flag argument, or `--`, ends the flags; `-h` and
//!   `-help` ask for the usage text;
//! * a flag given twice takes its last value.
//!
//! [`go_style_command`] adapts a clap command to these rules (boolean
//! flags take an optional `=value` in Go's spellings; repeated flags
//! override), and [`go_style_args`] rewrites a Go command line into the
//! unambiguous `--name=value` form for it.
//!
//! None of our programs takes non-flag arguments, which lets us be kinder
//! than Go where Go would silently go wrong: a boolean flag followed by one
//! of the boolean spellings (`-name false`) takes it as its value (Go
//! would stop reading flags there and ignore every flag after it), and any
//! other non-flag argument refuses the command line, saying why.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, Command};

use super::boolean::parse_go_bool;

/// One command-line argument, as Go's `flag` package classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoArg<'a> {
    /// Not a flag (`value`, `-`, the empty string): where Go stops.
    NotAFlag,
    /// `--`: the end of the flags.
    EndOfFlags,
    /// Starts with a dash but is not a flag (`---x`, `-=x`).
    BadSyntax,
    /// `-name`, `--name`, `-name=value` or `--name=value`.
    Flag {
        /// The flag's name, without dashes.
        name: &'a str,
        /// The value after `=`, if any.
        value: Option<&'a str>,
    },
}

impl<'a> GoArg<'a> {
    /// Classifies `text`.
    pub fn classify(text: &'a str) -> Self {
        let Some(after_dash) = text.strip_prefix('-').filter(|rest| !rest.is_empty()) else {
            return GoArg::NotAFlag;
        };
        let name_and_value = match after_dash.strip_prefix('-') {
            Some("") => return GoArg::EndOfFlags,
            Some(rest) => rest,
            None => after_dash,
        };
        if name_and_value.starts_with(['-', '=']) {
            return GoArg::BadSyntax;
        }
        match name_and_value.split_once('=') {
            Some((name, value)) => GoArg::Flag {
                name,
                value: Some(value),
            },
            None => GoArg::Flag {
                name: name_and_value,
                value: None,
            },
        }
    }
}

/// `command` with Go's rules for boolean and repeated flags: every flag
/// declared as a plain `bool` (clap's `SetTrue`) becomes a flag that is
/// true when given alone and takes Go's spellings after `=`. Built, so
/// that its help and version flags are listed.
pub fn go_style_command(command: Command) -> Command {
    let mut command = command.args_override_self(true).mut_args(|arg| {
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            go_bool_flag(arg)
        } else {
            arg
        }
    });
    command.build();
    command
}

/// A boolean flag as Go has it: `--name` is true, `--name=VALUE` takes
/// [`parse_go_bool`]'s spellings, and a separate argument is never its
/// value.
pub fn go_bool_flag(arg: Arg) -> Arg {
    let arg = arg
        .action(ArgAction::Set)
        .num_args(0..=1)
        .require_equals(true)
        .default_missing_value("true")
        .value_parser(parse_go_bool)
        .value_name("BOOL")
        .hide_default_value(true);
    if arg.get_default_values().is_empty() {
        arg.default_value("false")
    } else {
        arg
    }
}

/// Whether `arg` is a boolean flag made by [`go_bool_flag`] (or declared
/// the same way): its value, if any, is attached with `=`.
pub fn is_go_bool_flag(arg: &Arg) -> bool {
    arg.is_require_equals_set() && arg.get_num_args().is_some_and(|n| n.min_values() == 0)
}

/// Rewrites a Go command line (program name first) for `command`, made by
/// [`go_style_command`]: each flag becomes `--name` or `--name=value`, so
/// that clap reads it as Go would. An argument that Go would take as the
/// first non-flag argument is an error here; an unknown flag is passed on
/// for clap to report (with its suggestions).
pub fn go_style_args<I, T>(command: &mut Command, args: I) -> Result<Vec<OsString>, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args = args.into_iter().map(Into::into).peekable();
    let mut out: Vec<OsString> = args.next().into_iter().collect();
    // The boolean flag just read, for the hint when `-flag false` is met.
    let mut previous_bool: Option<String> = None;
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            // Not UTF-8, so not one of our flags: clap says what it is.
            out.push(arg);
            out.extend(args);
            break;
        };
        let (name, value) = match GoArg::classify(text) {
            GoArg::Flag { name, value } => (name, value),
            GoArg::EndOfFlags | GoArg::BadSyntax => {
                out.push(arg);
                out.extend(args);
                break;
            }
            GoArg::NotAFlag => {
                return Err(not_a_flag_error(command, text, previous_bool.as_deref()));
            }
        };
        previous_bool = None;
        let Some(flag) = find_flag(command, name) else {
            if name == "h" {
                out.push("--help".into());
            } else if name.chars().count() == 1 {
                // Possibly one of clap's short flags (`-V`).
                out.push(arg);
            } else {
                out.push(format!("--{}", text.trim_start_matches('-')).into());
            }
            out.extend(args);
            break;
        };
        let long = flag.long;
        match (flag.kind, value) {
            (_, Some(value)) => out.push(attached(&long, value.as_ref())),
            (FlagKind::Value, None) => match args.next() {
                Some(next) => out.push(attached(&long, &next)),
                // clap says that the value is missing.
                None => out.push(format!("--{long}").into()),
            },
            (FlagKind::Bool, None) => {
                let next_is_bool = args
                    .peek()
                    .and_then(|next| next.to_str())
                    .is_some_and(|next| parse_go_bool(next).is_ok());
                match args.next_if(|_| next_is_bool) {
                    Some(value) => out.push(attached(&long, &value)),
                    None => {
                        previous_bool = Some(name.to_owned());
                        out.push(format!("--{long}").into());
                    }
                }
            }
            (FlagKind::NoValue, None) => out.push(format!("--{long}").into()),
        }
    }
    Ok(out)
}

/// How a flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    /// Never (help, version).
    NoValue,
    /// Only attached, Go's boolean flags.
    Bool,
    /// Attached or in the next argument.
    Value,
}

struct Flag {
    long: String,
    kind: FlagKind,
}

fn find_flag(command: &Command, name: &str) -> Option<Flag> {
    let arg = command.get_arguments().find(|arg| {
        arg.get_long() == Some(name)
            || arg
                .get_long_and_visible_aliases()
                .is_some_and(|names| names.contains(&name))
    })?;
    let kind = if !arg.get_action().takes_values() {
        FlagKind::NoValue
    } else if is_go_bool_flag(arg) {
        FlagKind::Bool
    } else {
        FlagKind::Value
    };
    Some(Flag {
        long: arg.get_long().unwrap_or(name).to_owned(),
        kind,
    })
}

/// `--long=value`, for any value (even one that starts with a dash).
fn attached(long: &str, value: &std::ffi::OsStr) -> OsString {
    let mut joined = OsString::from(format!("--{long}="));
    joined.push(value);
    joined
}

fn not_a_flag_error(command: &mut Command, text: &str, previous_bool: Option<&str>) -> clap::Error {
    let message = match previous_bool {
        Some(flag) => format!(
            "unexpected argument {text:?} after -{flag}: a boolean flag takes true or \
             false (or 1, 0, t, f, ...), as -{flag}=true or -{flag} false"
        ),
        None => format!("unexpected argument {text:?}: this program takes only flags"),
    };
    command.error(ErrorKind::UnknownArgument, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_like_go() {
        use GoArg::*;
        let flag = |name, value| Flag { name, value };
        assert_eq!(GoArg::classify("-a"), flag("a", None));
        assert_eq!(GoArg::classify("--addr"), flag("addr", None));
        assert_eq!(GoArg::classify("-addr=:80"), flag("addr", Some(":80")));
        assert_eq!(GoArg::classify("--addr=a=b"), flag("addr", Some("a=b")));
        assert_eq!(GoArg::classify("-addr="), flag("addr", Some("")));
        assert_eq!(GoArg::classify("-5"), flag("5", None));
        assert_eq!(GoArg::classify("--"), EndOfFlags);
        for text in ["", "-", "value", "true", "a-b"] {
            assert_eq!(GoArg::classify(text), NotAFlag, "{text:?}");
        }
        for text in ["---x", "-=x", "--=x", "---"] {
            assert_eq!(GoArg::classify(text), BadSyntax, "{text:?}");
        }
    }
}
