//! The process exit codes, one place for all of them (documented in --help and README).

/// Why `cutover` exited. The numbers are a contract with scripts: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every step done; every check passed.
    Done = 0,
    /// A step or check failed, or the operator aborted.
    Failed = 1,
    /// Invalid runbook or usage, including a cluster_id mismatch.
    Invalid = 2,
    /// Stopped on a check whose last result was an error (cluster unreachable, API unsupported).
    CheckError = 3,
    /// Another run holds the lock of these clusters.
    Locked = 4,
    /// Refused because of an earlier run's state: the runbook changed since the run started,
    /// the run was already rolled back, an earlier run is unfinished, an orphaned action of
    /// the run still runs (`--rerun`), or its journal has an event from a newer version.
    ResumeRefused = 5,
    /// The run reached its end, but with skipped steps (each named with its reason).
    FinishedWithSkips = 6,
    /// The rollback reached its end, but steps without undo_verifies were done unattended
    /// (`--yes`): nothing checked them and no person confirmed them (each named).
    Unconfirmed = 7,
    /// A person's decision is needed and there is no terminal to ask on.
    NeedsDecision = 10,
    /// Interrupted by Ctrl-C.
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    done: every step done, every check passed
  1    a step or check failed, or the operator aborted
  2    invalid runbook or usage (a cluster_id mismatch included)
  3    stopped on a check whose last result was an error (cluster unreachable, API unsupported)
  4    the clusters are locked by another run (named in the message)
  5    refused because of an earlier run's state (runbook changed since the run started,
       already rolled back, an unfinished earlier run, an orphaned action still running,
       a journal event written by a newer version)
  6    finished, but with skipped steps (named, with their reasons)
  7    a rollback finished, but steps without undo_verifies were done unattended (--yes):
       nothing checked them and no person confirmed them (named; `cutover confirm` records
       a check made later)
  10   a person's decision is needed and there is no terminal
  130  interrupted";
