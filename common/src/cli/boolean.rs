//! Boolean flag values as Go's `strconv.ParseBool` reads them.
//!
//! Go's `flag` package hands the text after `-flag=` to `ParseBool`, which
//! takes exactly twelve spellings, case included: `1 t T TRUE true True`
//! and `0 f F FALSE false False`. Anything else (`yes`, `tRuE`, the empty
//! string) is an error.

/// A boolean flag value that is not one of Go's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid boolean value {0:?}: want true or false (or 1, 0, t, f)")]
pub struct BoolError(pub String);

/// Parses one of the spellings above.
pub fn parse_go_bool(text: &str) -> Result<bool, BoolError> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(BoolError(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_strconv_parse_bool() {
        for text in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_go_bool(text), Ok(true), "{text}");
        }
        for text in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_go_bool(text), Ok(false), "{text}");
        }
    }

    #[test]
    fn other_words_are_refused() {
        for text in ["", "yes", "no", "on", "tRuE", "2", " true", "true "] {
            assert_eq!(parse_go_bool(text), Err(BoolError(text.to_owned())));
        }
    }
}
