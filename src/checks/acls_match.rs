//! `acls_match`: every source ACL binding on the selected topics and groups is in force on
//! the target, so an app moved to the target is allowed what it was allowed on the source.
//!
//! MirrorMaker 2 (`sync.topic.acls.enabled`) copies literal topic ACLs only, never ALLOW
//! WRITE, and downgrades ALLOW ALL to READ; group ACLs are never copied. The gaps are
//! predictable, and seed 002 met one: a service user could produce but not consume.

use super::selection::{self, Resolved};
use super::{Clusters, Item, ItemStatus, Outcome};
use crate::kafka::{AclBinding, KafkaError};
use crate::runbook::{map_principal, CheckSpec, Engine, PrincipalMapping, Runbook, Selection};

/// What the check was asked about: the selected source topics and groups, and principals.
pub struct Scope<'a> {
    pub topic_selection: &'a Selection,
    pub group_selection: &'a Selection,
    /// The selected topics that exist on the source (for prefixed bindings).
    pub topics: &'a [String],
    /// The selected groups (for prefixed bindings).
    pub groups: &'a [String],
    /// Empty: every principal. Each is a literal name: one with no binding on the source
    /// fails (a typo, or a cluster without an authorizer).
    pub principals: &'a [String],
    /// The topic selection resolved on the source (literal topics that do not exist fail).
    pub resolved_topics: &'a Resolved,
    /// An empty result passes only with this (and only when nothing was named literally).
    pub allow_empty: bool,
    /// Applied in order to each source binding's principal before comparison.
    pub principal_map: &'a [PrincipalMapping],
}

impl Scope<'_> {
    /// Does this source binding govern a selected topic or group?
    fn governs(&self, binding: &AclBinding) -> bool {
        if !self.principals.is_empty() && !self.principals.contains(&binding.principal) {
            return false;
        }
        let (selection, names) = match binding.resource.as_str() {
            "TOPIC" => (self.topic_selection, self.topics),
            "GROUP" => (self.group_selection, self.groups),
            _ => return false,
        };
        let anything_selected = !selection.include.is_empty();
        match binding.pattern.as_str() {
            "LITERAL" if binding.name == "*" => anything_selected,
            "LITERAL" => selection.matches(&binding.name),
            "PREFIXED" => names.iter().any(|n| n.starts_with(&binding.name)),
            _ => false,
        }
    }
}

/// The name a binding's resource has on the target: topics follow `mirror.topic_naming`
/// (a prefix too: `src.ord` covers `src.orders`), groups keep theirs.
fn target_name(binding: &AclBinding, rename: &dyn Fn(&str) -> String) -> String {
    if binding.resource == "TOPIC" && binding.name != "*" {
        rename(&binding.name)
    } else {
        binding.name.clone()
    }
}

/// Kafka's implied operations: an ALLOW of READ, WRITE, DELETE or ALTER also allows
/// DESCRIBE, and ALLOW ALTER_CONFIGS allows DESCRIBE_CONFIGS.
fn operation_covers(granted: &str, wanted: &str, allow: bool) -> bool {
    granted == wanted
        || granted == "ALL"
        || (allow
            && ((wanted == "DESCRIBE" && matches!(granted, "READ" | "WRITE" | "DELETE" | "ALTER"))
                || (wanted == "DESCRIBE_CONFIGS" && granted == "ALTER_CONFIGS")))
}

/// Does target binding `t` apply to everything source binding `s` (renamed `name`) applies to?
fn pattern_covers(t: &AclBinding, s: &AclBinding, name: &str) -> bool {
    match t.pattern.as_str() {
        "LITERAL" if t.name == "*" => true,
        "LITERAL" => s.pattern == "LITERAL" && t.name == name,
        "PREFIXED" => name.starts_with(&t.name) && (s.pattern != "LITERAL" || name != "*"),
        _ => false,
    }
}

fn principal_covers(granted: &str, wanted: &str) -> bool {
    granted == wanted
        || granted
            .strip_suffix(":*")
            .is_some_and(|kind| wanted.split_once(':').is_some_and(|(k, _)| k == kind))
}

