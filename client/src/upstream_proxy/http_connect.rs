//! The client side of an HTTP `CONNECT` tunnel (RFC 9110 §9.3.6) with
//! Basic proxy authentication (RFC 7617), as a state machine:
//!
//! ```text
//! CONNECT host:port HTTP/1.1
//! Host: host:port
//! Proxy-Authorization: Basic base64(user ":" password)
//! ```
//!
//! Any 2xx status opens the tunnel; 407 means the proxy wants (other)
//! credentials. The response head is read up to its blank line and at
//! most [`MAX_RESPONSE_HEAD`] bytes; a tunnel's data never comes before
//! we send ours, so bytes after the head are a protocol error.

use super::url::Credentials;
use super::TargetAddr;

/// The most bytes of response head read.
pub const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Why the tunnel was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpConnectError {
    /// The response head is longer than [`MAX_RESPONSE_HEAD`].
    #[error("the HTTP proxy's response head is longer than {MAX_RESPONSE_HEAD} bytes")]
    HeadTooLong,
    /// Not an HTTP/1.x status line.
    #[error("the HTTP proxy's answer is not an HTTP/1 response")]
    Malformed,
    /// 407 Proxy Authentication Required.
    #[error("{}", if *.sent_credentials {
        "the HTTP proxy refused the user name and password (407)"
    } else {
        "the HTTP proxy requires authentication (407): give a user name and password"
    })]
    AuthRequired {
        /// Whether we sent credentials.
        sent_credentials: bool,
    },
    /// Another status.
    #[error("the HTTP proxy refused the tunnel: {status} {reason}")]
    Refused {
        /// The status code.
        status: u16,
        /// The reason phrase (printable ASCII only).
        reason: String,
    },
    /// Bytes after the response head.
    #[error("the HTTP proxy sent data before we did")]
    UnexpectedData,
    /// Bytes after the handshake ended.
    #[error("HTTP CONNECT already finished")]
    Finished,
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One `CONNECT`.
#[derive(Debug)]
pub struct HttpConnectHandshake {
    output: Vec<u8>,
    input: Vec<u8>,
    sent_credentials: bool,
    done: bool,
}

impl HttpConnectHandshake {
    /// A `CONNECT` to `target`, with Basic authentication if `credentials`.
    pub fn new(credentials: Option<&Credentials>, target: &TargetAddr) -> Self {
        let authority = target.to_string();
        let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if let Some(c) = credentials {
            let token = base64(format!("{}:{}", c.username, c.password).as_bytes());
            request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
        }
        request.push_str("\r\n");
        HttpConnectHandshake {
            output: request.into_bytes(),
            input: Vec::new(),
            sent_credentials: credentials.is_some(),
            done: false,
        }
    }

    /// The bytes to send now.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Takes bytes read from the proxy; `true` once the tunnel is open.
    pub fn receive(&mut self, data: &[u8]) -> Result<bool, HttpConnectError> {
        if self.done {
            return Err(HttpConnectError::Finished);
        }
        self.input.extend_from_slice(data);
        let Some(end) = self.input.windows(4).position(|w| w == b"\r\n\r\n") else {
            if self.input.len() > MAX_RESPONSE_HEAD {
                return Err(HttpConnectError::HeadTooLong);
            }
            return Ok(false);
        };
        if end + 4 > MAX_RESPONSE_HEAD {
            return Err(HttpConnectError::HeadTooLong);
        }
        let head = &self.input[..end];
        let status_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
        let mut parts = status_line.splitn(3, |&b| b == b' ');
        let version = parts.next().unwrap_or_default();
        if !version.starts_with(b"HTTP/1.") {
            return Err(HttpConnectError::Malformed);
        }
        let status = parts
            .next()
            .filter(|code| code.len() == 3)
            .and_then(|code| std::str::from_utf8(code).ok())
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or(HttpConnectError::Malformed)?;
        let reason: String = parts
            .next()
            .unwrap_or_default()
            .iter()
            .map(|&b| char::from(b))
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .take(200)
            .collect();
        match status {
            200..=299 => {}
            407 => {
                return Err(HttpConnectError::AuthRequired {
                    sent_credentials: self.sent_credentials,
                })
            }
            _ => return Err(HttpConnectError::Refused { status, reason }),
        }
        if self.input.len() > end + 4 {
            return Err(HttpConnectError::UnexpectedData);
        }
        self.done = true;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        // RFC 4648 §10.
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output);
        }
        // RFC 7617's example.
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn request_and_success() {
        let target = TargetAddr::Domain("broker.example".into(), 443);
        let credentials = Credentials {
            username: "Aladdin".into(),
            password: "open sesame".into(),
        };
        let mut h = HttpConnectHandshake::new(Some(&credentials), &target);
        assert_eq!(
            String::from_utf8(h.take_output()).unwrap(),
            "CONNECT broker.example:443 HTTP/1.1\r\nHost: broker.example:443\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        assert!(!h
            .receive(b"HTTP/1.1 200 Connection established\r\n")
            .unwrap());
        assert!(h.receive(b"Via: test\r\n\r\n").unwrap());
        assert_eq!(h.receive(b"x"), Err(HttpConnectError::Finished));
        let v6 = TargetAddr::Ip("[::1]:80".parse().unwrap());
        let mut h = HttpConnectHandshake::new(None, &v6);
        assert!(String::from_utf8(h.take_output())
            .unwrap()
            .starts_with("CONNECT [::1]:80 HTTP/1.1\r\n"));
        assert!(h.receive(b"HTTP/1.0 200 OK\r\n\r\n").unwrap());
    }

    #[test]
    fn refusals() {
        let target = TargetAddr::Domain("broker.example".into(), 443);
        let answer = |credentials: bool, response: &[u8]| {
            let c = Credentials {
                username: "u".into(),
                password: "p".into(),
            };
            HttpConnectHandshake::new(credentials.then_some(&c), &target).receive(response)
        };
        let error =
            answer(true, b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the HTTP proxy refused the user name and password (407)"
        );
        let error =
            answer(false, b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n").unwrap_err();
        assert!(
            error.to_string().contains("requires authentication"),
            "{error}"
        );
        assert_eq!(
            answer(false, b"HTTP/1.1 403 Forbidden\x07\r\n\r\n"),
            Err(HttpConnectError::Refused {
                status: 403,
                reason: "Forbidden".into()
            })
        );
        assert_eq!(
            answer(false, b"SSH-2.0-x\r\n\r\n"),
            Err(HttpConnectError::Malformed)
        );
        assert_eq!(
            answer(false, b"HTTP/1.1 2000 OK\r\n\r\n"),
            Err(HttpConnectError::Malformed)
        );
        assert_eq!(
            answer(false, b"HTTP/1.1 200 OK\r\n\r\nearly"),
            Err(HttpConnectError::UnexpectedData)
        );
        let endless = vec![b'a'; MAX_RESPONSE_HEAD + 1];
        assert_eq!(answer(false, &endless), Err(HttpConnectError::HeadTooLong));
    }
}
