//! The demo's simulated mirror, served through Kafka Connect's REST shape, so the demo
//! runbook stops it with a `connector` action and proves it with `connector_state`, exactly
//! as a runbook does against a real MirrorMaker 2 on Connect.
//!
//! One connector, `old->new.MirrorSourceConnector`, with one task. `GET /connectors`,
//! `GET /connectors/{name}/status` (the body Connect returns), `PUT .../pause|resume` (202)
//! and `PUT .../stop` (204). Pause and stop switch the world's mirror off, resume on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::world::Controls;

pub const CONNECTOR: &str = "old->new.MirrorSourceConnector";

/// The environment variable the demo runbook's `connect:` URL comes from.
pub const URL_ENV: &str = "CUTOVER_DEMO_CONNECT";

/// Serve on 127.0.0.1 (an ephemeral port); returns the base URL.
pub fn serve(controls: Controls) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    // What the connector was asked to be when the mirror is off: PAUSED or STOPPED.
    let off = Arc::new(Mutex::new("PAUSED"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let controls = controls.clone();
            let off = off.clone();
            std::thread::spawn(move || answer(stream, &controls, &off));
        }
    });
    Ok(url)
}

fn answer(stream: TcpStream, controls: &Controls, off: &Mutex<&'static str>) {
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length.min(1 << 16)];
    let _ = reader.read_exact(&mut body);
    let mut words = request.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (code, reply) = route(method, path, controls, off);
    let reason = match code {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut text = format!("HTTP/1.1 {code} {reason}\r\nConnection: close\r\n");
    match reply {
        Some(json) => {
            text.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
                json.len()
            ));
        }
        None => text.push_str("Content-Length: 0\r\n\r\n"),
    }
    let mut stream = &stream;
    let _ = stream.write_all(text.as_bytes());
}

fn route(
    method: &str,
    path: &str,
    controls: &Controls,
    off: &Mutex<&'static str>,
) -> (u16, Option<String>) {
    use crate::connect::model::{ConnectorStatus, TaskState, WorkerState};
    let worker = Some("demo-connect:8083".to_string());
    let encoded = CONNECTOR.replace('>', "%3E");
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["connectors"]) => (200, Some(serde_json::json!([CONNECTOR]).to_string())),
        (_, ["connectors", name, verb]) if *name == encoded || *name == CONNECTOR => {
            match (method, *verb) {
                ("GET", "status") => {
                    let running = controls.control(&["expect", "mirror", "running"]).is_ok();
                    let state = if running {
                        "RUNNING"
                    } else {
                        *off.lock().expect("demo connect state")
                    };
                    let tasks = if state == "STOPPED" {
                        Vec::new()
                    } else {
                        vec![TaskState {
                            id: 0,
                            state: state.to_string(),
                            worker_id: worker.clone(),
                            trace: None,
                        }]
                    };
                    // Fields in Connect's order: name, connector, tasks, type.
                    let body = ConnectorStatus {
                        name: CONNECTOR.to_string(),
                        connector: WorkerState {
                            state: state.to_string(),
                            worker_id: worker,
                            trace: None,
                        },
                        tasks,
                        kind: Some("source".into()),
                        body: String::new(),
                    };
                    (200, serde_json::to_string(&body).ok())
                }
                ("PUT", "pause" | "stop") => {
                    *off.lock().expect("demo connect state") =
                        if *verb == "stop" { "STOPPED" } else { "PAUSED" };
                    let _ = controls.control(&["stop-mirror"]);
                    (if *verb == "stop" { 204 } else { 202 }, None)
                }
                ("PUT", "resume") => {
                    let _ = controls.control(&["start-mirror"]);
                    (202, None)
                }
                _ => (
                    405,
                    Some(
                        serde_json::json!({"error_code": 405, "message": "HTTP 405 Method Not Allowed"}).to_string(),
                    ),
                ),
            }
        }
        (_, ["connectors", name, ..]) => (
            404,
            Some(
                serde_json::json!({"error_code": 404, "message": format!("Connector {name} not found")}).to_string(),
            ),
        ),
        _ => (
            404,
            Some(serde_json::json!({"error_code": 404, "message": "HTTP 404 Not Found"}).to_string()),
        ),
    }
}
