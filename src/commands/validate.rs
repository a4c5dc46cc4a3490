//! `cutover validate RUNBOOK [--no-env]`

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::exit_code::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook file
    runbook: PathBuf,
    /// Check everything but the environment: an unset ${VAR} is a note, not an error (for
    /// a pull-request job without the secrets)
    #[arg(long)]
    no_env: bool,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(&args.runbook, args.no_env)
}

/// `no_env`: everything but the environment (a pull-request job without the secrets): an
/// unset variable is a note, not an error.
pub fn run(path: &Path, no_env: bool) -> Result<Exit> {
    let result = if no_env {
        crate::runbook::load_without_env(path)
    } else {
        crate::runbook::load(path)
    };
    let loaded = crate::runbook::open::report(result)?;
    let runbook = &loaded.runbook;
    let steps = runbook.steps().count();
    let checks: usize = runbook
        .steps()
        .map(|s| s.requires.len() + s.verifies.len() + s.undo_verifies.len())
        .sum();
    let warnings = match loaded
        .warnings
        .iter()
        .filter(|w| w.severity == crate::runbook::Severity::Warning)
        .count()
    {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    crate::outln!(
        "{}: valid: \"{}\", {} tiers, {steps} steps, {checks} checks{warnings}",
        path.display(),
        runbook.secrets.redact(&runbook.name),
        runbook.tiers.len()
    );
    Ok(Exit::Done)
}
