//! `offsets_translated`: will each group resume on the target exactly where it stopped on
//! the source? By MM2 checkpoints, by equal offsets, or by the records around the offsets.

use std::collections::{BTreeMap, HashMap};

use super::selection::{self, Origin, Resolved};
use super::{Clusters, Item, ItemStatus, Items, Outcome};
use crate::kafka::{Connection, KafkaError, Record, TopicPartition};
use crate::mm2::decode_checkpoint;
use crate::runbook::{CheckSpec, Runbook, TranslationMethod};

/// Checkpoints decoded so far, newest per (group, target topic, partition). Kept between
/// polls so a long drain reads only the records added since the last poll. Names are
/// interned: an entry is 28 bytes, not two strings (1.6 M checkpoints at 8,000 partitions).
#[derive(Debug, Default)]
pub struct CheckpointCache {
    topic: String,
    next: HashMap<i32, i64>,
    names: super::names::Names,
    latest: HashMap<(u32, u32, i32), Translation>,
    /// Records that do not decode, by offset: reported, never fatal.
    pub corrupt: Vec<(i32, i64, String)>,
    pub records_read: u64,
}

impl CheckpointCache {
    /// Read what was added to `topic` on the target since the last call.
    pub fn refresh(&mut self, connection: &Connection, topic: &str) -> Result<bool, KafkaError> {
        if self.topic != topic {
            *self = CheckpointCache {
                topic: topic.to_string(),
                ..CheckpointCache::default()
            };
        }
        let topics = connection.topics()?;
        let Some(count) = topics.get(topic).copied() else {
            return Ok(false);
        };
        let partitions: Vec<TopicPartition> = (0..count).map(|p| (topic.to_string(), p)).collect();
        let ends = connection.end_offsets(&partitions)?;
        let starts = connection.start_offsets(&partitions)?;
        let ranges: Vec<(TopicPartition, i64, i64)> = partitions
            .iter()
            .map(|tp| {
                let from = self.next.get(&tp.1).copied().unwrap_or(0).max(starts[tp]);
                (tp.clone(), from, ends[tp])
            })
            .collect();
        // Decoded as read, never all held at once. A window read again after a timed-out
        // request is seen again from its start: inserting the newest is idempotent, and an
        // undecodable record is listed once.
        connection.visit_ranges(&ranges, |tp, record| {
            self.records_read += 1;
            let key = record.key.as_deref().unwrap_or_default();
            let value = record.value.as_deref().unwrap_or_default();
            if record.value.is_none() {
                return; // a tombstone from compaction tooling: nothing to decode
            }
            match decode_checkpoint(key, value) {
                Ok(cp) => {
                    let translation = Translation {
                        upstream_offset: cp.upstream_offset,
                        downstream_offset: cp.downstream_offset,
                    };
                    let key = (
                        self.names.id(&cp.group),
                        self.names.id(&cp.topic),
                        cp.partition,
                    );
                    self.latest.insert(key, translation);
                }
                Err(e) => {
                    let seen = self
                        .corrupt
                        .iter()
                        .any(|(p, o, _)| *p == tp.1 && *o == record.offset);
                    if !seen {
                        self.corrupt.push((tp.1, record.offset, e.0));
                    }
                }
            }
        })?;
        for tp in partitions {
            self.next.insert(tp.1, ends[&tp]);
        }
        Ok(true)
    }

    /// The newest checkpoint of (group, target topic, partition), if one was read.
    pub fn latest(&self, group: &str, topic: &str, partition: i32) -> Option<Translation> {
        let key = (self.names.find(group)?, self.names.find(topic)?, partition);
        self.latest.get(&key).copied()
    }
}

/// What a checkpoint says: the source offset and its translation on the target. (The whole
/// decoded record is not kept: 100,000 of them held three strings each.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translation {
    pub upstream_offset: i64,
    pub downstream_offset: i64,
}

/// Digests of the records at committed-1 and committed on each side (method content only).
#[derive(Debug, Clone, Default)]
pub struct Neighbours {
    pub source: (Option<[u8; 32]>, Option<[u8; 32]>),
    pub target: (Option<[u8; 32]>, Option<[u8; 32]>),
}

