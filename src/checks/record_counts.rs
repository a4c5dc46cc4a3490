//! `record_counts`: every selected partition has as many records on target as on source over
//! the two sides' common time window, with the extra records on target (duplicates from an
//! at-least-once mirror) and their ratio, and the missing ones.
//!
//! The window of a partition starts at the later of the two sides' first record timestamps
//! (retention may have removed older records on one side) and runs to the end of both logs:
//! ListOffsets by that timestamp and latest, on both clusters, batched. MirrorMaker 2 and
//! Replicator keep each record's CreateTime, so the window is the same records on both
//! sides; a topic with LogAppendTime on either side has no such window (not comparable by
//! this method), and a compacted topic has no count to compare (not comparable by count).
//!
//! Counts are offset differences unless the topic is marked `transactional: true` or a
//! transaction marker is seen (a data record missing at the head or tail of a log: the
//! consumer never sees markers, so a gap there is one): then the window's data records are
//! counted by reading them, within the check's timeout. A shortfall counted by offsets is
//! reported as approximate, never passed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome, Progress, Status};
use crate::kafka::native::OffsetAndTime;
use crate::kafka::{KafkaError, Record, TopicPartition};
use crate::present::ratio;
use crate::runbook::{CheckSpec, Runbook};

/// How many offsets are read first at the head and tail of each log to find its first and
/// last data record (then further, in doubling steps, across runs of markers).
const LOOKBACK: i64 = 8;

/// How many topics a failing summary names.
const WORST: usize = 3;

/// One side of a partition: its log and, for comparable topics, the window's count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    pub start: i64,
    pub end: i64,
    /// The first data record from the log start (None: no data record).
    pub first: Option<Record>,
    /// Where the common window starts on this side (an offset), and the records in
    /// `[from, end)` counted by reading when they were.
    pub from: i64,
    pub read: Option<u64>,
    /// A transaction marker was seen at the head or tail of the log.
    pub markers: bool,
    /// The timestamp of the last data record (None: no data record, or no timestamp).
    pub last_timestamp: Option<i64>,
}

