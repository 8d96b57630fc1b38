//! Automatic fallback between rendezvous methods (docs/rendezvous-fallback.md).
//!
//! A bridge line may configure several ways to reach the broker: domain-
//! fronted (or direct) HTTPS (`url`, `fronts`), an AMP cache (`ampcache`)
//! and SQS (`sqsqueue`, `sqscreds`). Upstream uses exactly one and leaves
//! it to the user to change the bridge line when a censor blocks it. Here
//! the client tries them in turn: a method that fails for reasons of its
//! own (refused, timed out, garbled, a TLS failure, a status the broker
//! never sends) gives way to the next one; an answer from the broker itself
//! ("no proxies", "timed out waiting for the proxy") ends the exchange,
//! because the broker was reached and the next method would hear the same.
//!
//! The method that last worked goes first, in this session and, through a
//! small file in tor's state directory, in the next run; each failure is
//! reported to tor as a `LOG` line.
//!
//! The rule of which errors mean "this method is blocked" lives in
//! [`is_method_failure`]; the order in [`MethodOrder`].

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use snowflake_common::messages::{NatType, SessionDescription};

use crate::collector::Reporter;
use crate::rendezvous::{BrokerChannel, RendezvousError};

/// The file in the state directory that names the method that last worked.
pub const MEMORY_FILE: &str = "snowflake-rendezvous-method";

/// A way to reach the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// HTTPS to the broker, domain-fronted when fronts are configured.
    Http,
    /// Through an AMP cache.
    Amp,
    /// Through an SQS queue.
    Sqs,
}

impl MethodKind {
    /// Every kind, in the default order of preference.
    pub const ALL: [MethodKind; 3] = [MethodKind::Http, MethodKind::Amp, MethodKind::Sqs];

    /// The name used in logs, in the memory file and in the `rendezvous`
    /// bridge-line argument.
    pub fn name(self) -> &'static str {
        match self {
            MethodKind::Http => "http",
            MethodKind::Amp => "amp",
            MethodKind::Sqs => "sqs",
        }
    }

    /// The kind named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<MethodKind> {
        MethodKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for MethodKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `error` says that the method itself did not work (blocked,
/// refused, hanging, answering something that is not the broker), so that
/// another method may: every transport and decoding failure. Not for the
/// broker's own answers (it was reached), nor for a configuration that
/// cannot work (the next attempt with it fails the same way; the other
/// methods are still tried by the caller's order, see
/// [`RendezvousMethods::exchange`]).
pub fn is_method_failure(error: &RendezvousError) -> bool {
    match error {
        RendezvousError::NoProxies
        | RendezvousError::BrokerTimedOut
        | RendezvousError::UnknownBridge
        | RendezvousError::Broker(_) => false,
        RendezvousError::InvalidConfig(_)
        | RendezvousError::Status(_)
        | RendezvousError::AmpRedirect
        | RendezvousError::Http(_)
        | RendezvousError::Armor(_)
        | RendezvousError::Response(_)
        | RendezvousError::Answer(_)
        | RendezvousError::Sqs(_) => true,
    }
}

/// The order in which methods are tried: the configured order, with the
/// method that last worked moved to the front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodOrder {
    configured: Vec<MethodKind>,
    last_worked: Option<MethodKind>,
}

impl MethodOrder {
    /// `configured` without repeats, in order.
    pub fn new(configured: &[MethodKind]) -> Self {
        let mut unique = Vec::new();
        for kind in configured {
            if !unique.contains(kind) {
                unique.push(*kind);
            }
        }
        MethodOrder {
            configured: unique,
            last_worked: None,
        }
    }

    /// Records that `kind` worked: it goes first from now on. Returns
    /// whether that changed anything.
    pub fn worked(&mut self, kind: MethodKind) -> bool {
        if !self.configured.contains(&kind) || self.last_worked == Some(kind) {
            return false;
        }
        self.last_worked = Some(kind);
        true
    }

