//! Kafka's topic-level config names, so `topics_match` can reject a name no Kafka topic has
//! (`retention.msx` would compare "absent" with "absent" and prove nothing).
//!
//! Source: Apache Kafka
//! `clients/src/main/java/org/apache/kafka/common/config/TopicConfig.java`
//! (<https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/common/config/TopicConfig.java>),
//! plus the topic-level names defined in `storage/.../log/LogConfig.java` and
//! `server-common/.../config/QuotaConfig.java` (the replication throttles). Names removed in
//! Kafka 4.0 (`message.format.version`, `message.downconversion.enable`,
//! `message.timestamp.difference.max.ms`) are kept: a 3.x cluster still answers them.
//! Vendor names (`confluent.*`) go in `configs_extra`.

/// Every topic-level config name of Apache Kafka 0.11 to 4.x, sorted.
pub const KNOWN: [&str; 36] = [
    "cleanup.policy",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.type",
    "compression.zstd.level",
    "delete.retention.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "local.retention.bytes",
    "local.retention.ms",
    "max.compaction.lag.ms",
    "max.message.bytes",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.difference.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "remote.log.copy.disable",
    "remote.log.delete.on.disable",
    "remote.storage.enable",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
];

pub fn is_known(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// The known name closest to `name`, when it is close enough to be a typo.
pub fn did_you_mean(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|known| (distance(name, known), *known))
        .filter(|(distance, known)| *distance <= 3.max(known.len() / 5))
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance (edits to turn `a` into `b`).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_knows_the_compared_defaults() {
        let mut sorted = KNOWN.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), KNOWN.len(), "sorted and unique");
        for name in crate::runbook::defaults::DEFAULT_COMPARED_CONFIGS {
            assert!(is_known(name), "{name}");
        }
    }

    #[test]
    fn a_typo_gets_a_suggestion_and_nonsense_does_not() {
        assert_eq!(did_you_mean("retention.msx"), Some("retention.ms"));
        assert_eq!(did_you_mean("min.isr"), None);
        assert_eq!(did_you_mean("cleanup-policy"), Some("cleanup.policy"));
    }
}
