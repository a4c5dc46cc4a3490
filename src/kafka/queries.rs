//! The batched queries. Each one is a single round trip per broker for all its partitions or
//! groups (or, for OffsetFetch, all groups in flight at once), with the connection's timeout.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminOptions, ResourceSpecifier};
use rdkafka::consumer::Consumer;
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use sha2::{Digest, Sha256};

use super::native::{self, Committed, GroupDescription, GroupListing, OffsetSpec};
use super::{retry, Connection, KafkaError};

pub type TopicPartition = (String, i32);

/// The last data record of each partition with the end offset it was read at (see
/// [`Connection::last_data_records_cached`]).
pub type TailCache = HashMap<TopicPartition, (i64, Option<Record>)>;

/// Topic name to partition count, internal topics included.
pub type Topics = BTreeMap<String, i32>;

impl Connection {
    /// The cluster id from metadata; a cluster that does not answer is an error.
    pub fn cluster_id(&self) -> Result<String, KafkaError> {
        self.cluster_id_within(self.timeout)
    }

    /// The cluster id, waiting at most `timeout` (recording it is best-effort).
    pub fn cluster_id_within(&self, timeout: std::time::Duration) -> Result<String, KafkaError> {
        self.consumer()
            .client()
            .fetch_cluster_id(timeout)
            .ok_or_else(|| self.error("cluster id", format!("no answer within {}", secs(timeout))))
    }

    /// Every topic and its partition count, asked of the cluster now (no snapshot).
    pub fn fetch_topics(&self) -> Result<Topics, KafkaError> {
        let metadata = self.retrying(|| {
            self.consumer()
                .fetch_metadata(None, self.request_timeout())
                .map_err(|e| self.error_with("metadata", e.to_string(), e.rdkafka_error_code()))
        })?;
        if metadata.brokers().is_empty() {
            return Err(self.error("metadata", "the cluster lists no brokers"));
        }
        let mut topics = Topics::new();
        for topic in metadata.topics() {
            if let Some(error) = topic.error() {
                return Err(self.error(
                    "metadata",
                    format!(
                        "topic {}: {:?}",
                        topic.name(),
                        rdkafka::types::RDKafkaErrorCode::from(error)
                    ),
                ));
            }
            topics.insert(topic.name().to_string(), topic.partitions().len() as i32);
        }
        Ok(topics)
    }

    /// Replication factor of each topic (replicas of its first partition).
    pub fn replication_factors(&self) -> Result<BTreeMap<String, usize>, KafkaError> {
        let metadata = self
            .consumer()
            .fetch_metadata(None, self.request_timeout())
            .map_err(|e| self.error_with("metadata", e.to_string(), e.rdkafka_error_code()))?;
        Ok(metadata
            .topics()
            .iter()
            .map(|t| {
                let replicas = t.partitions().first().map_or(0, |p| p.replicas().len());
                (t.name().to_string(), replicas)
            })
            .collect())
    }

    fn offsets(
        &self,
        partitions: &[TopicPartition],
        spec: OffsetSpec,
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        let what = match spec {
            OffsetSpec::Earliest => "start offsets",
            OffsetSpec::Latest => "end offsets",
        };
        let answers = self.retrying(|| {
            native::list_offsets(self.handle(), partitions, spec, self.request_timeout())
                .map_err(|e| self.error(what, e.0))
        })?;
        let mut out = HashMap::with_capacity(answers.len());
        for (key, answer) in answers {
            match answer {
                Ok(offset) => {
                    out.insert(key, offset);
                }
                Err(e) => return Err(self.error(what, format!("{}[{}]: {e}", key.0, key.1))),
            }
        }
        if let Some(missing) = partitions.iter().find(|p| !out.contains_key(*p)) {
            return Err(self.error(what, format!("no answer for {}[{}]", missing.0, missing.1)));
        }
        Ok(out)
    }