impl Side {
    fn count(&self) -> i64 {
        self.read
            .map_or((self.end - self.from).max(0), |n| n as i64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub partition: i32,
    pub source: Side,
    /// None: the partition does not exist on target.
    pub target: Option<Side>,
    /// The window's start (ms), None when neither side has a data record.
    pub window_start: Option<i64>,
}

/// Why a topic's records cannot be compared by count.
#[derive(Debug, Clone, PartialEq)]
pub enum NotComparable {
    /// cleanup.policy includes compact on this side.
    Compacted(&'static str, String),
    /// message.timestamp.type is LogAppendTime on this side (config or records).
    LogAppendTime(&'static str),
    /// A side's records carry no timestamp (old message format).
    NoTimestamps(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub source_topic: String,
    pub target_topic: String,
    pub not_comparable: Option<NotComparable>,
    pub partitions: Vec<Partition>,
    /// The runbook marked the check's topics transactional.
    pub transactional: bool,
    /// Counted by reading (transactional, or markers seen); false: by offsets.
    pub read: bool,
}

/// Per-topic totals, as the summary and the report show them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Totals {
    source: i64,
    target: i64,
    extra: i64,
    missing: i64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.source += other.source;
        self.target += other.target;
        self.extra += other.extra;
        self.missing += other.missing;
    }

    /// Extra records as a share of the source's records (None: extra with no source record).
    fn ratio(&self) -> Option<f64> {
        match (self.extra, self.source) {
            (0, _) => Some(0.0),
            (_, 0) => None,
            (e, s) => Some(e as f64 / s as f64),
        }
    }

    fn words(&self) -> String {
        format!(
            "{} record(s) on source, {} on target, {} extra ({}), {} missing",
            self.source,
            self.target,
            self.extra,
            shown_ratio(self.ratio()),
            self.missing
        )
    }
}

fn shown_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("extra ratio {}", ratio(r)),
        None => "no source record in the window".to_string(),
    }
}

const APPROXIMATE: &str = "approximate: counted by offsets, and transaction markers take source offsets a mirror does not copy; if this topic is written transactionally set `transactional: true` to count data records by reading";

fn not_comparable_reason(why: &NotComparable) -> String {
    match why {
        NotComparable::Compacted(side, policy) => format!(
            "not comparable by count: cleanup.policy={policy} on {side}; compaction removes records independently on each cluster, so their counts differ whatever the mirror did (compare the tail with tail_match)"
        ),
        NotComparable::LogAppendTime(side) => format!(
            "not comparable by this method: message.timestamp.type=LogAppendTime on {side}; the broker stamps its own append time, so the same time window is not the same records on both clusters"
        ),
        NotComparable::NoTimestamps(side) => format!(
            "not comparable by this method: records on {side} carry no timestamp, so no common time window can be found"
        ),
    }
}

pub fn evaluate(
    topics: &[Topic],
    missing_topics: &[String],
    max_extra_ratio: f64,
    selected: &Resolved,
    allow_empty: bool,
) -> Outcome {
    if topics.is_empty() && missing_topics.is_empty() {
        return selection::nothing_on_source(selected, allow_empty);
    }
    let mut items = selected.items("topic", "source");
    items.extend(Item::missing_topics(missing_topics));
    let mut grand = Totals::default();
    let mut compared_partitions = 0usize;
    let mut compared_topics = 0usize;
    let mut not_comparable = 0usize;
    // (ratio, topic) of topics that failed on extra records, for the summary.
    let mut worst: Vec<(Option<f64>, String)> = Vec::new();
    let mut partitions_ok = 0u64;
    for topic in topics {
        if let Some(why) = &topic.not_comparable {
            not_comparable += 1;
            items.push(
                Item::new(ItemStatus::Info)
                    .topic(&topic.target_topic)
                    .field("source_topic", topic.source_topic.as_str())
                    .reason(not_comparable_reason(why)),
            );
            continue;
        }
        let mut totals = Totals::default();
        let mut failed_partitions = 0;
        let method = if topic.read { "reading" } else { "offsets" };
        for p in &topic.partitions {
            let item = Item::new(ItemStatus::Pass)
                .topic(&topic.target_topic)
                .partition(p.partition)
                .field("source_topic", topic.source_topic.as_str())
                .field("window_start", p.window_start);
            let Some(target) = &p.target else {
                let mut item = item.values(p.source.count(), Value::Null);
                item.status = ItemStatus::Fail;
                items.push(item.reason("partition missing on target"));
                failed_partitions += 1;
                continue;
            };
            compared_partitions += 1;
            let (s, t) = (p.source.count(), target.count());
            let part = Totals {
                source: s,
                target: t,
                extra: (t - s).max(0),
                missing: (s - t).max(0),
            };
            let mut item = item
                .values(s, t)
                .field("extra", part.extra)
                .field("missing", part.missing);
            if part.missing > 0 {
                item.status = ItemStatus::Fail;
                failed_partitions += 1;
                let mut reason = format!(
                    "{} fewer record(s) on target than on source in the common window",
                    part.missing
                );
                if !topic.read {
                    reason = format!("{reason} ({APPROXIMATE})");
                }
                item = item.reason(reason);
            } else {
                partitions_ok += 1;
                if part.extra > 0 {
                    item = item.reason(format!("{} extra record(s) on target", part.extra));
                }
            }
            items.push(item);
            totals.add(&part);
        }
        if topic.partitions.iter().all(|p| p.target.is_none()) {
            continue;
        }
        compared_topics += 1;
        grand.add(&totals);
        let r = totals.ratio();
        let mut item = Item::new(ItemStatus::Pass)
            .topic(&topic.target_topic)
            .field("source_topic", topic.source_topic.as_str())
            .values(totals.source, totals.target)
            .field("source_records", totals.source)
            .field("target_records", totals.target)
            .field("extra", totals.extra)
            .field("missing", totals.missing)
            .field("extra_ratio", r.map(Value::from).unwrap_or(Value::Null))
            .field("counted_by", method);
        let too_many = r.is_none_or(|r| r > max_extra_ratio + f64::EPSILON);
        let mut problems = Vec::new();
        if totals.missing > 0 {
            problems.push(format!(
                "{} record(s) missing on target in {failed_partitions} partition(s){}",
                totals.missing,
                if topic.read {
                    String::new()
                } else {
                    " (approximate: counted by offsets)".to_string()
                }
            ));
        }
        if totals.extra > 0 && too_many {
            worst.push((r, topic.target_topic.clone()));
            problems.push(format!(
                "{} extra record(s) on target: {} above the allowed {} (duplicates from an at-least-once mirror?)",
                totals.extra,
                shown_ratio(r),
                ratio(max_extra_ratio)
            ));
        }
        item = if problems.is_empty() {
            item.reason(format!(
                "{} record(s) on source, {} on target{}; counted by {method}",
                totals.source,
                totals.target,
                if totals.extra > 0 {
                    format!(
                        ": {} extra ({} within {})",
                        totals.extra,
                        shown_ratio(r),
                        ratio(max_extra_ratio)
                    )
                } else {
                    String::new()
                }
            ))
        } else {
            item.status = ItemStatus::Fail;
            item.reason(problems.join("; "))
        };
        items.push(item);
    }
    let outcome = Outcome::from_items(items, String::new(), "items");
    let compared = format!(
        "compared {compared_partitions} partition(s) of {compared_topics} topic(s) over their common time window: {}",
        grand.words()
    );
    let mut summary = match outcome.status {
        Status::Pass => format!(
            "{compared}; within the allowed extra ratio {}",
            ratio(max_extra_ratio)
        ),
        Status::Fail
            if compared_topics == 0
                && not_comparable > 0
                && outcome.items.iter().all(|i| i.status == ItemStatus::Info) =>
        {
            format!("nothing was compared: {not_comparable} topic(s) not comparable by count, so nothing is proven")
        }
        _ => {
            let mut parts = vec![outcome.summary.clone()];
            if !worst.is_empty() {
                worst.sort_by(|a, b| {
                    let key = |r: &Option<f64>| r.unwrap_or(f64::INFINITY);
                    key(&b.0).total_cmp(&key(&a.0)).then(a.1.cmp(&b.1))
                });
                let named: Vec<String> = worst
                    .iter()
                    .take(WORST)
                    .map(|(r, t)| format!("{t} ({})", shown_ratio(*r)))
                    .collect();
                parts.push(format!(
                    "most extra records: {}{}",
                    named.join(", "),
                    if worst.len() > WORST {
                        format!(" and {} more", worst.len() - WORST)
                    } else {
                        String::new()
                    }
                ));
            }
            if grand.missing > 0 {
                parts.push(format!("{} record(s) missing on target", grand.missing));
            }
            parts.push(compared);
            parts.join("; ")
        }
    };
    if not_comparable > 0 && !summary.starts_with("nothing was compared") {
        summary = format!("{summary}; {not_comparable} topic(s) not comparable by count");
    }
    let total = topics.iter().map(|t| t.partitions.len()).sum::<usize>() as u64;
    Outcome { summary, ..outcome }
        .note(&selected.idle_note())
        .with_progress(Progress {
            done: Some(partitions_ok),
            total: Some(total),
            ..Progress::default()
        })
}

/// Kafka's cleanup.policy value includes `compact` (`compact` or `compact,delete`).
fn compacted(configs: &BTreeMap<String, Option<String>>) -> Option<String> {
    configs
        .get("cleanup.policy")
        .cloned()
        .flatten()
        .filter(|p| p.split(',').any(|v| v.trim() == "compact"))
}

fn log_append_time(configs: &BTreeMap<String, Option<String>>) -> bool {
    configs
        .get("message.timestamp.type")
        .cloned()
        .flatten()
        .is_some_and(|v| v == "LogAppendTime")
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    allow_empty: bool,
    timeout: Duration,
) -> Result<Outcome, KafkaError> {
    // The reading is bounded from the start of the check (its deadline, set by
    // `checks::evaluate`), not from the start of the read.
    let until = crate::kafka::retry::deadline().unwrap_or_else(|| Instant::now() + timeout);
    let CheckSpec::RecordCounts {
        topics,
        max_extra_ratio,
        transactional,
    } = spec
    else {
        unreachable!("record_counts::run takes a record_counts spec")
    };
    let (source_topics, target_topics) = clusters.topics()?;
    let selected = selection::resolve_topics(topics, &source_topics);
    let pairs = selection::Pairs::new(runbook, topics, &source_topics, &target_topics);
    let names: BTreeSet<String> = pairs.pairs.iter().map(|(s, _)| s.0.clone()).collect();
    let names: Vec<String> = names.into_iter().collect();
    let present: Vec<String> = names
        .iter()
        .map(|s| runbook.mirror.target_topic(s))
        .filter(|t| target_topics.contains_key(t))
        .collect();
    let (source_configs, target_configs) =
        clusters.both(|c| c.topic_configs(&names), |c| c.topic_configs(&present));
    let (source_configs, target_configs) = (source_configs?, target_configs?);
    let empty = BTreeMap::new();
    // Topics that are not comparable by their configs are not read at all.
    let mut verdicts: BTreeMap<String, Option<NotComparable>> = BTreeMap::new();
    for s in &names {
        let t = runbook.mirror.target_topic(s);
        let sc = source_configs.get(s).unwrap_or(&empty);
        let tc = target_configs.get(&t).unwrap_or(&empty);
        let why = if let Some(policy) = compacted(sc) {
            Some(NotComparable::Compacted("source", policy))
        } else if let Some(policy) = compacted(tc) {
            Some(NotComparable::Compacted("target", policy))
        } else if log_append_time(sc) {
            Some(NotComparable::LogAppendTime("source"))
        } else if log_append_time(tc) {
            Some(NotComparable::LogAppendTime("target"))
        } else {
            None
        };
        verdicts.insert(s.clone(), why);
    }
    let comparable = |tp: &TopicPartition| verdicts.get(&tp.0).is_some_and(Option::is_none);
    let pairs_in: Vec<&(TopicPartition, Option<TopicPartition>)> =
        pairs.pairs.iter().filter(|(s, _)| comparable(s)).collect();
    let source_partitions: Vec<TopicPartition> = pairs_in.iter().map(|(s, _)| s.clone()).collect();
    let target_partitions: Vec<TopicPartition> =
        pairs_in.iter().filter_map(|(_, t)| t.clone()).collect();
    // Heads (first data record, log start) and tails (last data record, end) of both sides.
    let (source_logs, target_logs) = clusters.both(
        |c| logs(c, &source_partitions),
        |c| logs(c, &target_partitions),
    );
    let (mut source_logs, mut target_logs) = (source_logs?, target_logs?);
    // The window of each partition: the later of the two first timestamps.
    let mut windows: HashMap<TopicPartition, i64> = HashMap::new();
    for (s, t) in &pairs_in {
        let first = |side: Option<&Side>| side.and_then(|x| x.first.as_ref()?.timestamp);
        let ts = [
            first(source_logs.get(s)),
            first(t.as_ref().and_then(|t| target_logs.get(t))),
        ];
        if let Some(start) = ts.into_iter().flatten().max() {
            windows.insert(s.clone(), start);
        }
    }
    let ask = |partitions: Vec<(TopicPartition, i64)>| partitions;
    let source_asks = ask(pairs_in
        .iter()
        .filter_map(|(s, _)| windows.get(s).map(|w| (s.clone(), *w)))
        .collect());
    let target_asks = ask(pairs_in
        .iter()
        .filter_map(|(s, t)| Some((t.clone()?, *windows.get(s)?)))
        .collect());
    let (source_from, target_from) = clusters.both(
        |c| c.offsets_for_times(&source_asks),
        |c| c.offsets_for_times(&target_asks),
    );
    let (source_from, target_from) = (source_from?, target_from?);
    let place = |logs: &mut HashMap<TopicPartition, Side>,
                 from: &HashMap<TopicPartition, Option<OffsetAndTime>>,
                 window: &dyn Fn(&TopicPartition) -> Option<i64>,
                 connection: &crate::kafka::Connection|
     -> Result<(), KafkaError> {
        for (tp, side) in logs.iter_mut() {
            side.from = match (window(tp), from.get(tp)) {
                (Some(start), Some(answer)) => {
                    window_offset(side, start, *answer).map_err(|why| {
                        connection.error("offsets for times", format!("{}[{}]: {why}", tp.0, tp.1))
                    })?
                }
                // No window (no data record on either side): the whole log, [start, end).
                _ => side.start,
            };
        }
        Ok(())
    };
    let target_window: HashMap<TopicPartition, i64> = pairs_in
        .iter()
        .filter_map(|(s, t)| Some((t.clone()?, *windows.get(s)?)))
        .collect();
    place(
        &mut source_logs,
        &source_from,
        &|tp| windows.get(tp).copied(),
        &clusters.source,
    )?;
    place(
        &mut target_logs,
        &target_from,
        &|tp| target_window.get(tp).copied(),
        &clusters.target,
    )?;
    // Count by reading where the runbook says the topics are transactional or a marker was
    // seen on either side; bounded by the check's timeout.
    let read_topics: BTreeSet<String> = pairs_in
        .iter()
        .filter(|(s, t)| {
            *transactional
                || source_logs.get(s).is_some_and(|x| x.markers)
                || t.as_ref()
                    .and_then(|t| target_logs.get(t))
                    .is_some_and(|x| x.markers)
        })
        .map(|(s, _)| s.0.clone())
        .collect();
    if !read_topics.is_empty() {
        let ranges = |logs: &HashMap<TopicPartition, Side>,
                      pick: &dyn Fn(&TopicPartition) -> bool| {
            logs.iter()
                .filter(|(tp, _)| pick(tp))
                .map(|(tp, side)| (tp.clone(), side.from, side.end))
                .collect::<Vec<_>>()
        };
        let target_read: BTreeSet<String> = read_topics
            .iter()
            .map(|s| runbook.mirror.target_topic(s))
            .collect();
        let source_ranges = ranges(&source_logs, &|tp| read_topics.contains(&tp.0));
        let target_ranges = ranges(&target_logs, &|tp| target_read.contains(&tp.0));
        let (source_counts, target_counts) = clusters.both(
            |c| c.count_by_reading(&source_ranges, until),
            |c| c.count_by_reading(&target_ranges, until),
        );
        for (logs, counts) in [
            (&mut source_logs, source_counts?),
            (&mut target_logs, target_counts?),
        ] {
            for (tp, n) in counts {
                if let Some(side) = logs.get_mut(&tp) {
                    side.read = Some(n);
                }
            }
        }
    }
    let mut facts: Vec<Topic> = Vec::new();
    for s in &names {
        let target_topic = runbook.mirror.target_topic(s);
        if !target_topics.contains_key(&target_topic) {
            continue;
        }
        let mut topic = Topic {
            source_topic: s.clone(),
            target_topic,
            not_comparable: verdicts.get(s).cloned().flatten(),
            partitions: Vec::new(),
            transactional: *transactional,
            read: read_topics.contains(s),
        };
        if topic.not_comparable.is_none() {
            for (sp, tp) in pairs.pairs.iter().filter(|(sp, _)| &sp.0 == s) {
                let source = source_logs.remove(sp).unwrap_or_default();
                let target = tp.as_ref().and_then(|tp| target_logs.remove(tp));
                topic.partitions.push(Partition {
                    partition: sp.1,
                    window_start: windows.get(sp).copied(),
                    source,
                    target,
                });
            }
            // What the records themselves say about their timestamps.
            let stamped = |side: &str, first: Vec<Option<&Record>>| {
                let first: Vec<&Record> = first.into_iter().flatten().collect();
                let side: &'static str = if side == "source" { "source" } else { "target" };
                if first.iter().any(|r| r.log_append_time) {
                    Some(NotComparable::LogAppendTime(side))
                } else if first.iter().any(|r| r.timestamp.is_none()) {
                    Some(NotComparable::NoTimestamps(side))
                } else {
                    None
                }
            };
            topic.not_comparable = stamped(
                "source",
                topic
                    .partitions
                    .iter()
                    .map(|p| p.source.first.as_ref())
                    .collect(),
            )
            .or_else(|| {
                stamped(
                    "target",
                    topic
                        .partitions
                        .iter()
                        .map(|p| p.target.as_ref().and_then(|t| t.first.as_ref()))
                        .collect(),
                )
            });
            if topic.not_comparable.is_some() {
                topic.partitions.clear();
            }
        }
        facts.push(topic);
    }
    Ok(evaluate(
        &facts,
        &pairs.missing_topics,
        *max_extra_ratio,
        &selected,
        allow_empty,
    ))
}

/// Where the window starting at `start` (ms) begins on one side, from the broker's answer to
/// ListOffsets by timestamp. Kafka answers the first offset whose record timestamp is at or
/// after `start` with that timestamp, or offset -1 (`None`) when there is none
/// (`UnifiedLog.fetchOffsetByTimestamp`); then the window is empty on this side: its end.
/// tansu 0.6.0 answers "none" as offset 0 with timestamp -1: an answer whose timestamp is
/// before `start` is taken as "none" only when the side's last data record is before
/// `start` too; otherwise the answers contradict each other, an error.
pub fn window_offset(
    side: &Side,
    start: i64,
    answer: Option<OffsetAndTime>,
) -> Result<i64, String> {
    match answer {
        None => Ok(side.end),
        Some((offset, ts)) if ts >= start => Ok(offset.clamp(side.start, side.end)),
        Some((offset, ts)) => match side.last_timestamp {
            Some(last) if last >= start => Err(format!(
                "ListOffsets for timestamp {start} answered offset {offset} with timestamp {ts}, before it, yet the last record's timestamp {last} is at or after it: the answers contradict each other"
            )),
            _ => Ok(side.end),
        },
    }
}

/// Whether the records read show a transaction marker. librdkafka never hands control
/// records to the application (`rd_kafka_msgset_reader` skips control batches), so a marker
/// shows as an offset with no record: the first data record past the log start, the last one
/// before the end, or offsets with no data record at all. (Compaction leaves such gaps too,
/// but compacted topics are not counted.) A commit marker ends every transaction, so a
/// transactional log's tail shows one unless a transaction is still open.
pub fn markers_seen(start: i64, end: i64, first: Option<&Record>, last: Option<&Record>) -> bool {
    let head_gap = first.is_some_and(|r| r.offset > start);
    let tail_gap = last.is_some_and(|r| r.offset + 1 < end);
    let only_markers = first.is_none() && end > start;
    head_gap || tail_gap || only_markers
}

/// Each partition's log: start, end, first data record, and whether a transaction marker
/// shows at its head (the first data record is past the log start) or its tail (the last
/// data record is before the end).
fn logs(
    connection: &crate::kafka::Connection,
    partitions: &[TopicPartition],
) -> Result<HashMap<TopicPartition, Side>, KafkaError> {
    if partitions.is_empty() {
        return Ok(HashMap::new());
    }
    let mut heads = connection.first_data_records(partitions, LOOKBACK)?;
    let mut tails = connection.last_data_records(partitions, LOOKBACK)?;
    Ok(partitions
        .iter()
        .map(|tp| {
            let (start, first) = heads.remove(tp).unwrap_or_default();
            let (end, last) = tails.remove(tp).unwrap_or_default();
            let side = Side {
                start,
                end,
                markers: markers_seen(start, end, first.as_ref(), last.as_ref()),
                last_timestamp: last.as_ref().and_then(|r| r.timestamp),
                first,
                from: start,
                read: None,
            };
            (tp.clone(), side)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(offset: i64, timestamp: i64) -> Record {
        Record {
            offset,
            timestamp: Some(timestamp),
            log_append_time: false,
            digest: [0; 32],
            key: None,
            value: None,
        }
    }

    fn side(from: i64, end: i64) -> Side {
        Side {
            start: 0,
            end,
            first: Some(record(0, 1)),
            from,
            read: None,
            markers: false,
            last_timestamp: Some(1),
        }
    }

    fn topic(name: &str, counts: &[(i64, i64)]) -> Topic {
        Topic {
            source_topic: name.into(),
            target_topic: name.into(),
            not_comparable: None,
            partitions: counts
                .iter()
                .enumerate()
                .map(|(p, (s, t))| Partition {
                    partition: p as i32,
                    source: side(0, *s),
                    target: Some(side(0, *t)),
                    window_start: Some(1),
                })
                .collect(),
            transactional: false,
            read: false,
        }
    }

    fn eval(topics: &[Topic], max: f64) -> Outcome {
        evaluate(topics, &[], max, &Resolved::default(), false)
    }

    #[test]
    fn equal_counts_pass_with_totals() {
        let outcome = eval(&[topic("orders", &[(10, 10), (5, 5)])], 0.0);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "compared 2 partition(s) of 1 topic(s) over their common time window: 15 record(s) on source, 15 on target, 0 extra (extra ratio 0%), 0 missing; within the allowed extra ratio 0%"
        );
    }

    #[test]
    fn extra_under_the_ratio_passes_and_over_it_fails_naming_the_worst() {
        let ok = eval(&[topic("orders", &[(1000, 1005)])], 0.01);
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        assert!(
            ok.summary.contains("5 extra (extra ratio 0.5%)"),
            "{}",
            ok.summary
        );
        let bad = eval(
            &[
                topic("orders", &[(1000, 3000)]),
                topic("payments", &[(100, 120)]),
                topic("refunds", &[(100, 100)]),
            ],
            0.01,
        );
        assert_eq!(bad.status, Status::Fail);
        assert!(
            bad.summary.contains(
                "most extra records: orders (extra ratio 200%), payments (extra ratio 20%)"
            ),
            "{}",
            bad.summary
        );
        // Offset-preserving engines: a ratio of 0, one extra record fails.
        let exact = eval(&[topic("orders", &[(1000, 1001)])], 0.0);
        assert_eq!(exact.status, Status::Fail);
    }

    #[test]
    fn fewer_on_target_fails_and_offsets_say_approximate() {
        let outcome = eval(&[topic("orders", &[(10, 7)])], 0.01);
        assert_eq!(outcome.status, Status::Fail);
        let reasons: Vec<&str> = outcome
            .items
            .iter()
            .filter_map(|i| i.reason.as_deref())
            .collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("3 fewer record(s)") && r.contains("approximate")),
            "{reasons:?}"
        );
        // Counted by reading: exact, not approximate.
        let mut read = topic("orders", &[(10, 7)]);
        read.read = true;
        let outcome = eval(&[read], 0.01);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.items.iter().all(|i| !i
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("approximate")));
    }

