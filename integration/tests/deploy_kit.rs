//! The deployment kit in `deploy/`: every file is checked by the tool that
//! will read it. The systemd units (the server's with the drop-in the setup
//! script writes) pass `systemd-analyze verify`, and the flags on their
//! `ExecStart` lines (with the example environment files and the drop-in
//! filled in) are accepted by our own programs' parsers; the tor
//! configurations (each instance rendered by the setup script, the
//! single-tor bridge and the client) pass `tor --verify-config`; the setup
//! script passes `bash -n` and, when installed, shellcheck.
//!
//! Needs `systemd-analyze` (Debian package `systemd`) and `tor`; a missing
//! tool fails the test with its name rather than skipping it.

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
        // Optional: not among the packages scripts/test installs.
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
