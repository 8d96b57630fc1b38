//! The SQS actions Snowflake uses, over the AWS JSON 1.0 protocol: every
//! request is a `POST /` to the endpoint with
//! `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target:
//! AmazonSQS.<Action>` and a JSON body, signed with Signature Version 4
//! for the service `sqs`. Errors come back with a status other than 200
//! and a body `{"__type":"…#Code","message":"…"}`.
//!
//! Each call has a deadline (connecting included) and a response-body
//! limit; long polls (`ReceiveMessage`) get their wait added to the
//! deadline.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use url::Url;

use super::credentials::Credentials;
use super::queue_url::QueueUrl;
use super::sigv4::{self, SigningParams, SigningRequest};
use super::transport;
use crate::http_client::{self, HttpError, HttpRequest, TcpConnector, TlsConnect};

/// The service name requests are signed for.
pub const SERVICE: &str = "sqs";

/// The request content type of the AWS JSON 1.0 protocol.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Default deadline of one call (plus the wait of a long poll).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most response-body bytes read for the actions other than
/// `ReceiveMessage` (whose caller chooses).
pub const RESPONSE_LIMIT: usize = 64 * 1024;

/// The longest long poll SQS allows.
pub const MAX_WAIT: Duration = Duration::from_secs(20);

/// The most messages one `ReceiveMessage` returns.
pub const MAX_MESSAGES: u32 = 10;

/// Error codes meaning "no such queue" (JSON and query-protocol spellings).
const QUEUE_MISSING_CODES: &[&str] = &[
    "QueueDoesNotExist",
    "NonExistentQueue",
    "AWS.SimpleQueueService.NonExistentQueue",
];

/// Error codes meaning "a queue of that name exists with other attributes".
const QUEUE_EXISTS_CODES: &[&str] = &["QueueNameExists", "QueueAlreadyExists"];

/// Error codes that mean "try again later".
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "RequestThrottled",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
];

/// Why an SQS call failed.
#[derive(Debug, thiserror::Error)]
pub enum SqsError {
    /// Connecting or the HTTP exchange failed (deadline and size limit
    /// included).
    #[error("SQS request: {0}")]
    Http(#[from] HttpError),
    /// SQS refused the request.
    #[error("SQS error {code} (HTTP {status}): {message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The error code, e.g. `QueueDoesNotExist`.
        code: String,
        /// SQS's explanation.
        message: String,
    },
    /// The response is not what the action returns.
    #[error("undecodable SQS response: {0}")]
    Response(String),
    /// The request cannot be made (e.g. a value that cannot be a header).
    #[error("invalid SQS request: {0}")]
    Request(String),
}

impl SqsError {
    /// The error code SQS gave, if it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            SqsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether SQS said that the queue does not exist.
    pub fn is_queue_missing(&self) -> bool {
        self.code()
            .is_some_and(|c| QUEUE_MISSING_CODES.contains(&c))
    }

    /// Whether SQS said that a queue of that name already exists with
    /// other attributes.
    pub fn is_queue_exists(&self) -> bool {
        self.code().is_some_and(|c| QUEUE_EXISTS_CODES.contains(&c))
    }

    /// Whether trying again later may succeed: transport failures, server
    /// errors, throttling, garbled responses. Refusals of the request
    /// itself (bad credentials, access denied, invalid parameters) are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            SqsError::Http(_) | SqsError::Response(_) => true,
            SqsError::Service { status, code, .. } => {
                *status >= 500 || RETRYABLE_CODES.contains(&code.as_str())
            }
            SqsError::Request(_) => false,
        }
    }
}

/// A message attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// `String`, `Number`, `Binary` (possibly with a custom suffix).
    pub data_type: String,
    /// The value of a `String` or `Number` attribute.
    pub string_value: Option<String>,
}

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// SQS's id of the message.
    pub message_id: String,
    /// What deleting it takes.
    pub receipt_handle: String,
    /// The body.
    pub body: String,
    /// Its message attributes by name (at most 10 are kept, as SQS allows).
    pub attributes: HashMap<String, MessageAttribute>,
}

