//! Resolving a runbook selection against what a cluster has.
//!
//! Literal or pattern is decided per name (`[billing, "ship.*"]` names `billing` literally
//! and matches `ship.*`): a literal name that matches nothing is likely a typo and fails
//! naming it; a pattern that matches nothing, or a match without relevant data, is only
//! reported. A check with nothing to compare ends in [`empty`].

use super::{Item, ItemStatus, Outcome};
use crate::kafka::{Connection, KafkaError, TopicPartition, Topics};
use crate::runbook::Selection;

/// How a selected name was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// Written as a name in the runbook: its absence is a failure (likely a typo).
    Literal,
    /// Matched by a pattern: its absence, or a lack of relevant data, is not.
    Pattern,
}

/// A selection resolved against one cluster, name by name.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Selected names, sorted, with how each was chosen (literal wins over pattern).
    pub names: Vec<(String, Origin)>,
    /// Literal names that do not exist on the cluster.
    pub missing: Vec<String>,
    /// Literal names an exclude pattern removes: (name, exclude pattern).
    pub excluded: Vec<(String, String)>,
    /// Patterns that matched nothing.
    pub idle_patterns: Vec<String>,
}

impl Resolved {
    /// Resolve against the names a cluster has (`None`: the existence of literal names is
    /// not known here, e.g. groups looked up without a listing; they are kept as selected).
    pub fn new(
        selection: &Selection,
        available: Option<&mut dyn Iterator<Item = &str>>,
    ) -> Resolved {
        let mut resolved = Resolved::default();
        let available: Option<Vec<&str>> = available.map(|names| names.collect());
        for literal in selection.literals() {
            if let Some(pattern) = selection.excluded_by(literal) {
                resolved
                    .excluded
                    .push((literal.to_string(), pattern.to_string()));
            } else if available
                .as_ref()
                .is_some_and(|names| !names.contains(&literal))
            {
                resolved.missing.push(literal.to_string());
            } else {
                resolved.names.push((literal.to_string(), Origin::Literal));
            }
        }
        let patterns = selection.patterns();
        if !patterns.is_empty() {
            let names = available.as_deref().unwrap_or(&[]);
            for pattern in &patterns {
                let mut matched = false;
                for name in names {
                    if pattern.matches(name) && selection.excluded_by(name).is_none() {
                        matched = true;
                        if !resolved.names.iter().any(|(n, _)| n == name) {
                            resolved.names.push((name.to_string(), Origin::Pattern));
                        }
                    }
                }
                if !matched {
                    resolved.idle_patterns.push(pattern.text.clone());
                }
            }
        }
        resolved.names.sort();
        resolved.names.dedup_by(|a, b| a.0 == b.0);
        resolved.missing.sort();
        resolved.missing.dedup();
        resolved
    }

    /// The selected names.
    pub fn list(&self) -> Vec<String> {
        self.names.iter().map(|(n, _)| n.clone()).collect()
    }

    pub fn origin(&self, name: &str) -> Option<Origin> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, o)| *o)
    }

    /// Whether anything was named literally (then an empty result is "nothing matched").
    pub fn named_literally(&self) -> bool {
        !self.missing.is_empty()
            || !self.excluded.is_empty()
            || self.names.iter().any(|(_, o)| *o == Origin::Literal)
    }

    /// A failing item per literal name that matched nothing (`what`: "topic" or "group").
    pub fn items(&self, what: &str, on: &str) -> Vec<Item> {
        let mut items = self.missing_items(what, on);
        items.extend(self.excluded_items(what));
        items
    }

    /// A failing item per literal name the cluster does not have.
    pub fn missing_items(&self, what: &str, on: &str) -> Vec<Item> {
        let mut items = Vec::new();
        for name in &self.missing {
            let item = Item::new(ItemStatus::Fail).reason(format!(
                "no {what} {name} on {on}: named in the runbook but matched nothing (likely a typo)"
            ));
            items.push(if what == "group" {
                item.group(name)
            } else {
                item.topic(name)
            });
        }
        items
    }

    /// A failing item per literal name an exclude pattern removes.
    pub fn excluded_items(&self, what: &str) -> Vec<Item> {
        let mut items = Vec::new();
        for (name, pattern) in &self.excluded {
            let item = Item::new(ItemStatus::Fail).reason(format!(
                "{what} {name} is named in the runbook but excluded by `{pattern}`: remove one of the two"
            ));
            items.push(if what == "group" {
                item.group(name)
            } else {
                item.topic(name)
            });
        }
        items
    }

    /// "2 patterns matched nothing (a.*, b.*)", or "".
    pub fn idle_note(&self) -> String {
        match self.idle_patterns.len() {
            0 => String::new(),
            1 => format!("pattern {} matched nothing", self.idle_patterns[0]),
            n => format!(
                "{n} patterns matched nothing ({})",
                self.idle_patterns.join(", ")
            ),
        }
    }
}

/// The selected groups, per name: literal names as written (no ListGroups needed: whether
/// they exist is for the check to find out), pattern matches from the listing (asked only
/// when there is a pattern).
pub fn groups(selection: &Selection, connection: &Connection) -> Result<Resolved, KafkaError> {
    if selection.patterns().is_empty() {
        return Ok(Resolved::new(selection, None));
    }
    let listing = connection.list_groups()?;
    let mut resolved = Resolved::new(
        selection,
        Some(&mut listing.iter().map(|l| l.group.as_str())),
    );
    // Literal names are looked up directly even when absent from the listing (a group with
    // commits and no members may be listed by one broker and not another).
    for name in std::mem::take(&mut resolved.missing) {
        resolved.names.push((name, Origin::Literal));
    }
    resolved.names.sort();
    Ok(resolved)
}

