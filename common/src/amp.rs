//! AMP cache rendezvous encodings (docs/protocol.md §4.6, vectors §11.8).
//!
//! An AMP cache only relays `GET` requests for AMP HTML pages, so the client
//! poll travels inside the URL path and the broker's reply comes back
//! "armored" inside `<pre>` elements of a minimal AMP page:
//!
//! * [`encode_path`] / [`decode_path`]: `0` + b64url(9-byte cache breaker)
//!   + `/` + b64url(poll request), unpadded URL-safe base64.
//! * [`encode_armor`] / [`decode_armor`]: `0` + standard base64 of the
//!   response, split into 32-character lines, at most 992 lines per `<pre>`.
//! * [`cache_url`]: rewrites a broker URL into the AMP cache's URL for it;
//!   [`client_poll_url`] builds the broker URL itself.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::messages::READ_LIMIT;

/// Route prefix of the broker's AMP endpoint; the encoded path follows it.
pub const AMP_CLIENT_PATH_PREFIX: &str = "/amp/client/";

/// `Content-Type` of an armored response.
pub const ARMOR_CONTENT_TYPE: &str = "text/html";

/// `Cache-Control` of an armored response: asks the cache not to keep it
/// (Google's cache treats documents as fresh for at least 15 s anyway).
pub const ARMOR_CACHE_CONTROL: &str = "max-age=15";

/// Length of the random cache breaker in an encoded path.
pub const CACHE_BREAKER_LEN: usize = 9;

/// Largest armored document [`decode_armor`] accepts; the Go client reads at
/// most this much of the response body.
pub const ARMOR_INPUT_LIMIT: usize = READ_LIMIT;

/// Most text allowed inside one `<pre>` element, so that a decoder never has
/// to buffer more (Go's tokenizer buffer limit on the client).
pub const ELEMENT_SIZE_LIMIT: usize = 32 * 1024;

/// Characters per line of armored text. AMP caches reportedly truncate
/// long words, so the base64 text is broken up with newlines.
const CHARS_PER_LINE: usize = 32;

/// Lines per `<pre>` element: the most that fit in [`ELEMENT_SIZE_LIMIT`]
/// counting one newline per line and one after `<pre>` (992).
const LINES_PER_ELEMENT: usize = (ELEMENT_SIZE_LIMIT - 1) / (CHARS_PER_LINE + 1);

/// The start of every armored document, up to and including `<body>\n`:
/// the markup an AMP page must have (doctype, `<html amp>`, UTF-8 charset,
/// the AMP runtime script, a canonical link, a viewport, and the
/// `amp-boilerplate` styles, whose text the AMP validator requires
/// verbatim).
pub const ARMOR_HTML_HEAD: &str = concat!(
    "<!doctype html>\n",
    "<html amp>\n",
    "<head>\n",
    "<meta charset=\"utf-8\">\n",
    "<script async src=\"https://cdn.ampproject.org/v0.js\"></script>\n",
    "<link rel=\"canonical\" href=\"#\">\n",
    "<meta name=\"viewport\" content=\"width=device-width\">\n",
    "<style amp-boilerplate>",
    "body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;",
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;",
    "-ms-animation:-amp-start 8s steps(1,end) 0s 1 normal both;",
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}",
    "@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}",
    "@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}",
    "@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}",
    "@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}",
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}",
    "</style>",
    "<noscript><style amp-boilerplate>",
    "body{-webkit-animation:none;-moz-animation:none;-ms-animation:none;animation:none}",
    "</style></noscript>\n",
    "</head>\n",
    "<body>\n",
);

/// The end of every armored document.
pub const ARMOR_HTML_TAIL: &str = "</body>\n</html>";

/// Decoding for the path: URL-safe alphabet, no padding allowed, and (like
/// Go) non-zero trailing bits tolerated.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decoding for the armor: standard alphabet, padding required, trailing
/// bits tolerated (as Go's `StdEncoding`).
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Why an AMP request path could not be decoded (the broker then answers
/// with [`crate::messages::client::STR_CANNOT_DECODE_URL_PATH`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmpPathError {
    /// The path is empty.
    #[error("missing format indicator")]
    MissingFormatIndicator,
    /// The path does not start with `0`.
    #[error("unknown format indicator {0:?}")]
    UnknownFormatIndicator(char),
    /// There is no `/` after the format indicator.
    #[error("missing data")]
    MissingData,
    /// The data after the last `/` is not unpadded URL-safe base64.
    #[error("bad base64 in path: {0}")]
    Base64(String),
}

