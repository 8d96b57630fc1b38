//! The client's settings: command-line flags give the base, and the
//! arguments of each SOCKS connection (tor's bridge line) override them
//! for that connection only (§8.3).

use std::time::Duration;

use snowflake_common::messages::BridgeFingerprint;
use snowflake_common::pt::args::PtArgs;
use snowflake_common::sqs::{Credentials, CredentialsError, QueueUrl, QueueUrlError};
use snowflake_rtc::config::stun_urls_only;
use snowflake_rtc::covert::{CovertDtlsConfig, CovertDtlsError, CovertDtlsMode};
use snowflake_rtc::RtcConfig;

use crate::rendezvous_tls::{utls_nosni, RendezvousTls, UnknownProfile};
use crate::upstream_proxy::{UdpAssociationFactory, UpstreamProxy};

/// Upstream's default number of proxies (`DefaultSnowflakeCapacity`).
pub const DEFAULT_MAX_PROXIES: usize = 1;
/// Upper bound on `max`: each proxy is a WebRTC peer connection.
pub const MAX_PROXIES_LIMIT: usize = 16;

/// The number of proxies for a `max` of `asked` (the flag or the
/// bridge-line argument): less than 1 means 1, as upstream reads it; more
/// than [`MAX_PROXIES_LIMIT`] is capped there (upstream has no cap), with
/// a note to report, so that an existing configuration still starts.
pub fn max_proxies(asked: i64) -> (usize, Option<String>) {
    if asked < 1 {
        return (1, None);
    }
    match usize::try_from(asked) {
        Ok(n) if n <= MAX_PROXIES_LIMIT => (n, None),
        _ => (
            MAX_PROXIES_LIMIT,
            Some(format!(
                "{asked}: using {MAX_PROXIES_LIMIT} proxies, the most this client keeps at once"
            )),
        ),
    }
}
/// Default cap on concurrent SOCKS connections (sessions); tor opens one
/// per bridge, so this only stops a runaway local application.
pub const DEFAULT_MAX_SESSIONS: usize = 256;
/// How long a data channel may take to open after the answer arrives
/// (upstream's `DataChannelTimeout`).
pub const DATA_CHANNEL_TIMEOUT: Duration = Duration::from_secs(10);

/// Bridge-line arguments upstream knows that this client does not
/// implement; each is reported to tor and the log, then ignored. (None
/// now: `utls-imitate` and `utls-nosni` choose the rendezvous' TLS hello.)
pub const UNSUPPORTED_ARGS: &[&str] = &[];

