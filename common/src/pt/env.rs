//! The `TOR_PT_*` environment tor hands a managed transport (docs/protocol.md
//! §9.1, pt-spec §3.2).
//!
//! Parsing is a pure function over a map of variables so that every rule can
//! be tested without touching the process environment;
//! [`read_tor_pt_env`] builds that map from the real environment. The checks
//! and their order follow goptlib's `ClientSetup`/`ServerSetup`, so a tor that
//! works with the Go transports works here.
//!
//! On error the caller prints [`EnvError::pt_lines`] to stdout (some errors
//! are preceded by `VERSION 1`, as goptlib does) and exits.
//!
//! About Unix sockets: tor builds `TOR_PT_EXTENDED_SERVER_PORT` from its
//! first *TCP* ExtORPort listener (`get_first_listener_addrport_string` skips
//! listeners without an IP address), so a Unix-socket ExtORPort is never
//! passed to a transport; with only such a listener tor leaves the variable
//! out and the transport falls back to `TOR_PT_ORPORT`. Only `addr:port` is
//! therefore accepted. The ExtORPort handshake itself
//! ([`crate::pt::extorport`]) works over any byte stream, Unix sockets
//! included.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use super::args::{parse_server_transport_options, ArgsError, PtArgs};
use super::stdout::PtLine;

/// `TOR_PT_MANAGED_TRANSPORT_VER`: comma list of offered versions.
pub const MANAGED_TRANSPORT_VER: &str = "TOR_PT_MANAGED_TRANSPORT_VER";
/// `TOR_PT_STATE_LOCATION`: directory for persistent state.
pub const STATE_LOCATION: &str = "TOR_PT_STATE_LOCATION";
/// `TOR_PT_EXIT_ON_STDIN_CLOSE`: `1` means exit when stdin closes.
pub const EXIT_ON_STDIN_CLOSE: &str = "TOR_PT_EXIT_ON_STDIN_CLOSE";
/// `TOR_PT_OUTBOUND_BIND_ADDRESS_V4`: preferred IPv4 source address.
pub const OUTBOUND_BIND_ADDRESS_V4: &str = "TOR_PT_OUTBOUND_BIND_ADDRESS_V4";
/// `TOR_PT_OUTBOUND_BIND_ADDRESS_V6`: preferred IPv6 source address.
pub const OUTBOUND_BIND_ADDRESS_V6: &str = "TOR_PT_OUTBOUND_BIND_ADDRESS_V6";
/// `TOR_PT_CLIENT_TRANSPORTS`: comma list of client transports to launch.
pub const CLIENT_TRANSPORTS: &str = "TOR_PT_CLIENT_TRANSPORTS";
/// `TOR_PT_PROXY`: upstream proxy URL for a client.
pub const PROXY: &str = "TOR_PT_PROXY";
/// `TOR_PT_SERVER_TRANSPORTS`: comma list of server transports to launch.
pub const SERVER_TRANSPORTS: &str = "TOR_PT_SERVER_TRANSPORTS";
/// `TOR_PT_SERVER_BINDADDR`: `name-addr:port,…`.
pub const SERVER_BINDADDR: &str = "TOR_PT_SERVER_BINDADDR";
/// `TOR_PT_SERVER_TRANSPORT_OPTIONS`: `name:k=v;…`.
pub const SERVER_TRANSPORT_OPTIONS: &str = "TOR_PT_SERVER_TRANSPORT_OPTIONS";
/// `TOR_PT_ORPORT`: plain ORPort `addr:port`.
pub const ORPORT: &str = "TOR_PT_ORPORT";
/// `TOR_PT_EXTENDED_SERVER_PORT`: ExtORPort `addr:port`, empty for none.
pub const EXTENDED_SERVER_PORT: &str = "TOR_PT_EXTENDED_SERVER_PORT";
/// `TOR_PT_AUTH_COOKIE_FILE`: ExtORPort authentication cookie file.
pub const AUTH_COOKIE_FILE: &str = "TOR_PT_AUTH_COOKIE_FILE";

