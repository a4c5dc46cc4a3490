//! `producers_quiet`: no selected partition's end offset moves during the window.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::{selection, Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{KafkaError, TopicPartition, Topics};
use crate::runbook::CheckSpec;

/// Selected topics and their end offsets at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub topics: Topics,
    pub end: HashMap<TopicPartition, i64>,
}

pub fn evaluate(before: &Snapshot, after: &Snapshot, window: Duration) -> Outcome {
    let window = humantime::format_duration(window);
    if before.topics.is_empty() && after.topics.is_empty() {
        return Outcome::fail("no topic matches the selection", Vec::new());
    }
    let mut items = Vec::new();
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
        format!("no new records on {partitions} partition(s) for {window}"),
        "partitions",
    )
}

pub fn run(spec: &CheckSpec, clusters: &Clusters) -> Result<Outcome, KafkaError> {
    run_until(spec, clusters, None)
}

/// As `run`; a window still open at `deadline` (the step's) is cancelled: an error.
pub fn run_until(
    spec: &CheckSpec,
    clusters: &Clusters,
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
    let snapshot = || -> Result<Snapshot, KafkaError> {
        // Two moments, so never this round's snapshot.
        let all = connection.fetch_topics()?;
        let names = selection::topics(topics, &all);
        let partitions = selection::partitions(&names, &all);
        Ok(Snapshot {
            end: connection.fetch_end_offsets(&partitions)?,
            topics: names.into_iter().map(|t| (t.clone(), all[&t])).collect(),
        })
    };
    let before = snapshot()?;
    // Sleep in slices so Ctrl-C ends a long window promptly (the result is then an error).
    let until = std::time::Instant::now() + *window;
    while std::time::Instant::now() < until {
        if crate::engine::interrupt::requested() {
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
    let after = snapshot()?;
    Ok(evaluate(&before, &after, *window))
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
}
