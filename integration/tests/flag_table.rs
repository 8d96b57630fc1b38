//! Upstream Snowflake's flags against ours: the README's "Flags compared
//! with upstream" table, generated here.
//!
//! `tests/data/upstream_flags.tsv` lists every flag of upstream's four Go
//! programs and the server's `ServerTransportOptions` keys, with their kind
//! and default. For each one this test reads our program's own flag
//! definitions (its clap command) and runs the command line the way the
//! binary does (`parse_go_style`, then the settings the binary builds from
//! it), in every spelling Go's `flag` package takes: `-flag value`,
//! `-flag=value` and `--flag=value`, and for booleans `-flag`,
//! `-flag=true` and `-flag=false`, with a valid sample value. A flag is
//!
//! * ✓ when every spelling is accepted, its value arrives, and its kind and
//!   default are upstream's;
//! * ≠ when it is accepted but differs: a kind or default the test sees,
//!   or a difference the data file states (`differs: ...`); every
//!   difference the test sees must be explained there;
//! * ✗ when a spelling is refused, by the parser or by the settings.
//!
//! The table must equal the README's section between the
//! `flag-table:start` and `flag-table:end` markers; run with
//! `UPDATE_FLAG_TABLE=1` to rewrite that section. Refused flags must be
//! exactly [`KNOWN_MISSING`].

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{Arg, Command};
use snowflake_common::cli::go_flags::is_go_bool_flag;
use snowflake_common::cli::{parse_go_bool, parse_go_duration, GoFlags};

/// Upstream's flags and options, with our notes.
const DATA: &str = include_str!("data/upstream_flags.tsv");

const README_START: &str = "<!-- flag-table:start -->";
const README_END: &str = "<!-- flag-table:end -->";

/// Upstream flags that our programs refuse today: none since issue 15
/// ("Drop-in for upstream's current Snowflake: every flag"; the last were
/// the proxy's `-geoipdb`, `-geoip6db` and `-outbound-address` and the
/// broker's `-sqs-profiles`). A flag listed here shows as ✗ in the README;
/// the test fails both when a flag not listed is refused and when a
/// listed one is accepted.
const KNOWN_MISSING: &[(&str, &str)] = &[];

/// How many flags and options upstream has, per program (a check that the
/// data file lost no line).
const UPSTREAM_COUNTS: &[(&str, usize)] = &[
    ("client", 17),
    ("proxy", 27),
    ("broker", 21),
    ("server", 6),
    ("server-option", 2),
];

/// A DTLS 1.2 ClientHello body in the form `-covertdtls-fingerprint` takes.
const FINGERPRINT: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Program {
    Client,
    Proxy,
    Broker,
    Server,
    /// A `ServerTransportOptions` key of the server.
    ServerOption,
}

impl Program {
    const ALL: [Program; 5] = [
        Program::Client,
        Program::Proxy,
        Program::Broker,
        Program::Server,
        Program::ServerOption,
    ];

    /// The name in the data file.
    fn name(self) -> &'static str {
        match self {
            Program::Client => "client",
            Program::Proxy => "proxy",
            Program::Broker => "broker",
            Program::Server => "server",
            Program::ServerOption => "server-option",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Program::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The binary's name, first on its command line.
    fn binary(self) -> &'static str {
        match self {
            Program::Client => "snowflake-client",
            Program::Proxy => "snowflake-proxy",
            Program::Broker => "snowflake-broker",
            Program::Server | Program::ServerOption => "snowflake-server",
        }
    }

    /// The program's flags, as its binary parses them.
    fn command(self) -> Command {
        use snowflake_common::cli::command;
        match self {
            Program::Client => command::<snowflake_client::cli::Args>(),
            Program::Proxy => command::<snowflake_proxy::cli::Args>(),
            Program::Broker => command::<snowflake_broker::cli::Args>(),
            Program::Server | Program::ServerOption => command::<snowflake_server::cli::Args>(),
        }
    }

