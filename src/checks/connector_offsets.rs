//! `mirror_caught_up` with `via: connector_offsets`: per selected source partition, the
//! MirrorSourceConnector's committed offset (KIP-875 `GET /connectors/{name}/offsets`, Kafka
//! 3.5+) against the offset of the source partition's last data record.
//!
//! MirrorSourceTask commits, per upstream partition, `{"offset": <upstream offset of the last
//! record it replicated>}` under `{"cluster", "topic", "partition"}` (MirrorUtils.wrapPartition
//! and wrapOffset in apache/kafka connect/mirror). So a caught-up partition has its committed
//! offset at the last data record: normally end offset - 1. Transaction markers (commit/abort
//! control records) take offsets too but are never replicated, so when the committed offset is
//! below end - 1 the tail is read to find the last data record (further back in doubling steps
//! past a tail of markers, as mirror_caught_up does); that is the only record read.
//!
//! Connect commits source offsets every `offset.flush.interval.ms` (60 s by default): while
//! the mirror runs, a lag of up to that interval is expected and the check polls past it.

use super::{selection, Clusters, Item, ItemStatus, Outcome, Progress};
use crate::connect::Client;
use crate::kafka::{KafkaError, TopicPartition};
use crate::runbook::{CheckSpec, Runbook};
use std::collections::HashMap;

/// How far back to look first for the last data record behind control markers (then
/// further back in doubling steps).
const LOOKBACK: i64 = 8;

pub const FLUSH_NOTE: &str = "Connect commits source offsets every offset.flush.interval.ms (60 s by default), so a lag of up to that interval is expected while the mirror runs";

#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub topic: String,
    pub partition: i32,
    pub source_end: i64,
    /// The connector's committed upstream offset; None: none committed for this partition.
    pub committed: Option<i64>,
    /// The last data record's offset, read only when the committed offset is below
    /// end - 1: Some(None) when the tail read had no data record.
    pub last_data: Option<Option<i64>>,
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::MirrorCaughtUp {
        topics,
        connector: Some((connect, name)),
    } = spec
    else {
        unreachable!("connector_offsets::run takes mirror_caught_up via connector_offsets")
    };
    let endpoint = runbook
        .connect
        .get(connect)
        .expect("validated: the endpoint exists");
    // The request ends by the check's deadline (its timeout, or the step's when sooner).
    let deadline = crate::kafka::retry::deadline();
    let committed = Client::new(endpoint, runbook.defaults.request_timeout, &runbook.secrets)
        .map(|client| match deadline {
            Some(deadline) => client.until(deadline),
            None => client,
        })
        .and_then(|client| client.offsets(name));
    let committed = match committed {
        Ok(offsets) => offsets.mirror_source(runbook.mirror.source_alias.as_deref()),
        Err(e) => return Ok(Outcome::error(runbook.secrets.redact(&e.to_string()))),
    };
    let source_topics = clusters.source.topics()?;
    let selected = selection::resolve_topics(topics, &source_topics);
    let partitions = selection::partitions(&selected.list(), &source_topics);
    let ends = clusters.source.fetch_end_offsets(&partitions)?;
    let behind: Vec<TopicPartition> = partitions
        .iter()
        .filter(|tp| {
            let end = ends.get(*tp).copied().unwrap_or(0);
            committed.get(*tp).is_some_and(|&o| o < end - 1)
        })
        .cloned()
        .collect();
    let mut tails = last_data_offsets(
        &behind,
        &ends,
        |ranges| clusters.source.read_ranges(ranges),
        |wanted| clusters.source.fetch_start_offsets(wanted),
    )?;
    let gathered: Vec<Partition> = partitions
        .iter()
        .map(|tp| Partition {
            topic: tp.0.clone(),
            partition: tp.1,
            source_end: ends.get(tp).copied().unwrap_or(0),
            committed: committed.get(tp).copied(),
            last_data: tails.remove(tp),
        })
        .collect();
    Ok(evaluate(&gathered, name, &selected, allow_empty))
}

/// The offset of the last data record of each partition `behind` (None: no data record), read
/// back from its end `ends` past transaction markers.
pub fn last_data_offsets<E>(
    behind: &[TopicPartition],
    ends: &HashMap<TopicPartition, i64>,
    read: impl FnMut(
        &[(TopicPartition, i64, i64)],
    ) -> Result<HashMap<TopicPartition, Vec<crate::kafka::Record>>, E>,
    start_offsets: impl FnMut(&[TopicPartition]) -> Result<HashMap<TopicPartition, i64>, E>,
) -> Result<HashMap<TopicPartition, Option<i64>>, E> {
    // The same widening search as mirror_caught_up: the last LOOKBACK offsets, then further
    // back in doubling steps until a data record or the log start.
    let found =
        crate::kafka::queries::last_data_records(behind, ends, LOOKBACK, read, start_offsets)?;
    Ok(found
        .into_iter()
        .map(|(tp, (_, last))| (tp, last.map(|r| r.offset)))
        .collect())
}

