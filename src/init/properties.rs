//! A MirrorMaker 2 properties file (`connect-mirror-maker.properties`).
//!
//! The rules of Apache Kafka's MirrorMakerConfig:
//! - `clusters = a, b` names the aliases; a flow `a->b` runs when `a->b.enabled` is true
//!   (flows are disabled by default);
//! - a cluster's client settings are `a.key`, falling back to the top-level `key`
//!   (`clusterProps`);
//! - a flow's connector settings are `a->b.key`, falling back to the top-level `key`
//!   (`connectorBaseConfig`); the source, checkpoint and heartbeat connectors of a flow all
//!   get the same ones, so the replication policy is the same for all of them.

use std::collections::HashMap;
use std::path::Path;

use super::filters::{Filter, GROUPS_EXCLUDE_DEFAULT, TOPICS_EXCLUDE_DEFAULT};
use super::model::{Endpoint, Flow, Setup};
use super::policy::{self, Policy};
use super::security::{self, JavaSetting};
use super::{cited_name, InitError, Origin, Sourced};
use crate::runbook::properties::{self as java_properties, Entry, PropertiesFileError};

pub fn read(file: &str, text: &str) -> Result<Setup, InitError> {
    let cited = cited_name(Path::new(file));
    let entries = java_properties::parse(text.as_bytes()).map_err(|e| match e {
        PropertiesFileError::Malformed { line, message } => InitError::at(
            file,
            Some(line),
            format!("malformed properties file: {message}"),
        ),
        PropertiesFileError::Unreadable(message) => InitError::at(file, None, message),
    })?;
    let mut by_key: HashMap<String, Entry> = HashMap::new();
    for entry in entries {
        by_key.insert(entry.key.clone(), entry);
    }
    let Some(clusters) = by_key.get("clusters") else {
        return Err(InitError::at(
            file,
            None,
            "no `clusters` setting: not a MirrorMaker 2 properties file",
        ));
    };
    let aliases: Vec<String> = clusters
        .value
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    if aliases.is_empty() {
        return Err(InitError::at(
            file,
            Some(clusters.line),
            "clusters: no cluster alias",
        ));
    }
    let clusters_line = clusters.line;
    let config = Config {
        by_key: &by_key,
        file,
        cited: &cited,
    };
    let mut flows = Vec::new();
    for source in &aliases {
        for target in &aliases {
            if source == target {
                continue;
            }
            let key = format!("{source}->{target}.enabled");
            let Some(enabled) = by_key.get(&key) else {
                continue;
            };
            match enabled.value.trim().to_ascii_lowercase().as_str() {
                "true" => {}
                "false" => continue,
                other => {
                    return Err(InitError::at(
                        file,
                        Some(enabled.line),
                        format!("{key}: `{other}` is not a boolean (true or false)"),
                    ))
                }
            }
            let alias =
                |a: &str| Sourced::new(a.to_string(), Origin::line(clusters_line, "clusters"));
            flows.push(config.flow(alias(source), alias(target), enabled.line)?);
        }
    }
    Ok(Setup {
        format: "MirrorMaker 2 properties file".into(),
        flows,
        line: Some(clusters_line),
    })
}

struct Config<'a> {
    by_key: &'a HashMap<String, Entry>,
    file: &'a str,
    cited: &'a str,
}

