//! `cutover report [RUN_ID] [--format markdown|html|json] [-o FILE]`. Without a run id: the
//! newest forward run (the night's run, not its rollback), with its rollbacks appended.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::args::StateArgs;
use super::runs;
use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run, from any directory (default: the newest run or rehearsal, not a rollback;
    /// its rollbacks are appended)
    run_id: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write to this file instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(
        args.state.state_dir.as_deref(),
        args.run_id.as_deref(),
        args.format,
        args.output.as_deref(),
    )
}

pub fn run(
    flag: Option<&Path>,
    run_id: Option<&str>,
    format: ReportFormat,
    output: Option<&Path>,
) -> Result<Exit> {
    let found = runs::locate(flag, run_id, runs::Default::NewestForward)?;
    let report = report::build(&found.state_dir, &found.state).map_err(Error::invalid)?;
    let text = match format {
        ReportFormat::Markdown => report::markdown::render(&report),
        ReportFormat::Html => report::html::render(&report),
        ReportFormat::Json => report::json(&report),
    };
    match output {
        None => {
            crate::output::write(text.as_bytes());
            Ok(Exit::Done)
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!(
                    "Report of run {} written to {}",
                    report.run_id,
                    path.display()
                );
                Ok(Exit::Done)
            }
            Err(e) => Err(Error::failed(format!(
                "cannot write {}: {e}",
                path.display()
            ))),
        },
    }
}
