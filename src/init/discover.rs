//! `--discover`: ask the source cluster (read-only: Metadata, ListGroups, OffsetFetch) which
//! topics and groups the flow's filters select, so the runbook names them literally.

use std::collections::BTreeSet;

use super::filters::Compiled;
use super::model::Warning;
use super::Origin;
use crate::kafka::{Connection, KafkaError};
use crate::runbook::Runbook;

/// The filters of the flow, compiled as MirrorMaker 2 compiles them.
pub struct Filters<'a> {
    pub topics: &'a Compiled,
    pub topics_exclude: &'a Compiled,
    pub groups: &'a Compiled,
    pub groups_exclude: &'a Compiled,
    /// Where the group filter is set, for the warning about consumers it leaves out.
    pub groups_origin: Origin,
    /// `heartbeats` under the flow's separator.
    pub separator: String,
}

/// What the source holds, as the filters select it.
#[derive(Debug, Default)]
pub struct Discovered {
    pub all_topics: usize,
    pub topics: Vec<String>,
    pub all_groups: usize,
    /// Groups the group filter accepts.
    pub matching_groups: usize,
    /// Of those, the ones with commits on a selected topic (MirrorMaker 2 checkpoints only
    /// those).
    pub groups: Vec<String>,
    /// Groups with commits on a selected topic that the group filter rejects.
    pub left_out: Vec<String>,
}

/// ReplicationPolicy.isInternalTopic over Kafka versions, plus heartbeats (replicated under
/// another name, so never compared): never part of the selection.
pub fn never_replicated(topic: &str, separator: &str) -> bool {
    topic.starts_with("__")
        || topic.starts_with('.')
        || topic.ends_with(".internal")
        || topic.ends_with("-internal")
        || topic == "heartbeats"
        || topic.ends_with(&format!("{separator}heartbeats"))
}

/// List and select. Every answer must come back: an unreachable source is an error.
pub fn discover(runbook: &Runbook, filters: &Filters<'_>) -> Result<Discovered, KafkaError> {
    let connection = Connection::new(
        &runbook.source,
        runbook.defaults.request_timeout,
        &runbook.secrets,
    )?;
    let topics = connection.fetch_topics()?;
    let listed = connection.fetch_groups()?;
    let groups: Vec<String> = listed.iter().map(|g| g.group.clone()).collect();
    let committed = if groups.is_empty() {
        Default::default()
    } else {
        connection.fetch_committed(&groups)?
    };
    Ok(select(
        &topics.keys().cloned().collect::<Vec<_>>(),
        &committed,
        filters,
    ))
}

/// The pure part: which topics and groups the filters select, given what the cluster has.
pub fn select(
    topics: &[String],
    committed: &std::collections::BTreeMap<String, Vec<crate::kafka::Committed>>,
    filters: &Filters<'_>,
) -> Discovered {
    let selected: BTreeSet<String> = topics
        .iter()
        .filter(|t| {
            filters.topics.matches(t)
                && !filters.topics_exclude.matches(t)
                && !never_replicated(t, &filters.separator)
        })
        .cloned()
        .collect();
    let mut out = Discovered {
        all_topics: topics.len(),
        topics: selected.iter().cloned().collect(),
        all_groups: committed.len(),
        ..Default::default()
    };
    for (group, offsets) in committed {
        let reads_selected = offsets.iter().any(|c| selected.contains(&*c.topic));
        let accepted = filters.groups.matches(group) && !filters.groups_exclude.matches(group);
        if accepted {
            out.matching_groups += 1;
        }
        match (accepted, reads_selected) {
            (true, true) => out.groups.push(group.clone()),
            (false, true) => out.left_out.push(group.clone()),
            _ => {}
        }
    }
    out
}

/// The warning for consumers of mirrored topics the group filter leaves out.
pub fn left_out_warning(found: &Discovered, filters: &Filters<'_>) -> Option<Warning> {
    (!found.left_out.is_empty()).then(|| Warning {
        origin: filters.groups_origin.clone(),
        message: format!(
            "the group filter excludes {} group(s) with commits on the mirrored topics: {}; MirrorMaker 2 writes no checkpoints for them, so they cannot resume on the target at translated offsets",
            found.left_out.len(),
            found.left_out.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::filters::Filter;
    use crate::kafka::Committed;

    fn compiled(value: &str) -> Compiled {
        Filter::parse(value, Origin::line(1, "x"))
            .compile("f")
            .unwrap()
    }

    #[test]
    fn selects_like_mirrormaker2() {
        let (t, te, g, ge) = (
            compiled("orders.*, payments"),
            compiled(".*\\.replica"),
            compiled("(?!batch-).*"),
            compiled("console-consumer-.*"),
        );
        let filters = Filters {
            topics: &t,
            topics_exclude: &te,
            groups: &g,
            groups_exclude: &ge,
            groups_origin: Origin::line(4, "groups"),
            separator: ".".into(),
        };
        let topics: Vec<String> = [
            "orders",
            "orders.eu",
            "orders.replica",
            "payments",
            "audit",
            "__consumer_offsets",
            "orders-internal",
            "heartbeats",
            "orders.x.heartbeats",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let commit = |topic: &str| {
            vec![Committed {
                topic: topic.into(),
                partition: 0,
                offset: 1,
            }]
        };
        let committed = [
            ("billing", commit("orders")),
            ("batch-nightly", commit("payments")),
            ("auditor", commit("audit")),
            ("console-consumer-1", commit("orders")),
        ]
        .into_iter()
        .map(|(g, c)| (g.to_string(), c))
        .collect();
        let found = select(&topics, &committed, &filters);
        assert_eq!(found.topics, vec!["orders", "orders.eu", "payments"]);
        assert_eq!(found.groups, vec!["billing"]);
        assert_eq!(found.matching_groups, 2);
        assert_eq!(found.left_out, vec!["batch-nightly", "console-consumer-1"]);
        let w = left_out_warning(&found, &filters).unwrap();
        assert!(w.message.contains("batch-nightly, console-consumer-1"));
    }
}