    /// Log end offsets (high watermarks) of many partitions in one ListOffsets call, asked
    /// of the cluster now (no snapshot).
    pub fn fetch_end_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        self.offsets(partitions, OffsetSpec::Latest)
    }

    /// Log start offsets of many partitions in one ListOffsets call.
    pub fn fetch_start_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        self.offsets(partitions, OffsetSpec::Earliest)
    }

    pub fn fetch_groups(&self) -> Result<Vec<GroupListing>, KafkaError> {
        self.retrying(|| {
            native::list_consumer_groups(self.handle(), self.request_timeout())
                .map_err(|e| self.error_with("list groups", e.0, e.1))
        })
    }

    /// Every ACL binding of the cluster. A cluster without an authorizer is an error: there
    /// is nothing to compare, and a pass would say access was checked.
    pub fn acls(&self) -> Result<Vec<native::AclBinding>, KafkaError> {
        native::describe_acls(self.handle(), self.request_timeout()).map_err(|e| match e {
            native::AclsError::SecurityDisabled(message) => self.error(
                "describe ACLs",
                format!("{message}: no authorizer is configured on this cluster, so it has no ACLs to compare"),
            ),
            native::AclsError::NotAuthorized(message) => {
                self.error(
                    "describe ACLs",
                    format!("{message}: listing ACLs needs ALLOW DESCRIBE on the CLUSTER resource for this client's principal"),
                )
            }
            native::AclsError::Other(message) => self.error("describe ACLs", message),
        })
    }

    pub fn describe_groups(
        &self,
        groups: &[String],
    ) -> Result<native::Answers<String, GroupDescription>, KafkaError> {
        native::describe_consumer_groups(self.handle(), groups, self.request_timeout())
            .map_err(|e| self.error_with("describe groups", e.0, e.1))
    }

    /// Committed offsets of many groups; a group that fails to answer fails the call.
    pub fn fetch_committed(
        &self,
        groups: &[String],
    ) -> Result<BTreeMap<String, Vec<Committed>>, KafkaError> {
        self.fetch_committed_in(groups, None)
    }

    /// Committed offsets of many groups on the given partitions only (None: all of them).
    pub fn fetch_committed_in(
        &self,
        groups: &[String],
        only: Option<&[TopicPartition]>,
    ) -> Result<BTreeMap<String, Vec<Committed>>, KafkaError> {
        // A group whose answer timed out is asked again (with the others not yet answered),
        // not every group: the answers already in stay.
        let mut out = BTreeMap::new();
        let mut todo: Vec<String> = groups.to_vec();
        self.retrying(|| {
            let answers =
                native::list_consumer_group_offsets(self.handle(), &todo, only, self.timeout)
                    .map_err(|e| self.error_with("committed offsets", e.0, e.1))?;
            let mut failed = None;
            for (group, answer) in answers {
                match answer {
                    Ok(committed) => {
                        out.insert(group, committed);
                    }
                    Err(e) => {
                        failed.get_or_insert_with(|| {
                            self.error("committed offsets", format!("group {group}: {e}"))
                        });
                    }
                }
            }
            todo.retain(|g| !out.contains_key(g));
            match failed {
                Some(error) => Err(error),
                None => Ok(()),
            }
        })?;
        Ok(out)
    }

    /// Configs of many topics in one DescribeConfigs call: topic -> name -> value.
    pub fn topic_configs(
        &self,
        topics: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, Option<String>>>, KafkaError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let specifiers: Vec<ResourceSpecifier> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let timeout = self.request_timeout();
        let options = AdminOptions::new().request_timeout(Some(timeout));
        let future = self.admin().describe_configs(&specifiers, &options);
        let answers = with_deadline(future, timeout)
            .ok_or_else(|| {
                self.error(
                    "describe configs",
                    format!("no answer within {}", secs(timeout)),
                )
            })?
            .map_err(|e| {
                self.error_with("describe configs", e.to_string(), e.rdkafka_error_code())
            })?;
        // One answer per topic asked, or the comparison would silently lose topics.
        if answers.len() != topics.len() {
            return Err(self.error(
                "describe configs",
                format!("{} answer(s) for {} topic(s)", answers.len(), topics.len()),
            ));
        }
        let mut out = BTreeMap::new();
        for (topic, answer) in topics.iter().zip(answers) {
            let resource = answer.map_err(|e| {
                self.error_with("describe configs", format!("topic {topic}: {e}"), Some(e))
            })?;
            let entries = resource
                .entries
                .iter()
                .map(|entry| (entry.name.clone(), entry.value.clone()))
                .collect();
            out.insert(topic.clone(), entries);
        }
        Ok(out)
    }

    /// The last data record of each partition (None: the log holds no data record, only
    /// transaction markers, or nothing), with its end offset. Reads the last `depth` offsets,
    /// then, for partitions whose tail held only markers, further back in doubling steps
    /// until a data record or the log start. Each step is one batched read; a step that makes
    /// no progress within the request timeout is an error (`read_ranges`).
    pub fn last_data_records(
        &self,
        partitions: &[TopicPartition],
        depth: i64,
    ) -> Result<HashMap<TopicPartition, (i64, Option<Record>)>, KafkaError> {
        let ends = self.end_offsets(partitions)?;
        last_data_records(
            partitions,
            &ends,
            depth,
            |ranges| self.read_ranges(ranges),
            |wanted| self.start_offsets(wanted),
        )
    }

    /// The last `n` data records of each partition, read back past transaction markers
    /// ([`last_n_data_records`]), with its end offset.
    pub fn last_n_data_records(
        &self,
        partitions: &[TopicPartition],
        n: i64,
    ) -> Result<HashMap<TopicPartition, (i64, Vec<Record>)>, KafkaError> {
        let ends = self.end_offsets(partitions)?;
        last_n_data_records(
            partitions,
            &ends,
            n,
            |ranges| self.read_ranges(ranges),
            |wanted| self.start_offsets(wanted),
        )
    }

    /// [`Connection::last_data_records`] across polls: a partition whose end offset has not
    /// moved since `cache` saw it keeps its cached last record (records are only appended at
    /// the end; retention moves the start, and compaction keeps the last record), so a later
    /// poll reads only the partitions that received records. The cache ends up holding exactly
    /// `partitions`.
    pub fn last_data_records_cached(
        &self,
        partitions: &[TopicPartition],
        depth: i64,
        cache: &mut TailCache,
    ) -> Result<HashMap<TopicPartition, (i64, Option<Record>)>, KafkaError> {
        let ends = self.end_offsets(partitions)?;
        let moved: Vec<TopicPartition> = partitions
            .iter()
            .filter(|tp| cache.get(*tp).map(|(end, _)| *end) != Some(ends[*tp]))
            .cloned()
            .collect();
        let read = last_data_records(
            &moved,
            &ends,
            depth,
            |ranges| self.read_ranges(ranges),
            |wanted| self.start_offsets(wanted),
        )?;
        cache.extend(read);
        let wanted: std::collections::HashSet<&TopicPartition> = partitions.iter().collect();
        cache.retain(|tp, _| wanted.contains(tp));
        Ok(cache.clone())
    }

    /// Records in `[start, end)` of each partition, read [`READ_WINDOW`] partitions at a
    /// time by one consumer. The deadline is for progress: a read fails only when no new data
    /// came within the request timeout, however long the whole read takes; a read that timed
    /// out is read again while the check's timeout leaves room (`retry`).
    pub fn read_ranges(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
    ) -> Result<HashMap<TopicPartition, Vec<Record>>, KafkaError> {
        let mut out = HashMap::with_capacity(ranges.len());
        for window in ranges.chunks(READ_WINDOW) {
            out.extend(self.retrying(|| self.read_window(window))?);
        }
        Ok(out)
    }

    /// As [`Connection::read_ranges`], handing each record to `visit` as it is read instead
    /// of keeping them (a checkpoint topic of 1.6 M records is never held at once). A window
    /// read again after a timed-out request is visited again from its start, in order.
    pub fn visit_ranges(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
        mut visit: impl FnMut(&TopicPartition, Record),
    ) -> Result<(), KafkaError> {
        for window in ranges.chunks(READ_WINDOW) {
            self.retrying(|| {
                self.scan_ranges(window, None, |key, message| {
                    visit(&key, Record::of(message))
                })
            })?;
        }
        Ok(())
    }

    /// [`Connection::read_ranges`] of one window, with one consumer assigned to all of it.
    fn read_window(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
    ) -> Result<HashMap<TopicPartition, Vec<Record>>, KafkaError> {
        let mut out: HashMap<TopicPartition, Vec<Record>> = HashMap::new();
        for (tp, _, _) in ranges {
            out.entry(tp.clone()).or_default();
        }
        self.scan_ranges(ranges, None, |key, message| {
            out.entry(key).or_default().push(Record::of(message));
        })?;
        Ok(out)
    }

    /// The first offset at or after each timestamp (milliseconds) of each partition, with
    /// the timestamp the broker reports for the record there, in one ListOffsets call, asked
    /// of the cluster now: `None` when the broker says no record has a timestamp at or after
    /// it (Kafka: offset -1). The caller checks the timestamp: tansu 0.6.0 answers offset 0
    /// with timestamp -1 instead.
    pub fn offsets_for_times(
        &self,
        partitions: &[(TopicPartition, i64)],
    ) -> Result<HashMap<TopicPartition, Option<native::OffsetAndTime>>, KafkaError> {
        let what = "offsets for times";
        let answers =
            native::list_offsets_for_times(self.handle(), partitions, self.request_timeout())
                .map_err(|e| self.error(what, e.0))?;
        let mut out = HashMap::with_capacity(answers.len());
        for (key, answer) in answers {
            match answer {
                Ok(found) => {
                    out.insert(key, found);
                }
                Err(e) => return Err(self.error(what, format!("{}[{}]: {e}", key.0, key.1))),
            }
        }
        if let Some((missing, _)) = partitions.iter().find(|(p, _)| !out.contains_key(p)) {
            return Err(self.error(what, format!("no answer for {}[{}]", missing.0, missing.1)));
        }
        Ok(out)
    }

    /// The first data record of each partition from its log start (None: no data record,
    /// only transaction markers, or nothing), with the log start offset. Reads the first
    /// `depth` offsets, then further on in doubling steps for partitions whose head held no
    /// data record, up to the end offset of this round.
    pub fn first_data_records(
        &self,
        partitions: &[TopicPartition],
        depth: i64,
    ) -> Result<HashMap<TopicPartition, (i64, Option<Record>)>, KafkaError> {
        let starts = self.start_offsets(partitions)?;
        let ends = self.end_offsets(partitions)?;
        let mut out: HashMap<TopicPartition, (i64, Option<Record>)> = partitions
            .iter()
            .map(|tp| (tp.clone(), (starts[tp], None)))
            .collect();
        let mut pending: Vec<(TopicPartition, i64)> = partitions
            .iter()
            .filter(|tp| ends[*tp] > starts[*tp])
            .map(|tp| (tp.clone(), starts[tp]))
            .collect();
        let mut depth = depth.max(1);
        while !pending.is_empty() {
            let ranges: Vec<(TopicPartition, i64, i64)> = pending
                .iter()
                .map(|(tp, from)| {
                    (
                        tp.clone(),
                        *from,
                        (from.saturating_add(depth)).min(ends[tp]),
                    )
                })
                .collect();
            let mut found: HashMap<TopicPartition, Record> = HashMap::new();
            self.scan_ranges(&ranges, None, |key, message| {
                found.entry(key).or_insert_with(|| Record::of(message));
            })?;
            let mut next = Vec::new();
            for (tp, _, upper) in ranges {
                match found.remove(&tp) {
                    Some(first) => out.get_mut(&tp).expect("every partition").1 = Some(first),
                    None if upper < ends[&tp] => next.push((tp, upper)),
                    None => {}
                }
            }
            pending = next;
            depth = depth.saturating_mul(2);
        }
        Ok(out)
    }

    /// The data records in `[start, end)` of each partition, counted by reading them (the
    /// consumer never sees transaction markers, so this is what a mirror can have copied).
    /// The whole read ends by `until` (the check's deadline); a read that has not finished
    /// by then is an error.
    pub fn count_by_reading(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
        until: Instant,
    ) -> Result<HashMap<TopicPartition, u64>, KafkaError> {
        let mut out: HashMap<TopicPartition, u64> =
            ranges.iter().map(|(tp, _, _)| (tp.clone(), 0)).collect();
        self.scan_ranges(ranges, Some(until), |key, _| {
            *out.entry(key).or_default() += 1;
        })?;
        Ok(out)
    }

    /// Read `[start, end)` of each partition with one consumer assigned to all of them,
    /// handing each record to `visit`. A read that makes no progress within the request
    /// timeout, or has not finished by the check's deadline (`retry::deadline`, and `until`
    /// when given), is an error: a slow but steady read does not outlive the check.
    fn scan_ranges(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
        until: Option<Instant>,
        mut visit: impl FnMut(TopicPartition, &rdkafka::message::BorrowedMessage<'_>),
    ) -> Result<(), KafkaError> {
        let check = match (until, retry::deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut pending: HashMap<TopicPartition, i64> = HashMap::new();
        let mut assignment = TopicPartitionList::new();
        for ((topic, partition), start, end) in ranges {
            if end > start {
                pending.insert((topic.clone(), *partition), *end);
                assignment
                    .add_partition_offset(topic, *partition, Offset::Offset(*start))
                    .map_err(|e| {
                        self.error_with("read records", e.to_string(), e.rdkafka_error_code())
                    })?;
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        // librdkafka wants a group id even for assign(); nothing is ever committed under it,
        // and the `__` prefix keeps it out of every default group selection.
        let reader = self.reader(&[
            ("group.id", "__cutover-reader"),
            // A range that starts below the log start (retention) reads from the start.
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "true"),
            // Brokers may hold a fetch up to this long even with data ready (tansu sleeps
            // through it): the reads here want what is there now.
            ("fetch.wait.max.ms", "1"),
            // Chosen for what a check reads (issue 14): the biggest read is the checkpoints
            // topic (100,000 records, about 6 MB, at 2,000 partitions; 16x at 8,000), the
            // others a few records per partition. What a reader holds is at most its prefetch
            // queue plus one fetch answer being decoded: 8 MB + 8 MB here (librdkafka's
            // defaults: 64 MB queue, 50 MB fetch, 1 MB per partition), and up to three readers
            // run at once. Fetches stay large enough that tansu's per-request cost does not
            // dominate: 4 MB per partition, 8 MB per answer. Measured at 2,000 partitions
            // (docs/performance.md): 1 MB / 4 MB / 4 MB up to 8 MB / 32 MB / 32 MB changed
            // neither the time nor the peak RSS beyond noise there; the bound is for 8,000.
            ("max.partition.fetch.bytes", "4194304"),
            ("fetch.max.bytes", "8388608"),
            ("queued.max.messages.kbytes", "8192"),
        ])?;
        reader
            .assign(&assignment)
            .map_err(|e| self.error_with("read records", e.to_string(), e.rdkafka_error_code()))?;
        // The deadline moves with progress: a slow but advancing read is not a failure.
        let mut deadline = Instant::now() + self.timeout;
        while !pending.is_empty() {
            let (give_up, by_check) = retry::give_up_at(deadline, check);
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() && by_check {
                let ((topic, partition), end) = pending.iter().next().expect("pending");
                return Err(self.error(
                    "read records",
                    format!(
                        "{topic}[{partition}] not read up to offset {end} within the check's timeout ({} of {} partitions unfinished)",
                        pending.len(),
                        ranges.len()
                    ),
                ));
            }
            if left.is_zero() {
                let ((topic, partition), end) = pending.iter().next().expect("pending");
                return Err(self.error(
                    "read records",
                    format!(
                        "no new data within {}: {topic}[{partition}] not read up to offset {end} ({} of {} partitions unfinished)",
                        secs(self.timeout),
                        pending.len(),
                        ranges.len()
                    ),
                ));
            }
            let Some(message) = reader.poll(left.min(Duration::from_millis(200))) else {
                continue;
            };
            if !matches!(message, Err(ref e) if !matches!(e, rdkafka::error::KafkaError::PartitionEOF(_)))
            {
                deadline = Instant::now() + self.timeout;
            }
            match message {
                Ok(message) => {
                    let key = (message.topic().to_string(), message.partition());
                    let Some(end) = pending.get(&key).copied() else {
                        continue;
                    };
                    if message.offset() < end {
                        visit(key.clone(), &message);
                    }
                    if message.offset() + 1 >= end {
                        pending.remove(&key);
                        // Stop fetching a finished partition: later fetches cost the broker
                        // a scan per partition for nothing.
                        let mut done = TopicPartitionList::new();
                        done.add_partition(&key.0, key.1);
                        let _ = reader.pause(&done);
                    }
                }
                Err(rdkafka::error::KafkaError::PartitionEOF(partition)) => {
                    // At the end of the log: the range is complete if the end is reached
                    // (transaction markers and compaction leave offset gaps).
                    let ends: Vec<TopicPartition> = pending
                        .keys()
                        .filter(|(_, p)| *p == partition)
                        .cloned()
                        .collect();
                    for key in ends {
                        let position = reader.position().ok().and_then(|list| {
                            list.find_partition(&key.0, key.1).map(|e| e.offset())
                        });
                        if let Some(Offset::Offset(at)) = position {
                            if at >= pending[&key] {
                                pending.remove(&key);
                            }
                        }
                    }
                }
                Err(e) => {
                    return Err(self.error_with(
                        "read records",
                        e.to_string(),
                        e.rdkafka_error_code(),
                    ))
                }
            }
        }
        Ok(())
    }
}

/// Partitions one reader reads at a time. A fetch names every unfinished partition of its
/// consumer, and a broker's cost of a fetch grows with the partitions it names (tansu runs a
/// query for each): 8,000 partitions in one fetch took longer than the request timeout on
/// this machine, so the read timed out before its first record (issue 14).
pub const READ_WINDOW: usize = 500;

impl Connection {
    /// Run `attempt`; when it fails because a request timed out on a reachable cluster, run it
    /// again while the check's deadline (`retry::deadline`) leaves room for a whole attempt.
    pub fn retrying<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, KafkaError>,
    ) -> Result<T, KafkaError> {
        let mut attempts = 1;
        loop {
            match attempt() {
                Ok(value) => return Ok(value),
                Err(mut error) => {
                    let whole = self.timeout + Duration::from_secs(2);
                    let room = retry::deadline().is_some_and(|d| Instant::now() + whole <= d);
                    if room && retry::timed_out(&error.message) {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                    if attempts > 1 {
                        error.message = format!(
                            "{} (after {attempts} attempts within the check's timeout)",
                            error.message
                        );
                    }
                    return Err(error);
                }
            }
        }
    }
}

/// The widening search of [`Connection::last_data_records`], over any reader (unit-tested
/// over a simulated log: tansu 0.6.0 has no EndTxn, so no broker here writes markers).
pub fn last_data_records<E>(
    partitions: &[TopicPartition],
    ends: &HashMap<TopicPartition, i64>,
    depth: i64,
    read: impl FnMut(&[(TopicPartition, i64, i64)]) -> Result<HashMap<TopicPartition, Vec<Record>>, E>,
    start_offsets: impl FnMut(&[TopicPartition]) -> Result<HashMap<TopicPartition, i64>, E>,
) -> Result<HashMap<TopicPartition, (i64, Option<Record>)>, E> {
    Ok(
        widening_tail(partitions, ends, 1, depth, read, start_offsets)?
            .into_iter()
            .map(|(tp, (end, mut records))| (tp, (end, records.pop())))
            .collect(),
    )
}

/// The last `n` data records of each partition (fewer when the log holds fewer), oldest
/// first, with its end offset: the last `n` offsets, then, while transaction markers leave
/// fewer than `n` data records, further back in doubling steps down to the log start (as
/// [`last_data_records`] does for one). Over any reader (unit-tested over a simulated log).
pub fn last_n_data_records<E>(
    partitions: &[TopicPartition],
    ends: &HashMap<TopicPartition, i64>,
    n: i64,
    read: impl FnMut(&[(TopicPartition, i64, i64)]) -> Result<HashMap<TopicPartition, Vec<Record>>, E>,
    start_offsets: impl FnMut(&[TopicPartition]) -> Result<HashMap<TopicPartition, i64>, E>,
) -> Result<HashMap<TopicPartition, (i64, Vec<Record>)>, E> {
    widening_tail(partitions, ends, n, n, read, start_offsets)
}

/// The search both share: read the last `depth` offsets of each partition, then, while
/// transaction markers leave fewer than `n` data records, further back in doubling steps
/// down to the log start. Keeps at most the last `n` records of each partition, oldest first.
fn widening_tail<E>(
    partitions: &[TopicPartition],
    ends: &HashMap<TopicPartition, i64>,
    n: i64,
    depth: i64,
    mut read: impl FnMut(
        &[(TopicPartition, i64, i64)],
    ) -> Result<HashMap<TopicPartition, Vec<Record>>, E>,
    mut start_offsets: impl FnMut(&[TopicPartition]) -> Result<HashMap<TopicPartition, i64>, E>,
) -> Result<HashMap<TopicPartition, (i64, Vec<Record>)>, E> {
    let n = n.max(1);
    let mut out: HashMap<TopicPartition, (i64, Vec<Record>)> = HashMap::new();
    // Each pending partition with the offset its next (older) range ends at.
    let mut pending: Vec<(TopicPartition, i64)> = Vec::new();
    for tp in partitions {
        out.insert(tp.clone(), (ends[tp], Vec::new()));
        if ends[tp] > 0 {
            pending.push((tp.clone(), ends[tp]));
        }
    }
    let mut starts: Option<HashMap<TopicPartition, i64>> = None;
    let mut depth = depth.max(1);
    while !pending.is_empty() {
        let ranges: Vec<(TopicPartition, i64, i64)> = pending
            .iter()
            .map(|(tp, upper)| {
                let floor = starts.as_ref().map_or(0, |s| s[tp]);
                (tp.clone(), (upper - depth).max(floor).max(0), *upper)
            })
            .collect();
        let mut records = read(&ranges)?;
        let mut next = Vec::new();
        for (tp, from, _) in ranges {
            let mut older = records.remove(&tp).unwrap_or_default();
            let have = &mut out.get_mut(&tp).expect("every partition").1;
            older.append(have);
            let extra = older.len().saturating_sub(n as usize);
            older.drain(..extra);
            *have = older;
            if (have.len() as i64) < n && from > 0 {
                next.push((tp, from));
            }
        }
        if next.is_empty() {
            break;
        }
        // Markers left fewer than n data records: find where each log starts, then read
        // further back.
        if starts.is_none() {
            let wanted: Vec<TopicPartition> = next.iter().map(|(tp, _)| tp.clone()).collect();
            starts = Some(start_offsets(&wanted)?);
        }
        let known = starts.as_ref().expect("start offsets");
        next.retain(|(tp, from)| known.get(tp).is_some_and(|start| from > start));
        pending = next;
        depth = depth.saturating_mul(2);
    }
    Ok(out)
}

/// A record as the checks compare it: where it is, when, and a digest of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub log_append_time: bool,
    /// SHA-256 over key, value and headers, each length-prefixed (None and empty differ).
    pub digest: [u8; 32],
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

impl Record {
    fn of<M: Message>(message: &M) -> Record {
        let mut hasher = Sha256::new();
        let mut field = |bytes: Option<&[u8]>| match bytes {
            None => hasher.update([0u8]),
            Some(b) => {
                hasher.update([1u8]);
                hasher.update((b.len() as u64).to_be_bytes());
                hasher.update(b);
            }
        };
        field(message.key());
        field(message.payload());
        if let Some(headers) = message.headers() {
            for header in headers.iter() {
                field(Some(header.key.as_bytes()));
                field(header.value);
            }
        }
        let (timestamp, log_append_time) = match message.timestamp() {
            rdkafka::Timestamp::NotAvailable => (None, false),
            rdkafka::Timestamp::CreateTime(t) => (Some(t), false),
            rdkafka::Timestamp::LogAppendTime(t) => (Some(t), true),
        };
        Record {
            offset: message.offset(),
            timestamp,
            log_append_time,
            digest: hasher.finalize().into(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
        }
    }
}

pub fn secs(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// None when `future` does not finish within `limit` (rdkafka admin futures rely on the
/// request timeout; this is the belt to its braces).
///
/// No async runtime: an rdkafka admin future is a oneshot channel its own polling thread
/// completes, so the calling thread polls it, sleeps until woken or the deadline, and
/// drops it (as `tokio::time::timeout` did) when the deadline passes first.
fn with_deadline<F: std::future::Future>(future: F, limit: Duration) -> Option<F::Output> {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let until = std::time::Instant::now() + limit + Duration::from_secs(2);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return Some(output);
        }
        // A wake before this park leaves its token: park returns at once and polls again.
        let left = until.checked_duration_since(std::time::Instant::now())?;
        std::thread::park_timeout(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ready once another thread sets it, which wakes the poller (as rdkafka's admin thread
    /// completes a oneshot channel).
    struct Later(std::sync::Arc<std::sync::Mutex<(bool, Option<std::task::Waker>)>>);

    impl std::future::Future for Later {
        type Output = &'static str;
        fn poll(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<&'static str> {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                return std::task::Poll::Ready("answer");
            }
            state.1 = Some(cx.waker().clone());
            std::task::Poll::Pending
        }
    }

    #[test]
    fn with_deadline_returns_an_answer_woken_from_another_thread() {
        let state = std::sync::Arc::new(std::sync::Mutex::new((false, None::<std::task::Waker>)));
        let setter = state.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let mut state = setter.lock().unwrap();
            state.0 = true;
            if let Some(waker) = state.1.take() {
                waker.wake();
            }
        });
        let started = std::time::Instant::now();
        assert_eq!(
            with_deadline(Later(state), Duration::from_secs(5)),
            Some("answer")
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        thread.join().unwrap();
    }

    #[test]
    fn with_deadline_gives_up_on_a_future_that_never_answers() {
        let started = std::time::Instant::now();
        assert_eq!(
            with_deadline(std::future::pending::<()>(), Duration::ZERO),
            None
        );
        // The limit plus the two-second belt, not forever.
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(4),
            "{took:?}"
        );
    }

    fn record(offset: i64) -> Record {
        Record {
            offset,
            timestamp: None,
            log_append_time: false,
            digest: [0; 32],
            key: None,
            value: Some(vec![1]),
        }
    }

    /// A simulated log: data records at `data` offsets (the rest markers or aborted
    /// records), starting at `start`, ending at `end`. Returns what was found and the ranges
    /// read.
    fn search(data: &[i64], start: i64, end: i64) -> (Option<i64>, Vec<(i64, i64)>) {
        let tp: TopicPartition = ("orders".into(), 0);
        let ends = HashMap::from([(tp.clone(), end)]);
        let mut reads = Vec::new();
        let found = last_data_records::<()>(
            std::slice::from_ref(&tp),
            &ends,
            8,
            |ranges| {
                let mut out = HashMap::new();
                for (tp, from, to) in ranges {
                    reads.push((*from, *to));
                    let records = data
                        .iter()
                        .filter(|o| **o >= (*from).max(start) && **o < *to)
                        .map(|o| record(*o))
                        .collect();
                    out.insert(tp.clone(), records);
                }
                Ok(out)
            },
            |wanted| Ok(wanted.iter().map(|tp| (tp.clone(), start)).collect()),
        )
        .unwrap();
        (found[&tp].1.as_ref().map(|r| r.offset), reads)
    }

    #[test]
    fn a_data_record_in_the_first_look_back_is_found_in_one_read() {
        assert_eq!(search(&[0, 1, 2, 97], 0, 100), (Some(97), vec![(92, 100)]));
    }

    #[test]
    fn a_markers_only_tail_is_read_further_back_in_widening_steps() {
        // 3 data records, then 40 offsets of aborted records and markers.
        let (found, reads) = search(&[0, 1, 2], 0, 43);
        assert_eq!(found, Some(2));
        assert_eq!(reads, [(35, 43), (19, 35), (0, 19)]);
    }

    #[test]
    fn no_data_record_down_to_the_log_start_is_none() {
        let (found, reads) = search(&[], 10, 30);
        assert_eq!(found, None);
        assert_eq!(reads.last(), Some(&(10, 22)));
        // An empty log needs no read at all.
        assert_eq!(search(&[], 0, 0), (None, vec![]));
    }
}