/// Why the environment is unusable. `Display` gives the text an operator
/// reads; [`EnvError::pt_lines`] gives what to print to tor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A required variable is unset or empty.
    #[error("no {0} environment variable")]
    Missing(&'static str),
    /// tor offered no managed-transport version we speak (we speak `1`).
    #[error("{MANAGED_TRANSPORT_VER}={offered:?} does not offer version 1")]
    NoSupportedVersion {
        /// The value tor gave.
        offered: String,
    },
    /// A `TOR_PT_*` variable's value is not UTF-8.
    #[error("environment variable {0} is not valid UTF-8")]
    NotUtf8(String),
    /// An entry of `TOR_PT_SERVER_BINDADDR` is malformed.
    #[error("{SERVER_BINDADDR}: {spec:?}: {reason}")]
    BadBindaddr {
        /// The offending `name-addr:port` entry.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `TOR_PT_SERVER_BINDADDR` names one transport twice.
    #[error("{SERVER_BINDADDR}: {spec:?}: duplicate method name {name:?}")]
    DuplicateBindaddr {
        /// The second entry for the name.
        spec: String,
        /// The repeated transport name.
        name: String,
    },
    /// An address variable does not hold `IP:port` (or an IP for the
    /// outbound bind addresses).
    #[error("cannot parse {var} {value:?}: {reason}")]
    BadAddr {
        /// Variable name.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `TOR_PT_EXTENDED_SERVER_PORT` is set without a cookie file.
    #[error("need {AUTH_COOKIE_FILE} environment variable with {EXTENDED_SERVER_PORT}")]
    CookieFileRequired,
    /// Neither an ORPort nor an ExtORPort to forward to.
    #[error("need {ORPORT} or {EXTENDED_SERVER_PORT} environment variable")]
    NoOrPort,
    /// `TOR_PT_SERVER_TRANSPORT_OPTIONS` is malformed.
    #[error("{SERVER_TRANSPORT_OPTIONS}: {value:?}: {source}")]
    BadTransportOptions {
        /// The variable's value.
        value: String,
        /// The parse error.
        source: ArgsError,
    },
    /// `TOR_PT_PROXY` is malformed (reported as `PROXY-ERROR`). The value is
    /// not repeated because it may contain a password.
    #[error("{PROXY} is malformed: {0}")]
    BadProxy(String),
}

impl EnvError {
    /// The lines to print to tor for this error, in order. Errors found
    /// before the version is agreed give only the error line; later ones
    /// are preceded by `VERSION 1` (goptlib prints it as soon as the version
    /// is known). `VERSION-ERROR no-version`, `ENV-ERROR <msg>` or
    /// `PROXY-ERROR <msg>` is the last line.
    pub fn pt_lines(&self) -> Vec<PtLine> {
        match self {
            EnvError::NoSupportedVersion { .. } => vec![PtLine::VersionError],
            EnvError::Missing(MANAGED_TRANSPORT_VER) | EnvError::NotUtf8(_) => {
                vec![PtLine::EnvError(self.to_string())]
            }
            EnvError::BadProxy(_) => vec![PtLine::Version, PtLine::ProxyError(self.to_string())],
            _ => vec![PtLine::Version, PtLine::EnvError(self.to_string())],
        }
    }
}

/// Collects the process's `TOR_PT_*` variables into a map for
/// [`parse_client_env`] / [`parse_server_env`].
pub fn read_tor_pt_env() -> Result<HashMap<String, String>, EnvError> {
    let mut vars = HashMap::new();
    for (key, value) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if !key.starts_with("TOR_PT_") {
            continue;
        }
        let value = value
            .into_string()
            .map_err(|_| EnvError::NotUtf8(key.to_owned()))?;
        vars.insert(key.to_owned(), value);
    }
    Ok(vars)
}

/// True when tor launched us as a client (`TOR_PT_CLIENT_TRANSPORTS` set),
/// the test goptlib documents for dual-mode programs.
pub fn is_client_mode(vars: &HashMap<String, String>) -> bool {
    vars.get(CLIENT_TRANSPORTS).is_some_and(|v| !v.is_empty())
}

/// Settings shared by both roles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommonEnv {
    /// `TOR_PT_STATE_LOCATION`, if given (tor always gives it; not created
    /// here — see [`CommonEnv::make_state_dir`]).
    pub state_location: Option<PathBuf>,
    /// `TOR_PT_EXIT_ON_STDIN_CLOSE=1`: stdin EOF means shut down.
    pub exit_on_stdin_close: bool,
    /// `TOR_PT_OUTBOUND_BIND_ADDRESS_V4`.
    pub outbound_bind_v4: Option<Ipv4Addr>,
    /// `TOR_PT_OUTBOUND_BIND_ADDRESS_V6` (brackets optional).
    pub outbound_bind_v6: Option<Ipv6Addr>,
}

