//! The client side of SOCKS4 CONNECT with the 4a extension, as a state
//! machine: the request `04 01 DSTPORT DSTIP USERID 00`, where a host name
//! goes after the USERID (`HOST 00`) with DSTIP `0.0.0.1` so that the proxy
//! resolves it; the reply is 8 bytes, `00 5A …` when granted.
//!
//! SOCKS4 has no IPv6: an IPv6 target cannot be asked for.

use std::net::SocketAddr;

use super::TargetAddr;

const GRANTED: u8 = 0x5A;

/// Why the handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Socks4aError {
    /// SOCKS4 carries IPv4 addresses and host names only.
    #[error("SOCKS4a cannot connect to an IPv6 address")]
    Ipv6Target,
    /// A NUL in the USERID or host name, which ends the field.
    #[error("SOCKS4a user ids and host names cannot contain NUL")]
    Nul,
    /// The reply does not start with version 0 (or 4, which some proxies
    /// send).
    #[error("not a SOCKS4 proxy (reply version {0})")]
    BadVersion(u8),
    /// The proxy refused.
    #[error("the SOCKS4a proxy refused the request: {}", match .0 {
        0x5B => "rejected or failed".to_string(),
        0x5C => "it could not reach our identd".to_string(),
        0x5D => "the user id did not match identd's".to_string(),
        other => format!("reply code {other:#04x}"),
    })]
    Refused(u8),
    /// Bytes after the reply.
    #[error("the SOCKS4a proxy sent data before we did")]
    UnexpectedData,
    /// Bytes after the handshake ended.
    #[error("SOCKS4a handshake already finished")]
    Finished,
}

/// One SOCKS4a CONNECT.
#[derive(Debug)]
pub struct Socks4aHandshake {
    output: Vec<u8>,
    input: Vec<u8>,
    done: bool,
}

impl Socks4aHandshake {
    /// A CONNECT to `target` with `user_id`.
    pub fn new(user_id: Option<&str>, target: &TargetAddr) -> Result<Self, Socks4aError> {
        let user_id = user_id.unwrap_or("");
        if user_id.contains('\0') {
            return Err(Socks4aError::Nul);
        }
        let mut output = vec![4, 1];
        output.extend_from_slice(&target.port().to_be_bytes());
        match target {
            TargetAddr::Ip(SocketAddr::V4(addr)) => {
                output.extend_from_slice(&addr.ip().octets());
                output.extend_from_slice(user_id.as_bytes());
                output.push(0);
            }
            TargetAddr::Ip(SocketAddr::V6(_)) => return Err(Socks4aError::Ipv6Target),
            TargetAddr::Domain(host, _) => {
                if host.is_empty() || host.contains('\0') {
                    return Err(Socks4aError::Nul);
                }
                output.extend_from_slice(&[0, 0, 0, 1]);
                output.extend_from_slice(user_id.as_bytes());
                output.push(0);
                output.extend_from_slice(host.as_bytes());
                output.push(0);
            }
        }
        Ok(Socks4aHandshake {
            output,
            input: Vec::new(),
            done: false,
        })
    }

    /// The bytes to send now.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Takes bytes read from the proxy; `true` once the connection is
    /// granted.
    pub fn receive(&mut self, data: &[u8]) -> Result<bool, Socks4aError> {
        if self.done {
            return Err(Socks4aError::Finished);
        }
        self.input.extend_from_slice(data);
        let Some(reply) = super::socks5::first::<8>(&self.input) else {
            return Ok(false);
        };
        if !matches!(reply[0], 0 | 4) {
            return Err(Socks4aError::BadVersion(reply[0]));
        }
        if reply[1] != GRANTED {
            return Err(Socks4aError::Refused(reply[1]));
        }
        if self.input.len() > 8 {
            return Err(Socks4aError::UnexpectedData);
        }
        self.done = true;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_addresses_and_names() {
        let target = TargetAddr::Ip("192.0.2.1:443".parse().unwrap());
        let mut h = Socks4aHandshake::new(Some("tor"), &target).unwrap();
        assert_eq!(h.take_output(), b"\x04\x01\x01\xbb\xc0\x00\x02\x01tor\x00");
        assert!(!h.receive(&[0, 0x5A, 0, 0]).unwrap());
        assert!(h.receive(&[0, 0, 0, 0]).unwrap());
        assert_eq!(h.receive(&[0]), Err(Socks4aError::Finished));
        let target = TargetAddr::Domain("broker.example".into(), 80);
        let mut h = Socks4aHandshake::new(None, &target).unwrap();
        assert_eq!(
            h.take_output(),
            b"\x04\x01\x00\x50\x00\x00\x00\x01\x00broker.example\x00"
        );
        assert!(h.receive(&[4, 0x5A, 0, 0, 0, 0, 0, 0]).unwrap());
    }

    #[test]
    fn refusals() {
        let target = TargetAddr::Domain("broker.example".into(), 80);
        let mut h = Socks4aHandshake::new(None, &target).unwrap();
        let error = h.receive(&[0, 0x5B, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the SOCKS4a proxy refused the request: rejected or failed"
        );
        let mut h = Socks4aHandshake::new(None, &target).unwrap();
        assert_eq!(
            h.receive(&[5, 0, 0, 0, 0, 0, 0, 0]),
            Err(Socks4aError::BadVersion(5))
        );
        let mut h = Socks4aHandshake::new(None, &target).unwrap();
        assert_eq!(
            h.receive(&[0, 0x5A, 0, 0, 0, 0, 0, 0, 1]),
            Err(Socks4aError::UnexpectedData)
        );
        let v6 = TargetAddr::Ip("[::1]:80".parse().unwrap());
        assert_eq!(
            Socks4aHandshake::new(None, &v6).unwrap_err(),
            Socks4aError::Ipv6Target
        );
        assert_eq!(
            Socks4aHandshake::new(Some("a\0b"), &target).unwrap_err(),
            Socks4aError::Nul
        );
    }
}
