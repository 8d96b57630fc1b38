//! Queue URLs: `https://sqs.<region>.amazonaws.com/<account>/<name>`.
//!
//! The client is given the broker's queue URL (`sqsqueue=`); its requests
//! go to the scheme and host of that URL, signed for the region in the host
//! name. A host of another form (a test server such as
//! `http://127.0.0.1:PORT/123456789012/q`) is used as it is, with the
//! region [`DEFAULT_REGION`].

use url::Url;

/// The region assumed when the host does not name one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The longest queue URL accepted.
pub const MAX_QUEUE_URL_LEN: usize = 2048;

/// Why a queue URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueUrlError {
    /// Not a URL.
    #[error("not a URL: {0}")]
    Parse(String),
    /// Longer than [`MAX_QUEUE_URL_LEN`].
    #[error("longer than {MAX_QUEUE_URL_LEN} characters")]
    TooLong,
    /// Not `http` or `https`.
    #[error("scheme {0:?} is not https or http")]
    Scheme(String),
    /// No host.
    #[error("no host")]
    NoHost,
    /// User info, a query or a fragment.
    #[error("a queue URL has no user, query or fragment")]
    Extra,
    /// No queue name at the end of the path.
    #[error("no queue name in the path")]
    NoQueueName,
}

/// A checked queue URL, with the endpoint and region its requests use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrl {
    url: Url,
    endpoint: Url,
    region: String,
}

impl QueueUrl {
    /// Parses and checks `text`.
    pub fn parse(text: &str) -> Result<Self, QueueUrlError> {
        if text.len() > MAX_QUEUE_URL_LEN {
            return Err(QueueUrlError::TooLong);
        }
        let url = Url::parse(text.trim()).map_err(|e| QueueUrlError::Parse(e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(QueueUrlError::Scheme(url.scheme().to_string()));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(QueueUrlError::NoHost)?;
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(QueueUrlError::Extra);
        }
        let has_name = url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .is_some_and(|name| !name.is_empty());
        if !has_name {
            return Err(QueueUrlError::NoQueueName);
        }
        let region = region_of_host(host).unwrap_or(DEFAULT_REGION).to_string();
        let endpoint = endpoint_of(&url)?;
        Ok(QueueUrl {
            url,
            endpoint,
            region,
        })
    }

    /// The queue URL, as given to SQS actions.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// Where requests about this queue go: its scheme, host and port.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The region the requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The queue's name (the last path segment).
    pub fn name(&self) -> &str {
        self.url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .unwrap_or("")
    }
}

/// The region in `sqs.<region>.amazonaws.com`, if the host has that form.
pub fn region_of_host(host: &str) -> Option<&str> {
    let region = host.strip_prefix("sqs.")?.strip_suffix(".amazonaws.com")?;
    let valid = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(region)
}

/// The regional endpoint, `https://sqs.<region>.amazonaws.com/`.
pub fn regional_endpoint(region: &str) -> Result<Url, QueueUrlError> {
    Url::parse(&format!("https://sqs.{region}.amazonaws.com/"))
        .map_err(|e| QueueUrlError::Parse(e.to_string()))
}

/// The scheme, host and port of `url`, path `/`.
fn endpoint_of(url: &Url) -> Result<Url, QueueUrlError> {
    let mut endpoint = url.clone();
    endpoint.set_path("/");
    endpoint.set_query(None);
    endpoint.set_fragment(None);
    Ok(endpoint)
}

/// Checks an endpoint URL (`http`/`https` with a host) and reduces it to
/// scheme, host and port.
pub fn parse_endpoint(text: &str) -> Result<Url, QueueUrlError> {
    let url = Url::parse(text.trim()).map_err(|e| QueueUrlError::Parse(e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(QueueUrlError::Scheme(url.scheme().to_string()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(QueueUrlError::NoHost);
    }
    endpoint_of(&url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_queue_urls() {
        let queue =
            QueueUrl::parse("https://sqs.us-east-1.amazonaws.com/123456789012/snowflake-broker")
                .unwrap();
        assert_eq!(queue.region(), "us-east-1");
        assert_eq!(
            queue.endpoint().as_str(),
            "https://sqs.us-east-1.amazonaws.com/"
        );
        assert_eq!(queue.name(), "snowflake-broker");
        assert_eq!(
            queue.as_str(),
            "https://sqs.us-east-1.amazonaws.com/123456789012/snowflake-broker"
        );
        let queue = QueueUrl::parse("https://sqs.eu-central-2.amazonaws.com/1/q").unwrap();
        assert_eq!(queue.region(), "eu-central-2");
    }

    #[test]
    fn other_hosts_default_the_region() {
        let queue = QueueUrl::parse("http://127.0.0.1:4566/123456789012/q").unwrap();
        assert_eq!(queue.region(), DEFAULT_REGION);
        assert_eq!(queue.endpoint().as_str(), "http://127.0.0.1:4566/");
        assert_eq!(queue.name(), "q");
        assert_eq!(region_of_host("sqs.amazonaws.com"), None);
        assert_eq!(region_of_host("sqs..amazonaws.com"), None);
        assert_eq!(region_of_host("sqs.a/b.amazonaws.com"), None);
        assert_eq!(region_of_host("xsqs.us-east-1.amazonaws.com"), None);
    }

    #[test]
    fn bad_queue_urls() {
        assert!(matches!(
            QueueUrl::parse("not a url"),
            Err(QueueUrlError::Parse(_))
        ));
        assert!(matches!(
            QueueUrl::parse("ftp://sqs.us-east-1.amazonaws.com/1/q"),
            Err(QueueUrlError::Scheme(_))
        ));
        assert_eq!(
            QueueUrl::parse("https://sqs.us-east-1.amazonaws.com/"),
            Err(QueueUrlError::NoQueueName)
        );
        assert_eq!(
            QueueUrl::parse("https://sqs.us-east-1.amazonaws.com/1/q?x=1"),
            Err(QueueUrlError::Extra)
        );
        assert_eq!(
            QueueUrl::parse("https://u:p@sqs.us-east-1.amazonaws.com/1/q"),
            Err(QueueUrlError::Extra)
        );
        assert_eq!(
            QueueUrl::parse(&format!("https://h/{}", "q".repeat(MAX_QUEUE_URL_LEN))),
            Err(QueueUrlError::TooLong)
        );
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            regional_endpoint("us-west-2").unwrap().as_str(),
            "https://sqs.us-west-2.amazonaws.com/"
        );
        assert_eq!(
            parse_endpoint("http://127.0.0.1:5000/some/path?q")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:5000/"
        );
        assert!(parse_endpoint("unix:/tmp/x").is_err());
    }
}
