//! The command line: the Go broker's flag names, read as Go reads them
//! ([`snowflake_common::cli`]), turned into a [`BrokerConfig`] and the
//! files to reload on SIGHUP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use snowflake_common::acme::{parse_hostnames, AcmeConfig};
use snowflake_common::cli::{parse_go_duration, parse_listen_addr};

use crate::bridges::BridgeList;
use crate::config::{load_poll_intervals, GeoIpFiles, ReloadableFiles};
use crate::sqs::SqsOptions;
use crate::{BrokerConfig, IpCountSettings, TlsFiles};

/// Snowflake broker: matches censored clients with volunteer proxies.
//
// Boolean flags are plain `bool` fields: `snowflake_common::cli` gives
// them Go's syntax (`-flag`, `-flag=true`, `-flag=false`).
#[derive(Debug, Clone, Parser)]
#[command(name = "snowflake-broker", version)]
pub struct Args {
    /// Address to listen on (Go syntax: ":443" means every interface).
    #[arg(long, default_value = ":443", value_parser = parse_listen_addr)]
    pub addr: SocketAddr,
    /// TLS certificate file (PEM).
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// TLS private key file (PEM).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Serve plain HTTP (behind a TLS-terminating reverse proxy).
    #[arg(long)]
    pub disable_tls: bool,
    /// Comma-separated hostnames for TLS certificate (ACME, from Let's
    /// Encrypt; used without -cert/-key and -disable-tls).
    #[arg(long, default_value = "")]
    pub acme_hostnames: String,
    /// Optional contact email for Let's Encrypt notifications.
    #[arg(long, default_value = "")]
    pub acme_email: String,
    /// Directory in which certificates should be cached.
    #[arg(long, default_value = "acme-cert-cache")]
    pub acme_cert_cache: String,
    /// Testing: the ACME directory URL.
    #[arg(long, hide = true, default_value = snowflake_common::acme::LETS_ENCRYPT)]
    pub acme_directory: String,
    /// Testing: PEM file of the roots to trust for the ACME server's
    /// HTTPS (default: the usual web roots).
    #[arg(long, hide = true)]
    pub acme_ca_roots: Option<PathBuf>,
    /// Testing: where the ACME HTTP-01 listener listens (empty: none).
    #[arg(long, hide = true, default_value = ":80")]
    pub acme_http_addr: String,
    /// Bridge list file: JSON lines of displayName, webSocketAddress, fingerprint.
    #[arg(long)]
    pub bridge_list_path: Option<PathBuf>,
    /// Relay hostname pattern of this broker's relays; proxies must accept it.
    #[arg(long, default_value = "")]
    pub allowed_relay_pattern: String,
    /// Pattern assumed for proxies that send none (empty: refuse them).
    #[arg(long, default_value = "")]
    pub default_relay_pattern: String,
    /// IPv4 geoip file (tor format) [default: /usr/share/tor/geoip if present].
    #[arg(long)]
    pub geoipdb: Option<PathBuf>,
    /// IPv6 geoip file (tor format) [default: /usr/share/tor/geoip6 if present].
    #[arg(long)]
    pub geoip6db: Option<PathBuf>,
    /// Do not use geoip for statistics.
    #[arg(long)]
    pub disable_geoip: bool,
    /// File to append the daily metrics to (also served at /metrics);
    /// unset, they go to stdout, as upstream.
    #[arg(long)]
    pub metrics_log: Option<PathBuf>,
    /// Log client and proxy addresses unscrubbed.
    #[arg(long)]
    pub unsafe_logging: bool,
    /// JSON file with open_poll_interval, moderate_poll_interval, strict_poll_interval (ms; 2.14 keys also read).
    #[arg(long)]
    pub poll_interval_filepath: Option<PathBuf>,
    /// How long a client waits for its proxy's answer, from the start of its request.
    #[arg(long, default_value = "5s", value_parser = parse_go_duration)]
    pub client_timeout: Duration,
    /// How long a proxy poll is held waiting for a client.
    #[arg(long, default_value = "10s", value_parser = parse_go_duration)]
    pub proxy_timeout: Duration,
    /// Interval of the metrics log.
    #[arg(long, default_value = "24h", value_parser = parse_go_duration)]
    pub metrics_interval: Duration,
    /// Most proxy polls held at once.
    #[arg(long, default_value_t = 200_000)]
    pub max_waiting_proxies: usize,
    /// Most matched clients waiting for answers at once.
    #[arg(long, default_value_t = 50_000)]
    pub max_waiting_clients: usize,
    /// Most open connections.
    #[arg(long, default_value_t = 16_000)]
    pub max_connections: usize,
    /// Number of trusted reverse proxy hops in front of the broker, used
    /// to find proxy addresses from the right of X-Forwarded-For (0 or
    /// less: the TCP peer).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub trusted_hops: i64,
    /// Path prefix of the distinct proxy address count files (unset: no counts).
    #[arg(long)]
    pub ip_count_prefix: Option<String>,
    /// Time interval between each chunk of the address count files.
    #[arg(long, default_value = "1h", value_parser = parse_go_duration)]
    pub ip_count_interval: Duration,
    /// Name of the SQS queue to create and listen on for client polls
    /// (empty: no SQS rendezvous). Credentials come from AWS_ACCESS_KEY_ID
    /// and AWS_SECRET_ACCESS_KEY or ~/.aws/credentials (AWS_PROFILE).
    #[arg(long, default_value = "")]
    pub broker_sqs_name: String,
    /// AWS region of the SQS queue (default: AWS_REGION).
    #[arg(long, default_value = "")]
    pub broker_sqs_region: String,
    /// Comma-separated AWS profiles to listen on the SQS queue as, one
    /// listener each, with each profile's credentials and region from
    /// ~/.aws/credentials and ~/.aws/config (empty: one listener with the
    /// default credentials).
    #[arg(long, default_value = "")]
    pub sqs_profiles: String,
    /// Testing: the SQS endpoint URL (default: https://sqs.<region>.amazonaws.com).
    #[arg(long, hide = true, default_value = "")]
    pub broker_sqs_endpoint: String,
}

