//! `lag_zero`: every selected group has consumed every partition of the topics it reads.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::selection::{self, Origin, Resolved};
use super::Clusters;
use super::{Item, ItemStatus, Items, Outcome, Progress};
use crate::kafka::{retain_commits, Commits, KafkaError, TopicPartition};
use crate::runbook::{CheckSpec, Role, Selection};

/// What lag_zero needs from one cluster.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Every selected group, with its commits on selected topics the cluster has (empty: no
    /// such group, never committed, or commits on other topics only).
    pub committed: BTreeMap<String, Commits>,
    pub partition_counts: BTreeMap<String, i32>,
    pub start: HashMap<TopicPartition, i64>,
    pub end: HashMap<TopicPartition, i64>,
    /// How each group was selected (absent: literal, the strict reading).
    pub origins: BTreeMap<String, Origin>,
    /// Commits of each group on any topic (absent: as many as `committed` holds).
    pub all_commits: BTreeMap<String, usize>,
    /// (group, topic): commits on a selected topic the cluster does not have.
    pub vanished: Vec<(String, String)>,
    /// The selections resolved, for literal names that matched nothing and idle patterns.
    pub groups: Resolved,
    pub topics: Resolved,
    /// The group and topic selections in words, for reasons and an empty result.
    pub groups_described: String,
    pub topics_described: String,
}

/// Total lag per group over the previous polls, for drain rate and STOP detection.
#[derive(Debug, Default)]
pub struct History {
    polls: Vec<(Instant, i64)>,
    /// (group, topic, partition) -> (committed offset, polls unchanged while lagging); names
    /// interned, so an entry is 28 bytes, not two strings; only partitions with lag.
    last_commits: HashMap<(u32, u32, i32), (i64, u32)>,
    names: super::names::Names,
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
    let resolved_groups = selection::groups(groups, connection)?;
    let names = resolved_groups.list();
    let metadata = connection.topics()?;
    let resolved_topics = selection::resolve_topics(topics, &metadata);
    let selected = selection::partitions(&resolved_topics.list(), &metadata);
    let mut committed = connection.committed_on(&names, &selected)?;
    let all_commits = committed
        .iter()
        .map(|(g, commits)| (g.clone(), commits.len()))
        .collect();
    let mut vanished = Vec::new();
    for (group, commits) in committed.iter_mut() {
        retain_commits(commits, |c| topics.matches(&c.topic));
        let mut gone: Vec<String> = commits
            .iter()
            .filter(|c| !metadata.contains_key(&*c.topic))
            .map(|c| c.topic.to_string())
            .collect();
        gone.sort();
        gone.dedup();
        vanished.extend(gone.into_iter().map(|t| (group.clone(), t)));
        retain_commits(commits, |c| metadata.contains_key(&*c.topic));
    }
    // Each topic once, sorted (a set of names, not a name per commit: 1.6 M commits name
    // 8,000 partitions of 160 topics at 8,000 partitions).
    // Inserted one by one: `collect` into a set gathers every element in a Vec first.
    let mut read: std::collections::BTreeSet<&str> = Default::default();
    for c in committed.values().flat_map(|commits| commits.iter()) {
        read.insert(&c.topic);
    }
    let read: Vec<String> = read.into_iter().map(str::to_string).collect();
    let partitions = selection::partitions(&read, &metadata);
    let end = connection.end_offsets(&partitions)?;
    // Start offsets matter only where some group has no commit.
    let mut uncommitted: std::collections::BTreeSet<TopicPartition> = Default::default();
    for commits in committed.values() {
        let have: std::collections::HashSet<(&str, i32)> =
            commits.iter().map(|c| (&*c.topic, c.partition)).collect();
        let topics: std::collections::BTreeSet<&str> = commits.iter().map(|c| &*c.topic).collect();
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
        origins: resolved_groups.names.iter().cloned().collect(),
        all_commits,
        vanished,
        groups_described: groups.describe(),
        topics_described: topics.describe(),
        groups: resolved_groups,
        topics: resolved_topics,
    })
}

/// The verdict: lag of every (group, partition) at most `max_lag`.
pub fn evaluate(facts: &Facts, max_lag: u64, cluster: Role, allow_empty: bool) -> Outcome {
    evaluate_into(facts, max_lag, cluster, allow_empty, Items::all(), None)
}

