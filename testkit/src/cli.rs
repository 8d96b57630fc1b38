//! Checks that a program's command line takes Go's flag spellings, shared
//! by the four programs' `tests/cli.rs`.

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};
use snowflake_common::cli;

/// Every boolean flag of `P` takes `-flag`, `--flag`, Go's attached
/// spellings (`-flag=true`, `--flag=0`, `-flag=False`, ...) and a separate
/// boolean spelling (`-flag false`); anything else after a boolean flag is
/// refused. `expected` names flags that must be among the booleans.
pub fn assert_go_boolean_flags<P: CommandFactory + FromArgMatches>(
    program: &str,
    expected: &[&str],
) {
    let mut command = cli::command::<P>();
    let names = cli::bool_flag_names(&command);
    for name in expected {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    for name in &names {
        let flag = format!("-{name}");
        let cases = [
            (vec![format!("-{name}")], true),
            (vec![format!("--{name}")], true),
            (vec![format!("-{name}=true")], true),
            (vec![format!("--{name}=1")], true),
            (vec![format!("-{name}=T")], true),
            (vec![format!("-{name}=false")], false),
            (vec![format!("--{name}=0")], false),
            (vec![format!("-{name}=False")], false),
            (vec![flag.clone(), "false".to_owned()], false),
            (vec![flag.clone(), "true".to_owned()], true),
            (vec![flag.clone(), "0".to_owned()], false),
        ];
        for (args, expected) in cases {
            let line = std::iter::once(program.to_owned()).chain(args.iter().cloned());
            let matches = cli::try_get_matches_from(&mut command, line)
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(
                matches.get_one::<bool>(&name.replace('-', "_")),
                Some(&expected),
                "{args:?}"
            );
        }
        assert!(
            cli::try_parse_from::<P, _, _>([program, flag.as_str(), "yes"]).is_err(),
            "{flag} yes"
        );
    }
}

/// `-version`/`--version` print the version and `-h`/`-help`/`--help` the
/// usage, as Go's programs do.
pub fn assert_version_and_help<P: CommandFactory + FromArgMatches>(program: &str) {
    for flag in ["-version", "--version"] {
        let error = cli::try_parse_from::<P, _, _>([program, flag])
            .err()
            .unwrap_or_else(|| panic!("{flag} parsed as a run"));
        assert_eq!(error.kind(), ErrorKind::DisplayVersion, "{flag}");
    }
    for flag in ["-h", "-help", "--help"] {
        let error = cli::try_parse_from::<P, _, _>([program, flag])
            .err()
            .unwrap_or_else(|| panic!("{flag} parsed as a run"));
        assert_eq!(error.kind(), ErrorKind::DisplayHelp, "{flag}");
    }
}
