//! Validation of the Kafka Connect parts: `connect:` endpoints, `connector:` actions, the
//! `connector_state` check and `mirror_caught_up via: connector_offsets`.

use std::collections::BTreeMap;

use super::super::locate::field;
use super::super::model::*;
use super::super::raw::{RawCheck, RawConnect, RawStep};
use super::Validator;

impl Validator<'_> {
    pub(super) fn connect(
        &mut self,
        raw: BTreeMap<String, RawConnect>,
    ) -> BTreeMap<String, ConnectEndpoint> {
        let mut out = BTreeMap::new();
        for (name, endpoint) in raw {
            self.connect_names.push(name.clone());
            let path = field("connect", &name);
            let url_path = field(&path, "url");
            let url = self.setting(&endpoint.url, &url_path);
            if let Some(url) = url.as_ref().filter(|u| !self.unresolved(u)) {
                let scheme_ok =
                    url.value.starts_with("http://") || url.value.starts_with("https://");
                if !scheme_ok {
                    self.error(
                        self.at(&url_path),
                        format!("{url_path}: a Connect REST URL starts with http:// or https:// (e.g. https://mm2-connect:8083)"),
                    );
                }
            }
            let credential = |this: &mut Self, text: &Option<String>, key: &str| {
                let text = text.as_ref()?;
                let at = field(&path, key);
                let whole_reference = text.starts_with("${")
                    && text.ends_with('}')
                    && text.matches("${").count() == 1;
                if !whole_reference {
                    this.error(
                        this.at(&at),
                        format!("{at}: give the {key} as an environment variable reference, e.g. ${{CONNECT_{}}}, not literally", key.to_uppercase()),
                    );
                    return None;
                }
                this.setting(text, &at)
            };
            let username = credential(self, &endpoint.username, "username");
            let password = credential(self, &endpoint.password, "password");
            if endpoint.username.is_some() != endpoint.password.is_some() {
                self.error(
                    self.at_key(&path),
                    format!("{path}: basic auth needs both username and password"),
                );
            }
            let ca_location = endpoint.ca_location.as_ref().map(|ca| {
                let at = field(&path, "ca_location");
                let resolved = self.base_dir.join(ca);
                // Like the clusters' certificate files: it may exist only on the operator's
                // host, so validate warns; the Connect client refuses to start without it.
                if !resolved.is_file() {
                    self.warn(
                        self.at(&at),
                        format!(
                            "{at}: cannot read {} (a PEM CA certificate; connector actions and checks refuse to start without it)",
                            resolved.display()
                        ),
                    );
                }
                resolved
            });
            if let Some(url) = url {
                out.insert(
                    name.clone(),
                    ConnectEndpoint {
                        name,
                        url,
                        username,
                        password,
                        ca_location,
                    },
                );
            }
        }
        out
    }

    /// `connect`, `names` or `pattern`: which endpoint and which connectors.
    fn connectors(
        &mut self,
        connect: Option<&str>,
        names: Option<&[String]>,
        pattern: Option<&str>,
        path: &str,
        what: &str,
    ) -> Option<(String, ConnectorSelection)> {
        let Some(connect) = connect else {
            self.error(
                self.at_key(path),
                format!("{path}: {what} needs `connect`, the name of an endpoint under `connect:`"),
            );
            return None;
        };
        if !self.connect_names.iter().any(|n| n == connect) {
            let at = field(path, "connect");
            let known = if self.connect_names.is_empty() {
                "the runbook has no `connect:` section".to_string()
            } else {
                format!("known: {}", self.connect_names.join(", "))
            };
            self.error(
                self.at(&at),
                format!("{at}: unknown connect endpoint `{connect}` ({known})"),
            );
            return None;
        }
        let selection = match (names, pattern) {
            (Some(_), Some(_)) => {
                self.error(
                    self.at_key(&field(path, "pattern")),
                    format!("{path}: give `names` or `pattern`, not both"),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    self.at_key(path),
                    format!("{path}: {what} needs `names: [...]` or `pattern: REGEX`"),
                );
                return None;
            }
            (Some(names), None) => {
                let at = field(path, "names");
                if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) {
                    self.error(
                        self.at(&at),
                        format!("{at}: list connector names, e.g. [\"source->target.MirrorSourceConnector\"]"),
                    );
                    return None;
                }
                ConnectorSelection::Names(names.to_vec())
            }
            (None, Some(pattern)) => {
                let at = field(path, "pattern");
                match regex::Regex::new(&format!("^(?:{pattern})$")) {
                    Ok(regex) => ConnectorSelection::Pattern(regex),
                    Err(e) => {
                        self.error(self.at(&at), format!("{at}: invalid regex: {e}"));
                        return None;
                    }
                }
            }
        };
        Some((connect.to_string(), selection))
    }

    fn wanted_state(&mut self, state: Option<&str>, path: &str, what: &str) -> Option<WantedState> {
        let at = field(path, "state");
        match state {
            None => {
                self.error(
                    self.at_key(path),
                    format!("{path}: {what} needs `state: paused`, `stopped` or `running`"),
                );
                None
            }
            Some(text) => WantedState::from_name(text).or_else(|| {
                self.error(
                    self.at(&at),
                    format!("{at}: unknown state `{text}` (expected paused, stopped or running)"),
                );
                None
            }),
        }
    }

    /// A step's `connector:` action (None when absent or invalid; errors recorded).
    pub(super) fn connector_action(
        &mut self,
        raw: &RawStep,
        path: &str,
    ) -> Option<ConnectorAction> {
        let action = raw.connector.as_ref()?;
        let at = field(path, "connector");
        for (key, present) in [("run", raw.run.is_some()), ("undo", raw.undo.is_some())] {
            if present {
                let key_at = field(path, key);
                self.error(
                    self.at_key(&key_at),
                    format!(
                        "{key_at}: a step has one action, `connector:` or `run:`, and a connector action's undo is generated (remove `{key}`)"
                    ),
                );
            }
        }
        let selection = self.connectors(
            Some(&action.connect),
            action.names.as_deref(),
            action.pattern.as_deref(),
            &at,
            "a connector action",
        );
        let state = self.wanted_state(Some(&action.state), &at, "a connector action");
        let (connect, selection) = selection?;
        Some(ConnectorAction {
            connect,
            selection,
            state: state?,
        })
    }

    pub(super) fn connector_state(&mut self, raw: &RawCheck, path: &str) -> Option<CheckSpec> {
        let selection = self.connectors(
            raw.connect.as_deref(),
            raw.names.as_deref(),
            raw.pattern.as_deref(),
            path,
            "connector_state",
        );
        let state = self.wanted_state(raw.state.as_deref(), path, "connector_state");
        let all_tasks = match raw.tasks.as_deref() {
            None => false,
            Some("all") => true,
            Some(other) => {
                let at = field(path, "tasks");
                self.error(
                    self.at(&at),
                    format!("{at}: `tasks` takes `all` (every task must report the state), got `{other}`"),
                );
                return None;
            }
        };
        let (connect, selection) = selection?;
        Some(CheckSpec::ConnectorState {
            connect,
            selection,
            state: state?,
            all_tasks,
        })
    }

    /// `mirror_caught_up`'s `via`: Some(None) for the default (record comparison),
    /// Some(Some(..)) for `via: connector_offsets`, None after an error.
    pub(super) fn via(&mut self, raw: &RawCheck, path: &str) -> Option<Option<(String, String)>> {
        match raw.via.as_deref() {
            None => {
                for (key, present) in [
                    ("connect", raw.connect.is_some()),
                    ("names", raw.names.is_some()),
                ] {
                    if present {
                        let at = field(path, key);
                        self.error(
                            self.at_key(&at),
                            format!("{at}: `{key}` applies to mirror_caught_up only with `via: connector_offsets`"),
                        );
                        return None;
                    }
                }
                Some(None)
            }
            Some("connector_offsets") => {
                let (connect, selection) = self.connectors(
                    raw.connect.as_deref(),
                    raw.names.as_deref(),
                    None,
                    path,
                    "mirror_caught_up via connector_offsets",
                )?;
                match selection {
                    ConnectorSelection::Names(names) if names.len() == 1 => {
                        Some(Some((connect, names[0].clone())))
                    }
                    _ => {
                        let at = field(path, "names");
                        self.error(
                            self.at(&at),
                            format!("{at}: via connector_offsets reads one MirrorSourceConnector: name exactly one"),
                        );
                        None
                    }
                }
            }
            Some(other) => {
                let at = field(path, "via");
                self.error(
                    self.at(&at),
                    format!("{at}: unknown via `{other}` (expected connector_offsets)"),
                );
                None
            }
        }
    }
}