/// Encodes a client poll request for the end of an AMP request path, with
/// the given cache breaker (normally random, see [`encode_path_random`]).
pub fn encode_path(data: &[u8], cache_breaker: &[u8; CACHE_BREAKER_LEN]) -> String {
    let mut path = String::from("0");
    URL_SAFE_LENIENT.encode_string(cache_breaker, &mut path);
    path.push('/');
    URL_SAFE_LENIENT.encode_string(data, &mut path);
    path
}

/// [`encode_path`] with a fresh random cache breaker, so that no cache ever
/// has the reply to an earlier poll.
pub fn encode_path_random(data: &[u8]) -> String {
    let cache_breaker: [u8; CACHE_BREAKER_LEN] = rand::random();
    encode_path(data, &cache_breaker)
}

/// Decodes a path made by [`encode_path`], already stripped of
/// [`AMP_CLIENT_PATH_PREFIX`]: it must start with `0`, and the data is
/// whatever follows the last `/`.
pub fn decode_path(path: &str) -> Result<Vec<u8>, AmpPathError> {
    let mut chars = path.chars();
    match chars.next() {
        None => return Err(AmpPathError::MissingFormatIndicator),
        Some('0') => {}
        Some(other) => return Err(AmpPathError::UnknownFormatIndicator(other)),
    }
    let rest = chars.as_str();
    let slash = rest.rfind('/').ok_or(AmpPathError::MissingData)?;
    let data = rest.get(slash + 1..).unwrap_or_default();
    // Go's base64 decoder skips CR and LF.
    let data: Vec<u8> = data.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    URL_SAFE_LENIENT
        .decode(data)
        .map_err(|e| AmpPathError::Base64(e.to_string()))
}

/// The `<pre>` elements carrying `data`: `0` followed by its standard
/// base64, a newline after every 32 characters, a new element after every
/// 992 lines; each element is `<pre>\n` … `</pre>\n`.
pub fn encode_armor_elements(data: &[u8]) -> String {
    let mut text = String::from("0");
    STANDARD_LENIENT.encode_string(data, &mut text);

    let lines = text.len().div_ceil(CHARS_PER_LINE);
    let mut out = String::with_capacity(text.len() + lines + 16 * (lines / LINES_PER_ELEMENT + 1));
    let mut lines_in_element = 0;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if lines_in_element == 0 {
            out.push_str("<pre>\n");
        }
        // The text is ASCII, so any byte index is a character boundary.
        let (line, tail) = rest.split_at(rest.len().min(CHARS_PER_LINE));
        rest = tail;
        out.push_str(line);
        if line.len() == CHARS_PER_LINE {
            out.push('\n');
            lines_in_element += 1;
            if lines_in_element == LINES_PER_ELEMENT {
                out.push_str("</pre>\n");
                lines_in_element = 0;
            }
        } else {
            // A short last line: end it and close its element.
            out.push_str("\n</pre>\n");
            return out;
        }
    }
    if lines_in_element != 0 {
        out.push_str("</pre>\n");
    }
    out
}

/// The complete armored HTML document carrying `data` (the broker's AMP
/// response body).
pub fn encode_armor(data: &[u8]) -> String {
    let elements = encode_armor_elements(data);
    let mut out =
        String::with_capacity(ARMOR_HTML_HEAD.len() + elements.len() + ARMOR_HTML_TAIL.len());
    out.push_str(ARMOR_HTML_HEAD);
    out.push_str(&elements);
    out.push_str(ARMOR_HTML_TAIL);
    out
}

/// Why an armored response could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmorDecodeError {
    /// Longer than [`ARMOR_INPUT_LIMIT`].
    #[error("armored response too large")]
    TooLarge,
    /// A `<pre>` inside a `<pre>`.
    #[error("unexpected nested <pre>")]
    NestedPre,
    /// A `</pre>` without an open `<pre>`.
    #[error("unexpected </pre>")]
    StrayEndPre,
    /// The document ends inside a `<pre>`.
    #[error("missing </pre> tag")]
    MissingEndPre,
    /// A run of text inside `<pre>` longer than [`ELEMENT_SIZE_LIMIT`].
    #[error("text inside <pre> exceeds {ELEMENT_SIZE_LIMIT} bytes")]
    ElementTooLarge,
    /// No text inside any `<pre>`.
    #[error("no armored data")]
    NoData,
    /// The first character is not the version indicator `0`.
    #[error("unknown armor version indicator {0:?}")]
    UnknownVersion(char),
    /// The text is not standard padded base64.
    #[error("bad base64 in armor: {0}")]
    Base64(String),
}

