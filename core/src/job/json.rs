//! Reading job text. serde_json refuses numbers that overflow to infinity
//! (`1e999`) with a syntax error that names no JSON path. To report them as
//! `not_finite` at their path, each such number is replaced in the text by a
//! marker string and the text parsed again; readers report the marker.

use crate::error::Issue;
use serde_json::Value;

/// Prefix of the marker string that stands for a non-finite number.
const MARKER: &str = "\u{0}georender:non-finite:";
/// The marker as it is written inside JSON text.
const MARKER_JSON: &str = "\\u0000georender:non-finite:";
/// Give up after this many non-finite numbers in one text.
const MAX_REPLACEMENTS: usize = 256;

/// The original number text when `v` is the non-finite marker.
pub(crate) fn non_finite_token(v: &Value) -> Option<&str> {
    v.as_str()?.strip_prefix(MARKER)
}

/// Parses JSON text; malformed text is one `invalid_format` issue at field `""`
/// with line and column in the message.
pub(crate) fn parse_text(json: &str) -> Result<Value, Issue> {
    let mut text = std::borrow::Cow::Borrowed(json);
    for _ in 0..=MAX_REPLACEMENTS {
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => return Ok(v),
            Err(e) => {
                let overflow = e.is_syntax() && e.to_string().starts_with("number out of range");
                match overflow
                    .then(|| mark_number(&text, e.line(), e.column()))
                    .flatten()
                {
                    Some(marked) => text = std::borrow::Cow::Owned(marked),
                    None => return Err(malformed(&e)),
                }
            }
        }
    }
    Err(Issue::new(
        "",
        "invalid_format",
        "malformed JSON: too many numbers out of range",
    ))
}

fn malformed(e: &serde_json::Error) -> Issue {
    Issue::new("", "invalid_format", format!("malformed JSON: {e}"))
        .suggest("check the JSON syntax at that line and column")
}

fn is_number_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
}

/// Replaces the infinite number at or just before (`line`, `column`) (as
/// serde_json reports them: 1-based line, byte column) with the marker string.
fn mark_number(text: &str, line: usize, column: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)?
            .0
            + 1
    };
    let at = (line_start + column).min(bytes.len());
    let mut end = if at > 0 && is_number_byte(bytes[at - 1]) {
        at
    } else if at < bytes.len() && is_number_byte(bytes[at]) {
        at + 1
    } else {
        return None;
    };
    while end < bytes.len() && is_number_byte(bytes[end]) {
        end += 1;
    }
    let mut start = end - 1;
    while start > 0 && is_number_byte(bytes[start - 1]) {
        start -= 1;
    }
    let token = &text[start..end];
    if !token.parse::<f64>().ok()?.is_infinite() {
        return None;
    }
    Some(format!(
        "{}\"{MARKER_JSON}{token}\"{}",
        &text[..start],
        &text[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflowing_numbers_become_markers() {
        let v = parse_text("{\"a\": 1e999, \"b\": [2, -1e999],\n \"c\": {\"d\":\n5e400}}").unwrap();
        assert_eq!(non_finite_token(&v["a"]), Some("1e999"));
        assert_eq!(non_finite_token(&v["b"][1]), Some("-1e999"));
        assert_eq!(non_finite_token(&v["c"]["d"]), Some("5e400"));
        assert_eq!(v["b"][0], 2);
    }

    #[test]
    fn huge_integer_literal() {
        let digits = "9".repeat(400);
        let v = parse_text(&format!("[{digits}]")).unwrap();
        assert_eq!(non_finite_token(&v[0]), Some(digits.as_str()));
    }

    #[test]
    fn malformed_text_names_the_position() {
        let e = parse_text("{\"a\": }").unwrap_err();
        assert_eq!(e.code, "invalid_format");
        assert_eq!(e.field, "");
        assert!(e.message.contains("line 1"), "{}", e.message);
        assert!(parse_text("").is_err());
        assert!(parse_text("NaN").is_err());
    }
}
