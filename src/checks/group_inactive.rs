//! `group_inactive`: the selected groups exist and have no members.
//!
//! Existence, type and state come from the best the cluster offers: ListConsumerGroups
//! (states from ListGroups v4, types from v5), then DescribeConsumerGroups of every listed
//! selected group. librdkafka 2.12 describes a group with ConsumerGroupDescribe (KIP-848)
//! first and falls back to DescribeGroups on GROUP_ID_NOT_FOUND or UNSUPPORTED_VERSION
//! (`rdkafka_admin.c`, `rd_kafka_admin_describe_consumer_group_do_fallback_to_classic`), and
//! names only the classic states: KIP-848's Assigning and Reconciling come back "Unknown"
//! (`rdkafka.c`, `rd_kafka_consumer_group_state_names`). DescribeGroups v0-5 answers a
//! `consumer`-type group (and a share, a streams or an absent one) with state Dead, no members
//! and no error: Kafka 4.x `group-coordinator/.../GroupMetadataManager.describeGroups` catches
//! the GroupIdNotFoundException of a group that is not classic and, below request version 6,
//! answers `setGroupState(DEAD)` without an error code (librdkafka 2.12 asks DescribeGroups v4
//! at most: `rdkafka_request.c`, `rd_kafka_DescribeGroupsRequest`). So a member count of zero
//! is not, alone, evidence, and Dead from a describe is no evidence at all.

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{GroupDescription, GroupListing, KafkaError};
use crate::runbook::{CheckSpec, Role};

/// States in which a group has, or is gathering, members.
const ACTIVE_STATES: [&str; 5] = [
    "Stable",
    "PreparingRebalance",
    "CompletingRebalance",
    "Assigning",
    "Reconciling",
];

/// What the cluster said of the selected groups.
#[derive(Debug, Default)]
pub struct Facts {
    pub cluster: Option<Role>,
    /// The selection resolved against the listing (literal names missing from it are absent).
    pub selected: Resolved,
    /// The listing entry of each selected listed group.
    pub listed: Vec<GroupListing>,
    /// DescribeConsumerGroups of each listed group (an error per group when it could not be
    /// described: that is an error, never an inactive group).
    pub described: Vec<(String, Result<GroupDescription, String>)>,
    pub absent_ok: bool,
    pub described_selection: String,
}

fn with(mut item: Item, status: ItemStatus, reason: impl Into<String>) -> Item {
    item.status = status;
    item.reason = Some(reason.into());
    item
}

