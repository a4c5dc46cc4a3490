//! `producers_quiet`: no selected partition's end offset moves during the window.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{KafkaError, TopicPartition, Topics};
use crate::runbook::CheckSpec;
use serde_json::Value;

/// Selected topics and their end offsets at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub topics: Topics,
    pub end: HashMap<TopicPartition, i64>,
}

/// The verdict over two moments. `selected` is the selection resolved at the first moment
/// (literal topics that do not exist fail); `described` is the selection in words.
pub fn evaluate(
    before: &Snapshot,
    after: &Snapshot,
    window: Duration,
    selected: &Resolved,
    described: &str,
    allow_empty: bool,
) -> Outcome {
    let window = humantime::format_duration(window);
    let on = described
        .rsplit_once(" on ")
        .map_or("the cluster", |(_, on)| on);
    let mut items = selected.items("topic", on);
    if before.topics.is_empty() && after.topics.is_empty() {
        let literal = !items.is_empty();
        return selection::empty(described, literal, items, allow_empty)
            .note(&selected.idle_note());
    }
    for (topic, count) in &before.topics {
        if !after.topics.contains_key(topic) {
            items.push(
                Item::new(ItemStatus::Fail)
                    .topic(topic)
                    .values(*count, Value::Null)
                    .reason(format!(
                        "topic disappeared during the {window} window (deleted?)"
                    )),
            );
        }
    }
    for ((topic, partition), start) in before.end.iter().collect::<BTreeMap<_, _>>() {
        if after.topics.contains_key(topic) && !after.end.contains_key(&(topic.clone(), *partition))
        {
            items.push(
                Item::new(ItemStatus::Fail)
                    .topic(topic)
                    .partition(*partition)
                    .field("before", *start)
                    .reason(format!("partition disappeared during the {window} window")),
            );
        }
    }
    for (topic, count) in &after.topics {
        match before.topics.get(topic) {
            None => items.push(
                Item::new(ItemStatus::Fail)
                    .topic(topic)
                    .reason(format!("topic appeared during the {window} window")),
            ),
            Some(old) if old != count => items.push(
                Item::new(ItemStatus::Fail)
                    .topic(topic)
                    .values(*old, *count)
                    .reason(format!("partition count changed from {old} to {count}")),
            ),
            Some(_) => {}
        }
    }
    let sorted: BTreeMap<&TopicPartition, &i64> = after.end.iter().collect();
    for ((topic, partition), end) in sorted {
        let Some(start) = before.end.get(&(topic.clone(), *partition)) else {
            continue;
        };
        let moved = end - start;
        let item = Item::new(if moved == 0 {
            ItemStatus::Pass
        } else {
            ItemStatus::Fail
        })
        .topic(topic)
        .partition(*partition)
        .field("before", *start)
        .field("after", *end)
        .field("moved", moved);
        items.push(if moved == 0 {
            item
        } else {
            item.reason(format!(
                "{moved} record(s) written during the {window} window"
            ))
        });
    }
    let partitions = after.end.len();
    Outcome::from_items(
        items,
        format!(
            "compared the end offsets of {partitions} partition(s) of {} topic(s) {window} apart: no new records",
            after.topics.len()
        ),
        "partitions",
    )
    .note(&selected.idle_note())
}

pub fn run(
    spec: &CheckSpec,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    run_until(spec, clusters, allow_empty, None)
}

