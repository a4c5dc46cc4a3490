//! From the raw runbook to the validated model, collecting every problem with its position.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::defaults::*;
use super::diagnostic::{Diagnostic, Position, Severity};
use super::interpolate::{interpolate, InterpolationError};
use super::java;
use super::librdkafka::{self, Verdict};
use super::locate::{field, index, Locations};
use super::model::*;
use super::properties::{self, PropertiesFileError};
use super::raw::*;
use super::secrets::{is_sensitive_property, is_short, Secrets, MIN_MASKED_CHARS};
use super::selection::{Pattern, Selection};
use super::topic_configs;

mod connect;

/// The end of the warning about a secret too short to be masked inside other output.
/// The text says 4: the assertion keeps it in step with MIN_MASKED_CHARS.
const SHORT_SECRET: &str = "has fewer than 4 characters: cutover hides it where it shows settings but does not mask it inside other output (see docs/security.md)";
const _: () = assert!(MIN_MASKED_CHARS == 4);

/// Bounds memory: both clusters' tails are held at once.
const MAX_TAIL_RECORDS: u32 = 100_000;

pub struct Validator<'a> {
    file: &'a str,
    base_dir: &'a Path,
    locations: Locations,
    env: &'a dyn Fn(&str) -> Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    secrets: Secrets,
    /// `validate --no-env`: an unset variable is a note and the value stays as written
    /// (properties holding one are not checked further).
    pub no_env: bool,
    /// The runbook's `connect:` endpoint names, for the references of steps and checks.
    connect_names: Vec<String>,
}