    /// The method that last worked, if any.
    pub fn last_worked(&self) -> Option<MethodKind> {
        self.last_worked
    }

    /// The methods in the order to try them.
    pub fn sequence(&self) -> Vec<MethodKind> {
        let mut order = Vec::with_capacity(self.configured.len());
        if let Some(first) = self.last_worked {
            order.push(first);
        }
        order.extend(
            self.configured
                .iter()
                .copied()
                .filter(|kind| Some(*kind) != self.last_worked),
        );
        order
    }
}

/// Reads the method named in `path` (one word; anything else, or no file,
/// is no memory).
pub fn read_memory(path: &Path) -> Option<MethodKind> {
    // The file is ours and tiny; a larger one is not ours to trust.
    let text = std::fs::read(path).ok()?;
    if text.len() > 64 {
        return None;
    }
    MethodKind::from_name(std::str::from_utf8(&text).ok()?)
}

/// Writes `kind` to `path` (through a temporary file and a rename, so that
/// a crash leaves either the old or the new content).
pub fn write_memory(path: &Path, kind: MethodKind) -> std::io::Result<()> {
    // tor creates the state directory only when it is asked to; goptlib's
    // programs create it themselves.
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, format!("{kind}\n"))?;
    std::fs::rename(&temporary, path)
}

/// Several configured ways to the broker, tried in turn (see the module
/// documentation). Cheap to share between dials of one session.
pub struct RendezvousMethods {
    methods: Vec<(MethodKind, BrokerChannel)>,
    order: Mutex<MethodOrder>,
    memory: Option<PathBuf>,
    reporter: Option<Reporter>,
    /// Bound of one method's attempt when another method is left to try.
    attempt_timeout: Option<Duration>,
}

impl std::fmt::Debug for RendezvousMethods {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RendezvousMethods")
            .field("order", &self.order)
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

impl RendezvousMethods {
    /// `methods` in their configured order; `memory` is the file that
    /// remembers the one that last worked (read now, written when that
    /// changes); `reporter` hears about each failure.
    pub fn new(
        methods: Vec<(MethodKind, BrokerChannel)>,
        memory: Option<PathBuf>,
        reporter: Option<Reporter>,
    ) -> Self {
        let kinds: Vec<MethodKind> = methods.iter().map(|(kind, _)| *kind).collect();
        let mut order = MethodOrder::new(&kinds);
        if let Some(remembered) = memory.as_deref().and_then(read_memory) {
            if order.worked(remembered) {
                tracing::debug!(method = %remembered, "rendezvous method remembered from the last run");
            }
        }
        RendezvousMethods {
            methods,
            order: Mutex::new(order),
            memory,
            reporter,
            attempt_timeout: None,
        }
    }

    /// Gives up on a method after `timeout` when another one is left to
    /// try (a method a censor blackholes would otherwise take the whole
    /// exchange deadline of its channel).
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The configured methods, in the order they would be tried now.
    pub fn sequence(&self) -> Vec<MethodKind> {
        self.lock_order().sequence()
    }

