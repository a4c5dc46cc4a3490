//! `cutover demo`: unattended to the end with a report, and interactive in a real terminal.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{journal_events, Test};

#[test]
fn the_demo_runs_unattended_to_a_report_with_every_step_done() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let started = Instant::now();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["demo", "--yes", "--dir", demo_dir.to_str().unwrap()])
        .run()
        .expect_code(0);
    // A hang guard, not a timing assertion: the docs say "under two minutes".
    assert!(started.elapsed() < Duration::from_secs(240));
    let report = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Report: "))
        .unwrap_or_else(|| panic!("no report path:\n{}\n{}", out.stdout, out.stderr));
    let html = std::fs::read_to_string(dir.path().join(report)).unwrap();
    assert!(html.contains("finished"));
    let markdown = std::fs::read_to_string(dir.path().join(report).with_extension("md")).unwrap();
    let steps: Vec<&str> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("| step |"))
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert_eq!(steps.len(), 9, "{markdown}");
    assert!(steps.iter().all(|l| l.contains("| done |")), "{markdown}");
    assert!(
        out.stderr.contains("draining"),
        "the drain progress was not shown"
    );
    // The mirror is stopped through the Connect REST shape, proven by the read-back.
    assert!(
        out.stderr
            .contains("PUT /connectors/old->new.MirrorSourceConnector/stop: 204"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("PASS connector_state"),
        "{}",
        out.stderr
    );
    // The target was smoke-tested before the mirror ran: its offsets run ahead, so the groups
    // resume at translated offsets, not equal ones.
    let translated: Vec<(i64, i64)> = journal_events(&demo_dir)
        .into_iter()
        .filter(|e| e["kind"] == "offsets_translated" && e["status"] == "pass")
        .flat_map(|e| e["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| Some((i["source"].as_i64()?, i["target"].as_i64()?)))
        .collect();
    assert!(
        !translated.is_empty(),
        "no offsets_translated items journaled"
    );
    assert!(translated.iter().all(|(s, t)| t > s), "{translated:?}");
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Drive `cutover demo` in a real terminal (tmux): answer its prompts by keystroke and watch
/// the progress display.
#[test]
fn an_interactive_demo_shows_progress_bars_and_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let session = format!("cutover-demo-{}", std::process::id());
    let command = format!(
        "cd {} && CUTOVER_USER_STATE_DIR={}/user {} demo --dir demo; echo DEMO-EXIT=$?; sleep 120",
        dir.path().display(),
        dir.path().display(),
        env!("CARGO_BIN_EXE_cutover")
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "50",
        &command,
    ]);
    let guard = Session(session.clone());
    let started = Instant::now();
    let mut seen_spinner = false;
    let mut seen_prompt = false;
    let mut seen_lag = false;
    let mut answered = 0;
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "the demo did not finish"
        );
        std::thread::sleep(Duration::from_millis(300));
        let screen = tmux(&["capture-pane", "-p", "-t", &session]);
        seen_spinner |= screen
            .chars()
            .any(|c| ('\u{2800}'..='\u{28FF}').contains(&c));
        seen_lag |= screen.contains("remaining lag");
        if let Some(line) = screen.lines().rev().find(|l| l.contains("DEMO-EXIT=")) {
            assert!(line.contains("DEMO-EXIT=0"), "{screen}");
            break;
        }
        let last = screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if last.trim_end().ends_with("[y/N]") {
            seen_prompt = true;
            // Every answer needs Enter.
            tmux(&["send-keys", "-t", &session, "y", "Enter"]);
            answered += 1;
            std::thread::sleep(Duration::from_millis(300));
        } else if last.contains("Type the step id")
            || screen.contains("Type the step id `start-target-producers`") && last.ends_with(": ")
        {
            tmux(&[
                "send-keys",
                "-t",
                &session,
                "start-target-producers",
                "Enter",
            ]);
            answered += 1;
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    drop(guard);
    assert!(seen_prompt && answered >= 9, "prompts answered: {answered}");
    assert!(seen_spinner, "no progress spinner was drawn");
    assert!(seen_lag, "the drain progress was not shown");
    assert!(Path::new(&dir.path().join("demo/.cutover/runs")).exists());
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}
