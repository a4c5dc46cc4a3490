//! Kafka Connect's REST API: the few calls the `connector` action, the `connector_state`
//! check and `mirror_caught_up via: connector_offsets` need. All Connect I/O stays here, as
//! all Kafka I/O stays in `kafka/`.
//!
//! Written against the Connect REST API of Apache Kafka 3.5 to 3.9 (KIP-875 added `PUT
//! /connectors/{name}/stop`, the STOPPED state and `GET /connectors/{name}/offsets` in 3.5.0).
//! Status bodies (`ConnectorStateInfo` in Connect's `runtime.rest.entities`):
//!
//! ```json
//! {"name":"a","connector":{"state":"RUNNING","worker_id":"w:8083"},
//!  "tasks":[{"id":0,"state":"RUNNING","worker_id":"w:8083"}],"type":"source"}
//! ```
//!
//! A task in FAILED also has `trace`. Pause and resume answer 202 Accepted, stop 204 No
//! Content; a request that arrives while the workers rebalance answers 409 Conflict.

pub mod model;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::runbook::WantedState;
pub use model::ConnectorStatus;

use crate::runbook::{ConnectEndpoint, Secrets};

/// What went wrong talking to a Connect endpoint. The message names the endpoint (its
/// name in the runbook and its URL), never a credential.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    #[error("connect `{endpoint}` ({url}): cannot reach it: {message}")]
    Unreachable {
        endpoint: String,
        url: String,
        message: String,
    },
    #[error("connect `{endpoint}` ({url}): {status} {what} for {request} (check the username and password given for connect `{endpoint}`)")]
    Auth {
        endpoint: String,
        url: String,
        status: u16,
        what: &'static str,
        request: String,
    },
    #[error("connect `{endpoint}`: connector `{name}` not found (404): {body}")]
    NotFound {
        endpoint: String,
        name: String,
        body: String,
    },
    #[error(
        "connect `{endpoint}`: 409 Conflict for {request} (a rebalance is in progress): {body}"
    )]
    Rebalance {
        endpoint: String,
        request: String,
        body: String,
    },
    #[error("connect `{endpoint}`: {request} answered {status}: {body}")]
    Status {
        endpoint: String,
        request: String,
        status: u16,
        body: String,
    },
    #[error("connect `{endpoint}`: {request} answered a body that is not the JSON expected ({problem}): {body}")]
    NotJson {
        endpoint: String,
        request: String,
        problem: String,
        body: String,
    },
    #[error("connect `{endpoint}`: {message}")]
    Setup { endpoint: String, message: String },
}

impl ConnectError {
    /// Worth asking again before the timeout (a rebalance ends on its own).
    pub fn is_transient(&self) -> bool {
        matches!(self, ConnectError::Rebalance { .. })
    }
}

/// A body kept as evidence: at most this many characters.
const MAX_BODY: usize = 4000;

fn cut(body: &str) -> String {
    if body.chars().count() <= MAX_BODY {
        body.to_string()
    } else {
        let kept: String = body.chars().take(MAX_BODY).collect();
        format!("{kept}... (cut)")
    }
}

/// One Connect endpoint of the runbook.
pub struct Client {
    name: String,
    base: String,
    auth: Option<String>,
    agent: ureq::Agent,
    secrets: Secrets,
    timeout: Duration,
    /// No request runs past this (the step's deadline): each request's timeout is cut to it.
    deadline: Option<Instant>,
}

