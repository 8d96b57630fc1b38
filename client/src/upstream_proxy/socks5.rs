//! The client side of a SOCKS5 handshake (RFC 1928) with user name and
//! password authentication (RFC 1929), for CONNECT (the broker
//! rendezvous) and UDP ASSOCIATE (WebRTC's datagrams), as a state machine:
//! [`Socks5Handshake::take_output`] gives the bytes to send,
//! [`Socks5Handshake::receive`] takes the bytes read and returns the
//! proxy's reply once complete.
//!
//! 1. greeting: version 5 and the methods offered: "no authentication",
//!    and "user name/password" when we have credentials;
//! 2. if the proxy chose user name/password: `01 ULEN UNAME PLEN PASSWD`,
//!    answered by `01 STATUS` (0 is success);
//! 3. the request `05 CMD 00 ATYP DST.ADDR DST.PORT`, answered by
//!    `05 REP 00 ATYP BND.ADDR BND.PORT` (REP 0 is success). For UDP
//!    ASSOCIATE we send the all-zero address (we cannot know the address
//!    our datagrams will come from behind a NAT) and BND is the relay.
//!
//! Nothing may follow the reply before we speak: the targets (HTTP, TLS)
//! never speak first, so extra bytes are a protocol error.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::url::Credentials;
use super::TargetAddr;

const VERSION: u8 = 5;
const METHOD_NONE: u8 = 0x00;
const METHOD_PASSWORD: u8 = 0x02;
const METHOD_UNACCEPTABLE: u8 = 0xFF;
const PASSWORD_VERSION: u8 = 1;
const ATYP_IPV4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_IPV6: u8 = 4;

/// What we ask the proxy for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Socks5Command {
    /// A TCP connection to the target.
    Connect,
    /// A UDP relay for this client.
    UdpAssociate,
}

impl Socks5Command {
    fn code(self) -> u8 {
        match self {
            Socks5Command::Connect => 1,
            Socks5Command::UdpAssociate => 3,
        }
    }
}

/// Why the handshake failed. The texts are what the operator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Socks5Error {
    /// The proxy does not speak SOCKS5.
    #[error("not a SOCKS5 proxy (it answered with version {0})")]
    NotSocks5(u8),
    /// The proxy accepts none of the methods we offered.
    #[error("{}", if *.offered_password {
        "the SOCKS5 proxy accepts neither our user name and password nor no authentication"
    } else {
        "the SOCKS5 proxy requires authentication: give a user name and password"
    })]
    NoAcceptableMethod {
        /// Whether we offered user name/password.
        offered_password: bool,
    },
    /// The proxy chose a method we did not offer.
    #[error("the SOCKS5 proxy chose authentication method {0:#04x}, which we did not offer")]
    UnexpectedMethod(u8),
    /// The proxy refused the credentials.
    #[error("the SOCKS5 proxy refused the user name and password (status {0})")]
    AuthRejected(u8),
    /// The authentication reply is not version 1.
    #[error("bad SOCKS5 authentication reply (version {0})")]
    BadAuthVersion(u8),
    /// The proxy refused the request.
    #[error("the SOCKS5 proxy refused the request: {}", reply_text(*.0))]
    Refused(u8),
    /// The reply's address type is unknown.
    #[error("SOCKS5 reply with unknown address type {0}")]
    BadAddressType(u8),
    /// A target name longer than 255 bytes (or empty).
    #[error("a host name must be 1 to 255 bytes to go through SOCKS5")]
    BadDomain,
    /// Credentials too long for RFC 1929.
    #[error("SOCKS5 user names and passwords are at most 255 bytes")]
    CredentialTooLong,
    /// Bytes after the reply.
    #[error("the SOCKS5 proxy sent data before we did")]
    UnexpectedData,
    /// Bytes after the handshake ended.
    #[error("SOCKS5 handshake already finished")]
    Finished,
}

/// The text of a SOCKS5 reply code (RFC 1928 §6).
pub fn reply_text(code: u8) -> String {
    match code {
        1 => "general SOCKS server failure".into(),
        2 => "connection not allowed by ruleset".into(),
        3 => "network unreachable".into(),
        4 => "host unreachable".into(),
        5 => "connection refused".into(),
        6 => "TTL expired".into(),
        7 => "command not supported".into(),
        8 => "address type not supported".into(),
        other => format!("reply code {other}"),
    }
}

