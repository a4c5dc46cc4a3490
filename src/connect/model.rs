//! Connect's REST bodies, and the pure judgment of a status body against a wanted state.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runbook::WantedState;

/// `ConnectorStateInfo`: `GET /connectors/{name}/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: WorkerState,
    pub tasks: Vec<TaskState>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The body as received (secrets masked, long bodies cut): the evidence.
    #[serde(skip)]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerState {
    pub state: String,
    #[serde(default)]
    pub worker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    pub id: i32,
    pub state: String,
    #[serde(default)]
    pub worker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// `ConnectorOffsets` (KIP-875): `{"offsets":[{"partition":{...},"offset":{...}}]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConnectorOffsets {
    pub offsets: Vec<ConnectorOffset>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConnectorOffset {
    pub partition: serde_json::Map<String, Value>,
    #[serde(default)]
    pub offset: Option<serde_json::Map<String, Value>>,
}

impl ConnectorOffsets {
    /// MirrorSourceConnector's offsets (`MirrorUtils.wrapPartition`/`wrapOffset`: partition
    /// `{cluster, topic, partition}`, offset `{offset}`, the upstream offset of the last record
    /// replicated): (topic, partition) -> offset. Entries of other shapes are skipped, and
    /// so are entries of another source cluster than `source_alias` (when the runbook names
    /// it): a connector of another flow, or an old alias, must not stand in for this source.
    pub fn mirror_source(
        &self,
        source_alias: Option<&str>,
    ) -> std::collections::BTreeMap<(String, i32), i64> {
        let mut out = std::collections::BTreeMap::new();
        for entry in &self.offsets {
            let cluster = entry.partition.get("cluster").and_then(Value::as_str);
            if let (Some(alias), Some(cluster)) = (source_alias, cluster) {
                if alias != cluster {
                    continue;
                }
            }
            let topic = entry.partition.get("topic").and_then(Value::as_str);
            let partition = entry.partition.get("partition").and_then(Value::as_i64);
            let offset = entry
                .offset
                .as_ref()
                .and_then(|o| o.get("offset"))
                .and_then(Value::as_i64);
            if let (Some(t), Some(p), Some(o)) = (topic, partition, offset) {
                out.insert((t.to_string(), p as i32), o);
            }
        }
        out
    }
}

// `WantedState` is the runbook's (what a step asks for); what it means to Connect is here.
impl WantedState {
    /// Connect's word for it in status bodies.
    pub fn connect_word(self) -> &'static str {
        match self {
            WantedState::Paused => "PAUSED",
            WantedState::Stopped => "STOPPED",
            WantedState::Running => "RUNNING",
        }
    }

    /// The PUT that asks for it.
    pub fn verb(self) -> &'static str {
        match self {
            WantedState::Paused => "pause",
            WantedState::Stopped => "stop",
            WantedState::Running => "resume",
        }
    }

    /// The state a connector reports, as something to return it to (undo). UNASSIGNED and
    /// RESTARTING are on their way to running; FAILED cannot be returned to.
    pub fn from_connect(word: &str) -> Option<WantedState> {
        match word {
            "PAUSED" => Some(WantedState::Paused),
            "STOPPED" => Some(WantedState::Stopped),
            "RUNNING" | "UNASSIGNED" | "RESTARTING" => Some(WantedState::Running),
            _ => None,
        }
    }
}

/// What a status body says about a wanted state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Reached: the connector and (paused/running) every task report it; (stopped) the
    /// connector reports STOPPED with zero tasks.
    Reached,
    /// Not yet: still moving (the reason says what is missing).
    Pending(String),
    /// A FAILED connector or task: it will not get there by waiting.
    Failed(String),
}

impl ConnectorStatus {
    /// Judge the body against the wanted state: a paused or running connector that lists no
    /// tasks is pending (its tasks are not assigned yet), never reached.
    pub fn judge(&self, wanted: WantedState) -> Verdict {
        self.judge_tasks(wanted, true)
    }

    /// As `judge`; with `tasks_expected` false (the connector listed no tasks before the
    /// action either, e.g. a MirrorCheckpointConnector with no groups to checkpoint), a
    /// paused or running connector with no tasks has reached the state.
    pub fn judge_tasks(&self, wanted: WantedState, tasks_expected: bool) -> Verdict {
        let word = wanted.connect_word();
        if self.connector.state == "FAILED" {
            return Verdict::Failed(format!("connector `{}` is FAILED", self.name));
        }
        if let Some(task) = self.tasks.iter().find(|t| t.state == "FAILED") {
            return Verdict::Failed(format!(
                "task {} of connector `{}` is FAILED",
                task.id, self.name
            ));
        }
        if self.connector.state != word {
            return Verdict::Pending(format!(
                "connector `{}` is {}, not {word}",
                self.name, self.connector.state
            ));
        }
        match wanted {
            WantedState::Stopped => {
                if self.tasks.is_empty() {
                    Verdict::Reached
                } else {
                    Verdict::Pending(format!(
                        "connector `{}` is STOPPED but still lists {} task(s)",
                        self.name,
                        self.tasks.len()
                    ))
                }
            }
            WantedState::Paused | WantedState::Running => {
                if self.tasks.is_empty() && !tasks_expected {
                    return Verdict::Reached;
                }
                if self.tasks.is_empty() {
                    return Verdict::Pending(format!(
                        "connector `{}` is {word} but reports no tasks",
                        self.name
                    ));
                }
                let behind: Vec<String> = self
                    .tasks
                    .iter()
                    .filter(|t| t.state != word)
                    .map(|t| format!("task {} is {}", t.id, t.state))
                    .collect();
                if behind.is_empty() {
                    Verdict::Reached
                } else {
                    Verdict::Pending(format!(
                        "connector `{}` is {word} but {}",
                        self.name,
                        behind.join(", ")
                    ))
                }
            }
        }
    }