impl CommonEnv {
    /// Creates the state directory (mode 0700 on Unix) if needed and returns
    /// it; an error if tor gave none.
    pub fn make_state_dir(&self) -> std::io::Result<PathBuf> {
        let dir = self.state_location.clone().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no {STATE_LOCATION} environment variable"),
            )
        })?;
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir)?;
        Ok(dir)
    }
}

/// Upstream proxy requested by tor (`TOR_PT_PROXY`,
/// `<type>://[user[:pass]@]host:port`).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// Lower-cased scheme: tor uses `socks5`, `socks4a` or `http`; the caller
    /// decides which it supports (`PROXY-ERROR` otherwise).
    pub scheme: String,
    /// Percent-decoded user name, if any.
    pub username: Option<String>,
    /// Percent-decoded password, if any.
    pub password: Option<String>,
    /// Host (IP literal without brackets, or a name).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl ProxyUrl {
    /// `host:port`, with brackets around an IPv6 host, ready to connect to.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for ProxyUrl {
    /// The URL with the password hidden, safe for logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(user) = &self.username {
            f.write_str(user)?;
            if self.password.is_some() {
                f.write_str(":[hidden]")?;
            }
            f.write_str("@")?;
        }
        f.write_str(&self.host_port())
    }
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// Parses a `TOR_PT_PROXY` value. Errors are plain reasons (without the
/// value, which may hold a password).
pub fn parse_proxy_url(value: &str) -> Result<ProxyUrl, String> {
    let (scheme, rest) = value
        .split_once("://")
        .ok_or_else(|| "missing scheme".to_owned())?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("invalid scheme {scheme:?}"));
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !path.is_empty() && path != "/" {
        return Err("unexpected path, query or fragment after host:port".to_owned());
    }
    if authority.is_empty() {
        return Err("missing authority".to_owned());
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((info, hostport)) => (Some(info), hostport),
        None => (None, authority),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (Some(percent_decode(u)?), Some(percent_decode(p)?)),
            None => (Some(percent_decode(info)?), None),
        },
    };
    let (host, port) = split_host_port(hostport)?;
    if host.is_empty() {
        return Err("missing host".to_owned());
    }
    Ok(ProxyUrl {
        scheme: scheme.to_ascii_lowercase(),
        username,
        password,
        host: host.to_owned(),
        port: parse_port(port)?,
    })
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "invalid percent-escape in user info".to_owned())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "user info is not UTF-8".to_owned())
}

/// Splits `host:port` / `[v6]:port` (host returned without brackets).
fn split_host_port(s: &str) -> Result<(&str, &str), String> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "missing ']' in address".to_owned())?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| "missing port in address".to_owned())?;
        return Ok((host, port));
    }
    match s.rsplit_once(':') {
        Some((host, _)) if host.contains(':') => Err("too many colons in address".to_owned()),
        Some((host, port)) => Ok((host, port)),
        None => Err("missing port in address".to_owned()),
    }
}

fn parse_port(port: &str) -> Result<u16, String> {
    if port.is_empty() {
        return Err("missing port".to_owned());
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid port {port:?}"));
    }
    port.parse::<u16>()
        .map_err(|_| format!("port {port} out of range"))
}

