//! `connector_state`: the selected Kafka Connect connectors (and with `tasks: all` every
//! one of their tasks) report the wanted state, read from `GET /connectors/{name}/status`.
//! One item per connector and one per task; the status body is kept on the connector item.

use std::time::{Duration, Instant};

use super::{Item, ItemStatus, Outcome};
use crate::connect::{Client, ConnectError, ConnectorStatus, WantedState};
use crate::runbook::{CheckSpec, Runbook};

/// Gather: the selection's names, then each status. Errors stay per connector.
pub fn run(spec: &CheckSpec, runbook: &Runbook) -> Outcome {
    let CheckSpec::ConnectorState {
        connect,
        selection,
        state,
        all_tasks,
    } = spec
    else {
        unreachable!("connector_state::run is called for connector_state checks only")
    };
    // Every request ends by the check's deadline (its timeout, or the step's when sooner),
    // not only each by the request timeout: one slow answer per connector adds up.
    let gathered = gather(
        runbook,
        connect,
        selection,
        runbook.defaults.request_timeout,
        crate::kafka::retry::deadline(),
    );
    match gathered {
        Ok(statuses) => evaluate(&statuses, *state, *all_tasks),
        Err(e) => Outcome::error(runbook.secrets.redact(&e.to_string())),
    }
}

pub type Gathered = Vec<(String, Result<ConnectorStatus, ConnectError>)>;

pub fn gather(
    runbook: &Runbook,
    connect: &str,
    selection: &crate::runbook::ConnectorSelection,
    timeout: Duration,
    deadline: Option<Instant>,
) -> Result<Gathered, ConnectError> {
    let endpoint = runbook
        .connect
        .get(connect)
        .expect("validated: the endpoint exists");
    let mut client = Client::new(endpoint, timeout, &runbook.secrets)?;
    if let Some(deadline) = deadline {
        client = client.until(deadline);
    }
    let names = client.select(selection)?;
    // An endpoint that cannot be reached (or refuses the credentials) is not asked again for
    // every connector: each would cost a request timeout.
    let mut fatal: Option<ConnectError> = None;
    Ok(names
        .into_iter()
        .map(|name| {
            if let Some(e) = &fatal {
                return (name, Err(e.clone()));
            }
            let status = client.status(&name);
            if let Err(e @ (ConnectError::Unreachable { .. } | ConnectError::Auth { .. })) = &status
            {
                fatal = Some(e.clone());
            }
            (name, status)
        })
        .collect())
}

/// Judge the statuses. Never a pass without at least one connector compared.
pub fn evaluate(statuses: &Gathered, wanted: WantedState, all_tasks: bool) -> Outcome {
    let word = wanted.connect_word();
    let mut items = Vec::new();
    for (name, status) in statuses {
        let item = Item::new(ItemStatus::Pass)
            .field("connector", name.as_str())
            .field("wanted", word);
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                let mut item = item.reason(e.to_string());
                item.status = ItemStatus::Error;
                if let ConnectError::NotFound { .. } = e {
                    item.status = ItemStatus::Fail;
                }
                items.push(item);
                continue;
            }
        };
        let connector_state = status.connector.state.as_str();
        let mut connector_item = item
            .clone()
            .values(serde_json::Value::Null, connector_state)
            .field("status_body", status.body.as_str());
        let reached = connector_state == word;
        let stopped_with_tasks =
            wanted == WantedState::Stopped && all_tasks && !status.tasks.is_empty();
        let no_tasks = wanted != WantedState::Stopped && all_tasks && status.tasks.is_empty();
        connector_item = if connector_state == "FAILED" {
            fail(
                connector_item,
                format!("connector is FAILED{}", trace(&status.connector.trace)),
            )
        } else if !reached {
            fail(
                connector_item,
                format!("connector is {connector_state}, not {word}"),
            )
        } else if stopped_with_tasks {
            fail(
                connector_item,
                format!(
                    "connector is STOPPED but lists {} task(s) (a stopped connector has none)",
                    status.tasks.len()
                ),
            )
        } else if no_tasks {
            fail(
                connector_item,
                format!(
                    "connector is {word} but reports no tasks: nothing to compare for tasks: all"
                ),
            )
        } else if wanted == WantedState::Stopped && status.tasks.is_empty() {
            connector_item.reason("STOPPED with zero tasks")
        } else {
            connector_item.reason(format!("connector is {word}"))
        };
        items.push(connector_item);
        for task in &status.tasks {
            let task_item = item
                .clone()
                .field("task", task.id)
                .values(serde_json::Value::Null, task.state.as_str());
            let task_item = if task.state == "FAILED" {
                fail(task_item, format!("task is FAILED{}", trace(&task.trace)))
            } else if !all_tasks {
                let mut t = task_item.reason("task state shown (tasks: all compares it)");
                t.status = ItemStatus::Info;
                t
            } else if wanted == WantedState::Stopped {
                fail(task_item, "a stopped connector has no tasks".into())
            } else if task.state != word {
                fail(task_item, format!("task is {}, not {word}", task.state))
            } else {
                task_item.reason(format!("task is {word}"))
            };
            items.push(task_item);
        }
    }
    if items.is_empty() {
        return Outcome::error("no connector selected: nothing was compared");
    }
    let connectors = statuses.len();
    Outcome::from_items(
        items,
        format!("{connectors} connector(s) {word}"),
        "connector/task items",
    )
}

