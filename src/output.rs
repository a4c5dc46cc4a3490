//! Where output goes, and what a closed pipe does to it (ripgrep's conventions).
//!
//! - The transcript (what a command reports) goes to stdout through [`line`] and [`write`].
//! - A reading command (`plan`, `validate`, `report`, `status`, `runs`, `man`,
//!   `completions`) whose stdout is closed (`| head`) has nothing left to do: it ends quietly
//!   with exit 0 ([`Closed::Quit`], the default).
//! - A command that changes or judges something (`run`, `resume`, `rollback`, `check`) goes
//!   on without its transcript ([`Closed::KeepGoing`]): its outcome and exit code never
//!   depend on a reader; [`transcript_lost`] tells the engine to journal it.
//! - Prompts and live progress go to the terminal ([`terminal`]): `/dev/tty` when stderr is
//!   not one (`2>&1 | tee log`), so a question is never written into a log file only.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a closed stdout does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// End the process quietly with exit 0: nobody reads what is left.
    Quit,
    /// Go on; the transcript is lost (noted once, see [`transcript_lost`]).
    KeepGoing,
}

static KEEP_GOING: AtomicBool = AtomicBool::new(false);
static LOST: AtomicBool = AtomicBool::new(false);

/// Set by the command before it writes anything.
pub fn on_closed_stdout(closed: Closed) {
    KEEP_GOING.store(closed == Closed::KeepGoing, Ordering::SeqCst);
}

/// Stdout was closed during this process (only with [`Closed::KeepGoing`]).
pub fn transcript_lost() -> bool {
    LOST.load(Ordering::SeqCst)
}

static NOTED: AtomicBool = AtomicBool::new(false);

/// True once, the first time it is asked after the transcript was lost: the engine
/// journals the loss then.
pub fn take_lost_notice() -> bool {
    transcript_lost() && !NOTED.swap(true, Ordering::SeqCst)
}

/// What a failed stdout write means: a closed pipe quits or is remembered; any other error
/// (a full disk behind a redirection) is remembered too, since a run must not stop for it.
pub fn stdout_failed(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe && !KEEP_GOING.load(Ordering::SeqCst) {
        std::process::exit(0);
    }
    LOST.store(true, Ordering::SeqCst);
}

/// Write `bytes` to stdout (flushed).
pub fn write(bytes: &[u8]) {
    if LOST.load(Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        stdout_failed(&e);
    }
}

/// One line of the transcript on stdout.
pub fn line(text: &str) {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    write(&bytes);
}

/// `println!` that never panics on a closed stdout (see the module doc).
#[macro_export]
macro_rules! outln {
    () => { $crate::output::line("") };
    ($($arg:tt)*) => { $crate::output::line(&format!($($arg)*)) };
}

/// Where prompts and live progress go: stderr when it is a terminal, else `/dev/tty` when
/// there is one, else stderr (where a log may at least keep them).
pub fn terminal() -> Box<dyn Write> {
    if !std::io::stderr().is_terminal() {
        if let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            return Box::new(tty);
        }
    }
    Box::new(std::io::stderr())
}

/// A progress bar can be drawn: stderr is a terminal that knows its size and is not dumb.
pub fn can_draw_progress() -> bool {
    let term = std::env::var("TERM").unwrap_or_default();
    if term.is_empty() || term == "dumb" {
        return false;
    }
    std::io::stderr().is_terminal()
        && console::Term::stderr()
            .size_checked()
            .is_some_and(|(_, columns)| columns >= 40)
}