impl Client {
    /// `timeout` bounds each request (the runbook's `request_timeout`).
    pub fn new(
        endpoint: &ConnectEndpoint,
        timeout: Duration,
        secrets: &Secrets,
    ) -> Result<Client, ConnectError> {
        let setup = |message: String| ConnectError::Setup {
            endpoint: endpoint.name.clone(),
            message,
        };
        let mut tls = native_tls::TlsConnector::builder();
        if let Some(ca) = &endpoint.ca_location {
            let pem = std::fs::read(ca)
                .map_err(|e| setup(format!("cannot read ca_location {}: {e}", ca.display())))?;
            let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
                setup(format!(
                    "ca_location {} is not a PEM certificate: {e}",
                    ca.display()
                ))
            })?;
            tls.add_root_certificate(cert);
        }
        let tls = tls
            .build()
            .map_err(|e| setup(format!("cannot set up TLS: {e}")))?;
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            .tls_connector(Arc::new(tls))
            .redirects(0)
            .build();
        let auth = match (&endpoint.username, &endpoint.password) {
            (Some(user), Some(password)) => Some(format!(
                "Basic {}",
                base64(format!("{}:{}", user.value, password.value).as_bytes())
            )),
            _ => None,
        };
        Ok(Client {
            name: endpoint.name.clone(),
            base: endpoint.url.value.trim_end_matches('/').to_string(),
            auth,
            agent,
            secrets: secrets.clone(),
            timeout,
            deadline: None,
        })
    }

    /// Requests made from now on end by `deadline` (each one's timeout is cut to it).
    pub fn until(mut self, deadline: Instant) -> Client {
        self.deadline = Some(deadline);
        self
    }

    pub fn endpoint(&self) -> &str {
        &self.name
    }

    /// The URL as shown: secrets masked.
    fn shown_url(&self) -> String {
        self.secrets.redact(&self.base)
    }

    /// One request; Ok((status, body)) for 2xx, the error otherwise.
    fn request(
        &self,
        method: &str,
        path: &str,
        connector: Option<&str>,
    ) -> Result<(u16, String), ConnectError> {
        let url = format!("{}{path}", self.base);
        let request = format!("{method} {path}");
        let mut req = self.agent.request(method, &url);
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ConnectError::Unreachable {
                    endpoint: self.name.clone(),
                    url: self.shown_url(),
                    message: format!("{request} not sent: the deadline has passed"),
                });
            }
            req = req.timeout(left.min(self.timeout));
        }
        req = req.set("Accept", "application/json");
        if let Some(auth) = &self.auth {
            req = req.set("Authorization", auth);
        }
        let result = if method == "PUT" {
            req.send_bytes(&[])
        } else {
            req.call()
        };
        let redact = |s: &str| self.secrets.redact(s);
        match result {
            Ok(response) => {
                let status = response.status();
                let body = response
                    .into_string()
                    .map_err(|e| ConnectError::Unreachable {
                        endpoint: self.name.clone(),
                        url: self.shown_url(),
                        message: format!("reading the answer to {request}: {e}"),
                    })?;
                Ok((status, body))
            }
            Err(ureq::Error::Status(status, response)) => {
                let body = redact(&cut(&response.into_string().unwrap_or_default()));
                Err(match status {
                    401 | 403 => ConnectError::Auth {
                        endpoint: self.name.clone(),
                        url: self.shown_url(),
                        status,
                        what: if status == 401 {
                            "Unauthorized"
                        } else {
                            "Forbidden"
                        },
                        request,
                    },
                    404 if connector.is_some() => ConnectError::NotFound {
                        endpoint: self.name.clone(),
                        name: connector.unwrap_or_default().to_string(),
                        body,
                    },
                    409 => ConnectError::Rebalance {
                        endpoint: self.name.clone(),
                        request,
                        body,
                    },
                    _ => ConnectError::Status {
                        endpoint: self.name.clone(),
                        request,
                        status,
                        body,
                    },
                })
            }
            Err(ureq::Error::Transport(transport)) => {
                let mut message = transport.to_string();
                let mut source = std::error::Error::source(&transport);
                while let Some(s) = source {
                    let text = s.to_string();
                    if !message.contains(&text) {
                        message.push_str(": ");
                        message.push_str(&text);
                    }
                    source = s.source();
                }
                Err(ConnectError::Unreachable {
                    endpoint: self.name.clone(),
                    url: self.shown_url(),
                    message: redact(&message),
                })
            }
        }
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: &str,
        body: &str,
    ) -> Result<T, ConnectError> {
        serde_json::from_str(body).map_err(|e| ConnectError::NotJson {
            endpoint: self.name.clone(),
            request: request.to_string(),
            problem: e.to_string(),
            body: self.secrets.redact(&cut(body)),
        })
    }

    /// `GET /connectors`: every connector's name.
    pub fn list(&self) -> Result<Vec<String>, ConnectError> {
        let (_, body) = self.request("GET", "/connectors", None)?;
        self.json("GET /connectors", &body)
    }

    /// `GET /connectors/{name}/status`: the parsed body and the body as received.
    pub fn status(&self, name: &str) -> Result<ConnectorStatus, ConnectError> {
        let path = format!("/connectors/{}/status", encode(name));
        let (_, body) = self.request("GET", &path, Some(name))?;
        let request = format!("GET {path}");
        let mut status: ConnectorStatus = self.json(&request, &body)?;
        status.body = self.secrets.redact(&cut(body.trim()));
        Ok(status)
    }

    /// `PUT /connectors/{name}/pause|resume|stop`: the HTTP status (202 or 204).
    pub fn put(&self, name: &str, verb: &str) -> Result<u16, ConnectError> {
        let path = format!("/connectors/{}/{verb}", encode(name));
        let (status, _) = self.request("PUT", &path, Some(name))?;
        Ok(status)
    }

    /// `GET /connectors/{name}/offsets` (KIP-875, Kafka 3.5+).
    pub fn offsets(&self, name: &str) -> Result<model::ConnectorOffsets, ConnectError> {
        let path = format!("/connectors/{}/offsets", encode(name));
        let (_, body) = self.request("GET", &path, Some(name))?;
        self.json(&format!("GET {path}"), &body)
    }

    /// The connector names a selection means: the names as listed, or the pattern over
    /// `GET /connectors` (sorted). A pattern that matches nothing is an error: nothing to act on.
    pub fn select(&self, selection: &ConnectorSelection) -> Result<Vec<String>, ConnectError> {
        match selection {
            ConnectorSelection::Names(names) => Ok(names.clone()),
            ConnectorSelection::Pattern(regex) => {
                let mut names: Vec<String> = self
                    .list()?
                    .into_iter()
                    .filter(|n| regex.is_match(n))
                    .collect();
                names.sort();
                if names.is_empty() {
                    return Err(ConnectError::Setup {
                        endpoint: self.name.clone(),
                        message: format!(
                            "pattern `{}` matches no connector of GET /connectors",
                            regex.as_str()
                        ),
                    });
                }
                Ok(names)
            }
        }
    }
}

pub use crate::runbook::ConnectorSelection;

/// Percent-encode a connector name for a path segment (MM2's names hold `->`).
fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for the Basic authorization header.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    }

    #[test]
    fn mm2_connector_names_are_encoded_for_the_path() {
        assert_eq!(
            encode("source->target.MirrorSourceConnector"),
            "source-%3Etarget.MirrorSourceConnector"
        );
    }
}