fn covers(t: &AclBinding, s: &AclBinding, name: &str) -> bool {
    t.resource == s.resource
        && t.permission == s.permission
        && principal_covers(&t.principal, &s.principal)
        && (t.host == s.host || t.host == "*")
        && operation_covers(&t.operation, &s.operation, s.permission == "ALLOW")
        && pattern_covers(t, s, name)
}

/// Does target DENY binding `t` take away some of what source ALLOW binding `s` (renamed
/// `name`) allows? Kafka's authorizer evaluates DENY first: any matching DENY wins over any
/// ALLOW (`AclAuthorizer`/`StandardAuthorizer`: "deny takes precedence"). It matches when the
/// principal (or `User:*`), host (or `*`) and operation (or `ALL`) match and its pattern
/// overlaps the names the source binding governs.
fn denies(t: &AclBinding, s: &AclBinding, name: &str) -> bool {
    let overlaps = match (t.pattern.as_str(), s.pattern.as_str()) {
        ("LITERAL", _) if t.name == "*" => true,
        (_, "LITERAL") if name == "*" => true,
        ("LITERAL", "LITERAL") => t.name == name,
        ("LITERAL", "PREFIXED") => t.name.starts_with(name),
        ("PREFIXED", "LITERAL") => name.starts_with(&t.name),
        ("PREFIXED", "PREFIXED") => name.starts_with(&t.name) || t.name.starts_with(name),
        _ => false,
    };
    t.permission == "DENY"
        && s.permission == "ALLOW"
        && t.resource == s.resource
        && principal_covers(&t.principal, &s.principal)
        && (t.host == s.host || t.host == "*" || s.host == "*")
        && (t.operation == s.operation || t.operation == "ALL" || s.operation == "ALL")
        && overlaps
}

fn describe(b: &AclBinding) -> String {
    format!(
        "{} {} for {} from {} on {} {} {}",
        b.permission, b.operation, b.principal, b.host, b.pattern, b.resource, b.name
    )
}

/// Why a source binding is missing on the target, in MirrorMaker 2's terms when it copies.
fn missing_reason(s: &AclBinding, name: &str, target: &[AclBinding], engine: Engine) -> String {
    let on = format!("{} {name}", s.resource.to_lowercase());
    if engine != Engine::Mirrormaker2 {
        if s.resource == "GROUP"
            && s.permission == "ALLOW"
            && matches!(s.operation.as_str(), "READ" | "ALL")
        {
            return format!(
                "GROUP READ missing on target: create {} on {on}, or consumers in group {name} fail with GROUP_AUTHORIZATION_FAILED (they can fetch the topic but not join or commit)",
                grant(s)
            );
        }
        return format!("not in force on target: create {} on {on}", grant(s));
    }
    if s.resource == "GROUP" {
        return format!(
            "MirrorMaker 2 never copies group ACLs: create {} on target, or consumers of {name} fail with GROUP_AUTHORIZATION_FAILED",
            grant(s)
        );
    }
    if s.permission == "ALLOW" && s.operation == "WRITE" {
        return format!(
            "MirrorMaker 2 never copies ALLOW WRITE: create it on {on} on target before producers move"
        );
    }
    if s.permission == "ALLOW" && s.operation == "ALL" {
        let downgraded = AclBinding {
            operation: "READ".into(),
            ..s.clone()
        };
        if target.iter().any(|t| covers(t, &downgraded, name)) {
            return format!(
                "MirrorMaker 2 downgrades ALLOW ALL to READ: the target allows {} only READ on {on}; grant ALL (or WRITE) there before producers move",
                s.principal
            );
        }
    }
    if s.pattern == "PREFIXED" {
        return format!(
            "MirrorMaker 2 copies literal topic ACLs only: create the prefixed {} on target",
            grant(s)
        );
    }
    format!(
        "not on target: MirrorMaker 2 copies literal topic ACLs only with sync.topic.acls.enabled=true (every sync.topic.acls.interval.seconds); create {} on {on}",
        grant(s)
    )
}

fn grant(s: &AclBinding) -> String {
    format!("{} {} for {}", s.permission, s.operation, s.principal)
}

