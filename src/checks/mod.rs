//! The checks: one file per kind. Each gathers what it needs through `kafka/` and then
//! evaluates it with a pure function, so verdicts are unit-testable without a broker.
//!
//! A check that cannot get an answer from a cluster reports `Error`, never `Pass`.

pub mod acls_match;
pub mod cluster_id;
pub mod command;
pub mod connector_offsets;
pub mod connector_state;
pub mod group_inactive;
pub mod lag_zero;
pub mod mirror_caught_up;
pub mod names;
pub mod offsets_translated;
pub mod producers_quiet;
pub mod record_counts;
pub mod render;
pub mod selection;
pub mod tail_match;
pub mod topics_match;

use serde::Serialize;
use serde_json::Value;

use crate::cancel::Cancel;
use crate::kafka::{Connection, KafkaError, Topics};
use crate::runbook::{Check, CheckSpec, Role, Runbook};

/// How a check cut off at the step's deadline ends its summary (an `Error`).
pub const CANCELLED: &str = "cancelled at the step's deadline";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    Error,
    Fail,
    Pass,
    Info,
}

/// One line of evidence: a group, topic or partition and what was found for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub group: Option<String>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub source: Value,
    pub target: Value,
    pub status: ItemStatus,
    pub reason: Option<String>,
    /// Kind-specific fields (lag_zero: committed, end, lag; group_inactive: member_id, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// An item's kind-specific fields: a short list with static names, serialized as map
/// entries beside the common ones. (A map per item cost a tree node each: a check over
/// 100,000 group partitions held hundreds of megabytes.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra(Vec<(&'static str, Value)>);

impl Extra {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    pub fn insert(&mut self, name: &'static str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => {
                // Exact: items are built a field at a time, and doubling left a big check's
                // hundreds of thousands of items with up to 3 empty slots of 48 bytes each.
                self.0.reserve_exact(1);
                self.0.push((name, value))
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }
}

impl std::ops::Index<&str> for Extra {
    type Output = Value;

    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Item {
    pub fn new(status: ItemStatus) -> Item {
        Item {
            group: None,
            topic: None,
            partition: None,
            source: Value::Null,
            target: Value::Null,
            status,
            reason: None,
            extra: Extra::default(),
        }
    }

    pub fn group(mut self, group: &str) -> Item {
        self.group = Some(group.to_string());
        self
    }

    pub fn topic(mut self, topic: &str) -> Item {
        self.topic = Some(topic.to_string());
        self
    }

    pub fn partition(mut self, partition: i32) -> Item {
        self.partition = Some(partition);
        self
    }

    pub fn values(mut self, source: impl Into<Value>, target: impl Into<Value>) -> Item {
        self.source = source.into();
        self.target = target.into();
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Item {
        self.reason = Some(reason.into());
        self
    }

    /// A failing item per target topic that does not exist.
    pub fn missing_topics(topics: &[String]) -> Vec<Item> {
        topics
            .iter()
            .map(|t| {
                Item::new(ItemStatus::Fail)
                    .topic(t)
                    .reason("topic missing on target")
            })
            .collect()
    }

    pub fn field(mut self, name: &'static str, value: impl Into<Value>) -> Item {
        self.extra.insert(name, value.into());
        self
    }
}

/// Numbers the executor shows while polling (remaining lag, partitions caught up), and
/// the items counted but not kept in `Outcome::items` (written as they were judged, or
/// beyond what the outcome keeps: see `Keep`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    pub remaining: Option<i64>,
    pub done: Option<u64>,
    pub total: Option<u64>,
    /// Items judged but not in `Outcome::items` (zero when the outcome holds them all).
    pub elsewhere: ItemCounts,
}

/// How many items of each status a check judged (a journal record: defined there, counted here).
pub use crate::journal::ItemCounts;

impl ItemCounts {
    pub fn of(items: &[Item]) -> ItemCounts {
        let mut counts = ItemCounts::default();
        for item in items {
            counts.add(item.status);
        }
        counts
    }