/// The verdict for one listed group from its listing entry and its description.
pub fn judge(listed: &GroupListing, described: &Result<GroupDescription, String>) -> Vec<Item> {
    let group = listed.group.as_str();
    let listed_state = listed.state.as_str();
    let type_known = listed.group_type != "Unknown" && !listed.group_type.is_empty();
    let base = Item::new(ItemStatus::Pass)
        .group(group)
        .field("listed_state", listed_state)
        .field(
            "group_type",
            if type_known {
                listed.group_type.as_str()
            } else {
                "unknown"
            },
        );
    let d = match described {
        Ok(d) => d,
        Err(e) => {
            return vec![with(
                base,
                ItemStatus::Error,
                format!("DescribeGroups failed: {e}"),
            )]
        }
    };
    let state = d.state.as_str();
    let base = base.field("state", state);
    if !d.members.is_empty() {
        return d
            .members
            .iter()
            .map(|member| {
                with(
                    base.clone()
                        .field("member_id", member.member_id.as_str())
                        .field("client_id", member.client_id.as_str())
                        .field("host", member.host.as_str()),
                    ItemStatus::Fail,
                    format!("still a member of {group}"),
                )
            })
            .collect();
    }
    if state == "Dead" {
        return vec![with(
            base,
            ItemStatus::Error,
            format!(
                "listed (as {listed_state}) but described as Dead: Dead from a describe is not evidence (DescribeGroups answers a KIP-848 consumer group, a share or a streams group that way)"
            ),
        )];
    }
    if type_known
        && !d.group_type.is_empty()
        && d.group_type != "Unknown"
        && d.group_type != listed.group_type
    {
        return vec![with(
            base,
            ItemStatus::Error,
            format!(
                "answers contradict: listed as a {} group, described as a {} group with no members",
                listed.group_type, d.group_type
            ),
        )];
    }
    let listed_active = ACTIVE_STATES.contains(&listed_state);
    let item = match state {
        "Stable" if listed_state == "Empty" => with(
            base,
            ItemStatus::Error,
            "answers contradict: listed Empty, described Stable with no members",
        ),
        "Stable" if listed_state == "Stable" => with(
            base,
            ItemStatus::Error,
            "answers contradict: listed and described Stable, but the describe lists no members (a Stable group has members): cannot tell who is in it",
        ),
        s if ACTIVE_STATES.contains(&s) => with(
            base,
            ItemStatus::Fail,
            format!("group is {s} but the broker listed no members: someone is still in it"),
        ),
        "Unknown" | "" if listed_active => with(
            base,
            ItemStatus::Fail,
            format!("listed as {listed_state} (the describe reported no state librdkafka names): someone is in it"),
        ),
        "Unknown" | "" if listed_state == "Empty" => with(
            base,
            ItemStatus::Error,
            "listed Empty, but the describe reported a state librdkafka does not name (KIP-848 Assigning or Reconciling?): not confirmed",
        ),
        "Unknown" | "" => with(
            base,
            ItemStatus::Error,
            "neither the listing nor the describe reported the group's state: cannot tell whether it is inactive",
        ),
        "Empty" if listed_active => with(
            base,
            ItemStatus::Error,
            format!("answers contradict: listed {listed_state}, described Empty with no members"),
        ),
        "Empty" => {
            let mut reason = "Empty, no members".to_string();
            if !type_known {
                reason.push_str(" (type unknown: the broker's ListGroups does not report types)");
            }
            base.reason(reason)
        }
        other => with(
            base,
            ItemStatus::Error,
            format!("unrecognised group state {other:?}"),
        ),
    };
    vec![item]
}

pub fn evaluate(facts: &Facts, allow_empty: bool) -> Outcome {
    let on = facts.cluster.map_or("the cluster", Role::name);
    let mut items = facts.selected.excluded_items("group");
    // Literal names absent from the listing are absent, unless their describe shows
    // activity (tansu's memory engine lists no group that has members): evidence of
    // activity fails whatever the listing says.
    let mut absent: Vec<&String> = Vec::new();
    let mut compared = 0;
    for group in &facts.selected.missing {
        let described = facts.described.iter().find(|(g, _)| g == group);
        if let Some((_, Ok(d))) = described {
            if !d.members.is_empty() || ACTIVE_STATES.contains(&d.state.as_str()) {
                let unlisted = GroupListing {
                    group: group.clone(),
                    state: "Unknown".into(),
                    group_type: "Unknown".into(),
                };
                compared += 1;
                items.extend(judge(&unlisted, &Ok(d.clone())).into_iter().map(|mut i| {
                    i.reason = i
                        .reason
                        .map(|r| format!("{r} (absent from {on}'s group listing)"));
                    i
                }));
                continue;
            }
        }
        absent.push(group);
    }
    // Absent: information when absent_ok, else a failure.
    for group in &absent {
        items.push(if facts.absent_ok {
            Item::new(ItemStatus::Info).group(group).reason(format!(
                "absent from {on}'s group listing: no such group there (absent_ok), not compared"
            ))
        } else {
            Item::new(ItemStatus::Fail).group(group).reason(format!(
                "no such group on {on}: absent from its group listing (likely a typo)"
            ))
        });
    }
    for listed in &facts.listed {
        let described = facts
            .described
            .iter()
            .find(|(g, _)| *g == listed.group)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| Err("no answer for this group".into()));
        compared += 1;
        items.extend(judge(listed, &described));
    }
    let mut note = facts.selected.idle_note();
    if !absent.is_empty() && facts.absent_ok {
        let absent_note = format!("{} absent from {on}", absent.len());
        note = if note.is_empty() {
            absent_note
        } else {
            format!("{note}; {absent_note}")
        };
    }
    if compared == 0 && !items.iter().any(|i| i.status == ItemStatus::Fail) {
        let described = if absent.is_empty() {
            format!("no group on {on} matches {}", facts.described_selection)
        } else {
            format!(
                "every selected group is absent from {on} ({})",
                facts.described_selection
            )
        };
        return selection::empty(&described, false, items, allow_empty);
    }
    Outcome::from_items(
        items,
        format!("compared {compared} group(s) on {on}: each exists and has no members"),
        "groups",
    )
    .note(&note)
}

