//! One round's answers, shared by every check evaluated in that round.
//!
//! `cutover check` evaluates all its checks against one snapshot of each cluster, and each
//! poll of a step's checks is a new round: the same end offsets, commits and topic lists are
//! asked for once, not once per check. Only what a round has not asked yet goes to the
//! cluster. `producers_quiet` compares two moments and uses the `fetch_*` calls instead.

use std::collections::{BTreeMap, HashMap};

use super::native::{Committed, GroupListing};
use super::queries::{TopicPartition, Topics};
use super::{Connection, KafkaError};

/// A group's commits, shared by the round's snapshot and every check that reads them (at
/// 8,000 partitions each copy is 1.6 M commits): a check that keeps only some of them copies
/// them then (`retain_commits`).
pub type Commits = std::sync::Arc<Vec<Committed>>;

/// Keep the commits `keep` accepts, copying the shared list only when some must go.
pub fn retain_commits(commits: &mut Commits, keep: impl Fn(&Committed) -> bool) {
    if commits.iter().all(&keep) {
        return;
    }
    std::sync::Arc::make_mut(commits).retain(|c| keep(c));
}

#[derive(Debug, Default)]
pub struct Snapshot {
    topics: Option<Topics>,
    groups: Option<Vec<GroupListing>>,
    end: HashMap<TopicPartition, i64>,
    start: HashMap<TopicPartition, i64>,
    committed: HashMap<String, Commits>,
}

/// Answer `wanted` from `known`, fetching only the missing keys (and remembering them).
fn fill<K, V, F>(
    known: &mut HashMap<K, V>,
    wanted: &[K],
    fetch: F,
) -> Result<Vec<(K, V)>, KafkaError>
where
    K: Clone + Eq + std::hash::Hash + Ord,
    V: Clone,
    F: FnOnce(&[K]) -> Result<Vec<(K, V)>, KafkaError>,
{
    let mut missing: Vec<K> = wanted
        .iter()
        .filter(|k| !known.contains_key(*k))
        .cloned()
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        known.extend(fetch(&missing)?);
    }
    Ok(wanted
        .iter()
        .filter_map(|k| known.get(k).map(|v| (k.clone(), v.clone())))
        .collect())
}

impl Connection {
    fn snapshot(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        // A panic while holding the lock leaves only cached answers behind: still valid.
        self.snapshot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Start a new round: forget every answer.
    pub fn new_round(&self) {
        *self.snapshot() = Snapshot::default();
    }

    /// Every topic and its partition count (this round's answer).
    pub fn topics(&self) -> Result<Topics, KafkaError> {
        if let Some(topics) = &self.snapshot().topics {
            return Ok(topics.clone());
        }
        let topics = self.fetch_topics()?;
        self.snapshot().topics = Some(topics.clone());
        Ok(topics)
    }

    pub fn list_groups(&self) -> Result<Vec<GroupListing>, KafkaError> {
        if let Some(groups) = &self.snapshot().groups {
            return Ok(groups.clone());
        }
        let groups = self.fetch_groups()?;
        self.snapshot().groups = Some(groups.clone());
        Ok(groups)
    }

    pub fn end_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        let mut snapshot = self.snapshot();
        Ok(fill(&mut snapshot.end, partitions, |missing| {
            Ok(self.fetch_end_offsets(missing)?.into_iter().collect())
        })?
        .into_iter()
        .collect())
    }

    pub fn start_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        let mut snapshot = self.snapshot();
        Ok(fill(&mut snapshot.start, partitions, |missing| {
            Ok(self.fetch_start_offsets(missing)?.into_iter().collect())
        })?
        .into_iter()
        .collect())
    }

    /// Commits of `groups` on `partitions`. A group for which the all-topics OffsetFetch
    /// answers nothing is asked again naming those partitions: some brokers (librdkafka's
    /// mock cluster) do not implement the all-topics form, and an empty answer must not pass
    /// for "no commits" when commits exist.
    pub fn committed_on(
        &self,
        groups: &[String],
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<String, Commits>, KafkaError> {
        let mut committed = self.committed(groups)?;
        let empty: Vec<String> = committed
            .iter()
            .filter(|(_, commits)| commits.is_empty())
            .map(|(group, _)| group.clone())
            .collect();
        if !empty.is_empty() && !partitions.is_empty() {
            let again = self.fetch_committed_in(&empty, Some(partitions))?;
            let mut snapshot = self.snapshot();
            for (group, commits) in again {
                let commits = Commits::new(commits);
                snapshot.committed.insert(group.clone(), commits.clone());
                committed.insert(group, commits);
            }
        }
        Ok(committed)
    }

    pub fn committed(&self, groups: &[String]) -> Result<BTreeMap<String, Commits>, KafkaError> {
        let mut snapshot = self.snapshot();
        Ok(fill(&mut snapshot.committed, groups, |missing| {
            Ok(self
                .fetch_committed(missing)?
                .into_iter()
                .map(|(group, commits)| (group, Commits::new(commits)))
                .collect())
        })?
        .into_iter()
        .collect())
    }
}
