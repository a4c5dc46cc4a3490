//! The durable journal: `.cutover/runs/<run-id>/journal.jsonl`, append-only, one event per
//! line, each line fsynced before the tool moves on. An action's intent is on disk before the
//! action starts, so a crash can always tell "never started" from "in doubt".

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runbook::Secrets;

pub mod rundir;

/// What kind of run a run directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Run,
    Rehearsal,
    Rollback,
}

/// One journal line. An event this version does not know (written by a newer one) is not
/// damage: reading sets it apart in `Contents::unknown` (`Event::Unknown` is never written),
/// `status` and `report` show it, and `resume` and `rollback` refuse to act on the run, since
/// acting on a journal whose meaning is partly unknown could redo or skip what it records. A
/// line that is not an event at all, or a known event with wrong fields, is damage.
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
        /// The runbook as written, normalized (comments and layout dropped, `${VAR}` kept
        /// as references, literal secrets masked): what a resume compares against.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_content: Option<Value>,
        /// A rollback started with `--again` although an earlier rollback of the same run
        /// finished.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        again: bool,
        /// `rollback --without CLUSTER --reason TEXT`: the clusters left out (not asked at
        /// preflight, their undo_verifies not evaluated), each with the operator's reason.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        without: std::collections::BTreeMap<String, String>,
        user: String,
        host: String,
        pid: u32,
        version: String,
    },
    Resumed {
        user: String,
        host: String,
        pid: u32,
        /// Resumed with `--accept-changes` (or its old name `--force`) over a changed runbook.
        forced: bool,
        /// The runbook's changes since the run started (`path: then -> now`): refused ones
        /// accepted with `--accept-changes`, and noted ones (titles, the name).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<String>,
        /// A rollback resumed with `--without CLUSTER --reason TEXT`: clusters left out from
        /// here on, with the operator's reasons (added to those of its start).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        without: std::collections::BTreeMap<String, String>,
        /// The version of cutover that resumed (an unknown event after it names it).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        version: String,
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
        /// A poll keeps the first 1,000 failing or erroring items and 20 passing ones
        /// (`checks::Keep::SHOWN`), so a wait over a big estate journals a bounded line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        items: Option<Value>,
        /// How many items of each status the check judged, `items` or not (issue 14). Absent:
        /// `items` holds every item (and journals written before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_counts: Option<ItemCounts>,
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
    /// The action's process, journaled as soon as it started (its intent came before it):
    /// its process group and the start time of the group's leader (`/proc/PID/stat`
    /// starttime, clock ticks since boot) with the boot id, so a resume can tell the action
    /// still running from a recycled pid.
    ActionStarted {
        step: String,
        attempt: u32,
        pgid: u32,
        start_time: u64,
        #[serde(default)]
        boot_id: String,
    },
    /// Stdout was closed while the run went on (`| head`): the transcript after this point
    /// was not shown; the journal and the action logs hold everything.
    TranscriptLost,
    ActionResult {
        step: String,
        attempt: u32,
        exit: Option<i32>,
        timed_out: bool,
        interrupted: bool,
        duration_ms: u64,
    },
    /// What the process runner says about an action besides its exit: output cut, background
    /// processes terminated after the shell exited.
    ActionNote {
        step: String,
        attempt: u32,
        note: String,
    },
    Decision {
        step: String,
        choice: String,
        reason: Option<String>,
        by: String,
    },
    /// No answer before `--prompt-timeout`: nothing was decided (never a decision; an
    /// in-doubt action stays in doubt).
    PromptTimedOut {
        step: String,
        prompt: String,
    },
    StepDone {
        step: String,
        /// A rollback step without undo_verifies, confirmed by hand only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unchecked: bool,
        /// An unchecked step done unattended (`--yes`): its undo ran, but no check and no
        /// person confirmed that it worked.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unconfirmed: bool,
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
    /// A person confirmed after the fact that a step done but not confirmed (a rollback step
    /// without undo_verifies done under `--yes`) worked: `cutover confirm`.
    StepConfirmed {
        step: String,
        reason: String,
        user: String,
        host: String,
    },
    /// An event type this version does not know. Only ever read, never written.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// An event line this version could not interpret: its type, where it is, and the version
/// of the newest cutover that had written to the journal before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent {
    pub line: usize,
    pub seq: u64,
    pub event: String,
    pub version: String,
}

impl std::fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = if self.version.is_empty() {
            "a cutover of another version".to_string()
        } else {
            format!("cutover {} or later", self.version)
        };
        write!(
            f,
            "unknown event `{}` at line {} (seq {}): written by a newer cutover than this {} (the journal was last written by {by})",
            self.event,
            self.line,
            self.seq,
            env!("CARGO_PKG_VERSION")
        )
    }
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