/// Parses `IP:port` as goptlib's `resolveAddr` does: the host must be an IP
/// literal; IPv6 may be bracketed or, as very old tors wrote it, bare (the
/// last colon then separates the port).
pub fn parse_ip_port(s: &str) -> Result<SocketAddr, String> {
    let (host, port) = match split_host_port(s) {
        Ok(parts) => parts,
        Err(e) => match s.rsplit_once(':') {
            Some((host, port)) if !s.starts_with('[') && host.contains(':') => (host, port),
            _ => return Err(e),
        },
    };
    if host.is_empty() {
        return Err(format!("address {s:?} lacks a host part"));
    }
    let ip: IpAddr = host
        .parse()
        .map_err(|_| format!("not an IP address: {host:?}"))?;
    if s.starts_with('[') && ip.is_ipv4() {
        return Err(format!("IPv4 address in brackets: {host:?}"));
    }
    Ok(SocketAddr::new(ip, parse_port(port)?))
}

fn non_empty<'a>(vars: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

fn required<'a>(
    vars: &'a HashMap<String, String>,
    name: &'static str,
) -> Result<&'a str, EnvError> {
    non_empty(vars, name).ok_or(EnvError::Missing(name))
}

fn check_version(vars: &HashMap<String, String>) -> Result<(), EnvError> {
    let offered = required(vars, MANAGED_TRANSPORT_VER)?;
    if offered.split(',').any(|v| v == "1") {
        Ok(())
    } else {
        Err(EnvError::NoSupportedVersion {
            offered: offered.to_owned(),
        })
    }
}

fn parse_common(vars: &HashMap<String, String>) -> Result<CommonEnv, EnvError> {
    let outbound_bind_v4 = match non_empty(vars, OUTBOUND_BIND_ADDRESS_V4) {
        None => None,
        Some(v) => Some(v.parse::<Ipv4Addr>().map_err(|_| EnvError::BadAddr {
            var: OUTBOUND_BIND_ADDRESS_V4,
            value: v.to_owned(),
            reason: "not an IPv4 address".to_owned(),
        })?),
    };
    let outbound_bind_v6 = match non_empty(vars, OUTBOUND_BIND_ADDRESS_V6) {
        None => None,
        Some(v) => {
            let bare = v
                .strip_prefix('[')
                .and_then(|x| x.strip_suffix(']'))
                .unwrap_or(v);
            Some(bare.parse::<Ipv6Addr>().map_err(|_| EnvError::BadAddr {
                var: OUTBOUND_BIND_ADDRESS_V6,
                value: v.to_owned(),
                reason: "not an IPv6 address".to_owned(),
            })?)
        }
    };
    Ok(CommonEnv {
        state_location: non_empty(vars, STATE_LOCATION).map(PathBuf::from),
        exit_on_stdin_close: vars.get(EXIT_ON_STDIN_CLOSE).is_some_and(|v| v == "1"),
        outbound_bind_v4,
        outbound_bind_v6,
    })
}

/// What tor asks of a client transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEnv {
    /// Settings shared with the server role.
    pub common: CommonEnv,
    /// `TOR_PT_CLIENT_TRANSPORTS`, in tor's order. Answer each with
    /// `CMETHOD` or `CMETHOD-ERROR`, then `CMETHODS DONE`.
    pub transports: Vec<String>,
    /// `TOR_PT_PROXY`: answer with `PROXY DONE` or `PROXY-ERROR` right after
    /// `VERSION 1`.
    pub proxy: Option<ProxyUrl>,
}

/// Parses the client environment. On success print `VERSION 1`; on error
/// print [`EnvError::pt_lines`].
pub fn parse_client_env(vars: &HashMap<String, String>) -> Result<ClientEnv, EnvError> {
    check_version(vars)?;
    let transports = required(vars, CLIENT_TRANSPORTS)?
        .split(',')
        .map(str::to_owned)
        .collect();
    let proxy = match non_empty(vars, PROXY) {
        None => None,
        Some(v) => Some(parse_proxy_url(v).map_err(EnvError::BadProxy)?),
    };
    Ok(ClientEnv {
        common: parse_common(vars)?,
        transports,
        proxy,
    })
}

