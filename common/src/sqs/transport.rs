//! How SQS requests travel: as any other request of
//! [`crate::http_client`] (same TLS choices, connector, deadline and
//! response-body limit), with the signed headers in
//! [`crate::http_client::HttpRequest::headers`]. What remains here is the
//! `Host` value the signature covers, which must be the one `send` puts
//! on the wire.

use crate::http_client::{self, HttpError};

/// The `Host:` header value for `url` (with the port when the URL has one).
pub(crate) fn host_header(url: &url::Url) -> Result<String, HttpError> {
    http_client::host_header(url)
}
