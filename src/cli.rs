//! Command-line interface: lists the commands and dispatches to them (cargo's
//! `commands/mod.rs`). Each command file owns its arguments (`Args`) and what it does
//! (`exec`); errors are returned to `main`, which prints them once.

use clap::{Parser, Subcommand};

use crate::commands::{
    abandon, check, completions, confirm, demo, init, man, plan, report, resume, rollback, run,
    runs, status, validate,
};
use crate::error::Result;
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
    Validate(validate::Args),
    /// Generate a runbook from a MirrorMaker 2 properties file or a Strimzi KafkaMirrorMaker2
    #[command(after_help = EXIT_CODES_HELP)]
    Init(init::Args),
    /// Run the checks of the named steps once against both clusters
    #[command(after_help = EXIT_CODES_HELP)]
    Check(check::Args),
    /// Execute the runbook step by step: checks, confirmations, actions, journal
    #[command(after_help = EXIT_CODES_HELP)]
    Run(run::Args),
    /// Continue an interrupted, crashed or aborted run after its last finished step
    #[command(after_help = EXIT_CODES_HELP)]
    Resume(resume::Args),
    /// Undo what a run did, newest step first: undo actions, undo_verifies, manual steps
    #[command(after_help = EXIT_CODES_HELP)]
    Rollback(rollback::Args),
    /// The record of a run, built from its journal: timeline, confirmations, evidence
    Report(report::Args),
    /// A whole cutover on two embedded clusters, through the real executor
    Demo(demo::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(completions::Args),
    /// Print the man page (roff)
    Man,
    /// Where a run stands, step by step
    Status(status::Args),
    /// List the runs: the state directory here and every one in the per-user index
    Runs(runs::Args),
    /// Give up an unfinished run, journaled: it is no longer resumed nor blocks a new run
    #[command(after_help = EXIT_CODES_HELP)]
    Abandon(abandon::Args),
    /// Record that steps done but not confirmed (exit 7) were checked by hand, journaled
    #[command(after_help = EXIT_CODES_HELP)]
    Confirm(confirm::Args),
    /// Show the forward plan tier by tier and the generated rollback plan
    #[command(after_help = EXIT_CODES_HELP)]
    Plan(plan::Args),
}

/// Parse the arguments and run the command: its exit code, or the error that stopped it.
pub fn run() -> Result<Exit> {
    let cli = Cli::try_parse()?;
    // https://no-color.org: the progress spinner (the only styled output) stays plain.
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    // ripgrep's convention: a reading command whose stdout is closed ends quietly (exit 0);
    // a command that changes or judges something goes on and keeps its exit code.
    if matches!(
        cli.command,
        Command::Run(_)
            | Command::Resume(_)
            | Command::Rollback(_)
            | Command::Check(_)
            | Command::Demo(_)
            | Command::Abandon(_)
            | Command::Confirm(_)
            | Command::Init(_)
    ) {
        crate::output::on_closed_stdout(crate::output::Closed::KeepGoing);
    }
    match cli.command {
        Command::Validate(args) => validate::exec(args),
        Command::Init(args) => init::exec(args),
        Command::Check(args) => check::exec(args),
        Command::Run(args) => run::exec(args),
        Command::Resume(args) => resume::exec(args),
        Command::Rollback(args) => rollback::exec(args),
        Command::Report(args) => report::exec(args),
        Command::Demo(args) => demo::exec(args),
        // Both print what clap knows of the commands above.
        Command::Completions(args) => {
            completions::exec(args, <Cli as clap::CommandFactory>::command())
        }
        Command::Man => man::exec(<Cli as clap::CommandFactory>::command()),
        Command::Status(args) => status::exec(args),
        Command::Runs(args) => runs::exec(args),
        Command::Abandon(args) => abandon::exec(args),
        Command::Confirm(args) => confirm::exec(args),
        Command::Plan(args) => plan::exec(args),
    }
}
