//! Checks in plain words: "lag of groups billing, shipping on source is 0 (timeout 30m)".

use crate::present::{duration, ratio};
use crate::runbook::defaults::{DEFAULT_EXCLUDE_GROUPS, DEFAULT_EXCLUDE_TOPICS};
use crate::runbook::{Check, CheckSpec, Runbook, Selection, TranslationMethod};

fn topics(selection: &Selection) -> String {
    named(selection, &DEFAULT_EXCLUDE_TOPICS, "internal topics")
}

fn groups(selection: &Selection) -> String {
    named(
        selection,
        &DEFAULT_EXCLUDE_GROUPS,
        "groups MM2 never checkpoints",
    )
}

/// The selection in words; the long default exclusion lists get a short name.
fn named(selection: &Selection, default_exclude: &[&str], label: &str) -> String {
    let is_default = selection.exclude.len() == default_exclude.len()
        && selection
            .exclude
            .iter()
            .zip(default_exclude)
            .all(|(p, d)| p.text == *d);
    if selection.literal_names().is_some() || !is_default {
        return selection.describe();
    }
    let include: Vec<&str> = selection.include.iter().map(|p| p.text.as_str()).collect();
    format!("matching {} (excluding {label})", include.join(", "))
}

pub fn check(check: &Check, runbook: &Runbook) -> String {
    let text = match &check.spec {
        CheckSpec::LagZero {
            cluster,
            groups: g,
            topics: t,
            max_lag,
        } => {
            let bound = if *max_lag == 0 {
                "is 0".to_string()
            } else {
                format!("is at most {max_lag}")
            };
            format!(
                "lag of groups {} on {cluster} {bound}, on topics {}",
                groups(g),
                topics(t)
            )
        }
        CheckSpec::GroupInactive {
            cluster,
            groups: g,
            absent_ok,
        } => {
            if *absent_ok {
                format!(
                    "groups {} on {cluster} have no members where they exist (absent ones are accepted: absent_ok)",
                    groups(g)
                )
            } else {
                format!("groups {} on {cluster} exist and have no members", groups(g))
            }
        }
        CheckSpec::ProducersQuiet {
            cluster,
            topics: t,
            window,
        } => format!(
            "no new records on topics {} on {cluster} for {}",
            topics(t),
            duration(*window)
        ),
        CheckSpec::MirrorCaughtUp {
            topics: t,
            connector: Some((connect, name)),
        } => format!(
            "connector {name} on connect {connect} has replicated up to the last data record of every partition of topics {} (its committed offsets, GET /connectors/{{name}}/offsets; committed every offset.flush.interval.ms)",
            topics(t)
        ),
        CheckSpec::MirrorCaughtUp { topics: t, .. } => format!(
            "every partition of topics {} ends with the same last record on target as on source",
            topics(t)
        ),
        CheckSpec::ConnectorState {
            connect,
            selection,
            state,
            all_tasks,
        } => format!(
            "{selection} on connect {connect} report {}{}",
            state.connect_word(),
            match (all_tasks, state) {
                (true, crate::runbook::WantedState::Stopped) => " with zero tasks",
                (true, _) => ", and so does every task",
                (false, _) => "",
            }
        ),
        CheckSpec::OffsetsTranslated {
            groups: g,
            topics: t,
            method,
            exact,
        } => {
            let how = match method {
                TranslationMethod::Checkpoints => format!(
                    "MM2 checkpoints in {} on target",
                    runbook.mirror.checkpoints_topic.as_deref().unwrap_or("?")
                ),
                TranslationMethod::Equal => "target offsets equal to source offsets".into(),
                TranslationMethod::Content => {
                    "the same records around the committed offsets".into()
                }
            };
            let reread = if *exact {
                ""
            } else {
                "; re-reading records after a drain is accepted and counted"
            };
            format!(
                "groups {} resume on target exactly where they stopped on source, on topics {} (by {how}{reread})",
                groups(g),
                topics(t)
            )
        }
        CheckSpec::TopicsMatch { topics: t, configs } => format!(
            "topics {} exist on target with the same partition count and configs {}",
            topics(t),
            configs.join(", ")
        ),
        CheckSpec::TailMatch { topics: t, records } => format!(
            "the last {records} records of every partition of topics {} are identical on both clusters",
            topics(t)
        ),
        CheckSpec::RecordCounts {
            topics: t,
            max_extra_ratio,
            transactional,
        } => format!(
            "every partition of topics {} has as many records on target as on source over their common time window{}{}",
            topics(t),
            if *max_extra_ratio > 0.0 {
                format!(", at most {} extra", ratio(*max_extra_ratio))
            } else {
                ", exactly".to_string()
            },
            if *transactional {
                " (transactional: data records counted by reading)"
            } else {
                ""
            }
        ),
        CheckSpec::AclsMatch {
            topics: t,
            groups: g,
            principals,
            principal_map,
        } => {
            let mut on = Vec::new();
            if !t.include.is_empty() {
                on.push(format!("topics {}", topics(t)));
            }
            if !g.include.is_empty() {
                on.push(format!("groups {}", groups(g)));
            }
            let of = if principals.is_empty() {
                String::new()
            } else {
                format!(" of {}", principals.join(", "))
            };
            let mapped = if principal_map.is_empty() {
                String::new()
            } else {
                let map: Vec<String> = principal_map.iter().map(|m| m.describe()).collect();
                format!(" (principals mapped: {})", map.join(", "))
            };
            format!(
                "every source ACL binding{of} on {} is in force on target{mapped}",
                on.join(" and ")
            )
        }
        CheckSpec::Command { run, expect_exit } => {
            format!("`{run}` exits {expect_exit}")
        }
    };
    let empty = if check.allow_empty {
        "; an empty selection passes (allow_empty)"
    } else {
        ""
    };
    format!("{text}{empty} (timeout {})", duration(check.timeout))
}
