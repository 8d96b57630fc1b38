//! SQS rendezvous, the broker's side (docs/protocol.md §4.8,
//! docs/sqs-rendezvous.md): client polls that arrive as messages on an
//! Amazon SQS queue instead of HTTP requests (`-broker-sqs-name`,
//! `-broker-sqs-region`).
//!
//! At start the broker creates its queue (messages kept
//! [`BROKER_QUEUE_RETENTION`], at most [`BROKER_QUEUE_MAX_MESSAGE`] bytes;
//! an existing queue of that name is used as it is) and then long-polls
//! it. Each message is consumed (deleted) at once and checked: its `String`
//! attribute `ClientID` must be [`sqs::CLIENT_ID_LEN`] hex digits, its body
//! at most [`READ_LIMIT`] bytes and a client poll request; anything else
//! is dropped and counted ([`SqsStats`]), with no reply. A good one gets the
//! queue `snowflake-client-<ClientID>` created, is handled exactly as a
//! `POST /client` ([`ClientPolls`]: same matching, same bridge list, same
//! metrics under the rendezvous method `sqs`), and the reply, the JSON
//! `/client` would have returned, is sent to that queue.
//!
//! Bounds: at most [`MAX_IN_FLIGHT`] messages are handled at once (more
//! wait in SQS, which is the buffer); the response queues this broker
//! created are remembered, at most [`MAX_TRACKED_QUEUES`] of them, and
//! deleted [`CLIENT_QUEUE_TTL`] after their last use (checked every
//! [`CLEANUP_INTERVAL`]); when the set is full the oldest is deleted
//! early. Response queues left over from an earlier run (found with
//! `ListQueues` at start) are adopted and deleted the same way.
//!
//! With `-sqs-profiles a,b,…` (upstream's flag) the broker listens on the
//! queue once per named AWS profile, each with that profile's credentials
//! and region ([`SqsOptions::resolve_all_with`]): one broker serving the
//! queues of several AWS accounts or regions.
//!
//! Upstream handles the client id the same way but deletes every
//! `snowflake-client-*` queue of the account that is older than two
//! minutes; this broker deletes only queues it created or adopted.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use snowflake_common::http_client::{self, HttpRequest};
use snowflake_common::messages::{
    ClientPollRequest, ClientPollResponse, SessionDescription, READ_LIMIT,
};
use snowflake_common::sqs::queue_url::{parse_endpoint, regional_endpoint};
use snowflake_common::sqs::{self, Credentials, Message, SqsClient, SqsError, Url};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long the broker's queue keeps a message (`MessageRetentionPeriod`,
/// as upstream sets it).
pub const BROKER_QUEUE_RETENTION: Duration = Duration::from_secs(300);

/// The largest message the broker's queue accepts
/// (`MaximumMessageSize`); bodies over [`READ_LIMIT`] are dropped anyway.
pub const BROKER_QUEUE_MAX_MESSAGE: usize = 128 * 1024;

/// The wait of each long poll of the broker's queue.
pub const RECEIVE_WAIT: Duration = Duration::from_secs(20);

/// The most bytes of one `ReceiveMessage` response: ten messages of up to
/// 256 KiB (for a queue made elsewhere) with JSON escaping.
pub const RECEIVE_RESPONSE_LIMIT: usize = 16 * 1024 * 1024;

/// The most messages handled at once.
pub const MAX_IN_FLIGHT: usize = 256;

/// How long a response queue lives after its last use. Clients read their
/// reply within seconds; upstream deletes them after two minutes too.
pub const CLIENT_QUEUE_TTL: Duration = Duration::from_secs(120);

/// How often expired response queues are deleted.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(30);

/// The most response queues remembered for deletion.
pub const MAX_TRACKED_QUEUES: usize = 4096;

/// Longest wait between failed receives.
const MAX_RECEIVE_BACKOFF: Duration = Duration::from_secs(30);

/// Runs one client poll as `POST /client` does and returns the reply.
/// `address` is a best guess of the client's address (the first candidate
/// in its offer, as upstream guesses), for country statistics only.
pub trait ClientPolls: Send + Sync {
    /// Matches the client and waits for the proxy's answer.
    fn client_poll(
        &self,
        poll: ClientPollRequest,
        address: Option<IpAddr>,
    ) -> Pin<Box<dyn Future<Output = ClientPollResponse> + Send + '_>>;
}

/// [`ClientPolls`] by `POST`ing each poll to a broker's `/client` over
/// HTTP: for tests, and a broker whose matching runs elsewhere. Polls are
/// counted there under the rendezvous method `http`.
#[derive(Debug, Clone)]
pub struct HttpClientPolls {
    client_url: Url,
}

impl HttpClientPolls {
    /// Polls go to `broker` (e.g. `http://127.0.0.1:8080/`) + `client`.
    pub fn new(broker: &Url) -> Result<Self, String> {
        let client_url = broker.join("client").map_err(|e| e.to_string())?;
        Ok(HttpClientPolls { client_url })
    }
}

