//! The async driver around the [`Matcher`]: one-shot channels carry each
//! outcome to the waiting HTTP request, and a timer task runs
//! [`Matcher::handle_timeout`] at the next deadline.
//!
//! A waiting request that goes away (the HTTP connection closed) withdraws
//! itself when its future is dropped, so a departed proxy is not handed a
//! client and a departed client's answer is refused.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

use crate::matcher::{
    ClientMatched, ClientRefusal, ClientRequest, Expired, Matcher, MatcherConfig, MatcherStats,
    OfferForProxy, ProxyRefusal, ProxyRegistration, Ticket,
};
use snowflake_common::messages::{NatType, ProxyType};

/// How a proxy poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyOutcome {
    /// A client's offer for this proxy.
    Matched(OfferForProxy),
    /// No client came in time (or the poll was replaced by a later one
    /// with the same session id).
    NoMatch,
}

/// How a client poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOutcome {
    /// The proxy's SDP JSON answer.
    Answer {
        /// The answer, verbatim.
        answer: String,
        /// The answering proxy's kind.
        proxy_type: ProxyType,
        /// The answering proxy's NAT type.
        proxy_nat: NatType,
    },
    /// A proxy was matched but did not answer before the deadline.
    TimedOut,
    /// Refused without matching.
    Refused(ClientRefusal),
}

type ProxyWaiter = oneshot::Sender<ProxyOutcome>;

/// What reaches a waiting client.
enum ClientEvent {
    Answer(String),
    TimedOut,
}

type ClientWaiter = oneshot::Sender<ClientEvent>;

/// Shared matching state for all requests of one broker.
pub struct Rendezvous {
    matcher: Mutex<Matcher<ProxyWaiter, ClientWaiter>>,
    /// Wakes the timer task when an earlier deadline appears.
    timer_wakeup: Notify,
}

impl std::fmt::Debug for Rendezvous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendezvous").finish_non_exhaustive()
    }
}

/// Withdraws a registration if its request future is dropped early.
struct CancelOnDrop<'a> {
    rendezvous: &'a Rendezvous,
    ticket: Option<Ticket>,
    proxy: bool,
}

impl CancelOnDrop<'_> {
    fn disarm(&mut self) {
        self.ticket = None;
    }
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            let mut matcher = self.rendezvous.lock();
            if self.proxy {
                matcher.cancel_proxy(&ticket);
            } else {
                matcher.cancel_client(&ticket);
            }
        }
    }
}

