//! Key–value argument strings of the pluggable-transport protocol
//! (docs/protocol.md §8.2, §9.3).
//!
//! Three encodings share one idea — `\` escapes the next byte — but differ in
//! which bytes are separators:
//!
//! * per-connection SOCKS arguments (`k=v;k=v`, from the bridge line),
//!   parsed by [`parse_client_args`] and produced by [`encode_client_args`];
//! * the `ARGS:` option of an `SMETHOD` line (`k=v,k=v`, keys sorted),
//!   produced by [`encode_smethod_args`];
//! * `TOR_PT_SERVER_TRANSPORT_OPTIONS` (`name:k=v;name:k=v`), parsed by
//!   [`parse_server_transport_options`].
//!
//! The parsing rules follow goptlib's `args.go` so that any string tor or a Go
//! peer accepts is accepted here, and vice versa.

use std::collections::BTreeMap;

/// An ordered list of key–value pairs in which a key may repeat.
///
/// Order matters: lookups return the first value (goptlib `Args.Get`), and
/// SMETHOD encoding keeps the values of one key in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PtArgs {
    pairs: Vec<(String, String)>,
}

impl PtArgs {
    /// An empty argument list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a pair; an existing value for the same key is kept.
    pub fn add(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The first value given for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `key`, in the order they were added.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All pairs in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of pairs (repeated keys count once per occurrence).
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for PtArgs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut args = PtArgs::new();
        for (k, v) in iter {
            args.add(k, v);
        }
        args
    }
}

/// Why an argument string could not be parsed. The `String` fields quote the
/// offending piece of input so that an operator can find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    /// The string ends in a lone backslash.
    #[error("nothing follows the final escape character in {0:?}")]
    TrailingBackslash(String),
    /// A `key` was not followed by `=`.
    #[error("no equals sign in {0:?}")]
    MissingEquals(String),
    /// A pair has an empty key (`=value`).
    #[error("empty key in {0:?}")]
    EmptyKey(String),
    /// A server transport option has no `name:` prefix.
    #[error("no colon in {0:?}")]
    MissingColon(String),
    /// A server transport option has an empty transport name (`:k=v`).
    #[error("empty transport name in {0:?}")]
    EmptyTransportName(String),
    /// The bytes are not UTF-8 (SOCKS fields are raw bytes).
    #[error("arguments are not valid UTF-8")]
    NotUtf8,
}

