//! The runbook exactly as written: what serde_yaml_ng can check (syntax, field names,
//! types). Durations, regexes and check parameters stay as text here so that
//! `validate` can report every problem with its position, not only the first.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    pub version: u32,
    pub name: String,
    pub clusters: BTreeMap<String, RawCluster>,
    #[serde(default)]
    pub mirror: Option<RawMirror>,
    #[serde(default)]
    pub defaults: Option<RawDefaults>,
    /// Kafka Connect REST endpoints, by name (`connector` actions and checks name one).
    #[serde(default)]
    pub connect: BTreeMap<String, RawConnect>,
    pub tiers: Vec<RawTier>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnect {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_location: Option<String>,
}

/// A step's `connector:` action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnector {
    pub connect: String,
    pub names: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub state: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub bootstrap: String,
    pub cluster_id: Option<String>,
    pub properties_file: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, Scalar>,
}

/// A property value: YAML lets operators write `5000` or `true` unquoted.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Integer(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMirror {
    pub engine: super::model::Engine,
    pub source_alias: Option<String>,
    pub topic_naming: Option<super::model::TopicNaming>,
    pub separator: Option<String>,
    pub checkpoints_topic: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub topics: Option<Vec<String>>,
    pub exclude_topics: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub exclude_groups: Option<Vec<String>>,
    pub poll_interval: Option<String>,
    pub timeout: Option<String>,
    pub request_timeout: Option<String>,
    pub run_timeout: Option<String>,
    pub allow_empty: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub name: String,
    pub steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: String,
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub run: Option<String>,
    pub run_timeout: Option<String>,
    pub undo: Option<String>,
    #[serde(default)]
    pub undo_verifies: Vec<RawCheck>,
    #[serde(default)]
    pub requires: Vec<RawCheck>,
    #[serde(default)]
    pub verifies: Vec<RawCheck>,
    pub confirm: Option<String>,
    #[serde(default)]
    pub point_of_no_return: bool,
    /// A Kafka Connect action instead of `run`.
    #[serde(default)]
    pub connector: Option<RawConnector>,
}

/// Every parameter of every check kind; `validate` rejects the ones a kind does not take.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub kind: String,
    pub cluster: Option<String>,
    pub topics: Option<Vec<String>>,
    pub exclude_topics: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub exclude_groups: Option<Vec<String>>,
    pub timeout: Option<String>,
    pub poll_interval: Option<String>,
    pub max_lag: Option<u64>,
    pub window: Option<String>,
    pub method: Option<String>,
    pub exact: Option<bool>,
    pub configs: Option<Vec<String>>,
    pub configs_extra: Option<Vec<String>>,
    pub allow_empty: Option<bool>,
    pub absent_ok: Option<bool>,
    pub principals: Option<Vec<String>>,
    pub principal_map: Option<Vec<RawPrincipalMapping>>,
    pub max_extra_ratio: Option<f64>,
    pub transactional: Option<bool>,
    pub records: Option<u32>,
    pub run: Option<String>,
    pub expect_exit: Option<i32>,
    pub connect: Option<String>,
    pub names: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub state: Option<String>,
    pub tasks: Option<String>,
    pub via: Option<String>,
}

/// One `principal_map` entry: `from` (a principal) or `from_regex`, and `to`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrincipalMapping {
    pub from: Option<String>,
    pub from_regex: Option<String>,
    pub to: Option<String>,
}

impl RawCheck {
    /// The optional parameters that are set, by field name, for "does not apply" errors.
    pub fn set_parameters(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        let mut note = |present: bool, name: &'static str| {
            if present {
                set.push(name);
            }
        };
        note(self.cluster.is_some(), "cluster");
        note(self.topics.is_some(), "topics");
        note(self.exclude_topics.is_some(), "exclude_topics");
        note(self.groups.is_some(), "groups");
        note(self.exclude_groups.is_some(), "exclude_groups");
        note(self.max_lag.is_some(), "max_lag");
        note(self.window.is_some(), "window");
        note(self.method.is_some(), "method");
        note(self.exact.is_some(), "exact");
        note(self.configs.is_some(), "configs");
        note(self.configs_extra.is_some(), "configs_extra");
        note(self.allow_empty.is_some(), "allow_empty");
        note(self.absent_ok.is_some(), "absent_ok");
        note(self.principals.is_some(), "principals");
        note(self.principal_map.is_some(), "principal_map");
        note(self.max_extra_ratio.is_some(), "max_extra_ratio");
        note(self.transactional.is_some(), "transactional");
        note(self.records.is_some(), "records");
        note(self.run.is_some(), "run");
        note(self.expect_exit.is_some(), "expect_exit");
        note(self.connect.is_some(), "connect");
        note(self.names.is_some(), "names");
        note(self.pattern.is_some(), "pattern");
        note(self.state.is_some(), "state");
        note(self.tasks.is_some(), "tasks");
        note(self.via.is_some(), "via");
        set
    }
}