    /// What the binary does with its command line before it starts
    /// anything: parse it, then build its settings. `Err` is the message
    /// the binary would exit with.
    fn start(self, args: &[String]) -> Result<(), String> {
        let clap_error = |e: clap::Error| first_line(&e.to_string());
        match self {
            Program::Client => {
                let args = snowflake_client::cli::Args::parse_go_style(args).map_err(clap_error)?;
                args.client_config()?;
                args.log_path(Some("/var/lib/tor/pt_state".into()))?;
            }
            Program::Proxy => {
                snowflake_proxy::cli::Args::parse_go_style(args)
                    .map_err(clap_error)?
                    .into_settings()
                    .map_err(|e| e.to_string())?;
            }
            Program::Broker => {
                snowflake_broker::cli::Args::parse_go_style(args)
                    .map_err(clap_error)?
                    .into_settings()
                    .map_err(|e| e.to_string())?;
            }
            Program::Server | Program::ServerOption => {
                snowflake_server::cli::Args::parse_go_style(args)
                    .map_err(clap_error)?
                    .pt_options()
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// Flags given before the one under test so that the settings can be
    /// built at all (the broker and server need a TLS choice, and the
    /// broker's geoip files are left out).
    fn base_args(self) -> &'static [&'static str] {
        match self {
            Program::Broker => &["-disable-tls", "-disable-geoip"],
            Program::Server | Program::ServerOption => &["-disable-tls"],
            Program::Client | Program::Proxy => &[],
        }
    }
}

/// Go's flag types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    String,
    Int,
    Uint,
    Duration,
}

impl Kind {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => Kind::Bool,
            "string" => Kind::String,
            "int" => Kind::Int,
            "uint" => Kind::Uint,
            "duration" => Kind::Duration,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::String => "string",
            Kind::Int => "int",
            Kind::Uint => "uint",
            Kind::Duration => "duration",
        }
    }

    /// Whether our default `ours` (`None`: the flag has none, which for a
    /// string is the empty string) is upstream's `upstream`.
    fn same_default(self, upstream: &str, ours: Option<&str>) -> bool {
        match (self, ours) {
            (Kind::String, None) => upstream.is_empty(),
            (_, None) => false,
            (Kind::String, Some(ours)) => ours == upstream,
            (Kind::Bool, Some(ours)) => match (parse_go_bool(upstream), parse_go_bool(ours)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            },
            (Kind::Int | Kind::Uint, Some(ours)) => {
                match (upstream.parse::<i128>(), ours.parse::<i128>()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                }
            }
            (Kind::Duration, Some(ours)) => {
                match (parse_go_duration(upstream), parse_go_duration(ours)) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                }
            }
        }
    }
}

/// Why ours differs, from the data file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Why {
    /// A difference the test cannot see, or an explanation of one it sees.
    Differs(String),
    /// Why a difference the test sees is none.
    Same(String),
}

/// One line of the data file.
#[derive(Debug, Clone)]
struct Upstream {
    program: Program,
    flag: String,
    kind: Kind,
    default: String,
    why: Option<Why>,
}

fn upstream_flags() -> Vec<Upstream> {
    let mut rows = Vec::new();
    for (index, line) in DATA.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            (4..=5).contains(&fields.len()),
            "upstream_flags.tsv line {number}: want 4 or 5 tab-separated fields: {line:?}"
        );
        let program = Program::from_name(fields[0])
            .unwrap_or_else(|| panic!("upstream_flags.tsv line {number}: program {:?}", fields[0]));
        let kind = Kind::from_name(fields[2])
            .unwrap_or_else(|| panic!("upstream_flags.tsv line {number}: kind {:?}", fields[2]));
        let default = match fields[3] {
            "\"\"" => String::new(),
            other => other.to_owned(),
        };
        let why = fields.get(4).map(|why| {
            if let Some(text) = why.strip_prefix("differs: ") {
                Why::Differs(text.to_owned())
            } else if let Some(text) = why.strip_prefix("same: ") {
                Why::Same(text.to_owned())
            } else {
                panic!("upstream_flags.tsv line {number}: the fifth field starts with \"differs: \" or \"same: \"")
            }
        });
        rows.push(Upstream {
            program,
            flag: fields[1].to_owned(),
            kind,
            default,
            why,
        });
    }
    rows
}

