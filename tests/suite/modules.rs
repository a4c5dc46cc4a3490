//! Module walls (issue 15): the top-level modules of src/ import each other one way. Each
//! file's `crate::X` paths (in `use` lines, groups `crate::{a, b::c}` and inline paths) are
//! edges from its top-level module to X; any circle between top-level modules fails, named
//! with its path (cli/commands, plan/rollback, checks/engine, journal/engine, runbook/connect,
//! ...). A module's files may use each other freely (`super::`): only the walls are checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo_root;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Edges that still exist on this branch and are being removed elsewhere: the `errors`
/// branch (issue 15) takes cli.rs's clap types into the command files and moves what
/// session.rs and demo/ call in commands/ below them. Remove each line when its edge is gone
/// (the test says so): the list may only shrink.
/// Edges that break a wall and are still to be removed (none left: issue 15 removed
/// commands -> cli, session -> commands and demo -> commands).
const KNOWN: &[(&str, &str)] = &[];

/// Leading identifier of a path: `engine::action::run` -> `engine`.
fn head(path: &str) -> &str {
    let end = path
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(path.len());
    &path[..end]
}

/// The top-level modules a file's text names through `crate::`.
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the heads of the top-level items.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[i..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(head(&group[i..]).to_string());
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(head(rest).to_string());
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// src/'s top-level modules and the edges between them.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top = |path: &Path| -> String {
        let first = path.strip_prefix(src).unwrap().components().next().unwrap();
        let name = first.as_os_str().to_str().unwrap();
        name.strip_suffix(".rs").unwrap_or(name).to_string()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top(f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let from = top(file);
        if !modules.contains(&from) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for to in imports(&text) {
            // Macros (`crate::outln!`) and `crate::` alone name no module.
            if to != from && modules.contains(&to) {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    graph
}

/// A path from `from` to `to`, if there is one.
fn path(graph: &Graph, from: &str, to: &str) -> Option<Vec<String>> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        for next in graph.get(at).into_iter().flatten() {
            if next == from || previous.contains_key(next.as_str()) {
                continue;
            }
            previous.insert(next, at);
            if next == to {
                let mut out = vec![to.to_string()];
                let mut back = to;
                while back != from {
                    back = previous[back];
                    out.push(back.to_string());
                }
                out.reverse();
                return Some(out);
            }
            queue.push_back(next);
        }
    }
    None
}

/// Every circle, once per edge that closes it: `a -> b -> ... -> a`.
fn circles(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in graph {
        for to in tos {
            if let Some(back) = path(graph, to, from) {
                out.push(format!("{from} -> {}", back.join(" -> ")));
            }
        }
    }
    out
}

#[test]
fn the_parser_sees_uses_groups_and_inline_paths_but_not_comments() {
    let text = "use crate::checks::{self, Clusters};\nuse crate::{journal::rundir, output, plan::{describe, render}};\n// crate::report in a comment\nlet x = crate::kafka::retry::deadline();\ncrate::outln!(\"x\");\n";
    let found: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(
        found,
        ["checks", "journal", "kafka", "outln", "output", "plan"]
    );
}

#[test]
fn a_circle_is_found_and_named() {
    let graph: Graph = [
        ("a", &["b"][..]),
        ("b", &["c"]),
        ("c", &["a"]),
        ("d", &["a"]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_string(), to.iter().map(|t| t.to_string()).collect()))
    .collect();
    let found = circles(&graph);
    assert!(found.contains(&"a -> b -> c -> a".to_string()), "{found:?}");
    assert_eq!(found.len(), 3, "one per edge of the circle: {found:?}");
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let mut graph = graph(&repo_root().join("src"));
    // The parser reads the real tree: the data flow's main edges are there.
    for (from, to) in [
        ("engine", "checks"),
        ("engine", "journal"),
        ("checks", "kafka"),
        ("plan", "runbook"),
        ("report", "journal"),
    ] {
        assert!(
            graph[from].contains(to),
            "{from} -> {to} not seen: {graph:?}"
        );
    }
    for (from, to) in KNOWN {
        assert!(
            graph.get_mut(*from).unwrap().remove(*to),
            "{from} -> {to} is gone: remove it from KNOWN in tests/suite/modules.rs"
        );
    }
    let found = circles(&graph);
    assert!(
        found.is_empty(),
        "import circles between top-level modules of src/:\n{}",
        found.join("\n")
    );
    // The walls of issue 15, one way, named so a regression says which one: the first never
    // reaches the second (with KNOWN left out).
    for (lower, upper) in [
        ("commands", "cli"),
        ("checks", "engine"),
        ("journal", "engine"),
        ("runbook", "connect"),
        ("runbook", "plan"),
        ("plan", "checks"),
        ("checks", "plan"),
        ("session", "commands"),
        ("demo", "commands"),
        ("engine", "session"),
    ] {
        assert!(
            path(&graph, lower, upper).is_none(),
            "{lower} reaches {upper}: {:?}",
            path(&graph, lower, upper)
        );
    }
    assert!(
        !graph.contains_key("rollback"),
        "the rollback plan lives in plan/ (plan/rollback.rs)"
    );
}
