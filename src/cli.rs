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
        /// Check everything but the environment: an unset ${VAR} is a note, not an error (for
        /// a pull-request job without the secrets)
        #[arg(long)]
        no_env: bool,
    },
    /// Generate a runbook from a MirrorMaker 2 properties file or a Strimzi KafkaMirrorMaker2
    #[command(after_help = EXIT_CODES_HELP)]
    Init {
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
    /// Execute the runbook step by step: checks, confirmations, actions, journal
    #[command(after_help = EXIT_CODES_HELP)]
    Run {
        /// The runbook file
        runbook: PathBuf,
        /// Rehearse: evaluate every check once for real, show actions without running them
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: run `command` checks too (they are not read-only)
        #[arg(long, requires = "dry_run")]
        run_commands: bool,
        /// Start over although an unfinished run of this runbook exists: abandons it (journaled)
        #[arg(long)]
        new: bool,
        #[command(flatten)]
        answering: AnsweringArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Continue an interrupted, crashed or aborted run after its last finished step
    #[command(after_help = EXIT_CODES_HELP)]
    Resume {
        /// The run (default: the newest unfinished run)
        run_id: Option<String>,
        /// Mark this step's in-doubt action as done (repeatable)
        #[arg(long = "mark-done", value_name = "STEP")]
        mark_done: Vec<String>,
        /// Run this step's in-doubt action again (repeatable)
        #[arg(long = "rerun", value_name = "STEP")]
        rerun: Vec<String>,
        /// Resume although the runbook changed since the run started (clusters, checks,
        /// actions, parameters); the changes are journaled
        #[arg(long = "accept-changes", alias = "force")]
        accept_changes: bool,
        /// With --yes, a resumed rollback may go back past the point of no return
        #[arg(long)]
        past_point_of_no_return: bool,
        /// A rollback only: go on without this cluster (source or target), e.g. when it went
        /// down since the rollback started (needs --reason; journaled)
        #[arg(long, value_name = "CLUSTER", value_parser = ["source", "target"], requires = "reason")]
        without: Vec<String>,
        /// Why the rollback goes on without the cluster (journaled, shown in reports)
        #[arg(long, value_name = "TEXT", requires = "without")]
        reason: Option<String>,
        #[command(flatten)]
        answering: AnsweringArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Undo what a run did, newest step first: undo actions, undo_verifies, manual steps
    #[command(after_help = EXIT_CODES_HELP)]
    Rollback {
        /// The forward run to undo (default: the newest run that is not a rehearsal)
        run_id: Option<String>,
        /// Rehearse the rollback: nothing is executed
        #[arg(long)]
        dry_run: bool,
        /// With --yes, go back past the point of no return without typing its step id
        #[arg(long)]
        past_point_of_no_return: bool,
        /// Roll back although a rollback of this run already finished (journaled)
        #[arg(long)]
        again: bool,
        /// Go on without this cluster (source or target), e.g. when it is down: its undo_verifies
        /// are not evaluated and those steps are confirmed by hand (needs --reason; journaled)
        #[arg(long, value_name = "CLUSTER", value_parser = ["source", "target"], requires = "reason")]
        without: Vec<String>,
        /// Why the rollback goes on without the cluster (journaled, shown in reports)
        #[arg(long, value_name = "TEXT", requires = "without")]
        reason: Option<String>,
        #[command(flatten)]
        answering: AnsweringArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// The record of a run, built from its journal: timeline, confirmations, evidence
    Report {
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
    },
    /// A whole cutover on two embedded clusters, through the real executor
    Demo {
        /// Confirm every step (unattended)
        #[arg(long, short = 'y')]
        yes: bool,
        /// Keep the embedded clusters up after the run, until Ctrl-C
        #[arg(long)]
        keep: bool,
        /// Roll the run back afterwards, newest step first
        #[arg(long)]
        rollback: bool,
        /// Where the demo keeps its runbook, runs and reports
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(subcommand)]
        control: Option<DemoCommand>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Where a run stands, step by step
    Status {
        /// The run, from any directory (default: the newest run or rehearsal, with its rollbacks)
        run_id: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// List the runs: the state directory here and every one in the per-user index
    Runs {
        #[command(flatten)]
        state: StateArgs,
    },
    /// Give up an unfinished run, journaled: it is no longer resumed nor blocks a new run
    #[command(after_help = EXIT_CODES_HELP)]
    Abandon {
        /// The run to abandon
        run_id: String,
        /// Why (journaled, shown by status and in reports)
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        state: StateArgs,
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

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Send a command to a running demo's world (used by the demo runbook's actions)
    #[command(hide = true)]
    Control {
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct AnsweringArgs {
    /// Answer every confirmation yes (the point of no return included); a failed action or
    /// check still aborts the run
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Answers from a file, one per line (yes, no, retry, skip: REASON, abort, mark-done,
    /// rerun, wait, or a step id at the point of no return); after "no" to a step, the next
    /// line is wait, skip: REASON or abort, and after abort, yes confirms it
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Abort safely when a prompt gets no answer for this long (e.g. 15m)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub prompt_timeout: Option<std::time::Duration>,
}

impl AnsweringArgs {
    fn answering(&self) -> commands::run::Answering {
        commands::run::Answering {
            yes: self.yes,
            // Absolute: a resume or rollback may go to the run's working directory.
            answers: self
                .answers
                .as_ref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())),
            prompt_timeout: self.prompt_timeout,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// Where runs, journals and locks are kept (default: `.cutover` beside the runbook, or
    /// $CUTOVER_STATE_DIR; a run id is looked up in ./.cutover and every state directory in
    /// the per-user index)
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    Requires,
    Verifies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
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
    // https://no-color.org: the progress spinner (the only styled output) stays plain.
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    // ripgrep's convention: a reading command whose stdout is closed ends quietly (exit 0);
    // a command that changes or judges something goes on and keeps its exit code.
    if matches!(
        cli.command,
        Command::Run { .. }
            | Command::Resume { .. }
            | Command::Rollback { .. }
            | Command::Check { .. }
            | Command::Demo { .. }
            | Command::Abandon { .. }
            | Command::Init { .. }
    ) {
        crate::output::on_closed_stdout(crate::output::Closed::KeepGoing);
    }
    let exit = match cli.command {
        Command::Validate { runbook, no_env } => commands::validate::run(&runbook, no_env),
        Command::Init {
            from,
            flow,
            output,
            force,
            discover,
        } => commands::init::run(commands::init::Args {
            from: &from,
            output: output.as_deref(),
            force,
            options: crate::init::Options { flow, discover },
        }),
        Command::Plan { runbook, format } => commands::plan::run(&runbook, format),
        Command::Run {
            runbook,
            dry_run,
            run_commands,
            new,
            answering,
            state,
        } => match commands::unfinished::prepare(
            state.state_dir.as_deref(),
            &runbook,
            new && !dry_run,
        ) {
            Ok(state_dir) => commands::run::run(
                &runbook,
                &state_dir,
                &answering.answering(),
                dry_run,
                run_commands,
            ),
            Err(exit) => exit,
        },
        Command::Rollback {
            run_id,
            dry_run,
            past_point_of_no_return,
            again,
            without,
            reason,
            answering,
            state,
        } => {
            let answering = answering.answering();
            let reason = reason.unwrap_or_default();
            let without = without.into_iter().map(|c| (c, reason.clone())).collect();
            match commands::runs::locate(
                state.state_dir.as_deref(),
                run_id.as_deref(),
                commands::runs::Default::NewestRun,
            )
            .and_then(|found| {
                let id = found.state.run_id.clone();
                commands::runs::enter_working_dir(found, &id)
            }) {
                Ok(found) => commands::rollback::run(
                    &found.state_dir,
                    commands::rollback::Options {
                        run_id: Some(&found.state.run_id),
                        dry_run,
                        past_point_of_no_return,
                        again,
                        without,
                    },
                    &answering,
                ),
                Err(exit) => exit,
            }
        }
        Command::Resume {
            run_id,
            mark_done,
            rerun,
            accept_changes,
            past_point_of_no_return,
            without,
            reason,
            answering,
            state,
        } => {
            let answering = answering.answering();
            let reason = reason.unwrap_or_default();
            let without = without.into_iter().map(|c| (c, reason.clone())).collect();
            match commands::runs::locate_for_resume(state.state_dir.as_deref(), run_id.as_deref())
                .and_then(|found| {
                    let id = found.state.run_id.clone();
                    commands::runs::enter_working_dir(found, &id)
                }) {
                Ok(found) => commands::resume::run(
                    &found.state_dir,
                    commands::resume::Options {
                        run_id: Some(&found.state.run_id),
                        accept_changes,
                        mark_done,
                        rerun,
                        past_point_of_no_return,
                        without,
                    },
                    &answering,
                ),
                Err(exit) => exit,
            }
        }
        Command::Report {
            run_id,
            format,
            output,
            state,
        } => commands::report::run(
            state.state_dir.as_deref(),
            run_id.as_deref(),
            format,
            output.as_deref(),
        ),
        Command::Demo {
            control: Some(DemoCommand::Control { words }),
            ..
        } => commands::demo::control(&words),
        Command::Demo {
            yes,
            keep,
            rollback,
            dir,
            control: None,
        } => commands::demo::run(yes, keep, rollback, dir),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "cutover", &mut script);
            // A closed pipe (`| head`) ends it quietly with exit 0.
            crate::output::write(&script);
            Exit::Done
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => {
                    crate::output::write(&page);
                    Exit::Done
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Exit::Failed
                }
            }
        }
        Command::Status { run_id, state } => {
            commands::status::run(state.state_dir.as_deref(), run_id.as_deref())
        }
        Command::Runs { state } => commands::runs::run(state.state_dir.as_deref()),
        Command::Abandon {
            run_id,
            reason,
            state,
        } => commands::abandon::run(state.state_dir.as_deref(), &run_id, &reason),
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