/// A value of `kind` that the program accepts for `flag`.
fn sample(program: Program, flag: &str, kind: Kind, bridge_list: &str) -> String {
    let specific = match (program, flag) {
        (Program::Client, "ice") | (Program::Proxy, "stun") => "stun:stun.example.com:3478",
        (Program::Client, "url") | (Program::Proxy, "broker") => "https://broker.example.com/",
        (Program::Client, "front") => "front.example.com",
        (Program::Client, "fronts") => "front1.example.com,front2.example.com",
        (Program::Client, "ampcache") => "https://cdn.ampproject.org/",
        (Program::Client, "sqsqueue") => {
            "https://sqs.us-east-1.amazonaws.com/123456789012/snowflake-broker"
        }
        (Program::Client, "sqscreds") => {
            "eyJhd3MtYWNjZXNzLWtleS1pZCI6ImEiLCJhd3Mtc2VjcmV0LWtleSI6ImIifQ=="
        }
        (Program::Client, "covertdtls-config") => "randomize",
        (Program::Proxy, "covertdtls-config") => "mimic",
        (Program::Client | Program::Proxy, "covertdtls-fingerprint") => FINGERPRINT,
        (Program::Proxy, "relay") => "wss://relay.example.com/",
        (Program::Proxy, "nat-probe-server") => "https://broker.example.com:8443/probe",
        (Program::Proxy, "outbound-address") => "192.0.2.7",
        (Program::Proxy, "allowed-relay-hostname-pattern") => "example.com$",
        (Program::Proxy, "metrics-address") => "127.0.0.1",
        (Program::Proxy, "metrics-port") => "9998",
        (Program::Proxy, "ephemeral-ports-range") => "40000:40100",
        (Program::Proxy | Program::Broker, "geoipdb") => "/usr/share/tor/geoip",
        (Program::Proxy | Program::Broker, "geoip6db") => "/usr/share/tor/geoip6",
        (_, "log") => "snowflake.log",
        (Program::Broker | Program::Server, "acme-email") => "operator@example.com",
        (Program::Broker, "acme-hostnames") => "broker.example.com",
        (Program::Server, "acme-hostnames") => "bridge.example.com",
        (Program::Broker, "cert") => "cert.pem",
        (Program::Broker, "key") => "key.pem",
        (Program::Broker, "acme-cert-cache") => "/var/cache/snowflake-broker/acme",
        (Program::Broker, "addr") => "127.0.0.1:8443",
        (Program::Broker, "bridge-list-path") => bridge_list,
        (Program::Broker, "allowed-relay-pattern") => "snowflake.torproject.net$",
        (Program::Broker, "broker-sqs-name") => "snowflake-broker",
        (Program::Broker, "broker-sqs-region") => "us-east-1",
        (Program::Broker, "sqs-profiles") => "default",
        (Program::Broker, "metrics-log") => "broker-metrics.log",
        (Program::Broker, "ip-count-prefix") => "ip-counts",
        (Program::Broker, "poll-interval-filepath") => {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../deploy/broker-poll-interval.json"
            )
        }
        (Program::ServerOption, "orport-srcaddr") => "127.0.1.0/24",
        _ => match kind {
            Kind::Int | Kind::Uint => "3",
            Kind::Duration => "90s",
            Kind::String => "sample",
            Kind::Bool => "true",
        },
    };
    specific.to_owned()
}

/// The flags given before the one under test: the program's base flags
/// (without the one under test), or what that flag needs beside it.
fn context_args(program: Program, flag: &str) -> Vec<String> {
    let needs: &[&str] = match (program, flag) {
        (Program::Broker, "disable-tls" | "acme-email" | "acme-cert-cache") => {
            &["-disable-geoip", "-acme-hostnames=broker.example.com"]
        }
        (Program::Broker, "acme-hostnames") => &["-disable-geoip"],
        (Program::Broker, "cert") => &["-disable-geoip", "-key=key.pem"],
        (Program::Broker, "key") => &["-disable-geoip", "-cert=cert.pem"],
        (Program::Server, "disable-tls" | "acme-email") => &["-acme-hostnames=bridge.example.com"],
        (Program::Server, "acme-hostnames") => &[],
        _ => {
            return program
                .base_args()
                .iter()
                .filter(|arg| arg.trim_start_matches('-') != flag)
                .map(|arg| (*arg).to_owned())
                .collect()
        }
    };
    needs.iter().map(|arg| (*arg).to_owned()).collect()
}

/// Our flag named `name` (its long name or a visible alias).
fn find_arg<'a>(command: &'a Command, name: &str) -> Option<&'a Arg> {
    command.get_arguments().find(|arg| {
        arg.get_long_and_visible_aliases()
            .is_some_and(|names| names.contains(&name))
    })
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// What the test found for one upstream flag.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    /// Accepted; the differences the test saw, if any.
    Accepted(Vec<String>),
    /// Refused, with the message.
    Refused(String),
}

