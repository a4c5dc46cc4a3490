//! A Strimzi KafkaMirrorMaker2 resource.
//!
//! Two layouts: v1beta2 with `spec.clusters[]` (alias, bootstrapServers, tls, authentication)
//! and `spec.mirrors[].sourceCluster/targetCluster` naming aliases; the newer one (`v1`, and
//! v1beta2 since Strimzi 0.46) with one `spec.target` and a `source` in each mirror. Each mirror
//! is a flow. Strimzi passes `topicsPattern`/`topicsExcludePattern`/`groupsPattern`/
//! `groupsExcludePattern` to the connectors as `topics`/`topics.exclude`/`groups`/
//! `groups.exclude` and gives each connector its own `config`, so the source and checkpoint
//! connectors may run different replication policies.

use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

use super::filters::{Filter, GROUPS_EXCLUDE_DEFAULT, TOPICS_EXCLUDE_DEFAULT};
use super::model::{Endpoint, Flow, Setup, Warning};
use super::policy::{self, Policy};
use super::security::Translated;
use super::{cited_name, InitError, Origin, Sourced};
use crate::runbook::locate::Locations;

pub fn read(file: &str, text: &str, doc: &Value) -> Result<Setup, InitError> {
    let reader = Reader {
        file,
        cited: cited_name(Path::new(file)),
        locations: Locations::index(text),
    };
    reader.setup(doc)
}