    /// One line: `RUNNING (tasks: 0 RUNNING, 1 PAUSED)`.
    pub fn summary(&self) -> String {
        if self.tasks.is_empty() {
            return format!("{} (no tasks)", self.connector.state);
        }
        let tasks: Vec<String> = self
            .tasks
            .iter()
            .map(|t| format!("{} {}", t.id, t.state))
            .collect();
        format!("{} (tasks: {})", self.connector.state, tasks.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status body as Connect's documentation shows it (docs/connect.html, "REST API":
    /// GET /connectors/{name}/status), with the task's trace on FAILED, plus the `type` that
    /// `ConnectorStateInfo` (connect/runtime, rest/entities) has carried since Kafka 2.0.
    const RECORDED: &str = r#"{
        "name": "hdfs-sink-connector",
        "connector": {"state": "RUNNING", "worker_id": "fakehost:8083"},
        "tasks": [
            {"id": 0, "state": "RUNNING", "worker_id": "fakehost:8083"},
            {"id": 1, "state": "FAILED", "worker_id": "fakehost:8083", "trace": "org.apache.kafka.common.errors.RecordTooLargeException\n"}
        ],
        "type": "sink"
    }"#;

    fn status(body: &str) -> ConnectorStatus {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn a_recorded_body_parses_and_a_failed_task_fails_every_wanted_state() {
        let s = status(RECORDED);
        assert_eq!(s.kind.as_deref(), Some("sink"));
        assert_eq!(
            s.tasks[1].trace.as_deref().map(str::trim),
            Some("org.apache.kafka.common.errors.RecordTooLargeException")
        );
        for wanted in [
            WantedState::Paused,
            WantedState::Running,
            WantedState::Stopped,
        ] {
            assert!(matches!(s.judge(wanted), Verdict::Failed(_)), "{wanted:?}");
        }
    }

    #[test]
    fn a_body_without_type_from_an_older_connect_parses() {
        let s = status(
            r#"{"name":"a","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w:8083"}]}"#,
        );
        assert_eq!(s.kind, None);
        assert_eq!(s.judge(WantedState::Running), Verdict::Reached);
    }

    #[test]
    fn paused_needs_the_connector_and_every_task() {
        let s = status(
            r#"{"name":"a","connector":{"state":"PAUSED","worker_id":"w"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"w"},{"id":1,"state":"RUNNING","worker_id":"w"}],"type":"source"}"#,
        );
        assert_eq!(
            s.judge(WantedState::Paused),
            Verdict::Pending("connector `a` is PAUSED but task 1 is RUNNING".into())
        );
        let s = status(
            r#"{"name":"a","connector":{"state":"PAUSED","worker_id":"w"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"w"}],"type":"source"}"#,
        );
        assert_eq!(s.judge(WantedState::Paused), Verdict::Reached);
        let s = status(
            r#"{"name":"a","connector":{"state":"PAUSED","worker_id":"w"},"tasks":[],"type":"source"}"#,
        );
        assert!(matches!(s.judge(WantedState::Paused), Verdict::Pending(_)));
        // A connector that had no tasks before the action either.
        assert_eq!(s.judge_tasks(WantedState::Paused, false), Verdict::Reached);
    }

    #[test]
    fn stopped_needs_zero_tasks() {
        let s = status(
            r#"{"name":"a","connector":{"state":"STOPPED","worker_id":"w"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"w"}],"type":"source"}"#,
        );
        assert!(matches!(s.judge(WantedState::Stopped), Verdict::Pending(_)));
        let s = status(
            r#"{"name":"a","connector":{"state":"STOPPED","worker_id":"w"},"tasks":[],"type":"source"}"#,
        );
        assert_eq!(s.judge(WantedState::Stopped), Verdict::Reached);
    }

    #[test]
    fn mirror_source_offsets_in_the_kip_875_shape() {
        let body = r#"{"offsets":[
            {"partition":{"cluster":"source","partition":0,"topic":"orders"},"offset":{"offset":41}},
            {"partition":{"cluster":"source","partition":1,"topic":"orders"},"offset":{"offset":7}},
            {"partition":{"kafka_topic":"x","kafka_partition":0},"offset":{"kafka_offset":3}}
        ]}"#;
        let offsets: ConnectorOffsets = serde_json::from_str(body).unwrap();
        let map = offsets.mirror_source(Some("source"));
        assert_eq!(map.len(), 2);
        assert_eq!(map[&("orders".to_string(), 0)], 41);
        assert_eq!(map[&("orders".to_string(), 1)], 7);
    }

    #[test]
    fn offsets_of_another_source_cluster_never_stand_in_for_this_one() {
        // A connector of the other flow (or an old alias) holds the same topic and partition.
        let body = r#"{"offsets":[
            {"partition":{"cluster":"dc2","partition":0,"topic":"orders"},"offset":{"offset":99}},
            {"partition":{"cluster":"dc1","partition":0,"topic":"orders"},"offset":{"offset":41}}
        ]}"#;
        let offsets: ConnectorOffsets = serde_json::from_str(body).unwrap();
        assert_eq!(
            offsets.mirror_source(Some("dc1"))[&("orders".to_string(), 0)],
            41
        );
        assert!(offsets.mirror_source(Some("dc3")).is_empty());
    }
}