impl ClientPolls for HttpClientPolls {
    fn client_poll(
        &self,
        poll: ClientPollRequest,
        _address: Option<IpAddr>,
    ) -> Pin<Box<dyn Future<Output = ClientPollResponse> + Send + '_>> {
        Box::pin(async move {
            let request = HttpRequest::post(
                self.client_url.clone(),
                poll.encode(),
                READ_LIMIT,
                Duration::from_secs(30),
            );
            let reply = match http_client::send(request).await {
                Ok(response) if response.status.as_u16() == 200 => {
                    ClientPollResponse::decode(&response.body).map_err(|e| e.to_string())
                }
                Ok(response) => Err(format!("HTTP status {}", response.status)),
                Err(error) => Err(error.to_string()),
            };
            reply.unwrap_or_else(|error| {
                tracing::debug!(%error, "forwarding an SQS client poll failed");
                ClientPollResponse::Error(snowflake_common::messages::client::STR_TIMED_OUT.into())
            })
        })
    }
}

/// Why SQS rendezvous cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SqsSetupError {
    /// A flag value cannot be used.
    #[error("{0}")]
    Flag(String),
    /// No region from `-broker-sqs-region`, `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`.
    #[error("-broker-sqs-name needs -broker-sqs-region (or AWS_REGION)")]
    NoRegion,
    /// No usable credentials.
    #[error("SQS credentials: {0}")]
    Credentials(#[from] sqs::CredentialsError),
    /// A profile of `-sqs-profiles` cannot be used.
    #[error("-sqs-profiles: profile {profile:?}: {reason}")]
    Profile {
        /// The profile's name.
        profile: String,
        /// What is missing.
        reason: String,
    },
    /// The broker's queue cannot be created or found.
    #[error("SQS queue {name}: {error}")]
    Queue {
        /// The queue's name.
        name: String,
        /// What SQS said.
        error: SqsError,
    },
}

/// The SQS flags as given: checked, but the region and credentials from
/// the environment are only looked up when the broker starts
/// ([`SqsOptions::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsOptions {
    /// `-broker-sqs-name`.
    pub queue_name: String,
    /// `-broker-sqs-region`, if given.
    pub region: Option<String>,
    /// The hidden `-broker-sqs-endpoint` (tests), if given.
    pub endpoint: Option<Url>,
    /// `-sqs-profiles`: the AWS profiles to listen as, one listener each;
    /// empty for one listener with the default credentials.
    pub profiles: Vec<String>,
}

/// The largest AWS config file read.
const MAX_AWS_CONFIG_LEN: u64 = 1024 * 1024;

/// Whether `name` can be an AWS profile name here: 1 to 64 letters,
/// digits and `-_.+@`.
fn is_valid_profile(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+@".contains(&b))
}