impl Message {
    /// The value of the `String` attribute `name`, if there is one.
    pub fn string_attribute(&self, name: &str) -> Option<&str> {
        let attribute = self.attributes.get(name)?;
        if attribute.data_type == "String" || attribute.data_type.starts_with("String.") {
            attribute.string_value.as_deref()
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireAttribute {
    data_type: Option<String>,
    string_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireMessage {
    message_id: Option<String>,
    receipt_handle: Option<String>,
    body: Option<String>,
    message_attributes: Option<HashMap<String, WireAttribute>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveResult {
    messages: Option<Vec<WireMessage>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueUrlResult {
    queue_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendResult {
    message_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListResult {
    queue_urls: Option<Vec<String>>,
    next_token: Option<String>,
}

/// A signed SQS client for one endpoint and region.
#[derive(Clone)]
pub struct SqsClient {
    endpoint: Url,
    region: String,
    credentials: Credentials,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    tls: Option<Arc<dyn TlsConnect>>,
    connector: Option<Arc<dyn TcpConnector>>,
    timeout: Duration,
}

impl std::fmt::Debug for SqsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqsClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl SqsClient {
    /// A client sending to `endpoint` (scheme, host and port; the path is
    /// replaced by `/`), signing for `region`.
    pub fn new(mut endpoint: Url, region: impl Into<String>, credentials: Credentials) -> Self {
        endpoint.set_path("/");
        endpoint.set_query(None);
        endpoint.set_fragment(None);
        SqsClient {
            endpoint,
            region: region.into(),
            credentials,
            tls_config: None,
            tls: None,
            connector: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// A client for the endpoint and region of `queue`.
    pub fn for_queue(queue: &QueueUrl, credentials: Credentials) -> Self {
        SqsClient::new(queue.endpoint().clone(), queue.region(), credentials)
    }

    /// Uses `config` for `https` instead of the web PKI roots.
    pub fn with_tls_config(mut self, config: Option<Arc<rustls::ClientConfig>>) -> Self {
        self.tls_config = config;
        self
    }

    /// Runs `https` over `tls` (e.g. the client's browser ClientHello)
    /// when given; it takes precedence over [`Self::with_tls_config`].
    pub fn with_tls(mut self, tls: Option<Arc<dyn TlsConnect>>) -> Self {
        self.tls = tls;
        self
    }

    /// Opens connections with `connector` (an upstream proxy) when given.
    pub fn with_connector(mut self, connector: Option<Arc<dyn TcpConnector>>) -> Self {
        self.connector = connector;
        self
    }

    /// The deadline of each call (long polls get their wait added).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Creates the queue `name` (or finds it, if it exists with the same
    /// attributes) and returns its URL.
    pub async fn create_queue(
        &self,
        name: &str,
        attributes: &[(&str, &str)],
    ) -> Result<String, SqsError> {
        let mut payload = Map::new();
        payload.insert("QueueName".into(), json!(name));
        if !attributes.is_empty() {
            let map: Map<String, Value> = attributes
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!(v)))
                .collect();
            payload.insert("Attributes".into(), Value::Object(map));
        }
        let body = self
            .call(
                "CreateQueue",
                Value::Object(payload),
                RESPONSE_LIMIT,
                self.timeout,
            )
            .await?;
        queue_url_of(&body)
    }

    /// The URL of the queue `name`; [`SqsError::is_queue_missing`] if there
    /// is none.
    pub async fn get_queue_url(&self, name: &str) -> Result<String, SqsError> {
        let body = self
            .call(
                "GetQueueUrl",
                json!({ "QueueName": name }),
                RESPONSE_LIMIT,
                self.timeout,
            )
            .await?;
        queue_url_of(&body)
    }

    /// Sends `body` with the `String` attributes `attributes`; returns the
    /// message id.
    pub async fn send_message(
        &self,
        queue_url: &str,
        body: &str,
        attributes: &[(&str, &str)],
    ) -> Result<String, SqsError> {
        let mut payload = Map::new();
        payload.insert("QueueUrl".into(), json!(queue_url));
        payload.insert("MessageBody".into(), json!(body));
        if !attributes.is_empty() {
            let map: Map<String, Value> = attributes
                .iter()
                .map(|(name, value)| {
                    (
                        (*name).to_string(),
                        json!({ "DataType": "String", "StringValue": value }),
                    )
                })
                .collect();
            payload.insert("MessageAttributes".into(), Value::Object(map));
        }
        let response = self
            .call(
                "SendMessage",
                Value::Object(payload),
                RESPONSE_LIMIT,
                self.timeout,
            )
            .await?;
        let result: SendResult = decode(&response)?;
        result
            .message_id
            .ok_or_else(|| SqsError::Response("no MessageId".into()))
    }

    /// Receives up to `max` messages (1 to [`MAX_MESSAGES`]) with all their
    /// attributes, waiting up to `wait` (at most [`MAX_WAIT`]) for the
    /// first. At most `response_limit` bytes of response are read.
    pub async fn receive_messages(
        &self,
        queue_url: &str,
        max: u32,
        wait: Duration,
        response_limit: usize,
    ) -> Result<Vec<Message>, SqsError> {
        let max = max.clamp(1, MAX_MESSAGES);
        let wait = wait.min(MAX_WAIT);
        let payload = json!({
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": max,
            "WaitTimeSeconds": wait.as_secs(),
            "MessageAttributeNames": ["All"],
        });
        let body = self
            .call(
                "ReceiveMessage",
                payload,
                response_limit,
                self.timeout.saturating_add(wait),
            )
            .await?;
        let result: ReceiveResult = decode(&body)?;
        let mut messages = Vec::new();
        for wire in result.messages.unwrap_or_default() {
            if messages.len() >= max as usize {
                break;
            }
            let (Some(receipt_handle), Some(body)) = (wire.receipt_handle, wire.body) else {
                return Err(SqsError::Response(
                    "message without ReceiptHandle or Body".into(),
                ));
            };
            let attributes = wire
                .message_attributes
                .unwrap_or_default()
                .into_iter()
                .take(10)
                .map(|(name, attribute)| {
                    (
                        name,
                        MessageAttribute {
                            data_type: attribute.data_type.unwrap_or_default(),
                            string_value: attribute.string_value,
                        },
                    )
                })
                .collect();
            messages.push(Message {
                message_id: wire.message_id.unwrap_or_default(),
                receipt_handle,
                body,
                attributes,
            });
        }
        Ok(messages)
    }

    /// Deletes a received message.
    pub async fn delete_message(
        &self,
        queue_url: &str,
        receipt_handle: &str,
    ) -> Result<(), SqsError> {
        self.call(
            "DeleteMessage",
            json!({ "QueueUrl": queue_url, "ReceiptHandle": receipt_handle }),
            RESPONSE_LIMIT,
            self.timeout,
        )
        .await
        .map(|_| ())
    }

    /// Deletes a queue.
    pub async fn delete_queue(&self, queue_url: &str) -> Result<(), SqsError> {
        self.call(
            "DeleteQueue",
            json!({ "QueueUrl": queue_url }),
            RESPONSE_LIMIT,
            self.timeout,
        )
        .await
        .map(|_| ())
    }

    /// One page (up to `max_results`, 1 to 1000) of the URLs of the queues
    /// whose names start with `prefix`, and the token of the next page.
    pub async fn list_queues(
        &self,
        prefix: &str,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), SqsError> {
        let mut payload = Map::new();
        payload.insert("QueueNamePrefix".into(), json!(prefix));
        payload.insert("MaxResults".into(), json!(max_results.clamp(1, 1000)));
        if let Some(token) = next_token {
            payload.insert("NextToken".into(), json!(token));
        }
        // A thousand URLs of up to ~130 bytes each.
        let body = self
            .call(
                "ListQueues",
                Value::Object(payload),
                256 * 1024,
                self.timeout,
            )
            .await?;
        let result: ListResult = decode(&body)?;
        Ok((
            result.queue_urls.unwrap_or_default(),
            result.next_token.filter(|t| !t.is_empty()),
        ))
    }

    /// Signs and sends one action; the body of a 200 response.
    async fn call(
        &self,
        action: &str,
        payload: Value,
        response_limit: usize,
        timeout: Duration,
    ) -> Result<Bytes, SqsError> {
        let body = serde_json::to_vec(&payload).map_err(|e| SqsError::Request(e.to_string()))?;
        let amz_date = sigv4::amz_date(SystemTime::now());
        let target = format!("AmazonSQS.{action}");
        let host = transport::host_header(&self.endpoint)?;
        let mut signed: Vec<(&str, &str)> = vec![
            ("content-type", CONTENT_TYPE),
            ("host", &host),
            ("x-amz-date", &amz_date),
            ("x-amz-target", &target),
        ];
        if let Some(token) = self.credentials.session_token() {
            signed.push(("x-amz-security-token", token));
        }
        let signature = sigv4::sign(
            &SigningParams {
                access_key_id: self.credentials.access_key_id(),
                secret_access_key: self.credentials.secret_access_key(),
                region: &self.region,
                service: SERVICE,
                amz_date: &amz_date,
            },
            &SigningRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &signed,
                payload: &body,
            },
        );
        let mut headers = Vec::with_capacity(4);
        for (name, value) in [
            ("x-amz-date", amz_date.as_str()),
            ("x-amz-target", target.as_str()),
            ("authorization", signature.authorization.as_str()),
        ]
        .into_iter()
        .chain(
            self.credentials
                .session_token()
                .map(|token| ("x-amz-security-token", token)),
        ) {
            let value = HeaderValue::from_str(value)
                .map_err(|_| SqsError::Request(format!("{name} is not a valid header value")))?;
            headers.push((HeaderName::from_static(name), value));
        }
        let mut request = HttpRequest::post(self.endpoint.clone(), body, response_limit, timeout);
        request.content_type = Some(CONTENT_TYPE);
        request.tls_config = self.tls_config.clone();
        request.tls = self.tls.clone();
        request.connector = self.connector.clone();
        request.headers = headers;
        let response = http_client::send(request).await?;
        if response.status.as_u16() == 200 {
            return Ok(response.body);
        }
        let query_error = response
            .headers
            .get("x-amzn-query-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Err(service_error(
            response.status.as_u16(),
            &response.body,
            query_error.as_deref(),
        ))
    }
}

fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, SqsError> {
    serde_json::from_slice(body).map_err(|e| SqsError::Response(e.to_string()))
}

fn queue_url_of(body: &[u8]) -> Result<String, SqsError> {
    let result: QueueUrlResult = decode(body)?;
    result
        .queue_url
        .filter(|url| !url.is_empty())
        .ok_or_else(|| SqsError::Response("no QueueUrl".into()))
}

/// The error of a non-200 response: the code from `__type` (after `#`,
/// before `:`), else from the `x-amzn-query-error` header, else the status.
fn service_error(status: u16, body: &[u8], query_error: Option<&str>) -> SqsError {
    #[derive(Deserialize, Default)]
    struct ErrorBody {
        #[serde(rename = "__type")]
        kind: Option<String>,
        message: Option<String>,
        #[serde(rename = "Message")]
        message_upper: Option<String>,
    }
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let from_type = parsed.kind.as_deref().map(|kind| {
        let code = kind.rsplit('#').next().unwrap_or(kind);
        code.split(':').next().unwrap_or(code).to_string()
    });
    let from_header = query_error.map(|value| value.split(';').next().unwrap_or(value).to_string());
    let code = from_type
        .filter(|c| !c.is_empty())
        .or(from_header)
        .unwrap_or_else(|| format!("HTTP{status}"));
    let mut message = parsed.message.or(parsed.message_upper).unwrap_or_default();
    let mut end = message.len().min(300);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    SqsError::Service {
        status,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes() {
        let error = service_error(
            400,
            br#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
            None,
        );
        assert!(error.is_queue_missing());
        assert!(!error.is_retryable());
        assert_eq!(error.code(), Some("QueueDoesNotExist"));
        let error = service_error(
            400,
            b"garbage",
            Some("AWS.SimpleQueueService.NonExistentQueue;Sender"),
        );
        assert!(error.is_queue_missing());
        let error = service_error(
            400,
            br#"{"__type":"QueueNameExists:http://x","Message":"m"}"#,
            None,
        );
        assert!(error.is_queue_exists());
        assert!(matches!(&error, SqsError::Service { message, .. } if message == "m"));
        let error = service_error(503, b"", None);
        assert_eq!(error.code(), Some("HTTP503"));
        assert!(error.is_retryable());
        assert!(service_error(
            400,
            br#"{"__type":"com.amazonaws.sqs#ThrottlingException"}"#,
            None
        )
        .is_retryable());
        assert!(!service_error(
            403,
            br#"{"__type":"com.amazon.coral.service#AccessDeniedException"}"#,
            None
        )
        .is_retryable());
        let long = format!(r#"{{"__type":"X","message":"{}"}}"#, "é".repeat(400));
        assert!(
            matches!(service_error(400, long.as_bytes(), None), SqsError::Service { message, .. } if message.len() <= 300)
        );
    }

    #[test]
    fn string_attributes() {
        let mut attributes = HashMap::new();
        attributes.insert(
            "ClientID".to_string(),
            MessageAttribute {
                data_type: "String".into(),
                string_value: Some("abc".into()),
            },
        );
        attributes.insert(
            "N".to_string(),
            MessageAttribute {
                data_type: "Number".into(),
                string_value: Some("1".into()),
            },
        );
        let message = Message {
            message_id: "m".into(),
            receipt_handle: "r".into(),
            body: String::new(),
            attributes,
        };
        assert_eq!(message.string_attribute("ClientID"), Some("abc"));
        assert_eq!(message.string_attribute("N"), None);
        assert_eq!(message.string_attribute("missing"), None);
    }

    #[test]
    fn endpoint_is_reduced_to_the_host() {
        let client = SqsClient::new(
            Url::parse("http://127.0.0.1:9/a/b?c").unwrap(),
            "us-east-1",
            Credentials::new("a", "b").unwrap(),
        );
        assert_eq!(client.endpoint().as_str(), "http://127.0.0.1:9/");
        assert!(!format!("{client:?}").contains("\"b\""));
    }
}
