//! Batches: `shared_options` deep-merged under each job, the whole batch
//! validated up front, every issue of every job reported at once.

use super::ctx::{object, opt, req, resolve, wrong_type, Ctx, Found, Seg};
use super::validate::{build_job, url};
use super::Job;
use crate::error::{Error, Issue, Result};
use serde_json::{Map, Value};

/// Default number of jobs a batch may hold (the server's Studio limit).
pub const DEFAULT_BATCH_LIMIT: usize = 25;

/// Deep-merges `job` over `shared`: objects merge key by key, recursively;
/// anything else in `job` (scalars, arrays, `null`) replaces the shared value.
pub fn merge(shared: &Value, job: &Value) -> Value {
    match (shared, job) {
        (Value::Object(s), Value::Object(j)) => {
            let mut out = s.clone();
            for (k, jv) in j {
                let merged = match out.get(k) {
                    Some(sv) => merge(sv, jv),
                    None => jv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => job.clone(),
    }
}

/// Validates and resolves a batch given as its parts. More than `limit` jobs is
/// [`Error::BatchTooLarge`]; otherwise every issue of `shared` (paths
/// `shared_options.…`) and of every job (paths `jobs[i].…`) comes back in one
/// [`Error::Validation`]. An issue caused by a shared value is listed once,
/// under `shared_options`.
pub fn batch_from_values(jobs: &[Value], shared: Option<&Value>, limit: usize) -> Result<Vec<Job>> {
    let mut issues = Vec::new();
    let out = collect_batch(jobs, shared, limit, &mut issues)?;
    if jobs.is_empty() {
        issues.insert(0, no_jobs());
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(issues))
    }
}

/// Validates and resolves a batch body `{ "jobs": [...], "shared_options": {...} }`
/// (`webhook_url` is accepted too, for the server). See [`batch_from_values`].
pub fn batch_from_value(body: &Value, limit: usize) -> Result<Vec<Job>> {
    let mut ctx = Ctx::new(false);
    let empty = Map::new();
    let m = object(&mut ctx, body, &["jobs", "shared_options", "webhook_url"]).unwrap_or(&empty);
    let jobs = req(&mut ctx, m, "jobs", |ctx, v| match v {
        Value::Array(items) => Some(items.as_slice()),
        _ => {
            wrong_type(ctx, v, "an array of jobs");
            None
        }
    });
    opt(&mut ctx, m, "webhook_url", url);
    let mut issues = finish(ctx.found, &[]);
    let shared = m.get("shared_options");
    let out = collect_batch(jobs.unwrap_or(&[]), shared, limit, &mut issues)?;
    if jobs.is_some_and(<[Value]>::is_empty) {
        issues.insert(0, no_jobs());
    }
    if jobs.is_some() && issues.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(issues))
    }
}

fn no_jobs() -> Issue {
    Issue::new("jobs", "too_few", "a batch needs at least 1 job, got 0")
        .suggest("add a job to `jobs`")
}

fn finish(found: Vec<Found>, prefix: &[Seg]) -> Vec<Issue> {
    found.into_iter().map(|f| f.into_issue(prefix)).collect()
}

fn collect_batch(
    jobs: &[Value],
    shared: Option<&Value>,
    limit: usize,
    issues: &mut Vec<Issue>,
) -> Result<Vec<Job>> {
    if jobs.len() > limit {
        return Err(Error::BatchTooLarge {
            count: jobs.len(),
            limit,
        });
    }

    let shared_key = [Seg::Key("shared_options".into())];
    let mut shared_found = Vec::new();
    let mut base = None;
    if let Some(s) = shared.filter(|s| !s.is_null()) {
        let mut ctx = Ctx::new(true);
        build_job(&mut ctx, s);
        shared_found = ctx.found;
        issues.extend(
            shared_found
                .iter()
                .cloned()
                .map(|f| f.into_issue(&shared_key)),
        );
        if let Value::Object(m) = s {
            let mut m = m.clone();
            m.remove("waypoints");
            base = Some(Value::Object(m));
        }
    }

    let mut out = Vec::with_capacity(jobs.len());
    for (i, raw) in jobs.iter().enumerate() {
        let merged = match (&base, raw) {
            (Some(b), Value::Object(_)) => merge(b, raw),
            _ => raw.clone(),
        };
        let mut ctx = Ctx::new(false);
        let mut job = build_job(&mut ctx, &merged);
        let prefix = [Seg::Key("jobs".into()), Seg::Index(i)];
        for f in ctx.found {
            let from_shared = resolve(raw, &f.path).is_none()
                && shared_found
                    .iter()
                    .any(|s| s.path == f.path && s.issue.code == f.issue.code);
            if !from_shared {
                issues.push(f.into_issue(&prefix));
            }
        }
        job.source = merged;
        out.push(job);
    }
    Ok(out)
}
