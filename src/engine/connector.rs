//! The `connector:` action: Kafka Connect REST calls that prove they took effect.
//!
//! Forward: read each connector's status and journal it (the undo's "before"), PUT
//! pause|stop|resume, then read the status back until every connector reports the wanted
//! state (paused/running: the connector and every task; stopped: STOPPED with zero tasks)
//! within the step's `run_timeout`. A FAILED connector or task, a missing connector, or a
//! state that never arrives fails the action with the status body as evidence. A 409 (a
//! rebalance) is asked again until the timeout.
//!
//! Rollback: the same, returning each connector to the state journaled before the forward
//! action. A resumed run with the action in doubt reads the status back: that is the evidence.
//!
//! Evidence goes into the journal as `check` events of phase `action` (kinds
//! `connector_before`, `connector_after`, `connector_read_back`), so reports show the status
//! bodies before and after with no report code of their own.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::prompter::Answer;
use super::{interrupt, Executor, Mode, Stop, Unit};
use crate::connect::model::Verdict;
use crate::connect::{Client, ConnectError, ConnectorStatus, WantedState};
use crate::journal::{self, Event, JournalError};
use crate::process::ActionOutcome;
use crate::runbook::{ConnectorAction, Step};

/// Between two reads of a status.
const POLL: Duration = Duration::from_millis(500);

pub const PHASE: &str = "action";

