//! Validation of the clusters: bootstrap and settings (with `${VAR}` interpolation and
//! secrets), properties files, the files client properties name, and librdkafka's own verdict
//! on each property.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::super::diagnostic::{Diagnostic, Severity};
use super::super::files;
use super::super::interpolate::{interpolate, InterpolationError};
use super::super::java;
use super::super::librdkafka::{self, Verdict};
use super::super::locate::field;
use super::super::model::*;
use super::super::properties::{self, PropertiesFileError};
use super::super::raw::*;
use super::super::secrets::{self, is_sensitive_property, is_short, MIN_MASKED_CHARS};
use super::Validator;

/// The end of the warning about a secret too short to be masked inside other output.
/// The text says 4: the assertion keeps it in step with MIN_MASKED_CHARS.
const SHORT_SECRET: &str = "has fewer than 4 characters: cutover hides it where it shows settings but does not mask it inside other output (see docs/security.md)";
const _: () = assert!(MIN_MASKED_CHARS == 4);

impl Validator<'_> {
    pub(super) fn clusters(
        &mut self,
        raw: BTreeMap<String, RawCluster>,
    ) -> (Option<Cluster>, Option<Cluster>) {
        let mut source = None;
        let mut target = None;
        let named: Vec<String> = raw.keys().cloned().collect();
        for (name, cluster) in raw {
            let path = field("clusters", &name);
            match name.as_str() {
                "source" => source = self.cluster(Role::Source, cluster, &path),
                "target" => target = self.cluster(Role::Target, cluster, &path),
                _ => self.error(
                    self.at_key(&path),
                    format!(
                        "unknown cluster `{name}`: the two clusters are named source and target"
                    ),
                ),
            }
        }
        for role in ["source", "target"] {
            if !named.iter().any(|n| n == role) {
                self.error(
                    self.at_key("clusters"),
                    format!("missing cluster `{role}`: a runbook names exactly two clusters, source and target"),
                );
            }
        }
        (source, target)
    }

    /// A value kept as written under `--no-env` (a variable in it is not set).
    pub(super) fn unresolved(&self, setting: &Setting) -> bool {
        self.no_env
            && setting.secret
            && setting.value == setting.shown
            && setting.value.contains("${")
    }

    /// Interpolate `${VAR}` in a clusters value; an interpolated value becomes a secret.
    pub(super) fn setting(&mut self, text: &str, path: &str) -> Option<Setting> {
        match interpolate(text, self.env) {
            Ok(done) => {
                if done.substituted {
                    self.secrets.add(&done.value);
                }
                for (name, value) in &done.variables {
                    self.secrets.add(value);
                    if is_short(value) {
                        self.warn(
                            self.at(path),
                            format!("{path}: the value of ${{{name}}} {SHORT_SECRET}"),
                        );
                    }
                }
                Some(Setting {
                    value: done.value,
                    shown: text.to_string(),
                    secret: done.substituted,
                })
            }
            Err(errors)
                if self.no_env
                    && errors
                        .iter()
                        .all(|e| matches!(e, InterpolationError::Unset(_))) =>
            {
                for error in errors {
                    let note = Diagnostic::note(
                        self.file,
                        self.at(path),
                        format!("{path}: {error} (--no-env: not checked)"),
                    );
                    self.diagnostics.push(note);
                }
                // Kept as written: a bootstrap or cluster id stands; a property is skipped.
                Some(Setting {
                    value: text.to_string(),
                    shown: text.to_string(),
                    secret: true,
                })
            }
            Err(errors) => {
                for error in errors {
                    self.error(self.at(path), format!("{path}: {error}"));
                }
                None
            }
        }
    }

    fn cluster(&mut self, role: Role, raw: RawCluster, path: &str) -> Option<Cluster> {
        let bootstrap_path = field(path, "bootstrap");
        let bootstrap = self.setting(&raw.bootstrap, &bootstrap_path);
        if let Some(b) = &bootstrap {
            if b.value.trim().is_empty() {
                self.error(
                    self.at(&bootstrap_path),
                    format!("{bootstrap_path} is empty"),
                );
            }
        }
        let cluster_id = raw
            .cluster_id
            .as_deref()
            .and_then(|id| self.setting(id, &field(path, "cluster_id")));

        let mut properties = BTreeMap::new();
        let mut properties_file = None;
        let runbook_keys: BTreeSet<String> = raw.properties.keys().cloned().collect();
        if let Some(file) = &raw.properties_file {
            let file_path = field(path, "properties_file");
            if let Some(setting) = self
                .setting(file, &file_path)
                .filter(|s| !self.unresolved(s))
            {
                let resolved = self.base_dir.join(&setting.value);
                self.read_properties_file(&resolved, &file_path, &runbook_keys, &mut properties);
                properties_file = Some(Setting {
                    value: resolved.display().to_string(),
                    shown: self.base_dir.join(&setting.shown).display().to_string(),
                    secret: setting.secret,
                });
            }
        }
        for (key, value) in raw.properties {
            let key_path = field(&field(path, "properties"), &key);
            let Some(mut setting) = self
                .setting(&value.into_text(), &key_path)
                .filter(|s| !self.unresolved(s))
            else {
                continue;
            };
            if is_sensitive_property(&key) && !setting.secret {
                self.secrets.add(&setting.value);
                setting.secret = true;
                setting.shown = secrets::MASK.to_string();
                if is_short(&setting.value) {
                    self.warn(
                        self.at(&key_path),
                        format!("{key_path}: the value {SHORT_SECRET}"),
                    );
                }
            }
            properties.insert(
                key,
                Property {
                    value: setting,
                    origin: PropertyOrigin::Runbook(self.at(&key_path)),
                },
            );
        }
        if let Some(servers) = properties.get("bootstrap.servers") {
            let position = match &servers.origin {
                PropertyOrigin::Runbook(position) => *position,
                PropertyOrigin::File { .. } => self.at(&field(path, "properties_file")),
            };
            self.warn(
                position,
                format!("{path}: bootstrap.servers in the properties is ignored: `bootstrap` names the brokers"),
            );
            properties.remove("bootstrap.servers");
        }
        self.check_with_librdkafka(path, &properties);
        let cluster = Cluster {
            role,
            bootstrap: bootstrap?,
            cluster_id,
            properties_file,
            properties,
        };
        self.check_files(path, &cluster);
        Some(cluster)
    }

    /// Read a Java properties file into `properties`, translated to librdkafka names.
    /// `runbook_keys` are the keys the runbook's own `properties` set.
    fn read_properties_file(
        &mut self,
        file: &Path,
        field_path: &str,
        runbook_keys: &BTreeSet<String>,
        properties: &mut BTreeMap<String, Property>,
    ) {
        let at = self.at(field_path);
        let shown = file.display().to_string();
        let entries = match properties::read(file) {
            Ok(entries) => entries,
            Err(PropertiesFileError::Unreadable(reason)) => {
                self.error(
                    at,
                    format!("{field_path}: cannot read properties file {shown}: {reason}"),
                );
                return;
            }
            Err(PropertiesFileError::Malformed { line, message }) => {
                self.error(
                    at,
                    format!("{field_path}: malformed properties file {shown}:{line}: {message}"),
                );
                return;
            }
        };
        // Every credential of the file is a secret, whether or not it is passed on.
        for entry in &entries {
            if is_sensitive_property(&entry.key) {
                self.secrets.add(&entry.value);
            }
        }
        let translation = java::translate(entries, &|key| runbook_keys.contains(key));
        for secret in &translation.secrets {
            self.secrets.add(secret);
        }
        for problem in translation.problems {
            let place = match problem.line {
                Some(line) => format!("{shown}:{line}"),
                None => shown.clone(),
            };
            let message = format!("{field_path}: {place}: {}", problem.message);
            match problem.severity {
                Severity::Error => self.error(at, message),
                Severity::Warning | Severity::Note => self.warn(at, message),
            }
        }
        for entry in translation.entries {
            let sensitive = is_sensitive_property(&entry.key);
            if sensitive && is_short(&entry.value) && !runbook_keys.contains(&entry.key) {
                self.warn(
                    at,
                    format!(
                        "{field_path}: {shown}:{}: the value of {} {SHORT_SECRET}",
                        entry.line, entry.key
                    ),
                );
            }
            let value = Setting {
                shown: if sensitive {
                    secrets::MASK.to_string()
                } else {
                    entry.value.clone()
                },
                value: entry.value,
                secret: sensitive,
            };
            properties.insert(
                entry.key,
                Property {
                    value,
                    origin: PropertyOrigin::File {
                        path: file.to_path_buf(),
                        line: entry.line,
                    },
                },
            );
        }
    }

    /// A file a property names (CA, certificate, key, keystore) that cannot be read here: a
    /// warning, since it may exist only on the operator's host; `check` and `run` refuse.
    fn check_files(&mut self, path: &str, cluster: &Cluster) {
        for file in files::unreadable(cluster) {
            let key_path = field(&field(path, "properties"), &file.key);
            let (at, subject) = match &file.origin {
                PropertyOrigin::Runbook(_) => (self.at(&key_path), key_path),
                PropertyOrigin::File { path: props, line } => {
                    let file_path = field(path, "properties_file");
                    (
                        self.at(&file_path),
                        format!("{file_path}: {}:{line}: {}", props.display(), file.key),
                    )
                }
            };
            self.warn(
                at,
                format!(
                    "{subject}: cannot read {}: {} (check and run refuse to start without it)",
                    file.path, file.reason
                ),
            );
        }
    }

    /// Ask librdkafka about every property a connection will set: a key it does not know or
    /// a value it refuses would stop the connection, so it stops validation instead.
    fn check_with_librdkafka(&mut self, path: &str, properties: &BTreeMap<String, Property>) {
        for (key, property) in properties {
            let verdict = librdkafka::check(key, &property.value.value);
            if verdict == Verdict::Accepted {
                continue;
            }
            let key_path = field(&field(path, "properties"), key);
            let (key_at, value_at, subject) = match &property.origin {
                PropertyOrigin::Runbook(_) => {
                    (self.at_key(&key_path), self.at(&key_path), key_path.clone())
                }
                PropertyOrigin::File { path: file, line } => {
                    let file_path = field(path, "properties_file");
                    let at = self.at(&file_path);
                    (
                        at,
                        at,
                        format!("{file_path}: {}:{line}: {key}", file.display()),
                    )
                }
            };
            match verdict {
                Verdict::Accepted => {}
                Verdict::Unknown => {
                    let hint = java::runbook_hint(key)
                        .map(|hint| format!(": {hint}"))
                        .unwrap_or_default();
                    self.error(
                        key_at,
                        format!("{subject}: librdkafka has no property `{key}`{hint}"),
                    );
                }
                Verdict::Invalid(_) if property.value.secret => self.error(
                    value_at,
                    format!("{subject}: librdkafka refuses the value (a secret, not shown)"),
                ),
                Verdict::Invalid(reason) => self.error(
                    value_at,
                    format!("{subject}: librdkafka refuses the value: {reason}"),
                ),
            }
        }
    }
}
