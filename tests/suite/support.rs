//! Test support: real tansu brokers and a builder for running the `cutover` binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tansu broker started by scripts/brokers.sh; stopped and deleted on drop.
pub struct Broker {
    pub name: String,
    pub bootstrap: String,
    pub dir: PathBuf,
}

impl Broker {
    /// Start a broker with SQLite storage (the default for every test).
    pub fn start(name: &str) -> Broker {
        Broker::start_with(name, &[])
    }

    pub fn start_with(name: &str, args: &[&str]) -> Broker {
        let vars = brokers_sh(&[&["start", name], args].concat());
        Broker {
            name: vars["BROKER_NAME"].clone(),
            bootstrap: vars["BROKER_BOOTSTRAP"].clone(),
            dir: PathBuf::from(&vars["BROKER_DIR"]),
        }
    }

    /// kill -9 the broker (tansu and its `timeout` parent); its data stays in `dir`.
    pub fn kill(&self) {
        brokers_sh(&["kill", self.dir.to_str().unwrap()]);
    }

    /// Start the broker of `dir` again: same port, same data, same cluster id.
    pub fn restart(&self) {
        self.restart_with(&[]);
    }

    /// Restart with other tansu arguments (e.g. `--authentication`).
    pub fn restart_with(&self, args: &[&str]) {
        let mut call = vec!["restart", self.dir.to_str().unwrap()];
        if !args.is_empty() {
            call.push("--");
            call.extend_from_slice(args);
        }
        self.restarted(brokers_sh(&call));
    }

    /// Restart serving TLS on the same port (`--tls`, or `--mtls` to also require a client
    /// certificate), with other tansu arguments; returns the test CA and client credentials.
    pub fn restart_tls(&self, mode: &str, args: &[&str]) -> Tls {
        let mut call = vec!["restart", self.dir.to_str().unwrap(), mode, "--"];
        call.extend_from_slice(args);
        let vars = self.restarted(brokers_sh(&call));
        let var = |key: &str| vars.get(key).cloned().unwrap_or_default();
        Tls {
            ca: var("BROKER_CA"),
            client_cert: var("BROKER_CLIENT_CERT"),
            client_key: var("BROKER_CLIENT_KEY"),
            client_key_password: var("BROKER_CLIENT_KEY_PASSWORD"),
        }
    }

    fn restarted(&self, vars: HashMap<String, String>) -> HashMap<String, String> {
        assert_eq!(
            vars["BROKER_BOOTSTRAP"], self.bootstrap,
            "a restarted broker keeps its port"
        );
        vars
    }
}

/// PEM files of a broker restarted with TLS (client ones empty unless `--mtls`).
pub struct Tls {
    pub ca: String,
    pub client_cert: String,
    pub client_key: String,
    pub client_key_password: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/brokers.sh"))
            .args(["stop", self.dir.to_str().unwrap()])
            .output();
    }
}

