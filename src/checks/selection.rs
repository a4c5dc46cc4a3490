//! Resolving a runbook selection against what a cluster has.

use crate::kafka::{Connection, KafkaError, TopicPartition, Topics};
use crate::runbook::Selection;

/// The selected groups: literal names as written (no ListGroups needed), otherwise every
/// listed group that matches.
pub fn groups(selection: &Selection, connection: &Connection) -> Result<Vec<String>, KafkaError> {
    if let Some(names) = selection.literal_names() {
        return Ok(names);
    }
    let mut groups: Vec<String> = connection
        .list_groups()?
        .into_iter()
        .map(|listing| listing.group)
        .filter(|group| selection.matches(group))
        .collect();
    groups.sort();
    groups.dedup();
    Ok(groups)
}

/// The selected topics among `topics`, sorted.
pub fn topics(selection: &Selection, topics: &Topics) -> Vec<String> {
    topics
        .keys()
        .filter(|topic| selection.matches(topic))
        .cloned()
        .collect()
}

/// Every partition of the given topics.
pub fn partitions(names: &[String], topics: &Topics) -> Vec<TopicPartition> {
    names
        .iter()
        .flat_map(|topic| {
            let count = topics.get(topic).copied().unwrap_or(0);
            (0..count).map(move |p| (topic.clone(), p))
        })
        .collect()
}

/// Selected source topics paired with their names on the target (per `mirror.topic_naming`).
pub fn mapped(runbook: &crate::runbook::Runbook, names: &[String]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|topic| (topic.clone(), runbook.mirror.target_topic(topic)))
        .collect()
}

/// Each selected source partition with its target partner (None when the target topic has
/// fewer partitions), and the target topics that do not exist at all.
pub struct Pairs {
    pub pairs: Vec<(TopicPartition, Option<TopicPartition>)>,
    pub missing_topics: Vec<String>,
}

impl Pairs {
    pub fn new(
        runbook: &crate::runbook::Runbook,
        selection: &Selection,
        source: &Topics,
        target: &Topics,
    ) -> Pairs {
        let mut pairs = Vec::new();
        let mut missing_topics = Vec::new();
        for (source_topic, target_topic) in mapped(runbook, &topics(selection, source)) {
            let Some(target_count) = target.get(&target_topic).copied() else {
                missing_topics.push(target_topic);
                continue;
            };
            for p in 0..source[&source_topic] {
                let partner = (p < target_count).then(|| (target_topic.clone(), p));
                pairs.push(((source_topic.clone(), p), partner));
            }
        }
        Pairs {
            pairs,
            missing_topics,
        }
    }

    pub fn source_partitions(&self) -> Vec<TopicPartition> {
        self.pairs.iter().map(|(s, _)| s.clone()).collect()
    }

    pub fn target_partitions(&self) -> Vec<TopicPartition> {
        self.pairs.iter().filter_map(|(_, t)| t.clone()).collect()
    }
}
