//! The parts of Go's `encoding/json` behaviour that the broker messages
//! depend on, so that our peers see exactly what a Go peer would.
//!
//! Decoding (what `json.Unmarshal` into a struct does):
//! * object keys match struct fields case-insensitively, using Go's Unicode
//!   simple case folding (so `sid`, `SID` and even `ſid` reach `Sid`); an exact
//!   match would be preferred, but no two fields of our messages fold alike,
//!   so folding alone decides;
//! * unknown keys are ignored, duplicate keys are applied in document order
//!   (the last one wins), and `null` leaves a string or integer field alone
//!   while it resets a pointer field;
//! * a value of the wrong type fails the whole decode, even if a later
//!   duplicate would have fixed it;
//! * a top-level `null` decodes to an all-default struct;
//! * invalid UTF-8 becomes U+FFFD instead of failing.
//!
//! Encoding (what `json.Marshal` does): fields in declaration order, no
//! whitespace, and strings escaped HTML-safely (`<`, `>`, `&`, U+2028 and
//! U+2029 as `\u` escapes).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A broker message was not JSON of the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// The bytes are not one well-formed JSON value.
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// The top-level value is not an object (nor `null`).
    #[error("cannot decode JSON {found} into a message object")]
    NotAnObject {
        /// The JSON kind that was found instead.
        found: &'static str,
    },
    /// A known field holds a value of the wrong JSON type.
    #[error("cannot decode JSON {found} into field {field} of type {expected}")]
    WrongType {
        /// The message field, spelled as Go spells it.
        field: &'static str,
        /// What the field needs (`string`, `int64`).
        expected: &'static str,
        /// The JSON kind that was found.
        found: &'static str,
    },
}

/// The members of a decoded JSON object, in document order, duplicates kept.
#[derive(Debug, Default)]
pub(crate) struct GoObject {
    members: Vec<(String, Value)>,
}

/// What the top level of a message turned out to be.
enum TopLevel {
    Object(Vec<(String, Value)>),
    Null,
    Other(&'static str),
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            members.push((key, value));
        }
        Ok(TopLevel::Object(members))
    }

    fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("string"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        // Drain the array so that the parser accepts the document as a whole.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::Other("array"))
    }
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

/// The JSON kind of a value, named as Go's error messages name it.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether the object key `key` reaches the struct field `field` under Go's
/// case folding. `field` is ASCII (all our field names are).
///
/// Go folds every rune to the smallest rune of its Unicode simple-fold orbit;
/// the only non-ASCII runes whose orbit holds an ASCII letter are U+017F
/// (long s, orbit `S s ſ`) and U+212A (Kelvin sign, orbit `K k K`).
pub(crate) fn go_fold_eq(key: &str, field: &str) -> bool {
    let mut key_chars = key.chars();
    for f in field.bytes() {
        let Some(k) = key_chars.next() else {
            return false;
        };
        let same = if k.is_ascii() {
            (k as u8).eq_ignore_ascii_case(&f)
        } else {
            match k {
                '\u{017F}' => f.eq_ignore_ascii_case(&b's'),
                '\u{212A}' => f.eq_ignore_ascii_case(&b'k'),
                _ => false,
            }
        };
        if !same {
            return false;
        }
    }
    key_chars.next().is_none()
}

impl GoObject {
    /// Parses a message body the way `json.Unmarshal` into a struct would.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, JsonError> {
        // Go substitutes U+FFFD for invalid UTF-8 inside strings; outside
        // strings any such byte is a syntax error either way.
        let text = String::from_utf8_lossy(body);
        let top: TopLevel =
            serde_json::from_str(&text).map_err(|e| JsonError::Syntax(e.to_string()))?;
        match top {
            TopLevel::Object(members) => Ok(GoObject { members }),
            TopLevel::Null => Ok(GoObject::default()),
            TopLevel::Other(found) => Err(JsonError::NotAnObject { found }),
        }
    }

    /// The values of all members that reach `field`, in document order.
    fn matching<'a>(&'a self, field: &'static str) -> impl Iterator<Item = &'a Value> + 'a {
        self.members
            .iter()
            .filter(move |(key, _)| go_fold_eq(key, field))
            .map(|(_, value)| value)
    }

    /// A Go `string` field: the last non-null string wins; absent or only
    /// `null` gives `None` (Go's zero value, the empty string).
    pub(crate) fn string(&self, field: &'static str) -> Result<Option<String>, JsonError> {
        self.last_string(field, false)
    }

    /// A Go `string` field, with Go's zero value for absent.
    pub(crate) fn string_or_empty(&self, field: &'static str) -> Result<String, JsonError> {
        Ok(self.string(field)?.unwrap_or_default())
    }

    /// A Go `*string` field: the last member wins, and `null` resets it.
    pub(crate) fn nullable_string(&self, field: &'static str) -> Result<Option<String>, JsonError> {
        self.last_string(field, true)
    }

    /// The last string among the members that reach `field`. A `null`
    /// resets the result if `null_resets` (Go `*string`) and is skipped
    /// otherwise (Go `string`, where `null` is a no-op).
    fn last_string(
        &self,
        field: &'static str,
        null_resets: bool,
    ) -> Result<Option<String>, JsonError> {
        let mut result = None;
        for value in self.matching(field) {
            match value {
                Value::Null => {
                    if null_resets {
                        result = None;
                    }
                }
                Value::String(s) => result = Some(s.clone()),
                other => {
                    return Err(JsonError::WrongType {
                        field,
                        expected: "string",
                        found: kind_of(other),
                    })
                }
            }
        }
        Ok(result)
    }

    /// A Go `int64` field: only integer literals in range are accepted
    /// (Go rejects `8.0` and `1e3` too); the last non-null one wins.
    pub(crate) fn int64(&self, field: &'static str) -> Result<Option<i64>, JsonError> {
        let mut result = None;
        for value in self.matching(field) {
            match value {
                Value::Null => {}
                Value::Number(n) => match n.as_i64() {
                    Some(i) => result = Some(i),
                    None => {
                        return Err(JsonError::WrongType {
                            field,
                            expected: "int64",
                            found: "number out of range or not an integer",
                        })
                    }
                },
                other => {
                    return Err(JsonError::WrongType {
                        field,
                        expected: "int64",
                        found: kind_of(other),
                    })
                }
            }
        }
        Ok(result)
    }
}