/// The selected topics among `topics`, per name.
pub fn resolve_topics(selection: &Selection, topics: &Topics) -> Resolved {
    Resolved::new(selection, Some(&mut topics.keys().map(String::as_str)))
}

/// The selected topics among `topics`, sorted.
pub fn topics(selection: &Selection, topics: &Topics) -> Vec<String> {
    topics
        .keys()
        .filter(|topic| selection.matches(topic))
        .cloned()
        .collect()
}

/// The evidence rule for a check with nothing to compare. A selection that named anything
/// literally fails ("nothing matched: ..."); otherwise the check passes only when the
/// runbook opted in with `allow_empty: true`, and the summary says the selection was empty.
/// `items` are the failing items of literal names (and any `info`), `described` the
/// selection in words.
pub fn empty(described: &str, literal: bool, items: Vec<Item>, allow_empty: bool) -> Outcome {
    let mut outcome = if literal {
        Outcome::fail(format!("nothing matched: {described}"), items)
    } else if allow_empty {
        Outcome {
            status: super::Status::Pass,
            summary: format!(
                "the selection was empty ({described}): nothing compared, accepted by allow_empty"
            ),
            items,
            progress: super::Progress::default(),
        }
    } else {
        Outcome::fail(
            format!("nothing matched: {described} (set allow_empty: true if an empty selection is expected)"),
            items,
        )
    };
    outcome.items.sort_by_key(|i| i.status);
    outcome
}

/// The evidence rule for a topic selection that left nothing to compare on source: a
/// literal name that matched nothing fails (named), otherwise `empty` decides.
pub fn nothing_on_source(selected: &Resolved, allow_empty: bool) -> Outcome {
    let items = selected.items("topic", "source");
    let literal = !items.is_empty();
    empty(
        "no selected topic exists on source",
        literal,
        items,
        allow_empty,
    )
    .note(&selected.idle_note())
}

/// The notes of a group check: groups matched by a pattern with nothing to compare on the
/// selected topics, and patterns that matched nothing.
pub fn group_notes(idle_groups: usize, groups: &Resolved, topics: &Resolved) -> String {
    let mut notes = Vec::new();
    if idle_groups > 0 {
        notes.push(format!(
            "{idle_groups} group(s) matched with nothing to compare on the selected topics"
        ));
    }
    for note in [groups.idle_note(), topics.idle_note()] {
        if !note.is_empty() {
            notes.push(note);
        }
    }
    notes.join("; ")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::Pattern;

    fn selection(include: &[&str], exclude: &[&str]) -> Selection {
        Selection {
            include: include.iter().map(|p| Pattern::new(p).unwrap()).collect(),
            exclude: exclude.iter().map(|p| Pattern::new(p).unwrap()).collect(),
        }
    }

    #[test]
    fn a_mixed_selection_resolves_per_name() {
        // [billing, "ship.*"]: billing is literal even beside a pattern.
        let s = selection(&["billing", "ship.*", "audit.*"], &["__.*"]);
        let cluster = ["billing", "shipping", "shipping-eu", "__internal"];
        let r = Resolved::new(&s, Some(&mut cluster.iter().copied()));
        assert_eq!(
            r.names,
            [
                ("billing".to_string(), Origin::Literal),
                ("shipping".to_string(), Origin::Pattern),
                ("shipping-eu".to_string(), Origin::Pattern),
            ]
        );
        assert_eq!(r.idle_patterns, ["audit.*"]);
        assert_eq!(r.idle_note(), "pattern audit.* matched nothing");
        // The literal name missing: a failure naming it, the pattern matches still selected.
        let cluster = ["shipping"];
        let r = Resolved::new(&s, Some(&mut cluster.iter().copied()));
        assert_eq!(r.missing, ["billing"]);
        assert_eq!(r.list(), ["shipping"]);
        let items = r.items("group", "source");
        assert_eq!(items.len(), 1);
        assert!(items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("no group billing on source"));
        assert!(r.named_literally());
    }

    #[test]
    fn a_literal_name_an_exclude_removes_is_a_contradiction() {
        let s = selection(&["__consumer_offsets"], &["__.*"]);
        let r = Resolved::new(&s, Some(&mut ["__consumer_offsets"].iter().copied()));
        assert!(r.names.is_empty());
        assert_eq!(r.items("topic", "source")[0].status, ItemStatus::Fail);
    }

    #[test]
    fn the_empty_rule() {
        let outcome = empty("topics matching x.*", false, Vec::new(), false);
        assert_eq!(outcome.status, super::super::Status::Fail);
        assert!(outcome.summary.contains("allow_empty"));
        let outcome = empty("topics matching x.*", false, Vec::new(), true);
        assert_eq!(outcome.status, super::super::Status::Pass);
        let outcome = empty("topics orders", true, Vec::new(), true);
        assert_eq!(outcome.status, super::super::Status::Fail);
        assert_eq!(outcome.summary, "nothing matched: topics orders");
    }

    #[test]
    fn from_items_never_passes_on_info_alone() {
        let info = vec![Item::new(ItemStatus::Info).reason("replication factor")];
        let outcome = Outcome::from_items(info, "all good", "topics");
        assert_eq!(outcome.status, super::super::Status::Fail);
        assert!(outcome.summary.starts_with("nothing was compared"));
    }
}
