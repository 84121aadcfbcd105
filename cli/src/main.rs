//! `georender`: the command-line tool. Argument parsing and output formatting
//! only; every behaviour lives in the `georender` crate.

mod progress;
mod render;

use clap::{Parser, Subcommand};
use georender::{job, route, Error};
use render::{Overrides, RenderArgs};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "georender",
    version,
    about = "Turns waypoints into map-animation videos"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks a job or batch file (`{jobs, shared_options}`) and lists every issue.
    Validate {
        file: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Computes a job's route and prints its mode, distance and passages.
    Route {
        file: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Renders a job file into `<output>/<name>.mp4` (+ `.jpg`); the name is the
    /// file's stem. Exits non-zero when the job fails.
    Render {
        file: PathBuf,
        #[command(flatten)]
        args: RenderArgs,
    },
    /// Renders a batch file (`{jobs, shared_options}`, the REST body); files are
    /// named from the waypoint labels (`port-said-to-bab-el-mandeb.mp4`).
    /// Exits non-zero when any job fails.
    Batch {
        file: PathBuf,
        #[command(flatten)]
        args: RenderArgs,
    },
    /// Renders one frame of a job to a PNG.
    Frame {
        file: PathBuf,
        /// Time of the frame in seconds.
        #[arg(long = "t", value_name = "SECONDS")]
        t: f64,
        /// The PNG to write.
        #[arg(short, long, default_value = "frame.png")]
        output: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Lists the map styles with a description.
    Styles {
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { file, json } => validate(&file, json),
        Command::Route { file, json } => route_cmd(&file, json),
        Command::Render { file, args } => render::render_cmd(&file, &args),
        Command::Batch { file, args } => render::batch_cmd(&file, &args),
        Command::Frame {
            file,
            t,
            output,
            overrides,
        } => render::frame_cmd(&file, t, &output, &overrides),
        Command::Styles { json } => styles_cmd(json),
    }
}

fn read(file: &Path) -> Result<String, Error> {
    std::fs::read_to_string(file).map_err(|e| {
        Error::invalid(georender::Issue::new(
            "",
            "invalid_value",
            format!("cannot read {}: {e}", file.display()),
        ))
    })
}

/// Whether the text is a batch body (an object with `jobs`) rather than a job.
fn is_batch(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .is_some_and(|v| v.get("jobs").is_some())
}

fn error_json(e: &Error) -> Value {
    let mut err = json!({ "code": e.code().as_str(), "message": e.to_string() });
    if !e.issues().is_empty() {
        err["issues"] = json!(e.issues());
    }
    json!({ "error": err })
}

fn print_issues(e: &Error) {
    eprintln!("{}: {e}", e.code());
    for issue in e.issues() {
        let field = if issue.field.is_empty() {
            "(document)"
        } else {
            &issue.field
        };
        eprintln!("  {field}: {} [{}]", issue.message, issue.code);
        if let Some(s) = &issue.suggestion {
            eprintln!("    suggestion: {s}");
        }
        if let Some(opts) = &issue.valid_options {
            eprintln!("    valid options: {}", opts.join(", "));
        }
    }
}

fn validate(file: &Path, as_json: bool) -> ExitCode {
    let result = read(file).and_then(|text| {
        if is_batch(&text) {
            job::parse_batch(&text, job::DEFAULT_BATCH_LIMIT).map(|jobs| jobs.len())
        } else {
            job::parse_job(&text).map(|_| 1)
        }
    });
    match (result, as_json) {
        (Ok(_), true) => println!("{}", json!({ "valid": true })),
        (Ok(n), false) => println!("valid: {n} job{}", if n == 1 { "" } else { "s" }),
        (Err(e), true) => {
            let mut out =
                json!({ "valid": false, "code": e.code().as_str(), "issues": e.issues() });
            if e.issues().is_empty() {
                out["message"] = json!(e.to_string());
            }
            println!("{out}");
            return ExitCode::FAILURE;
        }
        (Err(e), false) => {
            print_issues(&e);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn route_cmd(file: &Path, as_json: bool) -> ExitCode {
    let result = read(file)
        .and_then(|text| job::parse_job(&text))
        .and_then(|job| route::plan(&job));
    match (result, as_json) {
        (Ok(r), true) => println!(
            "{}",
            json!({
                "mode": r.mode.as_str(),
                "distance_km": (r.distance_km * 10.0).round() / 10.0,
                "passages": r.passages,
                "points": r.points.len(),
            })
        ),
        (Ok(r), false) => {
            println!("mode:      {}", r.mode.as_str());
            println!(
                "distance:  {:.0} km ({:.0} nm)",
                r.distance_km,
                r.distance_km / 1.852
            );
            let passages = if r.passages.is_empty() {
                "none".into()
            } else {
                r.passages.join(" → ")
            };
            println!("passages:  {passages}");
            println!("points:    {}", r.points.len());
        }
        (Err(e), true) => {
            println!("{}", error_json(&e));
            return ExitCode::FAILURE;
        }
        (Err(e), false) => {
            print_issues(&e);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn styles_cmd(as_json: bool) -> ExitCode {
    let styles = georender::style::all();
    if as_json {
        let list: Vec<Value> = styles
            .iter()
            .map(|s| json!({ "name": s.name, "description": s.description }))
            .collect();
        println!("{}", Value::Array(list));
    } else {
        let width = styles.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in styles {
            println!("{:<width$}  {}", s.name, s.description);
        }
    }
    ExitCode::SUCCESS
}