fn brokers_sh(args: &[&str]) -> HashMap<String, String> {
    let output = Command::new(repo_root().join("scripts/brokers.sh"))
        .args(args)
        .output()
        .expect("run scripts/brokers.sh");
    assert!(
        output.status.success(),
        "scripts/brokers.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The per-user state directory (cluster locks) the tests give cutover when run in `dir`.
pub fn user_state_dir(dir: &Path) -> PathBuf {
    dir.join(".cutover-user")
}

/// Runs the cutover binary, casey/just style: set it up, run it, assert on the outcome.
pub struct Test {
    args: Vec<String>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    remove_env: Vec<String>,
}

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            dir: repo_root(),
            env: Vec::new(),
            remove_env: Vec::new(),
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Test {
        self.dir = dir.to_path_buf();
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Test {
        self.remove_env.push(key.into());
        self
    }

    pub fn run(self) -> Outcome {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
        command.args(&self.args).current_dir(&self.dir);
        command.env("NO_COLOR", "1");
        // The cluster locks live in the per-user state directory: one per test directory,
        // so tests against the same (dead) bootstraps do not lock each other out.
        command.env("CUTOVER_USER_STATE_DIR", user_state_dir(&self.dir));
        command.env_remove("CUTOVER_STATE_DIR");
        for key in &self.remove_env {
            command.env_remove(key);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("run cutover");
        Outcome {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

impl Outcome {
    /// Stdout (the transcript) then stderr (errors, progress): for text that may be in either.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn expect_code(self, code: i32) -> Outcome {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The journal of every run under `dir/.cutover`, oldest run first, complete lines parsed (a
/// line being written is left out); none when no run started.
pub fn journals(dir: &Path) -> Vec<Vec<serde_json::Value>> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir.join(".cutover/runs"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    runs.sort();
    runs.iter()
        .map(|run| {
            std::fs::read_to_string(run.join("journal.jsonl"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()
        })
        .collect()
}

/// Every journal event of every run under `dir/.cutover`.
pub fn journal_events(dir: &Path) -> Vec<serde_json::Value> {
    journals(dir).into_iter().flatten().collect()
}

/// `cutover status` in `dir` says the newest run finished.
pub fn assert_finished(dir: &Path) {
    let status = Test::new()
        .current_dir(dir)
        .args(["status"])
        .run()
        .expect_code(0);
    assert!(
        status.stdout.contains("state:   finished"),
        "{}",
        status.stdout
    );
}

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The lines of a file (none when it does not exist).
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Three steps whose actions append a line to out.txt; each step verifies its own line. The
/// clusters are never asked anything (command checks only), so they need not exist.
pub fn appending_runbook(dir: &Path) -> PathBuf {
    let steps: String = ["one", "two", "three"]
        .iter()
        .map(|id| {
            format!(
                "      - id: {id}\n        run: echo {id} >> out.txt\n        undo: 'true'\n        verifies:\n          - kind: command\n            run: grep -qx {id} out.txt\n"
            )
        })
        .collect();
    write(
        dir,
        "append.yaml",
        &format!(
            "version: 1\nname: append\nclusters:\n  source: {{ bootstrap: '127.0.0.1:1' }}\n  target: {{ bootstrap: '127.0.0.1:2' }}\ndefaults:\n  poll_interval: 1s\n  timeout: 3s\ntiers:\n  - name: only\n    steps:\n{steps}"
        ),
    )
}

/// `cutover check --json` output read back as one value per check: each check's item lines
/// (`"type":"item"`) folded into its line as `items`, in the order checks listed them before
/// items were streamed (error, fail, pass, info; then group, topic, partition), without the
/// fields every item line repeats. Asserts the contract on the way (docs/checks.md): every
/// item line comes before its check's line, and the check's `item_counts` count them.
/// Returns the check and summary lines, in order.
pub fn check_json(stdout: &str) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let mut pending: std::collections::BTreeMap<u64, Vec<Value>> = Default::default();
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let mut value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{stdout}"));
        match value["type"].as_str() {
            Some("item") => {
                let index = value["index"].as_u64().expect("an item line has an index");
                let fields = value.as_object_mut().unwrap();
                for key in ["type", "index", "step", "phase", "kind", "cluster"] {
                    fields.remove(key);
                }
                pending.entry(index).or_default().push(value);
            }
            Some("check") => {
                let index = value["index"].as_u64().expect("a check line has an index");
                let mut items = pending.remove(&index).unwrap_or_default();
                let mut counts = serde_json::json!({"pass": 0, "fail": 0, "error": 0, "info": 0});
                for item in &items {
                    let status = item["status"].as_str().unwrap();
                    counts[status] = (counts[status].as_u64().unwrap() + 1).into();
                }
                assert_eq!(value["item_counts"], counts, "{stdout}");
                let rank = |s: &Value| match s.as_str().unwrap() {
                    "error" => 0,
                    "fail" => 1,
                    "pass" => 2,
                    _ => 3,
                };
                let text = |v: &Value| v.as_str().map(str::to_string);
                items.sort_by(|a, b| {
                    (
                        rank(&a["status"]),
                        text(&a["group"]),
                        text(&a["topic"]),
                        a["partition"].as_i64(),
                    )
                        .cmp(&(
                            rank(&b["status"]),
                            text(&b["group"]),
                            text(&b["topic"]),
                            b["partition"].as_i64(),
                        ))
                });
                value["items"] = Value::Array(items);
                lines.push(value);
            }
            _ => lines.push(value),
        }
    }
    assert!(
        pending.is_empty(),
        "item lines after their check's line, or of no check: {stdout}"
    );
    lines
}