pub fn run(
    spec: &CheckSpec,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::GroupInactive {
        cluster,
        groups,
        absent_ok,
    } = spec
    else {
        unreachable!("group_inactive::run takes a group_inactive spec")
    };
    let connection = clusters.get(*cluster);
    let listing = connection.list_groups()?;
    let selected = Resolved::new(groups, Some(&mut listing.iter().map(|l| l.group.as_str())));
    let names = selected.list();
    let listed: Vec<GroupListing> = listing
        .into_iter()
        .filter(|l| names.contains(&l.group))
        .collect();
    // Absent literal names are described too: a describe that shows members overrules a
    // listing that missed the group.
    let mut asked = names.clone();
    asked.extend(selected.missing.iter().cloned());
    let described = connection.describe_groups(&asked)?;
    // librdkafka reports an unreachable cluster per group ("Local: Timed out"): when no group
    // could be described, the cluster did not answer, and the error names it and says why.
    if let [(group, Err(first)), rest @ ..] = described.as_slice() {
        if rest.iter().all(|(_, answer)| answer.is_err()) {
            return Err(connection.error("describe groups", format!("group {group}: {first}")));
        }
    }
    let facts = Facts {
        cluster: Some(*cluster),
        selected,
        listed,
        described,
        absent_ok: *absent_ok,
        described_selection: groups.describe(),
    };
    Ok(evaluate(&facts, allow_empty))
}

