//! `cutover resume [RUN_ID]`: continue an interrupted, crashed or aborted run after its last
//! finished step. An action that was started but has no result is in doubt: never re-run
//! silently, never marked done without evidence. The session is `crate::session::resume`.

use std::path::Path;

use crate::exit_code::Exit;
use crate::session::{self, Answering, ResumeOptions};

pub struct Options<'a> {
    pub run_id: Option<&'a str>,
    /// `--accept-changes` (hidden alias `--force`).
    pub accept_changes: bool,
    pub mark_done: Vec<String>,
    pub rerun: Vec<String>,
    pub past_point_of_no_return: bool,
    /// A rollback's `--without CLUSTER --reason TEXT` (journaled on the resume).
    pub without: std::collections::BTreeMap<String, String>,
}

pub fn run(state_dir: &Path, options: Options<'_>, answering: &Answering) -> Exit {
    session::resume(
        state_dir,
        ResumeOptions {
            run_id: options.run_id,
            accept_changes: options.accept_changes,
            mark_done: options.mark_done,
            rerun: options.rerun,
            past_point_of_no_return: options.past_point_of_no_return,
            without: options.without,
        },
        answering,
    )
}