/// HTML's ASCII whitespace.
fn is_html_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Elements whose content the HTML tokenizer reads as raw text, up to the
/// matching end tag (no tags are recognised inside).
const RAW_TEXT_ELEMENTS: [&str; 10] = [
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
];

/// One piece of markup starting at a `<`.
enum Markup {
    /// A comment, doctype or processing instruction; ignored.
    Ignored,
    /// A start tag; `self_closing` when it ends with `/>`.
    Start { name: String, self_closing: bool },
    /// An end tag.
    End { name: String },
}

/// Reads a tag name starting at `start` (the byte after `<` or `</`),
/// lower-cased, and the index after it.
fn read_tag_name(html: &[u8], start: usize) -> (String, usize) {
    let mut end = start;
    while let Some(&b) = html.get(end) {
        if is_html_space(b) || b == b'/' || b == b'>' {
            break;
        }
        end += 1;
    }
    let name = String::from_utf8_lossy(html.get(start..end).unwrap_or_default()).to_lowercase();
    (name, end)
}

/// Skips a tag's attributes the way the HTML tokenizer does (quoted values
/// may contain `>`). Returns the index after the closing `>`, or `None` if
/// the document ends first.
fn skip_attributes(html: &[u8], mut i: usize) -> Option<usize> {
    let skip_space = |i: &mut usize| {
        while html.get(*i).is_some_and(|&b| is_html_space(b)) {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if *html.get(i)? == b'>' {
            return Some(i + 1);
        }
        // Attribute name; a leading '=' belongs to the name.
        let name_start = i;
        loop {
            let b = *html.get(i)?;
            match b {
                b'/' => {
                    i += 1;
                    break;
                }
                _ if is_html_space(b) => {
                    i += 1;
                    break;
                }
                b'=' if i == name_start => i += 1,
                b'=' | b'>' => break,
                _ => i += 1,
            }
        }
        // Optional value.
        skip_space(&mut i);
        if html.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        skip_space(&mut i);
        let quote = *html.get(i)?;
        match quote {
            b'>' => {}
            b'"' | b'\'' => {
                i += 1;
                while *html.get(i)? != quote {
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while let Some(&b) = html.get(i) {
                    if is_html_space(b) || b == b'>' {
                        break;
                    }
                    i += 1;
                }
            }
        }
    }
}

/// Reads the markup (tag, comment, doctype) whose `<` is at `start`:
/// returns what it is and the index after it (the document length if it is
/// unterminated), or `None` when the `<` starts no markup (it is then text).
fn read_markup(html: &[u8], start: usize) -> Option<(Markup, usize)> {
    let find = |from: usize, needle: &[u8]| -> usize {
        html.get(from..)
            .and_then(|tail| tail.windows(needle.len()).position(|w| w == needle))
            .map_or(html.len(), |p| from + p + needle.len())
    };
    let next = *html.get(start + 1)?;
    match next {
        b'!' => {
            if html.get(start..start + 4).is_some_and(|s| s == b"<!--") {
                // "<!-->" and "<!--->" are complete (empty) comments.
                let body = start + 4;
                let end = if html.get(body) == Some(&b'>') {
                    body + 1
                } else if html.get(body..body + 2).is_some_and(|s| s == b"->") {
                    body + 2
                } else {
                    find(body, b"-->")
                };
                Some((Markup::Ignored, end))
            } else {
                Some((Markup::Ignored, find(start + 2, b">")))
            }
        }
        b'?' => Some((Markup::Ignored, find(start + 2, b">"))),
        b'/' => {
            let first = *html.get(start + 2)?;
            if first.is_ascii_alphabetic() {
                let (name, after_name) = read_tag_name(html, start + 2);
                match skip_attributes(html, after_name) {
                    Some(end) => Some((Markup::End { name }, end)),
                    // A tag cut off by the end of the document is dropped.
                    None => Some((Markup::Ignored, html.len())),
                }
            } else if first == b'>' {
                Some((Markup::Ignored, start + 3))
            } else {
                Some((Markup::Ignored, find(start + 2, b">")))
            }
        }
        b if b.is_ascii_alphabetic() => {
            let (name, after_name) = read_tag_name(html, start + 1);
            match skip_attributes(html, after_name) {
                Some(end) => {
                    let self_closing = end >= 2 && html.get(end - 2) == Some(&b'/');
                    Some((Markup::Start { name, self_closing }, end))
                }
                // A tag cut off by the end of the document is dropped.
                None => Some((Markup::Ignored, html.len())),
            }
        }
        _ => None,
    }
}

/// Where the raw text of element `name`, starting at `from`, ends: the
/// index of its `</name` end tag, or the end of the document.
fn raw_text_end(html: &[u8], from: usize, name: &str) -> usize {
    if name == "plaintext" {
        return html.len();
    }
    let name = name.as_bytes();
    let mut i = from;
    while let Some(tail) = html.get(i..) {
        let Some(offset) = tail.windows(2).position(|w| w == b"</") else {
            break;
        };
        let tag = i + offset;
        let name_end = tag + 2 + name.len();
        let name_matches = html
            .get(tag + 2..name_end)
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name));
        let terminated = html
            .get(name_end)
            .is_some_and(|&b| is_html_space(b) || b == b'/' || b == b'>');
        if name_matches && terminated {
            return tag;
        }
        i = tag + 2;
    }
    html.len()
}