/// The proxy's successful reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socks5Reply {
    /// BND.ADDR and BND.PORT: for UDP ASSOCIATE, where to send datagrams.
    pub bound: TargetAddr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    Auth,
    Reply,
    Done,
}

/// One client handshake.
#[derive(Debug)]
pub struct Socks5Handshake {
    state: State,
    credentials: Option<(Vec<u8>, Vec<u8>)>,
    request: Vec<u8>,
    input: Vec<u8>,
    output: Vec<u8>,
}

/// The first `N` bytes of `input`, if there are that many.
pub(crate) fn first<const N: usize>(input: &[u8]) -> Option<[u8; N]> {
    input.get(..N)?.try_into().ok()
}

/// Appends `ATYP ADDR PORT` for `target`.
pub(crate) fn encode_address(target: &TargetAddr, out: &mut Vec<u8>) -> Result<(), Socks5Error> {
    match target {
        TargetAddr::Ip(SocketAddr::V4(addr)) => {
            out.push(ATYP_IPV4);
            out.extend_from_slice(&addr.ip().octets());
        }
        TargetAddr::Ip(SocketAddr::V6(addr)) => {
            out.push(ATYP_IPV6);
            out.extend_from_slice(&addr.ip().octets());
        }
        TargetAddr::Domain(name, _) => {
            let len = u8::try_from(name.len())
                .ok()
                .filter(|&len| len > 0)
                .ok_or(Socks5Error::BadDomain)?;
            out.push(ATYP_DOMAIN);
            out.push(len);
            out.extend_from_slice(name.as_bytes());
        }
    }
    out.extend_from_slice(&target.port().to_be_bytes());
    Ok(())
}

/// Decodes `ATYP ADDR PORT` at the start of `bytes`: the address and its
/// length, `Ok(None)` if more bytes are needed.
pub(crate) fn decode_address(bytes: &[u8]) -> Result<Option<(TargetAddr, usize)>, Socks5Error> {
    let Some(&atyp) = bytes.first() else {
        return Ok(None);
    };
    let (address_len, start) = match atyp {
        ATYP_IPV4 => (4, 1),
        ATYP_IPV6 => (16, 1),
        ATYP_DOMAIN => match bytes.get(1) {
            Some(&len) => (usize::from(len), 2),
            None => return Ok(None),
        },
        other => return Err(Socks5Error::BadAddressType(other)),
    };
    let end = start + address_len + 2;
    let Some(field) = bytes.get(start..end) else {
        return Ok(None);
    };
    let (address, port) = field.split_at(address_len);
    let port = u16::from_be_bytes([port[0], port[1]]);
    let target = match atyp {
        ATYP_IPV4 => {
            let octets: [u8; 4] = address.try_into().map_err(|_| Socks5Error::BadDomain)?;
            TargetAddr::Ip(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(octets)), port))
        }
        ATYP_IPV6 => {
            let octets: [u8; 16] = address.try_into().map_err(|_| Socks5Error::BadDomain)?;
            TargetAddr::Ip(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(octets)), port))
        }
        _ => TargetAddr::Domain(String::from_utf8_lossy(address).into_owned(), port),
    };
    Ok(Some((target, end)))
}