/// Tries every Go spelling of a command-line flag.
fn check_flag(row: &Upstream, bridge_list: &str) -> Found {
    let program = row.program;
    let flag = &row.flag;
    let value = sample(program, flag, row.kind, bridge_list);
    // (spelling, the value it must give)
    let spellings: Vec<(Vec<String>, String)> = if row.kind == Kind::Bool {
        vec![
            (vec![format!("-{flag}")], "true".to_owned()),
            (vec![format!("-{flag}=true")], "true".to_owned()),
            (vec![format!("-{flag}=false")], "false".to_owned()),
        ]
    } else {
        vec![
            (vec![format!("-{flag}"), value.clone()], value.clone()),
            (vec![format!("-{flag}={value}")], value.clone()),
            (vec![format!("--{flag}={value}")], value.clone()),
        ]
    };
    let mut differences = Vec::new();
    for (spelling, want) in &spellings {
        let mut args = vec![program.binary().to_owned()];
        args.extend(context_args(program, flag));
        args.extend(spelling.iter().cloned());
        let mut command = program.command();
        let matches = match snowflake_common::cli::try_get_matches_from(&mut command, &args) {
            Ok(matches) => matches,
            Err(error) => return Found::Refused(first_line(&error.to_string())),
        };
        if let Err(message) = program.start(&args) {
            return Found::Refused(message);
        }
        let Some(arg) = find_arg(&command, flag) else {
            return Found::Refused(format!("no -{flag} flag"));
        };
        let id = arg.get_id().as_str();
        let got = if is_go_bool_flag(arg) {
            matches
                .try_get_one::<bool>(id)
                .ok()
                .flatten()
                .map(ToString::to_string)
        } else {
            matches
                .get_raw(id)
                .and_then(|mut values| values.next_back())
                .map(|value| value.to_string_lossy().into_owned())
        };
        if got.as_deref() != Some(want.as_str()) {
            differences.push(format!(
                "`{}` reads as {}",
                spelling.join(" "),
                got.map_or("nothing".to_owned(), |got| format!("`{got}`"))
            ));
        }
    }
    let command = program.command();
    let Some(arg) = find_arg(&command, flag) else {
        return Found::Refused(format!("no -{flag} flag"));
    };
    let ours_is_bool = is_go_bool_flag(arg);
    if ours_is_bool != (row.kind == Kind::Bool) {
        differences.push(if ours_is_bool {
            "ours is a boolean flag".to_owned()
        } else {
            "ours takes a value".to_owned()
        });
    }
    let ours_default = arg
        .get_default_values()
        .last()
        .map(|value| value.to_string_lossy().into_owned());
    if !row.kind.same_default(&row.default, ours_default.as_deref()) {
        differences.push(match ours_default {
            Some(ours) if ours.is_empty() => "our default is empty".to_owned(),
            Some(ours) => format!("our default is `{ours}`"),
            None => "ours has no default value".to_owned(),
        });
    }
    Found::Accepted(differences)
}

/// The value of a transport option as the server applied it: `None` when
/// the server does not read that option, `Some(None)` when unset.
fn applied_option(config: &snowflake_server::ServerConfig, name: &str) -> Option<Option<String>> {
    use snowflake_server::config::{OPTION_NUM_TURBOTUNNEL, OPTION_ORPORT_SRCADDR};
    match name {
        OPTION_NUM_TURBOTUNNEL => Some(Some(config.num_turbotunnel.to_string())),
        OPTION_ORPORT_SRCADDR => Some(config.orport_srcaddr.map(|range| range.to_string())),
        _ => None,
    }
}

