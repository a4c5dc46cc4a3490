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

/// `--without CLUSTER --reason TEXT`: a rollback (started or resumed) goes on without a
/// cluster, e.g. one that is down.
#[derive(Debug, clap::Args)]
pub struct WithoutArgs {
    /// A rollback only: go on without this cluster (source or target), e.g. when it is down:
    /// its undo_verifies are not evaluated and those steps need a person to confirm them
    /// (under --yes: done, not confirmed, exit 7); needs --reason; journaled
    #[arg(long, value_name = "CLUSTER", value_parser = ["source", "target"], requires = "reason")]
    pub without: Vec<String>,
    /// Why the rollback goes on without the cluster (journaled, shown in reports)
    #[arg(long, value_name = "TEXT", requires = "without")]
    pub reason: Option<String>,
}

impl WithoutArgs {
    /// Each cluster left out, with the reason given.
    pub fn clusters(self) -> std::collections::BTreeMap<String, String> {
        let reason = self.reason.unwrap_or_default();
        self.without
            .into_iter()
            .map(|c| (c, reason.clone()))
            .collect()
    }
}