impl Socks5Handshake {
    /// A handshake asking for `command` to `target`, authenticating with
    /// `credentials` if the proxy wants them. UDP ASSOCIATE ignores
    /// `target` and sends the all-zero address.
    pub fn new(
        credentials: Option<&Credentials>,
        command: Socks5Command,
        target: &TargetAddr,
    ) -> Result<Self, Socks5Error> {
        let credentials = match credentials {
            Some(c) => {
                if c.username.len() > 255 || c.password.len() > 255 {
                    return Err(Socks5Error::CredentialTooLong);
                }
                Some((
                    c.username.clone().into_bytes(),
                    c.password.clone().into_bytes(),
                ))
            }
            None => None,
        };
        let mut request = vec![VERSION, command.code(), 0];
        let target = match command {
            Socks5Command::Connect => target.clone(),
            Socks5Command::UdpAssociate => {
                TargetAddr::Ip(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))
            }
        };
        encode_address(&target, &mut request)?;
        let output = if credentials.is_some() {
            vec![VERSION, 2, METHOD_NONE, METHOD_PASSWORD]
        } else {
            vec![VERSION, 1, METHOD_NONE]
        };
        Ok(Socks5Handshake {
            state: State::Greeting,
            credentials,
            request,
            input: Vec::new(),
            output,
        })
    }

    /// The bytes to send now.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Whether the handshake is over.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes bytes read from the proxy; the reply once the handshake is
    /// complete. Check [`take_output`](Self::take_output) after each call.
    pub fn receive(&mut self, data: &[u8]) -> Result<Option<Socks5Reply>, Socks5Error> {
        if self.state == State::Done {
            return Err(Socks5Error::Finished);
        }
        self.input.extend_from_slice(data);
        loop {
            match self.state {
                State::Greeting => {
                    let Some([version, method]) = first::<2>(&self.input) else {
                        return Ok(None);
                    };
                    self.input.drain(..2);
                    if version != VERSION {
                        return Err(Socks5Error::NotSocks5(version));
                    }
                    match (method, &self.credentials) {
                        (METHOD_NONE, _) => {
                            self.output.extend_from_slice(&self.request);
                            self.state = State::Reply;
                        }
                        (METHOD_PASSWORD, Some((user, pass))) => {
                            self.output.push(PASSWORD_VERSION);
                            self.output.push(user.len() as u8);
                            self.output.extend_from_slice(user);
                            self.output.push(pass.len() as u8);
                            self.output.extend_from_slice(pass);
                            self.state = State::Auth;
                        }
                        (METHOD_UNACCEPTABLE, credentials) => {
                            return Err(Socks5Error::NoAcceptableMethod {
                                offered_password: credentials.is_some(),
                            })
                        }
                        (other, _) => return Err(Socks5Error::UnexpectedMethod(other)),
                    }
                }
                State::Auth => {
                    let Some([version, status]) = first::<2>(&self.input) else {
                        return Ok(None);
                    };
                    self.input.drain(..2);
                    if version != PASSWORD_VERSION {
                        return Err(Socks5Error::BadAuthVersion(version));
                    }
                    if status != 0 {
                        return Err(Socks5Error::AuthRejected(status));
                    }
                    self.output.extend_from_slice(&self.request);
                    self.state = State::Reply;
                }
                State::Reply => {
                    let Some([version, code, _reserved]) = first::<3>(&self.input) else {
                        return Ok(None);
                    };
                    if version != VERSION {
                        return Err(Socks5Error::NotSocks5(version));
                    }
                    if code != 0 {
                        return Err(Socks5Error::Refused(code));
                    }
                    let Some((bound, len)) = decode_address(&self.input[3..])? else {
                        return Ok(None);
                    };
                    if self.input.len() > 3 + len {
                        return Err(Socks5Error::UnexpectedData);
                    }
                    self.input.clear();
                    self.state = State::Done;
                    return Ok(Some(Socks5Reply { bound }));
                }
                State::Done => return Err(Socks5Error::Finished),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            username: "user".into(),
            password: "pass".into(),
        }
    }

    fn target() -> TargetAddr {
        TargetAddr::Domain("broker.example".into(), 443)
    }

    #[test]
    fn connect_without_authentication() {
        let mut h = Socks5Handshake::new(None, Socks5Command::Connect, &target()).unwrap();
        assert_eq!(h.take_output(), [5, 1, 0]);
        assert_eq!(h.receive(&[5, 0]).unwrap(), None);
        let mut request = vec![5, 1, 0, 3, 14];
        request.extend_from_slice(b"broker.example");
        request.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(h.take_output(), request);
        // The reply may come in pieces.
        assert_eq!(h.receive(&[5, 0, 0, 1, 10]).unwrap(), None);
        let reply = h.receive(&[0, 0, 1, 0x1f, 0x90]).unwrap().unwrap();
        assert_eq!(
            reply.bound,
            TargetAddr::Ip("10.0.0.1:8080".parse().unwrap())
        );
        assert!(h.is_done());
        assert_eq!(h.receive(&[0]), Err(Socks5Error::Finished));
    }

    #[test]
    fn udp_associate_with_password() {
        let mut h =
            Socks5Handshake::new(Some(&creds()), Socks5Command::UdpAssociate, &target()).unwrap();
        assert_eq!(h.take_output(), [5, 2, 0, 2]);
        assert_eq!(h.receive(&[5, 2]).unwrap(), None);
        assert_eq!(h.take_output(), b"\x01\x04user\x04pass");
        assert_eq!(h.receive(&[1, 0]).unwrap(), None);
        assert_eq!(h.take_output(), [5, 3, 0, 1, 0, 0, 0, 0, 0, 0]);
        let mut reply = vec![5, 0, 0, 4];
        reply.extend_from_slice(&"::1".parse::<Ipv6Addr>().unwrap().octets());
        reply.extend_from_slice(&[0x30, 0x39]);
        let reply = h.receive(&reply).unwrap().unwrap();
        assert_eq!(reply.bound, TargetAddr::Ip("[::1]:12345".parse().unwrap()));
    }

    #[test]
    fn the_proxy_may_skip_authentication() {
        let mut h =
            Socks5Handshake::new(Some(&creds()), Socks5Command::Connect, &target()).unwrap();
        h.take_output();
        h.receive(&[5, 0]).unwrap();
        assert_eq!(h.take_output()[..2], [5, 1]);
    }

    #[test]
    fn refusals_are_told_apart() {
        let start = |credentials: Option<&Credentials>| {
            let mut h =
                Socks5Handshake::new(credentials, Socks5Command::Connect, &target()).unwrap();
            h.take_output();
            h
        };
        assert_eq!(
            start(None).receive(&[5, 0xFF]),
            Err(Socks5Error::NoAcceptableMethod {
                offered_password: false
            })
        );
        let error = start(None).receive(&[5, 0xFF]).unwrap_err().to_string();
        assert!(error.contains("requires authentication"), "{error}");
        assert_eq!(
            start(None).receive(&[5, 2]),
            Err(Socks5Error::UnexpectedMethod(2))
        );
        assert_eq!(start(None).receive(&[4, 0]), Err(Socks5Error::NotSocks5(4)));
        let mut h = start(Some(&creds()));
        h.receive(&[5, 2]).unwrap();
        let error = h.receive(&[1, 1]).unwrap_err();
        assert_eq!(error, Socks5Error::AuthRejected(1));
        assert!(error
            .to_string()
            .contains("refused the user name and password"));
        let mut h = start(None);
        h.receive(&[5, 0]).unwrap();
        let error = h.receive(&[5, 7, 0, 1]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the SOCKS5 proxy refused the request: command not supported"
        );
        let mut h = start(None);
        h.receive(&[5, 0]).unwrap();
        assert_eq!(
            h.receive(&[5, 0, 0, 9]),
            Err(Socks5Error::BadAddressType(9))
        );
        let mut h = start(None);
        h.receive(&[5, 0]).unwrap();
        assert_eq!(
            h.receive(&[5, 0, 0, 1, 1, 2, 3, 4, 0, 80, b'H']),
            Err(Socks5Error::UnexpectedData)
        );
    }

    #[test]
    fn bad_targets_and_credentials_are_refused_up_front() {
        let long = TargetAddr::Domain("a".repeat(256), 1);
        assert_eq!(
            Socks5Handshake::new(None, Socks5Command::Connect, &long).unwrap_err(),
            Socks5Error::BadDomain
        );
        let long = Credentials {
            username: "u".repeat(256),
            password: "p".into(),
        };
        assert_eq!(
            Socks5Handshake::new(Some(&long), Socks5Command::Connect, &target()).unwrap_err(),
            Socks5Error::CredentialTooLong
        );
    }

    #[test]
    fn addresses_round_trip() {
        for target in [
            TargetAddr::Ip("192.0.2.1:3478".parse().unwrap()),
            TargetAddr::Ip("[2001:db8::2]:19302".parse().unwrap()),
            TargetAddr::Domain("stun.example".into(), 3478),
        ] {
            let mut bytes = Vec::new();
            encode_address(&target, &mut bytes).unwrap();
            assert_eq!(
                decode_address(&bytes).unwrap(),
                Some((target.clone(), bytes.len()))
            );
            for cut in 0..bytes.len() {
                assert_eq!(
                    decode_address(&bytes[..cut]).unwrap(),
                    None,
                    "{target} cut at {cut}"
                );
            }
        }
    }
}
