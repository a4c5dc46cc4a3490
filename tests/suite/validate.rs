//! `cutover validate`: the sample runbooks pass; each broken runbook gives its exact lines.

use std::path::{Path, PathBuf};

use crate::support::{repo_root, Test};

fn files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap()
        .display()
        .to_string()
}

/// Variables the sample runbooks reference, with throwaway values.
pub const SAMPLE_ENV: [(&str, &str); 11] = [
    ("CUTOVER_DEMO_SOURCE", "127.0.0.1:9"),
    ("CUTOVER_DEMO_TARGET", "127.0.0.1:10"),
    ("CUTOVER_DEMO_CONNECT", "http://127.0.0.1:11"),
    ("SRC_PASSWORD", "example-source-password"),
    ("TGT_PASSWORD", "example-target-password"),
    ("CLOUD_API_KEY", "example-key"),
    ("CLOUD_API_SECRET", "example-secret"),
    ("DR_PASSWORD", "example-dr-password"),
    ("PROD_PASSWORD", "example-prod-password"),
    ("CONNECT_USER", "example-connect-user"),
    ("CONNECT_PASSWORD", "example-connect-password"),
];

fn with_sample_env(mut test: Test) -> Test {
    for (key, value) in SAMPLE_ENV {
        test = test.env(key, value);
    }
    test
}

#[test]
fn every_sample_runbook_is_valid() {
    let runbooks = files("runbooks", "yaml");
    assert!(
        runbooks.len() >= 4,
        "expected a sample runbook per seed scenario"
    );
    for runbook in runbooks {
        let out = with_sample_env(Test::new())
            .args(["validate", &relative(&runbook)])
            .run()
            .expect_code(0);
        assert!(out.stdout.contains(": valid: "), "{}", out.stdout);
    }
}

/// `validate --no-env` lints a runbook where its secrets are not set (a pull-request job):
/// every sample runbook and every runbook `cutover init` generates is valid with an empty
/// environment, each unset variable a note; without `--no-env` an unset one stays an error.
#[test]
fn no_env_validates_every_sample_and_generated_runbook_with_an_empty_environment() {
    let mut runbooks = files("runbooks", "yaml");
    runbooks.extend(
        files("tests/fixtures/init", "yaml")
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(".expected.yaml")),
    );
    let mut with_variables = 0;
    for runbook in runbooks {
        let text = std::fs::read_to_string(&runbook).unwrap();
        let mut test = Test::new();
        for (key, _) in SAMPLE_ENV {
            test = test.env_remove(key);
        }
        let out = test
            .args(["validate", "--no-env", &relative(&runbook)])
            .run()
            .expect_code(0);
        assert!(out.stdout.contains(": valid: "), "{}", out.stdout);
        assert!(
            !out.stderr.contains(": error: "),
            "{}: {}",
            runbook.display(),
            out.stderr
        );
        let uses_env = text.lines().any(|l| {
            let code = l.split(" #").next().unwrap_or("");
            code.contains("${") && !code.trim_start().starts_with('#')
        });
        if uses_env {
            with_variables += 1;
            assert!(
                out.stderr.contains(": note: ") && out.stderr.contains("is not set"),
                "{}: {}",
                runbook.display(),
                out.stderr
            );
            let mut strict = Test::new();
            for (key, _) in SAMPLE_ENV {
                strict = strict.env_remove(key);
            }
            strict
                .args(["validate", &relative(&runbook)])
                .run()
                .expect_code(2);
        }
    }
    assert!(
        with_variables >= 4,
        "{with_variables} runbooks use variables"
    );
}

