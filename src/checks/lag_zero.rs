//! `lag_zero`: every selected group has consumed every partition of the topics it reads.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::Clusters;
use super::{selection, Item, ItemStatus, Outcome, Progress};
use crate::kafka::{Committed, KafkaError, TopicPartition};
use crate::runbook::{CheckSpec, Role, Selection};

/// What lag_zero needs from one cluster.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Every selected group, with its commits (empty: no such group, or never committed).
    pub committed: BTreeMap<String, Vec<Committed>>,
    pub partition_counts: BTreeMap<String, i32>,
    pub start: HashMap<TopicPartition, i64>,
    pub end: HashMap<TopicPartition, i64>,
    /// The groups were named literally (a missing one is likely a typo).
    pub literal: bool,
}

/// Total lag per group over the previous polls, for drain rate and STOP detection.
#[derive(Debug, Default)]
pub struct History {
    polls: Vec<(Instant, i64)>,
    last_commits: HashMap<(String, String, i32), (i64, u32)>,
}

impl History {
    /// Records drained per second over the polls so far, when it can be known.
    pub fn drain_rate(&self) -> Option<f64> {
        let (first, last) = (self.polls.first()?, self.polls.last()?);
        let seconds = last.0.duration_since(first.0).as_secs_f64();
        (seconds > 0.0).then(|| (first.1 - last.1) as f64 / seconds)
    }
}

pub fn gather(
    cluster: Role,
    groups: &Selection,
    topics: &Selection,
    clusters: &Clusters,
) -> Result<Facts, KafkaError> {
    let connection = clusters.get(cluster);
    let names = selection::groups(groups, connection)?;
    let metadata = connection.topics()?;
    let selected = selection::partitions(&selection::topics(topics, &metadata), &metadata);
    let mut committed = connection.committed_on(&names, &selected)?;
    for commits in committed.values_mut() {
        commits.retain(|c| topics.matches(&c.topic));
    }
    let read: Vec<String> = {
        let mut read: Vec<String> = committed
            .values()
            .flatten()
            .map(|c| c.topic.clone())
            .collect();
        read.sort();
        read.dedup();
        read
    };
    let partitions = selection::partitions(&read, &metadata);
    let end = connection.end_offsets(&partitions)?;
    // Start offsets matter only where some group has no commit.
    let mut uncommitted: std::collections::BTreeSet<TopicPartition> = Default::default();
    for commits in committed.values() {
        let have: std::collections::HashSet<(&str, i32)> = commits
            .iter()
            .map(|c| (c.topic.as_str(), c.partition))
            .collect();
        let topics: std::collections::BTreeSet<&str> =
            commits.iter().map(|c| c.topic.as_str()).collect();
        for topic in topics {
            for p in 0..metadata.get(topic).copied().unwrap_or(0) {
                if !have.contains(&(topic, p)) {
                    uncommitted.insert((topic.to_string(), p));
                }
            }
        }
    }
    let uncommitted: Vec<TopicPartition> = uncommitted.into_iter().collect();
    let start = connection.start_offsets(&uncommitted)?;
    Ok(Facts {
        committed,
        partition_counts: read
            .iter()
            .map(|t| (t.clone(), metadata.get(t).copied().unwrap_or(0)))
            .collect(),
        start,
        end,
        literal: groups.literal_names().is_some(),
    })
}

/// The verdict: lag of every (group, partition) at most `max_lag`.
pub fn evaluate(facts: &Facts, max_lag: u64, cluster: Role) -> Outcome {
    let mut items = Vec::new();
    let mut total: i64 = 0;
    if facts.committed.is_empty() {
        return Outcome::fail(
            format!("no group on {cluster} matches the selection"),
            Vec::new(),
        );
    }
    for (group, commits) in &facts.committed {
        if commits.is_empty() {
            items.push(
                Item::new(ItemStatus::Fail)
                    .group(group)
                    .reason("no such group or no commits on the selected topics (likely a typo)"),
            );
            continue;
        }
        let by_partition: HashMap<(&str, i32), i64> = commits
            .iter()
            .map(|c| ((c.topic.as_str(), c.partition), c.offset))
            .collect();
        let mut topics: Vec<&str> = commits.iter().map(|c| c.topic.as_str()).collect();
        topics.sort();
        topics.dedup();
        for topic in topics {
            for partition in 0..facts.partition_counts.get(topic).copied().unwrap_or(0) {
                let key = (topic.to_string(), partition);
                let end = facts.end[&key];
                let committed = by_partition.get(&(topic, partition)).copied();
                let from = committed.unwrap_or_else(|| facts.start.get(&key).copied().unwrap_or(0));
                let lag = end - from;
                total += lag.max(0);
                let mut item = Item::new(if lag < 0 || lag as u64 > max_lag {
                    ItemStatus::Fail
                } else {
                    ItemStatus::Pass
                })
                .group(group)
                .topic(topic)
                .partition(partition)
                .field("committed", committed)
                .field("end", end)
                .field("lag", lag);
                if lag < 0 {
                    item = item.reason(format!(
                        "committed offset {from} is beyond the end {end} (topic recreated or truncated?)"
                    ));
                } else if committed.is_none() {
                    item = item.reason(format!("no commit: counted from the start offset {from}"));
                } else if lag as u64 > max_lag {
                    item = item.reason(format!("lag {lag} > {max_lag}"));
                }
                items.push(item);
            }
        }
    }
    let groups = facts.committed.len();
    let pass =
        format!("lag of {groups} group(s) on {cluster} is at most {max_lag} on every partition");
    let mut outcome = Outcome::from_items(items, pass, "group partitions");
    if outcome.status == super::Status::Fail {
        outcome.summary = format!("{}; total lag {total}", outcome.summary);
    }
    outcome.with_progress(Progress {
        remaining: Some(total),
        ..Progress::default()
    })
}

