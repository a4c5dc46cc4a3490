//! Command-line interface: arguments, dispatch, and turning errors into exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::exit_code::{Exit, EXIT_CODES_HELP};

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Walk an operator through moving live Kafka workloads from one cluster to another",
    long_about = "Walk an operator through moving live Kafka workloads from one cluster to another.\n\n\
        A YAML runbook lists tiers of steps (upstream producers, dam apps, downstream consumers); \
        each step has an action, checks against both clusters, and an undo for the rollback.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a runbook: YAML, fields, durations, regexes, environment variables, properties files
    #[command(after_help = EXIT_CODES_HELP)]
    Validate {
        /// The runbook file
        runbook: PathBuf,
    },
    /// Run the checks of the named steps once against both clusters
    #[command(after_help = EXIT_CODES_HELP)]
    Check {
        /// The runbook file
        runbook: PathBuf,
        /// Only this step's checks (repeatable); all steps when omitted
        #[arg(long = "step", value_name = "ID")]
        steps: Vec<String>,
        /// Only the checks of this phase; both when omitted
        #[arg(long, value_enum)]
        phase: Option<Phase>,
        /// JSON Lines on stdout: one object per check, then a summary
        #[arg(long)]
        json: bool,
        /// Show passing items too (only failing ones and the first 20 passing by default)
        #[arg(long)]
        all: bool,
    },
    /// Show the forward plan tier by tier and the generated rollback plan
    #[command(after_help = EXIT_CODES_HELP)]
    Plan {
        /// The runbook file
        runbook: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
        format: PlanFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    Requires,
    Verifies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Markdown,
    Json,
}

/// Parse the arguments, run the command, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Exit::Done.into()
                }
                _ => Exit::Invalid.into(),
            };
        }
    };
    let exit = match cli.command {
        Command::Validate { runbook } => commands::validate::run(&runbook),
        Command::Plan { runbook, format } => commands::plan::run(&runbook, format),
        Command::Check {
            runbook,
            steps,
            phase,
            json,
            all,
        } => commands::check::run(
            &runbook,
            commands::check::Options {
                steps: &steps,
                phase,
                json,
                all,
            },
        ),
    };
    exit.into()
}
