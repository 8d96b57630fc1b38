//! AWS credentials: the client's `sqscreds=` value, and the broker's
//! credentials from the usual places.
//!
//! `sqscreds` is the standard base64 (padding optional here) of the JSON
//! object `{"aws-access-key-id":"…","aws-secret-key":"…"}`
//! (docs/protocol.md §4.8).
//!
//! The broker looks, in order, at the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, optionally `AWS_SESSION_TOKEN`) and at the
//! shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
//! `~/.aws/credentials`), profile `AWS_PROFILE` or `default`. The file
//! reader is a minimal INI parser: `[profile]` sections and `key = value`
//! lines, `#` and `;` comments; other AWS configuration sources (SSO,
//! processes, instance roles) are not read.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The longest `sqscreds` value accepted (real ones are about 120
/// characters).
pub const MAX_SQSCREDS_LEN: usize = 4096;

/// The largest shared credentials file read.
pub const MAX_CREDENTIALS_FILE_LEN: u64 = 1024 * 1024;

/// An access key, its secret and, for temporary credentials, the session
/// token. `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Why credentials could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// `sqscreds` is not base64.
    #[error("sqscreds is not base64")]
    NotBase64,
    /// `sqscreds` is longer than [`MAX_SQSCREDS_LEN`].
    #[error("sqscreds is longer than {MAX_SQSCREDS_LEN} characters")]
    TooLong,
    /// The decoded `sqscreds` is not the expected JSON object.
    #[error("sqscreds is not a JSON object with aws-access-key-id and aws-secret-key: {0}")]
    BadJson(String),
    /// The key id or the secret is empty.
    #[error("empty access key id or secret key")]
    Empty,
    /// No credentials in the environment or the shared credentials file.
    #[error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in \
         the shared credentials file ({0})"
    )]
    NotFound(String),
    /// The shared credentials file exists but cannot be read.
    #[error("cannot read AWS credentials file {path}: {error}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        error: String,
    },
}

/// The JSON inside `sqscreds`.
#[derive(Serialize, Deserialize)]
struct SqsCredsJson {
    #[serde(rename = "aws-access-key-id")]
    access_key_id: String,
    #[serde(rename = "aws-secret-key")]
    secret_key: String,
}

impl Credentials {
    /// Long-term credentials; both parts must be non-empty.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Result<Self, CredentialsError> {
        let access_key_id = access_key_id.into();
        let secret_access_key = secret_access_key.into();
        if access_key_id.trim().is_empty() || secret_access_key.trim().is_empty() {
            return Err(CredentialsError::Empty);
        }
        Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: None,
        })
    }

    /// These credentials with a session token (temporary credentials);
    /// an empty token means none.
    pub fn with_session_token(mut self, token: Option<String>) -> Self {
        self.session_token = token.filter(|t| !t.is_empty());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// Decodes a `sqscreds` value.
    pub fn from_sqscreds(text: &str) -> Result<Self, CredentialsError> {
        let text = text.trim();
        if text.len() > MAX_SQSCREDS_LEN {
            return Err(CredentialsError::TooLong);
        }
        let json = STANDARD
            .decode(text)
            .or_else(|_| STANDARD_NO_PAD.decode(text))
            .map_err(|_| CredentialsError::NotBase64)?;
        let creds: SqsCredsJson =
            serde_json::from_slice(&json).map_err(|e| CredentialsError::BadJson(e.to_string()))?;
        Credentials::new(creds.access_key_id, creds.secret_key)
    }

    /// The `sqscreds` value for these credentials (the session token, if
    /// any, is not part of it).
    pub fn to_sqscreds(&self) -> String {
        let json = SqsCredsJson {
            access_key_id: self.access_key_id.clone(),
            secret_key: self.secret_access_key.clone(),
        };
        // Serialising two strings cannot fail.
        STANDARD.encode(serde_json::to_vec(&json).unwrap_or_default())
    }

    /// The broker's credentials from the process environment and the
    /// shared credentials file.
    pub fn from_environment() -> Result<Self, CredentialsError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Credentials::from_sources(|name| std::env::var(name).ok(), home.as_deref())
    }

    /// [`Credentials::from_environment`] with the environment given by
    /// `env` and the home directory `home` (tests).
    pub fn from_sources(
        env: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Self, CredentialsError> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        if let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            return Ok(Credentials::new(id, secret)?.with_session_token(var("AWS_SESSION_TOKEN")));
        }
        let path = match var("AWS_SHARED_CREDENTIALS_FILE") {
            Some(path) => PathBuf::from(path),
            None => match home {
                Some(home) => home.join(".aws").join("credentials"),
                None => return Err(CredentialsError::NotFound("no HOME".into())),
            },
        };
        let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".to_string());
        let shown = path.display().to_string();
        let text = match read_bounded(&path) {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Err(CredentialsError::NotFound(format!("{shown}: no such file")));
            }
            Err(error) => {
                return Err(CredentialsError::File {
                    path: shown,
                    error: error.to_string(),
                })
            }
        };
        parse_credentials_file(&text, &profile)
            .ok_or_else(|| CredentialsError::NotFound(format!("{shown}, profile {profile}")))?
    }
}

/// The file's text, `None` if it does not exist.
fn read_bounded(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIALS_FILE_LEN + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CREDENTIALS_FILE_LEN {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_CREDENTIALS_FILE_LEN} bytes"
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| std::io::Error::other("not UTF-8"))
}