struct Reader<'a> {
    file: &'a str,
    cited: String,
    locations: Locations,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Reader<'_> {
    /// The line of the key naming `path` (a mapping's value starts on the next line).
    fn line(&self, path: &str) -> usize {
        self.locations.key(path).line
    }

    fn error(&self, path: &str, message: impl Into<String>) -> InitError {
        InitError::at(self.file, Some(self.line(path)), message)
    }

    fn origin(&self, path: &str) -> Origin {
        Origin::line(self.line(path), path)
    }

    /// A scalar field of `map` at `path.key`.
    fn get(
        &self,
        map: &Mapping,
        path: &str,
        key: &str,
    ) -> Result<Option<Sourced<String>>, InitError> {
        let full = format!("{path}.{key}");
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => match scalar(value) {
                Some(text) => Ok(Some(Sourced::new(text, self.origin(&full)))),
                None => Err(self.error(&full, format!("{full}: expected a string"))),
            },
        }
    }

    fn mapping<'v>(
        &self,
        value: Option<&'v Value>,
        path: &str,
    ) -> Result<Option<&'v Mapping>, InitError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(m)) => Ok(Some(m)),
            Some(_) => Err(self.error(path, format!("{path}: expected a mapping"))),
        }
    }

    fn setup(&self, doc: &Value) -> Result<Setup, InitError> {
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let spec = self
            .mapping(doc.get("spec"), "spec")?
            .ok_or_else(|| InitError::at(self.file, None, "KafkaMirrorMaker2 without a spec"))?;
        let mirrors = match spec.get("mirrors") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(s)) => s.clone(),
            Some(_) => return Err(self.error("spec.mirrors", "spec.mirrors: expected a list")),
        };
        let mut flows = Vec::new();
        if spec.contains_key("target") {
            let target = self
                .mapping(spec.get("target"), "spec.target")?
                .ok_or_else(|| self.error("spec.target", "spec.target is empty"))?;
            for (i, mirror) in mirrors.iter().enumerate() {
                let path = format!("spec.mirrors[{i}]");
                let m = self
                    .mapping(Some(mirror), &path)?
                    .ok_or_else(|| self.error(&path, format!("{path} is empty")))?;
                let source_path = format!("{path}.source");
                let source = self.mapping(m.get("source"), &source_path)?.ok_or_else(|| {
                    self.error(&path, format!("{path}: no `source` cluster (the layout with spec.target needs one per mirror)"))
                })?;
                flows.push(self.flow(m, &path, (source, &source_path), (target, "spec.target"))?);
            }
        } else if spec.contains_key("clusters") {
            let clusters = match spec.get("clusters") {
                Some(Value::Sequence(s)) => s.clone(),
                _ => return Err(self.error("spec.clusters", "spec.clusters: expected a list")),
            };
            let find = |alias: &Sourced<String>| -> Result<(Mapping, String), InitError> {
                for (j, cluster) in clusters.iter().enumerate() {
                    if cluster.get("alias").and_then(Value::as_str) == Some(alias.value.as_str()) {
                        let path = format!("spec.clusters[{j}]");
                        let m = self
                            .mapping(Some(cluster), &path)?
                            .cloned()
                            .unwrap_or_default();
                        return Ok((m, path));
                    }
                }
                Err(InitError::at(
                    self.file,
                    alias.origin.line,
                    format!(
                        "{}: no cluster with alias `{}` in spec.clusters",
                        alias.origin.setting, alias.value
                    ),
                ))
            };
            for (i, mirror) in mirrors.iter().enumerate() {
                let path = format!("spec.mirrors[{i}]");
                let m = self
                    .mapping(Some(mirror), &path)?
                    .ok_or_else(|| self.error(&path, format!("{path} is empty")))?;
                let alias = |key: &str| -> Result<Sourced<String>, InitError> {
                    self.get(m, &path, key)?
                        .ok_or_else(|| self.error(&path, format!("{path}: no {key}")))
                };
                let (source, source_path) = find(&alias("sourceCluster")?)?;
                let (target, target_path) = find(&alias("targetCluster")?)?;
                flows.push(self.flow(
                    m,
                    &path,
                    (&source, &source_path),
                    (&target, &target_path),
                )?);
            }
        } else {
            return Err(self.error(
                "spec",
                "spec has neither `clusters` (v1beta2 layout) nor `target` (newer layout)",
            ));
        }
        Ok(Setup {
            format: format!("Strimzi KafkaMirrorMaker2 `{name}`"),
            flows,
            line: Some(self.line(if spec.contains_key("mirrors") {
                "spec.mirrors"
            } else {
                "spec"
            })),
        })
    }

    fn filter(
        &self,
        m: &Mapping,
        path: &str,
        keys: &[&str],
        default: &[&str],
        setting: &str,
    ) -> Result<Filter, InitError> {
        for key in keys {
            if let Some(s) = self.get(m, path, key)? {
                return Ok(Filter::parse(&s.value, s.origin));
            }
        }
        Ok(Filter::default_of(
            default,
            Origin::default_of(format!("{path}.{}, {setting}", keys[0])),
        ))
    }

    fn flow(
        &self,
        mirror: &Mapping,
        path: &str,
        (source, source_path): (&Mapping, &str),
        (target, target_path): (&Mapping, &str),
    ) -> Result<Flow, InitError> {
        let mut notes = Vec::new();
        let source = self.endpoint("SOURCE", source, source_path, &mut notes)?;
        let target = self.endpoint("TARGET", target, target_path, &mut notes)?;
        let source_connector_path = format!("{path}.sourceConnector.config");
        let checkpoint_path = format!("{path}.checkpointConnector");
        let checkpoint_config_path = format!("{checkpoint_path}.config");
        let source_config = self
            .mapping(
                mirror.get("sourceConnector"),
                &format!("{path}.sourceConnector"),
            )?
            .and_then(|c| c.get("config"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        let checkpoint = self.mapping(mirror.get("checkpointConnector"), &checkpoint_path)?;
        let checkpoint_config = checkpoint
            .and_then(|c| c.get("config"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        let policy_of = |config: &Mapping, config_path: &str| -> Result<Policy, InitError> {
            let class = self
                .get(config, config_path, policy::CLASS)?
                .unwrap_or_else(|| {
                    Sourced::new(
                        policy::DEFAULT_POLICY.to_string(),
                        Origin::default_of(format!("{config_path}.{}", policy::CLASS)),
                    )
                });
            let policy = Policy {
                class,
                separator: self.get(config, config_path, policy::SEPARATOR)?,
                internal_separator: self.get(config, config_path, policy::INTERNAL_SEPARATOR)?,
            };
            policy
                .naming()
                .map_err(|message| InitError::at(self.file, policy.class.origin.line, message))?;
            Ok(policy)
        };
        let source_policy = policy_of(&source_config, &source_connector_path)?;
        let checkpoint_policy = policy_of(&checkpoint_config, &checkpoint_config_path)?;
        let setting = |key: &str, default: &str| -> Result<Sourced<String>, InitError> {
            Ok(self
                .get(&checkpoint_config, &checkpoint_config_path, key)?
                .unwrap_or_else(|| {
                    Sourced::new(
                        default.to_string(),
                        Origin::default_of(format!("{checkpoint_config_path}.{key}")),
                    )
                }))
        };
        let emit_checkpoints = if checkpoint.is_none() {
            // Strimzi deploys only the connectors the mirror lists.
            Sourced::new(
                "false".to_string(),
                Origin::line(
                    self.line(path),
                    format!("{path} has no checkpointConnector"),
                ),
            )
        } else {
            setting("emit.checkpoints.enabled", "true")?
        };
        Ok(Flow {
            topics: self.filter(mirror, path, &["topicsPattern"], &[".*"], "topics")?,
            topics_exclude: self.filter(
                mirror,
                path,
                &["topicsExcludePattern", "topicsBlacklistPattern"],
                &TOPICS_EXCLUDE_DEFAULT,
                "topics.exclude",
            )?,
            groups: self.filter(mirror, path, &["groupsPattern"], &[".*"], "groups")?,
            groups_exclude: self.filter(
                mirror,
                path,
                &["groupsExcludePattern", "groupsBlacklistPattern"],
                &GROUPS_EXCLUDE_DEFAULT,
                "groups.exclude",
            )?,
            source_policy,
            checkpoint_policy,
            per_connector_policy: true,
            sync_group_offsets: setting("sync.group.offsets.enabled", "false")?,
            emit_checkpoints,
            checkpoint_interval: setting("emit.checkpoints.interval.seconds", "60")?,
            source,
            target,
            notes,
        })
    }

    fn endpoint(
        &self,
        role: &str,
        cluster: &Mapping,
        path: &str,
        notes: &mut Vec<Warning>,
    ) -> Result<Endpoint, InitError> {
        let alias = self
            .get(cluster, path, "alias")?
            .ok_or_else(|| self.error(path, format!("{path}: no alias")))?;
        let bootstrap = self
            .get(cluster, path, "bootstrapServers")?
            .ok_or_else(|| self.error(path, format!("{path}: no bootstrapServers")))?;
        let mut out = Translated::default();
        let tls_path = format!("{path}.tls");
        let tls = match cluster.get("tls") {
            None | Some(Value::Null) => None,
            Some(Value::Mapping(m)) => Some(m.clone()),
            Some(_) => return Err(self.error(&tls_path, format!("{tls_path}: expected a mapping"))),
        };
        if let Some(tls) = &tls {
            self.trusted_certificates(role, tls, &tls_path, &mut out)?;
        }
        let auth_path = format!("{path}.authentication");
        let mut sasl = false;
        if let Some(auth) = self.mapping(cluster.get("authentication"), &auth_path)? {
            sasl = self.authentication(role, auth, &auth_path, &mut out, notes)?;
        }
        // The one ssl.* setting Strimzi lets a cluster's `config` carry.
        let config_path = format!("{path}.config");
        if let Some(config) = self.mapping(cluster.get("config"), &config_path)? {
            let key = "ssl.endpoint.identification.algorithm";
            if let Some(s) = self.get(config, &config_path, key)? {
                let value = match s.value.trim() {
                    "" => "none".to_string(),
                    other => other.to_lowercase(),
                };
                out.set(key, value, s.origin.describe(&self.cited));
            }
        }
        let protocol = match (tls.is_some(), sasl) {
            (true, true) => Some("SASL_SSL"),
            (false, true) => Some("SASL_PLAINTEXT"),
            (true, false) => Some("SSL"),
            (false, false) => None,
        };
        if let Some(protocol) = protocol {
            let from = if sasl {
                format!(
                    "{}:{} ({}.tls and authentication)",
                    self.cited,
                    self.line(&auth_path),
                    path
                )
            } else {
                format!("{}:{} ({tls_path})", self.cited, self.line(&tls_path))
            };
            out.properties.insert(
                0,
                super::model::Property {
                    key: "security.protocol".into(),
                    value: protocol.into(),
                    comment: format!("from {from}"),
                },
            );
        }
        Ok(Endpoint {
            alias,
            bootstrap,
            properties: out.properties,
            variables: out.variables,
        })
    }

    fn trusted_certificates(
        &self,
        role: &str,
        tls: &Mapping,
        path: &str,
        out: &mut Translated,
    ) -> Result<(), InitError> {
        let certs_path = format!("{path}.trustedCertificates");
        let Some(Value::Sequence(certs)) = tls.get("trustedCertificates") else {
            return Ok(());
        };
        let mut sources = Vec::new();
        for (i, cert) in certs.iter().enumerate() {
            let p = format!("{certs_path}[{i}]");
            let m = self.mapping(Some(cert), &p)?.cloned().unwrap_or_default();
            let secret = self
                .get(&m, &p, "secretName")?
                .map(|s| s.value)
                .unwrap_or_else(|| "?".into());
            let which = match (
                self.get(&m, &p, "certificate")?,
                self.get(&m, &p, "pattern")?,
            ) {
                (Some(c), _) => format!("key `{}`", c.value),
                (None, Some(pattern)) => format!("the keys matching `{}`", pattern.value),
                (None, None) => "its certificates".into(),
            };
            sources.push((secret, which));
        }
        if sources.is_empty() {
            return Ok(());
        }
        let line = self.line(&certs_path);
        let names: Vec<String> = sources
            .iter()
            .map(|(secret, which)| format!("Kubernetes secret `{secret}`, {which}"))
            .collect();
        let comment = format!(
            "from {}:{line} ({certs_path}): {}",
            self.cited,
            names.join("; ")
        );
        let (secret, which) = &sources[0];
        let extract = match which
            .strip_prefix("key `")
            .and_then(|k| k.strip_suffix('`'))
        {
            Some(key) => format!(
                "kubectl get secret {secret} -o jsonpath='{{.data.{}}}' | base64 -d > {}-ca.crt",
                key.replace('.', "\\."),
                role.to_lowercase()
            ),
            None => {
                let glob = which
                    .strip_prefix("the keys matching `")
                    .and_then(|k| k.strip_suffix('`'))
                    .unwrap_or("*.crt");
                let regex =
                    format!("^{}$", regex::escape(glob).replace("\\*", ".*")).replace('\\', "\\\\");
                format!(
                    "kubectl get secret {secret} -o json | jq -r '.data | to_entries[] | select(.key | test(\"{regex}\")) | .value | @base64d' > {}-ca.crt",
                    role.to_lowercase()
                )
            }
        };
        out.secret(
            "ssl.ca.location",
            &format!("{role}_SSL_CA_LOCATION"),
            &comment,
            format!(
                "a PEM file of the CA certificates of {} (from {}:{line}): {extract}",
                names.join("; "),
                self.cited,
            ),
        );
        Ok(())
    }

    /// Returns whether the authentication is SASL.
    fn authentication(
        &self,
        role: &str,
        auth: &Mapping,
        path: &str,
        out: &mut Translated,
        notes: &mut Vec<Warning>,
    ) -> Result<bool, InitError> {
        let kind = self
            .get(auth, path, "type")?
            .ok_or_else(|| self.error(path, format!("{path}: no type")))?;
        let mechanism = match kind.value.as_str() {
            "scram-sha-512" => "SCRAM-SHA-512",
            "scram-sha-256" => "SCRAM-SHA-256",
            "plain" => "PLAIN",
            "tls" => {
                let p = format!("{path}.certificateAndKey");
                let m = self
                    .mapping(auth.get("certificateAndKey"), &p)?
                    .cloned()
                    .unwrap_or_default();
                let secret = self
                    .get(&m, &p, "secretName")?
                    .map(|s| s.value)
                    .unwrap_or_else(|| "?".into());
                let line = self.line(&p);
                for (field, key, default) in [
                    ("certificate", "ssl.certificate.location", "user.crt"),
                    ("key", "ssl.key.location", "user.key"),
                ] {
                    let item = self
                        .get(&m, &p, field)?
                        .map(|s| s.value)
                        .unwrap_or_else(|| default.into());
                    let var = format!("{role}_{}", key.replace('.', "_").to_uppercase());
                    out.secret(
                        key,
                        &var,
                        &format!("from {}:{line} ({p}): Kubernetes secret `{secret}`, key `{item}`", self.cited),
                        format!(
                            "a PEM file of Kubernetes secret `{secret}`, key `{item}` (from {}:{line}): kubectl get secret {secret} -o jsonpath='{{.data.{}}}' | base64 -d > {}-{item}",
                            self.cited,
                            item.replace('.', "\\."),
                            role.to_lowercase()
                        ),
                    );
                }
                return Ok(false);
            }
            other => {
                notes.push(Warning {
                    origin: kind.origin.clone(),
                    message: format!(
                        "{}: authentication type `{other}` is not translated: set the {} cluster's librdkafka sasl.* properties in the runbook by hand",
                        kind.origin.setting,
                        role.to_lowercase()
                    ),
                });
                return Ok(false);
            }
        };
        out.set(
            "sasl.mechanism",
            mechanism,
            format!(
                "from {}:{} ({})",
                self.cited,
                kind.origin.line.unwrap_or(0),
                kind.origin.setting
            ),
        );
        match self.get(auth, path, "username")? {
            Some(user) => out.set(
                "sasl.username",
                user.value.clone(),
                user.origin.describe(&self.cited),
            ),
            None => {
                return Err(self.error(
                    path,
                    format!("{path}: {} authentication without a username", kind.value),
                ))
            }
        }
        let p = format!("{path}.passwordSecret");
        let m = self
            .mapping(auth.get("passwordSecret"), &p)?
            .cloned()
            .ok_or_else(|| {
                self.error(
                    path,
                    format!(
                        "{path}: {} authentication without a passwordSecret",
                        kind.value
                    ),
                )
            })?;
        let secret = self
            .get(&m, &p, "secretName")?
            .map(|s| s.value)
            .unwrap_or_else(|| "?".into());
        let key = self
            .get(&m, &p, "password")?
            .map(|s| s.value)
            .unwrap_or_else(|| "password".into());
        let line = self.line(&p);
        out.secret(
            "sasl.password",
            &format!("{role}_PASSWORD"),
            &format!("from {}:{line} ({p}): Kubernetes secret `{secret}`, key `{key}`", self.cited),
            format!(
                "the password in Kubernetes secret `{secret}`, key `{key}` (from {}:{line}): export {role}_PASSWORD=\"$(kubectl get secret {secret} -o jsonpath='{{.data.{}}}' | base64 -d)\"",
                self.cited,
                key.replace('.', "\\.")
            ),
        );
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(text: &str) -> Result<Setup, InitError> {
        let value: Value = serde_yaml_ng::from_str(text).unwrap();
        read("mm2.yaml", text, &value)
    }

    const HEAD: &str = "kind: KafkaMirrorMaker2\nmetadata:\n  name: m\nspec:\n  clusters:\n    - alias: a\n      bootstrapServers: a:9092\n    - alias: b\n      bootstrapServers: b:9092\n  mirrors:\n    - sourceCluster: a\n      targetCluster: b\n";

    #[test]
    fn a_mirror_without_checkpoint_connector_has_no_checkpoints() {
        let s = setup(&format!("{HEAD}      sourceConnector: {{}}\n")).unwrap();
        let flow = &s.flows[0];
        assert_eq!(flow.emit_checkpoints.value, "false");
        assert_eq!(flow.emit_checkpoints.origin.line, Some(11));
        assert!(flow.per_connector_policy);
    }

    #[test]
    fn connector_settings_keep_their_lines() {
        let s = setup(&format!(
            "{HEAD}      checkpointConnector:\n        config:\n          sync.group.offsets.enabled: true\n          emit.checkpoints.interval.seconds: 5\n      topicsPattern: \"a.*, b\"\n"
        ))
        .unwrap();
        let flow = &s.flows[0];
        assert_eq!(flow.sync_group_offsets.value, "true");
        assert_eq!(flow.sync_group_offsets.origin.line, Some(15));
        assert_eq!(flow.checkpoint_interval.value, "5");
        assert_eq!(flow.topics.entries, vec!["a.*", "b"]);
        assert_eq!(flow.topics.origin.line, Some(17));
        assert_eq!(flow.source.alias.value, "a");
        assert_eq!(flow.target.bootstrap.value, "b:9092");
    }

    #[test]
    fn endpoint_identification_comes_from_the_cluster_config() {
        let text = HEAD.replace(
            "      bootstrapServers: b:9092\n",
            "      bootstrapServers: b:9092\n      tls: {}\n      config:\n        ssl.endpoint.identification.algorithm: \"\"\n",
        );
        let s = setup(&text).unwrap();
        let props: Vec<(String, String)> = s.flows[0]
            .target
            .properties
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect();
        assert_eq!(
            props,
            vec![
                ("security.protocol".into(), "SSL".into()),
                (
                    "ssl.endpoint.identification.algorithm".into(),
                    "none".into()
                )
            ]
        );
    }

    #[test]
    fn scram_without_password_secret_is_an_error_at_its_line() {
        let text = HEAD.replace(
            "      bootstrapServers: a:9092\n",
            "      bootstrapServers: a:9092\n      authentication:\n        type: scram-sha-512\n        username: u\n",
        );
        let err = setup(&text).unwrap_err();
        assert_eq!(err.line, Some(8));
        assert!(
            err.message.contains("without a passwordSecret"),
            "{}",
            err.message
        );
    }
}
