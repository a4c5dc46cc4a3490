//! Argument groups several commands share (cargo's `command_prelude`).

use std::path::PathBuf;

use crate::session::Answering;

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
    pub fn answering(&self) -> Answering {
        Answering {
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