/// The credentials of `profile` in a shared credentials file; `None` if
/// the profile is missing or lacks a key id or secret. Later values of a
/// key replace earlier ones.
pub fn parse_credentials_file(
    text: &str,
    profile: &str,
) -> Option<Result<Credentials, CredentialsError>> {
    let mut in_profile = false;
    let mut id = None;
    let mut secret = None;
    let mut token = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let name = section.split(']').next().unwrap_or("").trim();
            in_profile = name == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "aws_access_key_id" => id = Some(value),
            "aws_secret_access_key" => secret = Some(value),
            "aws_session_token" => token = Some(value),
            _ => {}
        }
    }
    match (id, secret) {
        (Some(id), Some(secret)) => {
            Some(Credentials::new(id, secret).map(|c| c.with_session_token(token)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn sqscreds_round_trip_and_upstream_sample() {
        // The value of upstream's documentation style: base64 of the JSON.
        let sample = "eyJhd3MtYWNjZXNzLWtleS1pZCI6ImEiLCJhd3Mtc2VjcmV0LWtleSI6ImIifQ==";
        let creds = Credentials::from_sqscreds(sample).unwrap();
        assert_eq!(creds.access_key_id(), "a");
        assert_eq!(creds.secret_access_key(), "b");
        assert_eq!(creds.session_token(), None);
        assert_eq!(creds.to_sqscreds(), sample);
        // Unpadded is accepted too.
        assert_eq!(
            Credentials::from_sqscreds(sample.trim_end_matches('=')).unwrap(),
            creds
        );
        let made = Credentials::new("AKIDEXAMPLE", "secret/with+chars").unwrap();
        assert_eq!(
            Credentials::from_sqscreds(&made.to_sqscreds()).unwrap(),
            made
        );
    }

    #[test]
    fn bad_sqscreds_are_refused() {
        let b64 = |s: &str| STANDARD.encode(s);
        assert_eq!(
            Credentials::from_sqscreds("not base64!"),
            Err(CredentialsError::NotBase64)
        );
        assert!(matches!(
            Credentials::from_sqscreds(&b64("[1,2]")),
            Err(CredentialsError::BadJson(_))
        ));
        assert!(matches!(
            Credentials::from_sqscreds(&b64(r#"{"aws-access-key-id":"a"}"#)),
            Err(CredentialsError::BadJson(_))
        ));
        assert_eq!(
            Credentials::from_sqscreds(&b64(r#"{"aws-access-key-id":"","aws-secret-key":"b"}"#)),
            Err(CredentialsError::Empty)
        );
        assert_eq!(
            Credentials::from_sqscreds(&"A".repeat(MAX_SQSCREDS_LEN + 1)),
            Err(CredentialsError::TooLong)
        );
        assert!(Credentials::from_sqscreds("").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let creds = Credentials::new("AKIDEXAMPLE", "supersecret")
            .unwrap()
            .with_session_token(Some("tokentoken".into()));
        let shown = format!("{creds:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("supersecret") && !shown.contains("tokentoken"),
            "{shown}"
        );
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn environment_comes_first() {
        let creds = Credentials::from_sources(
            env(&[
                ("AWS_ACCESS_KEY_ID", "id"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_SESSION_TOKEN", "token"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(creds.access_key_id(), "id");
        assert_eq!(creds.session_token(), Some("token"));
        assert!(matches!(
            Credentials::from_sources(env(&[("AWS_ACCESS_KEY_ID", "id")]), None),
            Err(CredentialsError::NotFound(_))
        ));
    }

    #[test]
    fn shared_credentials_file() {
        let dir = std::env::temp_dir().join(format!("sqs-creds-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws").join("credentials"),
            "# comment\n[default]\naws_access_key_id = AKID1\naws_secret_access_key=s1\n\n\
             [broker]\n; another comment\nAWS_ACCESS_KEY_ID = AKID2\naws_secret_access_key = s2\n\
             aws_session_token = t2\nregion = eu-west-1\n",
        )
        .unwrap();
        let default = Credentials::from_sources(env(&[]), Some(&dir)).unwrap();
        assert_eq!(default.access_key_id(), "AKID1");
        assert_eq!(default.secret_access_key(), "s1");
        let broker =
            Credentials::from_sources(env(&[("AWS_PROFILE", "broker")]), Some(&dir)).unwrap();
        assert_eq!(broker.access_key_id(), "AKID2");
        assert_eq!(broker.session_token(), Some("t2"));
        assert!(matches!(
            Credentials::from_sources(env(&[("AWS_PROFILE", "missing")]), Some(&dir)),
            Err(CredentialsError::NotFound(_))
        ));
        // AWS_SHARED_CREDENTIALS_FILE names another file.
        let other = dir.join("other");
        std::fs::write(
            &other,
            "[default]\naws_access_key_id=X\naws_secret_access_key=Y\n",
        )
        .unwrap();
        let creds = Credentials::from_sources(
            env(&[("AWS_SHARED_CREDENTIALS_FILE", other.to_str().unwrap())]),
            Some(&dir),
        )
        .unwrap();
        assert_eq!(creds.access_key_id(), "X");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(
            Credentials::from_sources(env(&[]), Some(&dir)),
            Err(CredentialsError::NotFound(_))
        ));
    }

    #[test]
    fn file_parser_edge_cases() {
        assert!(parse_credentials_file("", "default").is_none());
        assert!(parse_credentials_file("[default]\naws_access_key_id=a\n", "default").is_none());
        assert!(matches!(
            parse_credentials_file(
                "[default]\naws_access_key_id=\naws_secret_access_key=b\n",
                "default"
            ),
            Some(Err(CredentialsError::Empty))
        ));
        // Keys outside the profile do not count.
        assert!(parse_credentials_file(
            "aws_access_key_id=a\naws_secret_access_key=b\n[default]\n",
            "default"
        )
        .is_none());
    }
}
