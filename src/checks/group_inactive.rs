//! `group_inactive`: the selected groups exist and have no members.

use super::{selection, Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{GroupDescription, KafkaError};
use crate::runbook::CheckSpec;

/// States in which a group has (or is gathering) members.
const ACTIVE_STATES: [&str; 5] = [
    "Stable",
    "PreparingRebalance",
    "CompletingRebalance",
    "Assigning",
    "Reconciling",
];

/// Each selected group and what DescribeGroups said of it (an error per group when it could
/// not be described: that is an error, never an inactive group).
pub type Facts = Vec<(String, Result<GroupDescription, String>)>;

pub fn evaluate(facts: &Facts) -> Outcome {
    if facts.is_empty() {
        return Outcome::fail("no group matches the selection", Vec::new());
    }
    let mut items = Vec::new();
    for (group, answer) in facts {
        let description = match answer {
            Ok(d) => d,
            Err(e) => {
                items.push(
                    Item::new(ItemStatus::Error)
                        .group(group)
                        .reason(format!("DescribeGroups failed: {e}")),
                );
                continue;
            }
        };
        let state = description.state.as_str();
        let item = Item::new(ItemStatus::Pass)
            .group(group)
            .field("state", state);
        if !description.members.is_empty() {
            for member in &description.members {
                items.push(
                    Item::new(ItemStatus::Fail)
                        .group(group)
                        .field("state", state)
                        .field("member_id", member.member_id.as_str())
                        .field("client_id", member.client_id.as_str())
                        .field("host", member.host.as_str())
                        .reason(format!("still a member of {group}")),
                );
            }
        } else if state == "Dead" {
            items.push(ItemStatus::Fail.with(item, "no such group (likely a typo)"));
        } else if ACTIVE_STATES.contains(&state) {
            items.push(ItemStatus::Fail.with(
                item,
                &format!(
                    "group is {state} but the broker listed no members: someone is still in it"
                ),
            ));
        } else if state == "Empty" {
            items.push(item.reason("no members"));
        } else {
            items
                .push(ItemStatus::Error.with(item, &format!("unrecognised group state {state:?}")));
        }
    }
    let count = facts.len();
    Outcome::from_items(
        items,
        format!("{count} group(s) exist and have no members"),
        "groups",
    )
}

impl ItemStatus {
    fn with(self, mut item: Item, reason: &str) -> Item {
        item.status = self;
        item.reason = Some(reason.to_string());
        item
    }
}

pub fn run(spec: &CheckSpec, clusters: &Clusters) -> Result<Outcome, KafkaError> {
    let CheckSpec::GroupInactive { cluster, groups } = spec else {
        unreachable!("group_inactive::run takes a group_inactive spec")
    };
    let connection = clusters.get(*cluster);
    let names = selection::groups(groups, connection)?;
    let facts = connection.describe_groups(&names)?;
    // librdkafka reports an unreachable cluster per group ("Local: Timed out"): when no group
    // could be described, the cluster did not answer, and the error names it and says why.
    if let [(group, Err(first)), rest @ ..] = facts.as_slice() {
        if rest.iter().all(|(_, answer)| answer.is_err()) {
            return Err(connection.error("describe groups", format!("group {group}: {first}")));
        }
    }
    Ok(evaluate(&facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::kafka::Member;

    fn described(
        group: &str,
        state: &str,
        members: usize,
    ) -> (String, Result<GroupDescription, String>) {
        (
            group.into(),
            Ok(GroupDescription {
                group: group.into(),
                state: state.into(),
                members: (0..members)
                    .map(|i| Member {
                        member_id: format!("m{i}"),
                        client_id: "billing-app".into(),
                        host: "/10.0.0.7".into(),
                    })
                    .collect(),
            }),
        )
    }

    #[test]
    fn empty_groups_pass() {
        assert_eq!(
            evaluate(&vec![described("billing", "Empty", 0)]).status,
            Status::Pass
        );
    }

    #[test]
    fn members_fail_and_are_named() {
        let outcome = evaluate(&vec![described("billing", "Stable", 2)]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.items.len(), 2);
        assert_eq!(outcome.items[0].extra["client_id"], "billing-app");
    }

    #[test]
    fn stable_without_listed_members_still_fails() {
        assert_eq!(
            evaluate(&vec![described("billing", "Stable", 0)]).status,
            Status::Fail
        );
    }

    #[test]
    fn a_dead_group_is_a_typo_and_an_error_is_an_error() {
        assert_eq!(
            evaluate(&vec![described("biling", "Dead", 0)]).status,
            Status::Fail
        );
        let outcome = evaluate(&vec![(
            "billing".into(),
            Err("Broker transport failure".into()),
        )]);
        assert_eq!(outcome.status, Status::Error);
    }
}