/// Each tests/broken/X.yaml prints exactly tests/broken/X.expected on stderr and exits 2.
#[test]
fn every_broken_runbook_reports_its_exact_lines() {
    let broken = files("tests/broken", "yaml");
    assert!(broken.len() >= 12);
    for runbook in broken {
        let expected = std::fs::read_to_string(runbook.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{} has no .expected file", runbook.display()));
        let out = Test::new()
            .env_remove("CUTOVER_TEST_UNSET_PASSWORD")
            .args(["validate", &relative(&runbook)])
            .run()
            .expect_code(2);
        assert_eq!(out.stderr, expected, "{}", runbook.display());
        assert_eq!(out.stdout, "", "{}", runbook.display());
    }
}

#[test]
fn a_missing_runbook_file_is_an_error_not_a_panic() {
    let out = Test::new()
        .args(["validate", "tests/broken/does-not-exist.yaml"])
        .run()
        .expect_code(2);
    assert!(out
        .stderr
        .starts_with("tests/broken/does-not-exist.yaml:1:1: error: cannot read runbook:"));
}

#[test]
fn bad_usage_exits_2() {
    Test::new().args(["validate"]).run().expect_code(2);
    Test::new()
        .args(["plan", "x.yaml", "--format", "pdf"])
        .run()
        .expect_code(2);
    Test::new().args(["--help"]).run().expect_code(0);
}

#[test]
fn warnings_go_to_stderr_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("warn.yaml");
    std::fs::write(
        &runbook,
        "version: 1\nname: w\nclusters:\n  source: { bootstrap: 'a:1' }\n  target: { bootstrap: 'b:1' }\ntiers:\n  - name: t\n    steps:\n      - id: s\n        run: echo hi\n        point_of_no_return: true\n",
    )
    .unwrap();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["validate", "warn.yaml"])
        .run()
        .expect_code(0);
    assert_eq!(
        out.stderr,
        "warn.yaml:10:9: warning: step `s` has a run action but no undo: a rollback will make it a manual step\n\
         warn.yaml:11:29: warning: step `s` is the point of no return but has no verifies: nothing proves it worked before there is no way back\n"
    );
    assert_eq!(
        out.stdout,
        "warn.yaml: valid: \"w\", 1 tiers, 1 steps, 0 checks, 2 warnings\n"
    );
}

/// `allow_empty` in `defaults` applies to every selecting check that does not set it, a
/// check may turn it off again, and the plan says which checks accept an empty selection;
/// `absent_ok` defaults to true on target and shows in the plan.
#[test]
fn allow_empty_from_defaults_and_absent_ok_show_in_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("empty.yaml"),
        "version: 1\nname: e\nclusters:\n  source: { bootstrap: 'a:1' }\n  target: { bootstrap: 'b:1' }\ndefaults:\n  allow_empty: true\ntiers:\n  - name: t\n    steps:\n      - id: s\n        verifies:\n          - kind: mirror_caught_up\n          - kind: tail_match\n            allow_empty: false\n          - kind: group_inactive\n            cluster: target\n          - kind: group_inactive\n            cluster: source\n            groups: [billing]\n",
    )
    .unwrap();
    let out = Test::new()
        .current_dir(dir.path())
        .args(["plan", "empty.yaml", "--format", "json"])
        .run()
        .expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let lines: Vec<&str> = plan["tiers"][0]["steps"][0]["verifies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(
        lines[0].contains("an empty selection passes (allow_empty)"),
        "{}",
        lines[0]
    );
    assert!(!lines[1].contains("allow_empty"), "{}", lines[1]);
    assert!(
        lines[2].contains("absent ones are accepted: absent_ok"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("exist and have no members"),
        "{}",
        lines[3]
    );
}

/// No input makes the loader panic: every prefix of every runbook we ship, valid or not,
/// either loads or gives positioned errors.
#[test]
fn no_panic_on_any_prefix_of_any_runbook() {
    let mut inputs = files("runbooks", "yaml");
    inputs.extend(files("tests/broken", "yaml"));
    let env = |name: &str| {
        SAMPLE_ENV
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    for path in inputs {
        let text = std::fs::read_to_string(&path).unwrap();
        let base = path.parent().unwrap();
        let mut cut = 0;
        while cut <= text.len() {
            if text.is_char_boundary(cut) {
                let prefix = &text[..cut];
                match cutover::runbook::parse(Path::new("prefix.yaml"), prefix, base, &env) {
                    Ok(_) => {}
                    Err(invalid) => {
                        assert!(!invalid.0.is_empty());
                        for d in &invalid.0 {
                            assert!(d.position.line >= 1 && d.position.column >= 1, "{d}");
                        }
                    }
                }
            }
            cut += 7;
        }
    }
}