/// Collects the non-whitespace bytes of a text run inside `<pre>`.
fn collect_text(text: &[u8], payload: &mut Vec<u8>) -> Result<(), ArmorDecodeError> {
    if text.len() > ELEMENT_SIZE_LIMIT {
        return Err(ArmorDecodeError::ElementTooLarge);
    }
    payload.extend(text.iter().copied().filter(|&b| !is_html_space(b)));
    Ok(())
}

/// Decodes an armored HTML document back to the data it carries.
///
/// Like the Go client, this tokenizes the HTML, concatenates the text inside
/// `<pre>` elements with all ASCII whitespace removed, requires the version
/// character `0`, and base64-decodes the rest. Nested or stray `<pre>` tags
/// and an unclosed `<pre>` are errors. Character references (`&amp;` …)
/// are not expanded; they cannot occur in valid armor.
pub fn decode_armor(html: &[u8]) -> Result<Vec<u8>, ArmorDecodeError> {
    if html.len() > ARMOR_INPUT_LIMIT {
        return Err(ArmorDecodeError::TooLarge);
    }
    let mut payload = Vec::new();
    let mut in_pre = false;
    let mut text_start = 0;
    let mut i = 0;
    while i < html.len() {
        if html.get(i) != Some(&b'<') {
            i += 1;
            continue;
        }
        let Some((markup, end)) = read_markup(html, i) else {
            i += 1;
            continue;
        };
        if in_pre {
            collect_text(html.get(text_start..i).unwrap_or_default(), &mut payload)?;
        }
        i = end;
        match markup {
            Markup::Ignored => {}
            Markup::Start { name, self_closing } if !self_closing => {
                if name == "pre" {
                    if in_pre {
                        return Err(ArmorDecodeError::NestedPre);
                    }
                    in_pre = true;
                } else if RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
                    let raw_end = raw_text_end(html, i, &name);
                    if in_pre {
                        collect_text(html.get(i..raw_end).unwrap_or_default(), &mut payload)?;
                    }
                    i = raw_end;
                }
            }
            Markup::Start { .. } => {}
            Markup::End { name } => {
                if name == "pre" {
                    if !in_pre {
                        return Err(ArmorDecodeError::StrayEndPre);
                    }
                    in_pre = false;
                }
            }
        }
        text_start = i;
    }
    if in_pre {
        return Err(ArmorDecodeError::MissingEndPre);
    }

    let (&version, encoded) = payload.split_first().ok_or(ArmorDecodeError::NoData)?;
    if version != b'0' {
        return Err(ArmorDecodeError::UnknownVersion(char::from(version)));
    }
    STANDARD_LENIENT
        .decode(encoded)
        .map_err(|e| ArmorDecodeError::Base64(e.to_string()))
}