impl<'a> Validator<'a> {
    pub fn new(
        file: &'a str,
        text: &str,
        base_dir: &'a Path,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Validator {
            file,
            base_dir,
            locations: Locations::index(text),
            env,
            diagnostics: Vec::new(),
            secrets: Secrets::default(),
            no_env: false,
            connect_names: Vec::new(),
        }
    }

    fn error(&mut self, position: Position, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(self.file, position, message));
    }

    fn warn(&mut self, position: Position, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(self.file, position, message));
    }

    fn at(&self, path: &str) -> Position {
        self.locations.value(path)
    }

    /// The secrets found so far (all of them once `runbook` has returned None; on success
    /// they move into the runbook).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    fn at_key(&self, path: &str) -> Position {
        self.locations.key(path)
    }

    /// Build the model. Returns None when any error was found (they are in `diagnostics`).
    pub fn runbook(&mut self, raw: RawRunbook, path: &Path, sha256: String) -> Option<Runbook> {
        // serde keeps the last of repeated map keys silently; a repeated cluster or
        // property is almost always an editing mistake.
        for (key, position) in self.locations.duplicates().to_vec() {
            self.error(
                position,
                format!("{key}: duplicate key (the last one would win)"),
            );
        }
        if raw.version != 1 {
            self.error(
                self.at("version"),
                format!(
                    "unsupported runbook version {} (this cutover reads version 1)",
                    raw.version
                ),
            );
        }
        if raw.name.trim().is_empty() {
            self.error(self.at("name"), "`name` is empty");
        }
        let (source, target) = self.clusters(raw.clusters);
        let mirror = self.mirror(raw.mirror);
        let defaults = self.defaults(raw.defaults.unwrap_or_default());
        let connect = self.connect(raw.connect);
        let tiers = self.tiers(raw.tiers, &defaults, &mirror);

        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return None;
        }
        Some(Runbook {
            path: path.to_path_buf(),
            sha256,
            version: raw.version,
            name: raw.name,
            source: source?,
            target: target?,
            mirror: mirror?,
            defaults,
            tiers,
            connect,
            secrets: std::mem::take(&mut self.secrets),
        })
    }

    fn clusters(
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
    fn unresolved(&self, setting: &Setting) -> bool {
        self.no_env
            && setting.secret
            && setting.value == setting.shown
            && setting.value.contains("${")
    }

    /// Interpolate `${VAR}` in a clusters value; an interpolated value becomes a secret.
    fn setting(&mut self, text: &str, path: &str) -> Option<Setting> {
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
                setting.shown = super::secrets::MASK.to_string();
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
                    super::secrets::MASK.to_string()
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
        for file in super::files::unreadable(cluster) {
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

    fn mirror(&mut self, raw: Option<RawMirror>) -> Option<Mirror> {
        let Some(raw) = raw else {
            return Some(Mirror {
                engine: Engine::None,
                source_alias: None,
                topic_naming: TopicNaming::Identity,
                separator: ".".into(),
                checkpoints_topic: None,
            });
        };
        let mut ok = true;
        let topic_naming = raw.topic_naming.unwrap_or(TopicNaming::Identity);
        let separator = raw.separator.unwrap_or_else(|| ".".into());
        if separator.is_empty() {
            self.error(self.at("mirror.separator"), "mirror.separator is empty");
            ok = false;
        }
        if let Some(alias) = &raw.source_alias {
            if alias.is_empty() || alias.contains(separator.as_str()) && !separator.is_empty() {
                self.error(
                    self.at("mirror.source_alias"),
                    format!("mirror.source_alias `{alias}` must be non-empty and must not contain the separator `{separator}`"),
                );
                ok = false;
            }
        }
        let needs_alias = if topic_naming == TopicNaming::Prefixed {
            Some("topic_naming prefixed names target topics `<source_alias>.<topic>`")
        } else if raw.engine == Engine::Mirrormaker2 && raw.checkpoints_topic.is_none() {
            Some("engine mirrormaker2 reads checkpoints from `<source_alias>.checkpoints.internal` on the target")
        } else {
            None
        };
        if let (Some(reason), None) = (needs_alias, &raw.source_alias) {
            self.error(
                self.at_key("mirror"),
                format!("mirror.source_alias is missing: {reason}"),
            );
            ok = false;
        }
        if raw.engine != Engine::Mirrormaker2 && raw.checkpoints_topic.is_some() {
            self.error(
                self.at_key("mirror.checkpoints_topic"),
                format!(
                    "mirror.checkpoints_topic applies to engine mirrormaker2 only, not {}",
                    raw.engine.name()
                ),
            );
            ok = false;
        }
        let checkpoints_topic = match (raw.engine, raw.checkpoints_topic, &raw.source_alias) {
            (Engine::Mirrormaker2, Some(topic), _) => Some(topic),
            (Engine::Mirrormaker2, None, Some(alias)) => {
                Some(format!("{alias}{separator}checkpoints{separator}internal"))
            }
            _ => None,
        };
        ok.then_some(Mirror {
            engine: raw.engine,
            source_alias: raw.source_alias,
            topic_naming,
            separator,
            checkpoints_topic,
        })
    }

    fn duration(&mut self, text: &str, path: &str) -> Option<Duration> {
        match humantime::parse_duration(text.trim()) {
            Ok(d) if d.is_zero() => {
                self.error(self.at(path), format!("{path}: must be longer than zero"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    self.at(path),
                    format!("{path}: bad duration `{text}` ({e}); write e.g. 30s, 5m, 1h30m"),
                );
                None
            }
        }
    }

    fn duration_or(&mut self, text: Option<&str>, path: &str, fallback: Duration) -> Duration {
        text.and_then(|t| self.duration(t, path))
            .unwrap_or(fallback)
    }

    fn patterns(&mut self, list: &[String], path: &str) -> Vec<Pattern> {
        if list.is_empty() && !path.ends_with("exclude_topics") && !path.ends_with("exclude_groups")
        {
            self.error(
                self.at(path),
                format!("{path}: an empty list selects nothing"),
            );
        }
        let mut patterns = Vec::new();
        for (i, text) in list.iter().enumerate() {
            let item = index(path, i);
            match Pattern::new(text) {
                Ok(p) => patterns.push(p),
                Err(e) => {
                    let reason = e.to_string();
                    let reason = reason.lines().last().unwrap_or("invalid").trim();
                    let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                    self.error(
                        self.at(&item),
                        format!("{item}: bad regex `{text}`: {reason}"),
                    );
                }
            }
        }
        patterns
    }

    fn defaults(&mut self, raw: RawDefaults) -> Defaults {
        let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let topics = raw.topics.unwrap_or_else(|| vec![".*".into()]);
        let exclude_topics = raw
            .exclude_topics
            .unwrap_or_else(|| owned(&DEFAULT_EXCLUDE_TOPICS));
        let groups = raw.groups.unwrap_or_else(|| vec![".*".into()]);
        let exclude_groups = raw
            .exclude_groups
            .unwrap_or_else(|| owned(&DEFAULT_EXCLUDE_GROUPS));
        let timeout = self.duration_or(raw.timeout.as_deref(), "defaults.timeout", DEFAULT_TIMEOUT);
        Defaults {
            topics: Selection {
                include: self.patterns(&topics, "defaults.topics"),
                exclude: self.patterns(&exclude_topics, "defaults.exclude_topics"),
            },
            groups: Selection {
                include: self.patterns(&groups, "defaults.groups"),
                exclude: self.patterns(&exclude_groups, "defaults.exclude_groups"),
            },
            poll_interval: self.duration_or(
                raw.poll_interval.as_deref(),
                "defaults.poll_interval",
                DEFAULT_POLL_INTERVAL,
            ),
            progress_interval: self.duration_or(
                raw.progress_interval.as_deref(),
                "defaults.progress_interval",
                DEFAULT_PROGRESS_INTERVAL,
            ),
            timeout,
            request_timeout: self.duration_or(
                raw.request_timeout.as_deref(),
                "defaults.request_timeout",
                DEFAULT_REQUEST_TIMEOUT,
            ),
            run_timeout: self.duration_or(
                raw.run_timeout.as_deref(),
                "defaults.run_timeout",
                timeout,
            ),
            allow_empty: raw.allow_empty.unwrap_or(false),
        }
    }

    fn tiers(
        &mut self,
        raw: Vec<RawTier>,
        defaults: &Defaults,
        mirror: &Option<Mirror>,
    ) -> Vec<Tier> {
        if raw.is_empty() {
            self.error(self.at("tiers"), "tiers: a runbook needs at least one tier");
        }
        let mut tier_names: HashMap<String, Position> = HashMap::new();
        let mut step_ids: HashMap<String, Position> = HashMap::new();
        let mut tiers = Vec::new();
        for (t, tier) in raw.into_iter().enumerate() {
            let tier_path = index("tiers", t);
            let name_path = field(&tier_path, "name");
            let name_at = self.at(&name_path);
            if tier.name.trim().is_empty() {
                self.error(name_at, format!("{name_path}: tier name is empty"));
            } else if let Some(first) = tier_names.get(&tier.name) {
                self.error(
                    name_at,
                    format!(
                        "{name_path}: duplicate tier name `{}` (first at line {})",
                        tier.name, first.line
                    ),
                );
            } else {
                tier_names.insert(tier.name.clone(), name_at);
            }
            let steps_path = field(&tier_path, "steps");
            if tier.steps.is_empty() {
                self.error(
                    self.at(&steps_path),
                    format!("{steps_path}: tier `{}` has no steps", tier.name),
                );
            }
            let mut steps = Vec::new();
            for (s, step) in tier.steps.into_iter().enumerate() {
                let step_path = index(&steps_path, s);
                let id_path = field(&step_path, "id");
                let id_at = self.at(&id_path);
                if !valid_step_id(&step.id) {
                    self.error(
                        id_at,
                        format!(
                            "{id_path}: step id `{}` must be 1-64 letters, digits, '-', '_' or '.'",
                            step.id
                        ),
                    );
                } else if let Some(first) = step_ids.get(&step.id) {
                    self.error(
                        id_at,
                        format!(
                            "{id_path}: duplicate step id `{}` (first at line {})",
                            step.id, first.line
                        ),
                    );
                } else {
                    step_ids.insert(step.id.clone(), id_at);
                }
                if let Some(step) = self.step(step, &tier.name, &step_path, defaults, mirror) {
                    steps.push(step);
                }
            }
            tiers.push(Tier {
                name: tier.name,
                steps,
            });
        }
        tiers
    }

    fn step(
        &mut self,
        raw: RawStep,
        tier: &str,
        path: &str,
        defaults: &Defaults,
        mirror: &Option<Mirror>,
    ) -> Option<Step> {
        for (name, value) in [("run", &raw.run), ("undo", &raw.undo)] {
            if matches!(value, Some(text) if text.trim().is_empty()) {
                let at = field(path, name);
                self.error(self.at(&at), format!("{at}: empty command"));
            }
        }
        let run_timeout = self.duration_or(
            raw.run_timeout.as_deref(),
            &field(path, "run_timeout"),
            defaults.run_timeout,
        );
        let connector = self.connector_action(&raw, path);
        if raw.run.is_none() && raw.connector.is_none() && raw.run_timeout.is_some() {
            let at = field(path, "run_timeout");
            self.error(
                self.at_key(&at),
                format!("{at}: the step has no `run` action to time out"),
            );
        }
        let does_nothing = raw.run.is_none()
            && raw.connector.is_none()
            && raw.instructions.is_none()
            && raw.confirm.is_none()
            && raw.requires.is_empty()
            && raw.verifies.is_empty();
        let mut checks = |phase: &str, list: Vec<RawCheck>| -> Vec<Check> {
            let phase_path = field(path, phase);
            list.into_iter()
                .enumerate()
                .filter_map(|(i, c)| self.check(c, &index(&phase_path, i), defaults, mirror))
                .collect()
        };
        let requires = checks("requires", raw.requires);
        let verifies = checks("verifies", raw.verifies);
        let undo_verifies = checks("undo_verifies", raw.undo_verifies);

        let step_at = self.at(path);
        if raw.run.is_some() && raw.undo.is_none() {
            self.warn(
                self.at_key(&field(path, "run")),
                format!(
                    "step `{}` has a run action but no undo: a rollback will make it a manual step",
                    raw.id
                ),
            );
        }
        if raw.point_of_no_return && verifies.is_empty() {
            self.warn(
                self.at(&field(path, "point_of_no_return")),
                format!(
                    "step `{}` is the point of no return but has no verifies: nothing proves it worked before there is no way back",
                    raw.id
                ),
            );
        }
        if does_nothing {
            self.warn(
                step_at,
                format!(
                    "step `{}` has no run, instructions or checks: it does nothing",
                    raw.id
                ),
            );
        }
        if raw.undo.is_none() && raw.connector.is_none() && !undo_verifies.is_empty() {
            self.warn(
                self.at_key(&field(path, "undo_verifies")),
                format!(
                    "step `{}` has undo_verifies but no undo: they are checked after the manual rollback",
                    raw.id
                ),
            );
        }
        Some(Step {
            title: raw.title.unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            tier: tier.to_string(),
            instructions: raw.instructions,
            run: connector
                .as_ref()
                .map(ConnectorAction::describe)
                .or(raw.run),
            run_timeout,
            undo: connector
                .as_ref()
                .map(ConnectorAction::describe_undo)
                .or(raw.undo),
            undo_verifies,
            requires,
            verifies,
            confirm: raw.confirm,
            point_of_no_return: raw.point_of_no_return,
            position: step_at,
            connector,
        })
    }

    fn check(
        &mut self,
        raw: RawCheck,
        path: &str,
        defaults: &Defaults,
        mirror: &Option<Mirror>,
    ) -> Option<Check> {
        let kind_path = field(path, "kind");
        let Some(kind) = CheckKind::from_name(&raw.kind) else {
            let kinds: Vec<&str> = CheckKind::ALL.iter().map(|k| k.name()).collect();
            self.error(
                self.at(&kind_path),
                format!(
                    "{kind_path}: unknown check kind `{}` (expected one of {})",
                    raw.kind,
                    kinds.join(", ")
                ),
            );
            return None;
        };
        let accepted = accepted_parameters(kind);
        let mut ok = true;
        for parameter in raw.set_parameters() {
            if !accepted.contains(&parameter) {
                let at = field(path, parameter);
                let takes = if accepted.is_empty() {
                    "only timeout and poll_interval".to_string()
                } else {
                    format!("{}, timeout, poll_interval", accepted.join(", "))
                };
                self.error(
                    self.at_key(&at),
                    format!("{at}: `{parameter}` does not apply to {kind} (it takes {takes})"),
                );
                ok = false;
            }
        }
        let timeout = self.duration_or(
            raw.timeout.as_deref(),
            &field(path, "timeout"),
            defaults.timeout,
        );
        let poll_interval = self.duration_or(
            raw.poll_interval.as_deref(),
            &field(path, "poll_interval"),
            defaults.poll_interval,
        );

        let cluster = if accepted.contains(&"cluster") {
            match raw.cluster.as_deref() {
                Some("source") => Some(Role::Source),
                Some("target") => Some(Role::Target),
                Some(other) => {
                    let at = field(path, "cluster");
                    self.error(
                        self.at(&at),
                        format!("{at}: unknown cluster `{other}` (expected source or target)"),
                    );
                    None
                }
                None => {
                    self.error(
                        self.at(&kind_path),
                        format!("{path}: {kind} needs `cluster: source` or `cluster: target`"),
                    );
                    None
                }
            }
        } else {
            None
        };
        let topics = self.selection(
            raw.topics.as_deref(),
            raw.exclude_topics.as_deref(),
            &defaults.topics,
            path,
            "topics",
        );
        let groups = self.selection(
            raw.groups.as_deref(),
            raw.exclude_groups.as_deref(),
            &defaults.groups,
            path,
            "groups",
        );
        let spec = match kind {
            CheckKind::LagZero => CheckSpec::LagZero {
                cluster: cluster?,
                groups,
                topics,
                max_lag: raw.max_lag.unwrap_or(0),
            },
            CheckKind::GroupInactive => {
                let cluster = cluster?;
                CheckSpec::GroupInactive {
                    cluster,
                    groups,
                    absent_ok: raw.absent_ok.unwrap_or(cluster == Role::Target),
                }
            }
            CheckKind::ProducersQuiet => CheckSpec::ProducersQuiet {
                cluster: cluster?,
                topics,
                window: self.duration_or(
                    raw.window.as_deref(),
                    &field(path, "window"),
                    DEFAULT_WINDOW,
                ),
            },
            CheckKind::MirrorCaughtUp => CheckSpec::MirrorCaughtUp {
                topics,
                connector: self.via(&raw, path)?,
            },
            CheckKind::ConnectorState => self.connector_state(&raw, path)?,
            CheckKind::OffsetsTranslated => {
                let method = self.method(raw.method.as_deref(), path, mirror)?;
                CheckSpec::OffsetsTranslated {
                    groups,
                    topics,
                    method,
                    exact: raw.exact.unwrap_or(true),
                }
            }
            CheckKind::TopicsMatch => {
                let mut configs = match raw.configs {
                    Some(list) => {
                        let at = field(path, "configs");
                        if list.is_empty() || list.iter().any(|c| c.trim().is_empty()) {
                            self.error(
                                self.at(&at),
                                format!("{at}: list config names, e.g. [retention.ms]"),
                            );
                        }
                        for (i, name) in list.iter().enumerate() {
                            if name.trim().is_empty() || topic_configs::is_known(name) {
                                continue;
                            }
                            let item = index(&at, i);
                            let hint = match topic_configs::did_you_mean(name) {
                                Some(known) => format!(": did you mean `{known}`?"),
                                None => String::new(),
                            };
                            self.error(
                                self.at(&item),
                                format!("{item}: `{name}` is not a Kafka topic config{hint} (a vendor or custom name goes in configs_extra)"),
                            );
                        }
                        list
                    }
                    None => DEFAULT_COMPARED_CONFIGS
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                };
                if let Some(extra) = raw.configs_extra {
                    let at = field(path, "configs_extra");
                    for (i, name) in extra.iter().enumerate() {
                        if name.trim().is_empty() {
                            self.error(
                                self.at(&index(&at, i)),
                                format!("{}: an empty config name", index(&at, i)),
                            );
                        } else if !configs.contains(name) {
                            configs.push(name.clone());
                        }
                    }
                }
                CheckSpec::TopicsMatch { topics, configs }
            }
            CheckKind::TailMatch => {
                let records = raw.records.unwrap_or(DEFAULT_TAIL_RECORDS);
                if records == 0 || records > MAX_TAIL_RECORDS {
                    let at = field(path, "records");
                    self.error(
                        self.at(&at),
                        format!("{at}: records must be between 1 and {MAX_TAIL_RECORDS}"),
                    );
                }
                CheckSpec::TailMatch { topics, records }
            }
            CheckKind::AclsMatch => {
                let principals = raw.principals.unwrap_or_default();
                for (i, principal) in principals.iter().enumerate() {
                    let valid = principal
                        .split_once(':')
                        .is_some_and(|(kind, name)| !kind.is_empty() && !name.is_empty());
                    if !valid {
                        let at = index(&field(path, "principals"), i);
                        self.error(
                            self.at(&at),
                            format!("{at}: a principal is TYPE:NAME, e.g. User:orders-svc (got `{principal}`)"),
                        );
                    }
                }
                let principal_map = self.principal_map(raw.principal_map, path);
                CheckSpec::AclsMatch {
                    topics,
                    groups,
                    principals,
                    principal_map,
                }
            }
            CheckKind::RecordCounts => {
                let offset_preserving = mirror
                    .as_ref()
                    .is_some_and(|m| m.engine == Engine::OffsetPreserving);
                let at = field(path, "max_extra_ratio");
                let max_extra_ratio = match raw.max_extra_ratio {
                    None if offset_preserving => 0.0,
                    None => DEFAULT_MAX_EXTRA_RATIO,
                    Some(r) if !(0.0..=1.0).contains(&r) => {
                        self.error(
                            self.at(&at),
                            format!("{at}: a ratio of extra records to source records is between 0 and 1 (0.01 allows 1% extra), got {r}"),
                        );
                        0.0
                    }
                    Some(r) if offset_preserving && r > 0.0 => {
                        self.error(
                            self.at(&at),
                            format!("{at}: mirror.engine is offset-preserving, which copies each record once at its offset: the counts must be equal, so max_extra_ratio must be 0 (got {r})"),
                        );
                        0.0
                    }
                    Some(r) => r,
                };
                CheckSpec::RecordCounts {
                    topics,
                    max_extra_ratio,
                    transactional: raw.transactional.unwrap_or(false),
                }
            }
            CheckKind::Command => {
                let run = raw.run.unwrap_or_default();
                if run.trim().is_empty() {
                    self.error(
                        self.at(&kind_path),
                        format!("{path}: command needs `run`, the shell command to execute"),
                    );
                }
                let expect_exit = raw.expect_exit.unwrap_or(0);
                if !(0..=255).contains(&expect_exit) {
                    let at = field(path, "expect_exit");
                    self.error(self.at(&at), format!("{at}: an exit status is 0 to 255"));
                }
                CheckSpec::Command { run, expect_exit }
            }
        };
        ok.then_some(Check {
            spec,
            allow_empty: raw.allow_empty.unwrap_or(defaults.allow_empty),
            timeout,
            poll_interval,
            position: self.at(path),
        })
    }

    /// `acls_match`'s `principal_map`: each entry has `from` or `from_regex` (not both) and
    /// `to`; principals are TYPE:NAME; a regex compiles and `to` uses only its captures.
    fn principal_map(
        &mut self,
        raw: Option<Vec<RawPrincipalMapping>>,
        path: &str,
    ) -> Vec<PrincipalMapping> {
        let Some(raw) = raw else {
            return Vec::new();
        };
        let list_at = field(path, "principal_map");
        if raw.is_empty() {
            self.error(
                self.at(&list_at),
                format!("{list_at}: an empty list maps nothing (remove it, or list {{from, to}} entries)"),
            );
        }
        let is_principal = |p: &str| {
            p.split_once(':')
                .is_some_and(|(kind, name)| !kind.is_empty() && !name.is_empty())
        };
        let mut out = Vec::new();
        for (i, entry) in raw.into_iter().enumerate() {
            let at = index(&list_at, i);
            let Some(to) = entry.to else {
                self.error(
                    self.at(&at),
                    format!(
                        "{at}: a mapping needs `to`, the principal on target (e.g. User:sa-12345)"
                    ),
                );
                continue;
            };
            let to_at = field(&at, "to");
            if !is_principal(&to) {
                self.error(
                    self.at(&to_at),
                    format!("{to_at}: a principal is TYPE:NAME, e.g. User:sa-12345 (got `{to}`)"),
                );
            }
            match (entry.from, entry.from_regex) {
                (Some(_), Some(_)) => {
                    let from_at = field(&at, "from_regex");
                    self.error(
                        self.at_key(&from_at),
                        format!("{at}: give `from` (one principal) or `from_regex`, not both"),
                    );
                }
                (None, None) => self.error(
                    self.at(&at),
                    format!(
                        "{at}: a mapping needs `from` (a principal) or `from_regex` (a pattern)"
                    ),
                ),
                (Some(from), None) => {
                    let from_at = field(&at, "from");
                    if !is_principal(&from) {
                        self.error(
                            self.at(&from_at),
                            format!("{from_at}: a principal is TYPE:NAME, e.g. User:CN=orders-app,OU=apps (got `{from}`)"),
                        );
                    }
                    if to.contains('$') {
                        self.error(
                            self.at(&to_at),
                            format!("{to_at}: `$` refers to a capture of from_regex; `from` is a literal principal"),
                        );
                    }
                    out.push(PrincipalMapping::Literal { from, to });
                }
                (None, Some(text)) => {
                    let from_at = field(&at, "from_regex");
                    match regex::Regex::new(&format!("^(?:{text})$")) {
                        Ok(from) => {
                            let captures = from.captures_len() - 1;
                            if let Some(bad) = capture_references(&to).into_iter().find(|r| {
                                match r.parse::<usize>() {
                                    Ok(n) => n > captures,
                                    Err(_) => !from.capture_names().flatten().any(|c| c == r),
                                }
                            }) {
                                self.error(
                                    self.at(&to_at),
                                    format!("{to_at}: `${bad}` refers to no capture of `{text}` (it has {captures})"),
                                );
                            }
                            out.push(PrincipalMapping::Regex { from, to });
                        }
                        Err(e) => {
                            let reason = e.to_string();
                            let reason = reason.lines().last().unwrap_or("invalid").trim();
                            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                            self.error(
                                self.at(&from_at),
                                format!("{from_at}: bad regex `{text}`: {reason}"),
                            );
                        }
                    }
                }
            }
        }
        out
    }

    fn method(
        &mut self,
        text: Option<&str>,
        path: &str,
        mirror: &Option<Mirror>,
    ) -> Option<TranslationMethod> {
        let engine = mirror.as_ref().map(|m| m.engine);
        let at = field(path, "method");
        let method = match text {
            None => return engine.map(Engine::default_translation),
            Some("checkpoints") => TranslationMethod::Checkpoints,
            Some("equal") => TranslationMethod::Equal,
            Some("content") => TranslationMethod::Content,
            Some(other) => {
                self.error(
                    self.at(&at),
                    format!(
                        "{at}: unknown method `{other}` (expected checkpoints, equal or content)"
                    ),
                );
                return None;
            }
        };
        if method == TranslationMethod::Checkpoints
            && engine.is_some_and(|e| e != Engine::Mirrormaker2)
        {
            self.error(
                self.at(&at),
                format!(
                    "{at}: method checkpoints reads MirrorMaker 2 checkpoints, but mirror.engine is {}",
                    engine.map(Engine::name).unwrap_or("none")
                ),
            );
            return None;
        }
        Some(method)
    }

    fn selection(
        &mut self,
        include: Option<&[String]>,
        exclude: Option<&[String]>,
        fallback: &Selection,
        path: &str,
        what: &str,
    ) -> Selection {
        Selection {
            include: match include {
                Some(list) => self.patterns(list, &field(path, what)),
                None => fallback.include.clone(),
            },
            exclude: match exclude {
                Some(list) => self.patterns(list, &field(path, &format!("exclude_{what}"))),
                None => fallback.exclude.clone(),
            },
        }
    }
}

/// The capture references in a replacement (`$1`, `${1}`, `$name`), as regex's `expand`
/// reads them; `$$` is a literal dollar.
fn capture_references(to: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = to;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
            continue;
        }
        let (name, after) = if let Some(braced) = rest.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", braced),
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if !name.is_empty() {
            out.push(name.to_string());
        }
        rest = after;
    }
    out
}

/// The parameters each kind takes besides timeout and poll_interval.
fn accepted_parameters(kind: CheckKind) -> &'static [&'static str] {
    match kind {
        CheckKind::LagZero => &[
            "cluster",
            "groups",
            "exclude_groups",
            "topics",
            "exclude_topics",
            "max_lag",
            "allow_empty",
        ],
        CheckKind::GroupInactive => &[
            "cluster",
            "groups",
            "exclude_groups",
            "absent_ok",
            "allow_empty",
        ],
        CheckKind::ProducersQuiet => &[
            "cluster",
            "topics",
            "exclude_topics",
            "window",
            "allow_empty",
        ],
        CheckKind::MirrorCaughtUp => &[
            "topics",
            "exclude_topics",
            "allow_empty",
            "via",
            "connect",
            "names",
        ],
        CheckKind::ConnectorState => &["connect", "names", "pattern", "state", "tasks"],
        CheckKind::OffsetsTranslated => &[
            "groups",
            "exclude_groups",
            "topics",
            "exclude_topics",
            "method",
            "exact",
            "allow_empty",
        ],
        CheckKind::TopicsMatch => &[
            "topics",
            "exclude_topics",
            "configs",
            "configs_extra",
            "allow_empty",
        ],
        CheckKind::TailMatch => &["topics", "exclude_topics", "records", "allow_empty"],
        CheckKind::AclsMatch => &[
            "topics",
            "exclude_topics",
            "groups",
            "exclude_groups",
            "principals",
            "principal_map",
            "allow_empty",
        ],
        CheckKind::RecordCounts => &[
            "topics",
            "exclude_topics",
            "max_extra_ratio",
            "transactional",
            "allow_empty",
        ],
        CheckKind::Command => &["run", "expect_exit"],
    }
}

fn valid_step_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Where relative paths in a runbook are resolved from.
pub fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
