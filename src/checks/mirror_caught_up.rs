//! `mirror_caught_up`: every selected source partition's last record is also the target
//! partition's last record.

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Items, Outcome, Progress};
use crate::kafka::queries::TailCache;
use crate::kafka::{KafkaError, Record};
use crate::runbook::{CheckSpec, Engine, Runbook};

/// How far back to look first for the last data record (transaction markers take offsets
/// too); a tail of markers only is read further back, in doubling steps, to the log start.
const LOOKBACK: i64 = 8;

#[derive(Debug, Clone)]
pub struct Partition {
    pub source_topic: String,
    pub target_topic: String,
    pub partition: i32,
    pub source_end: i64,
    /// None: the partition does not exist on target.
    pub target_end: Option<i64>,
    /// The last data record (None: none down to the log start).
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
    selected: &Resolved,
    allow_empty: bool,
) -> Outcome {
    evaluate_into(
        partitions,
        missing_topics,
        offsets_preserved,
        selected,
        allow_empty,
        Items::all(),
    )
}

/// As `evaluate`, each item going to `items` as it is judged (written or kept there).
pub fn evaluate_into(
    partitions: &[Partition],
    missing_topics: &[String],
    offsets_preserved: bool,
    selected: &Resolved,
    allow_empty: bool,
    mut items: Items,
) -> Outcome {
    if partitions.is_empty() && missing_topics.is_empty() {
        return selection::nothing_on_source(selected, allow_empty);
    }
    items.extend(selected.items("topic", "source"));
    items.extend(Item::missing_topics(missing_topics));
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
            (None, None) => Ok("no data record on either side (read back to the log start)"),
            (Some(_), None) => Err(
                "the target partition has no data record (read back to the log start)".to_string(),
            ),
            (None, Some(_)) => Err(
                "the source partition has no data record (read back to the log start) but the target has"
                    .to_string(),
            ),
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
        // Offsets are preserved: the ends must be equal too, whatever the last records say.
        let verdict = match (verdict, behind) {
            (Ok(_), Some(n)) if n > 0 => Err(format!(
                "target is {n} record(s) behind (offsets are preserved, so the ends must be equal)"
            )),
            (Ok(_), Some(n)) if n < 0 => Err(format!(
                "target end is {} offset(s) beyond the source end (offsets are preserved, so the ends must be equal)",
                -n
            )),
            (verdict, _) => verdict,
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
    let topics: std::collections::BTreeSet<&str> =
        partitions.iter().map(|p| p.source_topic.as_str()).collect();
    let outcome = items.judge(
        format!(
            "compared the last record of {total} partition(s) of {} topic(s): the same on both clusters",
            topics.len()
        ),
        "partitions",
    )
    .note(&selected.idle_note());
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
    tails: &mut (TailCache, TailCache),
    allow_empty: bool,
    items: Items,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::MirrorCaughtUp { topics, .. } = spec else {
        unreachable!("mirror_caught_up::run takes a mirror_caught_up spec")
    };
    let (source_topics, target_topics) = clusters.topics()?;
    let selected = selection::resolve_topics(topics, &source_topics);
    let pairs = selection::Pairs::new(runbook, topics, &source_topics, &target_topics);
    let (source_partitions, target_partitions) =
        (pairs.source_partitions(), pairs.target_partitions());
    // Within one poll loop, later polls read last records only where the end moved.
    let (source_tails, target_tails) = (&mut tails.0, &mut tails.1);
    let (source, target) = clusters.both(
        |c| c.last_data_records_cached(&source_partitions, LOOKBACK, source_tails),
        |c| c.last_data_records_cached(&target_partitions, LOOKBACK, target_tails),
    );
    let (mut source, mut target) = (source?, target?);
    let partitions: Vec<Partition> = pairs
        .pairs
        .iter()
        .map(|(s, t)| {
            let (source_end, source_last) = source.remove(s).unwrap_or_default();
            let target_side = t.as_ref().and_then(|t| target.remove(t));
            Partition {
                source_topic: s.0.clone(),
                target_topic: runbook.mirror.target_topic(&s.0),
                partition: s.1,
                source_end,
                target_end: target_side.as_ref().map(|t| t.0),
                source_last,
                target_last: target_side.and_then(|t| t.1),
            }
        })
        .collect();
    let missing = pairs.missing_topics;
    Ok(evaluate_into(
        &partitions,
        &missing,
        runbook.mirror.engine == Engine::OffsetPreserving,
        &selected,
        allow_empty,
        items,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn record(offset: i64, content: &str) -> Record {
        use sha2::{Digest, Sha256};
        Record {
            offset,
            timestamp: Some(1),
            log_append_time: false,
            digest: Sha256::digest(content.as_bytes()).into(),
            key: None,
            value: Some(content.as_bytes().to_vec()),
        }
    }

    fn partition(source_end: i64, target_end: i64, last: Option<&str>) -> Partition {
        Partition {
            source_topic: "orders".into(),
            target_topic: "orders".into(),
            partition: 0,
            source_end,
            target_end: Some(target_end),
            source_last: last.map(|c| record(source_end - 1, c)),
            target_last: last.map(|c| record(target_end - 1, c)),
        }
    }

    #[test]
    fn offset_preserving_fails_when_the_target_is_behind() {
        // The same last data record, but the source has more offsets (e.g. records after
        // the last one the target has are markers, or a record the mirror has not copied
        // is hidden by a marker run): with preserved offsets the ends must be equal.
        let p = partition(12, 10, Some("a"));
        let outcome = evaluate(
            std::slice::from_ref(&p),
            &[],
            true,
            &Resolved::default(),
            false,
        );
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.items[0].extra["records_behind"], 2);
        // Other engines: offsets differ between clusters, the ends say nothing.
        let outcome = evaluate(&[p], &[], false, &Resolved::default(), false);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome
            .summary
            .starts_with("compared the last record of 1 partition"));
    }

    #[test]
    fn no_data_records_on_either_side_is_said_so() {
        let outcome = evaluate(
            &[partition(5, 5, None)],
            &[],
            true,
            &Resolved::default(),
            false,
        );
        assert_eq!(outcome.status, Status::Pass);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("no data record on either side"));
    }

    #[test]
    fn an_empty_selection_fails_unless_allowed() {
        assert_eq!(
            evaluate(&[], &[], false, &Resolved::default(), false).status,
            Status::Fail
        );
        assert_eq!(
            evaluate(&[], &[], false, &Resolved::default(), true).status,
            Status::Pass
        );
        let typo = Resolved {
            missing: vec!["ordres".into()],
            ..Resolved::default()
        };
        let outcome = evaluate(&[], &[], false, &typo, true);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("ordres"));
    }
}