/// Why an AMP cache URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheUrlError {
    /// Not an absolute `scheme://host/…` URL we can parse.
    #[error("invalid URL {0:?}")]
    InvalidUrl(String),
    /// The publisher URL scheme is neither `http` nor `https`.
    #[error("invalid scheme {0:?} in publisher URL")]
    InvalidScheme(String),
    /// The publisher URL has `user@`.
    #[error("publisher URL may not contain userinfo")]
    UserInfo,
    /// The publisher URL has a port other than the scheme's default.
    #[error("publisher URL port {0:?} is not the default for its scheme")]
    NonDefaultPort(String),
    /// The publisher URL has no host.
    #[error("invalid host in publisher URL")]
    EmptyHost,
    /// The content type is empty.
    #[error("invalid content type")]
    EmptyContentType,
    /// The cache URL has a query.
    #[error("cache URL may not contain a query")]
    CacheQuery,
    /// The cache URL has a fragment.
    #[error("cache URL may not contain a fragment")]
    CacheFragment,
    /// Host names other than plain ASCII letters, digits, `-`, `_` and `.`
    /// (for example internationalised ones, or `xn--` labels) are not
    /// supported: Go passes them through IDNA processing we do not have.
    #[error("host name {0:?} is not supported for AMP cache URLs")]
    UnsupportedHost(String),
}

/// The parts of an absolute URL that the AMP rewriting needs, as written.
struct UrlParts<'a> {
    /// Lower-cased, like Go's `url.Parse`.
    scheme: String,
    userinfo: Option<&'a str>,
    /// Host without brackets or port.
    hostname: &'a str,
    /// Port text after `:`, possibly empty.
    port: Option<&'a str>,
    /// Escaped path as written (may be empty).
    path: &'a str,
    query: &'a str,
    fragment: &'a str,
}

/// Whether `path` is a valid escaped URL path (RFC 3986 `pchar`s and `/`).
fn is_valid_escaped_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

fn parse_url(url: &str) -> Result<UrlParts<'_>, CacheUrlError> {
    let invalid = || CacheUrlError::InvalidUrl(url.to_string());
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(invalid());
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if !is_valid_escaped_path(path) {
        return Err(invalid());
    }
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (
            authority.get(..at),
            authority.get(at + 1..).unwrap_or_default(),
        ),
        None => (None, authority),
    };
    let (hostname, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (inside, after) = bracketed.split_once(']').ok_or_else(invalid)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(invalid)?),
        };
        (inside, port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(invalid());
    }
    let bad_host_byte = |b: u8| b.is_ascii_control() || b" \"<>\\^`{|}/?#@".contains(&b);
    if hostname.bytes().any(bad_host_byte) {
        return Err(invalid());
    }
    Ok(UrlParts {
        scheme: scheme.to_ascii_lowercase(),
        userinfo,
        hostname,
        port,
        path,
        query,
        fragment,
    })
}

/// Go's `url.PathEscape`: everything but unreserved characters and
/// `$ & + : = @` is percent-encoded.
fn path_escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+:=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    out
}

/// Go's `path.Join` followed by `path.Clean`.
fn join_clean(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        return String::new();
    }
    let rooted = joined.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.last().is_some_and(|&last| last != "..") {
                    segments.pop();
                } else if !rooted {
                    segments.push("..");
                }
            }
            other => segments.push(other),
        }
    }
    let body = segments.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Lower-case RFC 4648 base32 without padding.
