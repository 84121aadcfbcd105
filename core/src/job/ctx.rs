//! The validator's working state: the JSON path being walked, the issues found
//! so far, and readers for primitive values that report instead of failing.
//!
//! Every reader returns `None` after recording an issue, so a walk always runs
//! to the end and reports every problem at once.

use super::enums::Named;
use super::json::non_finite_token;
use super::types::Color;
use crate::error::Issue;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Writes a path as `jobs[1].waypoints[0].lat`; keys that are not plain
/// identifiers are quoted: `values["Côte d'Ivoire"]`.
pub(crate) fn format_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Seg::Key(k) => {
                let plain = !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !plain {
                    let quoted = serde_json::to_string(k).unwrap_or_default();
                    let _ = write!(out, "[{quoted}]");
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
            }
        }
    }
    out
}

/// The value at `path` inside `v`, if there is one.
pub(crate) fn resolve<'v>(v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.as_object()?.get(k),
        Seg::Index(i) => v.as_array()?.get(*i),
    })
}

/// An issue and the path it was found at (the issue's `field` is filled in
/// when the path is final, see [`Found::into_issue`]).
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub path: Vec<Seg>,
    pub issue: Issue,
}

impl Found {
    /// The issue with its `field` set to `prefix` + the path.
    pub fn into_issue(self, prefix: &[Seg]) -> Issue {
        let mut full = prefix.to_vec();
        full.extend(self.path);
        Issue {
            field: format_path(&full),
            ..self.issue
        }
    }
}

/// Path and issues of one walk.
pub(crate) struct Ctx {
    path: Vec<Seg>,
    pub found: Vec<Found>,
    /// Validating `shared_options`: required fields and checks across fields are
    /// skipped (the merged jobs get them).
    pub partial: bool,
}

impl Ctx {
    pub fn new(partial: bool) -> Self {
        Ctx {
            path: Vec::new(),
            found: Vec::new(),
            partial,
        }
    }

    /// Records `issue` at the current path.
    pub fn report(&mut self, issue: Issue) {
        self.found.push(Found {
            path: self.path.clone(),
            issue,
        });
    }

    /// Records a plain issue at the current path.
    pub fn issue(&mut self, code: &str, message: impl Into<String>) {
        self.report(Issue::new("", code, message));
    }

    /// Runs `f` one key deeper.
    pub fn key<T>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(Seg::Key(key.to_string()));
        let out = f(self);
        self.path.pop();
        out
    }

    /// Runs `f` one array index deeper.
    pub fn index<T>(&mut self, i: usize, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(Seg::Index(i));
        let out = f(self);
        self.path.pop();
        out
    }

    /// The number of issues so far (to tell whether a sub-walk added any).
    pub fn count(&self) -> usize {
        self.found.len()
    }
}

/// JSON type name for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reports `not_finite` when `v` stands for an infinite number in the text
/// (see `json.rs`); every reader calls this first.
fn non_finite(ctx: &mut Ctx, v: &Value) -> bool {
    match non_finite_token(v) {
        Some(token) => {
            ctx.report(
                Issue::new(
                    "",
                    "not_finite",
                    format!("{token} is not a finite number (NaN and Infinity are not allowed)"),
                )
                .suggest("use a finite number"),
            );
            true
        }
        None => false,
    }
}

/// Reports `invalid_type` unless `v` is the marker for a non-finite number.
pub(crate) fn wrong_type(ctx: &mut Ctx, v: &Value, expected: &str) {
    if !non_finite(ctx, v) {
        ctx.issue(
            "invalid_type",
            format!("expected {expected}, got {}", type_name(v)),
        );
    }
}

/// The closest of `candidates` to `s` when it is close enough to be a typo.
pub(crate) fn closest<'a>(s: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let s = s.to_lowercase();
    let best = candidates
        .iter()
        .map(|c| (edit_distance(&s, &c.to_lowercase()), *c))
        .min_by_key(|(d, _)| *d)?;
    let limit = (s.chars().count().max(best.1.len()) / 3).max(2);
    (best.0 <= limit).then_some(best.1)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// `v` as an object whose keys are all in `known`; unknown keys are reported.