/// One (group, source partition) with a committed source offset, and everything about it.
#[derive(Debug, Clone, Default)]
pub struct Position {
    /// Interned: 100,000 positions name 200 groups and 40 topics.
    pub group: std::sync::Arc<str>,
    pub source_topic: std::sync::Arc<str>,
    pub target_topic: std::sync::Arc<str>,
    pub partition: i32,
    pub source_committed: i64,
    pub source_end: i64,
    pub target_committed: Option<i64>,
    pub target_end: Option<i64>,
    pub checkpoint: Option<Translation>,
    /// Method content only; boxed, so the other methods' positions stay small.
    pub neighbours: Option<Box<Neighbours>>,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub positions: Vec<Position>,
    /// Selected groups with no commit on the selected source topics: how each was selected
    /// and how many commits it has on any topic.
    pub without_commits: Vec<(String, Origin, usize)>,
    /// (group, topic): source commits on a selected topic the source does not have.
    pub vanished: Vec<(String, String)>,
    /// The selections resolved (literal names that matched nothing, idle patterns).
    pub groups: Resolved,
    pub topics: Resolved,
    /// The selection in words, for an empty result.
    pub described: String,
    pub missing_target_topics: Vec<String>,
    pub checkpoints_topic: Option<(String, bool)>,
    pub corrupt: Vec<(i32, i64, String)>,
}

pub fn evaluate(
    facts: &Facts,
    method: TranslationMethod,
    exact: bool,
    allow_empty: bool,
) -> Outcome {
    evaluate_into(facts, method, exact, allow_empty, Items::all())
}

/// As `evaluate`, each item going to `items` as it is judged (written or kept there).
pub fn evaluate_into(
    facts: &Facts,
    method: TranslationMethod,
    exact: bool,
    allow_empty: bool,
    items: Items,
) -> Outcome {
    evaluate_with(facts, method, exact, allow_empty, items, |judge| {
        for p in &facts.positions {
            judge(p);
        }
    })
}

/// As `evaluate_into`, with the positions handed one at a time by `positions` (instead of
/// `facts.positions`): each is judged as it comes and none is kept (1.6 M positions of 136
/// bytes at 8,000 partitions).
pub fn evaluate_with(
    facts: &Facts,
    method: TranslationMethod,
    exact: bool,
    allow_empty: bool,
    mut items: Items,
    positions: impl FnOnce(&mut dyn FnMut(&Position)),
) -> Outcome {
    items.extend(facts.topics.items("topic", "source"));
    items.extend(facts.groups.excluded_items("group"));
    if let Some((topic, false)) = &facts.checkpoints_topic {
        return Outcome::fail(
            format!("checkpoints topic {topic} does not exist on target (is MM2's checkpoint connector running, and is mirror.source_alias right?)"),
            Vec::new(),
        );
    }
    let mut idle_groups = 0;
    for (group, origin, all) in &facts.without_commits {
        let (status, reason) = match (origin, all) {
            (Origin::Literal, 0) => (
                ItemStatus::Fail,
                "no commits on source (no such group? likely a typo)",
            ),
            (Origin::Literal, _) => (
                ItemStatus::Fail,
                "the group has commits on source, but none on the selected topics",
            ),
            (Origin::Pattern, 0) => (
                ItemStatus::Info,
                "matched by a pattern but has no commits on source: not compared",
            ),
            (Origin::Pattern, _) => (
                ItemStatus::Info,
                "matched by a pattern; its commits are on other topics only: not compared",
            ),
        };
        if status == ItemStatus::Info {
            idle_groups += 1;
        }
        let mut item = Item::new(status).group(group).reason(reason);
        item.status = status;
        items.push(item);
    }
    for (group, topic) in &facts.vanished {
        items.push(
            Item::new(ItemStatus::Fail)
                .group(group)
                .topic(topic)
                .reason(format!(
                    "the group has commits on {topic}, which does not exist on source (deleted?): where it resumes cannot be known"
                )),
        );
    }
    for topic in &facts.missing_target_topics {
        items.push(
            Item::new(ItemStatus::Fail)
                .topic(topic)
                .reason("topic missing on target"),
        );
    }
    for (partition, offset, error) in &facts.corrupt {
        items.push(
            Item::new(ItemStatus::Info)
                .partition(*partition)
                .field("offset", *offset)
                .reason(format!("undecodable checkpoint record skipped: {error}")),
        );
    }
    let mut judged = 0usize;
    let mut groups: std::collections::BTreeSet<std::sync::Arc<str>> = Default::default();
    positions(&mut |p: &Position| {
        judged += 1;
        if !groups.contains(&*p.group) {
            groups.insert(p.group.clone());
        }
        items.push(judge(p, method, exact));
    });
    let positions = judged;
    let note = selection::group_notes(idle_groups, &facts.groups, &facts.topics);
    if positions == 0 && facts.vanished.is_empty() && facts.missing_target_topics.is_empty() {
        let literal = items.counts().fail > 0;
        let described = if facts.described.is_empty() {
            "no selected group has commits on the selected topics".to_string()
        } else {
            facts.described.clone()
        };
        let (kept, elsewhere) = items.into_parts();
        return selection::empty(&described, literal, kept, allow_empty)
            .with_elsewhere(elsewhere)
            .note(&note);
    }
    items
        .judge(
        format!(
            "compared {positions} committed position(s) of {} group(s) ({}): each resumes on target where it stopped on source",
            groups.len(),
            method.name()
        ),
        "group partitions",
    )
    .note(&note)
}