/// Whether `name` can be an SQS queue name: 1 to 80 letters, digits,
/// hyphens and underscores.
pub fn is_valid_queue_name(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl SqsOptions {
    /// The options of the flags; `None` when the queue name is empty (SQS
    /// rendezvous off).
    pub fn from_flags(name: &str, region: &str, endpoint: &str) -> Result<Option<Self>, String> {
        if name.is_empty() {
            return Ok(None);
        }
        if !is_valid_queue_name(name) {
            return Err(format!(
                "-broker-sqs-name {name:?}: a queue name is 1 to 80 letters, digits, '-' and '_'"
            ));
        }
        let region = Some(region.trim().to_string()).filter(|r| !r.is_empty());
        if let Some(region) = &region {
            if !is_valid_region(region) {
                return Err(format!("-broker-sqs-region {region:?}: not a region name"));
            }
        }
        let endpoint = match endpoint.trim() {
            "" => None,
            text => Some(parse_endpoint(text).map_err(|e| format!("-broker-sqs-endpoint: {e}"))?),
        };
        Ok(Some(SqsOptions {
            queue_name: name.to_string(),
            region,
            endpoint,
            profiles: Vec::new(),
        }))
    }

    /// Adds `-sqs-profiles` (comma-separated profile names; blanks
    /// around names and empty entries are ignored).
    pub fn with_profiles(mut self, profiles: &str) -> Result<Self, String> {
        let mut names = Vec::new();
        for name in profiles.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !is_valid_profile(name) {
                return Err(format!(
                    "-sqs-profiles: {name:?} is not a profile name (letters, digits, -_.+@)"
                ));
            }
            names.push(name.to_string());
        }
        self.profiles = names;
        Ok(self)
    }

    /// The settings of every listener: one per `-sqs-profiles` profile, or
    /// the one of [`SqsOptions::resolve`].
    pub fn resolve_all(&self) -> Result<Vec<SqsSettings>, SqsSetupError> {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        self.resolve_all_with(|name| std::env::var(name).ok(), home.as_deref())
    }

    /// [`SqsOptions::resolve_all`] with the environment `env` and home
    /// directory `home` given.
    ///
    /// A profile's credentials come from its section of the shared
    /// credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
    /// `~/.aws/credentials`), else from its section of the config file
    /// (`AWS_CONFIG_FILE`, else `~/.aws/config`; `[profile NAME]`, or
    /// `[default]`); the environment's `AWS_ACCESS_KEY_ID` is not used for
    /// it, as the AWS SDK gives a named profile precedence. Its region is
    /// `AWS_REGION` or `AWS_DEFAULT_REGION`, else the profile's `region`
    /// in the config file, else `-broker-sqs-region` (where upstream's
    /// broker has no region).
    pub fn resolve_all_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Vec<SqsSettings>, SqsSetupError> {
        if self.profiles.is_empty() {
            return Ok(vec![self.resolve_with(env, home)?]);
        }
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let config_path = match var("AWS_CONFIG_FILE") {
            Some(path) => Some(std::path::PathBuf::from(path)),
            None => home.map(|home| home.join(".aws").join("config")),
        };
        let config_text = match &config_path {
            Some(path) => read_aws_file(path).map_err(|error| SqsSetupError::Profile {
                profile: self.profiles.join(","),
                reason: format!("cannot read {}: {error}", path.display()),
            })?,
            None => None,
        };
        let mut all = Vec::with_capacity(self.profiles.len());
        for profile in &self.profiles {
            let section = if profile == "default" {
                "default".to_string()
            } else {
                format!("profile {profile}")
            };
            let config_section = config_text
                .as_deref()
                .map(|text| ini_section(text, &section))
                .unwrap_or_default();
            let from_config = || {
                let id = config_section.get("aws_access_key_id")?;
                let secret = config_section.get("aws_secret_access_key")?;
                Some(Credentials::new(id.clone(), secret.clone()).map(|c| {
                    c.with_session_token(config_section.get("aws_session_token").cloned())
                }))
            };
            // The profile's section of the credentials file: the usual
            // lookup with AWS_PROFILE set to it and no key in the
            // environment.
            let profile_env = |name: &str| match name {
                "AWS_PROFILE" => Some(profile.clone()),
                "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN" => None,
                other => env(other),
            };
            let credentials = match Credentials::from_sources(profile_env, home) {
                Ok(credentials) => credentials,
                Err(sqs::CredentialsError::NotFound(where_)) => match from_config() {
                    Some(credentials) => credentials?,
                    None => {
                        return Err(SqsSetupError::Profile {
                            profile: profile.clone(),
                            reason: format!(
                                "no credentials in {where_} nor in the config file{}",
                                config_path
                                    .as_ref()
                                    .map(|p| format!(" ({})", p.display()))
                                    .unwrap_or_default()
                            ),
                        })
                    }
                },
                Err(error) => return Err(error.into()),
            };
            let region = var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .or_else(|| {
                    config_section
                        .get("region")
                        .cloned()
                        .filter(|r| !r.is_empty())
                })
                .or_else(|| self.region.clone())
                .ok_or_else(|| SqsSetupError::Profile {
                    profile: profile.clone(),
                    reason: "no region (AWS_REGION, the profile's region, or \
                             -broker-sqs-region)"
                        .to_string(),
                })?;
            if !is_valid_region(&region) {
                return Err(SqsSetupError::Profile {
                    profile: profile.clone(),
                    reason: format!("region {region:?}: not a region name"),
                });
            }
            let endpoint = match &self.endpoint {
                Some(endpoint) => endpoint.clone(),
                None => {
                    regional_endpoint(&region).map_err(|e| SqsSetupError::Flag(e.to_string()))?
                }
            };
            all.push(SqsSettings::new(
                self.queue_name.clone(),
                region,
                endpoint,
                credentials,
            ));
        }
        Ok(all)
    }

    /// The settings, with the region and credentials from the process
    /// environment and the shared credentials file.
    pub fn resolve(&self) -> Result<SqsSettings, SqsSetupError> {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        self.resolve_with(|name| std::env::var(name).ok(), home.as_deref())
    }

    /// [`SqsOptions::resolve`] with the environment `env` and home
    /// directory `home` given.
    pub fn resolve_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<SqsSettings, SqsSetupError> {
        let region = self
            .region
            .clone()
            .or_else(|| env("AWS_REGION").filter(|r| !r.is_empty()))
            .or_else(|| env("AWS_DEFAULT_REGION").filter(|r| !r.is_empty()))
            .ok_or(SqsSetupError::NoRegion)?;
        if !is_valid_region(&region) {
            return Err(SqsSetupError::Flag(format!(
                "region {region:?}: not a region name"
            )));
        }
        let credentials = Credentials::from_sources(env, home)?;
        let endpoint = match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => regional_endpoint(&region).map_err(|e| SqsSetupError::Flag(e.to_string()))?,
        };
        Ok(SqsSettings::new(
            self.queue_name.clone(),
            region,
            endpoint,
            credentials,
        ))
    }
}

