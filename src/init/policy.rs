//! Replication policy: how MirrorMaker 2 names topics and its checkpoints topic on the target.
//!
//! Mirrors DefaultReplicationPolicy and IdentityReplicationPolicy of Apache Kafka's
//! connect/mirror-client (and Strimzi's legacy io.strimzi.kafka.connect.mirror
//! IdentityReplicationPolicy, which only extends Kafka's since 3.0):
//! - `formatRemoteTopic`: `alias + separator + topic` (Default); the topic itself (Identity);
//! - `checkpointsTopic(alias)`: `alias + s + "checkpoints" + s + "internal"` for both, where `s`
//!   is the separator, or `.` when `replication.policy.internal.topic.separator.enabled` is
//!   false. DefaultReplicationPolicy.configure reads that setting only when a separator is set.

use super::Sourced;

pub const DEFAULT_POLICY: &str = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
pub const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
pub const STRIMZI_IDENTITY_POLICY: &str =
    "io.strimzi.kafka.connect.mirror.IdentityReplicationPolicy";

pub const CLASS: &str = "replication.policy.class";
pub const SEPARATOR: &str = "replication.policy.separator";
pub const INTERNAL_SEPARATOR: &str = "replication.policy.internal.topic.separator.enabled";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// DefaultReplicationPolicy: `<alias><separator><topic>` on the target.
    Prefixed,
    /// IdentityReplicationPolicy: the same name on the target.
    Identity,
}

/// The replication policy settings one connector runs with.
#[derive(Debug, Clone)]
pub struct Policy {
    pub class: Sourced<String>,
    /// None when not set (the policy's default, `.`).
    pub separator: Option<Sourced<String>>,
    /// None when not set (default true).
    pub internal_separator: Option<Sourced<String>>,
}

impl Policy {
    /// The naming of `class`, or an error for a class cutover does not know.
    pub fn naming(&self) -> Result<Naming, String> {
        naming_of(&self.class.value)
    }

    pub fn separator(&self) -> &str {
        self.separator.as_ref().map_or(".", |s| s.value.as_str())
    }

    /// Whether the checkpoints and offset-syncs topics use the separator (Java
    /// Boolean.parseBoolean: only "true", any case, is true).
    pub fn internal_separator_enabled(&self) -> bool {
        match (&self.separator, &self.internal_separator) {
            (Some(_), Some(flag)) => flag.value.trim().eq_ignore_ascii_case("true"),
            _ => true,
        }
    }

    /// The topic MirrorMaker 2's checkpoint connector writes on the target.
    pub fn checkpoints_topic(&self, source_alias: &str) -> String {
        let s = if self.internal_separator_enabled() {
            self.separator()
        } else {
            "."
        };
        format!("{source_alias}{s}checkpoints{s}internal")
    }

    /// Same class, separator and internal-separator behaviour.
    pub fn same_as(&self, other: &Policy) -> bool {
        naming_of(&self.class.value).ok() == naming_of(&other.class.value).ok()
            && self.class.value.trim() == other.class.value.trim()
            && self.separator() == other.separator()
            && self.internal_separator_enabled() == other.internal_separator_enabled()
    }
}

pub fn naming_of(class: &str) -> Result<Naming, String> {
    match class.trim() {
        DEFAULT_POLICY => Ok(Naming::Prefixed),
        IDENTITY_POLICY | STRIMZI_IDENTITY_POLICY => Ok(Naming::Identity),
        other => Err(format!(
            "replication policy `{other}` is not one cutover knows ({DEFAULT_POLICY}, {IDENTITY_POLICY} or {STRIMZI_IDENTITY_POLICY}): write mirror.topic_naming and mirror.checkpoints_topic by hand"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Origin;

    fn policy(class: &str, separator: Option<&str>, internal: Option<&str>) -> Policy {
        let at = |v: &str| Sourced::new(v.to_string(), Origin::line(1, "x"));
        Policy {
            class: at(class),
            separator: separator.map(at),
            internal_separator: internal.map(at),
        }
    }

    #[test]
    fn default_policy_default_separator() {
        let p = policy(DEFAULT_POLICY, None, None);
        assert_eq!(p.naming(), Ok(Naming::Prefixed));
        assert_eq!(p.checkpoints_topic("old"), "old.checkpoints.internal");
    }

    #[test]
    fn default_policy_custom_separator() {
        let p = policy(DEFAULT_POLICY, Some("_"), None);
        assert_eq!(p.separator(), "_");
        assert_eq!(p.checkpoints_topic("old"), "old_checkpoints_internal");
    }

    #[test]
    fn internal_separator_disabled_keeps_dots() {
        let p = policy(DEFAULT_POLICY, Some("_"), Some("false"));
        assert_eq!(p.checkpoints_topic("old"), "old.checkpoints.internal");
        // Java Boolean.parseBoolean: anything but "true" is false.
        let p = policy(DEFAULT_POLICY, Some("_"), Some("no"));
        assert_eq!(p.checkpoints_topic("old"), "old.checkpoints.internal");
        let p = policy(DEFAULT_POLICY, Some("_"), Some("TRUE"));
        assert_eq!(p.checkpoints_topic("old"), "old_checkpoints_internal");
    }

    #[test]
    fn internal_separator_without_separator_is_ignored() {
        // DefaultReplicationPolicy.configure reads it only inside `if separator set`.
        let p = policy(DEFAULT_POLICY, None, Some("false"));
        assert_eq!(p.checkpoints_topic("a"), "a.checkpoints.internal");
    }

    #[test]
    fn identity_policies_name_checkpoints_like_default() {
        for class in [IDENTITY_POLICY, STRIMZI_IDENTITY_POLICY] {
            let p = policy(class, None, None);
            assert_eq!(p.naming(), Ok(Naming::Identity));
            assert_eq!(p.checkpoints_topic("dc1"), "dc1.checkpoints.internal");
            let p = policy(class, Some("-"), None);
            assert_eq!(p.checkpoints_topic("dc1"), "dc1-checkpoints-internal");
            let p = policy(class, Some("-"), Some("false"));
            assert_eq!(p.checkpoints_topic("dc1"), "dc1.checkpoints.internal");
        }
    }

    #[test]
    fn unknown_policy_is_an_error() {
        let p = policy("com.example.MyPolicy", None, None);
        assert!(p.naming().unwrap_err().contains("com.example.MyPolicy"));
    }
}
