//! `cutover demo [--yes] [--keep] [--rollback]` and `cutover demo control ...`

use std::path::PathBuf;

use clap::Subcommand;

use crate::demo;
use crate::error::Result;
use crate::exit_code::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn exec(args: Args) -> Result<Exit> {
    match args.control {
        Some(DemoCommand::Control { words }) => control(&words),
        None => run(args.yes, args.keep, args.rollback, args.dir),
    }
}

pub fn run(yes: bool, keep: bool, rollback: bool, dir: Option<PathBuf>) -> Result<Exit> {
    demo::run(demo::Options {
        yes,
        keep,
        rollback,
        dir: dir.unwrap_or_else(|| PathBuf::from("cutover-demo")),
    })
}

pub fn control(words: &[String]) -> Result<Exit> {
    demo::control::client(words)
}