    fn lock_order(&self) -> std::sync::MutexGuard<'_, MethodOrder> {
        self.order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn channel(&self, kind: MethodKind) -> Option<&BrokerChannel> {
        self.methods
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, channel)| channel)
    }

    fn report(&self, message: String) {
        tracing::warn!("{message}");
        if let Some(report) = &self.reporter {
            report(message);
        }
    }

    /// Sends `offer` to the broker by the first method that works and
    /// returns the proxy's answer. A method failure (see
    /// [`is_method_failure`]) moves on to the next method; the broker's
    /// own answers end the exchange. When every method failed, the last
    /// failure is returned.
    pub async fn exchange(
        &self,
        offer: &SessionDescription,
        nat: NatType,
    ) -> Result<SessionDescription, RendezvousError> {
        let sequence = self.sequence();
        let mut last_error = None;
        for (position, kind) in sequence.iter().copied().enumerate() {
            let Some(channel) = self.channel(kind) else {
                continue;
            };
            let more_to_try = position + 1 < sequence.len();
            let attempt = channel.exchange(offer, nat);
            let outcome = match self.attempt_timeout.filter(|_| more_to_try) {
                Some(limit) => match tokio::time::timeout(limit, attempt).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(RendezvousError::Http(
                        snowflake_common::http_client::HttpError::Timeout(limit),
                    )),
                },
                None => attempt.await,
            };
            match outcome {
                Ok(answer) => {
                    self.note_worked(kind);
                    return Ok(answer);
                }
                Err(error) if is_method_failure(&error) => {
                    let next = sequence.get(position + 1);
                    self.report(match next {
                        Some(next) => {
                            format!("rendezvous through {kind} failed ({error}); trying {next}")
                        }
                        None if sequence.len() > 1 => {
                            format!("rendezvous through {kind} failed ({error}); no method left")
                        }
                        None => format!("rendezvous through {kind} failed ({error})"),
                    });
                    last_error = Some(error);
                }
                Err(error) => {
                    // The broker answered: this method works.
                    self.note_worked(kind);
                    return Err(error);
                }
            }
        }
        Err(last_error
            .unwrap_or_else(|| RendezvousError::InvalidConfig("no rendezvous method".into())))
    }

    /// Moves `kind` to the front, and remembers it for the next run.
    fn note_worked(&self, kind: MethodKind) {
        let changed = self.lock_order().worked(kind);
        if !changed {
            return;
        }
        if self.methods.len() > 1 {
            tracing::info!(method = %kind, "rendezvous method that works now goes first");
        }
        if let Some(path) = &self.memory {
            if let Err(error) = write_memory(path, kind) {
                tracing::warn!(path = %path.display(), %error, "cannot remember the rendezvous method");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_method_that_worked_goes_first_and_the_rest_keep_their_order() {
        use MethodKind::*;
        let mut order = MethodOrder::new(&[Http, Amp, Http, Sqs]);
        assert_eq!(order.sequence(), vec![Http, Amp, Sqs]);
        assert!(order.worked(Sqs));
        assert_eq!(order.sequence(), vec![Sqs, Http, Amp]);
        assert!(!order.worked(Sqs));
        assert!(order.worked(Amp));
        assert_eq!(order.sequence(), vec![Amp, Http, Sqs]);
        // A method that is not configured is not remembered.
        let mut only_http = MethodOrder::new(&[Http]);
        assert!(!only_http.worked(Sqs));
        assert_eq!(only_http.sequence(), vec![Http]);
    }

    #[test]
    fn broker_answers_end_the_exchange_transport_failures_move_on() {
        assert!(!is_method_failure(&RendezvousError::NoProxies));
        assert!(!is_method_failure(&RendezvousError::BrokerTimedOut));
        assert!(!is_method_failure(&RendezvousError::UnknownBridge));
        assert!(!is_method_failure(&RendezvousError::Broker("x".into())));
        assert!(is_method_failure(&RendezvousError::Status(403)));
        assert!(is_method_failure(&RendezvousError::AmpRedirect));
        assert!(is_method_failure(&RendezvousError::Http(
            snowflake_common::http_client::HttpError::Timeout(Duration::from_secs(1))
        )));
    }

    #[test]
    fn memory_file_round_trips_and_ignores_garbage() {
        let dir = std::env::temp_dir().join(format!(
            "snowflake-rendezvous-memory-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let path = dir.join(MEMORY_FILE);
        assert_eq!(read_memory(&path), None);
        write_memory(&path, MethodKind::Amp).expect("write");
        assert_eq!(read_memory(&path), Some(MethodKind::Amp));
        std::fs::write(&path, "carrier pigeon\n").expect("write");
        assert_eq!(read_memory(&path), None);
        std::fs::write(&path, vec![b'a'; 1000]).expect("write");
        assert_eq!(read_memory(&path), None);
        assert_eq!(MethodKind::from_name(" SQS\n"), Some(MethodKind::Sqs));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