pub(crate) fn object<'v>(
    ctx: &mut Ctx,
    v: &'v Value,
    known: &[&str],
) -> Option<&'v Map<String, Value>> {
    let Value::Object(map) = v else {
        wrong_type(ctx, v, "an object");
        return None;
    };
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            ctx.key(key, |ctx| {
                let mut issue = Issue::new("", "unknown_field", format!("unknown field `{key}`"))
                    .options(known);
                issue = match closest(key, known) {
                    Some(c) => issue.suggest(format!("did you mean `{c}`?")),
                    None => issue.suggest("remove it; unknown fields are not ignored"),
                };
                ctx.report(issue);
            });
        }
    }
    Some(map)
}

/// Reads optional field `key`; absent and `null` give `None` without an issue.
pub(crate) fn opt<'v, T>(
    ctx: &mut Ctx,
    map: &'v Map<String, Value>,
    key: &str,
    f: impl FnOnce(&mut Ctx, &'v Value) -> Option<T>,
) -> Option<T> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => ctx.key(key, |ctx| f(ctx, v)),
    }
}

/// Reads required field `key`; absent or `null` is a `required` issue (not in
/// partial mode).
pub(crate) fn req<'v, T>(
    ctx: &mut Ctx,
    map: &'v Map<String, Value>,
    key: &str,
    f: impl FnOnce(&mut Ctx, &'v Value) -> Option<T>,
) -> Option<T> {
    match map.get(key) {
        None | Some(Value::Null) => {
            if !ctx.partial {
                ctx.key(key, |ctx| {
                    ctx.issue("required", format!("`{key}` is required"));
                });
            }
            None
        }
        Some(v) => ctx.key(key, |ctx| f(ctx, v)),
    }
}

/// Any finite number.
pub(crate) fn number(ctx: &mut Ctx, v: &Value) -> Option<f64> {
    let Some(x) = v.as_f64() else {
        match v
            .as_str()
            .map(str::trim)
            .filter(|s| s.parse::<f64>().is_ok())
        {
            Some(s) if non_finite_token(v).is_none() => ctx.report(
                Issue::new("", "invalid_type", "expected a number, got a string")
                    .suggest(format!("write the number without quotes: {s}")),
            ),
            _ => wrong_type(ctx, v, "a number"),
        }
        return None;
    };
    if !x.is_finite() {
        ctx.issue("not_finite", format!("{x} is not a finite number"));
        return None;
    }
    Some(x)
}

/// A number in `lo..=hi`.
pub(crate) fn number_in(ctx: &mut Ctx, v: &Value, lo: f64, hi: f64) -> Option<f64> {
    let x = number(ctx, v)?;
    if x < lo || x > hi {
        ctx.issue(
            "out_of_range",
            format!("must be between {lo} and {hi}, got {x}"),
        );
        return None;
    }
    Some(x)
}

/// A number in `0..=hi` (durations, offsets).
pub(crate) fn non_negative(ctx: &mut Ctx, v: &Value, hi: f64) -> Option<f64> {
    number_in(ctx, v, 0.0, hi)
}

/// A number in `(0, hi]` (widths, sizes).
pub(crate) fn positive(ctx: &mut Ctx, v: &Value, hi: f64) -> Option<f64> {
    let x = number(ctx, v)?;
    if x <= 0.0 || x > hi {
        ctx.issue(
            "out_of_range",
            format!("must be greater than 0 and at most {hi}, got {x}"),
        );
        return None;
    }
    Some(x)
}

/// A non-negative whole number (an index).
pub(crate) fn index_value(ctx: &mut Ctx, v: &Value) -> Option<usize> {
    let x = number(ctx, v)?;
    if x < 0.0 || x.fract() != 0.0 || x > u32::MAX as f64 {
        ctx.issue(
            "invalid_value",
            format!("must be a whole number 0 or more, got {x}"),
        );
        return None;
    }
    Some(x as usize)
}

/// `true` or `false`.
pub(crate) fn boolean(ctx: &mut Ctx, v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => {
            wrong_type(ctx, v, "true or false");
            None
        }
    }
}