/// Reads and parses the client environment of this process.
pub fn client_env_from_process() -> Result<ClientEnv, EnvError> {
    parse_client_env(&read_tor_pt_env()?)
}

/// A transport the server must listen for (one `TOR_PT_SERVER_BINDADDR`
/// entry whose name is also in `TOR_PT_SERVER_TRANSPORTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bindaddr {
    /// Transport name.
    pub method_name: String,
    /// Address to listen on.
    pub addr: SocketAddr,
    /// This transport's `TOR_PT_SERVER_TRANSPORT_OPTIONS` (torrc
    /// `ServerTransportOptions`), possibly empty.
    pub options: PtArgs,
}

/// Where to forward client streams to tor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrTarget {
    /// The Extended ORPort, with the cookie file to authenticate.
    Extended {
        /// ExtORPort address.
        addr: SocketAddr,
        /// `TOR_PT_AUTH_COOKIE_FILE`, re-read on every connection.
        cookie_file: PathBuf,
    },
    /// The plain ORPort (no client address reporting).
    Plain(SocketAddr),
}

/// What tor asks of a server transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEnv {
    /// Settings shared with the client role.
    pub common: CommonEnv,
    /// `TOR_PT_SERVER_TRANSPORTS`.
    pub transports: Vec<String>,
    /// Listen addresses, filtered to the requested transports, in
    /// `TOR_PT_SERVER_BINDADDR` order. Answer each with `SMETHOD` or
    /// `SMETHOD-ERROR`, then `SMETHODS DONE`.
    pub bindaddrs: Vec<Bindaddr>,
    /// `TOR_PT_ORPORT`.
    pub or_port: Option<SocketAddr>,
    /// `TOR_PT_EXTENDED_SERVER_PORT` (empty or unset = none).
    pub ext_or_port: Option<SocketAddr>,
    /// `TOR_PT_AUTH_COOKIE_FILE`; always present when `ext_or_port` is.
    pub auth_cookie_file: Option<PathBuf>,
}

impl ServerEnv {
    /// The ExtORPort when tor offers one (with its cookie file), else the
    /// plain ORPort, as goptlib's `DialOr` chooses. Always `Some` for a
    /// value from [`parse_server_env`].
    pub fn or_target(&self) -> Option<OrTarget> {
        match (&self.ext_or_port, &self.auth_cookie_file, &self.or_port) {
            (Some(addr), Some(cookie), _) => Some(OrTarget::Extended {
                addr: *addr,
                cookie_file: cookie.clone(),
            }),
            (_, _, Some(addr)) => Some(OrTarget::Plain(*addr)),
            _ => None,
        }
    }

    /// The cookie file path, if any, as a `&Path`.
    pub fn auth_cookie_path(&self) -> Option<&Path> {
        self.auth_cookie_file.as_deref()
    }
}