    pub fn add(&mut self, status: ItemStatus) {
        match status {
            ItemStatus::Pass => self.pass += 1,
            ItemStatus::Fail => self.fail += 1,
            ItemStatus::Error => self.error += 1,
            ItemStatus::Info => self.info += 1,
        }
    }

    pub fn plus(self, other: ItemCounts) -> ItemCounts {
        ItemCounts {
            pass: self.pass + other.pass,
            fail: self.fail + other.fail,
            error: self.error + other.error,
            info: self.info + other.info,
        }
    }

    /// Items actually compared (not `info`).
    pub fn compared(&self) -> u64 {
        self.pass + self.fail + self.error
    }

    pub fn total(&self) -> u64 {
        self.compared() + self.info
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

/// Where a check's items go as they are judged: `cutover check --json` writes each as its
/// own line (docs/checks.md), so a check over a million group partitions keeps none.
pub trait ItemSink: Send + Sync {
    fn item(&self, item: &Item);
}

/// Which items an outcome keeps in memory (the rest are only counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every item (unit tests, small checks, `check --all`).
    #[default]
    All,
    /// The first `failing` fail/error items and the first `passing` pass/info items, in the
    /// order judged: what a table or the journal shows, bounded whatever the estate's size.
    Bounded { failing: usize, passing: usize },
}

impl Keep {
    /// What `cutover run` journals per check and `cutover check` tables show: failing items
    /// up to 1,000 and 20 passing ones (the tables show 20 passing rows).
    pub const SHOWN: Keep = Keep::Bounded {
        failing: 1000,
        passing: 20,
    };
}

/// Where a check's items go: a sink (each written as judged, none kept), or kept as `keep`
/// says. The default keeps every item.
#[derive(Clone, Default)]
pub struct Output {
    pub sink: Option<std::sync::Arc<dyn ItemSink>>,
    pub keep: Keep,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("sink", &self.sink.is_some())
            .field("keep", &self.keep)
            .finish()
    }
}

/// A check's items as they are judged: each counted, then written to the sink or kept
/// (within `Keep`). Checks over group partitions push here instead of into a `Vec`, so
/// their memory does not grow with the items.
pub struct Items {
    kept: Vec<Item>,
    kept_failing: usize,
    kept_passing: usize,
    /// Counted, not kept.
    elsewhere: ItemCounts,
    output: Output,
}

impl Items {
    pub fn new(output: &Output) -> Items {
        Items {
            kept: Vec::new(),
            kept_failing: 0,
            kept_passing: 0,
            elsewhere: ItemCounts::default(),
            output: output.clone(),
        }
    }

    /// Keep every item (the pure functions' default, and their unit tests).
    pub fn all() -> Items {
        Items::new(&Output::default())
    }

    pub fn push(&mut self, item: Item) {
        if let Some(sink) = &self.output.sink {
            sink.item(&item);
            self.elsewhere.add(item.status);
            return;
        }
        let keep = match self.output.keep {
            Keep::All => true,
            Keep::Bounded { failing, passing } => {
                if matches!(item.status, ItemStatus::Fail | ItemStatus::Error) {
                    self.kept_failing += 1;
                    self.kept_failing <= failing
                } else {
                    self.kept_passing += 1;
                    self.kept_passing <= passing
                }
            }
        };
        if keep {
            self.kept.push(item);
        } else {
            self.elsewhere.add(item.status);
        }
    }

    /// Every item judged so far, kept or not.
    pub fn counts(&self) -> ItemCounts {
        self.elsewhere.plus(ItemCounts::of(&self.kept))
    }

    /// The kept items, and the counts of the others.
    pub fn into_parts(self) -> (Vec<Item>, ItemCounts) {
        (self.kept, self.elsewhere)
    }

