//! Which `TOR_PT_PROXY` values the client can use (pt-spec §3.2.2:
//! `<type>://[<user>[:<password>]@]<host>:<port>`), checked before
//! `PROXY DONE` so that a value we cannot use gets `PROXY-ERROR` at once:
//!
//! * `socks5://[user:pass@]host:port`: user name and password are both
//!   needed when either is given, 1 to 255 bytes each (RFC 1929), as tor's
//!   `Socks5ProxyUsername`/`Socks5ProxyPassword` are;
//! * `socks4a://[user@]host:port`: the user name is SOCKS4's USERID; there
//!   is no password, and a NUL cannot be sent;
//! * `http://[user[:pass]@]host:port`: `CONNECT` with Basic authentication
//!   (RFC 7617: no `:` in the user name), as tor's `HTTPSProxy` with
//!   `HTTPSProxyAuthenticator`.
//!
//! The URL syntax itself (scheme, percent-escapes, brackets, port) is
//! parsed by [`snowflake_common::pt::env::parse_proxy_url`]; error texts
//! never repeat the password.

use std::fmt;

use snowflake_common::pt::env::{parse_proxy_url, ProxyUrl};

use super::TargetAddr;

/// The longest user name or password SOCKS5 can carry (RFC 1929).
pub const MAX_SOCKS5_CREDENTIAL: usize = 255;

/// The longest SOCKS4 USERID we send.
pub const MAX_SOCKS4_USER_ID: usize = 255;

/// The three kinds of upstream proxy tor hands a transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5: TCP by CONNECT, UDP by UDP ASSOCIATE.
    Socks5,
    /// SOCKS4a: TCP only.
    Socks4a,
    /// HTTP CONNECT: TCP only.
    Http,
}

impl ProxyKind {
    /// The URL scheme.
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks4a => "socks4a",
            ProxyKind::Http => "http",
        }
    }

    /// Whether datagrams can go through this kind of proxy.
    pub fn carries_udp(self) -> bool {
        self == ProxyKind::Socks5
    }
}

/// A user name and password. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password (empty for an HTTP proxy URL with a user name only).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[hidden]")
            .finish()
    }
}

/// A usable upstream proxy. `Display` and `Debug` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamProxy {
    kind: ProxyKind,
    host: String,
    port: u16,
    /// SOCKS5 or HTTP credentials.
    credentials: Option<Credentials>,
    /// SOCKS4a USERID.
    user_id: Option<String>,
}

/// Why a `TOR_PT_PROXY` value cannot be used (the text of `PROXY-ERROR`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// The URL does not parse.
    #[error("malformed proxy URL: {0}")]
    Malformed(String),
    /// A scheme other than socks5, socks4a or http.
    #[error("unsupported proxy type {0:?} (socks5, socks4a and http are supported)")]
    UnsupportedScheme(String),
    /// SOCKS5 with only one of user name and password, or an empty one.
    #[error("a SOCKS5 proxy needs both a user name and a password, or neither")]
    Socks5CredentialsIncomplete,
    /// A SOCKS5 user name or password over 255 bytes.
    #[error("SOCKS5 user names and passwords are at most 255 bytes")]
    Socks5CredentialTooLong,
    /// SOCKS4a with a password.
    #[error("a SOCKS4a proxy takes a user id but no password")]
    Socks4aPassword,
    /// A SOCKS4 USERID with a NUL or over 255 bytes.
    #[error("the SOCKS4a user id must be at most 255 bytes without NUL")]
    Socks4aUserId,
    /// An HTTP user name with `:`, which Basic authentication cannot carry.
    #[error("an HTTP proxy user name cannot contain ':'")]
    HttpUserColon,
}

impl UpstreamProxy {
    /// Parses and checks a `TOR_PT_PROXY` value.
    pub fn parse(text: &str) -> Result<Self, ProxyUrlError> {
        let url = parse_proxy_url(text).map_err(ProxyUrlError::Malformed)?;
        Self::from_url(&url)
    }

    /// Checks an already parsed `TOR_PT_PROXY` value.
    pub fn from_url(url: &ProxyUrl) -> Result<Self, ProxyUrlError> {
        let kind = match url.scheme.as_str() {
            "socks5" => ProxyKind::Socks5,
            "socks4a" => ProxyKind::Socks4a,
            "http" => ProxyKind::Http,
            other => return Err(ProxyUrlError::UnsupportedScheme(other.to_string())),
        };
        let mut proxy = UpstreamProxy {
            kind,
            host: url.host.clone(),
            port: url.port,
            credentials: None,
            user_id: None,
        };
        match kind {
            ProxyKind::Socks5 => match (&url.username, &url.password) {
                (None, None) => {}
                (Some(username), Some(password))
                    if !username.is_empty() && !password.is_empty() =>
                {
                    if username.len() > MAX_SOCKS5_CREDENTIAL
                        || password.len() > MAX_SOCKS5_CREDENTIAL
                    {
                        return Err(ProxyUrlError::Socks5CredentialTooLong);
                    }
                    proxy.credentials = Some(Credentials {
                        username: username.clone(),
                        password: password.clone(),
                    });
                }
                _ => return Err(ProxyUrlError::Socks5CredentialsIncomplete),
            },
            ProxyKind::Socks4a => {
                if url.password.is_some() {
                    return Err(ProxyUrlError::Socks4aPassword);
                }
                if let Some(user_id) = &url.username {
                    if user_id.len() > MAX_SOCKS4_USER_ID || user_id.contains('\0') {
                        return Err(ProxyUrlError::Socks4aUserId);
                    }
                    proxy.user_id = Some(user_id.clone()).filter(|id| !id.is_empty());
                }
            }
            ProxyKind::Http => {
                if let Some(username) = &url.username {
                    if username.contains(':') {
                        return Err(ProxyUrlError::HttpUserColon);
                    }
                    proxy.credentials = Some(Credentials {
                        username: username.clone(),
                        password: url.password.clone().unwrap_or_default(),
                    });
                }
            }
        }
        Ok(proxy)
    }

