//! The validated runbook: every value checked, every default applied.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::diagnostic::Position;
use super::secrets::Secrets;
use super::selection::Selection;

#[derive(Debug, Clone)]
pub struct Runbook {
    /// The file as the operator named it.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    pub version: u32,
    pub name: String,
    pub source: Cluster,
    pub target: Cluster,
    pub mirror: Mirror,
    pub defaults: Defaults,
    pub tiers: Vec<Tier>,
    /// Kafka Connect REST endpoints by name.
    pub connect: BTreeMap<String, ConnectEndpoint>,
    /// Values that must never be printed, journaled or reported.
    pub secrets: Secrets,
}

impl Runbook {
    pub fn cluster(&self, role: Role) -> &Cluster {
        match role {
            Role::Source => &self.source,
            Role::Target => &self.target,
        }
    }

    /// Every step in execution order.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.tiers.iter().flat_map(|tier| tier.steps.iter())
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().find(|step| step.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Source,
    Target,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Target => "target",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which checks of a step: before its action, after it, or after its undo (a rollback).
/// Written as the runbook's keys (`requires`, `verifies`, `undo_verifies`), also in the
/// journal's check events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Requires,
    Verifies,
    UndoVerifies,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Requires => "requires",
            Phase::Verifies => "verifies",
            Phase::UndoVerifies => "undo_verifies",
        }
    }
}

impl From<Phase> for String {
    fn from(phase: Phase) -> String {
        phase.name().to_string()
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Phase {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Phase::Requires, Phase::Verifies, Phase::UndoVerifies]
            .into_iter()
            .find(|phase| phase.name() == text)
            .ok_or_else(|| format!("unknown phase `{text}` (requires, verifies or undo_verifies)"))
    }
}

/// A value from the `clusters` section. When it came from `${VAR}` interpolation it is a
/// secret, and `shown` is the text as written (`${SRC_BOOTSTRAP}`) so output never needs
/// the value itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub shown: String,
    pub secret: bool,
}

/// A secret's value is never in `{:?}` output (a panic message, a test failure).
impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &str = if self.secret {
            super::secrets::MASK
        } else {
            &self.value
        };
        f.debug_struct("Setting")
            .field("value", &value)
            .field("shown", &self.shown)
            .field("secret", &self.secret)
            .finish()
    }
}

