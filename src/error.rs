//! The one error of `cutover` (cargo's `CliError`, casey/just's `error.rs`): what went wrong
//! and the exit code it means. Modules return it with `?`; only the edge (`main`) prints it,
//! once: one `error:` line, then its hint lines.

use std::fmt;
use std::io::Write;

use crate::exit_code::Exit;

/// Why a command stopped before (or instead of) doing its work.
#[derive(Debug)]
pub enum Error {
    /// `error: MESSAGE` (a message may hold a list on the lines after it), then the hint
    /// lines as they are.
    Message {
        exit: Exit,
        message: String,
        hints: Vec<String>,
    },
    /// Problems found in a file, each on its own `FILE:LINE[:COLUMN]: error: ...` line, as
    /// compilers print them (a runbook's problems, a MirrorMaker 2 file's). Exit 2.
    Problems(Vec<String>),
    /// Not an error: there is nothing to do (e.g. nothing to resume). The note is printed as
    /// it is, and the exit code is 0.
    Nothing(String),
    /// The command line did not parse, or asked for `--help` / `--version`: clap prints it.
    Usage(clap::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Error::Message {
            exit,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Invalid runbook or usage (exit 2).
    pub fn invalid(message: impl fmt::Display) -> Self {
        Self::new(Exit::Invalid, message.to_string())
    }

    /// Anything else that failed (exit 1): I/O, a journal that cannot be written.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::new(Exit::Failed, message.to_string())
    }

    /// A line printed after the `error:` line, as it is (what to do about it).
    pub fn hint(mut self, line: impl Into<String>) -> Self {
        if let Error::Message { hints, .. } = &mut self {
            hints.push(line.into());
        }
        self
    }

    /// The process exit code this error means.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Message { exit, .. } => *exit,
            Error::Problems(_) => Exit::Invalid,
            Error::Nothing(_) => Exit::Done,
            Error::Usage(e) => match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Exit::Done
                }
                _ => Exit::Invalid,
            },
        }
    }

    /// Print it to stderr (clap's own output for usage), once, at the edge. A closed stderr
    /// is not an error of its own.
    pub fn print(&self) {
        if let Error::Usage(e) = self {
            let _ = e.print();
            return;
        }
        let stderr = std::io::stderr();
        let _ = write!(stderr.lock(), "{self}");
    }
}

/// The text `print` writes: every line ends with a newline.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Message { message, hints, .. } => {
                writeln!(f, "error: {message}")?;
                for hint in hints {
                    writeln!(f, "{hint}")?;
                }
                Ok(())
            }
            Error::Problems(lines) => lines.iter().try_for_each(|line| writeln!(f, "{line}")),
            Error::Nothing(note) => writeln!(f, "{note}"),
            Error::Usage(e) => write!(f, "{e}"),
        }
    }
}

impl From<clap::Error> for Error {
    fn from(e: clap::Error) -> Self {
        Error::Usage(e)
    }
}

/// Tests compare what the executor returns with an exit code: `Ok(exit)` equals `exit`.
#[cfg(test)]
impl PartialEq<Exit> for Result<Exit> {
    fn eq(&self, exit: &Exit) -> bool {
        matches!(self, Ok(e) if e == exit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_one_error_line_then_its_hints() {
        let e = Error::invalid("no run `x`").hint("  list them: cutover runs");
        assert_eq!(
            e.to_string(),
            "error: no run `x`\n  list them: cutover runs\n"
        );
        assert_eq!(e.exit(), Exit::Invalid);
    }

    #[test]
    fn problems_are_printed_as_located_and_exit_2() {
        let e = Error::Problems(vec!["a.yaml:1:1: error: x".into()]);
        assert_eq!(e.to_string(), "a.yaml:1:1: error: x\n");
        assert_eq!(e.exit(), Exit::Invalid);
        assert_eq!(
            Error::Nothing("Nothing to resume.".into()).exit(),
            Exit::Done
        );
    }
}
