//! The issuance flow of RFC 8555 §7.3 to §7.4.2 as a sans-IO state
//! machine: account, order, authorizations, challenge, polling,
//! finalization with the CSR, certificate download.
//!
//! The machine says what to do next ([`Step`]): send a request (the driver
//! signs it with a fresh nonce and feeds back the response), publish a
//! challenge answer (the driver calls back when it is live), sleep before
//! polling, or done. Every server answer is checked; a malformed one is an
//! error, never a panic, and every polling loop is bounded.

use std::time::Duration;

use serde_json::json;

use super::challenge::{ChallengeType, Provision};
use super::error::AcmeError;
use super::jws::b64url;
use super::problem::Problem;
use super::resources::{self, Authorization, Order, Status};

/// Most polls of one object before giving up.
pub const MAX_POLLS: u32 = 30;

/// What the flow needs to start.
#[derive(Debug, Clone)]
pub struct OrderParams {
    /// The domain to order a certificate for (one per order, as Go's
    /// autocert does).
    pub domain: String,
    /// Challenge types to answer, most preferred first.
    pub challenge_types: Vec<ChallengeType>,
    /// The account URL if the account is already known; otherwise the flow
    /// starts with `newAccount`.
    pub account_url: Option<String>,
    /// Contact URIs for a new account (`mailto:...`).
    pub contact: Vec<String>,
    /// The account key's JWK thumbprint, for key authorizations.
    pub thumbprint: String,
    /// The CSR (DER) to finalize with.
    pub csr_der: Vec<u8>,
    /// The directory's `newAccount` URL.
    pub new_account_url: String,
    /// The directory's `newOrder` URL.
    pub new_order_url: String,
}

/// How a request is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignAs {
    /// With the JWK (`newAccount`).
    Jwk,
    /// With the account URL.
    Kid(String),
}

/// A request for the driver to sign and send (always a POST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What it is, for errors and logs.
    pub what: &'static str,
    /// Where to send it.
    pub url: String,
    /// The JSON payload; `None` for POST-as-GET.
    pub payload: Option<Vec<u8>>,
    /// The signer.
    pub sign_as: SignAs,
}

/// A response, as the flow needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The `Location` header.
    pub location: Option<String>,
    /// The `Retry-After` header, in seconds.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
}

/// What happened since the last step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Begin.
    Start,
    /// The response to the last [`Step::Send`].
    Response(Response),
    /// The answer of the last [`Step::Provision`] is published.
    Provisioned,
    /// The [`Step::Sleep`] is over.
    Woke,
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Sign and send this request, then report [`Event::Response`].
    Send(Request),
    /// Publish this challenge answer, then report [`Event::Provisioned`];
    /// withdraw it when the flow ends.
    Provision(Provision),
    /// Wait this long, then report [`Event::Woke`].
    Sleep(Duration),
    /// Finished: the certificate chain (PEM, leaf first).
    Done(Issued),
}

/// The outcome of a successful flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The certificate chain as the CA sent it (PEM).
    pub chain_pem: Vec<u8>,
    /// The account URL, to reuse for the next order.
    pub account_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    NewAccount,
    NewOrder,
    FetchAuthz {
        index: usize,
    },
    Provisioning {
        index: usize,
        kind: ChallengeType,
        url: String,
    },
    RespondChallenge {
        index: usize,
        kind: ChallengeType,
    },
    WaitAuthz {
        index: usize,
        kind: ChallengeType,
        polls: u32,
    },
    PollAuthz {
        index: usize,
        kind: ChallengeType,
        polls: u32,
    },
    WaitOrder {
        polls: u32,
    },
    PollOrder {
        polls: u32,
    },
    Finalize,
    FetchCertificate,
    Done,
    Failed,
}

/// The flow for one order.
#[derive(Debug)]
pub struct OrderFlow {
    params: OrderParams,
    state: State,
    account_url: Option<String>,
    order_url: Option<String>,
    authorizations: Vec<String>,
    finalized: bool,
}

impl OrderFlow {
    /// A flow that starts on [`Event::Start`].
    pub fn new(params: OrderParams) -> Self {
        Self {
            account_url: params.account_url.clone(),
            params,
            state: State::Idle,
            order_url: None,
            authorizations: Vec::new(),
            finalized: false,
        }
    }

    /// The account URL, once known.
    pub fn account_url(&self) -> Option<&str> {
        self.account_url.as_deref()
    }

