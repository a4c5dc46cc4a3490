//! `topics_match`: every selected source topic exists on the target with the same partition
//! count and the same values for the compared configs.

use std::collections::{BTreeMap, BTreeSet};

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome};
use crate::kafka::KafkaError;
use crate::runbook::{CheckSpec, Engine, Runbook};

/// Configs MirrorMaker 2 never copies to the target (its default config property filter).
pub const MM2_NEVER_COPIES: [&str; 4] = [
    "min.insync.replicas",
    "message.timestamp.type",
    "unclean.leader.election.enable",
    "message.timestamp.difference.max.ms",
];

/// Configs whose value is a list: compared as sets.
const LIST_CONFIGS: [&str; 3] = [
    "cleanup.policy",
    "leader.replication.throttled.replicas",
    "follower.replication.throttled.replicas",
];

#[derive(Debug, Default)]
pub struct TopicFacts {
    pub source_topic: String,
    pub target_topic: String,
    pub source_partitions: i32,
    /// None: missing on target.
    pub target_partitions: Option<i32>,
    pub source_configs: BTreeMap<String, Option<String>>,
    pub target_configs: BTreeMap<String, Option<String>>,
    pub source_replication: usize,
    pub target_replication: usize,
}

fn equal(name: &str, a: &Option<String>, b: &Option<String>) -> bool {
    if LIST_CONFIGS.contains(&name) {
        let set = |v: &Option<String>| -> BTreeSet<String> {
            v.as_deref()
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        set(a) == set(b)
    } else {
        a == b
    }
}

pub fn evaluate(
    topics: &[TopicFacts],
    configs: &[String],
    engine: Engine,
    selected: &Resolved,
    allow_empty: bool,
) -> Outcome {
    if topics.is_empty() {
        return selection::nothing_on_source(selected, allow_empty);
    }
    let mut items = selected.items("topic", "source");
    let mut unreported: BTreeSet<&str> = BTreeSet::new();
    for t in topics {
        let base = || {
            Item::new(ItemStatus::Pass)
                .topic(&t.target_topic)
                .field("source_topic", t.source_topic.as_str())
        };
        let Some(target_partitions) = t.target_partitions else {
            let mut item = base().reason("topic missing on target");
            item.status = ItemStatus::Fail;
            items.push(item);
            continue;
        };
        let mut item = base()
            .field("config", "partitions")
            .values(t.source_partitions, target_partitions);
        if t.source_partitions != target_partitions {
            item.status = ItemStatus::Fail;
            item.reason = Some(format!(
                "partition count differs: {} on source, {target_partitions} on target",
                t.source_partitions
            ));
        }
        items.push(item);
        for name in configs {
            let (s, g) = (
                t.source_configs.get(name).cloned().flatten(),
                t.target_configs.get(name).cloned().flatten(),
            );
            let mut item = base()
                .field("config", name.as_str())
                .values(s.clone(), g.clone());
            let reported =
                t.source_configs.contains_key(name) || t.target_configs.contains_key(name);
            if !reported {
                // Neither cluster has the config at all: "absent" equals "absent" proves
                // nothing (a broker too old for it, or a vendor name it does not know).
                unreported.insert(name.as_str());
                items.push(
                    item.reason(format!("neither cluster reports {name}: not compared"))
                        .with_status(ItemStatus::Info),
                );
                continue;
            }
            if !equal(name, &s, &g) {
                item.status = ItemStatus::Fail;
                let mut reason = format!("{name} differs");
                if engine == Engine::Mirrormaker2 && MM2_NEVER_COPIES.contains(&name.as_str()) {
                    reason.push_str(
                        ": MirrorMaker 2 never copies this config, set it on the target by hand",
                    );
                }
                item.reason = Some(reason);
            }
            items.push(item);
        }
        items.push(
            base()
                .field("config", "replication factor")
                .values(t.source_replication as i64, t.target_replication as i64)
                .reason(
                    "information only (MM2 creates topics with replication.factor, 2 by default)",
                )
                .with_status(ItemStatus::Info),
        );
    }
    let mut note = selected.idle_note();
    if !unreported.is_empty() {
        let names: Vec<&str> = unreported.into_iter().collect();
        let text = format!("not reported by either cluster: {}", names.join(", "));
        note = if note.is_empty() {
            text
        } else {
            format!("{note}; {text}")
        };
    }
    Outcome::from_items(
        items,
        format!(
            "compared partition counts and {} config(s) of {} topic(s): the same on target",
            configs.len(),
            topics.len()
        ),
        "topic properties",
    )
    .note(&note)
}

impl Item {
    fn with_status(mut self, status: ItemStatus) -> Item {
        self.status = status;
        self
    }
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::TopicsMatch { topics, configs } = spec else {
        unreachable!("topics_match::run takes a topics_match spec")
    };
    let (source_topics, target_topics) = clusters.topics()?;
    let selected = selection::resolve_topics(topics, &source_topics);
    let names = selection::topics(topics, &source_topics);
    let pairs = selection::mapped(runbook, &names);
    let present: Vec<String> = pairs
        .iter()
        .filter(|(_, t)| target_topics.contains_key(t))
        .map(|(_, t)| t.clone())
        .collect();
    let mut source_configs = clusters.source.topic_configs(&names)?;
    let mut target_configs = clusters.target.topic_configs(&present)?;
    let source_rf = clusters.source.replication_factors()?;
    let target_rf = clusters.target.replication_factors()?;
    let facts: Vec<TopicFacts> = pairs
        .into_iter()
        .map(|(s, t)| TopicFacts {
            source_partitions: source_topics[&s],
            target_partitions: target_topics.get(&t).copied(),
            source_configs: source_configs.remove(&s).unwrap_or_default(),
            target_configs: target_configs.remove(&t).unwrap_or_default(),
            source_replication: source_rf.get(&s).copied().unwrap_or(0),
            target_replication: target_rf.get(&t).copied().unwrap_or(0),
            source_topic: s,
            target_topic: t,
        })
        .collect();
    Ok(evaluate(
        &facts,
        configs,
        runbook.mirror.engine,
        &selected,
        allow_empty,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn topic(partitions: Option<i32>, retention: &str, cleanup: &str) -> TopicFacts {
        let configs = |r: &str, c: &str| {
            BTreeMap::from([
                ("retention.ms".to_string(), Some(r.to_string())),
                ("cleanup.policy".to_string(), Some(c.to_string())),
            ])
        };
        TopicFacts {
            source_topic: "orders".into(),
            target_topic: "orders".into(),
            source_partitions: 3,
            target_partitions: partitions,
            source_configs: configs("1000", "compact,delete"),
            target_configs: configs(retention, cleanup),
            source_replication: 3,
            target_replication: 2,
        }
    }

    fn evaluate(topics: &[TopicFacts], configs: &[String], engine: Engine) -> Outcome {
        super::evaluate(topics, configs, engine, &Resolved::default(), false)
    }

    fn names() -> Vec<String> {
        vec!["retention.ms".into(), "cleanup.policy".into()]
    }

    #[test]
    fn same_topic_passes_with_list_configs_as_sets() {
        let outcome = evaluate(
            &[topic(Some(3), "1000", "delete,compact")],
            &names(),
            Engine::Mirrormaker2,
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn drift_and_missing_topics_are_named() {
        assert_eq!(
            evaluate(&[topic(None, "1000", "delete")], &names(), Engine::None).status,
            Status::Fail
        );
        let outcome = evaluate(
            &[topic(Some(2), "2000", "compact,delete")],
            &names(),
            Engine::None,
        );
        let failed: Vec<&str> = outcome
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::Fail)
            .map(|i| i.extra["config"].as_str().unwrap())
            .collect();
        assert_eq!(failed, ["partitions", "retention.ms"]);
    }

    #[test]
    fn mm2_drift_says_what_mm2_never_copies() {
        let mut t = topic(Some(3), "1000", "compact,delete");
        t.source_configs
            .insert("min.insync.replicas".into(), Some("2".into()));
        t.target_configs
            .insert("min.insync.replicas".into(), Some("1".into()));
        let outcome = evaluate(&[t], &["min.insync.replicas".into()], Engine::Mirrormaker2);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("never copies"));
    }

    #[test]
    fn a_config_neither_cluster_reports_is_not_compared() {
        // `retention.msx` (a typo validation now rejects) or a vendor name in configs_extra
        // the brokers do not know: absent on both sides used to pass as "equal".
        let outcome = evaluate(
            &[topic(Some(3), "1000", "compact,delete")],
            &["confluent.placement.constraints".into()],
            Engine::None,
        );
        let info = outcome
            .items
            .iter()
            .find(|i| i.extra["config"] == "confluent.placement.constraints")
            .unwrap();
        assert_eq!(info.status, ItemStatus::Info);
        assert!(
            outcome.summary.contains("not reported by either cluster"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn an_empty_selection_fails_unless_allowed_and_a_typo_fails() {
        assert_eq!(evaluate(&[], &names(), Engine::None).status, Status::Fail);
        let allowed = super::evaluate(&[], &names(), Engine::None, &Resolved::default(), true);
        assert_eq!(allowed.status, Status::Pass);
        let typo = Resolved {
            missing: vec!["ordres".into()],
            ..Resolved::default()
        };
        let outcome = super::evaluate(&[], &names(), Engine::None, &typo, true);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.starts_with("nothing matched"),
            "{}",
            outcome.summary
        );
    }
}