/// Appends `s` as a JSON string literal, escaped exactly as Go's
/// `json.Marshal` escapes it (HTML-safe, `\b`/`\f` short forms as in Go
/// 1.22+, other control characters as lowercase `\u00xx`).
pub(crate) fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{00}'..='\u{1F}' => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(char::from(HEX[((b >> 4) & 0xF) as usize]));
                out.push(char::from(HEX[(b & 0xF) as usize]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// Builds a JSON object member by member, in the order Go declares fields.
pub(crate) struct ObjectWriter {
    out: String,
    empty: bool,
}

impl ObjectWriter {
    pub(crate) fn new() -> Self {
        ObjectWriter {
            out: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub(crate) fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        write_string(&mut self.out, value);
        self
    }

    /// Adds a member whose value is `null` when absent (a Go `*string`).
    pub(crate) fn nullable_string(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.string(key, v),
            None => {
                self.key(key);
                self.out.push_str("null");
                self
            }
        }
    }

    /// Adds an integer member.
    pub(crate) fn integer(&mut self, key: &str, value: impl fmt::Display) -> &mut Self {
        self.key(key);
        self.out.push_str(&value.to_string());
        self
    }

    pub(crate) fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.out);
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_go() {
        assert!(go_fold_eq("Sid", "Sid"));
        assert!(go_fold_eq("sid", "Sid"));
        assert!(go_fold_eq("SID", "Sid"));
        assert!(go_fold_eq("\u{017F}id", "Sid"));
        assert!(go_fold_eq("\u{212A}ey", "key"));
        assert!(!go_fold_eq("Si", "Sid"));
        assert!(!go_fold_eq("Sidd", "Sid"));
        assert!(!go_fold_eq("S\u{0130}d", "Sid"));
        assert!(!go_fold_eq("", "Sid"));
    }

    #[test]
    fn strings_escape_like_go() {
        let mut out = String::new();
        write_string(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1}<>&\u{2028}\u{2029}\u{7f}é",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u003c\\u003e\\u0026\\u2028\\u2029\u{7f}é\""
        );
    }

    #[test]
    fn last_duplicate_wins_and_null_is_ignored_for_strings() {
        let o = GoObject::parse(br#"{"sid":"a","Sid":"b","SID":null}"#).unwrap();
        assert_eq!(o.string("Sid").unwrap().as_deref(), Some("b"));
        let o = GoObject::parse(br#"{"p":"a","P":null}"#).unwrap();
        assert_eq!(o.nullable_string("P").unwrap(), None);
    }

    #[test]
    fn wrong_type_anywhere_fails() {
        let o = GoObject::parse(br#"{"Sid":5,"Sid":"a"}"#).unwrap();
        assert!(o.string("Sid").is_err());
        let o = GoObject::parse(br#"{"n":8.0}"#).unwrap();
        assert!(o.int64("n").is_err());
        let o = GoObject::parse(br#"{"n":-3}"#).unwrap();
        assert_eq!(o.int64("n").unwrap(), Some(-3));
    }

    #[test]
    fn top_level_shapes() {
        assert!(GoObject::parse(b"null").unwrap().members.is_empty());
        assert_eq!(
            GoObject::parse(b"[1,2]").unwrap_err(),
            JsonError::NotAnObject { found: "array" }
        );
        assert!(matches!(
            GoObject::parse(b"{} x"),
            Err(JsonError::Syntax(_))
        ));
        // Invalid UTF-8 inside a string is replaced, not rejected.
        let o = GoObject::parse(b"{\"Sid\":\"a\xffb\"}").unwrap();
        assert_eq!(o.string("Sid").unwrap().as_deref(), Some("a\u{fffd}b"));
    }
}