    /// Advances the flow. After an error the flow is over: every further
    /// event is an error too.
    pub fn next(&mut self, event: Event) -> Result<Step, AcmeError> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        let result = self.advance(state, event);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn advance(&mut self, state: State, event: Event) -> Result<Step, AcmeError> {
        match (state, event) {
            (State::Idle, Event::Start) => Ok(match &self.account_url {
                Some(_) => self.send_new_order()?,
                None => {
                    let payload = json!({
                        "termsOfServiceAgreed": true,
                        "contact": self.params.contact,
                    });
                    self.state = State::NewAccount;
                    Step::Send(Request {
                        what: "new account",
                        url: self.params.new_account_url.clone(),
                        payload: Some(payload.to_string().into_bytes()),
                        sign_as: SignAs::Jwk,
                    })
                }
            }),
            (State::NewAccount, Event::Response(response)) => {
                check_status("new account", &response, &[200, 201])?;
                let location = response
                    .location
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| AcmeError::malformed("account", "no Location header"))?;
                super::directory::resource_url("account URL", &location)?;
                self.account_url = Some(location);
                self.send_new_order()
            }
            (State::NewOrder, Event::Response(response)) => {
                check_status("new order", &response, &[200, 201])?;
                let location = response
                    .location
                    .clone()
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| AcmeError::malformed("order", "no Location header"))?;
                super::directory::resource_url("order URL", &location)?;
                self.order_url = Some(location);
                let order: Order = resources::parse("order", &response.body)?;
                if order.status == Status::Pending && order.authorizations.is_empty() {
                    return Err(AcmeError::malformed(
                        "order",
                        "pending without authorizations",
                    ));
                }
                self.authorizations = order.authorizations.clone();
                self.on_order(order, 0, &response)
            }
            (State::FetchAuthz { index }, Event::Response(response)) => {
                check_status("authorization", &response, &[200])?;
                let authz: Authorization = resources::parse("authorization", &response.body)?;
                self.check_identifier(&authz)?;
                match authz.status {
                    Status::Valid => self.after_authz(index),
                    Status::Pending => self.choose_challenge(index, &authz),
                    _ => Err(failed_authz(&authz, None)),
                }
            }
            (State::Provisioning { index, kind, url }, Event::Provisioned) => {
                self.state = State::RespondChallenge { index, kind };
                Ok(Step::Send(Request {
                    what: "challenge",
                    url,
                    payload: Some(b"{}".to_vec()),
                    sign_as: self.kid()?,
                }))
            }
            (State::RespondChallenge { index, kind }, Event::Response(response)) => {
                check_status("challenge", &response, &[200])?;
                let challenge: resources::Challenge =
                    resources::parse("challenge", &response.body)?;
                if challenge.status == Status::Invalid {
                    return Err(AcmeError::ChallengeFailed {
                        domain: self.params.domain.clone(),
                        kind: kind.as_str(),
                        problem: challenge.error,
                    });
                }
                self.state = State::WaitAuthz {
                    index,
                    kind,
                    polls: 0,
                };
                Ok(Step::Sleep(poll_delay(0, response.retry_after)))
            }
            (State::WaitAuthz { index, kind, polls }, Event::Woke) => {
                let url = self.authz_url(index)?;
                self.state = State::PollAuthz {
                    index,
                    kind,
                    polls: polls.saturating_add(1),
                };
                Ok(Step::Send(Request {
                    what: "authorization",
                    url,
                    payload: None,
                    sign_as: self.kid()?,
                }))
            }
            (State::PollAuthz { index, kind, polls }, Event::Response(response)) => {
                check_status("authorization", &response, &[200])?;
                let authz: Authorization = resources::parse("authorization", &response.body)?;
                self.check_identifier(&authz)?;
                match authz.status {
                    Status::Valid => self.after_authz(index),
                    Status::Pending | Status::Processing => {
                        if polls >= MAX_POLLS {
                            return Err(AcmeError::Stalled("authorization", polls));
                        }
                        self.state = State::WaitAuthz { index, kind, polls };
                        Ok(Step::Sleep(poll_delay(polls, response.retry_after)))
                    }
                    _ => Err(failed_authz(&authz, Some(kind))),
                }
            }
            (State::WaitOrder { polls }, Event::Woke) => self.poll_order(polls),
            (State::PollOrder { polls }, Event::Response(response)) => {
                check_status("order", &response, &[200])?;
                let order: Order = resources::parse("order", &response.body)?;
                self.on_order(order, polls, &response)
            }
            (State::Finalize, Event::Response(response)) => {
                check_status("finalize", &response, &[200])?;
                let order: Order = resources::parse("order", &response.body)?;
                self.on_order(order, 0, &response)
            }
            (State::FetchCertificate, Event::Response(response)) => {
                check_status("certificate", &response, &[200])?;
                if !response
                    .body
                    .windows(b"-----BEGIN CERTIFICATE-----".len())
                    .any(|w| w == b"-----BEGIN CERTIFICATE-----")
                {
                    return Err(AcmeError::malformed(
                        "certificate",
                        "no PEM certificate in the response",
                    ));
                }
                self.state = State::Done;
                Ok(Step::Done(Issued {
                    chain_pem: response.body,
                    account_url: self.account_url.clone().unwrap_or_default(),
                }))
            }
            (state, event) => Err(AcmeError::Flow(format!(
                "{} in state {state:?}",
                match event {
                    Event::Start => "start",
                    Event::Response(_) => "a response",
                    Event::Provisioned => "provisioned",
                    Event::Woke => "woke",
                }
            ))),
        }
    }

    fn kid(&self) -> Result<SignAs, AcmeError> {
        self.account_url
            .clone()
            .map(SignAs::Kid)
            .ok_or_else(|| AcmeError::Flow("no account URL".into()))
    }

    fn send_new_order(&mut self) -> Result<Step, AcmeError> {
        let payload = json!({
            "identifiers": [{"type": "dns", "value": self.params.domain}],
        });
        let sign_as = self.kid()?;
        self.state = State::NewOrder;
        Ok(Step::Send(Request {
            what: "new order",
            url: self.params.new_order_url.clone(),
            payload: Some(payload.to_string().into_bytes()),
            sign_as,
        }))
    }

    fn authz_url(&self, index: usize) -> Result<String, AcmeError> {
        let url = self
            .authorizations
            .get(index)
            .cloned()
            .ok_or_else(|| AcmeError::Flow(format!("no authorization {index}")))?;
        super::directory::resource_url("authorization URL", &url)?;
        Ok(url)
    }

    fn fetch_authz(&mut self, index: usize) -> Result<Step, AcmeError> {
        let url = self.authz_url(index)?;
        self.state = State::FetchAuthz { index };
        Ok(Step::Send(Request {
            what: "authorization",
            url,
            payload: None,
            sign_as: self.kid()?,
        }))
    }

    fn check_identifier(&self, authz: &Authorization) -> Result<(), AcmeError> {
        if authz.identifier.kind == "dns"
            && authz
                .identifier
                .value
                .eq_ignore_ascii_case(&self.params.domain)
        {
            Ok(())
        } else {
            Err(AcmeError::malformed(
                "authorization",
                format!(
                    "for {:?}, not the domain ordered",
                    authz.identifier.value.chars().take(100).collect::<String>()
                ),
            ))
        }
    }

    fn choose_challenge(&mut self, index: usize, authz: &Authorization) -> Result<Step, AcmeError> {
        for &kind in &self.params.challenge_types {
            let offered = authz.challenges.iter().find(|c| {
                c.kind == kind.as_str() && c.token.as_deref().is_some_and(resources::token_is_valid)
            });
            if let Some(challenge) = offered {
                super::directory::resource_url("challenge URL", &challenge.url)?;
                let token = challenge.token.clone().unwrap_or_default();
                let provision = Provision {
                    kind,
                    domain: self.params.domain.clone(),
                    key_authorization: format!("{token}.{}", self.params.thumbprint),
                    token,
                };
                self.state = State::Provisioning {
                    index,
                    kind,
                    url: challenge.url.clone(),
                };
                return Ok(Step::Provision(provision));
            }
        }
        Err(AcmeError::NoUsableChallenge {
            domain: self.params.domain.clone(),
            offered: authz
                .challenges
                .iter()
                .map(|c| c.kind.chars().take(40).collect())
                .take(10)
                .collect(),
            wanted: self
                .params
                .challenge_types
                .iter()
                .map(|k| k.as_str())
                .collect(),
        })
    }

    fn after_authz(&mut self, index: usize) -> Result<Step, AcmeError> {
        let next = index + 1;
        if next < self.authorizations.len() {
            self.fetch_authz(next)
        } else {
            self.poll_order(0)
        }
    }

    fn poll_order(&mut self, polls: u32) -> Result<Step, AcmeError> {
        let url = self
            .order_url
            .clone()
            .ok_or_else(|| AcmeError::Flow("no order URL".into()))?;
        self.state = State::PollOrder {
            polls: polls.saturating_add(1),
        };
        Ok(Step::Send(Request {
            what: "order",
            url,
            payload: None,
            sign_as: self.kid()?,
        }))
    }

    fn wait_order(&mut self, polls: u32, response: &Response) -> Result<Step, AcmeError> {
        if polls >= MAX_POLLS {
            return Err(AcmeError::Stalled("order", polls));
        }
        self.state = State::WaitOrder { polls };
        Ok(Step::Sleep(poll_delay(polls, response.retry_after)))
    }

    /// What an order's status leads to.
    fn on_order(
        &mut self,
        order: Order,
        polls: u32,
        response: &Response,
    ) -> Result<Step, AcmeError> {
        match order.status {
            Status::Pending if polls == 0 && !self.finalized => self.fetch_authz(0),
            // Authorizations are done but the order has not caught up.
            Status::Pending => self.wait_order(polls, response),
            Status::Ready if !self.finalized => {
                super::directory::resource_url("finalize URL", &order.finalize)?;
                self.finalized = true;
                self.state = State::Finalize;
                let payload = json!({ "csr": b64url(&self.params.csr_der) });
                Ok(Step::Send(Request {
                    what: "finalize",
                    url: order.finalize,
                    payload: Some(payload.to_string().into_bytes()),
                    sign_as: self.kid()?,
                }))
            }
            Status::Ready | Status::Processing => self.wait_order(polls, response),
            Status::Valid => {
                let url = order.certificate.ok_or_else(|| {
                    AcmeError::malformed("order", "valid without a certificate URL")
                })?;
                super::directory::resource_url("certificate URL", &url)?;
                self.state = State::FetchCertificate;
                Ok(Step::Send(Request {
                    what: "certificate",
                    url,
                    payload: None,
                    sign_as: self.kid()?,
                }))
            }
            Status::Invalid => Err(AcmeError::OrderInvalid {
                problem: order.error,
            }),
            other => Err(AcmeError::malformed(
                "order",
                format!("unexpected status {other:?}"),
            )),
        }
    }
}

