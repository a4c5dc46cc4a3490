//! What `cutover init` reads from a MirrorMaker 2 configuration, whatever its format: the
//! replication flows, each with its two clusters, filters, policy and offset settings.

use super::filters::Filter;
use super::policy::Policy;
use super::{Origin, Sourced};

/// The configuration file, read.
#[derive(Debug)]
pub struct Setup {
    /// "MirrorMaker 2 properties" or "Strimzi KafkaMirrorMaker2 `name`".
    pub format: String,
    /// Every enabled flow, in file order.
    pub flows: Vec<Flow>,
    /// The line that lists the flows (`clusters`, `spec.mirrors`), for errors about them.
    pub line: Option<usize>,
}

/// One replication flow, source -> target, as its connectors run it.
#[derive(Debug)]
pub struct Flow {
    pub source: Endpoint,
    pub target: Endpoint,
    pub topics: Filter,
    pub topics_exclude: Filter,
    pub groups: Filter,
    pub groups_exclude: Filter,
    /// The policy of the source connector: how topics are named on the target.
    pub source_policy: Policy,
    /// The policy of the checkpoint connector: the checkpoints topic and the topic names
    /// inside checkpoints.
    pub checkpoint_policy: Policy,
    /// Whether each connector has its own config (Strimzi), so the source and checkpoint
    /// connectors may run different policies; false for a properties file.
    pub per_connector_policy: bool,
    pub sync_group_offsets: Sourced<String>,
    pub emit_checkpoints: Sourced<String>,
    pub checkpoint_interval: Sourced<String>,
    /// Problems found while reading the flow that do not stop generation.
    pub notes: Vec<Warning>,
}

impl Flow {
    pub fn name(&self) -> String {
        format!("{}->{}", self.source.alias.value, self.target.alias.value)
    }
}

/// One cluster of a flow and the client settings cutover needs to reach it.
#[derive(Debug)]
pub struct Endpoint {
    pub alias: Sourced<String>,
    pub bootstrap: Sourced<String>,
    /// librdkafka properties, already translated; values may be `${VAR}`.
    pub properties: Vec<Property>,
    /// The environment variables the properties use.
    pub variables: Vec<Variable>,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub key: String,
    pub value: String,
    /// Where the value came from, for its comment.
    pub comment: String,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    /// What to set it to, and where to find it.
    pub description: String,
}

/// A setting that makes a cutover unsafe, or that cutover could not carry over.
#[derive(Debug, Clone)]
pub struct Warning {
    pub origin: Origin,
    pub message: String,
}