    /// The verdict over every item judged (`Outcome::from_items`'s rule).
    pub fn judge(self, pass: impl Into<String>, noun: &str) -> Outcome {
        let (kept, elsewhere) = self.into_parts();
        Outcome::judge(kept, elsewhere, pass, noun)
    }
}

impl Extend<Item> for Items {
    fn extend<I: IntoIterator<Item = Item>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub summary: String,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub progress: Progress,
}

impl Outcome {
    /// Pass when no item failed or errored and at least one item was compared; the summary
    /// says how many of how many. The evidence rule (docs/checks.md): `info` items are not
    /// compared, so items that are all `info` (or none at all) are a fail, never a pass. A
    /// check whose selection may be empty decides that case itself first, with
    /// `selection::empty`.
    pub fn from_items(items: Vec<Item>, pass: impl Into<String>, noun: &str) -> Outcome {
        Outcome::judge(items, ItemCounts::default(), pass, noun)
    }

    /// As `from_items`, over the items kept and the counts of those not kept (written as
    /// judged, or beyond `Keep`): the verdict counts every item.
    pub fn judge(
        mut items: Vec<Item>,
        elsewhere: ItemCounts,
        pass: impl Into<String>,
        noun: &str,
    ) -> Outcome {
        items.sort_by(|a, b| {
            (a.status, &a.group, &a.topic, a.partition).cmp(&(
                b.status,
                &b.group,
                &b.topic,
                b.partition,
            ))
        });
        items.shrink_to_fit();
        let counts = elsewhere.plus(ItemCounts::of(&items));
        let (errors, failures, counted) = (counts.error, counts.fail, counts.compared());
        let (status, summary) = if errors > 0 {
            (
                Status::Error,
                format!("{errors} of {counted} {noun} could not be checked"),
            )
        } else if failures > 0 {
            (
                Status::Fail,
                format!("{failures} of {counted} {noun} failed"),
            )
        } else if counted == 0 {
            let why = if counts.is_empty() {
                format!("no {noun} to check")
            } else {
                format!("all {} item(s) are information only", counts.total())
            };
            (
                Status::Fail,
                format!("nothing was compared ({why}), so nothing is proven"),
            )
        } else {
            (Status::Pass, pass.into())
        };
        Outcome {
            status,
            summary,
            items,
            progress: Progress {
                elsewhere,
                ..Progress::default()
            },
        }
    }

    /// Add what was compared (or left out) to the summary: "...; 2 patterns matched nothing".
    pub fn note(mut self, note: &str) -> Outcome {
        if !note.is_empty() {
            self.summary = format!("{}; {note}", self.summary);
        }
        self
    }

    /// Items that were actually compared (not `info`).
    pub fn compared(&self) -> usize {
        self.item_counts().compared() as usize
    }

    /// Every item judged, kept in `items` or not.
    pub fn item_counts(&self) -> ItemCounts {
        self.progress.elsewhere.plus(ItemCounts::of(&self.items))
    }

    /// Count `elsewhere` as judged but not kept (an outcome built from kept items only).
    pub fn with_elsewhere(mut self, elsewhere: ItemCounts) -> Outcome {
        self.progress.elsewhere = elsewhere;
        self
    }

    pub fn error(summary: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Error,
            summary: summary.into(),
            items: Vec::new(),
            progress: Progress::default(),
        }
    }

    pub fn fail(summary: impl Into<String>, items: Vec<Item>) -> Outcome {
        Outcome {
            status: Status::Fail,
            summary: summary.into(),
            items,
            progress: Progress::default(),
        }
    }

    /// Set the polling numbers (the counts of items not kept stay).
    pub fn with_progress(mut self, progress: Progress) -> Outcome {
        self.progress = Progress {
            elsewhere: self.progress.elsewhere,
            ..progress
        };
        self
    }
}