pub fn evaluate(
    source: &[AclBinding],
    target: &[AclBinding],
    scope: &Scope,
    rename: &dyn Fn(&str) -> String,
    engine: Engine,
) -> Outcome {
    let governing: Vec<&AclBinding> = source.iter().filter(|b| scope.governs(b)).collect();
    let mut items = scope.resolved_topics.items("topic", "source");
    for principal in scope.principals {
        if !source.iter().any(|b| &b.principal == principal) {
            items.push(
                Item::new(ItemStatus::Fail)
                    .field("principal", principal.as_str())
                    .reason(format!(
                        "no ACL binding names {principal} on source: typo, or no authorizer?"
                    )),
            );
        }
    }
    // A literal `from` that names no source binding never applies (likely a typo, and the
    // principal it meant is then compared under its source name); a pattern that matches no
    // source principal is noted.
    let mut idle_map = Vec::new();
    for (i, mapping) in scope.principal_map.iter().enumerate() {
        if source.iter().any(|b| mapping.apply(&b.principal).is_some()) {
            continue;
        }
        match mapping {
            PrincipalMapping::Literal { from, .. } => items.push(
                Item::new(ItemStatus::Fail)
                    .field("principal", from.as_str())
                    .reason(format!(
                        "principal_map[{i}]: no ACL binding names {from} on source: typo?"
                    )),
            ),
            PrincipalMapping::Regex { .. } => idle_map.push(mapping.describe()),
        }
    }
    let idle_map = match idle_map.len() {
        0 => String::new(),
        _ => format!(
            "principal_map pattern {} matched no source principal",
            idle_map
                .iter()
                .map(|d| d
                    .strip_prefix('/')
                    .and_then(|d| d.split_once("/ -> "))
                    .map_or(d.as_str(), |(p, _)| p))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if governing.is_empty() {
        let literal = !items.is_empty()
            || !scope.principals.is_empty()
            || !scope.topic_selection.literals().is_empty()
            || !scope.group_selection.literals().is_empty();
        let described = format!(
            "no source ACL binding applies to the selected topics and groups{} ({} binding(s) on source in all)",
            if scope.principals.is_empty() {
                String::new()
            } else {
                format!(" for {}", scope.principals.join(", "))
            },
            source.len()
        );
        if !literal && scope.allow_empty {
            return selection::empty(&described, false, items, true)
                .note("nothing to copy")
                .note(&scope.resolved_topics.idle_note())
                .note(&idle_map);
        }
        return selection::empty(&described, literal, items, scope.allow_empty)
            .note(&scope.resolved_topics.idle_note())
            .note(&idle_map);
    }
    // The principal map renames each source binding's principal before comparison (the
    // selection by `principals` is on the source names).
    let mapped = |b: &AclBinding| AclBinding {
        principal: map_principal(scope.principal_map, &b.principal),
        ..b.clone()
    };
    let compared: Vec<Item> = governing
        .iter()
        .map(|original| {
            let renamed = mapped(original);
            let s = &renamed;
            let name = target_name(s, rename);
            let exact = target.iter().find(|t| {
                t.resource == s.resource
                    && t.pattern == s.pattern
                    && t.name == name
                    && t.principal == s.principal
                    && t.host == s.host
                    && t.operation == s.operation
                    && t.permission == s.permission
            });
            let covering = exact.or_else(|| target.iter().find(|t| covers(t, s, &name)));
            let mut item = Item::new(ItemStatus::Pass)
                .field("resource", s.resource.as_str())
                .field("pattern", s.pattern.as_str())
                .field("principal", s.principal.as_str())
                .field("host", s.host.as_str())
                .values(
                    format!("{} {}", s.permission, s.operation),
                    covering.map(|t| format!("{} {}", t.permission, t.operation)),
                );
            if s.principal != original.principal {
                item = item.field("source_principal", original.principal.as_str());
            }
            item = match s.resource.as_str() {
                "GROUP" => item.group(&name),
                _ => item.topic(&name).field("source_topic", s.name.as_str()),
            };
            // A DENY the source has too is not new: the source lived with it.
            let on_source = |t: &AclBinding| {
                source.iter().map(mapped).any(|b| {
                    b.permission == "DENY"
                        && b.resource == t.resource
                        && b.pattern == t.pattern
                        && target_name(&b, rename) == t.name
                        && b.principal == t.principal
                        && b.host == t.host
                        && b.operation == t.operation
                })
            };
            if let Some(deny) = target
                .iter()
                .find(|t| covering.is_some() && denies(t, s, &name) && !on_source(t))
            {
                item.status = ItemStatus::Fail;
                return item.reason(format!(
                    "{} on target overrides it: DENY wins over ALLOW in Kafka's authorizer",
                    describe(deny)
                ));
            }
            match (exact, covering) {
                (Some(_), _) => item,
                (None, Some(t)) => item.reason(format!("covered by {}", describe(t))),
                (None, None) => {
                    item.status = ItemStatus::Fail;
                    let reason = missing_reason(s, &name, target, engine);
                    if s.principal != original.principal {
                        item.reason(format!(
                            "{reason} ({} on source, mapped by principal_map)",
                            original.principal
                        ))
                    } else {
                        item.reason(reason)
                    }
                }
            }
        })
        .collect();
    items.extend(compared);
    Outcome::from_items(
        items,
        format!(
            "compared {} source ACL binding(s) on the selected topics and groups: each in force on target",
            governing.len()
        ),
        "ACL bindings",
    )
    .note(&scope.resolved_topics.idle_note())
    .note(&idle_map)
}

pub fn run(
    spec: &CheckSpec,
    runbook: &Runbook,
    clusters: &Clusters,
    allow_empty: bool,
) -> Result<Outcome, KafkaError> {
    let CheckSpec::AclsMatch {
        topics,
        groups,
        principals,
        principal_map,
    } = spec
    else {
        unreachable!("acls_match::run takes an acls_match spec")
    };
    let (source_acls, target_acls) = clusters.both(|c| c.acls(), |c| c.acls());
    let (source_acls, target_acls) = (source_acls?, target_acls?);
    let resolved_topics = if topics.include.is_empty() {
        Resolved::default()
    } else {
        selection::resolve_topics(topics, &clusters.source.topics()?)
    };
    let topic_names = resolved_topics.list();
    // Group names matter only to prefixed group bindings: list groups only for them.
    let prefixed_groups = source_acls
        .iter()
        .any(|b| b.resource == "GROUP" && b.pattern == "PREFIXED");
    let group_names = if prefixed_groups && !groups.include.is_empty() {
        selection::groups(groups, &clusters.source)?.list()
    } else {
        Vec::new()
    };
    let scope = Scope {
        topic_selection: topics,
        group_selection: groups,
        topics: &topic_names,
        groups: &group_names,
        principals,
        resolved_topics: &resolved_topics,
        allow_empty,
        principal_map,
    };
    let rename = |topic: &str| runbook.mirror.target_topic(topic);
    Ok(evaluate(
        &source_acls,
        &target_acls,
        &scope,
        &rename,
        runbook.mirror.engine,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::selection::Pattern;

    fn binding(text: &str) -> AclBinding {
        // "ALLOW READ User:a * TOPIC LITERAL orders"
        let f: Vec<&str> = text.split(' ').collect();
        AclBinding {
            permission: f[0].into(),
            operation: f[1].into(),
            principal: f[2].into(),
            host: f[3].into(),
            resource: f[4].into(),
            pattern: f[5].into(),
            name: f[6].into(),
        }
    }

    fn selection(names: &[&str]) -> Selection {
        Selection {
            include: names.iter().map(|n| Pattern::new(n).unwrap()).collect(),
            exclude: Vec::new(),
        }
    }

    fn check(source: &[&str], target: &[&str], renamed: bool) -> Outcome {
        let topics = selection(&["orders", "payments"]);
        let groups = selection(&["billing"]);
        let topic_names = vec!["orders".to_string(), "payments".to_string()];
        let group_names = vec!["billing".to_string()];
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &topic_names,
            groups: &group_names,
            principals: &[],
            resolved_topics: &Resolved::default(),
            allow_empty: false,
            principal_map: &[],
        };
        let source: Vec<AclBinding> = source.iter().map(|t| binding(t)).collect();
        let target: Vec<AclBinding> = target.iter().map(|t| binding(t)).collect();
        let rename = |t: &str| {
            if renamed {
                format!("src.{t}")
            } else {
                t.to_string()
            }
        };
        evaluate(&source, &target, &scope, &rename, Engine::Mirrormaker2)
    }

    fn reasons(outcome: &Outcome) -> Vec<String> {
        outcome
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::Fail)
            .map(|i| i.reason.clone().unwrap())
            .collect()
    }

    #[test]
    fn identical_bindings_pass() {
        let acls = [
            "ALLOW READ User:app * TOPIC LITERAL orders",
            "ALLOW READ User:app * GROUP LITERAL billing",
        ];
        let outcome = check(&acls, &acls, false);
        assert_eq!(outcome.status, super::super::Status::Pass);
        assert_eq!(outcome.items.len(), 2);
    }

    #[test]
    fn a_missing_group_acl_fails_naming_mirrormaker_2() {
        // Seed 002: the service user could produce but not consume.
        let outcome = check(
            &[
                "ALLOW READ User:app * TOPIC LITERAL orders",
                "ALLOW READ User:app * GROUP LITERAL billing",
            ],
            &["ALLOW READ User:app * TOPIC LITERAL orders"],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Fail);
        let reasons = reasons(&outcome);
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].contains("never copies group ACLs"),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("GROUP_AUTHORIZATION_FAILED"));
    }

    #[test]
    fn write_is_never_copied_and_all_is_downgraded_to_read() {
        let outcome = check(
            &[
                "ALLOW WRITE User:producer * TOPIC LITERAL orders",
                "ALLOW ALL User:admin * TOPIC LITERAL payments",
            ],
            &["ALLOW READ User:admin * TOPIC LITERAL payments"],
            false,
        );
        let reasons = reasons(&outcome);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons
            .iter()
            .any(|r| r.contains("never copies ALLOW WRITE")));
        assert!(reasons
            .iter()
            .any(|r| r.contains("downgrades ALLOW ALL to READ")));
    }

    #[test]
    fn prefixed_bindings_are_compared_and_renamed_topics_followed() {
        let outcome = check(
            &[
                "ALLOW READ User:app * TOPIC PREFIXED ord",
                "ALLOW READ User:app * TOPIC LITERAL payments",
            ],
            &["ALLOW READ User:app * TOPIC LITERAL src.payments"],
            true,
        );
        let reasons = reasons(&outcome);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("literal topic ACLs only"));
        let failed = outcome
            .items
            .iter()
            .find(|i| i.status == ItemStatus::Fail)
            .unwrap();
        assert_eq!(failed.topic.as_deref(), Some("src.ord"));
    }

    #[test]
    fn broader_target_bindings_cover_narrower_source_ones() {
        let outcome = check(
            &[
                "ALLOW DESCRIBE User:app 10.0.0.1 TOPIC LITERAL orders",
                "ALLOW READ User:app * TOPIC LITERAL payments",
                "ALLOW READ User:app * GROUP LITERAL billing",
            ],
            &[
                "ALLOW READ User:app * TOPIC PREFIXED ord",
                "ALLOW ALL User:* * TOPIC LITERAL *",
                "ALLOW READ User:app * GROUP PREFIXED bill",
            ],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Pass, "{outcome:?}");
        assert!(outcome.items.iter().all(|i| i
            .reason
            .as_deref()
            .unwrap_or("")
            .starts_with("covered by")));
    }

    #[test]
    fn a_deny_is_not_covered_by_an_allow_and_unselected_resources_are_ignored() {
        let outcome = check(
            &[
                "DENY READ User:intern * TOPIC LITERAL orders",
                "ALLOW READ User:app * TOPIC LITERAL unrelated",
                "ALLOW READ User:app * GROUP LITERAL other-group",
                "ALLOW CREATE User:app * CLUSTER LITERAL kafka-cluster",
            ],
            &["ALLOW ALL User:intern * TOPIC LITERAL orders"],
            false,
        );
        assert_eq!(outcome.items.len(), 1, "{outcome:?}");
        assert_eq!(outcome.status, super::super::Status::Fail);
    }

    #[test]
    fn no_governing_binding_fails_for_literal_selections_and_passes_only_with_allow_empty() {
        // Literal topics (orders, payments) and nothing governs them: nothing matched.
        let outcome = check(
            &["ALLOW READ User:app * TOPIC LITERAL unrelated"],
            &[],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Fail);
        assert!(
            outcome.summary.starts_with("nothing matched"),
            "{}",
            outcome.summary
        );
        // A pattern selection: a pass only with allow_empty, and it says so.
        let topics = selection(&["ord.*"]);
        let groups = selection(&[]);
        let source = vec![binding("ALLOW READ User:app * TOPIC LITERAL unrelated")];
        for allow_empty in [false, true] {
            let scope = Scope {
                topic_selection: &topics,
                group_selection: &groups,
                topics: &["orders".to_string()],
                groups: &[],
                principals: &[],
                resolved_topics: &Resolved::default(),
                allow_empty,
                principal_map: &[],
            };
            let outcome = evaluate(&source, &[], &scope, &|t: &str| t.to_string(), Engine::None);
            if allow_empty {
                assert_eq!(outcome.status, super::super::Status::Pass);
                assert!(
                    outcome.summary.contains("nothing to copy"),
                    "{}",
                    outcome.summary
                );
                assert!(
                    outcome.summary.contains("selection was empty"),
                    "{}",
                    outcome.summary
                );
            } else {
                assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
            }
        }
    }

    #[test]
    fn a_literal_principal_without_a_binding_on_source_fails() {
        let topics = selection(&["orders"]);
        let groups = selection(&[]);
        let principals = ["User:alice".to_string(), "User:app".to_string()];
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &["orders".to_string()],
            groups: &[],
            principals: &principals,
            resolved_topics: &Resolved::default(),
            allow_empty: true,
            principal_map: &[],
        };
        let acls = vec![binding("ALLOW READ User:app * TOPIC LITERAL orders")];
        let outcome = evaluate(&acls, &acls, &scope, &|t: &str| t.to_string(), Engine::None);
        assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
        assert_eq!(
            reasons(&outcome),
            ["no ACL binding names User:alice on source: typo, or no authorizer?"]
        );
        // Only the typo, nothing else: still a fail, never "nothing to copy".
        let only = ["User:alice".to_string()];
        let scope = Scope {
            principals: &only,
            ..scope
        };
        let outcome = evaluate(&acls, &acls, &scope, &|t: &str| t.to_string(), Engine::None);
        assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
        assert!(
            !outcome.summary.contains("nothing to copy"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_target_deny_overriding_the_allow_fails() {
        let outcome = check(
            &["ALLOW READ User:app * TOPIC LITERAL orders"],
            &[
                "ALLOW READ User:app * TOPIC LITERAL orders",
                "DENY ALL User:* * TOPIC PREFIXED ord",
            ],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
        assert!(
            reasons(&outcome)[0].contains("DENY wins over ALLOW"),
            "{outcome:?}"
        );
        // A DENY for another host, operation or principal does not override it.
        let outcome = check(
            &["ALLOW READ User:app * TOPIC LITERAL orders"],
            &[
                "ALLOW READ User:app * TOPIC LITERAL orders",
                "DENY WRITE User:app * TOPIC LITERAL orders",
                "DENY READ User:intern * TOPIC LITERAL orders",
            ],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Pass, "{outcome:?}");
        // A DENY the source has too is not new.
        let outcome = check(
            &[
                "ALLOW READ User:app * TOPIC LITERAL orders",
                "DENY READ User:app 10.0.0.9 TOPIC LITERAL orders",
            ],
            &[
                "ALLOW READ User:app * TOPIC LITERAL orders",
                "DENY READ User:app 10.0.0.9 TOPIC LITERAL orders",
            ],
            false,
        );
        assert_eq!(outcome.status, super::super::Status::Pass, "{outcome:?}");
    }

    #[test]
    fn a_principal_filter_limits_the_bindings() {
        let topics = selection(&["orders"]);
        let groups = selection(&[]);
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &["orders".to_string()],
            groups: &[],
            principals: &["User:app".to_string()],
            resolved_topics: &Resolved::default(),
            allow_empty: false,
            principal_map: &[],
        };
        let source = vec![
            binding("ALLOW READ User:app * TOPIC LITERAL orders"),
            binding("ALLOW READ User:other * TOPIC LITERAL orders"),
        ];
        let outcome = evaluate(&source, &[], &scope, &|t: &str| t.to_string(), Engine::None);
        assert_eq!(outcome.items.len(), 1);
        assert!(outcome.items[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("not in force on target"));
    }

    /// Seed 002's map: certificate principals on MSK become service accounts on Confluent
    /// Cloud, one named literally, the rest by a pattern.
    fn seed_002_map() -> Vec<PrincipalMapping> {
        vec![
            PrincipalMapping::Literal {
                from: "User:CN=orders-app,OU=apps".into(),
                to: "User:sa-12345".into(),
            },
            PrincipalMapping::Regex {
                from: regex::Regex::new("^(?:User:CN=(.*),OU=apps)$").unwrap(),
                to: "User:sa-$1".into(),
            },
        ]
    }

    /// Bindings as librdkafka's DescribeAcls reports them (`rd_kafka_AclBinding_*` names:
    /// upper case resource, pattern, operation and permission; tansu keeps no ACLs, so these
    /// are written by hand in the shape `native::describe_acls` builds).
    fn mapped_check(
        source: &[&str],
        target: &[&str],
        principals: &[String],
        engine: Engine,
    ) -> Outcome {
        let topics = selection(&["orders"]);
        let groups = selection(&["orders-app", "billing"]);
        let map = seed_002_map();
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &["orders".to_string()],
            groups: &[],
            principals,
            resolved_topics: &Resolved::default(),
            allow_empty: false,
            principal_map: &map,
        };
        let source: Vec<AclBinding> = source.iter().map(|t| binding(t)).collect();
        let target: Vec<AclBinding> = target.iter().map(|t| binding(t)).collect();
        evaluate(&source, &target, &scope, &|t: &str| t.to_string(), engine)
    }

    #[test]
    fn the_principal_map_renames_literally_and_by_pattern_before_comparing() {
        let source = [
            "ALLOW READ User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
            "ALLOW READ User:CN=orders-app,OU=apps * GROUP LITERAL orders-app",
            "ALLOW WRITE User:CN=billing,OU=apps * TOPIC LITERAL orders",
        ];
        let target = [
            "ALLOW READ User:sa-12345 * TOPIC LITERAL orders",
            "ALLOW READ User:sa-12345 * GROUP LITERAL orders-app",
            "ALLOW WRITE User:sa-billing * TOPIC LITERAL orders",
        ];
        let outcome = mapped_check(&source, &target, &[], Engine::Replicator);
        assert_eq!(outcome.status, super::super::Status::Pass, "{outcome:?}");
        assert_eq!(outcome.items.len(), 3);
        let billing = outcome
            .items
            .iter()
            .find(|i| i.extra["principal"] == "User:sa-billing")
            .expect("the pattern mapped CN=billing to sa-billing");
        assert_eq!(billing.extra["source_principal"], "User:CN=billing,OU=apps");
        // Without the map the same answers fail: the principals differ as written.
        let topics = selection(&["orders"]);
        let groups = selection(&["orders-app", "billing"]);
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &["orders".to_string()],
            groups: &[],
            principals: &[],
            resolved_topics: &Resolved::default(),
            allow_empty: false,
            principal_map: &[],
        };
        let src: Vec<AclBinding> = source.iter().map(|t| binding(t)).collect();
        let tgt: Vec<AclBinding> = target.iter().map(|t| binding(t)).collect();
        let unmapped = evaluate(
            &src,
            &tgt,
            &scope,
            &|t: &str| t.to_string(),
            Engine::Replicator,
        );
        assert_eq!(unmapped.status, super::super::Status::Fail);
    }

    #[test]
    fn the_first_matching_mapping_wins() {
        // orders-app matches both entries: the literal one comes first.
        let map = seed_002_map();
        assert_eq!(
            map_principal(&map, "User:CN=orders-app,OU=apps"),
            "User:sa-12345"
        );
        assert_eq!(map_principal(&map, "User:CN=ship,OU=apps"), "User:sa-ship");
        // The regex is anchored: a longer name is not mapped.
        assert_eq!(
            map_principal(&map, "User:CN=ship,OU=apps,O=corp"),
            "User:CN=ship,OU=apps,O=corp"
        );
    }

    #[test]
    fn a_mapped_principal_missing_group_read_on_target_fails_naming_it() {
        // Seed 002: the service account could produce and fetch, but not consume in its group.
        let outcome = mapped_check(
            &[
                "ALLOW READ User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
                "ALLOW READ User:CN=orders-app,OU=apps * GROUP LITERAL orders-app",
            ],
            &["ALLOW READ User:sa-12345 * TOPIC LITERAL orders"],
            &["User:CN=orders-app,OU=apps".to_string()],
            Engine::Replicator,
        );
        assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
        let reasons = reasons(&outcome);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert_eq!(
            reasons[0],
            "GROUP READ missing on target: create ALLOW READ for User:sa-12345 on group orders-app, or consumers in group orders-app fail with GROUP_AUTHORIZATION_FAILED (they can fetch the topic but not join or commit) (User:CN=orders-app,OU=apps on source, mapped by principal_map)"
        );
        let failing = outcome
            .items
            .iter()
            .find(|i| i.status == ItemStatus::Fail)
            .unwrap();
        assert_eq!(failing.group.as_deref(), Some("orders-app"));
        assert_eq!(failing.extra["principal"], "User:sa-12345");
    }

    #[test]
    fn principals_name_source_principals_and_a_mapped_deny_on_source_is_not_new() {
        // The filter is on the source name; a DENY the source had (mapped) is not a new DENY.
        let outcome = mapped_check(
            &[
                "ALLOW ALL User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
                "DENY WRITE User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
                "ALLOW READ User:CN=other,OU=apps * TOPIC LITERAL orders",
            ],
            &[
                "ALLOW ALL User:sa-12345 * TOPIC LITERAL orders",
                "DENY WRITE User:sa-12345 * TOPIC LITERAL orders",
            ],
            &["User:CN=orders-app,OU=apps".to_string()],
            Engine::Replicator,
        );
        assert_eq!(outcome.status, super::super::Status::Pass, "{outcome:?}");
        assert_eq!(outcome.compared(), 2);
    }

    #[test]
    fn a_literal_from_with_no_binding_on_source_fails_and_an_idle_pattern_is_noted() {
        // `User:CN=orders-ap,OU=apps` (a typo) names no source binding: the map would never
        // apply, and the app's real bindings would be compared under their certificate name.
        let topics = selection(&["orders"]);
        let groups = selection(&[]);
        let map = vec![
            PrincipalMapping::Literal {
                from: "User:CN=orders-ap,OU=apps".into(),
                to: "User:sa-12345".into(),
            },
            PrincipalMapping::Regex {
                from: regex::Regex::new("^(?:User:CN=(.*),OU=batch)$").unwrap(),
                to: "User:sa-$1".into(),
            },
        ];
        let scope = Scope {
            topic_selection: &topics,
            group_selection: &groups,
            topics: &["orders".to_string()],
            groups: &[],
            principals: &[],
            resolved_topics: &Resolved::default(),
            allow_empty: false,
            principal_map: &map,
        };
        let source = vec![binding(
            "ALLOW READ User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
        )];
        let target = vec![binding(
            "ALLOW READ User:CN=orders-app,OU=apps * TOPIC LITERAL orders",
        )];
        let outcome = evaluate(
            &source,
            &target,
            &scope,
            &|t: &str| t.to_string(),
            Engine::None,
        );
        assert_eq!(outcome.status, super::super::Status::Fail, "{outcome:?}");
        assert_eq!(
            reasons(&outcome),
            ["principal_map[0]: no ACL binding names User:CN=orders-ap,OU=apps on source: typo?"]
        );
        assert!(
            outcome.summary.contains(
                "principal_map pattern User:CN=(.*),OU=batch matched no source principal"
            ),
            "{}",
            outcome.summary
        );
    }
}
