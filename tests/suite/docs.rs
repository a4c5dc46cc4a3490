//! Every shell block marked `sh runnable` in the README and the tutorial works as written.

use std::path::Path;

use crate::support::repo_root;

/// The bodies of the ```sh runnable fenced blocks of a Markdown file.
fn runnable_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```sh runnable") => {
                current = Some(String::new())
            }
            Some(body) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(body));
                current = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn run_blocks(file: &str) -> usize {
    let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
    let blocks = runnable_blocks(&text);
    let bin = Path::new(env!("CARGO_BIN_EXE_cutover"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The tutorial's demo directory, one per test process: two suites running at once (two
    // checkouts) would otherwise share its control socket and journals.
    let demo_dir = std::env::temp_dir().join(format!(
        "cutover-tutorial-demo-{}-{}",
        std::process::id(),
        file.replace('/', "-")
    ));
    let _ = std::fs::remove_dir_all(&demo_dir);
    for block in &blocks {
        let block = block.replace(
            "/tmp/cutover-tutorial-demo",
            &demo_dir.display().to_string(),
        );
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &block])
            .current_dir(repo_root())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            // The run index and cluster locks of this test process, never the user's own.
            .env(
                "CUTOVER_USER_STATE_DIR",
                std::env::temp_dir().join(format!("cutover-docs-user-{}", std::process::id())),
            )
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: this block failed ({}):\n{block}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    blocks.len()
}

#[test]
fn the_readme_commands_work_as_written() {
    assert!(run_blocks("README.md") >= 1);
}

#[test]
fn the_tutorial_commands_work_as_written() {
    assert!(run_blocks("docs/tutorial.md") >= 2);
}