/// Parses the server environment. On success print `VERSION 1`; on error
/// print [`EnvError::pt_lines`].
pub fn parse_server_env(vars: &HashMap<String, String>) -> Result<ServerEnv, EnvError> {
    check_version(vars)?;

    let options_value = vars
        .get(SERVER_TRANSPORT_OPTIONS)
        .map(String::as_str)
        .unwrap_or("");
    let mut options: BTreeMap<String, PtArgs> = parse_server_transport_options(options_value)
        .map_err(|source| EnvError::BadTransportOptions {
            value: options_value.to_owned(),
            source,
        })?;

    let mut all = Vec::new();
    for spec in required(vars, SERVER_BINDADDR)?.split(',') {
        let (name, addr) = spec.split_once('-').ok_or_else(|| EnvError::BadBindaddr {
            spec: spec.to_owned(),
            reason: "doesn't contain \"-\"".to_owned(),
        })?;
        if all.iter().any(|b: &Bindaddr| b.method_name == name) {
            return Err(EnvError::DuplicateBindaddr {
                spec: spec.to_owned(),
                name: name.to_owned(),
            });
        }
        let addr = parse_ip_port(addr).map_err(|reason| EnvError::BadBindaddr {
            spec: spec.to_owned(),
            reason,
        })?;
        all.push(Bindaddr {
            method_name: name.to_owned(),
            addr,
            options: options.remove(name).unwrap_or_default(),
        });
    }

    let transports: Vec<String> = required(vars, SERVER_TRANSPORTS)?
        .split(',')
        .map(str::to_owned)
        .collect();
    let bindaddrs = all
        .into_iter()
        .filter(|b| transports.contains(&b.method_name))
        .collect();

    let or_port = match non_empty(vars, ORPORT) {
        None => None,
        Some(v) => Some(parse_ip_port(v).map_err(|reason| EnvError::BadAddr {
            var: ORPORT,
            value: v.to_owned(),
            reason,
        })?),
    };
    let auth_cookie_file = non_empty(vars, AUTH_COOKIE_FILE).map(PathBuf::from);
    let ext_or_port = match non_empty(vars, EXTENDED_SERVER_PORT) {
        None => None,
        Some(v) => {
            if auth_cookie_file.is_none() {
                return Err(EnvError::CookieFileRequired);
            }
            Some(parse_ip_port(v).map_err(|reason| EnvError::BadAddr {
                var: EXTENDED_SERVER_PORT,
                value: v.to_owned(),
                reason,
            })?)
        }
    };
    if or_port.is_none() && ext_or_port.is_none() {
        return Err(EnvError::NoOrPort);
    }

    Ok(ServerEnv {
        common: parse_common(vars)?,
        transports,
        bindaddrs,
        or_port,
        ext_or_port,
        auth_cookie_file,
    })
}

/// Reads and parses the server environment of this process.
pub fn server_env_from_process() -> Result<ServerEnv, EnvError> {
    parse_server_env(&read_tor_pt_env()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_port_forms() {
        assert_eq!(
            parse_ip_port("1.2.3.4:80").unwrap(),
            "1.2.3.4:80".parse().unwrap()
        );
        assert_eq!(
            parse_ip_port("[::1]:443").unwrap(),
            "[::1]:443".parse().unwrap()
        );
        assert_eq!(
            parse_ip_port("2001:db8::1:443").unwrap(),
            "[2001:db8::1]:443".parse().unwrap()
        );
        for bad in [
            "1.2.3.4",
            "1.2.3.4:",
            ":80",
            "host:80",
            "1.2.3.4:+80",
            "1.2.3.4:65536",
            "[1.2.3.4]:80",
            "[::1]",
            "[::1]80",
        ] {
            assert!(parse_ip_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn proxy_url_forms() {
        let p = parse_proxy_url("SOCKS5://us%40r:p%3Ass@[::1]:1080").unwrap();
        assert_eq!(p.scheme, "socks5");
        assert_eq!(p.username.as_deref(), Some("us@r"));
        assert_eq!(p.password.as_deref(), Some("p:ss"));
        assert_eq!(p.host, "::1");
        assert_eq!(p.port, 1080);
        assert_eq!(p.host_port(), "[::1]:1080");
        assert_eq!(p.to_string(), "socks5://us@r:[hidden]@[::1]:1080");
        let p = parse_proxy_url("http://proxy.example:3128/").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.username),
            ("proxy.example", 3128, None)
        );
        for bad in [
            "socks5:1.2.3.4:1080",
            "1socks://1.2.3.4:1",
            "socks5://",
            "socks5://1.2.3.4",
            "socks5://:1080",
            "socks5://1.2.3.4:99999",
            "socks5://1.2.3.4:1080/path",
            "socks5://u%zz@1.2.3.4:1080",
        ] {
            assert!(parse_proxy_url(bad).is_err(), "{bad}");
        }
    }
}