fn judge(p: &Position, method: TranslationMethod, exact: bool) -> Item {
    let u = p.source_committed;
    let base = Item::new(ItemStatus::Pass)
        .group(&p.group)
        .topic(&p.target_topic)
        .partition(p.partition)
        .values(u, p.target_committed)
        .field("source_topic", &*p.source_topic)
        .field("source_end", p.source_end)
        .field("target_end", p.target_end);
    let fail = |item: Item, reason: String| {
        let mut item = item.reason(reason);
        item.status = ItemStatus::Fail;
        item
    };
    let drained = u >= p.source_end;
    match method {
        TranslationMethod::Checkpoints => {
            let Some(cp) = &p.checkpoint else {
                return fail(base, "no checkpoint for this group and partition (MM2 emits checkpoints every emit.checkpoints.interval.seconds, 60 s by default, for groups that pass its group filter and have commits on replicated topics)".into());
            };
            let item = base
                .field("translated", cp.downstream_offset)
                .field("checkpoint_upstream", cp.upstream_offset);
            if cp.upstream_offset < u {
                return fail(item, format!(
                    "checkpoint older than the source commit (checkpoint upstream {} < committed {u}): wait for the next checkpoint",
                    cp.upstream_offset
                ));
            }
            if cp.upstream_offset > u {
                return fail(item, format!(
                    "checkpoint is ahead of the source commit ({} > {u}): the source group moved back after MM2 checkpointed it",
                    cp.upstream_offset
                ));
            }
            let Some(t) = p.target_committed else {
                return fail(item, "target group has no committed offset here: MM2 writes it only with sync.group.offsets.enabled=true, and only while the group is empty or absent on target".into());
            };
            if t != cp.downstream_offset {
                let by = t - cp.downstream_offset;
                return fail(item, format!(
                    "target offset {t} differs from the translated {} by {by:+}: MM2 never rewinds a target group and skips groups active on target",
                    cp.downstream_offset
                ));
            }
            if drained {
                if let Some(end) = p.target_end {
                    let reread = end - cp.downstream_offset;
                    if reread != 0 {
                        let item = item.field("reread", reread);
                        let reason = format!(
                            "consumers will re-read {reread} records: the group is drained on source but translation stops short of the target end (MM2 writes the final offset sync up to 60 s after producers stop; 3.5.0-3.6.1 may never)"
                        );
                        return if exact {
                            fail(item, reason)
                        } else {
                            item.reason(reason)
                        };
                    }
                }
            }
            item
        }
        TranslationMethod::Equal => match p.target_committed {
            None => fail(base, "target group has no committed offset here".into()),
            Some(t) if t != u => fail(
                base,
                format!("target offset differs from source by {:+}", t - u),
            ),
            Some(_) => base,
        },
        TranslationMethod::Content => {
            let Some(t) = p.target_committed else {
                return fail(base, "target group has no committed offset here".into());
            };
            if u == 0 && t == 0 {
                return base.reason("both at the start");
            }
            let none = Neighbours::default();
            let n = p.neighbours.as_deref().unwrap_or(&none);
            // Compaction, retention or transaction markers can leave no record at a position
            // on either side: then nothing was compared there.
            let before_missing = n.source.0.is_none() && n.target.0.is_none();
            let at_missing = n.source.1.is_none() && n.target.1.is_none();
            if before_missing && at_missing {
                let at_ends = u == p.source_end && p.target_end == Some(t);
                if at_ends {
                    return base.reason(
                        "at the log end on both sides: the group has consumed everything on each",
                    );
                }
                let mut item = base.reason(format!(
                    "no record at or just before the committed offsets on either side ({}[{}] source offsets {}-{u}, {}[{}] target offsets {}-{t}): compaction, retention or transaction markers; nothing to compare",
                    p.source_topic,
                    p.partition,
                    u - 1,
                    p.target_topic,
                    p.partition,
                    t - 1
                ));
                item.status = ItemStatus::Error;
                return item;
            }
            if n.source.0 != n.target.0 {
                return fail(base, format!(
                    "the record before the committed offset differs (source offset {}, target offset {})",
                    u - 1,
                    t - 1
                ));
            }
            if n.source.1 != n.target.1 {
                return fail(base, format!(
                    "the record at the committed offset differs (source offset {u}, target offset {t})"
                ));
            }
            base
        }
    }
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    cache: &mut CheckpointCache,
    allow_empty: bool,
    items: Items,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::OffsetsTranslated {
        groups,
        topics,
        method,
        exact,
    } = spec
    else {
        unreachable!("offsets_translated::run takes an offsets_translated spec")
    };
    let source = &clusters.source;
    let mut facts = Facts::default();

    let resolved_groups = selection::groups(groups, source)?;
    let names = resolved_groups.list();
    // Everything each side needs, both sides at once: topics, commits, and on the target
    // the checkpoints read since the last poll.
    let checkpoints_topic = (*method == TranslationMethod::Checkpoints).then(|| {
        runbook
            .mirror
            .checkpoints_topic
            .clone()
            .expect("validation requires a checkpoints topic for method checkpoints")
    });
    let (source_side, target_side) = clusters.both(
        |c| {
            let all = c.topics()?;
            let selected = selection::partitions(&selection::topics(topics, &all), &all);
            Ok::<_, KafkaError>((c.committed_on(&names, &selected)?, all))
        },
        |c| {
            let exists = match &checkpoints_topic {
                Some(topic) => Some(cache.refresh(c, topic)?),
                None => None,
            };
            let all = c.topics()?;
            let mapped: Vec<String> = all
                .keys()
                .filter(|t| runbook_topics_match(runbook, topics, t))
                .cloned()
                .collect();
            let partitions = selection::partitions(&mapped, &all);
            Ok::<_, KafkaError>((all.clone(), c.committed_on(&names, &partitions)?, exists))
        },
    );
    let (mut committed, source_topics) = source_side?;
    let (target_topics, target_committed, checkpoints_exist) = target_side?;
    if let (Some(topic), Some(exists)) = (checkpoints_topic, checkpoints_exist) {
        facts.checkpoints_topic = Some((topic, exists));
        facts.corrupt = cache.corrupt.clone();
    }
    facts.topics = selection::resolve_topics(topics, &source_topics);
    facts.described = format!(
        "groups {} with commits on topics {} on source",
        groups.describe(),
        topics.describe()
    );
    let mut all_commits: BTreeMap<String, usize> = BTreeMap::new();
    for (group, commits) in committed.iter_mut() {
        all_commits.insert(group.clone(), commits.len());
        crate::kafka::retain_commits(commits, |c| topics.matches(&c.topic));
        let mut gone: Vec<String> = commits
            .iter()
            .filter(|c| !source_topics.contains_key(&*c.topic))
            .map(|c| c.topic.to_string())
            .collect();
        gone.sort();
        gone.dedup();
        facts
            .vanished
            .extend(gone.into_iter().map(|t| (group.clone(), t)));
        crate::kafka::retain_commits(commits, |c| source_topics.contains_key(&*c.topic));
    }
    // Each partition once (as it is met): 100,000 commits name 2,000 partitions.
    let mut source_partitions = std::collections::BTreeSet::new();
    let mut target_partitions = std::collections::BTreeSet::new();
    for (group, commits) in &committed {
        let vanished = facts.vanished.iter().any(|(g, _)| g == group);
        if commits.is_empty() && !vanished {
            let origin = resolved_groups.origin(group).unwrap_or(Origin::Literal);
            let all = all_commits.get(group).copied().unwrap_or(0);
            facts.without_commits.push((group.clone(), origin, all));
        }
        for c in commits.iter() {
            let target_topic = runbook.mirror.target_topic(&c.topic);
            source_partitions.insert((c.topic.clone(), c.partition));
            match target_topics.get(&target_topic) {
                Some(count) if c.partition < *count => {
                    target_partitions.insert((target_topic.clone(), c.partition));
                }
                _ => {
                    if !facts.missing_target_topics.contains(&target_topic) {
                        facts.missing_target_topics.push(target_topic.clone());
                    }
                }
            }
        }
    }
    let source_partitions: Vec<TopicPartition> = source_partitions
        .into_iter()
        .map(|(t, p)| (t.to_string(), p))
        .collect();
    let target_partitions: Vec<TopicPartition> = target_partitions.into_iter().collect();
    let (source_end, target_end) = clusters.both(
        |c| c.end_offsets(&source_partitions),
        |c| c.end_offsets(&target_partitions),
    );
    let (source_end, target_end) = (source_end?, target_end?);

    facts.groups = resolved_groups;
    // Each (group, source partition) with a commit, one at a time, names shared.
    let produce = |facts: &Facts, each: &mut dyn FnMut(Position)| {
        let mut names: std::collections::HashSet<std::sync::Arc<str>> = Default::default();
        let mut intern = |name: &str| -> std::sync::Arc<str> {
            if let Some(shared) = names.get(name) {
                return shared.clone();
            }
            let shared: std::sync::Arc<str> = name.into();
            names.insert(shared.clone());
            shared
        };
        for (group, commits) in &committed {
            // The group's commits on the target by partition, one group at a time.
            let target_offset: HashMap<(&str, i32), i64> = target_committed
                .get(group)
                .map(|cs| {
                    cs.iter()
                        .map(|c| ((&*c.topic, c.partition), c.offset))
                        .collect()
                })
                .unwrap_or_default();
            for c in commits.iter() {
                let target_topic = runbook.mirror.target_topic(&c.topic);
                if facts.missing_target_topics.contains(&target_topic) {
                    continue;
                }
                each(Position {
                    group: intern(group),
                    source_topic: intern(&c.topic),
                    target_topic: intern(&target_topic),
                    partition: c.partition,
                    source_committed: c.offset,
                    source_end: source_end[&(c.topic.to_string(), c.partition)],
                    target_committed: target_offset
                        .get(&(target_topic.as_str(), c.partition))
                        .copied(),
                    target_end: target_end
                        .get(&(target_topic.clone(), c.partition))
                        .copied(),
                    checkpoint: cache.latest(group, &target_topic, c.partition),
                    ..Position::default()
                });
            }
        }
    };
    if *method == TranslationMethod::Content {
        // Content reads the records around every position in one batch: kept until then.
        let mut positions = Vec::new();
        produce(&facts, &mut |p| positions.push(p));
        facts.positions = positions;
        read_neighbours(&mut facts.positions, clusters)?;
        return Ok(evaluate_into(&facts, *method, *exact, allow_empty, items));
    }
    // The other methods judge each position as it is made: none is kept.
    Ok(evaluate_with(
        &facts,
        *method,
        *exact,
        allow_empty,
        items,
        |judge| produce(&facts, &mut |p| judge(&p)),
    ))
}