/// Both clusters, connected once for a whole `check` or `run`.
pub struct Clusters {
    pub source: Connection,
    pub target: Connection,
    /// Set when the run is interrupted: a check that waits (a `producers_quiet` window)
    /// stops with an error. Never set unless the caller passes one (`with_cancel`).
    pub cancel: Cancel,
}

impl Clusters {
    pub fn connect(runbook: &Runbook) -> Result<Clusters, KafkaError> {
        let timeout = runbook.defaults.request_timeout;
        Ok(Clusters {
            source: Connection::new(&runbook.source, timeout, &runbook.secrets)?,
            target: Connection::new(&runbook.target, timeout, &runbook.secrets)?,
            cancel: Cancel::default(),
        })
    }

    /// The same clusters, with checks cancelled by `cancel` (a run's: `interrupt::token()`).
    pub fn with_cancel(self, cancel: Cancel) -> Clusters {
        Clusters { cancel, ..self }
    }

    /// Forget the previous round's answers (each poll is a new round).
    pub fn new_round(&self) {
        self.source.new_round();
        self.target.new_round();
    }

    /// Run `on_source` and `on_target` at the same time.
    pub fn both<A, B, FA, FB>(&self, on_source: FA, on_target: FB) -> (A, B)
    where
        A: Send,
        B: Send,
        FA: FnOnce(&Connection) -> A + Send,
        FB: FnOnce(&Connection) -> B + Send,
    {
        let deadline = crate::kafka::retry::deadline();
        std::thread::scope(|scope| {
            let target = scope
                .spawn(move || crate::kafka::retry::within(deadline, || on_target(&self.target)));
            let source = on_source(&self.source);
            (source, target.join().expect("a query thread panicked"))
        })
    }

    /// Both clusters' topics and partition counts (this round's), asked at the same time.
    pub fn topics(&self) -> Result<(Topics, Topics), KafkaError> {
        let (source, target) = self.both(|c| c.topics(), |c| c.topics());
        Ok((source?, target?))
    }

    pub fn get(&self, role: Role) -> &Connection {
        match role {
            Role::Source => &self.source,
            Role::Target => &self.target,
        }
    }
}

/// What a check remembers between polls: decoded checkpoints (read incrementally) and
/// lag history (for drain rate, STOP and STALL), and when its polling began (its timeout
/// counts from there: a timed-out request is retried within it, `kafka::retry`).
#[derive(Debug)]
pub struct CheckState {
    pub checkpoints: offsets_translated::CheckpointCache,
    pub lag: lag_zero::History,
    pub since: std::time::Instant,
    /// mirror_caught_up's last records (source, target), re-read only where the end moved.
    pub tails: (
        crate::kafka::queries::TailCache,
        crate::kafka::queries::TailCache,
    ),
    /// Where the items of checks over group partitions go (default: kept, all of them).
    pub output: Output,
}

impl CheckState {
    /// A state whose check writes or keeps its items as `output` says.
    pub fn with_output(output: Output) -> CheckState {
        CheckState {
            output,
            ..CheckState::default()
        }
    }

    /// A state whose check keeps what a table or the journal shows (`Keep::SHOWN`) and
    /// counts the rest: `cutover run`'s polls.
    pub fn shown() -> CheckState {
        CheckState::with_output(Output {
            sink: None,
            keep: Keep::SHOWN,
        })
    }
}

impl Default for CheckState {
    fn default() -> CheckState {
        CheckState {
            checkpoints: Default::default(),
            lag: Default::default(),
            since: std::time::Instant::now(),
            tails: Default::default(),
            output: Output::default(),
        }
    }
}

/// Evaluate checks as one round, outcomes in the order given. Kafka checks are read-only
/// and share the round's snapshot, so they run at the same time: a round takes as long as its
/// slowest check (a dead cluster costs one request timeout, not one per check). `command`
/// checks may have side effects: they run one after another, in order, on this thread.
pub fn evaluate_round(
    checks: &[Check],
    states: &mut [CheckState],
    runbook: &Runbook,
    clusters: &Clusters,
) -> Vec<Outcome> {
    evaluate_round_until(checks, states, runbook, clusters, None)
}

