//! `cutover report [RUN_ID] [--format markdown|html|json] [-o FILE]`. Without a run id: the
//! newest forward run (the night's run, not its rollback), with its rollbacks appended.

use std::path::Path;

use super::runs;
use crate::cli::ReportFormat;
use crate::exit_code::Exit;
use crate::report;

pub fn run(
    flag: Option<&Path>,
    run_id: Option<&str>,
    format: ReportFormat,
    output: Option<&Path>,
) -> Exit {
    let found = match runs::locate(flag, run_id, runs::Default::NewestForward) {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    let built = report::build(&found.state_dir, &found.state);
    let report = match built {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let text = match format {
        ReportFormat::Markdown => report::markdown::render(&report),
        ReportFormat::Html => report::html::render(&report),
        ReportFormat::Json => report::json(&report),
    };
    match output {
        None => {
            crate::output::write(text.as_bytes());
            Exit::Done
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!(
                    "Report of run {} written to {}",
                    report.run_id,
                    path.display()
                );
                Exit::Done
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                Exit::Failed
            }
        },
    }
}