/// The text of an AWS file, `None` if it does not exist.
fn read_aws_file(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut bytes = Vec::new();
    file.take(MAX_AWS_CONFIG_LEN + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_AWS_CONFIG_LEN {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_AWS_CONFIG_LEN} bytes"
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| std::io::Error::other("not UTF-8"))
}

/// The `key = value` pairs of section `[name]` of an INI-style AWS file
/// (keys lower-cased; `#` and `;` start comment lines; later values win;
/// indented lines of nested settings are skipped).
fn ini_section(text: &str, name: &str) -> HashMap<String, String> {
    let mut values = HashMap::new();
    let mut inside = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let section = section.split(']').next().unwrap_or("");
            // `[profile  a]` and `[ profile a ]` name the same section.
            let words: Vec<&str> = section.split_whitespace().collect();
            inside = words.join(" ") == name;
            continue;
        }
        if !inside || raw.starts_with([' ', '\t']) {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            values.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    values
}

/// Everything SQS rendezvous needs.
#[derive(Debug, Clone)]
pub struct SqsSettings {
    /// The broker's queue.
    pub queue_name: String,
    /// Its region.
    pub region: String,
    /// Where requests go (`https://sqs.<region>.amazonaws.com/`).
    pub endpoint: Url,
    /// The broker's AWS credentials.
    pub credentials: Credentials,
    /// TLS configuration for an `https` endpoint (default: web PKI).
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// How long a response queue lives after its last use.
    pub client_queue_ttl: Duration,
    /// How often expired response queues are deleted.
    pub cleanup_interval: Duration,
}

impl SqsSettings {
    /// Settings with the default timings.
    pub fn new(
        queue_name: String,
        region: String,
        endpoint: Url,
        credentials: Credentials,
    ) -> Self {
        SqsSettings {
            queue_name,
            region,
            endpoint,
            credentials,
            tls_config: None,
            client_queue_ttl: CLIENT_QUEUE_TTL,
            cleanup_interval: CLEANUP_INTERVAL,
        }
    }
}

/// What happened to the messages, since the start.
#[derive(Debug, Default)]
pub struct SqsStats {
    received: AtomicU64,
    answered: AtomicU64,
    no_client_id: AtomicU64,
    bad_client_id: AtomicU64,
    too_large: AtomicU64,
    undecodable: AtomicU64,
    queues_created: AtomicU64,
    queues_deleted: AtomicU64,
    errors: AtomicU64,
}

/// A copy of [`SqsStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqsStatsSnapshot {
    /// Messages received from the broker's queue.
    pub received: u64,
    /// Replies sent to response queues.
    pub answered: u64,
    /// Dropped: no `ClientID` attribute.
    pub no_client_id: u64,
    /// Dropped: a `ClientID` that is not 16 hex digits.
    pub bad_client_id: u64,
    /// Dropped: a body over [`READ_LIMIT`] bytes.
    pub too_large: u64,
    /// Dropped: a body that is not a client poll request.
    pub undecodable: u64,
    /// Response queues created.
    pub queues_created: u64,
    /// Response queues deleted.
    pub queues_deleted: u64,
    /// Failed SQS calls.
    pub errors: u64,
}

impl SqsStatsSnapshot {
    /// All dropped messages.
    pub fn dropped(&self) -> u64 {
        self.no_client_id
            .saturating_add(self.bad_client_id)
            .saturating_add(self.too_large)
            .saturating_add(self.undecodable)
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl SqsStats {
    /// The counts now.
    pub fn snapshot(&self) -> SqsStatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SqsStatsSnapshot {
            received: get(&self.received),
            answered: get(&self.answered),
            no_client_id: get(&self.no_client_id),
            bad_client_id: get(&self.bad_client_id),
            too_large: get(&self.too_large),
            undecodable: get(&self.undecodable),
            queues_created: get(&self.queues_created),
            queues_deleted: get(&self.queues_deleted),
            errors: get(&self.errors),
        }
    }
}

/// The response queues to delete, by URL, with their last use; at most
/// `max` of them.
#[derive(Debug)]
pub struct ClientQueues {
    max: usize,
    queues: HashMap<String, Instant>,
}

impl ClientQueues {
    /// An empty set holding at most `max` (at least 1) queues.
    pub fn new(max: usize) -> Self {
        ClientQueues {
            max: max.max(1),
            queues: HashMap::new(),
        }
    }

    /// Notes that `url` was used at `now`. When a new queue does not fit,
    /// the least recently used one leaves the set and is returned, to be
    /// deleted now.
    pub fn insert(&mut self, url: String, now: Instant) -> Option<String> {
        if let Some(last_use) = self.queues.get_mut(&url) {
            *last_use = now;
            return None;
        }
        let mut evicted = None;
        if self.queues.len() >= self.max {
            let oldest = self
                .queues
                .iter()
                .min_by_key(|(_, last_use)| **last_use)
                .map(|(url, _)| url.clone());
            if let Some(oldest) = oldest {
                self.queues.remove(&oldest);
                evicted = Some(oldest);
            }
        }
        self.queues.insert(url, now);
        evicted
    }