/// As `evaluate_round`, but `command` checks and `producers_quiet` windows still running at
/// `deadline` (the step's) are cancelled and report an error, so a round ends at most one
/// request timeout after it.
pub fn evaluate_round_until(
    checks: &[Check],
    states: &mut [CheckState],
    runbook: &Runbook,
    clusters: &Clusters,
    deadline: Option<std::time::Instant>,
) -> Vec<Outcome> {
    let is_command = |check: &Check| matches!(check.spec, CheckSpec::Command { .. });
    let mut outcomes: Vec<Option<Outcome>> = checks.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut running = Vec::new();
        let mut commands = Vec::new();
        for ((index, check), state) in checks.iter().enumerate().zip(states.iter_mut()) {
            if is_command(check) {
                commands.push((index, check, state));
            } else {
                running.push((
                    index,
                    scope.spawn(move || evaluate_until(check, runbook, clusters, state, deadline)),
                ));
            }
        }
        for (index, check, state) in commands {
            outcomes[index] = Some(evaluate_until(check, runbook, clusters, state, deadline));
        }
        for (index, handle) in running {
            outcomes[index] = Some(handle.join().expect("a check thread panicked"));
        }
    });
    outcomes
        .into_iter()
        .map(|o| o.expect("every check evaluated"))
        .collect()
}

/// Evaluate one check once. Cluster errors become an `Error` outcome naming the cluster.
pub fn evaluate(
    check: &Check,
    runbook: &Runbook,
    clusters: &Clusters,
    state: &mut CheckState,
) -> Outcome {
    evaluate_until(check, runbook, clusters, state, None)
}

/// As `evaluate`, cancelled at `deadline` where the check waits (command, window). A
/// timed-out request is asked again while the check's own timeout (and `deadline`) leaves
/// room (`kafka::retry`).
pub fn evaluate_until(
    check: &Check,
    runbook: &Runbook,
    clusters: &Clusters,
    state: &mut CheckState,
    deadline: Option<std::time::Instant>,
) -> Outcome {
    let own = state.since + check.timeout;
    let retry_until = deadline.map_or(own, |d| d.min(own));
    crate::kafka::retry::within(Some(retry_until), || {
        evaluate_now(check, runbook, clusters, state, deadline)
    })
}

