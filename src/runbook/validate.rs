//! From the raw runbook to the validated model, collecting every problem with its position.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::defaults::*;
use super::diagnostic::{Diagnostic, Position};
use super::locate::{field, index, Locations};
use super::model::*;
use super::raw::*;
use super::secrets::Secrets;
use super::selection::{Pattern, Selection};

mod checks;
mod clusters;
mod connect;

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
