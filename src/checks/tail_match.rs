//! `tail_match`: the last N records of each partition are identical, in order, on both
//! clusters. Extra copies on the target (at-least-once mirroring) are counted, not failed.

use std::collections::HashSet;

use super::mirror_caught_up::same_record;
use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{KafkaError, Record};
use crate::runbook::{CheckSpec, Runbook};

/// How the two tails line up.
#[derive(Debug, PartialEq, Eq)]
pub enum Alignment {
    Match {
        compared: usize,
        duplicates: usize,
    },
    /// The first (newest-first walk) position where they differ: source and target offsets.
    Differs {
        source: i64,
        target: Option<i64>,
        reason: String,
    },
}

/// Walk both tails back from the end. A target record equal to one already matched is a
/// duplicate from a retried or replayed mirror write and is skipped; anything else that
/// does not match is a missing or changed record.
pub fn align(source: &[Record], target: &[Record]) -> Alignment {
    // Nothing to align from: an empty source tail matches only an empty target tail.
    if let (true, Some(last)) = (source.is_empty(), target.last()) {
        return Alignment::Differs {
            source: 0,
            target: Some(last.offset),
            reason: format!(
                "the source partition is empty but the target holds records (up to offset {})",
                last.offset
            ),
        };
    }
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    let mut duplicates = 0;
    let mut j = target.len();
    for s in source.iter().rev() {
        loop {
            if j == 0 {
                return Alignment::Differs {
                    source: s.offset,
                    target: None,
                    reason: format!("source record at offset {} is missing on target", s.offset),
                };
            }
            let t = &target[j - 1];
            if same_record(s, t) {
                seen.insert(t.digest);
                j -= 1;
                break;
            }
            if seen.contains(&t.digest) {
                duplicates += 1;
                j -= 1;
                continue;
            }
            return Alignment::Differs {
                source: s.offset,
                target: Some(t.offset),
                reason: format!(
                    "source offset {} and target offset {} differ (record missing or changed)",
                    s.offset, t.offset
                ),
            };
        }
    }
    Alignment::Match {
        compared: source.len(),
        duplicates,
    }
}

pub struct PartitionTails {
    pub source_topic: String,
    pub target_topic: String,
    pub partition: i32,
    pub source: Vec<Record>,
    /// None: the partition does not exist on target.
    pub target: Option<Vec<Record>>,
}