/// Flags that cannot be used together, or files that do not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// A bad ACME setting (a hostname, the directory URL, the HTTP-01
    /// address).
    #[error("{0}")]
    Acme(String),
    /// ACME flags with `-cert`/`-key`.
    #[error("can't use -acme-email and -acme-hostnames with -cert and -key")]
    AcmeWithCert,
    /// `-cert` without `-key` or the reverse.
    #[error("-cert and -key must be given together")]
    CertWithoutKey,
    /// Neither TLS files nor `-disable-tls`.
    #[error("the --cert and --key, --acme-hostnames, or --disable-tls option is required")]
    NoTls,
    /// The bridge list does not load.
    #[error("{0}")]
    BridgeList(String),
    /// A geoip file named on the command line does not load.
    #[error("{0}")]
    GeoIp(String),
    /// A bad `-broker-sqs-*` value.
    #[error("{0}")]
    Sqs(String),
}

/// What the binary needs: the broker's configuration, and what to reload
/// on SIGHUP.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The broker's configuration.
    pub config: BrokerConfig,
    /// The files SIGHUP re-reads.
    pub reloadable: ReloadableFiles,
    /// SQS rendezvous, with `-broker-sqs-name`; the region and
    /// credentials from the environment are looked up at start.
    pub sqs: Option<SqsOptions>,
}