    /// Removes and returns the queues unused for `ttl` or longer.
    pub fn take_expired(&mut self, now: Instant, ttl: Duration) -> Vec<String> {
        let expired: Vec<String> = self
            .queues
            .iter()
            .filter(|(_, last_use)| now.saturating_duration_since(**last_use) >= ttl)
            .map(|(url, _)| url.clone())
            .collect();
        for url in &expired {
            self.queues.remove(url);
        }
        expired
    }

    /// How many queues are remembered.
    pub fn len(&self) -> usize {
        self.queues.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }
}

/// The first IP address among the `a=candidate` lines of an offer (SDP
/// JSON): upstream's guess of an SQS client's address, used for country
/// statistics only. `None` without one.
pub fn first_candidate_address(offer_json: &str) -> Option<IpAddr> {
    let offer = SessionDescription::from_json(offer_json).ok()?;
    offer
        .sdp
        .lines()
        .filter_map(|line| line.trim().strip_prefix("a=candidate:"))
        // foundation component transport priority address port typ …
        .filter_map(|candidate| candidate.split_whitespace().nth(4))
        .find_map(|address| address.parse::<IpAddr>().ok())
}

struct Shared {
    client: SqsClient,
    queue_url: String,
    polls: Arc<dyn ClientPolls>,
    stats: Arc<SqsStats>,
    queues: Mutex<ClientQueues>,
    ttl: Duration,
}

impl Shared {
    fn queues(&self) -> MutexGuard<'_, ClientQueues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn delete_queue(&self, url: &str) {
        if url == self.queue_url {
            return;
        }
        match self.client.delete_queue(url).await {
            Ok(()) => bump(&self.stats.queues_deleted),
            Err(error) if error.is_queue_missing() => {}
            Err(error) => {
                bump(&self.stats.errors);
                tracing::debug!(%error, "SQS: cannot delete a response queue");
            }
        }
    }
}

/// Starts SQS rendezvous.
#[derive(Debug)]
pub struct SqsRendezvous;

impl SqsRendezvous {
    /// Creates (or finds) the broker's queue, adopts leftover response
    /// queues, and serves the queue's messages with `polls` until the
    /// returned handle is shut down or dropped. Must be called within a
    /// tokio runtime.
    pub async fn start(
        settings: SqsSettings,
        polls: Arc<dyn ClientPolls>,
    ) -> Result<SqsHandle, SqsSetupError> {
        let client = SqsClient::new(
            settings.endpoint.clone(),
            settings.region.clone(),
            settings.credentials.clone(),
        )
        .with_tls_config(settings.tls_config.clone());
        let queue_error = |error| SqsSetupError::Queue {
            name: settings.queue_name.clone(),
            error,
        };
        let retention = BROKER_QUEUE_RETENTION.as_secs().to_string();
        let max_size = BROKER_QUEUE_MAX_MESSAGE.to_string();
        let queue_url = match client
            .create_queue(
                &settings.queue_name,
                &[
                    ("MessageRetentionPeriod", &retention),
                    ("MaximumMessageSize", &max_size),
                ],
            )
            .await
        {
            Ok(url) => url,
            // Made earlier with other attributes (e.g. by upstream's
            // broker): use it as it is.
            Err(error) if error.is_queue_exists() => client
                .get_queue_url(&settings.queue_name)
                .await
                .map_err(queue_error)?,
            Err(error) => return Err(queue_error(error)),
        };
        snowflake_common::safelog::keep_operator_addresses_in(&queue_url);
        tracing::info!(queue = %queue_url, "SQS rendezvous: listening on the broker queue");
        let stats = Arc::new(SqsStats::default());
        let shared = Arc::new(Shared {
            client,
            queue_url: queue_url.clone(),
            polls,
            stats: stats.clone(),
            queues: Mutex::new(ClientQueues::new(MAX_TRACKED_QUEUES)),
            ttl: settings.client_queue_ttl,
        });
        adopt_leftovers(&shared).await;
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(run(shared.clone(), settings.cleanup_interval, receiver));
        Ok(SqsHandle {
            queue_url,
            stats,
            shared,
            shutdown,
            task: Some(task),
        })
    }
}

/// Running SQS rendezvous. Dropping it stops it without waiting.
pub struct SqsHandle {
    queue_url: String,
    stats: Arc<SqsStats>,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for SqsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqsHandle")
            .field("queue_url", &self.queue_url)
            .finish_non_exhaustive()
    }
}

impl SqsHandle {
    /// The broker queue's URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// The counts so far.
    pub fn stats(&self) -> SqsStatsSnapshot {
        self.stats.snapshot()
    }

