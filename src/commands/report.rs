//! `cutover report [RUN_ID] [--format markdown|html|json] [-o FILE]`

use std::path::Path;

use crate::cli::ReportFormat;
use crate::engine::rundir;
use crate::exit_code::Exit;
use crate::report;

pub fn run(
    state_dir: &Path,
    run_id: Option<&str>,
    format: ReportFormat,
    output: Option<&Path>,
) -> Exit {
    let state = match run_id {
        Some(id) => rundir::load(state_dir, id),
        None => rundir::newest(state_dir),
    };
    let built = state.and_then(|state| report::build(state_dir, &state));
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
            print!("{text}");
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
