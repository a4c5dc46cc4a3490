//! `cutover plan`: snapshots of every format, and the rollback plan's shape on a sample.

use crate::support::Test;
use crate::validate::SAMPLE_ENV;

fn plan(format: &str) -> String {
    let out = Test::new()
        .env("FIXTURE_SOURCE_BOOTSTRAP", "10.1.2.3:9093")
        .args(["plan", "tests/fixtures/plan.yaml", "--format", format])
        .run()
        .expect_code(0);
    for secret in [
        "10.1.2.3",
        "fixture-file-password",
        "fixture-literal-password",
    ] {
        assert!(
            !out.stdout.contains(secret),
            "{secret} leaked:\n{}",
            out.stdout
        );
    }
    out.stdout
}

#[test]
fn table_plan() {
    insta::assert_snapshot!(plan("table"));
}

#[test]
fn markdown_plan() {
    insta::assert_snapshot!(plan("markdown"));
}

#[test]
fn json_plan() {
    insta::assert_snapshot!(plan("json"));
}

/// The MM2 migration sample: three tiers, and a rollback that is their exact reverse with
/// every step either undone by a command or marked manual, and verified or marked unchecked.
#[test]
fn mm2_migration_rollback_is_the_exact_reverse() {
    let mut test = Test::new();
    for (key, value) in SAMPLE_ENV {
        test = test.env(key, value);
    }
    let out = test
        .args([
            "plan",
            "runbooks/openshift-mm2-migration.yaml",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let tiers: Vec<&str> = plan["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["upstream", "dam", "downstream"]);
    let forward: Vec<&str> = plan["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["steps"].as_array().unwrap())
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let mut backward: Vec<&str> = plan["rollback"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    backward.reverse();
    assert_eq!(forward, backward);
    assert!(plan["rollback"]["point_of_no_return"].is_string());

    let table = Test::new();
    let mut table = table;
    for (key, value) in SAMPLE_ENV {
        table = table.env(key, value);
    }
    let text = table
        .args(["plan", "runbooks/openshift-mm2-migration.yaml"])
        .run()
        .expect_code(0)
        .stdout;
    for needle in [
        "Tier 1 of 3: upstream",
        "Tier 2 of 3: dam",
        "Tier 3 of 3: downstream",
        "GENERATED ROLLBACK PLAN",
        "POINT OF NO RETURN",
        "MirrorMaker 2 mirrors one way",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}