impl Config<'_> {
    fn entry(&self, key: &str) -> Option<Sourced<String>> {
        self.by_key
            .get(key)
            .map(|e| Sourced::new(e.value.clone(), Origin::line(e.line, key)))
    }

    /// A connector setting of flow `s->t`: `s->t.key`, else the top-level `key`.
    fn flow_setting(&self, flow: &str, key: &str) -> Option<Sourced<String>> {
        self.entry(&format!("{flow}.{key}"))
            .or_else(|| self.entry(key))
    }

    fn flow_or(&self, flow: &str, key: &str, default: &str) -> Sourced<String> {
        self.flow_setting(flow, key)
            .unwrap_or_else(|| Sourced::new(default.to_string(), Origin::default_of(key)))
    }

    fn filter(&self, flow: &str, keys: &[&str], default: &[&str]) -> Filter {
        for key in keys {
            if let Some(s) = self.flow_setting(flow, key) {
                return Filter::parse(&s.value, s.origin);
            }
        }
        Filter::default_of(default, Origin::default_of(keys[0]))
    }

    /// A cluster's client setting: `alias.key`, else the top-level `key`.
    fn cluster_setting(&self, alias: &str, key: &str) -> Option<JavaSetting> {
        self.entry(&format!("{alias}.{key}"))
            .or_else(|| self.entry(key))
            .map(|s| JavaSetting {
                value: s.value,
                origin: s.origin,
            })
    }

    fn endpoint(
        &self,
        role: &str,
        alias: Sourced<String>,
        flow_line: usize,
        notes: &mut Vec<super::Warning>,
    ) -> Result<Endpoint, InitError> {
        let bootstrap = self
            .cluster_setting(&alias.value, "bootstrap.servers")
            .ok_or_else(|| {
                InitError::at(
                    self.file,
                    Some(flow_line),
                    format!(
                        "cluster `{}` has no bootstrap servers ({}.bootstrap.servers)",
                        alias.value, alias.value
                    ),
                )
            })?;
        let get = |key: &str| self.cluster_setting(&alias.value, key);
        let mut translated = security::from_java(role, self.cited, &get);
        notes.extend(translated.warnings);
        // A config provider reference (`${file:/path:key}`) is resolved by Kafka, not by
        // cutover: the operator sets the resolved address as a variable.
        let mut value = bootstrap.value.trim().to_string();
        if value.contains("${") {
            let name = format!("{role}_BOOTSTRAP");
            translated.variables.insert(
                0,
                super::model::Variable {
                    name: name.clone(),
                    description: format!(
                        "the bootstrap servers that {value} resolves to (a Kafka config provider reference, {})",
                        bootstrap.origin.describe(self.cited)
                    ),
                },
            );
            value = format!("${{{name}}}");
        }
        Ok(Endpoint {
            alias,
            bootstrap: Sourced::new(value, bootstrap.origin),
            properties: translated.properties,
            variables: translated.variables,
        })
    }

    fn flow(
        &self,
        source: Sourced<String>,
        target: Sourced<String>,
        line: usize,
    ) -> Result<Flow, InitError> {
        let name = format!("{}->{}", source.value, target.value);
        let mut notes = Vec::new();
        let source = self.endpoint("SOURCE", source, line, &mut notes)?;
        let target = self.endpoint("TARGET", target, line, &mut notes)?;
        let policy = Policy {
            class: self.flow_or(&name, policy::CLASS, policy::DEFAULT_POLICY),
            separator: self.flow_setting(&name, policy::SEPARATOR),
            internal_separator: self.flow_setting(&name, policy::INTERNAL_SEPARATOR),
        };
        if let Err(message) = policy.naming() {
            return Err(InitError::at(self.file, policy.class.origin.line, message));
        }
        Ok(Flow {
            topics: self.filter(&name, &["topics"], &[".*"]),
            topics_exclude: self.filter(
                &name,
                &["topics.exclude", "topics.blacklist"],
                &TOPICS_EXCLUDE_DEFAULT,
            ),
            groups: self.filter(&name, &["groups"], &[".*"]),
            groups_exclude: self.filter(
                &name,
                &["groups.exclude", "groups.blacklist"],
                &GROUPS_EXCLUDE_DEFAULT,
            ),
            source_policy: policy.clone(),
            checkpoint_policy: policy,
            per_connector_policy: false,
            sync_group_offsets: self.flow_or(&name, "sync.group.offsets.enabled", "false"),
            emit_checkpoints: self.flow_or(&name, "emit.checkpoints.enabled", "true"),
            checkpoint_interval: self.flow_or(&name, "emit.checkpoints.interval.seconds", "60"),
            source,
            target,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "clusters = a, b\nb.bootstrap.servers = b:9092\na->b.enabled = true\n";

    #[test]
    fn flow_settings_override_top_level_ones() {
        let text = format!(
            "{BASE}a.bootstrap.servers = a:9092\nsync.group.offsets.enabled = false\na->b.sync.group.offsets.enabled = true\ntopics.exclude = x.*\n"
        );
        let s = read("mm2.properties", &text).unwrap();
        let flow = &s.flows[0];
        assert_eq!(flow.sync_group_offsets.value, "true");
        assert_eq!(
            flow.sync_group_offsets.origin,
            Origin::line(6, "a->b.sync.group.offsets.enabled")
        );
        assert_eq!(flow.topics_exclude.entries, vec!["x.*"]);
        assert_eq!(
            flow.groups_exclude.origin,
            Origin::default_of("groups.exclude")
        );
        assert_eq!(flow.checkpoint_interval.value, "60");
    }

    #[test]
    fn a_config_provider_bootstrap_becomes_a_variable() {
        let text = format!("{BASE}a.bootstrap.servers = ${{file:/etc/mm2/a.properties:servers}}\n");
        let s = read("mm2.properties", &text).unwrap();
        let source = &s.flows[0].source;
        assert_eq!(source.bootstrap.value, "${SOURCE_BOOTSTRAP}");
        assert_eq!(source.variables[0].name, "SOURCE_BOOTSTRAP");
        assert!(source.variables[0]
            .description
            .contains("${file:/etc/mm2/a.properties:servers}"));
    }

    #[test]
    fn a_cluster_without_bootstrap_is_an_error_at_the_flow() {
        let err = read("mm2.properties", BASE).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.contains("cluster `a` has no bootstrap servers"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_non_boolean_enabled_is_an_error() {
        let err = read("mm2.properties", "clusters = a, b\na->b.enabled = yes\n").unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