fn fail(item: Item, reason: String) -> Item {
    let mut item = item.reason(reason);
    item.status = ItemStatus::Fail;
    item
}

fn trace(trace: &Option<String>) -> String {
    match trace.as_deref().and_then(|t| t.lines().next()) {
        Some(first) => format!(": {first}"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn body(connector: &str, tasks: &[&str]) -> ConnectorStatus {
        let tasks: Vec<String> = tasks
            .iter()
            .enumerate()
            .map(|(i, s)| format!(r#"{{"id":{i},"state":"{s}","worker_id":"w:8083"}}"#))
            .collect();
        let text = format!(
            r#"{{"name":"c","connector":{{"state":"{connector}","worker_id":"w:8083"}},"tasks":[{}],"type":"source"}}"#,
            tasks.join(",")
        );
        let mut s: ConnectorStatus = serde_json::from_str(&text).unwrap();
        s.body = text;
        s
    }

    #[test]
    fn nothing_selected_is_an_error_never_a_pass() {
        let outcome = evaluate(&Vec::new(), WantedState::Paused, true);
        assert_eq!(outcome.status, Status::Error);
    }

    #[test]
    fn paused_with_a_running_task_fails_only_with_tasks_all() {
        let gathered = vec![("c".to_string(), Ok(body("PAUSED", &["PAUSED", "RUNNING"])))];
        assert_eq!(
            evaluate(&gathered, WantedState::Paused, true).status,
            Status::Fail
        );
        let outcome = evaluate(&gathered, WantedState::Paused, false);
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.items.len(), 3);
    }

    #[test]
    fn stopped_with_tasks_all_needs_zero_tasks() {
        let ok = vec![("c".to_string(), Ok(body("STOPPED", &[])))];
        assert_eq!(
            evaluate(&ok, WantedState::Stopped, true).status,
            Status::Pass
        );
        let not = vec![("c".to_string(), Ok(body("STOPPED", &["PAUSED"])))];
        assert_eq!(
            evaluate(&not, WantedState::Stopped, true).status,
            Status::Fail
        );
    }

    #[test]
    fn a_failed_task_fails_even_without_tasks_all() {
        let gathered = vec![("c".to_string(), Ok(body("RUNNING", &["FAILED"])))];
        assert_eq!(
            evaluate(&gathered, WantedState::Running, false).status,
            Status::Fail
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_an_error() {
        let gathered = vec![(
            "c".to_string(),
            Err(ConnectError::Unreachable {
                endpoint: "mm2".into(),
                url: "http://x".into(),
                message: "Connection refused".into(),
            }),
        )];
        assert_eq!(
            evaluate(&gathered, WantedState::Running, false).status,
            Status::Error
        );
    }
}