impl Executor<'_> {
    fn connect_client(&self, action: &ConnectorAction) -> Result<Client, ConnectError> {
        let endpoint = self
            .runbook
            .connect
            .get(&action.connect)
            .expect("validated: the endpoint exists");
        Client::new(
            endpoint,
            self.runbook.defaults.request_timeout,
            &self.runbook.secrets,
        )
    }

    /// The state each connector should reach: the runbook's forward; the journaled
    /// previous state in a rollback.
    fn connector_targets(
        &self,
        step: &Step,
        action: &ConnectorAction,
        client: &Client,
    ) -> Result<BTreeMap<String, WantedState>, String> {
        match self.mode {
            Mode::Forward => {
                let names = client
                    .select(&action.selection)
                    .map_err(|e| e.to_string())?;
                Ok(names.into_iter().map(|n| (n, action.state)).collect())
            }
            Mode::Rollback => {
                let before = self.journaled_before(&step.id)?;
                let mut targets = BTreeMap::new();
                for (name, state) in before {
                    let wanted = WantedState::from_connect(&state).ok_or_else(|| {
                        format!("connector `{name}` was {state} before the step: there is no state to return it to; resolve by hand")
                    })?;
                    targets.insert(name, wanted);
                }
                Ok(targets)
            }
        }
    }

    /// The states journaled before the forward action of `step` (its first attempt), read
    /// from the journal of the run this rollback undoes.
    fn journaled_before(&self, step: &str) -> Result<BTreeMap<String, String>, String> {
        let own = journal::read(self.journal.path()).map_err(|e| e.to_string())?;
        let forward = own
            .entries
            .iter()
            .find_map(|e| match &e.event {
                Event::RunStarted { rollback_of, .. } => rollback_of.clone(),
                _ => None,
            })
            .ok_or("this rollback's journal does not name the run it undoes")?;
        let dir = self
            .run_dir
            .parent()
            .ok_or("the run directory has no parent")?
            .join(&forward);
        let entries = journal::read(&dir.join("journal.jsonl"))
            .map_err(|e| e.to_string())?
            .entries;
        for entry in entries {
            if let Event::Check {
                step: s,
                phase,
                kind,
                items: Some(Value::Array(items)),
                ..
            } = &entry.event
            {
                if s == step && phase == PHASE && kind == "connector_before" {
                    let mut out = BTreeMap::new();
                    for item in items {
                        if let (Some(name), Some(state)) = (
                            item.get("connector").and_then(Value::as_str),
                            item.get("state").and_then(Value::as_str),
                        ) {
                            out.insert(name.to_string(), state.to_string());
                        }
                    }
                    if out.is_empty() {
                        break;
                    }
                    return Ok(out);
                }
            }
        }
        Err(format!(
            "run {forward} journaled no connector states before step `{step}`: nothing says what to return the connectors to"
        ))
    }

    fn record_statuses(
        &mut self,
        step: &str,
        kind: &str,
        passed: bool,
        summary: String,
        items: Vec<Value>,
    ) -> Result<(), JournalError> {
        self.journal.record(Event::Check {
            step: step.to_string(),
            phase: PHASE.into(),
            kind: kind.into(),
            status: if passed { "pass" } else { "fail" }.into(),
            summary,
            items: Some(Value::Array(items)),
            item_counts: None,
            remaining: None,
            elapsed_ms: 0,
        })
    }

    /// The connector action of `step`, forward or undo. Called instead of the shell runner.
    pub(super) fn connector_action(
        &mut self,
        step: &Step,
        action: &ConnectorAction,
        command: &str,
        attempt: u32,
    ) -> Result<ActionOutcome, Stop> {
        let started = Instant::now();
        let deadline = started + step.run_timeout;
        let logs = self.run_dir.join("logs");
        let _ = std::fs::create_dir_all(&logs);
        let log_path = logs.join(format!("{}-{attempt}.log", step.id));
        self.journal.record(Event::ActionIntent {
            step: step.id.clone(),
            command: command.to_string(),
            attempt,
            log: log_path.display().to_string(),
        })?;
        self.say(&format!("$ {command}"));
        let mut log = std::fs::File::create(&log_path).ok();
        let secrets = self.runbook.secrets.clone();
        let mut say = |this: &Self, text: &str| {
            this.say(&format!("  | {text}"));
            if let Some(file) = log.as_mut() {
                let _ = writeln!(file, "{}", secrets.redact(text));
            }
        };

        let result = self.connector_work(step, action, deadline, &mut say);
        let interrupted = matches!(result, Err(Failure::Interrupted(_)));
        let (exit, timed_out) = match &result {
            Ok(()) => (Some(0), false),
            Err(Failure::Interrupted(text)) => {
                say(self, text);
                (None, false)
            }
            Err(Failure::TimedOut(text)) => {
                say(self, text);
                (Some(1), true)
            }
            Err(Failure::Failed(text)) => {
                say(self, text);
                (Some(1), false)
            }
            Err(Failure::Journal(_)) => (None, false),
        };
        if let Err(Failure::Journal(e)) = result {
            return Err(Stop::Journal(e));
        }
        let outcome = ActionOutcome {
            exit,
            timed_out,
            interrupted,
            abandoned: false,
            note: None,
            duration: started.elapsed(),
        };
        self.journal.record(Event::ActionResult {
            step: step.id.clone(),
            attempt,
            exit: outcome.exit,
            timed_out: outcome.timed_out,
            interrupted,
            duration_ms: outcome.duration.as_millis() as u64,
        })?;
        self.say(&format!(
            "Action {} after {:.1}s (log: {})",
            if outcome.succeeded() {
                "took effect (read back)".to_string()
            } else {
                outcome.describe()
            },
            outcome.duration.as_secs_f64(),
            log_path.display()
        ));
        Ok(outcome)
    }

    fn connector_work(
        &mut self,
        step: &Step,
        action: &ConnectorAction,
        deadline: Instant,
        say: &mut dyn FnMut(&Self, &str),
    ) -> Result<(), Failure> {
        let client = self
            .connect_client(action)
            .map_err(Failure::failed)?
            .until(deadline);
        let targets = self
            .connector_targets(step, action, &client)
            .map_err(Failure::Failed)?;

        // Before: read and journal each connector's state (the undo returns to it).
        let mut before = BTreeMap::new();
        for (name, wanted) in &targets {
            let status = match retry(deadline, || client.status(name)) {
                Ok(status) => status,
                Err(e) => return Err(self.failed_at(&step.id, name, *wanted, "GET status", e)),
            };
            say(self, &format!("before: {}", status.body));
            before.insert(name.clone(), status);
        }
        if self.mode == Mode::Forward {
            let items = before
                .iter()
                .map(|(name, s)| {
                    json!({
                        "status": "info",
                        "connector": name,
                        "state": s.connector.state,
                        "status_body": s.body,
                        "reason": format!("before: {}", s.body),
                    })
                })
                .collect();
            self.record_statuses(
                &step.id,
                "connector_before",
                true,
                format!("{} connector state(s) read before the PUT", before.len()),
                items,
            )
            .map_err(Failure::Journal)?;
        }

        // The PUTs.
        for (name, wanted) in &targets {
            let verb = wanted.verb();
            let code = match retry(deadline, || client.put(name, verb)) {
                Ok(code) => code,
                Err(e) => {
                    return Err(self.failed_at(&step.id, name, *wanted, &format!("PUT {verb}"), e))
                }
            };
            say(self, &format!("PUT /connectors/{name}/{verb}: {code}"));
        }

        // Read back until every connector reports its wanted state.
        let mut last: BTreeMap<String, Result<ConnectorStatus, ConnectError>> = BTreeMap::new();
        let verdict = loop {
            let mut pending = Vec::new();
            let mut failed = Vec::new();
            for (name, wanted) in &targets {
                let status = client.status(name);
                match &status {
                    Ok(s) => match s.judge_tasks(*wanted, tasks_expected(&before, name)) {
                        Verdict::Reached => {}
                        Verdict::Pending(why) => pending.push(why),
                        Verdict::Failed(why) => failed.push(why),
                    },
                    Err(e) if e.is_transient() => pending.push(e.to_string()),
                    Err(e) => failed.push(e.to_string()),
                }
                last.insert(name.clone(), status);
            }
            if !failed.is_empty() {
                break Err(Failure::Failed(failed.join("; ")));
            }
            if pending.is_empty() {
                break Ok(());
            }
            if interrupt::requested() {
                break Err(Failure::Interrupted(format!(
                    "interrupted while reading the state back: {}",
                    pending.join("; ")
                )));
            }
            if Instant::now() + POLL > deadline {
                break Err(Failure::TimedOut(format!(
                    "the wanted state did not arrive within run_timeout {}: {}",
                    humantime::format_duration(step.run_timeout),
                    pending.join("; ")
                )));
            }
            std::thread::sleep(POLL);
        };
        let mut items = Vec::new();
        for (name, wanted) in &targets {
            let b = before.get(name);
            let (after_state, after_body) = match last.get(name) {
                Some(Ok(s)) => (
                    Value::from(s.connector.state.clone()),
                    Value::from(s.body.clone()),
                ),
                Some(Err(e)) => (Value::Null, Value::from(e.to_string())),
                None => (Value::Null, Value::Null),
            };
            let after_text = after_body.as_str().unwrap_or("").to_string();
            say(self, &format!("after: {after_text}"));
            let reached = matches!(last.get(name), Some(Ok(s)) if s.judge_tasks(*wanted, tasks_expected(&before, name)) == Verdict::Reached);
            items.push(json!({
                "status": if reached { "pass" } else { "fail" },
                "reason": format!(
                    "before: {}\nafter: {after_text}",
                    b.map(|s| s.body.as_str()).unwrap_or("")
                ),
                "connector": name,
                "wanted": wanted.connect_word(),
                "before": b.map(|s| s.connector.state.clone()),
                "after": after_state,
                "before_body": b.map(|s| s.body.clone()),
                "after_body": after_body,
            }));
        }
        let summary = match &verdict {
            Ok(()) => format!(
                "{} connector(s) read back in the wanted state",
                targets.len()
            ),
            Err(Failure::Failed(t) | Failure::TimedOut(t) | Failure::Interrupted(t)) => t.clone(),
            Err(Failure::Journal(_)) => String::new(),
        };
        self.record_statuses(&step.id, "connector_after", verdict.is_ok(), summary, items)
            .map_err(Failure::Journal)?;
        verdict
    }

    /// A request that failed before the read-back: journaled as the action's evidence (the
    /// error holds the body Connect answered), then the action fails with it.
    fn failed_at(
        &mut self,
        step: &str,
        name: &str,
        wanted: WantedState,
        request: &str,
        error: ConnectError,
    ) -> Failure {
        let text = error.to_string();
        let item = json!({
            "status": "fail",
            "connector": name,
            "wanted": wanted.connect_word(),
            "reason": format!("{request}: {text}"),
        });
        match self.record_statuses(step, "connector_after", false, text.clone(), vec![item]) {
            Ok(()) => Failure::Failed(text),
            Err(e) => Failure::Journal(e),
        }
    }

    /// `--dry-run`: read the statuses and show what would be PUT; nothing is changed.
    pub(super) fn connector_dry_run(&mut self, step: &Step, action: &ConnectorAction) {
        let command = match self.mode {
            Mode::Forward => action.describe(),
            Mode::Rollback => action.describe_undo(),
        };
        self.say(&format!("$ {command}  [dry run: GET only, nothing is PUT]"));
        let client = match self.connect_client(action) {
            Ok(c) => c,
            Err(e) => return self.say(&format!("  | cannot read the connectors: {e}")),
        };
        let targets = match self.connector_targets(step, action, &client) {
            Ok(t) => t,
            Err(e) => return self.say(&format!("  | {e}")),
        };
        for (name, wanted) in targets {
            match client.status(&name) {
                Ok(s) => self.say(&format!(
                    "  | now: {}\n  | would PUT /connectors/{name}/{} and read back until {}",
                    s.body,
                    wanted.verb(),
                    wanted.name()
                )),
                Err(e) => self.say(&format!("  | {e}")),
            }
        }
    }

    /// An in-doubt connector action: read the statuses back; that is the evidence. None
    /// for steps without a connector action.
    pub(super) fn connector_in_doubt(
        &mut self,
        unit: &Unit<'_>,
        what: &str,
    ) -> Result<Option<(Answer, String)>, Stop> {
        let step = unit.step;
        let Some(action) = &step.connector else {
            return Ok(None);
        };
        let read = self
            .connect_client(action)
            .map_err(|e| e.to_string())
            .and_then(|client| {
                let targets = self.connector_targets(step, action, &client)?;
                Ok(targets
                    .into_iter()
                    .map(|(name, wanted)| {
                        let status = client.status(&name);
                        (name, wanted, status)
                    })
                    .collect::<Vec<_>>())
            });
        let (reached, verdict, items) = match read {
            Ok(statuses) => {
                let mut reached = !statuses.is_empty();
                let mut lines = Vec::new();
                let mut items = Vec::new();
                for (name, wanted, status) in &statuses {
                    let (ok, body) = match status {
                        Ok(s) => (s.judge(*wanted) == Verdict::Reached, s.body.clone()),
                        Err(e) => (false, e.to_string()),
                    };
                    reached &= ok;
                    lines.push(format!("{name}: {body}"));
                    items.push(json!({
                        "status": if ok { "pass" } else { "fail" },
                        "connector": name,
                        "wanted": wanted.connect_word(),
                        "status_body": body,
                        "reason": format!("read back: {body}"),
                    }));
                }
                (reached, lines.join("; "), items)
            }
            Err(e) => (false, e, Vec::new()),
        };
        self.say(&format!("  read back: {verdict}"));
        self.record_statuses(
            &step.id,
            "connector_read_back",
            reached,
            format!("in-doubt action read back: {verdict}"),
            items,
        )?;
        if reached {
            return Ok(Some((
                Answer::MarkDone,
                "evidence: the connectors report the wanted state (read back, journaled)".into(),
            )));
        }
        if self.settings.yes {
            return Err(Stop::NeedsDecision(format!(
                "step `{}`: {what}, and the connectors do not report the wanted state ({verdict}); decide with --mark-done {id} or --rerun {id}",
                step.id,
                id = step.id
            )));
        }
        let answer = self.ask_in_doubt(
            &step.id,
            &format!("{what}; read back: the connectors do NOT report the wanted state"),
        )?;
        Ok(Some((
            answer,
            "decided by a person; the read-back did not show the wanted state".into(),
        )))
    }
}

enum Failure {
    Failed(String),
    /// Ctrl-C while reading back: the PUTs were sent, the state is not yet proven.
    Interrupted(String),
    TimedOut(String),
    Journal(JournalError),
}

impl Failure {
    fn failed(e: ConnectError) -> Failure {
        Failure::Failed(e.to_string())
    }
}

/// Whether a connector's tasks must be listed for paused/running: yes unless it listed none
/// before the action while not STOPPED (a connector with no tasks by configuration). A
/// STOPPED connector always lists none, so after it tasks are expected.
fn tasks_expected(before: &BTreeMap<String, ConnectorStatus>, name: &str) -> bool {
    before
        .get(name)
        .is_none_or(|s| !s.tasks.is_empty() || s.connector.state == "STOPPED")
}

/// Ask again while Connect answers 409 (a rebalance), until the deadline.
fn retry<T>(
    deadline: Instant,
    mut call: impl FnMut() -> Result<T, ConnectError>,
) -> Result<T, ConnectError> {
    loop {
        match call() {
            Err(e) if e.is_transient() && Instant::now() + POLL < deadline => {
                std::thread::sleep(POLL)
            }
            other => return other,
        }
    }
}