/// Reads from `input[start..]` up to the first unescaped byte in
/// `terminators` (or the end), unescaping as it goes. Returns the index of
/// the terminator (or `input.len()`) and the unescaped bytes.
fn read_unescaped(
    input: &[u8],
    start: usize,
    terminators: &[u8],
) -> Result<(usize, Vec<u8>), ArgsError> {
    let mut out = Vec::new();
    let mut bytes = input.iter().enumerate().skip(start);
    while let Some((i, &b)) = bytes.next() {
        if terminators.contains(&b) {
            return Ok((i, out));
        }
        if b == b'\\' {
            match bytes.next() {
                Some((_, &escaped)) => out.push(escaped),
                None => return Err(ArgsError::TrailingBackslash(lossy(input))),
            }
        } else {
            out.push(b);
        }
    }
    Ok((input.len(), out))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn piece(input: &[u8], from: usize, to: usize) -> String {
    lossy(input.get(from..to).unwrap_or_default())
}

fn utf8(bytes: Vec<u8>) -> Result<String, ArgsError> {
    String::from_utf8(bytes).map_err(|_| ArgsError::NotUtf8)
}

/// Parses a SOCKS argument string `k=v;k=v` (§8.2).
///
/// Keys end at an unescaped `=` or `;`, values at an unescaped `;`; `\`
/// escapes any byte. An empty input gives no arguments. An empty key, a key
/// without `=`, or a trailing lone `\` is an error. Repeated keys are kept
/// (see [`PtArgs::get`]).
pub fn parse_client_args(input: &[u8]) -> Result<PtArgs, ArgsError> {
    let mut args = PtArgs::new();
    if input.is_empty() {
        return Ok(args);
    }
    let mut i = 0;
    loop {
        let begin = i;
        let (end, key) = read_unescaped(input, i, b"=;")?;
        if input.get(end) != Some(&b'=') {
            return Err(ArgsError::MissingEquals(piece(input, begin, end)));
        }
        let (end, value) = read_unescaped(input, end + 1, b";")?;
        if key.is_empty() {
            return Err(ArgsError::EmptyKey(piece(input, begin, end)));
        }
        args.add(utf8(key)?, utf8(value)?);
        if end >= input.len() {
            return Ok(args);
        }
        // Skip the `;`.
        i = end + 1;
    }
}

/// Parses `TOR_PT_SERVER_TRANSPORT_OPTIONS` (`name:k=v;name:k=v`, §9.1),
/// returning the options of each transport name. `\` escapes any byte; an
/// empty string gives no options.
pub fn parse_server_transport_options(input: &str) -> Result<BTreeMap<String, PtArgs>, ArgsError> {
    let input = input.as_bytes();
    let mut options: BTreeMap<String, PtArgs> = BTreeMap::new();
    if input.is_empty() {
        return Ok(options);
    }
    let mut i = 0;
    loop {
        let begin = i;
        let (end, name) = read_unescaped(input, i, b":=;")?;
        if input.get(end) != Some(&b':') {
            return Err(ArgsError::MissingColon(piece(input, begin, end)));
        }
        let (end, key) = read_unescaped(input, end + 1, b"=;")?;
        if input.get(end) != Some(&b'=') {
            return Err(ArgsError::MissingEquals(piece(input, begin, end)));
        }
        let (end, value) = read_unescaped(input, end + 1, b";")?;
        if name.is_empty() {
            return Err(ArgsError::EmptyTransportName(piece(input, begin, end)));
        }
        if key.is_empty() {
            return Err(ArgsError::EmptyKey(piece(input, begin, end)));
        }
        options
            .entry(utf8(name)?)
            .or_default()
            .add(utf8(key)?, utf8(value)?);
        if end >= input.len() {
            return Ok(options);
        }
        i = end + 1;
    }
}

/// Appends `s` to `out`, putting `\` before every backslash and every byte
/// in `special`.
fn escape_into(out: &mut String, s: &str, special: &[char]) {
    for c in s.chars() {
        if c == '\\' || special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Encodes arguments as a SOCKS argument string: `\`, `=` and `;` escaped,
/// pairs joined with `;`, in insertion order (§9.3). Inverse of
/// [`parse_client_args`].
pub fn encode_client_args(args: &PtArgs) -> String {
    let mut out = String::new();
    for (n, (k, v)) in args.iter().enumerate() {
        if n > 0 {
            out.push(';');
        }
        escape_into(&mut out, k, &['=', ';']);
        out.push('=');
        escape_into(&mut out, v, &['=', ';']);
    }
    out
}

/// Encodes arguments for the `ARGS:` option of an `SMETHOD` line (without
/// the `ARGS:` prefix): `\`, `=` and `,` escaped, pairs joined with `,`,
/// sorted by key with the values of one key in insertion order, as goptlib's
/// `encodeSmethodArgs` does (§7.7).
pub fn encode_smethod_args(args: &PtArgs) -> String {
    let mut pairs: Vec<(&str, &str)> = args.iter().collect();
    // Stable sort: values of one key keep their order.
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (n, (k, v)) in pairs.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        escape_into(&mut out, k, &['=', ',']);
        out.push('=');
        escape_into(&mut out, v, &['=', ',']);
    }
    out
}

/// Encodes per-transport options in the `TOR_PT_SERVER_TRANSPORT_OPTIONS`
/// format (`\`, `:`, `;`, `=` escaped). Inverse of
/// [`parse_server_transport_options`]; useful to build a test environment.
pub fn encode_server_transport_options(options: &BTreeMap<String, PtArgs>) -> String {
    let special = [':', ';', '='];
    let mut out = String::new();
    for (name, args) in options {
        for (k, v) in args.iter() {
            if !out.is_empty() {
                out.push(';');
            }
            escape_into(&mut out, name, &special);
            out.push(':');
            escape_into(&mut out, k, &special);
            out.push('=');
            escape_into(&mut out, v, &special);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_escaped_semicolon_and_backslash() {
        let args = parse_client_args(br"a=b\;c;d=e\\f").unwrap();
        assert_eq!(args.get("a"), Some("b;c"));
        assert_eq!(args.get("d"), Some(r"e\f"));
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn vector_empty_key_and_missing_equals() {
        assert!(matches!(
            parse_client_args(b"=x"),
            Err(ArgsError::EmptyKey(_))
        ));
        assert!(matches!(
            parse_client_args(b"abc"),
            Err(ArgsError::MissingEquals(_))
        ));
    }

    #[test]
    fn trailing_semicolon_and_backslash_are_errors() {
        assert!(matches!(
            parse_client_args(b"a=b;"),
            Err(ArgsError::MissingEquals(_))
        ));
        assert!(matches!(
            parse_client_args(b"a=b\\"),
            Err(ArgsError::TrailingBackslash(_))
        ));
    }

    #[test]
    fn empty_input_and_empty_value() {
        assert!(parse_client_args(b"").unwrap().is_empty());
        let args = parse_client_args(b"a=").unwrap();
        assert_eq!(args.get("a"), Some(""));
    }

    #[test]
    fn repeated_keys_first_wins() {
        let args = parse_client_args(b"a=1;a=2").unwrap();
        assert_eq!(args.get("a"), Some("1"));
        assert_eq!(args.get_all("a").collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn escaped_equals_in_key() {
        let args = parse_client_args(br"a\=b=c=d").unwrap();
        assert_eq!(args.get("a=b"), Some("c=d"));
    }

    #[test]
    fn smethod_args_sorted_and_escaped() {
        let args: PtArgs = [
            ("tls", "yes"),
            ("hostname", "h1"),
            ("hostname", "h2"),
            ("k,=\\", "v,=\\"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            encode_smethod_args(&args),
            r"hostname=h1,hostname=h2,k\,\=\\=v\,\=\\,tls=yes"
        );
    }

    #[test]
    fn server_transport_options() {
        let opts = parse_server_transport_options(r"snowflake:a=b\;c;obfs4:x=1;snowflake:k\:=v\=")
            .unwrap();
        let sf = &opts["snowflake"];
        assert_eq!(sf.get("a"), Some("b;c"));
        assert_eq!(sf.get("k:"), Some("v="));
        assert_eq!(opts["obfs4"].get("x"), Some("1"));
        assert_eq!(
            parse_server_transport_options(&encode_server_transport_options(&opts)).unwrap(),
            opts
        );
        assert!(matches!(
            parse_server_transport_options("a=b"),
            Err(ArgsError::MissingColon(_))
        ));
        assert!(matches!(
            parse_server_transport_options(":a=b"),
            Err(ArgsError::EmptyTransportName(_))
        ));
        assert!(matches!(
            parse_server_transport_options("t:=b"),
            Err(ArgsError::EmptyKey(_))
        ));
        assert!(matches!(
            parse_server_transport_options("t:ab"),
            Err(ArgsError::MissingEquals(_))
        ));
        assert!(parse_server_transport_options("").unwrap().is_empty());
    }
}
