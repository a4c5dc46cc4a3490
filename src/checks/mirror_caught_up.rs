//! `mirror_caught_up`: every selected source partition's last record is also the target
//! partition's last record.

use super::{selection, Clusters, Item, ItemStatus, Outcome, Progress};
use crate::kafka::{KafkaError, Record};
use crate::runbook::{CheckSpec, Engine, Runbook};

/// How far back to look for the last data record (transaction markers take offsets too).
const LOOKBACK: i64 = 8;

#[derive(Debug, Clone)]
pub struct Partition {
    pub source_topic: String,
    pub target_topic: String,
    pub partition: i32,
    pub source_end: i64,
    /// None: the partition does not exist on target.
    pub target_end: Option<i64>,
    pub source_last: Option<Record>,
    pub target_last: Option<Record>,
}

pub fn same_record(a: &Record, b: &Record) -> bool {
    // A target topic with LogAppendTime stamps its own time: compare content only.
    let timestamps_comparable = !a.log_append_time && !b.log_append_time;
    a.digest == b.digest && (!timestamps_comparable || a.timestamp == b.timestamp)
}

pub fn evaluate(
    partitions: &[Partition],
    missing_topics: &[String],
    offsets_preserved: bool,
) -> Outcome {
    let mut items = Item::missing_topics(missing_topics);
    let mut caught_up = 0u64;
    for p in partitions {
        let item = Item::new(ItemStatus::Pass)
            .topic(&p.target_topic)
            .partition(p.partition)
            .values(p.source_end, p.target_end)
            .field("source_topic", p.source_topic.as_str());
        let fail = |item: Item, reason: String| {
            let mut item = item.reason(reason);
            item.status = ItemStatus::Fail;
            item
        };
        let Some(target_end) = p.target_end else {
            items.push(fail(item, "partition missing on target".into()));
            continue;
        };
        let behind = offsets_preserved.then(|| p.source_end - target_end);
        let item = match behind {
            Some(n) => item.field("records_behind", n),
            None => item,
        };
        let verdict = match (&p.source_last, &p.target_last) {
            (None, None) => Ok("both empty"),
            (Some(_), None) => Err("target partition is empty".to_string()),
            (None, Some(_)) => Err("source partition is empty but the target is not".to_string()),
            (Some(s), Some(t)) if same_record(s, t) => Ok("same last record"),
            (Some(s), Some(t)) => Err(format!(
                "last records differ (source offset {}, target offset {}){}",
                s.offset,
                t.offset,
                match behind {
                    Some(n) => format!(": target is {n} record(s) behind"),
                    None =>
                        ": offsets differ between clusters, so how far behind is unknown".into(),
                }
            )),
        };
        match verdict {
            Ok(reason) => {
                caught_up += 1;
                items.push(item.reason(reason));
            }
            Err(reason) => items.push(fail(item, reason)),
        }
    }
    let total = partitions.len() as u64;
    let outcome = Outcome::from_items(
        items,
        format!("{total} partition(s) end with the same record on both clusters"),
        "partitions",
    );
    let outcome = if total == 0 && missing_topics.is_empty() {
        Outcome::fail("no topic matches the selection", Vec::new())
    } else {
        outcome
    };
    outcome.with_progress(Progress {
        done: Some(caught_up),
        total: Some(total),
        ..Progress::default()
    })
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::MirrorCaughtUp { topics, .. } = spec else {
        unreachable!("mirror_caught_up::run takes a mirror_caught_up spec")
    };
    let (source_topics, target_topics) = clusters.topics()?;
    let pairs = selection::Pairs::new(runbook, topics, &source_topics, &target_topics);
    let (source_partitions, target_partitions) =
        (pairs.source_partitions(), pairs.target_partitions());
    let (source, target) = clusters.both(
        |c| c.read_tails(&source_partitions, LOOKBACK),
        |c| c.read_tails(&target_partitions, LOOKBACK),
    );
    let (mut source, mut target) = (source?, target?);
    let partitions: Vec<Partition> = pairs
        .pairs
        .iter()
        .map(|(s, t)| {
            let (source_end, mut source_records) = source.remove(s).unwrap_or_default();
            let target_side = t.as_ref().and_then(|t| target.remove(t));
            Partition {
                source_topic: s.0.clone(),
                target_topic: runbook.mirror.target_topic(&s.0),
                partition: s.1,
                source_end,
                target_end: target_side.as_ref().map(|t| t.0),
                source_last: source_records.pop(),
                target_last: target_side.and_then(|mut t| t.1.pop()),
            }
        })
        .collect();
    let missing = pairs.missing_topics;
    Ok(evaluate(
        &partitions,
        &missing,
        runbook.mirror.engine == Engine::OffsetPreserving,
    ))
}