/// Everything one client session needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Broker URL (`-url`, `url=`). Required to reach any proxy.
    pub broker_url: Option<String>,
    /// Front domains for domain fronting (`-front`, `front=`, `fronts=`);
    /// one is picked at random per broker request.
    pub fronts: Vec<String>,
    /// AMP cache URL (`-ampcache`, `ampcache=`).
    pub amp_cache: Option<String>,
    /// The broker's SQS queue (`-sqsqueue`, `sqsqueue=`): SQS rendezvous
    /// instead of HTTP, with [`ClientConfig::sqs_creds`]
    /// (docs/sqs-rendezvous.md).
    pub sqs_queue: Option<QueueUrl>,
    /// The credentials for the SQS queue (`-sqscreds`, `sqscreds=`).
    pub sqs_creds: Option<Credentials>,
    /// STUN servers (`-ice`, `ice=`); only `stun:` URLs are kept.
    pub ice_servers: Vec<String>,
    /// Proxies to keep connected (`-max`, `max=`).
    pub max_proxies: usize,
    /// Stripe packets over all connected proxies instead of using one at a
    /// time (`-striping`, `striping=`).
    pub striping: bool,
    /// The bridge asked of the broker (`fingerprint=`).
    pub fingerprint: BridgeFingerprint,
    /// Keep local addresses in the offer (`-keep-local-addresses`).
    pub keep_local_addresses: bool,
    /// ICE over 127.0.0.1 only (tests and demos; `-loopback-only`).
    pub loopback_only: bool,
    /// Log client addresses unscrubbed (`-unsafe-logging`).
    pub unsafe_logging: bool,
    /// How long a data channel may take to open.
    pub data_channel_timeout: Duration,
    /// Concurrent SOCKS connections served; more are closed at once.
    pub max_sessions: usize,
    /// How the DTLS handshake and certificate are shaped
    /// (`-covertdtls-config`, `covertdtls-config=`, `-covertdtls-fingerprint`,
    /// `covertdtls-fingerprint=`).
    pub covert_dtls: CovertDtlsConfig,
    /// Use the datagram channel when the proxy offers it (`-datagrams`,
    /// `datagrams=`; docs/datagram-channel.md). Only our proxy offers it.
    pub datagrams: bool,
    /// The upstream proxy tor asked for (`TOR_PT_PROXY`): the broker
    /// rendezvous goes through it and, with a SOCKS5 proxy, WebRTC's
    /// datagrams and the NAT check too (docs/upstream-proxy.md).
    pub upstream_proxy: Option<UpstreamProxy>,
    /// Send only the rendezvous through the upstream proxy; WebRTC's UDP
    /// and the NAT check go directly (`-proxy-rendezvous-only`, for
    /// proxies that carry only TCP).
    pub proxy_rendezvous_only: bool,
    /// The rendezvous' TLS ClientHello (`utls-imitate=`, `utls-nosni=`;
    /// docs/rendezvous-tls.md): Chrome's by default.
    pub rendezvous_tls: RendezvousTls,
    /// tor's state directory for this transport (`TOR_PT_STATE_LOCATION`),
    /// where the rendezvous method that last worked is remembered
    /// (docs/rendezvous-fallback.md); `None`: not remembered.
    pub state_dir: Option<std::path::PathBuf>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            broker_url: None,
            fronts: Vec::new(),
            amp_cache: None,
            sqs_queue: None,
            sqs_creds: None,
            ice_servers: Vec::new(),
            max_proxies: DEFAULT_MAX_PROXIES,
            striping: false,
            fingerprint: BridgeFingerprint::default(),
            keep_local_addresses: false,
            loopback_only: false,
            unsafe_logging: false,
            data_channel_timeout: DATA_CHANNEL_TIMEOUT,
            max_sessions: DEFAULT_MAX_SESSIONS,
            covert_dtls: CovertDtlsConfig::client_default(),
            datagrams: DEFAULT_DATAGRAMS,
            upstream_proxy: None,
            proxy_rendezvous_only: false,
            rendezvous_tls: RendezvousTls::default(),
            state_dir: None,
        }
    }
}

/// Whether the datagram channel is used by default.
pub const DEFAULT_DATAGRAMS: bool = true;

/// A bridge-line argument that cannot be used; the SOCKS connection is
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// `max` is not a number in 1..=[`MAX_PROXIES_LIMIT`].
    #[error("max={0:?}: expected a number of proxies")]
    BadMax(String),
    /// `fingerprint` is not 40 (or 64) hex digits.
    #[error("fingerprint={0:?}: expected 40 hex digits")]
    BadFingerprint(String),
    /// A boolean argument with a value other than true/false/1/0/yes/no.
    #[error("{key}={value:?}: expected true or false")]
    BadBool {
        /// The argument.
        key: String,
        /// Its value.
        value: String,
    },
    /// `covertdtls-config` or `covertdtls-fingerprint` with a value that
    /// cannot be used.
    #[error("{key}: {error}")]
    BadCovertDtls {
        /// The argument.
        key: String,
        /// What is wrong with its value.
        error: CovertDtlsError,
    },
    /// `sqsqueue` is not a usable queue URL.
    #[error("sqsqueue={value:?}: {error}")]
    BadSqsQueue {
        /// The value.
        value: String,
        /// What is wrong with it.
        error: QueueUrlError,
    },
    /// `sqscreds` cannot be decoded.
    #[error("sqscreds: {0}")]
    BadSqsCreds(CredentialsError),
    /// `sqsqueue` without `sqscreds`.
    #[error("sqsqueue needs sqscreds (base64 of the queue's AWS credentials)")]
    SqsWithoutCreds,
    /// `utls-imitate` names no ClientHello we know.
    #[error("utls-imitate: {0}")]
    BadUtlsImitate(UnknownProfile),
    /// No broker URL or SQS queue from the flags or the bridge line.
    #[error(
        "no broker URL: pass -url or a url= bridge-line argument (or sqsqueue= and sqscreds=)"
    )]
    NoBroker,
}