impl Setting {
    pub fn plain(value: impl Into<String>) -> Setting {
        let value = value.into();
        Setting {
            shown: value.clone(),
            value,
            secret: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub role: Role,
    pub bootstrap: Setting,
    pub cluster_id: Option<Setting>,
    /// The properties file, resolved against the runbook's directory: `value` is the path
    /// read, `shown` the path as written (a `${VAR}` stays a reference).
    pub properties_file: Option<Setting>,
    /// Client properties in librdkafka names: the file's, then the runbook's on top.
    pub properties: BTreeMap<String, Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub value: Setting,
    pub origin: PropertyOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyOrigin {
    File { path: PathBuf, line: usize },
    Runbook(Position),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    Mirrormaker2,
    OffsetPreserving,
    Replicator,
    None,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Mirrormaker2 => "mirrormaker2",
            Engine::OffsetPreserving => "offset-preserving",
            Engine::Replicator => "replicator",
            Engine::None => "none",
        }
    }

    /// How `offsets_translated` checks a group when the runbook does not say.
    pub fn default_translation(self) -> TranslationMethod {
        match self {
            Engine::Mirrormaker2 => TranslationMethod::Checkpoints,
            Engine::OffsetPreserving => TranslationMethod::Equal,
            Engine::Replicator | Engine::None => TranslationMethod::Content,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopicNaming {
    Identity,
    Prefixed,
}

#[derive(Debug, Clone)]
pub struct Mirror {
    pub engine: Engine,
    pub source_alias: Option<String>,
    pub topic_naming: TopicNaming,
    /// MM2's `replication.policy.separator` (default ".").
    pub separator: String,
    /// `<source_alias><sep>checkpoints<sep>internal` unless the runbook names it.
    pub checkpoints_topic: Option<String>,
}

impl Mirror {
    /// The name a source topic has on the target cluster.
    pub fn target_topic(&self, source_topic: &str) -> String {
        match (self.topic_naming, &self.source_alias) {
            (TopicNaming::Prefixed, Some(alias)) => {
                format!("{alias}{}{source_topic}", self.separator)
            }
            _ => source_topic.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Defaults {
    pub topics: Selection,
    pub groups: Selection,
    pub poll_interval: Duration,
    /// How often a wait prints a plain `waiting:` line where no progress bar can be drawn.
    pub progress_interval: Duration,
    pub timeout: Duration,
    pub request_timeout: Duration,
    pub run_timeout: Duration,
    /// `allow_empty` for every selecting check that does not set it.
    pub allow_empty: bool,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub tier: String,
    pub title: String,
    pub instructions: Option<String>,
    pub run: Option<String>,
    pub run_timeout: Duration,
    pub undo: Option<String>,
    pub undo_verifies: Vec<Check>,
    pub requires: Vec<Check>,
    pub verifies: Vec<Check>,
    pub confirm: Option<String>,
    pub point_of_no_return: bool,
    pub position: Position,
    /// A `connector:` action: `run` and `undo` then hold its description (for plans and
    /// prompts) and the engine runs this instead of a shell.
    pub connector: Option<ConnectorAction>,
}

/// A Kafka Connect REST endpoint (`connect:` in the runbook).
#[derive(Debug, Clone)]
pub struct ConnectEndpoint {
    pub name: String,
    pub url: Setting,
    pub username: Option<Setting>,
    pub password: Option<Setting>,
    /// A PEM CA certificate to trust for `https` (resolved against the runbook's directory).
    pub ca_location: Option<PathBuf>,
}

/// Which connectors: listed names, or a regex over `GET /connectors` (anchored).
#[derive(Debug, Clone)]
pub enum ConnectorSelection {
    Names(Vec<String>),
    Pattern(regex::Regex),
}

impl fmt::Display for ConnectorSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectorSelection::Names(names) => write!(f, "connector {}", names.join(", ")),
            ConnectorSelection::Pattern(regex) => {
                let text = regex.as_str();
                let inner = text
                    .strip_prefix("^(?:")
                    .and_then(|t| t.strip_suffix(")$"))
                    .unwrap_or(text);
                write!(f, "connectors matching /{inner}/")
            }
        }
    }
}

/// The states a runbook may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WantedState {
    Paused,
    Stopped,
    Running,
}

impl WantedState {
    pub fn name(self) -> &'static str {
        match self {
            WantedState::Paused => "paused",
            WantedState::Stopped => "stopped",
            WantedState::Running => "running",
        }
    }

    pub fn from_name(name: &str) -> Option<WantedState> {
        match name {
            "paused" => Some(WantedState::Paused),
            "stopped" => Some(WantedState::Stopped),
            "running" => Some(WantedState::Running),
            _ => None,
        }
    }
}

/// A step's `connector:` action.
#[derive(Debug, Clone)]
pub struct ConnectorAction {
    pub connect: String,
    pub selection: ConnectorSelection,
    pub state: WantedState,
}

impl ConnectorAction {
    /// What the forward action does, in the plan and prompts.
    pub fn describe(&self) -> String {
        format!(
            "connector {}: PUT {} on {}, then read the status back until {}",
            self.connect,
            self.state.verb(),
            self.selection,
            self.state.name()
        )
    }

    /// What the generated undo does.
    pub fn describe_undo(&self) -> String {
        format!(
            "connector {}: return {} to the state each had before the step (journaled), then read the status back",
            self.connect, self.selection
        )
    }
}

impl Step {
    /// A step with no shell action is done by hand.
    pub fn is_manual(&self) -> bool {
        self.run.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub spec: CheckSpec,
    /// An empty selection (only patterns, matching nothing) passes, and says so. Without
    /// it, a check with nothing to compare fails (docs/checks.md, the evidence rule).
    pub allow_empty: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    LagZero,
    GroupInactive,
    ProducersQuiet,
    MirrorCaughtUp,
    OffsetsTranslated,
    TopicsMatch,
    TailMatch,
    AclsMatch,
    RecordCounts,
    Command,
    ConnectorState,
}

impl CheckKind {
    pub const ALL: [CheckKind; 11] = [
        CheckKind::LagZero,
        CheckKind::GroupInactive,
        CheckKind::ProducersQuiet,
        CheckKind::MirrorCaughtUp,
        CheckKind::OffsetsTranslated,
        CheckKind::TopicsMatch,
        CheckKind::TailMatch,
        CheckKind::AclsMatch,
        CheckKind::RecordCounts,
        CheckKind::Command,
        CheckKind::ConnectorState,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::LagZero => "lag_zero",
            CheckKind::GroupInactive => "group_inactive",
            CheckKind::ProducersQuiet => "producers_quiet",
            CheckKind::MirrorCaughtUp => "mirror_caught_up",
            CheckKind::OffsetsTranslated => "offsets_translated",
            CheckKind::TopicsMatch => "topics_match",
            CheckKind::TailMatch => "tail_match",
            CheckKind::AclsMatch => "acls_match",
            CheckKind::RecordCounts => "record_counts",
            CheckKind::Command => "command",
            CheckKind::ConnectorState => "connector_state",
        }
    }

    pub fn from_name(name: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranslationMethod {
    Checkpoints,
    Equal,
    Content,
}

impl TranslationMethod {
    pub fn name(self) -> &'static str {
        match self {
            TranslationMethod::Checkpoints => "checkpoints",
            TranslationMethod::Equal => "equal",
            TranslationMethod::Content => "content",
        }
    }
}

/// One entry of `acls_match`'s `principal_map`: a source principal (or every source
/// principal a regex matches, whole name) and its name on the target (`$1`: a capture).
#[derive(Debug, Clone)]
pub enum PrincipalMapping {
    Literal { from: String, to: String },
    Regex { from: regex::Regex, to: String },
}

impl PrincipalMapping {
    /// The target name of `principal` if this mapping applies to it.
    pub fn apply(&self, principal: &str) -> Option<String> {
        match self {
            PrincipalMapping::Literal { from, to } => (from == principal).then(|| to.clone()),
            PrincipalMapping::Regex { from, to } => {
                let captures = from.captures(principal)?;
                let mut out = String::new();
                captures.expand(to, &mut out);
                Some(out)
            }
        }
    }

    /// The mapping as written: `User:a -> User:b`, `/User:CN=(.*)/ -> User:sa-$1`.
    pub fn describe(&self) -> String {
        match self {
            PrincipalMapping::Literal { from, to } => format!("{from} -> {to}"),
            PrincipalMapping::Regex { from, to } => {
                let text = from.as_str();
                let text = text
                    .strip_prefix("^(?:")
                    .and_then(|t| t.strip_suffix(")$"))
                    .unwrap_or(text);
                format!("/{text}/ -> {to}")
            }
        }
    }
}

/// The first mapping that applies renames `principal`; none: it stays as written.
pub fn map_principal(map: &[PrincipalMapping], principal: &str) -> String {
    map.iter()
        .find_map(|m| m.apply(principal))
        .unwrap_or_else(|| principal.to_string())
}

#[derive(Debug, Clone)]
pub enum CheckSpec {
    LagZero {
        cluster: Role,
        groups: Selection,
        topics: Selection,
        max_lag: u64,
    },
    GroupInactive {
        cluster: Role,
        groups: Selection,
        /// A selected group absent from the cluster's listing is information, not a
        /// failure (default: true on target, false on source).
        absent_ok: bool,
    },
    ProducersQuiet {
        cluster: Role,
        topics: Selection,
        window: Duration,
    },
    MirrorCaughtUp {
        topics: Selection,
        /// `via: connector_offsets`: (connect endpoint, MirrorSourceConnector name).
        connector: Option<(String, String)>,
    },
    OffsetsTranslated {
        groups: Selection,
        topics: Selection,
        method: TranslationMethod,
        exact: bool,
    },
    TopicsMatch {
        topics: Selection,
        /// Kafka topic-level config names (validated against `topic_configs::KNOWN`), then
        /// the runbook's `configs_extra` (custom names, not validated).
        configs: Vec<String>,
    },
    TailMatch {
        topics: Selection,
        records: u32,
    },
    AclsMatch {
        topics: Selection,
        groups: Selection,
        /// Only bindings of these source principals (`User:orders-svc`); empty: every
        /// principal.
        principals: Vec<String>,
        /// Applied in order to each source binding's principal before comparison; the first
        /// mapping that matches renames it (none: compared as written).
        principal_map: Vec<PrincipalMapping>,
    },
    RecordCounts {
        topics: Selection,
        /// Extra records on target allowed, as a share of the source's records in the
        /// common window (0 for offset-preserving engines: exact equality).
        max_extra_ratio: f64,
        /// The selected topics are written transactionally: count data records by reading
        /// the window instead of subtracting offsets (markers take offsets).
        transactional: bool,
    },
    Command {
        run: String,
        expect_exit: i32,
    },
    ConnectorState {
        connect: String,
        selection: ConnectorSelection,
        state: WantedState,
        /// `tasks: all`: every task must report the state too (stopped: zero tasks).
        all_tasks: bool,
    },
}

impl CheckSpec {
    pub fn kind(&self) -> CheckKind {
        match self {
            CheckSpec::LagZero { .. } => CheckKind::LagZero,
            CheckSpec::GroupInactive { .. } => CheckKind::GroupInactive,
            CheckSpec::ProducersQuiet { .. } => CheckKind::ProducersQuiet,
            CheckSpec::MirrorCaughtUp { .. } => CheckKind::MirrorCaughtUp,
            CheckSpec::OffsetsTranslated { .. } => CheckKind::OffsetsTranslated,
            CheckSpec::TopicsMatch { .. } => CheckKind::TopicsMatch,
            CheckSpec::TailMatch { .. } => CheckKind::TailMatch,
            CheckSpec::AclsMatch { .. } => CheckKind::AclsMatch,
            CheckSpec::RecordCounts { .. } => CheckKind::RecordCounts,
            CheckSpec::Command { .. } => CheckKind::Command,
            CheckSpec::ConnectorState { .. } => CheckKind::ConnectorState,
        }
    }

    /// The one cluster a single-cluster check looks at; None for two-cluster kinds and
    /// for `command`.
    pub fn cluster(&self) -> Option<Role> {
        match self {
            CheckSpec::LagZero { cluster, .. }
            | CheckSpec::GroupInactive { cluster, .. }
            | CheckSpec::ProducersQuiet { cluster, .. } => Some(*cluster),
            _ => None,
        }
    }
}
