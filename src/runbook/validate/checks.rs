//! Validation of the checks: each kind's parameters, selections, translation methods and
//! principal mappings.

use super::super::defaults::*;
use super::super::locate::{field, index};
use super::super::model::*;
use super::super::raw::*;
use super::super::selection::Selection;
use super::super::topic_configs;
use super::Validator;

/// Bounds memory: both clusters' tails are held at once.
const MAX_TAIL_RECORDS: u32 = 100_000;

impl Validator<'_> {
    pub(super) fn check(
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