    /// The kind of proxy.
    pub fn kind(&self) -> ProxyKind {
        self.kind
    }

    /// The proxy's host (a name, or an IP literal without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The proxy's own address.
    pub fn server(&self) -> TargetAddr {
        TargetAddr::from_host_port(&self.host, self.port)
    }

    /// SOCKS5 or HTTP credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The SOCKS4a USERID, if any.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// Whether datagrams can go through this proxy (SOCKS5 only).
    pub fn carries_udp(&self) -> bool {
        self.kind.carries_udp()
    }
}

impl fmt::Display for UpstreamProxy {
    /// `scheme://[user[:[hidden]]@]host:port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.kind.scheme())?;
        if let Some(credentials) = &self.credentials {
            write!(f, "{}:[hidden]@", credentials.username)?;
        } else if let Some(user_id) = &self.user_id {
            write!(f, "{user_id}@")?;
        }
        write!(f, "{}", self.server())
    }
}

impl fmt::Debug for UpstreamProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UpstreamProxy({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_tor_writes() {
        let socks5 = UpstreamProxy::parse("socks5://tor:test1234@198.51.100.1:8000").unwrap();
        assert_eq!(socks5.kind(), ProxyKind::Socks5);
        assert!(socks5.carries_udp());
        assert_eq!(
            socks5.credentials(),
            Some(&Credentials {
                username: "tor".into(),
                password: "test1234".into()
            })
        );
        assert_eq!(
            socks5.server(),
            TargetAddr::Ip("198.51.100.1:8000".parse().unwrap())
        );
        let socks4a = UpstreamProxy::parse("socks4a://198.51.100.2:8001").unwrap();
        assert_eq!(socks4a.kind(), ProxyKind::Socks4a);
        assert!(!socks4a.carries_udp());
        assert_eq!(socks4a.user_id(), None);
        let http = UpstreamProxy::parse("http://198.51.100.3:443").unwrap();
        assert_eq!(http.kind(), ProxyKind::Http);
        assert_eq!(http.credentials(), None);
        let http = UpstreamProxy::parse("HTTP://u:p%40ss@[2001:db8::1]:3128").unwrap();
        assert_eq!(http.credentials().unwrap().password, "p@ss");
        assert_eq!(http.port(), 3128);
        assert_eq!(http.host(), "2001:db8::1");
        let socks4a = UpstreamProxy::parse("socks4a://someone@proxy.example:1080").unwrap();
        assert_eq!(socks4a.user_id(), Some("someone"));
        assert_eq!(socks4a.to_string(), "socks4a://someone@proxy.example:1080");
    }

    #[test]
    fn the_password_is_never_shown() {
        let proxy = UpstreamProxy::parse("socks5://user:secret@127.0.0.1:1080").unwrap();
        for text in [proxy.to_string(), format!("{proxy:?}")] {
            assert!(!text.contains("secret"), "{text}");
            assert!(
                text.contains("user") && text.contains("127.0.0.1:1080"),
                "{text}"
            );
        }
        let error = UpstreamProxy::parse("socks5://user:secret@127.0.0.1").unwrap_err();
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn unusable_values_are_refused() {
        let long = "x".repeat(256);
        for (text, expected) in [
            (
                "socks5://127.0.0.1".to_string(),
                ProxyUrlError::Malformed(String::new()),
            ),
            (
                "ftp://127.0.0.1:21".to_string(),
                ProxyUrlError::UnsupportedScheme("ftp".into()),
            ),
            (
                "socks4://127.0.0.1:1080".to_string(),
                ProxyUrlError::UnsupportedScheme("socks4".into()),
            ),
            (
                "socks5://user@127.0.0.1:1080".to_string(),
                ProxyUrlError::Socks5CredentialsIncomplete,
            ),
            (
                "socks5://user:@127.0.0.1:1080".to_string(),
                ProxyUrlError::Socks5CredentialsIncomplete,
            ),
            (
                "socks5://:pass@127.0.0.1:1080".to_string(),
                ProxyUrlError::Socks5CredentialsIncomplete,
            ),
            (
                format!("socks5://{long}:p@127.0.0.1:1080"),
                ProxyUrlError::Socks5CredentialTooLong,
            ),
            (
                format!("socks5://u:{long}@127.0.0.1:1080"),
                ProxyUrlError::Socks5CredentialTooLong,
            ),
            (
                "socks4a://user:pass@127.0.0.1:1080".to_string(),
                ProxyUrlError::Socks4aPassword,
            ),
            (
                "socks4a://us%00er@127.0.0.1:1080".to_string(),
                ProxyUrlError::Socks4aUserId,
            ),
            (
                "http://a%3Ab:c@127.0.0.1:3128".to_string(),
                ProxyUrlError::HttpUserColon,
            ),
        ] {
            let error = UpstreamProxy::parse(&text).unwrap_err();
            match expected {
                ProxyUrlError::Malformed(_) => {
                    assert!(
                        matches!(error, ProxyUrlError::Malformed(_)),
                        "{text}: {error}"
                    )
                }
                expected => assert_eq!(error, expected, "{text}"),
            }
        }
    }
}
