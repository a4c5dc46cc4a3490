//! `cutover plan RUNBOOK [--format table|markdown|json]`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::error::Result;
use crate::exit_code::Exit;
use crate::plan::{render, Plan};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook file
    runbook: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Markdown,
    Json,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(&args.runbook, args.format)
}

pub fn run(path: &Path, format: PlanFormat) -> Result<Exit> {
    let loaded = crate::runbook::open(path)?;
    let plan = Plan::new(&loaded.runbook);
    let text = match format {
        PlanFormat::Table => {
            let width = (!std::io::stdout().is_terminal()).then_some(crate::present::DEFAULT_WIDTH);
            render::text(&plan, width)
        }
        PlanFormat::Markdown => render::markdown(&plan),
        PlanFormat::Json => render::json(&plan),
    };
    crate::output::write(loaded.runbook.secrets.redact(&text).as_bytes());
    Ok(Exit::Done)
}