/// Parses the boolean spellings Go's `strconv.ParseBool` and upstream's
/// `utls-nosni` accept.
pub fn parse_bool(key: &str, value: &str) -> Result<bool, ArgError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" => Ok(true),
        "0" | "f" | "false" | "no" => Ok(false),
        _ => Err(ArgError::BadBool {
            key: key.to_string(),
            value: value.to_string(),
        }),
    }
}

/// Splits a comma-separated list, dropping blanks (flags and arguments).
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An `sqsqueue` value: `None` when empty.
pub fn parse_sqs_queue(value: &str) -> Result<Option<QueueUrl>, ArgError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    QueueUrl::parse(value)
        .map(Some)
        .map_err(|error| ArgError::BadSqsQueue {
            value: value.to_string(),
            error,
        })
}

/// An `sqscreds` value: `None` when empty.
pub fn parse_sqs_creds(value: &str) -> Result<Option<Credentials>, ArgError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    Credentials::from_sqscreds(value)
        .map(Some)
        .map_err(ArgError::BadSqsCreds)
}

fn covert_error(key: &str, error: CovertDtlsError) -> ArgError {
    ArgError::BadCovertDtls {
        key: key.to_string(),
        error,
    }
}

impl ClientConfig {
    /// This configuration with one SOCKS connection's arguments applied.
    /// Returns the warnings to report (arguments known to upstream that
    /// this client does not implement, and unknown arguments).
    pub fn with_args(&self, args: &PtArgs) -> Result<(ClientConfig, Vec<String>), ArgError> {
        let mut config = self.clone();
        let mut warnings = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in args.iter() {
            // Repeated keys: the first value counts (goptlib's Get).
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            match key {
                "url" => config.broker_url = Some(value.to_string()),
                "front" => {
                    if args.get("fronts").is_none() {
                        config.fronts = split_list(value);
                    }
                }
                "fronts" => config.fronts = split_list(value),
                "ampcache" => config.amp_cache = Some(value.to_string()),
                // Empty values mean unset, as in upstream.
                "sqsqueue" => {
                    config.sqs_queue = parse_sqs_queue(value)?;
                }
                "sqscreds" => {
                    config.sqs_creds = parse_sqs_creds(value)?;
                }
                "ice" => config.ice_servers = stun_urls_only(split_list(value)),
                "max" => {
                    let asked = value
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| ArgError::BadMax(value.to_string()))?;
                    let (max, note) = max_proxies(asked);
                    config.max_proxies = max;
                    warnings.extend(note.map(|note| format!("max={note}")));
                }
                "fingerprint" => {
                    config.fingerprint = BridgeFingerprint::from_hex(value)
                        .map_err(|_| ArgError::BadFingerprint(value.to_string()))?;
                }
                "striping" => config.striping = parse_bool(key, value)?,
                "datagrams" => config.datagrams = parse_bool(key, value)?,
                // An empty value means unset: the client's default mode, no
                // fingerprint (not the flag's value).
                "covertdtls-config" => {
                    let mode =
                        CovertDtlsMode::parse_or(value, CovertDtlsConfig::CLIENT_DEFAULT_MODE)
                            .map_err(|error| covert_error(key, error))?;
                    config.covert_dtls = config.covert_dtls.with_mode(mode);
                }
                "covertdtls-fingerprint" => {
                    config.covert_dtls = config
                        .covert_dtls
                        .with_fingerprint_hex(value)
                        .map_err(|error| covert_error(key, error))?;
                }
                // The note of a substituted hello (e.g. Safari's, which
                // BoringSSL cannot send) goes to tor's log like a warning.
                "utls-imitate" => {
                    let (profile, note) =
                        RendezvousTls::imitate(value).map_err(ArgError::BadUtlsImitate)?;
                    config.rendezvous_tls.profile = profile;
                    warnings.extend(note);
                }
                // As upstream: `true` or `yes` (any case) drop the SNI,
                // anything else keeps it.
                "utls-nosni" => config.rendezvous_tls.send_sni = !utls_nosni(Some(value)),
                _ if UNSUPPORTED_ARGS.contains(&key) => {
                    warnings.push(format!(
                        "bridge-line argument {key} is not supported by this client; ignored"
                    ));
                }
                _ => warnings.push(format!("unknown bridge-line argument {key}; ignored")),
            }
        }
        config.check_rendezvous()?;
        config.keep_addresses_unscrubbed();
        Ok((config, warnings))
    }

    /// At least one way to the broker: SQS (queue and credentials) or a
    /// broker URL. Upstream allows one at a time; here SQS may come with a
    /// broker URL (and AMP cache), and the client falls back from one to
    /// the other (docs/rendezvous-fallback.md).
    pub fn check_rendezvous(&self) -> Result<(), ArgError> {
        match (&self.sqs_queue, &self.sqs_creds) {
            (Some(_), None) => Err(ArgError::SqsWithoutCreds),
            (Some(_), Some(_)) => Ok(()),
            (None, _) if self.broker_url.is_none() => Err(ArgError::NoBroker),
            (None, _) => Ok(()),
        }
    }

    /// The broker, AMP cache and STUN servers are the user's own settings
    /// (flags and bridge line), not a peer's address: the log shows them
    /// even when it scrubs addresses (see `common::safelog`).
    fn keep_addresses_unscrubbed(&self) {
        for text in self
            .broker_url
            .iter()
            .chain(&self.amp_cache)
            .chain(&self.ice_servers)
        {
            snowflake_common::safelog::keep_operator_addresses_in(text);
        }
        if let Some(queue) = &self.sqs_queue {
            snowflake_common::safelog::keep_operator_addresses_in(queue.as_str());
        }
        if let Some(proxy) = &self.upstream_proxy {
            snowflake_common::safelog::keep_operator_addresses_in(&proxy.server().to_string());
        }
    }

    /// The upstream proxy WebRTC's datagrams go through: a SOCKS5
    /// `TOR_PT_PROXY`, unless only the rendezvous is to use it.
    pub fn udp_proxy(&self) -> Option<&UpstreamProxy> {
        self.upstream_proxy
            .as_ref()
            .filter(|proxy| proxy.carries_udp() && !self.proxy_rendezvous_only)
    }

    /// The WebRTC settings for this configuration.
    pub fn rtc_config(&self) -> RtcConfig {
        let base = if self.loopback_only {
            RtcConfig::loopback()
        } else {
            RtcConfig::default().with_keep_local_addresses(self.keep_local_addresses)
        };
        let config = base
            .with_ice_servers(self.ice_servers.iter())
            .with_covert_dtls(self.covert_dtls.clone())
            .with_datagrams(self.datagrams);
        match self.udp_proxy() {
            Some(proxy) => config.with_packet_sockets(std::sync::Arc::new(
                UdpAssociationFactory::new(proxy.clone()),
            )),
            None => config,
        }
    }

    /// The ICE servers actually used: upstream shuffles the list and, when
    /// it has more than two entries, keeps half of it (rounded up), so that
    /// one client does not contact every server.
    pub fn pick_ice_servers(&self) -> Vec<String> {
        use rand::seq::SliceRandom;
        let mut servers = self.ice_servers.clone();
        servers.shuffle(&mut rand::rng());
        if servers.len() > 2 {
            servers.truncate(servers.len().div_ceil(2));
        }
        servers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::pt::args::parse_client_args;
    use snowflake_rtc::covert::config::parse_fingerprint;

    fn base() -> ClientConfig {
        ClientConfig {
            broker_url: Some("https://flag.example/".into()),
            fronts: vec!["flagfront.example".into()],
            ice_servers: vec!["stun:flag.example:3478".into()],
            ..ClientConfig::default()
        }
    }

    fn apply(args: &str) -> Result<(ClientConfig, Vec<String>), ArgError> {
        base().with_args(&parse_client_args(args.as_bytes()).expect("args parse"))
    }

    #[test]
    fn no_arguments_keep_the_flags() {
        let (config, warnings) = apply("").unwrap();
        assert_eq!(config, base());
        assert!(warnings.is_empty());
    }

    #[test]
    fn bridge_line_arguments_override_flags() {
        let (config, warnings) = apply(
            "url=https://broker.example/;front=a.example,b.example;ice=stun:s1.example:3478,turn:t.example,stun:s2.example;max=3;fingerprint=8838024498816A039FCBBAB14E6F40A0843051FA;ampcache=https://cdn.ampproject.org/;striping=true",
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            config.broker_url.as_deref(),
            Some("https://broker.example/")
        );
        assert_eq!(config.fronts, ["a.example", "b.example"]);
        assert_eq!(
            config.ice_servers,
            ["stun:s1.example:3478", "stun:s2.example"]
        );
        assert_eq!(config.max_proxies, 3);
        assert_eq!(
            config.fingerprint.to_hex().to_ascii_uppercase(),
            "8838024498816A039FCBBAB14E6F40A0843051FA"
        );
        assert_eq!(
            config.amp_cache.as_deref(),
            Some("https://cdn.ampproject.org/")
        );
        assert!(config.striping);
        // The base is untouched (upstream 2.5.1 leaked args into later
        // connections).
        assert_eq!(base().max_proxies, 1);
    }

    #[test]
    fn fronts_take_precedence_over_front() {
        let (config, _) = apply("front=old.example;fronts=x.example,y.example").unwrap();
        assert_eq!(config.fronts, ["x.example", "y.example"]);
        let (config, _) = apply("fronts=x.example;front=old.example").unwrap();
        assert_eq!(config.fronts, ["x.example"]);
    }

    #[test]
    fn unknown_arguments_are_reported() {
        let (_, warnings) = apply("utls-imitate=hellorandomizedalpn;frobnicate=1").unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("frobnicate") && warnings[0].contains("unknown"));
    }

    #[test]
    fn utls_arguments_choose_the_rendezvous_hello() {
        use crate::rendezvous_tls::HelloProfile;
        // Default: Chrome's hello with SNI.
        let (config, _) = apply("").unwrap();
        assert_eq!(config.rendezvous_tls, RendezvousTls::default());
        assert_eq!(config.rendezvous_tls.profile, HelloProfile::Chrome);
        assert!(config.rendezvous_tls.send_sni);
        for (args, profile, sni) in [
            ("utls-imitate=hellochrome_auto", HelloProfile::Chrome, true),
            (
                "utls-imitate=HelloRandomizedALPN",
                HelloProfile::RandomizedAlpn,
                true,
            ),
            (
                "utls-imitate=hellorandomizednoalpn;utls-nosni=true",
                HelloProfile::RandomizedNoAlpn,
                false,
            ),
            (
                "utls-imitate=hellogolang;utls-nosni=YES",
                HelloProfile::Golang,
                false,
            ),
            ("utls-nosni=false", HelloProfile::Chrome, true),
            ("utls-nosni=1", HelloProfile::Chrome, true),
            ("utls-imitate=", HelloProfile::Chrome, true),
        ] {
            let (config, warnings) = apply(args).unwrap();
            assert!(warnings.is_empty(), "{args}: {warnings:?}");
            assert_eq!(
                config.rendezvous_tls,
                RendezvousTls {
                    profile,
                    send_sni: sni
                },
                "{args}"
            );
        }
        // A substitution is reported.
        let (config, warnings) = apply("utls-imitate=helloios_auto").unwrap();
        assert_eq!(config.rendezvous_tls.profile, HelloProfile::Chrome);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("utls-imitate=helloios_auto") && warnings[0].contains("Chrome"),
            "{warnings:?}"
        );
        // An unknown hello refuses the connection, naming the value.
        let error = apply("utls-imitate=hellonetscape_4").unwrap_err();
        assert!(matches!(error, ArgError::BadUtlsImitate(_)), "{error:?}");
        let text = error.to_string();
        assert!(
            text.starts_with("utls-imitate: ") && text.contains("hellonetscape_4"),
            "{text}"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(apply("max=abc"), Err(ArgError::BadMax("abc".into())));
        // As upstream: less than 1 is 1. Above our cap: the cap, reported.
        for (value, expected, notes) in [("0", 1, 0), ("-3", 1, 0), ("16", 16, 0), ("1000", 16, 1)]
        {
            let (config, warnings) = apply(&format!("max={value}")).unwrap();
            assert_eq!(config.max_proxies, expected, "{value}");
            assert_eq!(warnings.len(), notes, "{value}: {warnings:?}");
        }
        assert!(matches!(
            apply("fingerprint=zz"),
            Err(ArgError::BadFingerprint(_))
        ));
        assert!(matches!(
            apply("striping=maybe"),
            Err(ArgError::BadBool { .. })
        ));
        let no_url = ClientConfig::default();
        assert_eq!(no_url.with_args(&PtArgs::new()), Err(ArgError::NoBroker));
    }

    const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/snowflake-broker";
    /// base64 of `{"aws-access-key-id":"a","aws-secret-key":"b"}`.
    const CREDS: &str = "eyJhd3MtYWNjZXNzLWtleS1pZCI6ImEiLCJhd3Mtc2VjcmV0LWtleSI6ImIifQ==";

    #[test]
    fn sqs_arguments() {
        let no_url = ClientConfig::default();
        let with = |args: &str| no_url.with_args(&parse_client_args(args.as_bytes()).unwrap());
        let (config, warnings) = with(&format!("sqsqueue={QUEUE};sqscreds={CREDS}")).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.sqs_queue.as_ref().map(|q| q.as_str()), Some(QUEUE));
        assert_eq!(
            config.sqs_queue.as_ref().map(|q| q.region()),
            Some("us-east-1")
        );
        assert_eq!(
            config.sqs_creds.as_ref().map(|c| c.access_key_id()),
            Some("a")
        );
        assert_eq!(
            with(&format!("sqsqueue={QUEUE}")),
            Err(ArgError::SqsWithoutCreds)
        );
        assert!(matches!(
            with(&format!("sqsqueue=ftp://x/q;sqscreds={CREDS}")),
            Err(ArgError::BadSqsQueue { .. })
        ));
        assert!(matches!(
            with(&format!("sqsqueue={QUEUE};sqscreds=not-base64!")),
            Err(ArgError::BadSqsCreds(_))
        ));
        // SQS beside a broker URL (and an AMP cache): both kept, the
        // client falls back from one to the other.
        let (both, _) = base()
            .with_args(
                &parse_client_args(format!("sqsqueue={QUEUE};sqscreds={CREDS}").as_bytes())
                    .unwrap(),
            )
            .expect("SQS beside the flags' url");
        assert!(both.sqs_queue.is_some() && both.broker_url.is_some());
        assert!(with(&format!(
            "sqsqueue={QUEUE};sqscreds={CREDS};ampcache=https://cdn.ampproject.org/"
        ))
        .is_ok());
        // Empty values are unset; credentials alone change nothing.
        let (config, _) = apply(&format!("sqsqueue=;sqscreds={CREDS}")).unwrap();
        assert_eq!(config.sqs_queue, None);
        assert!(config.sqs_creds.is_some());
        assert_eq!(with("sqsqueue="), Err(ArgError::NoBroker));
    }

    /// A ClientHello body in upstream's `covertdtls-fingerprint` form.
    const HELLO: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

    #[test]
    fn covert_dtls_arguments_override_the_flags() {
        let hello = parse_fingerprint(HELLO).unwrap().unwrap();
        let mut flags = base();
        flags.covert_dtls = CovertDtlsConfig::client_from_strings("randomize", HELLO).unwrap();
        let with = |args: &str| {
            flags
                .with_args(&parse_client_args(args.as_bytes()).unwrap())
                .unwrap()
        };
        // No argument: the flags' setting.
        let (config, warnings) = with("");
        assert_eq!(config.covert_dtls, flags.covert_dtls);
        assert!(warnings.is_empty());
        // The mode, in any case; the flag's fingerprint stays.
        let (config, warnings) = with("covertdtls-config=RandomizeMimic");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.covert_dtls.mode(), CovertDtlsMode::RandomizeMimic);
        assert_eq!(config.covert_dtls.fingerprint(), Some(&hello[..]));
        // Empty values are unset: the client's default mode, no fingerprint.
        let (config, _) = with("covertdtls-config=;covertdtls-fingerprint=");
        assert_eq!(config.covert_dtls, CovertDtlsConfig::client_default());
        // A fingerprint from the bridge line on the default flags.
        let (config, warnings) = apply(&format!(
            "covertdtls-config=disable;covertdtls-fingerprint={HELLO}"
        ))
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.covert_dtls.mode(), CovertDtlsMode::Disable);
        assert_eq!(config.covert_dtls.fingerprint(), Some(&hello[..]));
        assert_eq!(config.rtc_config().covert_dtls(), &config.covert_dtls);
    }

    #[test]
    fn covert_dtls_defaults_and_reaches_the_rtc_config() {
        let config = ClientConfig::default();
        assert_eq!(config.covert_dtls, CovertDtlsConfig::client_default());
        assert_eq!(config.covert_dtls.mode(), CovertDtlsMode::Mimic);
        for loopback_only in [false, true] {
            let config = ClientConfig {
                loopback_only,
                covert_dtls: CovertDtlsConfig::client_default()
                    .with_mode(CovertDtlsMode::Randomize),
                ..ClientConfig::default()
            };
            assert_eq!(
                config.rtc_config().covert_dtls().mode(),
                CovertDtlsMode::Randomize
            );
        }
    }

    #[test]
    fn bad_covert_dtls_arguments_are_refused() {
        let error = apply("covertdtls-config=sometimes").unwrap_err();
        assert_eq!(
            error,
            ArgError::BadCovertDtls {
                key: "covertdtls-config".into(),
                error: CovertDtlsError::UnknownMode("sometimes".into()),
            }
        );
        let text = error.to_string();
        assert!(
            text.starts_with("covertdtls-config: ") && text.contains("randomizemimic"),
            "{text}"
        );
        for bad in ["zz", "fefd", "0303aa"] {
            let error = apply(&format!("covertdtls-fingerprint={bad}")).unwrap_err();
            assert!(
                matches!(&error, ArgError::BadCovertDtls { key, .. } if key == "covertdtls-fingerprint"),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn webrtc_udp_goes_through_a_socks5_upstream_proxy_only() {
        use crate::upstream_proxy::UpstreamProxy;
        let with = |url: &str, rendezvous_only: bool| ClientConfig {
            upstream_proxy: Some(UpstreamProxy::parse(url).unwrap()),
            proxy_rendezvous_only: rendezvous_only,
            ..base()
        };
        assert!(base().rtc_config().packet_sockets().is_none());
        let socks5 = with("socks5://u:p@127.0.0.1:1080", false);
        assert!(socks5.udp_proxy().is_some());
        assert!(socks5.rtc_config().packet_sockets().is_some());
        for config in [
            with("socks5://127.0.0.1:1080", true),
            with("http://127.0.0.1:3128", false),
            with("socks4a://127.0.0.1:1080", true),
        ] {
            assert!(config.udp_proxy().is_none(), "{config:?}");
            assert!(config.rtc_config().packet_sockets().is_none(), "{config:?}");
        }
        // Bridge-line arguments leave the proxy alone.
        let (config, _) = socks5
            .with_args(&parse_client_args(b"max=2").unwrap())
            .unwrap();
        assert_eq!(config.upstream_proxy, socks5.upstream_proxy);
    }

    #[test]
    fn ice_servers_are_halved_when_more_than_two() {
        let mut config = base();
        config.ice_servers = (0..8).map(|i| format!("stun:s{i}.example")).collect();
        let picked = config.pick_ice_servers();
        assert_eq!(picked.len(), 4);
        assert!(picked.iter().all(|s| config.ice_servers.contains(s)));
        config.ice_servers.truncate(2);
        assert_eq!(config.pick_ice_servers().len(), 2);
    }
}
