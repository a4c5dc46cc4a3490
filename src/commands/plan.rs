//! `cutover plan RUNBOOK [--format table|markdown|json]`

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::PlanFormat;
use crate::error::Result;
use crate::exit_code::Exit;
use crate::plan::{render, Plan};

pub fn run(path: &Path, format: PlanFormat) -> Result<Exit> {
    let loaded = super::load_runbook(path)?;
    let plan = Plan::new(&loaded.runbook);
    let text = match format {
        PlanFormat::Table => {
            let width = (!std::io::stdout().is_terminal()).then_some(render::DEFAULT_WIDTH);
            render::text(&plan, width)
        }
        PlanFormat::Markdown => render::markdown(&plan),
        PlanFormat::Json => render::json(&plan),
    };
    crate::output::write(loaded.runbook.secrets.redact(&text).as_bytes());
    Ok(Exit::Done)
}