/// Kafka 4.x cases over hand-built list/describe answers: no Kafka 4.x broker runs here
/// (tansu 0.6.0 lists every group as Unknown and drops DescribeGroups on SQLite). Each
/// answer imitates what librdkafka 2.12.1 hands back for the broker behaviour cited.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::kafka::Member;
    use crate::runbook::selection::{Pattern, Selection};

    fn listing(group: &str, state: &str, group_type: &str) -> GroupListing {
        GroupListing {
            group: group.into(),
            state: state.into(),
            group_type: group_type.into(),
        }
    }

    fn description(
        group: &str,
        state: &str,
        group_type: &str,
        members: usize,
    ) -> Result<GroupDescription, String> {
        Ok(GroupDescription {
            group: group.into(),
            state: state.into(),
            group_type: group_type.into(),
            members: (0..members)
                .map(|i| Member {
                    member_id: format!("m{i}"),
                    client_id: "billing-app".into(),
                    host: "/10.0.0.7".into(),
                })
                .collect(),
        })
    }

    fn selection(names: &[&str]) -> Selection {
        Selection {
            include: names.iter().map(|n| Pattern::new(n).unwrap()).collect(),
            exclude: Vec::new(),
        }
    }

    /// Facts as `run` builds them from a listing and descriptions.
    fn facts(
        names: &[&str],
        listing: Vec<GroupListing>,
        described: Vec<(&str, Result<GroupDescription, String>)>,
        cluster: Role,
    ) -> Facts {
        let s = selection(names);
        let selected = Resolved::new(&s, Some(&mut listing.iter().map(|l| l.group.as_str())));
        let names = selected.list();
        Facts {
            cluster: Some(cluster),
            listed: listing
                .into_iter()
                .filter(|l| names.contains(&l.group))
                .collect(),
            selected,
            described: described
                .into_iter()
                .map(|(g, d)| (g.to_string(), d))
                .collect(),
            absent_ok: cluster == Role::Target,
            described_selection: s.describe(),
        }
    }

    fn one(
        listed: GroupListing,
        described: Result<GroupDescription, String>,
    ) -> (Outcome, Vec<Item>) {
        let group = listed.group.clone();
        let f = facts(
            &[group.as_str()],
            vec![listed],
            vec![(group.as_str(), described)],
            Role::Source,
        );
        let outcome = evaluate(&f, false);
        let items = outcome.items.clone();
        (outcome, items)
    }

    #[test]
    fn an_empty_classic_group_passes_and_says_what_was_compared() {
        // Kafka 3.x/4.x ListGroups v5 and DescribeGroups for an idle classic group.
        let (outcome, _) = one(
            listing("billing", "Empty", "Classic"),
            description("billing", "Empty", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(
            outcome.summary.contains("compared 1 group"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn members_fail_and_are_named() {
        let (outcome, items) = one(
            listing("billing", "Stable", "Classic"),
            description("billing", "Stable", "Classic", 2),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].extra["client_id"], "billing-app");
    }

    #[test]
    fn dead_without_error_from_a_describe_is_not_evidence() {
        // Kafka 4.x: DescribeGroups v0-5 of a KIP-848 `consumer` group answers Dead, no
        // members, no error (GroupMetadataManager.describeGroups: GroupIdNotFoundException
        // "Group billing is not a classic group" becomes setGroupState(DEAD) below v6);
        // librdkafka falls back to DescribeGroups when ConsumerGroupDescribe answers
        // GROUP_ID_NOT_FOUND (rd_kafka_admin_describe_consumer_group_do_fallback_to_classic).
        let (outcome, items) = one(
            listing("billing", "Stable", "Consumer"),
            description("billing", "Dead", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Error, "{outcome:?}");
        assert!(items[0].reason.as_deref().unwrap().contains("not evidence"));
        // Listed Empty and described Dead: still no evidence.
        let (outcome, _) = one(
            listing("billing", "Empty", "Unknown"),
            description("billing", "Dead", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn unknown_from_the_listing_needs_a_describe_to_confirm() {
        // ListGroups before v4 (and tansu 0.6.0) reports no state: librdkafka says Unknown
        // (rdkafka_admin.c, rd_kafka_ListConsumerGroupsResponse_parse).
        let (outcome, items) = one(
            listing("billing", "Unknown", "Unknown"),
            description("billing", "Empty", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(items[0].reason.as_deref().unwrap().contains("type unknown"));
        // Nothing confirms the state: an error, never a pass.
        let (outcome, _) = one(
            listing("billing", "Unknown", "Unknown"),
            description("billing", "Unknown", "Consumer", 0),
        );
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn assigning_and_reconciling_are_active() {
        // KIP-848 states: librdkafka 2.12 names them Unknown (rdkafka.c,
        // rd_kafka_consumer_group_state_names has only the classic states), so a
        // ConsumerGroupDescribe of an Assigning group says Unknown; the listing (ListGroups v5,
        // Kafka 4.0) may name it when a newer librdkafka does.
        for state in [
            "Assigning",
            "Reconciling",
            "PreparingRebalance",
            "CompletingRebalance",
        ] {
            let (outcome, _) = one(
                listing("billing", state, "Consumer"),
                description("billing", "Unknown", "Consumer", 0),
            );
            assert_eq!(outcome.status, Status::Fail, "{state}: {outcome:?}");
            let (outcome, _) = one(
                listing("billing", "Unknown", "Unknown"),
                description("billing", state, "Classic", 0),
            );
            assert_eq!(outcome.status, Status::Fail, "{state}: {outcome:?}");
        }
        // Listed Empty, described in a state librdkafka cannot name: not confirmed.
        let (outcome, _) = one(
            listing("billing", "Empty", "Consumer"),
            description("billing", "Unknown", "Consumer", 0),
        );
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn a_listed_stable_group_described_with_zero_members_is_never_a_pass() {
        // Contradicting answers: listed Stable, described Empty with no members.
        let (outcome, items) = one(
            listing("billing", "Stable", "Classic"),
            description("billing", "Empty", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Error, "{outcome:?}");
        assert!(items[0].reason.as_deref().unwrap().contains("contradict"));
        // Listed and described Stable, no members: the answers do not add up, an error.
        let (outcome, _) = one(
            listing("billing", "Stable", "Classic"),
            description("billing", "Stable", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Error);
        // Described Stable with no members, the listing saying nothing (tansu 0.6.0 lists
        // Unknown): someone is in it, a failure.
        let (outcome, _) = one(
            listing("billing", "Unknown", "Unknown"),
            description("billing", "Stable", "Classic", 0),
        );
        assert_eq!(outcome.status, Status::Fail);
        // tansu 0.6.0 answers ConsumerGroupDescribe for a classic group with no error and no
        // members: a listed Classic group described as Consumer contradicts.
        let (outcome, _) = one(
            listing("billing", "Empty", "Classic"),
            description("billing", "Empty", "Consumer", 0),
        );
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn an_absent_group_fails_on_source_and_is_information_on_target() {
        // ListGroups does not list a group that does not exist; DescribeGroups v0-5 answers
        // Dead for it without error (GroupMetadataManager.describeGroups, Kafka 4.x).
        let source = facts(&["billing"], vec![], vec![], Role::Source);
        let outcome = evaluate(&source, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("likely a typo"));
        let target = facts(&["billing"], vec![], vec![], Role::Target);
        let outcome = evaluate(&target, false);
        // Absent is not compared: nothing compared fails unless allow_empty.
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.items[0].status, ItemStatus::Info);
        let outcome = evaluate(&target, true);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("absent"), "{}", outcome.summary);
        // One absent, one compared: passes, and says one was absent.
        let mixed = facts(
            &["billing", "shipping"],
            vec![listing("shipping", "Empty", "Classic")],
            vec![("shipping", description("shipping", "Empty", "Classic", 0))],
            Role::Target,
        );
        let outcome = evaluate(&mixed, false);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(
            outcome.summary.contains("1 absent from target"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn activity_in_a_describe_fails_even_when_the_listing_missed_the_group() {
        // tansu 0.6.0's memory engine does not list a group whose member is still in it, and
        // describes it Stable with no members.
        let f = facts(
            &["billing"],
            vec![],
            vec![("billing", description("billing", "Stable", "Classic", 0))],
            Role::Source,
        );
        let outcome = evaluate(&f, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("Stable"));
        // Absent and described Dead (what Kafka answers for an unknown group): absent.
        let f = facts(
            &["billing"],
            vec![],
            vec![("billing", description("billing", "Dead", "Classic", 0))],
            Role::Target,
        );
        let outcome = evaluate(&f, true);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.items[0].status, ItemStatus::Info);
    }

    #[test]
    fn a_describe_error_is_an_error() {
        let (outcome, _) = one(
            listing("billing", "Empty", "Classic"),
            Err("Broker transport failure".into()),
        );
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn a_pattern_matching_nothing_passes_only_with_allow_empty() {
        let f = facts(
            &["bill.*"],
            vec![listing("other", "Empty", "Classic")],
            vec![],
            Role::Source,
        );
        assert_eq!(evaluate(&f, false).status, Status::Fail);
        let outcome = evaluate(&f, true);
        assert_eq!(outcome.status, Status::Pass);
        assert!(
            outcome.summary.contains("selection was empty"),
            "{}",
            outcome.summary
        );
    }
}
