//! Command-line compatibility with the Go programs.
//!
//! Go's `flag` package takes long flags with one dash (`-disable-tls`,
//! `-addr :8080`), and operators' torrc lines and service files use that
//! spelling. Our programs parse flags with clap, which wants two dashes, so
//! each `main` passes its arguments through [`go_style_args`] first: both
//! spellings then work.

use std::ffi::OsString;

/// Rewrites single-dash long flags (`-name`, `-name=value`) to the
/// double-dash form. Short flags (`-h`, `-v`), arguments that are not flags
/// (`-` alone, negative numbers), and everything after a bare `--` are left
/// as they are. The first element (the program name) is kept unchanged.
pub fn go_style_args<I>(args: I) -> Vec<OsString>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut out = Vec::new();
    let mut passthrough = false;
    for (i, arg) in args.into_iter().enumerate() {
        let arg: OsString = arg.into();
        if i == 0 || passthrough {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        match arg.to_str() {
            Some(s) if is_single_dash_long_flag(s) => out.push(format!("-{s}").into()),
            _ => out.push(arg),
        }
    }
    out
}

fn is_single_dash_long_flag(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else {
        return false;
    };
    if rest.starts_with('-') {
        return false;
    }
    let name = rest.split('=').next().unwrap_or_default();
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> Vec<String> {
        go_style_args(args.iter().copied())
            .into_iter()
            .map(|a| a.into_string().unwrap_or_default())
            .collect()
    }

    #[test]
    fn single_dash_long_flags_become_double_dash() {
        assert_eq!(
            rewrite(&[
                "prog",
                "-disable-tls",
                "-addr",
                ":8080",
                "-log=/tmp/x",
                "--url",
                "u"
            ]),
            [
                "prog",
                "--disable-tls",
                "--addr",
                ":8080",
                "--log=/tmp/x",
                "--url",
                "u"
            ]
        );
    }

    #[test]
    fn other_arguments_are_untouched() {
        assert_eq!(
            rewrite(&["-prog", "-h", "-", "-5", "-1.5", "value", "-x", "--", "-after"]),
            ["-prog", "-h", "-", "-5", "-1.5", "value", "-x", "--", "-after"]
        );
    }
}