/// As `evaluate`, each item going to `items` as it is judged (written or kept there), and
/// with `history` each group partition's item marked STOP before it goes (`annotate`).
pub fn evaluate_into(
    facts: &Facts,
    max_lag: u64,
    cluster: Role,
    allow_empty: bool,
    mut items: Items,
    mut history: Option<&mut History>,
) -> Outcome {
    let on = cluster.name();
    items.extend(facts.topics.items("topic", on));
    items.extend(facts.groups.excluded_items("group"));
    let mut total: i64 = 0;
    let mut compared = 0usize;
    let mut compared_groups = 0usize;
    let mut compared_topics = std::collections::BTreeSet::new();
    let mut idle_groups = 0usize;
    let mut groups: Vec<&String> = facts.committed.keys().chain(facts.origins.keys()).collect();
    groups.sort();
    groups.dedup();
    let no_commits = Commits::default();
    for group in groups {
        let commits = facts.committed.get(group).unwrap_or(&no_commits);
        let literal =
            facts.origins.get(group).copied().unwrap_or(Origin::Literal) == Origin::Literal;
        let vanished: Vec<&String> = facts
            .vanished
            .iter()
            .filter(|(g, _)| g == group)
            .map(|(_, t)| t)
            .collect();
        if commits.is_empty() && vanished.is_empty() {
            let any = facts
                .all_commits
                .get(group)
                .copied()
                .unwrap_or(commits.len());
            let (status, reason) = match (literal, any) {
                (true, 0) => (
                    ItemStatus::Fail,
                    "no such group or no commits (likely a typo)".to_string(),
                ),
                (true, _) => (
                    ItemStatus::Fail,
                    format!(
                        "the group has commits, but none on the selected topics ({})",
                        facts.topics_described
                    ),
                ),
                (false, 0) => (
                    ItemStatus::Info,
                    "matched by a pattern but has no commits: not compared".to_string(),
                ),
                (false, _) => (
                    ItemStatus::Info,
                    "matched by a pattern; its commits are on other topics only: not compared"
                        .to_string(),
                ),
            };
            if status == ItemStatus::Info {
                idle_groups += 1;
            }
            let mut item = Item::new(status).group(group).reason(reason);
            item.status = status;
            items.push(item);
            continue;
        }
        compared_groups += 1;
        for topic in vanished {
            compared += 1;
            items.push(
                Item::new(ItemStatus::Fail)
                    .group(group)
                    .topic(topic)
                    .reason(format!(
                        "the group has commits on {topic}, which does not exist on {on} (deleted?): its lag cannot be known"
                    )),
            );
        }
        let by_partition: HashMap<(&str, i32), i64> = commits
            .iter()
            .map(|c| ((&*c.topic, c.partition), c.offset))
            .collect();
        let mut topics: Vec<&str> = commits.iter().map(|c| &*c.topic).collect();
        topics.sort();
        topics.dedup();
        for topic in topics {
            compared_topics.insert(topic.to_string());
            for partition in 0..facts.partition_counts.get(topic).copied().unwrap_or(0) {
                let key = (topic.to_string(), partition);
                let end = facts.end[&key];
                let committed = by_partition.get(&(topic, partition)).copied();
                let from = committed.unwrap_or_else(|| facts.start.get(&key).copied().unwrap_or(0));
                let lag = end - from;
                total += lag.max(0);
                compared += 1;
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
                if let Some(history) = history.as_deref_mut() {
                    annotate_item(&mut item, history);
                }
                items.push(item);
            }
        }
    }
    let note = selection::group_notes(idle_groups, &facts.groups, &facts.topics);
    if let Some(history) = history {
        history.polls.push((Instant::now(), total));
    }
    if compared == 0 {
        let literal = items.counts().fail > 0;
        let described = format!(
            "groups {} with commits on topics {} on {on}",
            facts.groups_described, facts.topics_described
        );
        let (kept, elsewhere) = items.into_parts();
        return selection::empty(&described, literal, kept, allow_empty)
            .with_elsewhere(elsewhere)
            .note(&note)
            .with_progress(Progress {
                remaining: Some(0),
                ..Progress::default()
            });
    }
    let pass = format!(
        "compared {compared} partition(s) of {} topic(s) for {compared_groups} group(s) on {on}: lag at most {max_lag} on each",
        compared_topics.len()
    );
    let mut outcome = items.judge(pass, "group partitions");
    if outcome.status == super::Status::Fail {
        outcome.summary = format!("{}; total lag {total}", outcome.summary);
    }
    outcome.note(&note).with_progress(Progress {
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
        annotate_item(item, history);
    }
}

/// `annotate` for one group partition's item (done as it is judged when items are not kept).
fn annotate_item(item: &mut Item, history: &mut History) {
    let (Some(group), Some(topic), Some(partition)) = (&item.group, &item.topic, item.partition)
    else {
        return;
    };
    let committed = item.extra.get("committed").and_then(|v| v.as_i64());
    let lag = item.extra.get("lag").and_then(|v| v.as_i64()).unwrap_or(0);
    let Some(committed) = committed else { return };
    // Only partitions with lag are followed (STOP is "unchanged while lag remains"): a
    // drained estate's million group partitions keep no history.
    if lag <= 0 {
        if let (Some(g), Some(t)) = (history.names.find(group), history.names.find(topic)) {
            history.last_commits.remove(&(g, t, partition));
        }
        return;
    }
    let key = (history.names.id(group), history.names.id(topic), partition);
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

pub fn run(
    spec: &CheckSpec,
    clusters: &Clusters,
    history: &mut History,
    allow_empty: bool,
    items: Items,
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
    Ok(evaluate_into(
        &facts,
        *max_lag,
        *cluster,
        allow_empty,
        items,
        Some(history),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn facts(commits: &[(&str, &str, i32, i64)], ends: &[(&str, i32, i64)]) -> Facts {
        let mut facts = Facts::default();
        for (group, topic, partition, offset) in commits {
            std::sync::Arc::make_mut(facts.committed.entry(group.to_string()).or_default()).push(
                crate::kafka::Committed {
                    topic: (*topic).into(),
                    partition: *partition,
                    offset: *offset,
                },
            );
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
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.progress.remaining, Some(0));
    }

    #[test]
    fn lag_on_one_partition_fails_naming_it() {
        let f = facts(
            &[("billing", "orders", 0, 27), ("billing", "orders", 1, 5)],
            &[("orders", 0, 30), ("orders", 1, 5)],
        );
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Fail);
        let failing = &outcome.items[0];
        assert_eq!(
            (failing.partition, failing.extra["lag"].as_i64()),
            (Some(0), Some(3))
        );
        assert_eq!(outcome.progress.remaining, Some(3));
        assert_eq!(evaluate(&f, 3, Role::Source, false).status, Status::Pass);
    }

    #[test]
    fn a_partition_without_commit_counts_from_its_start() {
        let f = facts(
            &[("billing", "orders", 0, 30)],
            &[("orders", 0, 30), ("orders", 1, 4)],
        );
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.items[0].extra["lag"].as_i64(), Some(4));
        assert!(outcome.items[0].extra["committed"].is_null());
    }

    #[test]
    fn a_group_without_commits_is_likely_a_typo() {
        let mut f = facts(&[("billing", "orders", 0, 30)], &[("orders", 0, 30)]);
        f.committed.insert("biling".into(), Default::default());
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("likely a typo"));
    }

    #[test]
    fn a_mixed_selection_decides_per_name() {
        // groups: [billing, "ship.*"]: billing is literal, shipping and shipping-eu are
        // pattern matches. shipping consumes other topics only; shipping-eu never committed.
        let mut f = facts(&[("billing", "orders", 0, 30)], &[("orders", 0, 30)]);
        f.origins = BTreeMap::from([
            ("billing".to_string(), Origin::Literal),
            ("shipping".to_string(), Origin::Pattern),
            ("shipping-eu".to_string(), Origin::Pattern),
        ]);
        f.committed.insert("shipping".into(), Default::default());
        f.all_commits.insert("shipping".into(), 4);
        f.committed.insert("shipping-eu".into(), Default::default());
        f.all_commits.insert("shipping-eu".into(), 0);
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let info: Vec<&str> = outcome
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::Info)
            .map(|i| i.group.as_deref().unwrap())
            .collect();
        assert_eq!(info, ["shipping", "shipping-eu"]);
        assert!(
            outcome
                .summary
                .contains("compared 1 partition(s) of 1 topic(s) for 1 group(s)"),
            "{}",
            outcome.summary
        );
        assert!(outcome
            .summary
            .contains("2 group(s) matched with nothing to compare"));
        // The literal billing with commits on other topics only: a failure naming it.
        f.committed.insert("billing".into(), Default::default());
        f.all_commits.insert("billing".into(), 2);
        let outcome = evaluate(&f, 0, Role::Source, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.items[0].group.as_deref(), Some("billing"));
        assert!(
            outcome.summary.starts_with("nothing matched"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn only_pattern_groups_without_relevant_commits_pass_only_with_allow_empty() {
        let mut f = Facts::default();
        f.origins.insert("shipping".into(), Origin::Pattern);
        f.committed.insert("shipping".into(), Default::default());
        f.all_commits.insert("shipping".into(), 3);
        assert_eq!(evaluate(&f, 0, Role::Source, false).status, Status::Fail);
        let allowed = evaluate(&f, 0, Role::Source, true);
        assert_eq!(allowed.status, Status::Pass);
        assert!(
            allowed.summary.contains("selection was empty"),
            "{}",
            allowed.summary
        );
        // Nothing selected at all: the same rule.
        assert_eq!(
            evaluate(&Facts::default(), 0, Role::Source, false).status,
            Status::Fail
        );
    }

    #[test]
    fn commits_on_a_topic_the_cluster_no_longer_has_fail() {
        // Before: such commits yielded no item, and the check passed with nothing compared.
        let mut f = Facts::default();
        f.committed.insert("billing".into(), Default::default());
        f.all_commits.insert("billing".into(), 1);
        f.vanished.push(("billing".into(), "orders".into()));
        let outcome = evaluate(&f, 0, Role::Source, true);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("does not exist on source"));
    }

    #[test]
    fn stop_is_flagged_when_commits_stall_with_lag() {
        let f = facts(&[("billing", "orders", 0, 10)], &[("orders", 0, 30)]);
        let mut history = History::default();
        let mut last = evaluate(&f, 0, Role::Source, false);
        for _ in 0..4 {
            last = evaluate(&f, 0, Role::Source, false);
            annotate(&mut last, &mut history);
        }
        assert_eq!(last.items[0].extra["state"], "STOP");
    }

    /// Items written as judged are marked STOP before they go (they cannot be annotated
    /// afterwards), the same as kept ones.
    #[test]
    fn stop_is_flagged_on_items_as_they_are_judged() {
        use crate::checks::{ItemSink, Output};
        use std::sync::{Arc, Mutex};
        #[derive(Default)]
        struct Last(Mutex<Option<Item>>);
        impl ItemSink for Last {
            fn item(&self, item: &Item) {
                *self.0.lock().unwrap() = Some(item.clone());
            }
        }
        let f = facts(&[("billing", "orders", 0, 10)], &[("orders", 0, 30)]);
        let mut history = History::default();
        let sink = Arc::new(Last::default());
        let output = Output {
            sink: Some(sink.clone()),
            keep: Default::default(),
        };
        for _ in 0..4 {
            let outcome = evaluate_into(
                &f,
                0,
                Role::Source,
                false,
                Items::new(&output),
                Some(&mut history),
            );
            assert_eq!(outcome.status, Status::Fail);
            assert!(outcome.items.is_empty());
        }
        let last = sink.0.lock().unwrap().clone().unwrap();
        assert_eq!(last.extra["state"], "STOP");
        assert_eq!(history.polls.len(), 4);
    }

    /// Polls without lag do not count towards STOP: a partition drained for several polls
    /// that then lags at the same committed offset is not flagged at once.
    #[test]
    fn stop_counts_only_polls_with_lag() {
        let drained = facts(&[("billing", "orders", 0, 30)], &[("orders", 0, 30)]);
        let lagging = facts(&[("billing", "orders", 0, 30)], &[("orders", 0, 40)]);
        let mut history = History::default();
        for _ in 0..4 {
            let mut outcome = evaluate(&drained, 0, Role::Source, false);
            annotate(&mut outcome, &mut history);
        }
        assert!(history.last_commits.is_empty());
        let mut outcome = evaluate(&lagging, 0, Role::Source, false);
        annotate(&mut outcome, &mut history);
        assert!(outcome.items[0].extra.get("state").is_none());
        for _ in 0..3 {
            outcome = evaluate(&lagging, 0, Role::Source, false);
            annotate(&mut outcome, &mut history);
        }
        assert_eq!(outcome.items[0].extra["state"], "STOP");
    }
}
