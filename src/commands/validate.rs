//! `cutover validate RUNBOOK`

use std::path::Path;

use crate::exit_code::Exit;

pub fn run(path: &Path) -> Exit {
    let loaded = match super::load_runbook(path) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let runbook = &loaded.runbook;
    let steps = runbook.steps().count();
    let checks: usize = runbook
        .steps()
        .map(|s| s.requires.len() + s.verifies.len() + s.undo_verifies.len())
        .sum();
    let warnings = match loaded.warnings.len() {
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
    Exit::Done
}