/// As `run`; a window still open at `deadline` (the step's) is cancelled: an error.
pub fn run_until(
    spec: &CheckSpec,
    clusters: &Clusters,
    allow_empty: bool,
    deadline: Option<std::time::Instant>,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::ProducersQuiet {
        cluster,
        topics,
        window,
    } = spec
    else {
        unreachable!("producers_quiet::run takes a producers_quiet spec")
    };
    let connection = clusters.get(*cluster);
    let snapshot = || -> Result<(Snapshot, Topics), KafkaError> {
        // Two moments, so never this round's snapshot.
        let all = connection.fetch_topics()?;
        let names = selection::topics(topics, &all);
        let partitions = selection::partitions(&names, &all);
        Ok((
            Snapshot {
                end: connection.fetch_end_offsets(&partitions)?,
                topics: names.into_iter().map(|t| (t.clone(), all[&t])).collect(),
            },
            all,
        ))
    };
    let (before, all_before) = snapshot()?;
    let selected = selection::resolve_topics(topics, &all_before);
    // Sleep in slices so Ctrl-C ends a long window promptly (the result is then an error).
    let until = std::time::Instant::now() + *window;
    while std::time::Instant::now() < until {
        if clusters.cancel.is_cancelled() {
            return Ok(Outcome::error("interrupted during the window"));
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Ok(Outcome::error(format!(
                "the window was {}",
                super::CANCELLED
            )));
        }
        std::thread::sleep((until - std::time::Instant::now()).min(Duration::from_millis(100)));
    }
    let (after, _) = snapshot()?;
    Ok(evaluate(
        &before,
        &after,
        *window,
        &selected,
        &format!("topics {} on {cluster}", topics.describe()),
        allow_empty,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn snapshot(ends: &[(&str, i32, i64)]) -> Snapshot {
        let mut s = Snapshot::default();
        for (topic, partition, end) in ends {
            let count = s.topics.entry(topic.to_string()).or_insert(0);
            *count = (*count).max(partition + 1);
            s.end.insert((topic.to_string(), *partition), *end);
        }
        s
    }

    fn evaluate(before: &Snapshot, after: &Snapshot, window: Duration) -> Outcome {
        super::evaluate(
            before,
            after,
            window,
            &Resolved::default(),
            "topics orders",
            false,
        )
    }

    #[test]
    fn unchanged_ends_pass_and_a_moving_partition_fails() {
        let w = Duration::from_secs(30);
        let before = snapshot(&[("orders", 0, 10), ("orders", 1, 4)]);
        assert_eq!(evaluate(&before, &before, w).status, Status::Pass);
        let after = snapshot(&[("orders", 0, 10), ("orders", 1, 5)]);
        let outcome = evaluate(&before, &after, w);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.items[0].partition, Some(1));
        assert_eq!(outcome.items[0].extra["moved"], 1);
    }

    #[test]
    fn a_topic_that_appears_fails() {
        let w = Duration::from_secs(30);
        let before = snapshot(&[("orders", 0, 10)]);
        let after = snapshot(&[("orders", 0, 10), ("orders.new", 0, 0)]);
        assert_eq!(evaluate(&before, &after, w).status, Status::Fail);
    }

    #[test]
    fn a_topic_deleted_or_shrunk_during_the_window_fails() {
        let w = Duration::from_secs(30);
        let before = snapshot(&[("orders", 0, 10), ("payments", 0, 4)]);
        let after = snapshot(&[("orders", 0, 10)]);
        let outcome = evaluate(&before, &after, w);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("disappeared"));
        // Recreated with fewer partitions: the count changed and partition 1 is gone.
        let before = snapshot(&[("orders", 0, 10), ("orders", 1, 4)]);
        let after = snapshot(&[("orders", 0, 10)]);
        let outcome = evaluate(&before, &after, w);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let reasons: Vec<&str> = outcome
            .items
            .iter()
            .filter_map(|i| i.reason.as_deref())
            .collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("partition count changed from 2 to 1")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("partition disappeared")),
            "{reasons:?}"
        );
    }

    #[test]
    fn an_empty_selection_fails_unless_allowed_and_a_missing_literal_topic_fails() {
        let w = Duration::from_secs(30);
        let empty = Snapshot::default();
        assert_eq!(evaluate(&empty, &empty, w).status, Status::Fail);
        let allowed = super::evaluate(
            &empty,
            &empty,
            w,
            &Resolved::default(),
            "topics matching x.*",
            true,
        );
        assert_eq!(allowed.status, Status::Pass);
        assert!(allowed.summary.contains("selection was empty"));
        let named = Resolved {
            missing: vec!["orders".into()],
            ..Resolved::default()
        };
        let outcome = super::evaluate(&empty, &empty, w, &named, "topics orders", true);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.starts_with("nothing matched"),
            "{}",
            outcome.summary
        );
    }
}