/// A journal that cannot be written or read stops the command (exit 1).
impl From<JournalError> for crate::error::Error {
    fn from(e: JournalError) -> Self {
        crate::error::Error::failed(e)
    }
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
    /// Events written by a newer version, set apart from `entries`.
    pub unknown: Vec<UnknownEvent>,
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
    let mut unknown = Vec::new();
    let mut version = String::new();
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
                match &entry.event {
                    Event::Unknown => {
                        let event = serde_json::from_str::<Value>(line.trim_end())
                            .ok()
                            .and_then(|v| v["event"].as_str().map(str::to_string))
                            .unwrap_or_default();
                        unknown.push(UnknownEvent {
                            line: number,
                            seq: entry.seq,
                            event,
                            version: version.clone(),
                        });
                        continue;
                    }
                    Event::RunStarted { version: v, .. } | Event::Resumed { version: v, .. }
                        if !v.is_empty() =>
                    {
                        version = v.clone();
                    }
                    _ => {}
                }
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
        unknown,
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

/// How many items of each status a check judged (`checks` counts them; a `check` event
/// keeps them beside its bounded items).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCounts {
    pub pass: u64,
    pub fail: u64,
    pub error: u64,
    pub info: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_event_is_set_apart_with_the_version_before_it_and_a_bad_known_one_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let lines = [
            r#"{"seq":1,"time":"t","event":"resumed","user":"u","host":"h","pid":1,"forced":false,"version":"9.1.0"}"#,
            r#"{"seq":2,"time":"t","event":"quorum_vote","votes":3}"#,
            r#"{"seq":3,"time":"t","event":"step_started","step":"a","tier":"t"}"#,
        ];
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let contents = read(&path).unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert_eq!(
            contents.unknown,
            vec![UnknownEvent {
                line: 2,
                seq: 2,
                event: "quorum_vote".into(),
                version: "9.1.0".into()
            }]
        );
        // A known event with a missing field is not "from a newer version": it is damage.
        std::fs::write(
            &path,
            r#"{"seq":1,"time":"t","event":"step_started","tier":"t"}"#.to_string() + "\n",
        )
        .unwrap();
        assert!(matches!(
            read(&path),
            Err(JournalError::Corrupt { line: 1, .. })
        ));
        // Unknown cannot be written: serde refuses to serialize it.
        assert!(serde_json::to_string(&Event::Unknown).is_err());
    }

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

    /// A `check` event written before issue 14 (no `item_counts`) reads as before, and one
    /// written now keeps its counts.
    #[test]
    fn a_check_event_reads_with_and_without_item_counts() {
        let old = r#"{"seq":1,"time":"t","event":"check","step":"a","phase":"verifies","kind":"lag_zero","status":"pass","summary":"s","items":[{"status":"pass"}],"elapsed_ms":0}"#;
        let entry: Entry = serde_json::from_str(old).unwrap();
        assert!(matches!(
            entry.event,
            Event::Check {
                item_counts: None,
                items: Some(_),
                ..
            }
        ));
        let new = old.replace(
            r#""elapsed_ms""#,
            r#""item_counts":{"pass":30,"fail":0,"error":0,"info":0},"elapsed_ms""#,
        );
        let entry: Entry = serde_json::from_str(&new).unwrap();
        let Event::Check { item_counts, .. } = &entry.event else {
            panic!("{entry:?}")
        };
        assert_eq!(item_counts.map(|c| c.pass), Some(30));
        assert_eq!(serde_json::to_string(&entry).unwrap(), new);
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
