//! Comparing a recorded hello with a browser fixture
//! (`fixtures/fingerprints/tls-*.json`): the fixture's fields in the
//! fixture's notation, and ours in the same notation.

use std::collections::BTreeMap;

use serde_json::Value;

use super::tls_wire::{is_grease, ClientHello};

/// A browser fixture by file name, e.g. `"tls-chromium.json"`.
pub fn fixture(file: &str) -> Value {
    let path = format!(
        "{}/../fixtures/fingerprints/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture JSON")
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

pub fn numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("number"))
        .collect()
}

pub fn form(values: &[u16]) -> Vec<String> {
    ClientHello::fixture_form(values)
}

pub fn hexes(values: &[u16]) -> Vec<String> {
    values.iter().map(|v| format!("{v:04x}")).collect()
}

pub fn text_list(values: &[Vec<u8>]) -> Vec<String> {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Extension type (fixture form) → body length, from one of the fixture's
/// runs. GREASE extensions are keyed by position: "GREASE@first",
/// "GREASE@last".
pub fn fixture_lengths(ch: &Value) -> BTreeMap<String, u64> {
    let types = strings(&ch["extensions"]);
    let lengths = numbers(&ch["extension_lengths"]);
    assert_eq!(types.len(), lengths.len());
    let last = types.len() - 1;
    types
        .iter()
        .zip(lengths)
        .enumerate()
        .map(|(i, (t, l))| {
            let key = match (t.as_str(), i) {
                ("GREASE", 0) => "GREASE@first".to_string(),
                ("GREASE", i) if i == last => "GREASE@last".to_string(),
                _ => t.clone(),
            };
            (key, l)
        })
        .collect()
}

pub fn our_lengths(hello: &ClientHello) -> BTreeMap<String, u64> {
    let last = hello.extensions.len() - 1;
    hello
        .extensions
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let key = if is_grease(e.ext_type) {
                match i {
                    0 => "GREASE@first".to_string(),
                    i if i == last => "GREASE@last".to_string(),
                    _ => format!("GREASE@{i}"),
                }
            } else {
                format!("{:04x}", e.ext_type)
            };
            (key, e.data.len() as u64)
        })
        .collect()
}