/// Gives a transport option to the server as tor does (torrc
/// `ServerTransportOptions snowflake name=value`, which tor passes in
/// `TOR_PT_SERVER_TRANSPORT_OPTIONS`), through the binary's own path.
fn check_option(row: &Upstream) -> Found {
    let name = &row.flag;
    let args: Vec<String> = std::iter::once(row.program.binary())
        .chain(row.program.base_args().iter().copied())
        .map(str::to_owned)
        .collect();
    let options = match snowflake_server::cli::Args::parse_go_style(&args)
        .map_err(|e| e.to_string())
        .and_then(|args| args.pt_options().map_err(|e| e.to_string()))
    {
        Ok(options) => options,
        Err(error) => panic!("the server's base flags {args:?}: {error}"),
    };
    let plan = |option: Option<String>| {
        let mut vars: HashMap<String, String> = [
            ("TOR_PT_MANAGED_TRANSPORT_VER", "1"),
            ("TOR_PT_SERVER_TRANSPORTS", "snowflake"),
            ("TOR_PT_SERVER_BINDADDR", "snowflake-127.0.0.1:8080"),
            ("TOR_PT_ORPORT", "127.0.0.1:9001"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        if let Some(option) = option {
            vars.insert("TOR_PT_SERVER_TRANSPORT_OPTIONS".to_owned(), option);
        }
        snowflake_server::pt::plan(vars, &options).map_err(|lines| {
            lines
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    let value = sample(row.program, name, row.kind, "");
    let given = match plan(Some(format!("snowflake:{name}={value}"))) {
        Ok(given) => given,
        Err(error) => return Found::Refused(error),
    };
    if let Some(error) = given.options_error {
        return Found::Refused(error);
    }
    let Some(applied) = applied_option(&given.config, name) else {
        return Found::Refused("not a transport option of ours (ignored)".to_owned());
    };
    let mut differences = Vec::new();
    if applied.as_deref() != Some(value.as_str()) {
        differences.push(format!(
            "`{name}={value}` applies as {}",
            applied.map_or("nothing".to_owned(), |got| format!("`{got}`"))
        ));
    }
    let unset = match plan(None) {
        Ok(unset) => unset,
        Err(error) => panic!("the server's environment without options: {error}"),
    };
    let default = applied_option(&unset.config, name).flatten();
    if !row.kind.same_default(&row.default, default.as_deref()) {
        differences.push(match default {
            Some(ours) => format!("our default is `{ours}`"),
            None => "ours has no default value".to_owned(),
        });
    }
    Found::Accepted(differences)
}

/// One line of the table.
#[derive(Debug, Clone)]
struct Verdict {
    upstream: Upstream,
    found: Found,
}

impl Verdict {
    fn mark(&self) -> &'static str {
        match (&self.found, &self.upstream.why) {
            (Found::Refused(_), _) => "✗",
            (Found::Accepted(_), Some(Why::Differs(_))) => "≠",
            (Found::Accepted(_), Some(Why::Same(_))) => "✓",
            (Found::Accepted(seen), None) if seen.is_empty() => "✓",
            (Found::Accepted(_), None) => "≠",
        }
    }

    fn note(&self) -> String {
        match &self.found {
            Found::Refused(message) => format!("refused: {message}"),
            Found::Accepted(seen) => {
                let mut parts = seen.clone();
                match &self.upstream.why {
                    Some(Why::Differs(text) | Why::Same(text)) => parts.push(text.clone()),
                    None => {}
                }
                parts.join("; ")
            }
        }
    }

    /// A difference the test saw that the data file does not explain.
    fn unexplained(&self) -> Option<String> {
        match (&self.found, &self.upstream.why) {
            (Found::Accepted(seen), None) if !seen.is_empty() => Some(format!(
                "{} -{}: {}",
                self.upstream.program.name(),
                self.upstream.flag,
                seen.join("; ")
            )),
            _ => None,
        }
    }
}

/// Every upstream flag, checked (once for all the tests here).
fn verdicts() -> &'static [Verdict] {
    static VERDICTS: OnceLock<Vec<Verdict>> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        // -bridge-list-path needs a file that loads.
        let dir = std::env::temp_dir().join(format!("snowflake-flag-table-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let bridge_list: PathBuf = dir.join("bridge-list.jsonl");
        std::fs::write(
            &bridge_list,
            format!("{}\n", snowflake_broker::bridges::DEFAULT_BRIDGE_LINE),
        )
        .expect("bridge list file");
        let bridge_list = bridge_list.to_string_lossy().into_owned();
        let verdicts = upstream_flags()
            .into_iter()
            .map(|upstream| {
                let found = match upstream.program {
                    Program::ServerOption => check_option(&upstream),
                    _ => check_flag(&upstream, &bridge_list),
                };
                Verdict { upstream, found }
            })
            .collect();
        // Best effort: a leftover file in the temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&dir);
        verdicts
    })
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The README section: the table and a count.
fn render(verdicts: &[Verdict]) -> String {
    let mut sorted: Vec<&Verdict> = verdicts.iter().collect();
    sorted.sort_by_key(|v| (v.upstream.program, v.upstream.flag.to_lowercase()));
    let mut out =
        String::from("| program | upstream flag | ours | note |\n| --- | --- | --- | --- |\n");
    for verdict in &sorted {
        let upstream = &verdict.upstream;
        let (program, name) = match upstream.program {
            Program::ServerOption => (
                "server",
                format!("`{}` (ServerTransportOptions)", upstream.flag),
            ),
            program => (program.name(), format!("`-{}`", upstream.flag)),
        };
        let kind = match (upstream.kind, upstream.default.as_str()) {
            (Kind::Bool, "false") | (_, "") => upstream.kind.name().to_owned(),
            (kind, default) => format!("{}, default `{default}`", kind.name()),
        };
        out.push_str(&format!(
            "| {program} | {} | {} | {} |\n",
            cell(&format!("{name} {kind}")),
            verdict.mark(),
            cell(&verdict.note())
        ));
    }
    let count = |mark: &str| verdicts.iter().filter(|v| v.mark() == mark).count();
    out.push_str(&format!(
        "\nOf upstream's {} flags and options: {} accepted as upstream (✓), {} accepted with a difference (≠), {} refused (✗).\n",
        verdicts.len(),
        count("✓"),
        count("≠"),
        count("✗")
    ));
    out
}

fn readme_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
}

#[test]
fn the_data_file_lists_every_upstream_flag_once() {
    let rows = upstream_flags();
    for (program, count) in UPSTREAM_COUNTS {
        let listed = rows.iter().filter(|r| r.program.name() == *program).count();
        assert_eq!(
            listed, *count,
            "{program}: upstream has {count}, the data file lists {listed}"
        );
    }
    let mut seen = BTreeSet::new();
    for row in &rows {
        assert!(
            seen.insert((row.program, row.flag.clone())),
            "{} -{} is listed twice",
            row.program.name(),
            row.flag
        );
        if row.kind != Kind::String {
            assert!(
                row.kind.same_default(&row.default, Some(&row.default)),
                "{} -{}: default {:?} is not a {}",
                row.program.name(),
                row.flag,
                row.default,
                row.kind.name()
            );
        }
    }
}

#[test]
fn every_upstream_flag_is_accepted_but_the_known_missing_ones() {
    let verdicts = verdicts();
    let refused: BTreeSet<(&str, &str)> = verdicts
        .iter()
        .filter(|v| matches!(v.found, Found::Refused(_)))
        .map(|v| (v.upstream.program.name(), v.upstream.flag.as_str()))
        .collect();
    let known: BTreeSet<(&str, &str)> = KNOWN_MISSING.iter().copied().collect();
    let newly_refused: Vec<String> = verdicts
        .iter()
        .filter(|v| !known.contains(&(v.upstream.program.name(), v.upstream.flag.as_str())))
        .filter_map(|v| match &v.found {
            Found::Refused(message) => Some(format!(
                "{} -{}: {message}",
                v.upstream.program.name(),
                v.upstream.flag
            )),
            Found::Accepted(_) => None,
        })
        .collect();
    let now_accepted: Vec<_> = known.difference(&refused).collect();
    assert!(
        newly_refused.is_empty() && now_accepted.is_empty(),
        "upstream flags refused but not in KNOWN_MISSING: {newly_refused:#?}\n\
         KNOWN_MISSING entries that are accepted now (remove them): {now_accepted:?}"
    );
    let unexplained: Vec<String> = verdicts.iter().filter_map(Verdict::unexplained).collect();
    assert!(
        unexplained.is_empty(),
        "differences from upstream without a \"differs: \" or \"same: \" reason in \
         tests/data/upstream_flags.tsv: {unexplained:#?}"
    );
}

#[test]
fn the_readme_table_is_the_generated_one() {
    let table = render(verdicts());
    let path = readme_path();
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(README_START)
        .map(|at| at + README_START.len())
        .expect("README.md has the flag-table:start marker");
    let end = start
        + readme[start..]
            .find(README_END)
            .expect("README.md has the flag-table:end marker after the start marker");
    if readme[start..end].trim() == table.trim() {
        return;
    }
    if std::env::var_os("UPDATE_FLAG_TABLE").is_some_and(|v| v == "1") {
        let updated = format!(
            "{}\n\n{}\n\n{}",
            &readme[..start],
            table.trim(),
            &readme[end..]
        );
        std::fs::write(&path, updated).expect("rewrite README.md");
        eprintln!("README.md: flag table rewritten");
        return;
    }
    panic!(
        "README.md's flag table is not the generated one; run with UPDATE_FLAG_TABLE=1 \
         to rewrite it. Expected:\n\n{table}"
    );
}