    /// How many response queues are remembered for deletion.
    pub fn tracked_queues(&self) -> usize {
        self.shared.queues().len()
    }

    /// Stops receiving, ends the messages being handled, and waits.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SqsHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Remembers the response queues an earlier run left (one `ListQueues`
/// page per 1000, as many pages as fit), to be deleted after the TTL.
async fn adopt_leftovers(shared: &Shared) {
    let mut token: Option<String> = None;
    let mut adopted = 0usize;
    loop {
        let page = shared
            .client
            .list_queues(sqs::CLIENT_QUEUE_PREFIX, 1000, token.as_deref())
            .await;
        let (urls, next) = match page {
            Ok(page) => page,
            Err(error) => {
                bump(&shared.stats.errors);
                tracing::warn!(%error, "SQS: cannot list leftover response queues");
                break;
            }
        };
        let now = Instant::now();
        let mut queues = shared.queues();
        for url in urls {
            let is_client_queue = url
                .rsplit('/')
                .next()
                .is_some_and(|name| name.starts_with(sqs::CLIENT_QUEUE_PREFIX));
            if is_client_queue && url != shared.queue_url && queues.len() < MAX_TRACKED_QUEUES {
                queues.insert(url, now);
                adopted = adopted.saturating_add(1);
            }
        }
        let full = queues.len() >= MAX_TRACKED_QUEUES;
        drop(queues);
        match next {
            Some(next) if !full => token = Some(next),
            _ => break,
        }
    }
    if adopted > 0 {
        tracing::info!(
            adopted,
            "SQS: response queues of an earlier run will be deleted"
        );
    }
}

async fn wait_for_shutdown(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// The receive loop, the handlers and the cleanup, until shutdown.
async fn run(shared: Arc<Shared>, cleanup_interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let cleanup = tokio::spawn(cleanup_loop(shared.clone(), cleanup_interval));
    let mut handlers = JoinSet::new();
    let mut failures: u32 = 0;
    'receive: loop {
        while handlers.try_join_next().is_some() {}
        while handlers.len() >= MAX_IN_FLIGHT {
            tokio::select! {
                _ = wait_for_shutdown(&mut shutdown) => break 'receive,
                _ = handlers.join_next() => {}
            }
        }
        let room = MAX_IN_FLIGHT.saturating_sub(handlers.len()).min(10);
        let room = u32::try_from(room).unwrap_or(1);
        let received = tokio::select! {
            _ = wait_for_shutdown(&mut shutdown) => break 'receive,
            received = shared.client.receive_messages(
                &shared.queue_url, room, RECEIVE_WAIT, RECEIVE_RESPONSE_LIMIT) => received,
        };
        match received {
            Ok(messages) => {
                failures = 0;
                for message in messages {
                    bump(&shared.stats.received);
                    handlers.spawn(handle_message(shared.clone(), message));
                }
            }
            Err(error) => {
                bump(&shared.stats.errors);
                failures = failures.saturating_add(1);
                let delay = Duration::from_secs(1)
                    .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)))
                    .min(MAX_RECEIVE_BACKOFF);
                tracing::warn!(%error, ?delay, "SQS: receiving from the broker queue failed");
                tokio::select! {
                    _ = wait_for_shutdown(&mut shutdown) => break 'receive,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
    cleanup.abort();
    handlers.shutdown().await;
    tracing::info!("SQS rendezvous stopped");
}

/// Deletes expired response queues every `interval`.
async fn cleanup_loop(shared: Arc<Shared>, interval: Duration) {
    let interval = interval.max(Duration::from_millis(10));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticker.tick().await;
        let expired = shared.queues().take_expired(Instant::now(), shared.ttl);
        let count = expired.len();
        for url in expired {
            shared.delete_queue(&url).await;
        }
        if count > 0 {
            tracing::debug!(count, "SQS: deleted expired response queues");
        }
    }
}

/// Why a message was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropped {
    NoClientId,
    BadClientId,
    TooLarge,
    Undecodable,
}

impl Dropped {
    fn reason(self) -> &'static str {
        match self {
            Dropped::NoClientId => "no ClientID attribute",
            Dropped::BadClientId => "ClientID is not 16 hex digits",
            Dropped::TooLarge => "body too large",
            Dropped::Undecodable => "body is not a client poll request",
        }
    }

    fn counter(self, stats: &SqsStats) -> &AtomicU64 {
        match self {
            Dropped::NoClientId => &stats.no_client_id,
            Dropped::BadClientId => &stats.bad_client_id,
            Dropped::TooLarge => &stats.too_large,
            Dropped::Undecodable => &stats.undecodable,
        }
    }
}

