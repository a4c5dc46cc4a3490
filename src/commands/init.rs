//! `cutover init --from FILE [--flow SOURCE->TARGET] [-o RUNBOOK] [--force] [--discover]`

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::exit_code::Exit;
use crate::init::{self, Options};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The MirrorMaker 2 configuration (properties file or KafkaMirrorMaker2 YAML)
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// The replication flow, when several are enabled
    #[arg(long, value_name = "SOURCE->TARGET")]
    flow: Option<String>,
    /// Write the runbook to this file instead of stdout
    #[arg(long, short = 'o', value_name = "RUNBOOK")]
    output: Option<PathBuf>,
    /// Overwrite the -o file if it exists
    #[arg(long)]
    force: bool,
    /// Connect to the source (read-only) and write the topics and groups the filters select
    #[arg(long)]
    discover: bool,
}

pub fn exec(args: Args) -> Result<Exit> {
    run(Request {
        from: &args.from,
        output: args.output.as_deref(),
        force: args.force,
        options: Options {
            flow: args.flow,
            discover: args.discover,
        },
    })
}

pub struct Request<'a> {
    pub from: &'a Path,
    pub output: Option<&'a Path>,
    pub force: bool,
    pub options: Options,
}

pub fn run(args: Request<'_>) -> Result<Exit> {
    // Refuse before any work (and before --discover connects anywhere).
    if let Some(output) = args.output {
        if !args.force && output.exists() {
            return Err(Error::invalid(format!(
                "{} exists: cutover init does not overwrite it without --force",
                output.display()
            )));
        }
    }
    // Its error names the file and line: `FILE:LINE: error: ...`.
    let generated = init::generate(args.from, &args.options)
        .map_err(|error| Error::Problems(vec![error.to_string()]))?;
    let file = args.from.display();
    for w in &generated.warnings {
        match w.origin.line {
            Some(line) => eprintln!("{file}:{line}: warning: {}", w.message),
            None => eprintln!("{file}: warning: {} (MirrorMaker 2's default)", w.message),
        }
    }
    match args.output {
        None => {
            let _ = std::io::stdout().write_all(generated.text.as_bytes());
            Ok(Exit::Done)
        }
        Some(output) => {
            let written = if args.force {
                std::fs::write(output, &generated.text)
            } else {
                // create_new: a file that appeared since the check above is still not overwritten.
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(output)
                    .and_then(|mut f| f.write_all(generated.text.as_bytes()))
            };
            match written {
                Ok(()) => {
                    eprintln!(
                        "{}: written from {file}; set its variables, then `{} validate {}`",
                        output.display(),
                        crate::journal::rundir::program(),
                        crate::journal::rundir::shell_word(&output.display().to_string())
                    );
                    Ok(Exit::Done)
                }
                Err(e) => Err(Error::invalid(format!(
                    "cannot write {}: {e}",
                    output.display()
                ))),
            }
        }
    }
}