/// A string of at most `max` characters (may be empty).
pub(crate) fn string(ctx: &mut Ctx, v: &Value, max: usize) -> Option<String> {
    let Value::String(s) = v else {
        wrong_type(ctx, v, "a string");
        return None;
    };
    if non_finite(ctx, v) {
        return None;
    }
    let n = s.chars().count();
    if n > max {
        ctx.report(
            Issue::new(
                "",
                "too_long",
                format!("must be at most {max} characters, got {n}"),
            )
            .suggest("shorten it"),
        );
        return None;
    }
    Some(s.clone())
}

/// A non-empty string of at most `max` characters.
pub(crate) fn text(ctx: &mut Ctx, v: &Value, max: usize) -> Option<String> {
    let s = string(ctx, v, max)?;
    if s.trim().is_empty() {
        ctx.issue("invalid_value", "must not be empty");
        return None;
    }
    Some(s)
}

/// One of an enum's names.
pub(crate) fn named<E: Named>(ctx: &mut Ctx, v: &Value) -> Option<E> {
    let options = E::valid_options();
    let Value::String(s) = v else {
        if !non_finite(ctx, v) {
            ctx.report(
                Issue::new(
                    "",
                    "invalid_type",
                    format!(
                        "expected a {} name (a string), got {}",
                        E::KIND,
                        type_name(v)
                    ),
                )
                .options(&options),
            );
        }
        return None;
    };
    if non_finite(ctx, v) {
        return None;
    }
    if let Some(e) = E::parse_name(s) {
        return Some(e);
    }
    let mut issue =
        Issue::new("", "invalid_value", format!("unknown {} `{s}`", E::KIND)).options(&options);
    issue = match closest(s, &options) {
        Some(c) => issue.suggest(format!("did you mean `{c}`?")),
        None => issue.suggest(format!("use one of: {}", options.join(", "))),
    };
    ctx.report(issue);
    None
}

/// A `#RRGGBB` colour.
pub(crate) fn color(ctx: &mut Ctx, v: &Value) -> Option<Color> {
    let Value::String(s) = v else {
        wrong_type(ctx, v, "a colour string like \"#00E5FF\"");
        return None;
    };
    if non_finite(ctx, v) {
        return None;
    }
    match Color::parse_hex(s) {
        Some(c) => Some(c),
        None => {
            ctx.report(
                Issue::new(
                    "",
                    "invalid_format",
                    format!("`{s}` is not a colour in #RRGGBB form"),
                )
                .suggest("use six hex digits after #, e.g. \"#00E5FF\""),
            );
            None
        }
    }
}

/// An array with `min..=max` elements; a count issue is reported but the
/// elements are still returned so each can be checked too.
pub(crate) fn array<'v>(
    ctx: &mut Ctx,
    v: &'v Value,
    min: usize,
    max: usize,
    what: &str,
) -> Option<&'v [Value]> {
    let Value::Array(items) = v else {
        wrong_type(ctx, v, "an array");
        return None;
    };
    let n = items.len();
    if n < min {
        ctx.issue("too_few", format!("needs at least {min} {what}, got {n}"));
    } else if n > max {
        ctx.issue("too_many", format!("allows at most {max} {what}, got {n}"));
    }
    Some(items)
}

/// Applies `f` to each element of `items`, one index deeper; elements that fail
/// are dropped (their issues are recorded).
pub(crate) fn each<'v, T>(
    ctx: &mut Ctx,
    items: &'v [Value],
    mut f: impl FnMut(&mut Ctx, &'v Value) -> Option<T>,
) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| ctx.index(i, |ctx| f(ctx, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_format() {
        let p = vec![
            Seg::Key("jobs".into()),
            Seg::Index(1),
            Seg::Key("waypoints".into()),
            Seg::Index(0),
            Seg::Key("lat".into()),
        ];
        assert_eq!(format_path(&p), "jobs[1].waypoints[0].lat");
        let q = vec![Seg::Key("values".into()), Seg::Key("a b".into())];
        assert_eq!(format_path(&q), "values[\"a b\"]");
        assert_eq!(format_path(&[]), "");
    }

    #[test]
    fn typo_suggestions() {
        assert_eq!(
            closest("waypoint", &["waypoints", "mode"]),
            Some("waypoints")
        );
        assert_eq!(
            closest("Satellite", &["satellite", "minimal"]),
            Some("satellite")
        );
        assert_eq!(closest("zzzzzzzz", &["satellite", "minimal"]), None);
    }
}