fn evaluate_now(
    check: &Check,
    runbook: &Runbook,
    clusters: &Clusters,
    state: &mut CheckState,
    deadline: Option<std::time::Instant>,
) -> Outcome {
    let allow_empty = check.allow_empty;
    let result = match &check.spec {
        CheckSpec::LagZero { .. } => {
            let items = Items::new(&state.output);
            lag_zero::run(&check.spec, clusters, &mut state.lag, allow_empty, items)
        }
        CheckSpec::GroupInactive { .. } => group_inactive::run(&check.spec, clusters, allow_empty),
        CheckSpec::ProducersQuiet { .. } => {
            producers_quiet::run_until(&check.spec, clusters, allow_empty, deadline)
        }
        CheckSpec::MirrorCaughtUp {
            connector: Some(_), ..
        } => connector_offsets::run(&check.spec, runbook, clusters, allow_empty),
        CheckSpec::MirrorCaughtUp { .. } => mirror_caught_up::run(
            &check.spec,
            runbook,
            clusters,
            &mut state.tails,
            allow_empty,
            Items::new(&state.output),
        ),
        CheckSpec::OffsetsTranslated { .. } => offsets_translated::run(
            &check.spec,
            runbook,
            clusters,
            &mut state.checkpoints,
            allow_empty,
            Items::new(&state.output),
        ),
        CheckSpec::TopicsMatch { .. } => {
            topics_match::run(&check.spec, runbook, clusters, allow_empty)
        }
        CheckSpec::TailMatch { .. } => tail_match::run(&check.spec, runbook, clusters, allow_empty),
        CheckSpec::AclsMatch { .. } => acls_match::run(&check.spec, runbook, clusters, allow_empty),
        CheckSpec::RecordCounts { .. } => {
            record_counts::run(&check.spec, runbook, clusters, allow_empty, check.timeout)
        }
        CheckSpec::Command { run, expect_exit } => Ok(command::run_until(
            run,
            *expect_exit,
            check.timeout,
            deadline,
        )),
        CheckSpec::ConnectorState { .. } => Ok(connector_state::run(&check.spec, runbook)),
    };
    result.unwrap_or_else(|error| Outcome::error(runbook.secrets.redact(&error.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Collect(Mutex<Vec<Item>>);

    impl ItemSink for Collect {
        fn item(&self, item: &Item) {
            self.0.lock().unwrap().push(item.clone());
        }
    }

    fn items(statuses: &[ItemStatus]) -> Vec<Item> {
        statuses
            .iter()
            .enumerate()
            .map(|(i, s)| Item::new(*s).partition(i as i32))
            .collect()
    }

    /// Kept, bounded or written as judged: the same verdict and summary, every item counted.
    #[test]
    fn the_verdict_counts_every_item_whether_kept_bounded_or_written() {
        use ItemStatus::*;
        let cases: [&[ItemStatus]; 5] = [
            &[Pass, Pass, Fail, Pass, Fail, Fail, Info],
            &[Pass, Error, Pass, Fail],
            &[Pass, Pass, Pass, Info],
            &[Info, Info],
            &[],
        ];
        for statuses in cases {
            let all = Outcome::from_items(items(statuses), "all pass", "partitions");
            let bounded = Output {
                sink: None,
                keep: Keep::Bounded {
                    failing: 1,
                    passing: 1,
                },
            };
            let sink = Arc::new(Collect::default());
            let written = Output {
                sink: Some(sink.clone()),
                keep: Keep::All,
            };
            for output in [bounded, written] {
                let mut collected = Items::new(&output);
                collected.extend(items(statuses));
                let outcome = collected.judge("all pass", "partitions");
                assert_eq!(
                    (outcome.status, &outcome.summary),
                    (all.status, &all.summary),
                    "{statuses:?}"
                );
                assert_eq!(outcome.item_counts(), all.item_counts(), "{statuses:?}");
                assert_eq!(outcome.compared(), all.compared());
            }
            // The sink got every item, in the order judged; the outcome kept none.
            assert_eq!(*sink.0.lock().unwrap(), items(statuses));
        }
    }

    #[test]
    fn bounded_keeps_the_first_failing_and_passing_items_and_counts_the_rest() {
        use ItemStatus::*;
        let mut collected = Items::new(&Output {
            sink: None,
            keep: Keep::Bounded {
                failing: 2,
                passing: 1,
            },
        });
        collected.extend(items(&[Pass, Fail, Pass, Error, Fail, Info]));
        let outcome = collected.judge("all pass", "partitions");
        let kept: Vec<(ItemStatus, Option<i32>)> = outcome
            .items
            .iter()
            .map(|i| (i.status, i.partition))
            .collect();
        assert_eq!(kept, [(Error, Some(3)), (Fail, Some(1)), (Pass, Some(0))]);
        assert_eq!(
            outcome.progress.elsewhere,
            ItemCounts {
                pass: 1,
                fail: 1,
                error: 0,
                info: 1
            }
        );
        assert_eq!(outcome.summary, "1 of 5 partitions could not be checked");
        // Polling numbers set afterwards keep the counts.
        let outcome = outcome.with_progress(Progress {
            remaining: Some(3),
            ..Progress::default()
        });
        assert_eq!(outcome.item_counts().total(), 6);
    }
}