/// Mark STOP (lag > 0 and the committed offset unchanged for 3 polls) on failing items, and
/// record total lag for the drain rate.
pub fn annotate(outcome: &mut Outcome, history: &mut History) {
    history
        .polls
        .push((Instant::now(), outcome.progress.remaining.unwrap_or(0)));
    for item in &mut outcome.items {
        let (Some(group), Some(topic), Some(partition)) =
            (&item.group, &item.topic, item.partition)
        else {
            continue;
        };
        let committed = item.extra.get("committed").and_then(|v| v.as_i64());
        let lag = item.extra.get("lag").and_then(|v| v.as_i64()).unwrap_or(0);
        let Some(committed) = committed else { continue };
        let key = (group.clone(), topic.clone(), partition);
        let unchanged = match history.last_commits.get(&key) {
            Some((previous, polls)) if *previous == committed => polls + 1,
            _ => 0,
        };
        history.last_commits.insert(key, (committed, unchanged));
        if lag > 0 && unchanged >= 3 {
            item.extra.insert("state", "STOP".into());
            let reason = item.reason.clone().unwrap_or_default();
            item.reason = Some(format!(
                "{reason}; STOP: committed offset unchanged for {unchanged} polls while lag remains (consumer stopped?)"
            ));
        }
    }
}

pub fn run(
    spec: &CheckSpec,
    clusters: &Clusters,
    history: &mut History,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::LagZero {
        cluster,
        groups,
        topics,
        max_lag,
    } = spec
    else {
        unreachable!("lag_zero::run takes a lag_zero spec")
    };
    let facts = gather(*cluster, groups, topics, clusters)?;
    let mut outcome = evaluate(&facts, *max_lag, *cluster);
    annotate(&mut outcome, history);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn facts(commits: &[(&str, &str, i32, i64)], ends: &[(&str, i32, i64)]) -> Facts {
        let mut facts = Facts::default();
        for (group, topic, partition, offset) in commits {
            facts
                .committed
                .entry(group.to_string())
                .or_default()
                .push(Committed {
                    topic: topic.to_string(),
                    partition: *partition,
                    offset: *offset,
                });
        }
        for (topic, partition, end) in ends {
            let count = facts.partition_counts.entry(topic.to_string()).or_insert(0);
            *count = (*count).max(partition + 1);
            facts.end.insert((topic.to_string(), *partition), *end);
            facts.start.insert((topic.to_string(), *partition), 0);
        }
        facts
    }

    #[test]
    fn drained_groups_pass() {
        let f = facts(
            &[("billing", "orders", 0, 30), ("billing", "orders", 1, 5)],
            &[("orders", 0, 30), ("orders", 1, 5)],
        );
        let outcome = evaluate(&f, 0, Role::Source);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.progress.remaining, Some(0));
    }

    #[test]
    fn lag_on_one_partition_fails_naming_it() {
        let f = facts(
            &[("billing", "orders", 0, 27), ("billing", "orders", 1, 5)],
            &[("orders", 0, 30), ("orders", 1, 5)],
        );
        let outcome = evaluate(&f, 0, Role::Source);
        assert_eq!(outcome.status, Status::Fail);
        let failing = &outcome.items[0];
        assert_eq!(
            (failing.partition, failing.extra["lag"].as_i64()),
            (Some(0), Some(3))
        );
        assert_eq!(outcome.progress.remaining, Some(3));
        assert_eq!(evaluate(&f, 3, Role::Source).status, Status::Pass);
    }

    #[test]
    fn a_partition_without_commit_counts_from_its_start() {
        let f = facts(
            &[("billing", "orders", 0, 30)],
            &[("orders", 0, 30), ("orders", 1, 4)],
        );
        let outcome = evaluate(&f, 0, Role::Source);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.items[0].extra["lag"].as_i64(), Some(4));
        assert!(outcome.items[0].extra["committed"].is_null());
    }

    #[test]
    fn a_group_without_commits_is_likely_a_typo() {
        let mut f = facts(&[("billing", "orders", 0, 30)], &[("orders", 0, 30)]);
        f.committed.insert("biling".into(), Vec::new());
        let outcome = evaluate(&f, 0, Role::Source);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("likely a typo"));
    }

    #[test]
    fn stop_is_flagged_when_commits_stall_with_lag() {
        let f = facts(&[("billing", "orders", 0, 10)], &[("orders", 0, 30)]);
        let mut history = History::default();
        let mut last = evaluate(&f, 0, Role::Source);
        for _ in 0..4 {
            last = evaluate(&f, 0, Role::Source);
            annotate(&mut last, &mut history);
        }
        assert_eq!(last.items[0].extra["state"], "STOP");
    }
}