impl Args {
    /// Checks the flags and loads the files they name.
    pub fn into_settings(self) -> Result<Settings, CliError> {
        let sqs = SqsOptions::from_flags(
            &self.broker_sqs_name,
            &self.broker_sqs_region,
            &self.broker_sqs_endpoint,
        )
        .and_then(|sqs| sqs.map(|o| o.with_profiles(&self.sqs_profiles)).transpose())
        .map_err(CliError::Sqs)?;
        let acme_flags = !self.acme_hostnames.is_empty() || !self.acme_email.is_empty();
        let mut acme = None;
        let tls = match (self.cert, self.key, self.disable_tls) {
            (Some(_), Some(_), false) if acme_flags => return Err(CliError::AcmeWithCert),
            (Some(cert), Some(key), _) => Some(TlsFiles { cert, key }),
            (None, None, true) => None,
            (Some(_), None, _) | (None, Some(_), _) => return Err(CliError::CertWithoutKey),
            (None, None, false) if self.acme_hostnames.is_empty() => return Err(CliError::NoTls),
            (None, None, false) => {
                acme = Some(AcmeConfig {
                    hostnames: parse_hostnames(&self.acme_hostnames)
                        .map_err(|e| CliError::Acme(format!("-acme-hostnames: {e}")))?,
                    email: Some(self.acme_email).filter(|email| !email.is_empty()),
                    cache_dir: Some(PathBuf::from(self.acme_cert_cache))
                        .filter(|dir| !dir.as_os_str().is_empty()),
                    directory_url: self.acme_directory,
                    ca_roots: self.acme_ca_roots,
                    http01_addr: match self.acme_http_addr.as_str() {
                        "" => None,
                        addr => Some(
                            parse_listen_addr(addr)
                                .map_err(|e| CliError::Acme(format!("-acme-http-addr: {e}")))?,
                        ),
                    },
                });
                None
            }
        };
        let bridges = match &self.bridge_list_path {
            Some(path) => {
                BridgeList::from_file(path).map_err(|e| CliError::BridgeList(e.to_string()))?
            }
            None => BridgeList::default(),
        };
        let reloadable = ReloadableFiles {
            geoip: GeoIpFiles {
                disabled: self.disable_geoip,
                v4: self.geoipdb,
                v6: self.geoip6db,
            },
            poll_intervals: self.poll_interval_filepath,
        };
        let config = BrokerConfig {
            listen_addr: self.addr,
            tls,
            acme,
            bridges,
            allowed_relay_pattern: self.allowed_relay_pattern,
            default_relay_pattern: Some(self.default_relay_pattern)
                .filter(|pattern| !pattern.is_empty()),
            geoip: reloadable.geoip.load().map_err(CliError::GeoIp)?,
            metrics_log_stdout: self.metrics_log.is_none(),
            metrics_log_path: self.metrics_log,
            metrics_log_interval: self.metrics_interval,
            unsafe_logging: self.unsafe_logging,
            pool_intervals: Some(load_poll_intervals(reloadable.poll_intervals.as_deref())),
            proxy_timeout: self.proxy_timeout,
            client_timeout: self.client_timeout,
            max_waiting_proxies: self.max_waiting_proxies,
            max_waiting_clients: self.max_waiting_clients,
            max_connections: self.max_connections,
            trusted_hops: usize::try_from(self.trusted_hops).unwrap_or(0),
            ip_count: self
                .ip_count_prefix
                .filter(|prefix| !prefix.is_empty())
                .map(|prefix| IpCountSettings {
                    prefix,
                    interval: self.ip_count_interval,
                }),
            ..BrokerConfig::default()
        };
        Ok(Settings {
            config,
            reloadable,
            sqs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::cli::GoFlags;

    fn parse(args: &[&str]) -> Args {
        Args::parse_go_style(std::iter::once("snowflake-broker").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn config(args: &[&str]) -> Result<BrokerConfig, CliError> {
        parse(args).into_settings().map(|settings| settings.config)
    }

    #[test]
    fn go_style_flags() {
        let config = config(&[
            "-addr",
            "127.0.0.1:8000",
            "-disable-tls",
            "-allowed-relay-pattern",
            "snowflake.torproject.net$",
            "--unsafe-logging",
            "-disable-geoip",
            "-client-timeout=2s",
        ])
        .unwrap();
        assert_eq!(config.listen_addr, "127.0.0.1:8000".parse().unwrap());
        assert!(config.tls.is_none());
        assert!(config.unsafe_logging);
        assert!(config.geoip.is_none());
        assert_eq!(config.allowed_relay_pattern, "snowflake.torproject.net$");
        assert_eq!(config.default_relay_pattern, None);
        assert_eq!(config.client_timeout, Duration::from_secs(2));
    }

    #[test]
    fn tls_flags_are_required() {
        assert_eq!(config(&["-disable-geoip"]).unwrap_err(), CliError::NoTls);
        assert!(CliError::NoTls.to_string().contains("--acme-hostnames"));
        assert_eq!(
            config(&["-cert", "c.pem", "-disable-geoip"]).unwrap_err(),
            CliError::CertWithoutKey
        );
        let config = config(&["-cert", "c.pem", "-key", "k.pem", "-disable-geoip"]).unwrap();
        assert_eq!(
            config.tls,
            Some(TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
    }

    #[test]
    fn acme_flags_as_upstream() {
        let acme = config(&[
            "-acme-hostnames",
            "Broker.Example.com,b2.example.com",
            "-acme-email=op@example.com",
            "-disable-geoip",
        ])
        .unwrap()
        .acme
        .expect("ACME");
        assert_eq!(acme.hostnames, vec!["broker.example.com", "b2.example.com"]);
        assert_eq!(acme.email.as_deref(), Some("op@example.com"));
        assert_eq!(acme.cache_dir, Some(PathBuf::from("acme-cert-cache")));
        assert_eq!(acme.directory_url, snowflake_common::acme::LETS_ENCRYPT);
        assert_eq!(acme.ca_roots, None);
        assert_eq!(acme.http01_addr, Some("[::]:80".parse().unwrap()));
        // The testing flags.
        let acme = config(&[
            "-acme-hostnames=b.test",
            "-acme-cert-cache=/var/cache/acme",
            "-acme-directory=https://127.0.0.1:14000/dir",
            "-acme-ca-roots=/roots.pem",
            "-acme-http-addr=",
            "-disable-geoip",
        ])
        .unwrap()
        .acme
        .expect("ACME");
        assert_eq!(acme.cache_dir, Some(PathBuf::from("/var/cache/acme")));
        assert_eq!(acme.directory_url, "https://127.0.0.1:14000/dir");
        assert_eq!(acme.ca_roots, Some(PathBuf::from("/roots.pem")));
        assert_eq!(acme.http01_addr, None);
        // -disable-tls wins; -cert/-key with ACME flags are refused, as
        // upstream does.
        let plain = config(&[
            "-acme-hostnames",
            "b.test",
            "-disable-tls",
            "-disable-geoip",
        ])
        .unwrap();
        assert!(plain.acme.is_none() && plain.tls.is_none());
        assert_eq!(
            config(&[
                "-acme-hostnames=b.test",
                "-cert=c",
                "-key=k",
                "-disable-geoip"
            ])
            .unwrap_err(),
            CliError::AcmeWithCert
        );
        assert!(matches!(
            config(&["-acme-hostnames", "1.2.3.4", "-disable-geoip"]).unwrap_err(),
            CliError::Acme(_)
        ));
        assert!(matches!(
            config(&[
                "-acme-hostnames=b.test",
                "-acme-http-addr=nonsense",
                "-disable-geoip"
            ])
            .unwrap_err(),
            CliError::Acme(_)
        ));
        // An email alone does not ask for ACME.
        assert_eq!(
            config(&["-acme-email", "op@example.com", "-disable-geoip"]).unwrap_err(),
            CliError::NoTls
        );
    }

    #[test]
    fn defaults_are_the_go_broker_s() {
        let args = parse(&[]);
        assert_eq!(args.addr, "[::]:443".parse().unwrap());
        assert!(!args.disable_tls && !args.disable_geoip && !args.unsafe_logging);
        let config = config(&["-disable-tls", "-disable-geoip"]).unwrap();
        let defaults = BrokerConfig::default();
        assert_eq!(config.client_timeout, defaults.client_timeout);
        assert_eq!(config.proxy_timeout, defaults.proxy_timeout);
        assert_eq!(config.metrics_log_interval, defaults.metrics_log_interval);
        assert_eq!(config.max_waiting_proxies, defaults.max_waiting_proxies);
        assert_eq!(config.max_waiting_clients, defaults.max_waiting_clients);
        assert_eq!(config.max_connections, defaults.max_connections);
    }

    #[test]
    fn trusted_hops_and_ip_count_flags() {
        let defaults = config(&["-disable-tls", "-disable-geoip"]).unwrap();
        assert_eq!(defaults.trusted_hops, 1);
        assert_eq!(defaults.ip_count, None);
        assert_eq!(
            config(&["-disable-tls", "-disable-geoip", "-trusted-hops", "3"])
                .unwrap()
                .trusted_hops,
            3
        );
        for zero in ["-trusted-hops=0", "-trusted-hops=-1"] {
            assert_eq!(
                config(&["-disable-tls", "-disable-geoip", zero])
                    .unwrap()
                    .trusted_hops,
                0,
                "{zero}"
            );
        }
        let counted = config(&[
            "-disable-tls",
            "-disable-geoip",
            "-ip-count-prefix",
            "/var/lib/snowflake/ips",
            "-ip-count-interval=30m",
        ])
        .unwrap();
        assert_eq!(
            counted.ip_count,
            Some(IpCountSettings {
                prefix: "/var/lib/snowflake/ips".into(),
                interval: Duration::from_secs(1800),
            })
        );
        assert_eq!(
            config(&["-disable-tls", "-disable-geoip", "-ip-count-prefix", "p"])
                .unwrap()
                .ip_count
                .map(|c| c.interval),
            Some(Duration::from_secs(3600))
        );
        assert!(Args::parse_go_style(["snowflake-broker", "-trusted-hops", "many"]).is_err());
        assert!(Args::parse_go_style(["snowflake-broker", "-ip-count-interval", "-1h"]).is_err());
    }

    #[test]
    fn sqs_flags() {
        let settings = parse(&["-disable-tls", "-disable-geoip"])
            .into_settings()
            .unwrap();
        assert_eq!(settings.sqs, None);
        let settings = parse(&[
            "-disable-tls",
            "-disable-geoip",
            "-broker-sqs-name",
            "snowflake-broker",
            "-broker-sqs-region=eu-west-1",
            "-broker-sqs-endpoint=http://127.0.0.1:4566",
        ])
        .into_settings()
        .unwrap();
        let sqs = settings.sqs.expect("SQS on");
        assert_eq!(sqs.queue_name, "snowflake-broker");
        assert_eq!(sqs.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            sqs.endpoint.as_ref().map(|u| u.as_str()),
            Some("http://127.0.0.1:4566/")
        );
        // A region alone turns nothing on.
        let settings = parse(&["-disable-tls", "-disable-geoip", "-broker-sqs-region=x"])
            .into_settings()
            .unwrap();
        assert_eq!(settings.sqs, None);
        assert!(matches!(
            parse(&["-disable-tls", "-disable-geoip", "-broker-sqs-name=a/b"]).into_settings(),
            Err(CliError::Sqs(_))
        ));
        // -sqs-profiles: one listener per profile; nothing without a queue.
        let settings = parse(&[
            "-disable-tls",
            "-disable-geoip",
            "-broker-sqs-name=q",
            "-sqs-profiles",
            "one,two",
        ])
        .into_settings()
        .unwrap();
        assert_eq!(settings.sqs.expect("SQS on").profiles, ["one", "two"]);
        let settings = parse(&["-disable-tls", "-disable-geoip", "-sqs-profiles=one"])
            .into_settings()
            .unwrap();
        assert_eq!(settings.sqs, None);
        assert!(matches!(
            parse(&[
                "-disable-tls",
                "-disable-geoip",
                "-broker-sqs-name=q",
                "-sqs-profiles=a b"
            ])
            .into_settings(),
            Err(CliError::Sqs(_))
        ));
    }

    #[test]
    fn reloadable_files_come_from_the_flags() {
        let settings = parse(&[
            "-disable-tls",
            "-disable-geoip",
            "-geoipdb",
            "/g4",
            "-geoip6db=/g6",
            "-poll-interval-filepath",
            "/p.json",
        ])
        .into_settings()
        .unwrap();
        assert_eq!(
            settings.reloadable,
            ReloadableFiles {
                geoip: GeoIpFiles {
                    disabled: true,
                    v4: Some("/g4".into()),
                    v6: Some("/g6".into()),
                },
                poll_intervals: Some("/p.json".into()),
            }
        );
    }
}