/// Whether a target topic is the mirror of a selected source topic.
fn runbook_topics_match(
    runbook: &Runbook,
    topics: &crate::runbook::Selection,
    target: &str,
) -> bool {
    let source = match (&runbook.mirror.topic_naming, &runbook.mirror.source_alias) {
        (crate::runbook::TopicNaming::Prefixed, Some(alias)) => {
            match target.strip_prefix(&format!("{alias}{}", runbook.mirror.separator)) {
                Some(rest) => rest,
                None => return false,
            }
        }
        _ => target,
    };
    topics.matches(source)
}

/// Fill in the records at committed-1 and committed on both clusters, in one batched read
/// per cluster.
fn read_neighbours(positions: &mut [Position], clusters: &Clusters) -> Result<(), KafkaError> {
    let mut source_ranges: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
    let mut target_ranges: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
    let widen = |ranges: &mut BTreeMap<TopicPartition, (i64, i64)>,
                 tp: TopicPartition,
                 at: i64,
                 end: i64| {
        let from = (at - 1).max(0);
        let to = (at + 1).min(end);
        if to > from {
            let range = ranges.entry(tp).or_insert((from, to));
            range.0 = range.0.min(from);
            range.1 = range.1.max(to);
        }
    };
    for p in positions.iter() {
        widen(
            &mut source_ranges,
            (p.source_topic.to_string(), p.partition),
            p.source_committed,
            p.source_end,
        );
        if let (Some(t), Some(end)) = (p.target_committed, p.target_end) {
            widen(
                &mut target_ranges,
                (p.target_topic.to_string(), p.partition),
                t,
                end,
            );
        }
    }
    let flatten =
        |ranges: BTreeMap<TopicPartition, (i64, i64)>| -> Vec<(TopicPartition, i64, i64)> {
            ranges.into_iter().map(|(tp, (a, b))| (tp, a, b)).collect()
        };
    let (source, target) = clusters.both(
        |c| c.read_ranges(&flatten(source_ranges)),
        |c| c.read_ranges(&flatten(target_ranges)),
    );
    let (source, target) = (source?, target?);
    let at = |records: Option<&Vec<Record>>, offset: i64| -> Option<[u8; 32]> {
        records?
            .iter()
            .find(|r| r.offset == offset)
            .map(|r| r.digest)
    };
    for p in positions.iter_mut() {
        let s = source.get(&(p.source_topic.to_string(), p.partition));
        let mut n = Neighbours {
            source: (at(s, p.source_committed - 1), at(s, p.source_committed)),
            ..Neighbours::default()
        };
        if let Some(t) = p.target_committed {
            let r = target.get(&(p.target_topic.to_string(), p.partition));
            n.target = (at(r, t - 1), at(r, t));
        }
        p.neighbours = Some(Box::new(n));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn position(
        u: i64,
        source_end: i64,
        t: Option<i64>,
        target_end: i64,
        cp: Option<(i64, i64)>,
    ) -> Position {
        Position {
            group: "billing".into(),
            source_topic: "orders".into(),
            target_topic: "orders".into(),
            partition: 0,
            source_committed: u,
            source_end,
            target_committed: t,
            target_end: Some(target_end),
            checkpoint: cp.map(|(up, down)| Translation {
                upstream_offset: up,
                downstream_offset: down,
            }),
            ..Position::default()
        }
    }

    fn verdict(p: Position, exact: bool) -> Outcome {
        evaluate(
            &Facts {
                positions: vec![p],
                ..Facts::default()
            },
            TranslationMethod::Checkpoints,
            exact,
            false,
        )
    }

    #[test]
    fn checkpointed_and_synced_passes() {
        assert_eq!(
            verdict(position(100, 100, Some(42), 42, Some((100, 42))), true).status,
            Status::Pass
        );
    }

    #[test]
    fn each_failure_names_its_reason() {
        let reason = |p: Position| verdict(p, true).items[0].reason.clone().unwrap();
        assert!(reason(position(100, 120, Some(42), 60, None)).contains("no checkpoint"));
        assert!(reason(position(100, 120, Some(40), 60, Some((90, 40))))
            .contains("older than the source commit"));
        assert!(
            reason(position(100, 120, None, 60, Some((100, 42)))).contains("no committed offset")
        );
        assert!(reason(position(100, 120, Some(41), 60, Some((100, 42)))).contains("by -1"));
    }

    #[test]
    fn drained_group_must_land_on_the_target_end() {
        let p = position(100, 100, Some(40), 42, Some((100, 40)));
        let strict = verdict(p.clone(), true);
        assert_eq!(strict.status, Status::Fail);
        assert!(strict.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("re-read 2 records"));
        let lenient = verdict(p, false);
        assert_eq!(lenient.status, Status::Pass);
        assert_eq!(lenient.items[0].extra["reread"], 2);
    }

    #[test]
    fn equal_method_compares_offsets() {
        let facts = Facts {
            positions: vec![position(100, 100, Some(99), 100, None)],
            ..Facts::default()
        };
        assert_eq!(
            evaluate(&facts, TranslationMethod::Equal, true, false).status,
            Status::Fail
        );
    }

    fn content(p: Position) -> Outcome {
        evaluate(
            &Facts {
                positions: vec![p],
                ..Facts::default()
            },
            TranslationMethod::Content,
            true,
            false,
        )
    }

    fn digest(c: u8) -> Option<[u8; 32]> {
        Some([c; 32])
    }

    #[test]
    fn content_with_no_record_on_either_side_is_an_error_naming_the_offsets() {
        // Compaction or transaction markers: no record at U-1/U on source nor T-1/T on
        // target. This used to pass (None == None).
        let mut p = position(100, 120, Some(40), 60, None);
        p.neighbours = Some(Box::default());
        let outcome = content(p);
        assert_eq!(outcome.status, Status::Error, "{outcome:?}");
        let reason = outcome.items[0].reason.clone().unwrap();
        assert!(
            reason.contains("orders[0] source offsets 99-100"),
            "{reason}"
        );
        assert!(reason.contains("target offsets 39-40"), "{reason}");
    }

    #[test]
    fn content_at_the_log_end_on_both_sides_passes_and_says_so() {
        let mut p = position(100, 100, Some(40), 40, None);
        p.neighbours = Some(Box::default());
        let outcome = content(p);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("log end on both sides"));
    }

    #[test]
    fn content_compares_what_exists() {
        let mut p = position(100, 120, Some(40), 60, None);
        p.neighbours = Some(Box::new(Neighbours {
            source: (digest(1), digest(2)),
            target: (digest(1), digest(2)),
        }));
        assert_eq!(content(p.clone()).status, Status::Pass);
        p.neighbours = Some(Box::new(Neighbours {
            source: (digest(1), digest(2)),
            target: (None, digest(2)),
        }));
        assert_eq!(content(p).status, Status::Fail);
    }

    #[test]
    fn pattern_groups_without_relevant_commits_are_information_and_literal_ones_fail() {
        let facts = Facts {
            positions: vec![position(100, 100, Some(42), 42, Some((100, 42)))],
            without_commits: vec![
                ("analytics".into(), Origin::Pattern, 7),
                ("idle".into(), Origin::Pattern, 0),
            ],
            ..Facts::default()
        };
        let outcome = evaluate(&facts, TranslationMethod::Checkpoints, true, false);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome
            .summary
            .contains("2 group(s) matched with nothing to compare"));
        let facts = Facts {
            without_commits: vec![("biling".into(), Origin::Literal, 0)],
            ..Facts::default()
        };
        let outcome = evaluate(&facts, TranslationMethod::Checkpoints, true, true);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.summary.starts_with("nothing matched"));
        // Only pattern groups with nothing relevant: a pass only with allow_empty.
        let facts = Facts {
            without_commits: vec![("analytics".into(), Origin::Pattern, 7)],
            ..Facts::default()
        };
        assert_eq!(
            evaluate(&facts, TranslationMethod::Checkpoints, true, false).status,
            Status::Fail
        );
        assert_eq!(
            evaluate(&facts, TranslationMethod::Checkpoints, true, true).status,
            Status::Pass
        );
    }

    #[test]
    fn commits_on_a_topic_missing_from_source_fail() {
        let facts = Facts {
            vanished: vec![("billing".into(), "orders".into())],
            ..Facts::default()
        };
        let outcome = evaluate(&facts, TranslationMethod::Equal, true, true);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    }
}