/// Judge each partition. Never a pass with no partition compared (the evidence rule: an
/// empty selection fails, or passes only with `allow_empty` and no literal name).
pub fn evaluate(
    partitions: &[Partition],
    connector: &str,
    selected: &selection::Resolved,
    allow_empty: bool,
) -> Outcome {
    if partitions.is_empty() {
        return selection::nothing_on_source(selected, allow_empty);
    }
    let mut items = selected.items("topic", "source");
    let mut caught_up = 0u64;
    for p in partitions {
        let item = Item::new(ItemStatus::Pass)
            .topic(&p.topic)
            .partition(p.partition)
            .values(p.source_end, p.committed)
            .field("connector", connector);
        let verdict: Result<String, String> = match (p.committed, p.last_data) {
            (None, _) if p.source_end == 0 => Ok("empty partition: nothing to replicate".into()),
            (None, _) => Err(format!(
                "the connector has no committed offset for this partition (end offset {})",
                p.source_end
            )),
            (Some(o), _) if o >= p.source_end => Err(format!(
                "committed offset {o} is at or past the source end offset {}: not this cluster's partition, or it was recreated",
                p.source_end
            )),
            (Some(o), _) if o == p.source_end - 1 => {
                Ok(format!("replicated up to the last offset ({o})"))
            }
            (Some(o), Some(Some(last))) if o >= last => Ok(format!(
                "replicated up to the last data record ({last}); offsets after it are control markers"
            )),
            (Some(o), Some(Some(last))) => Err(format!(
                "committed offset {o}, last data record {last}: {} record offset(s) behind. {FLUSH_NOTE}",
                last - o
            )),
            (Some(o), _) => Err(format!(
                "committed offset {o} is below end offset {} - 1 and the last {LOOKBACK} offsets hold no data record to compare with",
                p.source_end
            )),
        };
        items.push(match verdict {
            Ok(reason) => {
                caught_up += 1;
                item.reason(reason)
            }
            Err(reason) => {
                let mut item = item.reason(reason);
                item.status = ItemStatus::Fail;
                item
            }
        });
    }
    let total = partitions.len() as u64;
    Outcome::from_items(
        items,
        format!(
            "{total} partition(s): connector {connector} has replicated up to the last data record"
        ),
        "partitions",
    )
    .note(&selected.idle_note())
    .with_progress(Progress {
        done: Some(caught_up),
        total: Some(total),
        ..Progress::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    /// Review finding 6: the last data record was looked for in the last 8 offsets only; a
    /// tail of more transaction markers (aborted transactions) hid it. Over a simulated log
    /// (tansu 0.6.0 has no EndTxn): data at offsets 0..3, then 40 offsets of markers.
    #[test]
    fn the_last_data_record_is_found_behind_many_markers() {
        let tp: TopicPartition = ("orders".into(), 0);
        let ends = HashMap::from([(tp.clone(), 43)]);
        let found = last_data_offsets::<()>(
            std::slice::from_ref(&tp),
            &ends,
            |ranges| {
                Ok(ranges
                    .iter()
                    .map(|(tp, from, to)| {
                        let records = (0..3)
                            .filter(|o| o >= from && o < to)
                            .map(|offset| crate::kafka::Record {
                                offset,
                                timestamp: None,
                                log_append_time: false,
                                digest: [0; 32],
                                key: None,
                                value: None,
                            })
                            .collect();
                        (tp.clone(), records)
                    })
                    .collect())
            },
            |wanted| Ok(wanted.iter().map(|tp| (tp.clone(), 0)).collect()),
        )
        .unwrap();
        assert_eq!(found[&tp], Some(2));
    }

    fn none() -> selection::Resolved {
        selection::Resolved::default()
    }

    fn p(end: i64, committed: Option<i64>, last_data: Option<Option<i64>>) -> Partition {
        Partition {
            topic: "orders".into(),
            partition: 0,
            source_end: end,
            committed,
            last_data,
        }
    }

    #[test]
    fn committed_at_the_last_offset_passes() {
        assert_eq!(
            evaluate(&[p(10, Some(9), None)], "c", &none(), false).status,
            Status::Pass
        );
    }

    #[test]
    fn behind_fails_and_names_the_flush_interval() {
        let outcome = evaluate(&[p(10, Some(6), Some(Some(9)))], "c", &none(), false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.items[0]
            .reason
            .as_ref()
            .unwrap()
            .contains("offset.flush.interval.ms"));
    }

    #[test]
    fn a_commit_marker_after_the_last_data_record_is_caught_up() {
        // A transaction of records 5..=8 and its commit marker at 9: end offset 10.
        assert_eq!(
            evaluate(&[p(10, Some(8), Some(Some(8)))], "c", &none(), false).status,
            Status::Pass
        );
    }

    #[test]
    fn a_missing_offset_fails_unless_the_partition_is_empty() {
        assert_eq!(
            evaluate(&[p(10, None, None)], "c", &none(), false).status,
            Status::Fail
        );
        assert_eq!(
            evaluate(&[p(0, None, None)], "c", &none(), false).status,
            Status::Pass
        );
    }

    #[test]
    fn nothing_selected_never_passes_unless_allowed_and_nothing_was_named() {
        assert_eq!(evaluate(&[], "c", &none(), false).status, Status::Fail);
        let allowed = evaluate(&[], "c", &none(), true);
        assert_eq!(allowed.status, Status::Pass);
        assert!(
            allowed.summary.contains("the selection was empty"),
            "{}",
            allowed.summary
        );
        let typo = selection::Resolved {
            missing: vec!["ordres".into()],
            ..none()
        };
        assert_eq!(evaluate(&[], "c", &typo, true).status, Status::Fail);
    }

    #[test]
    fn an_offset_past_the_end_fails() {
        assert_eq!(
            evaluate(&[p(10, Some(10), None)], "c", &none(), false).status,
            Status::Fail
        );
    }
}