/// The error for an authorization that can no longer become valid: the
/// problem of the challenge we answered (or any challenge with one).
fn failed_authz(authz: &Authorization, kind: Option<ChallengeType>) -> AcmeError {
    let answered = authz
        .challenges
        .iter()
        .find(|c| kind.is_some_and(|k| c.kind == k.as_str()) && c.error.is_some())
        .or_else(|| authz.challenges.iter().find(|c| c.error.is_some()));
    AcmeError::ChallengeFailed {
        domain: authz.identifier.value.chars().take(253).collect(),
        kind: kind.map_or("authorization", ChallengeType::as_str),
        problem: answered.and_then(|c| c.error.clone()).or_else(|| {
            Some(Problem {
                kind: String::new(),
                detail: format!("authorization is {:?}", authz.status),
            })
        }),
    }
}

/// Checks the status, turning an error status into [`AcmeError::Refused`].
fn check_status(what: &'static str, response: &Response, ok: &[u16]) -> Result<(), AcmeError> {
    if ok.contains(&response.status) {
        Ok(())
    } else {
        Err(AcmeError::Refused {
            what,
            status: response.status,
            problem: Problem::parse(&response.body),
            retry_after: response.retry_after,
        })
    }
}

/// How long to wait before poll number `polls + 1`: what the server asks
/// (bounded), or a short delay growing to 5 s.
pub fn poll_delay(polls: u32, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(asked) => asked.clamp(Duration::from_secs(1), Duration::from_secs(60)),
        None => Duration::from_millis(500) * polls.saturating_add(1).min(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "https://ca.test/acct/1";
    const ORDER: &str = "https://ca.test/order/1";
    const AUTHZ: &str = "https://ca.test/authz/1";
    const CHALLENGE_HTTP: &str = "https://ca.test/chal/http";
    const CHALLENGE_TLS: &str = "https://ca.test/chal/tls";
    const FINALIZE: &str = "https://ca.test/finalize/1";
    const CERT: &str = "https://ca.test/cert/1";
    const TOKEN: &str = "tokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    fn params(account_url: Option<&str>) -> OrderParams {
        OrderParams {
            domain: "bridge.test".into(),
            challenge_types: vec![ChallengeType::TlsAlpn01, ChallengeType::Http01],
            account_url: account_url.map(str::to_owned),
            contact: vec!["mailto:op@bridge.test".into()],
            thumbprint: "THUMB".into(),
            csr_der: vec![0x30, 0x00],
            new_account_url: "https://ca.test/new-acct".into(),
            new_order_url: "https://ca.test/new-order".into(),
        }
    }

    fn response(status: u16, location: Option<&str>, body: &str) -> Event {
        Event::Response(Response {
            status,
            location: location.map(str::to_owned),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        })
    }

    fn order_json(status: &str, certificate: bool) -> String {
        let mut order = json!({
            "status": status,
            "identifiers": [{"type": "dns", "value": "bridge.test"}],
            "authorizations": [AUTHZ],
            "finalize": FINALIZE,
        });
        if certificate {
            order["certificate"] = json!(CERT);
        }
        order.to_string()
    }

    fn authz_json(status: &str, challenges: serde_json::Value) -> String {
        json!({
            "status": status,
            "identifier": {"type": "dns", "value": "bridge.test"},
            "challenges": challenges,
        })
        .to_string()
    }

    fn both_challenges(status: &str) -> serde_json::Value {
        json!([
            {"type": "http-01", "url": CHALLENGE_HTTP, "status": status, "token": TOKEN},
            {"type": "dns-01", "url": "https://ca.test/chal/dns", "status": status, "token": TOKEN},
            {"type": "tls-alpn-01", "url": CHALLENGE_TLS, "status": status, "token": TOKEN},
        ])
    }

    fn expect_send(step: Step, what: &str, url: &str) -> Request {
        match step {
            Step::Send(request) => {
                assert_eq!((request.what, request.url.as_str()), (what, url));
                request
            }
            other => panic!("expected {what}, got {other:?}"),
        }
    }

    #[test]
    fn full_flow_from_new_account_to_certificate() {
        let mut flow = OrderFlow::new(params(None));
        let request = expect_send(
            flow.next(Event::Start).unwrap(),
            "new account",
            "https://ca.test/new-acct",
        );
        assert_eq!(request.sign_as, SignAs::Jwk);
        let payload: serde_json::Value =
            serde_json::from_slice(request.payload.as_deref().unwrap()).unwrap();
        assert_eq!(payload["termsOfServiceAgreed"], true);
        assert_eq!(payload["contact"][0], "mailto:op@bridge.test");

        let request = expect_send(
            flow.next(response(201, Some(ACCOUNT), "{\"status\":\"valid\"}"))
                .unwrap(),
            "new order",
            "https://ca.test/new-order",
        );
        assert_eq!(request.sign_as, SignAs::Kid(ACCOUNT.into()));
        let payload: serde_json::Value =
            serde_json::from_slice(request.payload.as_deref().unwrap()).unwrap();
        assert_eq!(payload["identifiers"][0]["value"], "bridge.test");

        let request = expect_send(
            flow.next(response(201, Some(ORDER), &order_json("pending", false)))
                .unwrap(),
            "authorization",
            AUTHZ,
        );
        assert_eq!(request.payload, None, "POST-as-GET");

        // TLS-ALPN-01 is preferred even though HTTP-01 is listed first.
        let step = flow
            .next(response(
                200,
                None,
                &authz_json("pending", both_challenges("pending")),
            ))
            .unwrap();
        assert_eq!(
            step,
            Step::Provision(Provision {
                kind: ChallengeType::TlsAlpn01,
                domain: "bridge.test".into(),
                token: TOKEN.into(),
                key_authorization: format!("{TOKEN}.THUMB"),
            })
        );
        let request = expect_send(
            flow.next(Event::Provisioned).unwrap(),
            "challenge",
            CHALLENGE_TLS,
        );
        assert_eq!(request.payload.as_deref(), Some(&b"{}"[..]));
        let step = flow
            .next(response(
                200,
                None,
                &json!({"type": "tls-alpn-01", "url": CHALLENGE_TLS, "status": "processing", "token": TOKEN}).to_string(),
            ))
            .unwrap();
        assert!(matches!(step, Step::Sleep(_)));
        expect_send(flow.next(Event::Woke).unwrap(), "authorization", AUTHZ);
        // Still pending: sleep and poll again.
        assert!(matches!(
            flow.next(response(
                200,
                None,
                &authz_json("pending", both_challenges("processing"))
            ))
            .unwrap(),
            Step::Sleep(_)
        ));
        expect_send(flow.next(Event::Woke).unwrap(), "authorization", AUTHZ);
        expect_send(
            flow.next(response(
                200,
                None,
                &authz_json("valid", both_challenges("valid")),
            ))
            .unwrap(),
            "order",
            ORDER,
        );
        let request = expect_send(
            flow.next(response(200, None, &order_json("ready", false)))
                .unwrap(),
            "finalize",
            FINALIZE,
        );
        let payload: serde_json::Value =
            serde_json::from_slice(request.payload.as_deref().unwrap()).unwrap();
        assert_eq!(payload["csr"], "MAA");
        assert!(matches!(
            flow.next(response(200, None, &order_json("processing", false)))
                .unwrap(),
            Step::Sleep(_)
        ));
        expect_send(flow.next(Event::Woke).unwrap(), "order", ORDER);
        expect_send(
            flow.next(response(200, None, &order_json("valid", true)))
                .unwrap(),
            "certificate",
            CERT,
        );
        let pem = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            flow.next(response(200, None, pem)).unwrap(),
            Step::Done(Issued {
                chain_pem: pem.as_bytes().to_vec(),
                account_url: ACCOUNT.into(),
            })
        );
        // Over: anything more is an error.
        assert!(matches!(flow.next(Event::Woke), Err(AcmeError::Flow(_))));
    }

    #[test]
    fn known_account_and_valid_authorization_skip_ahead() {
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        expect_send(
            flow.next(Event::Start).unwrap(),
            "new order",
            "https://ca.test/new-order",
        );
        expect_send(
            flow.next(response(201, Some(ORDER), &order_json("pending", false)))
                .unwrap(),
            "authorization",
            AUTHZ,
        );
        // A reused valid authorization needs no challenge.
        expect_send(
            flow.next(response(
                200,
                None,
                &authz_json("valid", both_challenges("valid")),
            ))
            .unwrap(),
            "order",
            ORDER,
        );
        // An order already ready at creation goes straight to finalize.
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        expect_send(
            flow.next(response(201, Some(ORDER), &order_json("ready", false)))
                .unwrap(),
            "finalize",
            FINALIZE,
        );
    }

    #[test]
    fn falls_back_to_http01_when_tls_alpn01_is_not_offered() {
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("pending", false)))
            .unwrap();
        let only_http = json!([{"type": "http-01", "url": CHALLENGE_HTTP, "status": "pending", "token": TOKEN}]);
        match flow
            .next(response(200, None, &authz_json("pending", only_http)))
            .unwrap()
        {
            Step::Provision(p) => assert_eq!(p.kind, ChallengeType::Http01),
            other => panic!("{other:?}"),
        }
        expect_send(
            flow.next(Event::Provisioned).unwrap(),
            "challenge",
            CHALLENGE_HTTP,
        );
    }

    #[test]
    fn failed_validation_reports_the_problem() {
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("pending", false)))
            .unwrap();
        flow.next(response(
            200,
            None,
            &authz_json("pending", both_challenges("pending")),
        ))
        .unwrap();
        flow.next(Event::Provisioned).unwrap();
        flow.next(response(
            200,
            None,
            &json!({"type": "tls-alpn-01", "url": CHALLENGE_TLS, "status": "pending", "token": TOKEN}).to_string(),
        ))
        .unwrap();
        flow.next(Event::Woke).unwrap();
        let invalid = json!([{
            "type": "tls-alpn-01", "url": CHALLENGE_TLS, "status": "invalid", "token": TOKEN,
            "error": {"type": "urn:ietf:params:acme:error:connection", "detail": "connection refused"},
        }]);
        match flow.next(response(200, None, &authz_json("invalid", invalid))) {
            Err(AcmeError::ChallengeFailed {
                kind: "tls-alpn-01",
                problem: Some(problem),
                ..
            }) => assert_eq!(problem.detail, "connection refused"),
            other => panic!("{other:?}"),
        }
        assert!(flow.next(Event::Woke).is_err(), "failed flows stay failed");
    }

    #[test]
    fn bad_server_answers_are_errors_not_panics() {
        let garbage: &[&str] = &[
            "",
            "null",
            "[]",
            "{\"status\":7}",
            "{\"status\":\"pending\",\"finalize\":\"x\"}",
            "\u{0}\u{1}",
            "{\"status\":\"valid\",\"finalize\":\"https://a/f\"}",
        ];
        // At every point a response is expected, feed garbage.
        let script: Vec<Event> = vec![
            response(201, Some(ACCOUNT), "{}"),
            response(201, Some(ORDER), &order_json("pending", false)),
            response(
                200,
                None,
                &authz_json("pending", both_challenges("pending")),
            ),
        ];
        for prefix in 0..=3 {
            for body in garbage {
                let mut flow = OrderFlow::new(params(None));
                let mut step = flow.next(Event::Start).unwrap();
                for event in script.iter().take(prefix) {
                    step = flow.next(event.clone()).unwrap();
                }
                if matches!(step, Step::Provision(_)) {
                    step = flow.next(Event::Provisioned).unwrap();
                }
                assert!(matches!(step, Step::Send(_)));
                let result = flow.next(response(200, Some(ORDER), body));
                if prefix == 0 {
                    // The new-account body is not read; a Location is all
                    // that matters.
                    continue;
                }
                assert!(
                    result.is_err(),
                    "prefix {prefix}, body {body:?}: {result:?}"
                );
            }
        }
        // Missing Location, error statuses, events out of order.
        let mut flow = OrderFlow::new(params(None));
        flow.next(Event::Start).unwrap();
        assert!(flow.next(response(201, None, "{}")).is_err());
        let mut flow = OrderFlow::new(params(None));
        flow.next(Event::Start).unwrap();
        match flow.next(response(
            429,
            None,
            r#"{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many"}"#,
        )) {
            Err(AcmeError::Refused {
                status: 429,
                problem: Some(p),
                ..
            }) => assert_eq!(p.acme_error(), Some("rateLimited")),
            other => panic!("{other:?}"),
        }
        let mut flow = OrderFlow::new(params(None));
        assert!(matches!(flow.next(Event::Woke), Err(AcmeError::Flow(_))));
        let mut flow = OrderFlow::new(params(None));
        flow.next(Event::Start).unwrap();
        assert!(matches!(
            flow.next(Event::Provisioned),
            Err(AcmeError::Flow(_))
        ));
        // A certificate response without a certificate.
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("valid", true)))
            .unwrap();
        assert!(flow.next(response(200, None, "<html>")).is_err());
        // An authorization for a name we did not order.
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("pending", false)))
            .unwrap();
        let other = json!({"status": "pending", "identifier": {"type": "dns", "value": "evil.test"}, "challenges": both_challenges("pending")});
        assert!(flow.next(response(200, None, &other.to_string())).is_err());
        // No challenge we can answer; bad tokens do not count.
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("pending", false)))
            .unwrap();
        let dns_only = json!([
            {"type": "dns-01", "url": "https://ca.test/c", "status": "pending", "token": TOKEN},
            {"type": "http-01", "url": "https://ca.test/c", "status": "pending", "token": "../../x"},
        ]);
        assert!(matches!(
            flow.next(response(200, None, &authz_json("pending", dns_only))),
            Err(AcmeError::NoUsableChallenge { .. })
        ));
    }

    #[test]
    fn polling_is_bounded() {
        let mut flow = OrderFlow::new(params(Some(ACCOUNT)));
        flow.next(Event::Start).unwrap();
        flow.next(response(201, Some(ORDER), &order_json("ready", false)))
            .unwrap();
        let mut polls = 0;
        let error = loop {
            match flow.next(response(200, None, &order_json("processing", false))) {
                Ok(Step::Sleep(_)) => {
                    polls += 1;
                    flow.next(Event::Woke).unwrap();
                }
                Ok(other) => panic!("{other:?}"),
                Err(e) => break e,
            }
        };
        assert!(matches!(error, AcmeError::Stalled("order", _)));
        assert!(polls <= MAX_POLLS);
    }

    #[test]
    fn poll_delays_follow_retry_after_within_bounds() {
        assert_eq!(poll_delay(0, None), Duration::from_millis(500));
        assert_eq!(poll_delay(100, None), Duration::from_secs(5));
        assert_eq!(
            poll_delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(poll_delay(0, Some(Duration::ZERO)), Duration::from_secs(1));
        assert_eq!(
            poll_delay(0, Some(Duration::from_secs(86_400))),
            Duration::from_secs(60)
        );
    }
}
