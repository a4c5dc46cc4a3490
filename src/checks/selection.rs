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