fn base32_lower_unpadded(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The AMP cache subdomain label for a publisher host name: `-` doubled,
/// `.` turned into `-`, wrapped in `0-`…`-0` when characters 3 and 4 are
/// both `-`; if that is longer than 63 characters (not a DNS label), the
/// lower-case unpadded base32 of the SHA-256 of the host name instead.
/// Case is kept, as Go keeps it.
pub fn domain_prefix(hostname: &str) -> Result<String, CacheUrlError> {
    let plain = hostname
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let punycode = hostname.split('.').any(|label| {
        label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    });
    if !plain || punycode {
        return Err(CacheUrlError::UnsupportedHost(hostname.to_string()));
    }
    let mut prefix = hostname.replace('-', "--").replace('.', "-");
    if prefix.get(2..4) == Some("--") {
        prefix = format!("0-{prefix}-0");
    }
    if prefix.len() <= 63 {
        Ok(prefix)
    } else {
        Ok(base32_lower_unpadded(&Sha256::digest(hostname.as_bytes())))
    }
}

/// Rewrites `publisher_url` into its URL at the AMP cache `cache_url`, for
/// the given content type (`c` for the snowflake client):
/// `<cache scheme>://<prefix>.<cache host>/<cache path>/<type>/s/<host><path>`
/// (the `s` only for `https`), keeping the publisher URL's query and
/// fragment. Mirrors Go's `amp.CacheURL`, with the same errors.
pub fn cache_url(
    publisher_url: &str,
    cache_url: &str,
    content_type: &str,
) -> Result<String, CacheUrlError> {
    let publisher = parse_url(publisher_url)?;
    let cache = parse_url(cache_url)?;

    let mut host = format!("{}.{}", domain_prefix(publisher.hostname)?, cache.hostname);
    if let Some(port) = cache.port.filter(|p| !p.is_empty()) {
        host = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
    }

    if content_type.is_empty() {
        return Err(CacheUrlError::EmptyContentType);
    }
    let content_type = path_escape(content_type);
    let secure = match publisher.scheme.as_str() {
        "http" => false,
        "https" => true,
        other => return Err(CacheUrlError::InvalidScheme(other.to_string())),
    };
    if publisher.userinfo.is_some() {
        return Err(CacheUrlError::UserInfo);
    }
    if let Some(port) = publisher.port.filter(|p| !p.is_empty()) {
        let default = if secure { "443" } else { "80" };
        if port != default {
            return Err(CacheUrlError::NonDefaultPort(port.to_string()));
        }
    }
    if publisher.hostname.is_empty() {
        return Err(CacheUrlError::EmptyHost);
    }
    let publisher_host = path_escape(publisher.hostname);
    let mut parts = vec![cache.path, content_type.as_str()];
    if secure {
        parts.push("s");
    }
    parts.push(&publisher_host);
    parts.push(publisher.path);
    let path = join_clean(&parts);

    if !cache.query.is_empty() {
        return Err(CacheUrlError::CacheQuery);
    }
    if !cache.fragment.is_empty() {
        return Err(CacheUrlError::CacheFragment);
    }

    let mut out = format!("{}://", cache.scheme);
    if let Some(userinfo) = cache.userinfo {
        out.push_str(userinfo);
        out.push('@');
    }
    out.push_str(&host);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&path);
    if !publisher.query.is_empty() {
        out.push('?');
        out.push_str(publisher.query);
    }
    if !publisher.fragment.is_empty() {
        out.push('#');
        out.push_str(publisher.fragment);
    }
    Ok(out)
}

/// The broker URL for an AMP poll: `amp/client/<encoded_path>` resolved
/// against `broker_url` as a relative reference (so it replaces the last
/// path segment of a broker URL without a trailing slash, as in Go). The
/// broker URL's query and fragment are dropped.
pub fn client_poll_url(broker_url: &str, encoded_path: &str) -> Result<String, CacheUrlError> {
    let broker = parse_url(broker_url)?;
    let reference = format!(
        "{}{}",
        AMP_CLIENT_PATH_PREFIX.trim_start_matches('/'),
        encoded_path
    );
    let merged = match broker.path.rfind('/') {
        Some(slash) => format!(
            "{}{}",
            broker.path.get(..=slash).unwrap_or_default(),
            reference
        ),
        None => reference,
    };
    // Remove dot segments (the reference itself has none).
    let mut segments: Vec<&str> = Vec::new();
    for segment in merged.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = format!("{}://", broker.scheme);
    if let Some(userinfo) = broker.userinfo {
        out.push_str(userinfo);
        out.push('@');
    }
    if broker.hostname.contains(':') {
        out.push('[');
        out.push_str(broker.hostname);
        out.push(']');
    } else {
        out.push_str(broker.hostname);
    }
    if let Some(port) = broker.port {
        out.push(':');
        out.push_str(port);
    }
    out.push('/');
    out.push_str(&segments.join("/"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_per_element_is_992() {
        assert_eq!(LINES_PER_ELEMENT, 992);
    }

    #[test]
    fn base32_matches_rfc4648_vectors() {
        // RFC 4648 §10, lower-cased and unpadded.
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            assert_eq!(base32_lower_unpadded(input.as_bytes()), expected);
        }
    }

    #[test]
    fn join_clean_matches_go_path_join() {
        assert_eq!(join_clean(&["/", "c", "s", "h", "/a/b/"]), "/c/s/h/a/b");
        assert_eq!(join_clean(&["", "c", "s", "h", "/"]), "c/s/h");
        assert_eq!(join_clean(&["/x/", "c", "../d"]), "/x/d");
        assert_eq!(join_clean(&["/", "..", "c"]), "/c");
        assert_eq!(join_clean(&["a", "..", ".."]), "..");
        assert_eq!(join_clean(&["", ""]), "");
    }

    #[test]
    fn path_escape_matches_go() {
        assert_eq!(path_escape("a b/c;d,e?f"), "a%20b%2Fc%3Bd%2Ce%3Ff");
        assert_eq!(path_escape("$&+:=@-_.~"), "$&+:=@-_.~");
        assert_eq!(path_escape("é"), "%C3%A9");
    }
}