    #[test]
    fn markers_counted_by_reading_pass_where_offsets_would_fail() {
        // Source: 10 offsets of which 2 are commit markers; target: the 8 data records.
        let mut t = topic("orders", &[(10, 8)]);
        t.read = true;
        t.partitions[0].source.read = Some(8);
        t.partitions[0].target.as_mut().unwrap().read = Some(8);
        assert_eq!(eval(&[t], 0.0).status, Status::Pass);
    }

    #[test]
    fn not_comparable_topics_are_info_and_never_pass_alone() {
        let mut compacted = topic("orders", &[]);
        compacted.not_comparable = Some(NotComparable::Compacted("source", "compact".into()));
        let outcome = eval(&[compacted.clone()], 0.01);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("not comparable by count"),
            "{}",
            outcome.summary
        );
        assert_eq!(outcome.items[0].status, ItemStatus::Info);
        let outcome = eval(&[compacted, topic("payments", &[(3, 3)])], 0.01);
        assert_eq!(outcome.status, Status::Pass);
        assert!(
            outcome
                .summary
                .ends_with("1 topic(s) not comparable by count"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_marker_shows_as_an_offset_without_a_data_record() {
        // A transaction of 3 records and its commit marker: offsets 0-2 data, 3 the marker.
        assert!(markers_seen(0, 4, Some(&record(0, 1)), Some(&record(2, 1))));
        // A log starting with a marker (an aborted or committed transaction's end).
        assert!(markers_seen(0, 4, Some(&record(1, 1)), Some(&record(3, 1))));
        // Markers only.
        assert!(markers_seen(5, 7, None, None));
        // Plain data: no gap at either end, and an empty log.
        assert!(!markers_seen(
            0,
            4,
            Some(&record(0, 1)),
            Some(&record(3, 1))
        ));
        assert!(!markers_seen(3, 3, None, None));
    }

    #[test]
    fn the_window_offset_follows_the_answer_and_catches_a_contradiction() {
        let side = Side {
            start: 2,
            end: 10,
            first: Some(record(2, 100)),
            from: 2,
            read: None,
            markers: false,
            last_timestamp: Some(180),
        };
        // Kafka: the first record at or after 150 is at offset 6 (timestamp 150).
        assert_eq!(window_offset(&side, 150, Some((6, 150))), Ok(6));
        // Kafka: none at or after 200 (offset -1): the window is empty here.
        assert_eq!(window_offset(&side, 200, None), Ok(10));
        // tansu 0.6.0: "none" as offset 0, timestamp -1; the last record (180) agrees.
        assert_eq!(window_offset(&side, 200, Some((0, -1))), Ok(10));
        // The same answer while the last record is in the window: contradictory, an error.
        assert!(window_offset(&side, 150, Some((0, -1)))
            .unwrap_err()
            .contains("contradict"));
    }

    #[test]
    fn extra_records_without_source_records_fail() {
        let outcome = eval(&[topic("orders", &[(0, 4)])], 0.5);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("no source record in the window"));
    }
}