pub fn evaluate(
    tails: &[PartitionTails],
    missing_topics: &[String],
    records: u32,
    selected: &Resolved,
    allow_empty: bool,
) -> Outcome {
    if tails.is_empty() && missing_topics.is_empty() {
        return selection::nothing_on_source(selected, allow_empty);
    }
    let mut items = selected.items("topic", "source");
    items.extend(Item::missing_topics(missing_topics));
    let mut total_duplicates = 0;
    let mut total_compared = 0;
    for tail in tails {
        let item = Item::new(ItemStatus::Pass)
            .topic(&tail.target_topic)
            .partition(tail.partition)
            .field("source_topic", tail.source_topic.as_str());
        let Some(target) = &tail.target else {
            let mut item = item.reason("partition missing on target");
            item.status = ItemStatus::Fail;
            items.push(item);
            continue;
        };
        match align(&tail.source, target) {
            Alignment::Match {
                compared: 0,
                duplicates: 0,
            } => {
                let mut item = item.values(0, 0).reason(
                    "no data records on either side (down to the log start): not compared"
                        .to_string(),
                );
                item.status = ItemStatus::Info;
                items.push(item);
            }
            Alignment::Match {
                compared,
                duplicates,
            } => {
                total_duplicates += duplicates;
                total_compared += compared;
                let mut item = item
                    .values(compared as i64, target.len() as i64)
                    .field("duplicates", duplicates);
                if duplicates > 0 {
                    item = item.reason(format!(
                        "{duplicates} duplicate(s) on target (at-least-once mirroring: a retried write or a replay after a task restart)"
                    ));
                }
                items.push(item);
            }
            Alignment::Differs {
                source,
                target,
                reason,
            } => {
                let mut item = item.values(source, target).reason(reason);
                item.status = ItemStatus::Fail;
                items.push(item);
            }
        }
    }
    let count = tails.len();
    let mut pass = format!(
        "compared {total_compared} record(s), up to the last {records} of each of {count} partition(s): identical on both clusters"
    );
    if total_duplicates > 0 {
        pass.push_str(&format!(" ({total_duplicates} duplicate(s) on target)"));
    }
    Outcome::from_items(items, pass, "partitions").note(&selected.idle_note())
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::TailMatch { topics, records } = spec else {
        unreachable!("tail_match::run takes a tail_match spec")
    };
    let n = i64::from(*records);
    let (source_topics, target_topics) = clusters.topics()?;
    let selected = selection::resolve_topics(topics, &source_topics);
    let pairs = selection::Pairs::new(runbook, topics, &source_topics, &target_topics);
    let (source_partitions, target_partitions) =
        (pairs.source_partitions(), pairs.target_partitions());
    // The last N data records, read back past transaction markers (a tail of markers is
    // not "nothing to compare"). The target may hold duplicates: twice as many there.
    let (source, target) = clusters.both(
        |c| c.last_n_data_records(&source_partitions, n),
        |c| c.last_n_data_records(&target_partitions, 2 * n),
    );
    let (mut source, mut target) = (source?, target?);
    let tails: Vec<PartitionTails> = pairs
        .pairs
        .into_iter()
        .map(|(s, t)| {
            let (_, source_records) = source.remove(&s).unwrap_or_default();
            PartitionTails {
                target_topic: runbook.mirror.target_topic(&s.0),
                source_topic: s.0,
                partition: s.1,
                source: source_records,
                target: t.map(|t| target.remove(&t).map(|(_, r)| r).unwrap_or_default()),
            }
        })
        .collect();
    let missing = pairs.missing_topics;
    Ok(evaluate(&tails, &missing, *records, &selected, allow_empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: i64, content: &str) -> Record {
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

    fn records(base: i64, contents: &[&str]) -> Vec<Record> {
        contents
            .iter()
            .enumerate()
            .map(|(i, c)| r(base + i as i64, c))
            .collect()
    }

    /// A simulated log: data records at `data` offsets (the rest transaction markers),
    /// from `start` to `end`; the last `n` data records found, and the ranges read.
    fn last_n(data: &[i64], start: i64, end: i64, n: i64) -> (Vec<i64>, Vec<(i64, i64)>) {
        let tp: crate::kafka::TopicPartition = ("orders".into(), 0);
        let ends = std::collections::HashMap::from([(tp.clone(), end)]);
        let mut reads = Vec::new();
        let found = crate::kafka::queries::last_n_data_records::<()>(
            std::slice::from_ref(&tp),
            &ends,
            n,
            |ranges| {
                Ok(ranges
                    .iter()
                    .map(|(tp, from, to)| {
                        reads.push((*from, *to));
                        let records = data
                            .iter()
                            .filter(|o| **o >= (*from).max(start) && **o < *to)
                            .map(|o| r(*o, &o.to_string()))
                            .collect();
                        (tp.clone(), records)
                    })
                    .collect())
            },
            |wanted| Ok(wanted.iter().map(|tp| (tp.clone(), start)).collect()),
        )
        .unwrap();
        let offsets = found[&tp].1.iter().map(|r| r.offset).collect();
        (offsets, reads)
    }

    /// Review finding 6: a tail of transaction markers (aborted transactions) held no data
    /// record in the last N offsets, and the partition became "not compared" (info). The
    /// read widens past the markers until N data records or the log start (tansu 0.6.0
    /// writes no markers: a simulated log).
    #[test]
    fn a_tail_of_markers_is_read_past_until_n_data_records() {
        // Data at 0..=4, then 40 offsets of markers: the last 3 data records are 2, 3, 4.
        let (found, reads) = last_n(&[0, 1, 2, 3, 4], 0, 45, 3);
        assert_eq!(found, [2, 3, 4]);
        assert_eq!(reads, [(42, 45), (36, 42), (24, 36), (0, 24)]);
        // Markers between data records: keep the newest N, oldest first.
        assert_eq!(last_n(&[10, 20, 29], 0, 30, 2).0, [20, 29]);
        // Fewer data records than N down to the log start: all of them.
        assert_eq!(last_n(&[7], 5, 20, 4).0, [7]);
        assert_eq!(last_n(&[], 0, 0, 4), (vec![], vec![]));
    }

    #[test]
    fn identical_tails_match_whatever_the_offsets() {
        let s = records(100, &["a", "b", "c"]);
        let t = records(7, &["a", "b", "c"]);
        assert_eq!(
            align(&s, &t),
            Alignment::Match {
                compared: 3,
                duplicates: 0
            }
        );
    }

    #[test]
    fn duplicates_on_target_are_counted_not_failed() {
        let s = records(0, &["a", "b", "c", "d"]);
        let t = records(0, &["a", "b", "c", "b", "c", "d"]);
        assert_eq!(
            align(&s, &t),
            Alignment::Match {
                compared: 4,
                duplicates: 2
            }
        );
    }

    #[test]
    fn records_on_target_that_the_source_never_had_fail() {
        assert!(matches!(
            align(&[], &records(0, &["x"])),
            Alignment::Differs {
                target: Some(0),
                ..
            }
        ));
        assert_eq!(
            align(&[], &[]),
            Alignment::Match {
                compared: 0,
                duplicates: 0
            }
        );
    }

    #[test]
    fn a_missing_or_changed_record_fails_at_the_first_difference() {
        let s = records(10, &["a", "b", "c"]);
        let missing_last = records(0, &["a", "b"]);
        assert!(matches!(
            align(&s, &missing_last),
            Alignment::Differs {
                source: 12,
                target: Some(1),
                ..
            }
        ));
        let changed = records(0, &["a", "X", "c"]);
        assert!(matches!(
            align(&s, &changed),
            Alignment::Differs {
                source: 11,
                target: Some(1),
                ..
            }
        ));
        assert!(matches!(
            align(&s, &[]),
            Alignment::Differs {
                source: 12,
                target: None,
                ..
            }
        ));
    }

    #[test]
    fn a_different_timestamp_differs_unless_log_append_time() {
        let s = vec![r(0, "a")];
        let mut t = vec![r(0, "a")];
        t[0].timestamp = Some(2);
        assert!(matches!(align(&s, &t), Alignment::Differs { .. }));
        t[0].log_append_time = true;
        assert!(matches!(align(&s, &t), Alignment::Match { .. }));
    }
}
