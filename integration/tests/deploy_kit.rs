//! The deployment kit in `deploy/`: every file is checked by the tool that
//! will read it. The systemd units (the server's with the drop-in the setup
//! script writes) pass `systemd-analyze verify`, and the flags on their
//! `ExecStart` lines (with the example environment files and the drop-in
//! filled in) are accepted by our own programs' parsers; the tor
//! configurations (each instance rendered by the setup script, the
//! single-tor bridge and the client) pass `tor --verify-config`; the setup
//! script passes `bash -n` and, when installed, shellcheck, and its
//! create path runs under a temporary root (stand-ins for
//! `tor-instance-create` and `systemctl`, the real `tor`, its users in a
//! private mount namespace): it gives every instance the first one's keys
//! and blocks onion-key rotation. (`multi_tor_bridge.rs` starts tor with
//! the rendered instance torrc and the client torrc.)
//!
//! Needs `systemd-analyze` (Debian package `systemd`), `tor` and, for the
//! create path, root and `unshare` (`util-linux`); a missing tool fails the
//! test with its name rather than skipping it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use snowflake_common::cli::GoFlags;
use snowflake_common::pt::args::parse_client_args;
use snowflake_server::{TorInstance, TorTarget};
use snowflake_testkit::tor::TempDir;

/// The repository's `deploy/` directory.
fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn read(relative: &str) -> String {
    let path = deploy().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `program` with `args`; a missing program fails with what to
/// install.
fn run(program: &str, args: &[&std::ffi::OsStr], package: &str) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install Debian's {package}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `KEY=VALUE` lines of an environment file (comments and blank lines
/// skipped), as systemd reads the simple ones we ship.
fn env_file(relative: &str) -> HashMap<String, String> {
    read(relative)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{relative}: not KEY=VALUE: {line}"));
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

/// The value of the only `key=` line of a unit.
fn unit_value(unit: &str, key: &str) -> String {
    let values: Vec<&str> = unit
        .lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .collect();
    assert_eq!(values.len(), 1, "{key}= lines: {values:?}");
    values[0].to_owned()
}

/// A unit's `ExecStart=` as the argument vector systemd would run:
/// words split at spaces (our lines use no quotes), `${NAME}` replaced by
/// the environment file's value as one word, `$NAME` by its words (none
/// if unset), `$$` by `$`.
fn exec_start(unit: &str, env: &HashMap<String, String>) -> Vec<String> {
    let line = unit_value(unit, "ExecStart");
    assert!(
        !line.contains(['"', '\'']),
        "quotes are not handled here: {line}"
    );
    line.split_whitespace()
        .flat_map(|word| {
            if let Some(name) = word.strip_prefix("${").and_then(|w| w.strip_suffix('}')) {
                vec![env
                    .get(name)
                    .unwrap_or_else(|| panic!("${{{name}}} is not in the environment file"))
                    .clone()]
            } else if let Some(name) = word.strip_prefix('$').filter(|n| !n.starts_with('$')) {
                env.get(name)
                    .map(|value| value.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default()
            } else {
                assert!(
                    !word.replace("$$", "").contains('$'),
                    "unexpanded variable in {word}"
                );
                vec![word.replace("$$", "$")]
            }
        })
        .collect()
}

/// `deploy/setup-tor-instances render-dropin N`: the server's drop-in.
fn render_dropin(count: u32) -> String {
    let output = Command::new("bash")
        .arg(deploy().join("setup-tor-instances"))
        .args(["render-dropin", &count.to_string()])
        .output()
        .expect("bash");
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The `Environment="NAME=VALUE"` settings of a unit or drop-in.
fn unit_environment(unit: &str) -> HashMap<String, String> {
    unit.lines()
        .filter_map(|line| line.strip_prefix("Environment="))
        .map(|setting| {
            let setting = setting.trim_matches('"');
            let (key, value) = setting.split_once('=').expect("NAME=VALUE");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

const UNITS: [&str; 3] = [
    "snowflake-server.service",
    "snowflake-proxy.service",
    "snowflake-broker.service",
];

#[test]
fn units_pass_systemd_analyze_verify() {
    let dir = TempDir::new("deploy-units").expect("temp dir");
    // verify insists that ExecStart's program exists; the flags are
    // checked against our parsers by the next test.
    let program = std::env::current_exe().expect("test executable");
    let mut paths: Vec<OsString> = vec!["verify".into(), "--man=no".into()];
    for name in UNITS {
        let unit = read(&format!("systemd/{name}"));
        let binary = format!("/usr/local/bin/{}", name.trim_end_matches(".service"));
        assert!(unit.contains(&binary), "{name} runs {binary}");
        let path = dir.path().join(name);
        std::fs::write(&path, unit.replace(&binary, &program.display().to_string()))
            .expect("write unit");
        paths.push(path.into_os_string());
        if name == "snowflake-server.service" {
            // The drop-in setup-tor-instances writes beside it.
            let dropins = dir.path().join(format!("{name}.d"));
            std::fs::create_dir(&dropins).expect("mkdir drop-in dir");
            std::fs::write(dropins.join("tor-instances.conf"), render_dropin(3))
                .expect("write drop-in");
        }
    }
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(OsString::as_os_str).collect();
    let output = run("systemd-analyze", &args, "systemd");
    let log = text(&output);
    assert!(output.status.success(), "{log}");
    // Unknown or misspelt settings are only warned about.
    assert!(
        log.trim().is_empty(),
        "systemd-analyze verify complained:\n{log}"
    );
}

#[test]
fn units_harden_and_raise_the_descriptor_limit() {
    for name in UNITS {
        let unit = read(&format!("systemd/{name}"));
        for setting in [
            "DynamicUser=yes",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
        ] {
            assert!(unit.lines().any(|l| l == setting), "{name}: {setting}");
        }
        let limit: u64 = unit_value(&unit, "LimitNOFILE").parse().expect("number");
        assert!(limit >= 65_536, "{name}: LimitNOFILE={limit}");
    }
}

#[test]
fn unit_flags_are_accepted_by_our_programs() {
    // snowflake-server: standalone (no TOR_PT_* at all), its flags from
    // the environment file and the instance list from the setup script's
    // drop-in (four instances, the script's default).
    let unit = read("systemd/snowflake-server.service");
    assert_eq!(
        unit_value(&unit, "EnvironmentFile"),
        "/etc/snowflake/server.env"
    );
    let mut env = env_file("snowflake-server.env");
    assert!(env.keys().all(|key| !key.starts_with("TOR_PT_")), "{env:?}");
    env.extend(unit_environment(&render_dropin(4)));
    let argv = exec_start(&unit, &env);
    let args = snowflake_server::cli::Args::parse_go_style(&argv).expect("server flags");
    let options = args.pt_options().expect("server options");
    assert_eq!(options.listen.map(|a| a.port()), Some(443));
    assert_eq!(options.num_turbotunnel, Some(2));
    let config = snowflake_server::standalone::config(&options).expect("standalone config");
    let instances = config.instances();
    assert_eq!(instances.len(), 4);
    // ... and each instance's torrc agrees on where it is.
    for (index, instance) in (1..).zip(&instances) {
        let TorInstance {
            target: TorTarget::ExtOrTcp { addr, cookie_file },
            srcaddr,
        } = instance
        else {
            panic!("not a TCP Extended ORPort: {instance}");
        };
        assert!(srcaddr.is_some(), "-orport-srcaddr applies: {instance}");
        let torrc = render_instance(index);
        assert!(torrc.contains(&format!("ExtORPort {addr}\n")), "{torrc}");
        assert!(
            torrc.contains(&format!(
                "ExtORPortCookieAuthFile {}\n",
                cookie_file.display()
            )),
            "{torrc}"
        );
    }

    // snowflake-proxy.
    let unit = read("systemd/snowflake-proxy.service");
    let argv = exec_start(&unit, &HashMap::new());
    let args = snowflake_proxy::cli::Args::parse_go_style(&argv).expect("proxy flags");
    args.into_settings().expect("proxy settings");

    // snowflake-broker, with its files taken from deploy/.
    let unit = read("systemd/snowflake-broker.service");
    assert_eq!(
        unit_value(&unit, "EnvironmentFile"),
        "/etc/snowflake/broker.env"
    );
    let env = env_file("snowflake-broker.env");
    let argv: Vec<String> = exec_start(&unit, &env)
        .into_iter()
        .map(|word| {
            word.replace(
                "/etc/snowflake/broker-poll-interval.json",
                &deploy()
                    .join("broker-poll-interval.json")
                    .display()
                    .to_string(),
            )
        })
        .collect();
    let poll_file = argv
        .iter()
        .position(|w| w == "-poll-interval-filepath")
        .map(|i| PathBuf::from(&argv[i + 1]))
        .expect("-poll-interval-filepath");
    let poll: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(poll_file).expect("poll interval file"))
            .expect("poll interval JSON");
    assert!(poll.get("unrestricted_poll_interval").is_some(), "{poll}");
    let args = snowflake_broker::cli::Args::parse_go_style(&argv).expect("broker flags");
    let settings = args.into_settings().expect("broker settings");
    assert_eq!(
        settings.config.allowed_relay_pattern,
        "snowflake.torproject.net$"
    );
    assert_eq!(settings.config.listen_addr.port(), 443);

    // The single-tor bridge's ServerTransportPlugin line.
    let torrc = read("tor/torrc-bridge");
    let plugin = torrc
        .lines()
        .find_map(|l| l.strip_prefix("ServerTransportPlugin snowflake exec "))
        .expect("ServerTransportPlugin line");
    let args = snowflake_server::cli::Args::parse_go_style(plugin.split_whitespace())
        .expect("server flags in torrc-bridge");
    args.pt_options().expect("server options in torrc-bridge");
    let options = torrc
        .lines()
        .find_map(|l| l.strip_prefix("ServerTransportOptions snowflake "))
        .expect("ServerTransportOptions line");
    let mut config = snowflake_server::ServerConfig::new(TorTarget::OrPort(
        "127.0.0.1:9".parse().expect("literal"),
    ));
    let options = parse_client_args(options.replace(' ', ";").as_bytes()).expect("options");
    config
        .apply_transport_options(&options)
        .expect("transport options");
    assert_eq!(config.num_turbotunnel, 2);

    // The client's torrc: its flags and its Bridge line's arguments.
    let torrc = read("tor/torrc-client");
    let plugin = torrc
        .lines()
        .find_map(|l| l.strip_prefix("ClientTransportPlugin snowflake exec "))
        .expect("ClientTransportPlugin line");
    let args = snowflake_client::cli::Args::parse_go_style(plugin.split_whitespace())
        .expect("client flags");
    let base = args.client_config().expect("client config");
    let bridge = torrc
        .lines()
        .find_map(|l| l.strip_prefix("Bridge snowflake "))
        .expect("Bridge line");
    let arguments: Vec<&str> = bridge.split_whitespace().skip(2).collect();
    let arguments = parse_client_args(arguments.join(";").as_bytes()).expect("bridge arguments");
    let (config, warnings) = base.with_args(&arguments).expect("bridge line");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(config.striping);
    assert_eq!(config.max_proxies, 3);
}

/// `deploy/setup-tor-instances render I`.
fn render_instance(index: u32) -> String {
    let script = deploy().join("setup-tor-instances");
    let output = Command::new("bash")
        .arg(&script)
        .args(["render", &index.to_string()])
        .output()
        .expect("bash");
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `tor --verify-config` on `torrc` (with `defaults`, if any); returns
/// tor's output, failing the test if tor refuses the configuration.
fn tor_verify(defaults: Option<&Path>, torrc: &Path, extra: &[&str]) -> String {
    let mut args: Vec<&std::ffi::OsStr> = Vec::new();
    if let Some(defaults) = defaults {
        args.push("--defaults-torrc".as_ref());
        args.push(defaults.as_os_str());
    }
    args.push("-f".as_ref());
    args.push(torrc.as_os_str());
    args.push("--verify-config".as_ref());
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let output = run("tor", &args, "tor");
    let log = text(&output);
    assert!(output.status.success(), "{}:\n{log}", torrc.display());
    assert!(log.contains("Configuration was valid"), "{log}");
    log
}

#[test]
fn instance_torrcs_pass_tor_verify_config() {
    let dir = TempDir::new("deploy-tor-instances").expect("temp dir");
    let data = dir.path().join("data");
    let run_dir = dir.path().join("run");
    // Debian's defaults for tor@NAME, with the test's directories and
    // without the User switch (the test does not create users).
    let debian_defaults = Path::new("/usr/share/tor/tor-service-defaults-torrc-instances");
    let defaults_text = std::fs::read_to_string(debian_defaults)
        .unwrap_or_else(|e| panic!("{} ({e}): install Debian's tor", debian_defaults.display()));
    let mut nicknames = Vec::new();
    let mut ext_orports = Vec::new();
    for index in 1..=3 {
        let name = format!("snowflake{index}");
        for sub in [data.join(&name), run_dir.join(&name)] {
            std::fs::create_dir_all(&sub).expect("mkdir");
            std::fs::set_permissions(&sub, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .expect("chmod");
        }
        let defaults = dir.path().join(format!("{name}.defaults"));
        let text = defaults_text
            .replace("@@NAME@@", &name)
            .replace("/var/lib/tor-instances", &data.display().to_string())
            .replace("/run/tor-instances", &run_dir.display().to_string());
        let text: String = text
            .lines()
            .filter(|line| !line.starts_with("User "))
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(&defaults, text).expect("write defaults");

        let rendered = render_instance(index);
        // No `@FIELD@` left (tor@NAME in the comments is fine).
        let unfilled = rendered.split('@').any(|field| {
            !field.is_empty() && field.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        });
        assert!(!unfilled, "unfilled field:\n{rendered}");
        for (key, seen) in [
            ("Nickname ", &mut nicknames),
            ("ExtORPort ", &mut ext_orports),
        ] {
            let value = rendered
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key}line"));
            seen.push(value.to_owned());
        }
        for line in ["BridgeRelay 1", "ORPort 127.0.0.1:auto", "SocksPort 0"] {
            assert!(rendered.lines().any(|l| l == line), "{line}:\n{rendered}");
        }
        let torrc = dir.path().join(format!("{name}.torrc"));
        std::fs::write(
            &torrc,
            rendered.replace("/run/tor-instances", &run_dir.display().to_string()),
        )
        .expect("write torrc");
        tor_verify(Some(&defaults), &torrc, &[]);
    }
    nicknames.dedup();
    ext_orports.dedup();
    assert_eq!(nicknames.len(), 3, "{nicknames:?}");
    assert_eq!(ext_orports.len(), 3, "{ext_orports:?}");

    // Bad input to the script is refused before anything happens.
    for args in [
        &["render", "0"][..],
        &["render", "1", "a-b"],
        &["-n", "x"],
        &["render-dropin", "0"],
    ] {
        let output = Command::new("bash")
            .arg(deploy().join("setup-tor-instances"))
            .args(args)
            .output()
            .expect("bash");
        assert!(!output.status.success(), "{args:?}");
        assert!(text(&output).contains("setup-tor-instances: "), "{args:?}");
    }
}

#[test]
fn bridge_and_client_torrcs_pass_tor_verify_config() {
    let dir = TempDir::new("deploy-torrc").expect("temp dir");
    let program = std::env::current_exe().expect("test executable");
    for (name, binary) in [
        ("torrc-bridge", "/usr/local/bin/snowflake-server"),
        ("torrc-client", "/usr/local/bin/snowflake-client"),
    ] {
        let torrc = read(&format!("tor/{name}"));
        assert!(torrc.contains(binary), "{name} runs {binary}");
        let data = dir.path().join(format!("{name}.data"));
        std::fs::create_dir_all(&data).expect("mkdir");
        std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("chmod");
        let path = dir.path().join(name);
        std::fs::write(&path, torrc.replace(binary, &program.display().to_string()))
            .expect("write torrc");
        tor_verify(
            None,
            &path,
            &["--DataDirectory", &data.display().to_string()],
        );
    }
    let bridge = read("tor/torrc-bridge");
    for line in ["BridgeRelay 1", "ORPort 127.0.0.1:auto", "ExtORPort auto"] {
        assert!(bridge.lines().any(|l| l == line), "{line}");
    }
}

#[test]
fn setup_script_passes_bash_n_and_shellcheck() {
    let script = deploy().join("setup-tor-instances");
    let output = run("bash", &["-n".as_ref(), script.as_os_str()], "bash");
    assert!(output.status.success(), "{}", text(&output));
    match Command::new("shellcheck").arg(&script).output() {
        Ok(output) => assert!(output.status.success(), "shellcheck:\n{}", text(&output)),
        // scripts/test installs Debian's shellcheck; a run by hand without
        // it checks bash -n only.
        Err(_) => eprintln!("shellcheck is not installed; only bash -n was run"),
    }
}

#[test]
fn sysctl_file_sets_what_the_paper_names() {
    let conf = read("sysctl/90-snowflake-bridge.conf");
    let settings: HashMap<&str, &str> = conf
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, value) = l.split_once('=').expect("key = value");
            (key.trim(), value.trim())
        })
        .collect();
    let range: Vec<u32> = settings["net.ipv4.ip_local_port_range"]
        .split_whitespace()
        .map(|n| n.parse().expect("port"))
        .collect();
    assert!(
        range.len() == 2 && range[0] < range[1] && range[1] < 65_536,
        "{range:?}"
    );
    let conntrack: u64 = settings["net.netfilter.nf_conntrack_max"]
        .parse()
        .expect("number");
    assert!(conntrack >= 524_288);
    assert_eq!(settings.len(), 2, "{settings:?}");
    // The keys exist in this kernel (conntrack only once its module is
    // loaded).
    assert!(Path::new("/proc/sys/net/ipv4/ip_local_port_range").exists());
}

#[test]
fn sysusers_file_creates_the_tls_group() {
    let root = TempDir::new("deploy-sysusers").expect("temp dir");
    std::fs::create_dir(root.path().join("etc")).expect("mkdir etc");
    let conf = deploy().join("sysusers.d/snowflake.conf");
    let root_arg = format!("--root={}", root.path().display());
    let output = run(
        "systemd-sysusers",
        &[root_arg.as_ref(), conf.as_os_str()],
        "systemd",
    );
    assert!(output.status.success(), "{}", text(&output));
    let groups = std::fs::read_to_string(root.path().join("etc/group")).expect("etc/group");
    assert!(
        groups.lines().any(|l| l.starts_with("snowflake-tls:")),
        "{groups}"
    );
    // The units that read the key are in that group.
    for name in ["snowflake-server.service", "snowflake-broker.service"] {
        let unit = read(&format!("systemd/{name}"));
        assert_eq!(
            unit_value(&unit, "SupplementaryGroups"),
            "snowflake-tls",
            "{name}"
        );
        assert!(unit.contains("/etc/snowflake/tls/privkey.pem"), "{name}");
    }
}

/// The instance prefix of the create-path test: its users
/// (`_tor-sfkit1` …) exist only in the test's mount namespace.
const KIT_PREFIX: &str = "sfkit";

/// Stand-in for Debian's `tor-instance-create NAME`: what the setup script
/// relies on (the data directory owned by the instance's user, the
/// configuration directory), under `$SETUP_TOR_INSTANCES_ROOT` only, and
/// no user created (the test provides them).
const FAKE_TOR_INSTANCE_CREATE: &str = r#"#!/bin/sh
set -eu
root="${SETUP_TOR_INSTANCES_ROOT:?the stand-in only writes under a test root}"
install -d -m 02700 -o "_tor-$1" -g "_tor-$1" "$root/var/lib/tor-instances/$1"
install -d "$root/etc/tor/instances/$1"
echo "$1" >>"$root/tor-instance-create.log"
"#;

/// Stand-in for `systemctl`: records its arguments.
const FAKE_SYSTEMCTL: &str = r#"#!/bin/sh
echo "$*" >>"${SETUP_TOR_INSTANCES_ROOT:?}/systemctl.log"
"#;

/// A temporary root for the setup script, with the instances' users in
/// copies of /etc/passwd and /etc/group that only the script sees.
struct KitRoot {
    dir: TempDir,
    /// uid (= gid) of `_tor-sfkitI`, I = 1, 2, 3.
    ids: Vec<u32>,
}

impl KitRoot {
    fn new() -> Self {
        // SAFETY: geteuid has no preconditions.
        let euid = unsafe { libc::geteuid() };
        assert_eq!(
            euid, 0,
            "the setup script's create path needs root (install -o, a mount namespace)"
        );
        let dir = TempDir::new("deploy-setup-root").expect("temp dir");
        // tor runs as the instance's user (as on a real system, where
        // /var/lib/tor-instances is world-traversable).
        set_mode(dir.path(), 0o755);
        let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
        let group = std::fs::read_to_string("/etc/group").expect("/etc/group");
        let taken = |table: &str, id: u32| {
            table
                .lines()
                .any(|line| line.split(':').nth(2) == Some(&id.to_string()))
        };
        let ids: Vec<u32> = (61_000..65_000)
            .filter(|&id| !taken(&passwd, id) && !taken(&group, id))
            .take(3)
            .collect();
        let mut passwd = passwd;
        let mut group = group;
        for (index, id) in (1..).zip(&ids) {
            let user = format!("_tor-{KIT_PREFIX}{index}");
            assert!(
                !passwd.lines().any(|l| l.starts_with(&format!("{user}:"))),
                "{user} exists on this system"
            );
            passwd.push_str(&format!(
                "{user}:x:{id}:{id}::/nonexistent:/usr/sbin/nologin\n"
            ));
            group.push_str(&format!("{user}:x:{id}:\n"));
        }
        std::fs::write(dir.path().join("passwd"), passwd).expect("write passwd");
        std::fs::write(dir.path().join("group"), group).expect("write group");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("mkdir bin");
        for (name, text) in [
            ("tor-instance-create", FAKE_TOR_INSTANCE_CREATE),
            ("systemctl", FAKE_SYSTEMCTL),
        ] {
            let path = bin.join(name);
            std::fs::write(&path, text).expect("write stand-in");
            set_mode(&path, 0o755);
        }
        std::fs::create_dir(dir.path().join("root")).expect("mkdir root");
        set_mode(&dir.path().join("root"), 0o755);
        Self { dir, ids }
    }

    /// The root the script writes under.
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn keys(&self, index: u32) -> PathBuf {
        self.root()
            .join(format!("var/lib/tor-instances/{KIT_PREFIX}{index}/keys"))
    }

    /// Runs `setup-tor-instances -n 3 -p sfkit <extra>` as root, in a mount
    /// namespace of its own where /etc/passwd and /etc/group are the
    /// copies, with the stand-ins first on PATH.
    fn run(&self, extra: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let inner = r#"mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec bash "$@""#;
        Command::new("unshare")
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                inner,
                "sh",
            ])
            .arg(self.dir.path().join("passwd"))
            .arg(self.dir.path().join("group"))
            .arg(deploy().join("setup-tor-instances"))
            .args(["-n", "3", "-p", KIT_PREFIX])
            .args(extra)
            .env("PATH", path)
            .env("SETUP_TOR_INSTANCES_ROOT", self.root())
            .output()
            .unwrap_or_else(|e| panic!("cannot run unshare ({e}); install Debian's util-linux"))
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Mode bits (no file type, no setgid), owner and group of `path`.
fn owner_and_mode(path: &Path) -> (u32, u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta =
        std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.uid(), meta.gid(), meta.mode() & 0o777)
}

/// The keys setup-tor-instances gives every instance (tor 0.4.9 makes no
/// TAP key, which the script skips when absent).
const SHARED_KEYS: [&str; 6] = [
    "secret_id_key",
    "ed25519_master_id_public_key",
    "ed25519_master_id_secret_key",
    "ed25519_signing_cert",
    "ed25519_signing_secret_key",
    "secret_onion_key_ntor",
];
const ROTATION_TARGETS: [&str; 2] = ["secret_onion_key.old", "secret_onion_key_ntor.old"];

#[test]
fn setup_script_copies_the_keys_and_blocks_onion_key_rotation() {
    let kit = KitRoot::new();
    let output = kit.run(&[]);
    let log = text(&output);
    assert!(output.status.success(), "{log}");

    // Every instance created (by the stand-in), its torrc rendered, the
    // drop-in and the environment file written, systemd reloaded.
    let root = kit.root();
    let created = std::fs::read_to_string(root.join("tor-instance-create.log")).expect("log");
    assert_eq!(created, "sfkit1\nsfkit2\nsfkit3\n");
    for index in 1..=3 {
        let torrc = std::fs::read_to_string(
            root.join(format!("etc/tor/instances/{KIT_PREFIX}{index}/torrc")),
        )
        .expect("torrc");
        let output = Command::new("bash")
            .arg(deploy().join("setup-tor-instances"))
            .args(["render", &index.to_string(), KIT_PREFIX])
            .output()
            .expect("bash");
        assert_eq!(torrc.as_bytes(), output.stdout, "torrc of instance {index}");
    }
    let dropin = std::fs::read_to_string(
        root.join("etc/systemd/system/snowflake-server.service.d/tor-instances.conf"),
    )
    .expect("drop-in");
    assert!(
        dropin.contains("-extorport-instance 127.0.0.1:10003,cookie=/run/tor-instances/sfkit3/"),
        "{dropin}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("etc/snowflake/server.env")).expect("server.env"),
        read("snowflake-server.env")
    );
    let systemctl = std::fs::read_to_string(root.join("systemctl.log")).expect("systemctl log");
    assert_eq!(systemctl, "daemon-reload\n");

    // The identity tor made for the first instance (real tor
    // --list-fingerprint), reported by the script.
    let fingerprint = std::fs::read_to_string(
        root.join(format!("var/lib/tor-instances/{KIT_PREFIX}1/fingerprint")),
    )
    .expect("fingerprint file");
    // (tor prints it in groups of four; its file has it in one piece.)
    let reported = log
        .lines()
        .find_map(|line| line.strip_prefix("Created 3 tor instances sharing one identity: "))
        .unwrap_or_else(|| panic!("no identity reported:\n{log}"));
    assert_eq!(
        reported.replace(' ', ""),
        fingerprint.trim().replace(' ', ""),
        "{log}"
    );
    assert_eq!(
        reported.replace(' ', "").len(),
        "sfkit1".len() + 40,
        "{log}"
    );

    // The keys of the first, in every instance, owned by its user, 0600
    // in a 0700 directory.
    for (index, &id) in (1..=3).zip(&kit.ids) {
        let keys = kit.keys(index);
        assert_eq!(owner_and_mode(&keys), (id, id, 0o700), "{}", keys.display());
        for key in SHARED_KEYS {
            let path = keys.join(key);
            assert_eq!(owner_and_mode(&path), (id, id, 0o600), "{}", path.display());
            assert_eq!(
                std::fs::read(&path).expect("key"),
                std::fs::read(kit.keys(1).join(key)).expect("first key"),
                "{}",
                path.display()
            );
        }
        // Rotation blocked: the targets of tor's rename are directories.
        for old in ROTATION_TARGETS {
            let path = keys.join(old);
            assert!(path.is_dir(), "{}", path.display());
            assert_eq!(owner_and_mode(&path), (id, id, 0o700), "{}", path.display());
        }
    }
    assert!(
        log.contains("WARNING: onion-key rotation is blocked in every instance."),
        "{log}"
    );
    assert!(
        log.contains("Start them with: systemctl enable --now tor@sfkit1 tor@sfkit2 tor@sfkit3"),
        "{log}"
    );

    // --keep-onion-key-rotation undoes the block, and warns no more.
    let output = kit.run(&["--keep-onion-key-rotation"]);
    let log = text(&output);
    assert!(output.status.success(), "{log}");
    assert!(!log.contains("WARNING"), "{log}");
    for index in 1..=3 {
        for old in ROTATION_TARGETS {
            assert!(!kit.keys(index).join(old).exists(), "{index} {old}");
        }
        assert!(kit.keys(index).join("secret_onion_key_ntor").is_file());
    }

    // A key tor moved aside meanwhile is replaced by the block.
    let rotated = kit.keys(2).join("secret_onion_key_ntor.old");
    std::fs::write(&rotated, b"an old onion key").expect("write");
    let output = kit.run(&[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(rotated.is_dir(), "{}", rotated.display());

    // An instance with an identity of its own is not overwritten.
    let other = kit.keys(3).join("secret_id_key");
    std::fs::write(&other, b"another identity").expect("write");
    let output = kit.run(&[]);
    let log = text(&output);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains("setup-tor-instances: sfkit3 already has another identity"),
        "{log}"
    );
    assert_eq!(std::fs::read(&other).expect("key"), b"another identity");
}