/// The client id and poll of a message, or why it is dropped.
fn check_message(message: &Message) -> Result<(&str, ClientPollRequest), Dropped> {
    let id = message
        .string_attribute(sqs::CLIENT_ID_ATTRIBUTE)
        .ok_or(Dropped::NoClientId)?;
    if !sqs::is_valid_client_id(id) {
        return Err(Dropped::BadClientId);
    }
    if message.body.len() > READ_LIMIT {
        return Err(Dropped::TooLarge);
    }
    let poll =
        ClientPollRequest::decode(message.body.as_bytes()).map_err(|_| Dropped::Undecodable)?;
    Ok((id, poll))
}

/// Handles one message of the broker queue.
async fn handle_message(shared: Arc<Shared>, message: Message) {
    // Consumed whatever happens: a message that cannot be answered now is
    // not worth a second try after the visibility timeout.
    if let Err(error) = shared
        .client
        .delete_message(&shared.queue_url, &message.receipt_handle)
        .await
    {
        bump(&shared.stats.errors);
        tracing::debug!(%error, "SQS: cannot delete a message from the broker queue");
    }
    let (id, poll) = match check_message(&message) {
        Ok(checked) => checked,
        Err(dropped) => {
            bump(dropped.counter(&shared.stats));
            tracing::debug!(reason = dropped.reason(), "SQS: message dropped");
            return;
        }
    };
    let name = sqs::client_queue_name(id);
    let response_queue = match shared.client.create_queue(&name, &[]).await {
        Ok(url) => url,
        Err(error) => {
            bump(&shared.stats.errors);
            tracing::warn!(%error, "SQS: cannot create a response queue");
            return;
        }
    };
    bump(&shared.stats.queues_created);
    let address = first_candidate_address(&poll.offer);
    let reply = shared.polls.client_poll(poll, address).await;
    let body = String::from_utf8_lossy(&reply.encode()).into_owned();
    match shared
        .client
        .send_message(&response_queue, &body, &[])
        .await
    {
        Ok(_) => bump(&shared.stats.answered),
        Err(error) => {
            bump(&shared.stats.errors);
            tracing::warn!(%error, "SQS: cannot send a reply");
        }
    }
    // Remembered from its last use, the reply, so that it is not deleted
    // before the reply is in it.
    let evicted = shared.queues().insert(response_queue, Instant::now());
    if let Some(evicted) = evicted {
        shared.delete_queue(&evicted).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::messages::SdpType;

    #[test]
    fn client_queues_are_bounded_and_expire() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut queues = ClientQueues::new(2);
        assert_eq!(queues.insert("a".into(), at(0)), None);
        assert_eq!(queues.insert("b".into(), at(1)), None);
        // Using "a" again refreshes it, so "b" is now the oldest.
        assert_eq!(queues.insert("a".into(), at(2)), None);
        assert_eq!(queues.insert("c".into(), at(3)), Some("b".into()));
        assert_eq!(queues.len(), 2);
        assert!(queues
            .take_expired(at(4), Duration::from_secs(10))
            .is_empty());
        let mut expired = queues.take_expired(at(13), Duration::from_secs(10));
        expired.sort();
        assert_eq!(expired, ["a", "c"]);
        assert!(queues.is_empty());
        assert_eq!(ClientQueues::new(0).max, 1);
    }

    #[test]
    fn candidate_addresses() {
        let offer = SessionDescription::new(
            SdpType::Offer,
            "v=0\r\na=candidate:1 1 udp 1 abcd.local 9 typ host\r\n\
             a=candidate:2 1 udp 1 203.0.113.7 9 typ srflx raddr 0.0.0.0 rport 0\r\n\
             a=candidate:3 1 udp 1 198.51.100.1 9 typ srflx\r\n",
        );
        assert_eq!(
            first_candidate_address(&offer.to_json()),
            Some("203.0.113.7".parse().unwrap())
        );
        let none = SessionDescription::new(SdpType::Offer, "v=0\r\n");
        assert_eq!(first_candidate_address(&none.to_json()), None);
        assert_eq!(first_candidate_address("not json"), None);
    }

    #[test]
    fn options_from_flags() {
        assert_eq!(SqsOptions::from_flags("", "us-east-1", ""), Ok(None));
        let options = SqsOptions::from_flags("snowflake-broker", "", "")
            .unwrap()
            .unwrap();
        assert_eq!(options.region, None);
        assert_eq!(options.endpoint, None);
        let options = SqsOptions::from_flags("q", "eu-west-1", "http://127.0.0.1:5000/x")
            .unwrap()
            .unwrap();
        assert_eq!(options.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            options.endpoint.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:5000/")
        );
        for bad in ["a/b", "a b", &"q".repeat(81)] {
            assert!(SqsOptions::from_flags(bad, "", "").is_err(), "{bad}");
        }
        assert!(SqsOptions::from_flags("q", "us east", "").is_err());
        assert!(SqsOptions::from_flags("q", "", "ftp://x/").is_err());
    }

    #[test]
    fn profiles_from_flags() {
        let options = SqsOptions::from_flags("q", "", "").unwrap().unwrap();
        assert!(options.profiles.is_empty());
        let options = options.with_profiles(" a, b.c ,,default").unwrap();
        assert_eq!(options.profiles, ["a", "b.c", "default"]);
        assert_eq!(options.clone().with_profiles("").unwrap().profiles.len(), 0);
        for bad in ["a b", "x]", "p\nq"] {
            assert!(options.clone().with_profiles(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ini_sections() {
        let text = "[default]\nregion = us-east-1\n[profile  two]\n# c\nRegion=eu-west-1\n\
                    s3 =\n  region = nested\naws_access_key_id = k\n[other]\nregion = x\n";
        assert_eq!(ini_section(text, "default")["region"], "us-east-1");
        let two = ini_section(text, "profile two");
        assert_eq!(two["region"], "eu-west-1");
        assert_eq!(two["aws_access_key_id"], "k");
        assert!(ini_section(text, "profile none").is_empty());
    }

    #[test]
    fn resolving_profiles() {
        let dir = std::env::temp_dir().join(format!("sf-sqs-profiles-{}", std::process::id()));
        let aws = dir.join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(
            aws.join("credentials"),
            "[default]\naws_access_key_id = d\naws_secret_access_key = ds\n\
             [one]\naws_access_key_id = k1\naws_secret_access_key = s1\n",
        )
        .unwrap();
        std::fs::write(
            aws.join("config"),
            "[profile one]\nregion = eu-west-1\n\
             [profile two]\nregion = ap-south-1\naws_access_key_id = k2\n\
             aws_secret_access_key = s2\naws_session_token = t2\n\
             [profile three]\nregion = us-east-2\n",
        )
        .unwrap();
        let env_with = |pairs: Vec<(&'static str, &'static str)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        let options = SqsOptions::from_flags("q", "us-west-2", "")
            .unwrap()
            .unwrap()
            .with_profiles("one,two,default")
            .unwrap();
        // The environment's keys are not the profiles'.
        let env = env_with(vec![
            ("AWS_ACCESS_KEY_ID", "envkey"),
            ("AWS_SECRET_ACCESS_KEY", "e"),
        ]);
        let all = options.resolve_all_with(&env, Some(&dir)).unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = all
            .iter()
            .map(|s| {
                (
                    s.region.as_str(),
                    s.credentials.access_key_id(),
                    s.credentials.session_token(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("eu-west-1", "k1", None),
                ("ap-south-1", "k2", Some("t2")),
                // No region in the profile: the flag's.
                ("us-west-2", "d", None),
            ]
        );
        assert_eq!(
            all[1].endpoint.as_str(),
            "https://sqs.ap-south-1.amazonaws.com/"
        );
        assert!(all.iter().all(|s| s.queue_name == "q"));
        // AWS_REGION wins over the profile's region, as in the AWS SDK.
        let env = env_with(vec![("AWS_REGION", "sa-east-1")]);
        let all = options.resolve_all_with(&env, Some(&dir)).unwrap();
        assert!(all.iter().all(|s| s.region == "sa-east-1"));
        // A profile without credentials anywhere, or not there at all.
        for missing in ["three", "nobody"] {
            let options = options.clone().with_profiles(missing).unwrap();
            assert!(
                matches!(
                    options.resolve_all_with(env_with(vec![]), Some(&dir)),
                    Err(SqsSetupError::Profile { ref profile, .. }) if profile == missing
                ),
                "{missing}"
            );
        }
        // Without profiles: the one listener of `resolve_with`.
        let plain = SqsOptions::from_flags("q", "us-west-2", "")
            .unwrap()
            .unwrap();
        let all = plain
            .resolve_all_with(env_with(vec![]), Some(&dir))
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].credentials.access_key_id(), "d");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn resolving_region_endpoint_and_credentials() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        let creds: &[(&str, &str)] = &[
            ("AWS_ACCESS_KEY_ID", "id"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_REGION", "ap-south-1"),
        ];
        let options = SqsOptions::from_flags("q", "", "").unwrap().unwrap();
        let settings = options.resolve_with(env(creds), None).unwrap();
        assert_eq!(settings.region, "ap-south-1");
        assert_eq!(
            settings.endpoint.as_str(),
            "https://sqs.ap-south-1.amazonaws.com/"
        );
        assert_eq!(settings.credentials.access_key_id(), "id");
        let flagged = SqsOptions::from_flags("q", "us-west-2", "http://127.0.0.1:9/")
            .unwrap()
            .unwrap();
        let settings = flagged.resolve_with(env(creds), None).unwrap();
        assert_eq!(settings.region, "us-west-2");
        assert_eq!(settings.endpoint.as_str(), "http://127.0.0.1:9/");
        assert!(matches!(
            options.resolve_with(env(&[("AWS_ACCESS_KEY_ID", "id")]), None),
            Err(SqsSetupError::NoRegion)
        ));
        assert!(matches!(
            flagged.resolve_with(env(&[]), None),
            Err(SqsSetupError::Credentials(_))
        ));
    }
}