impl Rendezvous {
    /// A rendezvous with an empty matcher.
    pub fn new(config: MatcherConfig) -> Self {
        Rendezvous {
            matcher: Mutex::new(Matcher::new(config)),
            timer_wakeup: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Matcher<ProxyWaiter, ClientWaiter>> {
        // A panic while holding the lock cannot leave the matcher in a state
        // worse than losing one request, so keep serving.
        self.matcher.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the timer if `deadline` is now the earliest one.
    fn deadline_added(
        &self,
        matcher: &Matcher<ProxyWaiter, ClientWaiter>,
        deadline: std::time::Instant,
    ) {
        if matcher.next_deadline() == Some(deadline) {
            self.timer_wakeup.notify_one();
        }
    }

    /// Current counts.
    pub fn stats(&self) -> MatcherStats {
        self.lock().stats()
    }

    /// Holds a proxy poll until a client takes it or it times out. Refused
    /// at once when the matcher is full or the session id is awaiting an
    /// answer.
    pub async fn proxy_poll(
        &self,
        registration: ProxyRegistration,
    ) -> Result<ProxyOutcome, ProxyRefusal> {
        let (sender, receiver) = oneshot::channel();
        let replaced;
        let ticket;
        {
            let mut matcher = self.lock();
            let now = Instant::now().into_std();
            match matcher.proxy_poll(now, registration, sender) {
                Ok(waiting) => {
                    self.deadline_added(&matcher, waiting.deadline);
                    replaced = waiting.replaced;
                    ticket = waiting.ticket;
                }
                Err((refusal, _)) => return Err(refusal),
            }
        }
        if let Some(old) = replaced {
            let _ = old.send(ProxyOutcome::NoMatch);
        }
        let mut guard = CancelOnDrop {
            rendezvous: self,
            ticket: Some(ticket),
            proxy: true,
        };
        let outcome = receiver.await.unwrap_or(ProxyOutcome::NoMatch);
        guard.disarm();
        Ok(outcome)
    }

    /// Matches a client and waits for the proxy's answer until `deadline`.
    pub async fn client_poll(&self, deadline: Instant, request: ClientRequest) -> ClientOutcome {
        let (sender, receiver) = oneshot::channel();
        let matched: ClientMatched<ProxyWaiter>;
        {
            let mut matcher = self.lock();
            let now = Instant::now().into_std();
            match matcher.client_poll(now, deadline.into_std(), request, sender) {
                Ok(m) => {
                    self.deadline_added(&matcher, deadline.into_std());
                    matched = m;
                }
                Err((refusal, _)) => return ClientOutcome::Refused(refusal),
            }
        }
        let mut guard = CancelOnDrop {
            rendezvous: self,
            ticket: Some(matched.ticket),
            proxy: false,
        };
        let proxy_type = matched.proxy_type;
        let proxy_nat = matched.proxy_nat;
        // If the proxy's request is gone, its offer is lost and this client
        // times out, as with the Go broker.
        let _ = matched
            .proxy_waiter
            .send(ProxyOutcome::Matched(matched.offer));
        let event = receiver.await.unwrap_or(ClientEvent::TimedOut);
        guard.disarm();
        match event {
            ClientEvent::Answer(answer) => ClientOutcome::Answer {
                answer,
                proxy_type,
                proxy_nat,
            },
            ClientEvent::TimedOut => ClientOutcome::TimedOut,
        }
    }

    /// Delivers a proxy's answer; `false` means no client waits for it
    /// (`client gone`).
    pub fn proxy_answer(&self, sid: &str, answer: String) -> bool {
        let waiter = self.lock().proxy_answer(sid);
        match waiter {
            Some(waiter) => waiter.send(ClientEvent::Answer(answer)).is_ok(),
            None => false,
        }
    }

    /// Expires due polls; returns when `shutdown` resolves.
    pub async fn run_timer(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut expired = Vec::new();
        loop {
            let next = {
                let mut matcher = self.lock();
                matcher.handle_timeout(Instant::now().into_std(), &mut expired);
                matcher.next_deadline()
            };
            for item in expired.drain(..) {
                match item {
                    Expired::Proxy { waiter, .. } => {
                        let _ = waiter.send(ProxyOutcome::NoMatch);
                    }
                    Expired::Client { waiter, .. } => {
                        let _ = waiter.send(ClientEvent::TimedOut);
                    }
                }
            }
            // Without pending deadlines, sleep until woken (an hour is a
            // hang guard, not a schedule).
            let wake_at = next
                .map(Instant::from_std)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep_until(wake_at) => {}
                _ = self.timer_wakeup.notified() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_common::namematcher::NameMatcher;
    use std::sync::Arc as StdArc;

    fn registration(sid: &str, nat: NatType) -> ProxyRegistration {
        ProxyRegistration {
            sid: sid.to_string(),
            proxy_type: ProxyType::Standalone,
            nat,
            clients: 0,
            relay_pattern: NameMatcher::parse_lenient("example.net$"),
            address: None,
        }
    }

    fn client(nat: NatType) -> ClientRequest {
        ClientRequest {
            offer: "offer".to_string(),
            nat,
            relay_url: "wss://relay.example.net/".to_string(),
            relay_host: "relay.example.net".to_string(),
        }
    }

    fn config() -> MatcherConfig {
        MatcherConfig {
            proxy_timeout: Duration::from_secs(10),
            ..MatcherConfig::default()
        }
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    /// A rendezvous with its expiry timer running (abort the handle at the end).
    fn with_timer() -> (StdArc<Rendezvous>, tokio::task::JoinHandle<()>) {
        let rendezvous = StdArc::new(Rendezvous::new(config()));
        let timer = tokio::spawn({
            let r = rendezvous.clone();
            async move { r.run_timer(std::future::pending()).await }
        });
        (rendezvous, timer)
    }

    fn spawn_proxy_poll(
        rendezvous: &StdArc<Rendezvous>,
        sid: &str,
        nat: NatType,
    ) -> tokio::task::JoinHandle<Result<ProxyOutcome, ProxyRefusal>> {
        let r = rendezvous.clone();
        let registration = registration(sid, nat);
        tokio::spawn(async move { r.proxy_poll(registration).await })
    }

    /// A client poll with a 5 s deadline.
    fn spawn_client_poll(
        rendezvous: &StdArc<Rendezvous>,
        nat: NatType,
    ) -> tokio::task::JoinHandle<ClientOutcome> {
        let r = rendezvous.clone();
        tokio::spawn(async move {
            r.client_poll(Instant::now() + Duration::from_secs(5), client(nat))
                .await
        })
    }

    #[tokio::test(start_paused = true)]
    async fn proxy_poll_times_out_with_no_match() {
        let (rendezvous, timer) = with_timer();
        let start = Instant::now();
        let outcome = rendezvous
            .proxy_poll(registration("a", NatType::Unrestricted))
            .await
            .unwrap();
        assert_eq!(outcome, ProxyOutcome::NoMatch);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        assert_eq!(rendezvous.stats().waiting_proxies, 0);
        timer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn match_answer_and_late_answer() {
        let (rendezvous, timer) = with_timer();
        let proxy = spawn_proxy_poll(&rendezvous, "sid1", NatType::Unrestricted);
        settle().await;
        let client_task = spawn_client_poll(&rendezvous, NatType::Restricted);
        let offer = proxy.await.unwrap().unwrap();
        assert!(matches!(offer, ProxyOutcome::Matched(ref o) if o.offer == "offer"));
        assert!(rendezvous.proxy_answer("sid1", "answer".to_string()));
        assert_eq!(
            client_task.await.unwrap(),
            ClientOutcome::Answer {
                answer: "answer".to_string(),
                proxy_type: ProxyType::Standalone,
                proxy_nat: NatType::Unrestricted
            }
        );
        assert!(!rendezvous.proxy_answer("sid1", "again".to_string()));
        timer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn client_times_out_then_answer_is_refused() {
        let (rendezvous, timer) = with_timer();
        let proxy = spawn_proxy_poll(&rendezvous, "sid2", NatType::Restricted);
        settle().await;
        let start = Instant::now();
        let outcome = rendezvous
            .client_poll(
                start + Duration::from_secs(5),
                client(NatType::Unrestricted),
            )
            .await;
        assert_eq!(outcome, ClientOutcome::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(matches!(proxy.await.unwrap(), Ok(ProxyOutcome::Matched(_))));
        assert!(!rendezvous.proxy_answer("sid2", "late".to_string()));
        assert_eq!(rendezvous.stats().waiting_clients, 0);
        timer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn dropped_requests_withdraw() {
        let rendezvous = StdArc::new(Rendezvous::new(config()));
        let proxy = spawn_proxy_poll(&rendezvous, "gone", NatType::Unrestricted);
        settle().await;
        assert_eq!(rendezvous.stats().waiting_proxies, 1);
        proxy.abort();
        let _ = proxy.await;
        assert_eq!(rendezvous.stats().waiting_proxies, 0);
        let outcome = rendezvous
            .client_poll(
                Instant::now() + Duration::from_secs(5),
                client(NatType::Restricted),
            )
            .await;
        assert_eq!(outcome, ClientOutcome::Refused(ClientRefusal::NoProxies));

        // A client that leaves: the proxy's answer is refused.
        let proxy = spawn_proxy_poll(&rendezvous, "p2", NatType::Unrestricted);
        settle().await;
        let client_task = spawn_client_poll(&rendezvous, NatType::Restricted);
        assert!(matches!(proxy.await.unwrap(), Ok(ProxyOutcome::Matched(_))));
        settle().await;
        client_task.abort();
        let _ = client_task.await;
        assert!(!rendezvous.proxy_answer("p2", "answer".to_string()));
    }

    #[tokio::test(start_paused = true)]
    async fn replaced_poll_gets_no_match() {
        let rendezvous = StdArc::new(Rendezvous::new(config()));
        let first = spawn_proxy_poll(&rendezvous, "same", NatType::Unrestricted);
        settle().await;
        let second = spawn_proxy_poll(&rendezvous, "same", NatType::Unrestricted);
        assert_eq!(first.await.unwrap(), Ok(ProxyOutcome::NoMatch));
        settle().await;
        assert_eq!(rendezvous.stats().waiting_proxies, 1);
        second.abort();
    }
}
