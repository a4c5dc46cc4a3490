//! The durable journal: `.cutover/runs/<run-id>/journal.jsonl`, append-only, one event per
//! line, each line fsynced before the tool moves on. An action's intent is on disk before the
//! action starts, so a crash can always tell "never started" from "in doubt".

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runbook::Secrets;

/// What kind of run a run directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Run,
    Rehearsal,
    Rollback,
}

/// One journal line. `Other` keeps lines this version does not know (written by a newer one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        kind: RunKind,
        /// The runbook's `name`, so reports need nothing but the journal.
        #[serde(default)]
        name: String,
        runbook: String,
        runbook_sha256: String,
        /// Step ids in order, with a fingerprint of their actions, to refuse a changed resume.
        steps: Vec<String>,
        steps_fingerprint: String,
        /// For a rollback: the forward run it undoes (`steps` are then the steps it undoes,
        /// in the order they were done).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollback_of: Option<String>,
        /// Nothing is executed: a rehearsal, or a rehearsed rollback.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        dry_run: bool,
        /// The cluster ids seen at the start (source, target): a resume must find the same.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        cluster_ids: std::collections::BTreeMap<String, String>,
        user: String,
        host: String,
        pid: u32,
        version: String,
    },
    Resumed {
        user: String,
        host: String,
        pid: u32,
        forced: bool,
    },
    StepStarted {
        step: String,
        tier: String,
    },
    Check {
        step: String,
        phase: String,
        kind: String,
        status: String,
        summary: String,
        /// Present on a check's final result of a wait; polls in between carry progress only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        items: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remaining: Option<i64>,
        elapsed_ms: u64,
    },
    /// One poll of a step's checks (issue 14): which round, how long its evaluation took,
    /// and when it started (since the wait began). Written before the round's `check` events.
    Poll {
        step: String,
        phase: String,
        round: u32,
        took_ms: u64,
        elapsed_ms: u64,
    },
    Confirmation {
        step: String,
        prompt: String,
        answer: String,
        by: String,
        user: String,
        host: String,
    },
    ActionIntent {
        step: String,
        command: String,
        attempt: u32,
        log: String,
    },
    ActionResult {
        step: String,
        attempt: u32,
        exit: Option<i32>,
        timed_out: bool,
        interrupted: bool,
        duration_ms: u64,
    },
    Decision {
        step: String,
        choice: String,
        reason: Option<String>,
        by: String,
    },
    StepDone {
        step: String,
        /// A rollback step without undo_verifies, confirmed by hand only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unchecked: bool,
    },
    StepSkipped {
        step: String,
        reason: String,
    },
    RunFinished,
    RunAborted {
        reason: String,
        exit: i32,
    },
    Interrupted {
        during: String,
    },
    /// The run will not be resumed: `cutover abandon`, or `cutover run --new` starting over.
    /// It no longer counts as unfinished; a forward run can still be rolled back.
    Abandoned {
        reason: String,
        user: String,
        host: String,
    },
}

/// A journal line as stored: the event plus its sequence number and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub time: String,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the journal {path} is damaged at line {line}: {reason}; nothing was executed")]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

pub struct Journal {
    path: PathBuf,
    file: File,
    next_seq: u64,
    secrets: Secrets,
    /// Test hook: abort the process right after this many events are written (crash tests).
    crash_after: Option<u64>,
}

impl Journal {
    /// Open (creating) the journal for appending; `next_seq` continues an existing one.
    pub fn open(path: &Path, next_seq: u64, secrets: Secrets) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        let crash_after = std::env::var("CUTOVER_TEST_CRASH_AFTER_EVENT")
            .ok()
            .and_then(|n| n.parse().ok());
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            next_seq,
            secrets,
            crash_after,
        })
    }

    /// Append one event and fsync it. Nothing that follows may happen before this returns.
    pub fn record(&mut self, event: Event) -> Result<(), JournalError> {
        let entry = Entry {
            seq: self.next_seq,
            time: now(),
            event,
        };
        let line = serde_json::to_string(&entry).expect("journal events serialize");
        let line = self.secrets.redact(&line);
        let write = |file: &mut File| -> std::io::Result<()> {
            file.write_all(line.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_data()
        };
        write(&mut self.file).map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.next_seq += 1;
        if self.crash_after.is_some_and(|n| self.next_seq > n) {
            // Simulates kill -9 right after this event: no destructors, no flushing.
            std::process::abort();
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What reading a journal found.
pub struct Contents {
    pub entries: Vec<Entry>,
    /// A last line without its newline (the process died mid-write): ignored, with a warning.
    pub torn_tail: bool,
    /// Bytes up to the end of the last whole line: where appending must continue.
    pub valid_len: u64,
}

/// Read a whole journal. A torn last line is ignored; damage anywhere else is an error.
pub fn read(path: &Path) -> Result<Contents, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::new(file);
    let mut entries = Vec::new();
    let mut torn_tail = false;
    let mut valid_len = 0u64;
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|source| JournalError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = line.ends_with('\n');
        match serde_json::from_str::<Entry>(line.trim_end()) {
            Ok(entry) if complete => {
                valid_len += read as u64;
                entries.push(entry);
            }
            Ok(_) | Err(_) if !complete => {
                torn_tail = true;
                break;
            }
            Ok(_) => unreachable!("complete lines are handled above"),
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: number,
                    reason: e.to_string(),
                })
            }
        }
    }
    Ok(Contents {
        entries,
        torn_tail,
        valid_len,
    })
}

/// Cut a torn last line off before appending, so the next event starts a line of its own.
pub fn drop_torn_tail(path: &Path, valid_len: u64) -> Result<(), JournalError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|source| JournalError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    file.set_len(valid_len)
        .and_then(|()| file.sync_all())
        .map_err(|source| JournalError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        let mut journal = Journal::open(&path, 1, secrets).unwrap();
        journal
            .record(Event::StepStarted {
                step: "a".into(),
                tier: "t".into(),
            })
            .unwrap();
        journal
            .record(Event::StepSkipped {
                step: "a".into(),
                reason: "password hunter2 expired".into(),
            })
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("hunter2"));
        std::fs::write(&path, format!("{text}{{\"seq\":3,\"ti")).unwrap();
        let contents = read(&path).unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert!(contents.torn_tail);
        assert_eq!(contents.entries[1].seq, 2);
    }

    #[test]
    fn damage_before_the_last_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(
            &path,
            "{\"broken\n{\"seq\":2,\"time\":\"t\",\"event\":\"run_finished\"}\n",
        )
        .unwrap();
        assert!(matches!(
            read(&path),
            Err(JournalError::Corrupt { line: 1, .. })
        ));
    }
}
