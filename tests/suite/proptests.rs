//! Property tests (proptest; cargo-fuzz needs a nightly toolchain): the runbook loader and the
//! MirrorMaker 2 checkpoint decoder take input cutover does not control, so no input may make
//! them panic, and every problem must come back with a real position.
//!
//! Bounded for CI: a few hundred cases each, nothing persisted into the repository (a failure
//! prints its minimal input instead).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cutover::mm2::{self, Checkpoint};
use cutover::runbook::{self, Diagnostic};
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::support::repo_root;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every `${NAME}` resolves, except names of odd length: both paths of interpolation run.
fn env(name: &str) -> Option<String> {
    name.len()
        .is_multiple_of(2)
        .then(|| format!("value-of-{name}"))
}

/// Every runbook we ship, valid or broken (name, text).
fn corpus() -> &'static [(PathBuf, String)] {
    static CORPUS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        for dir in ["runbooks", "tests/broken"] {
            for entry in std::fs::read_dir(repo_root().join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path, text));
                }
            }
        }
        files.sort();
        assert!(files.len() >= 10, "the sample and broken runbooks");
        files
    })
}

/// Parse as `cutover validate` would (relative properties files next to the runbook) and
/// check every diagnostic's position, whatever the outcome.
fn parse_and_check_positions(text: &str, base: &Path) -> Result<(), TestCaseError> {
    let diagnostics: Vec<Diagnostic> =
        match runbook::parse(Path::new("fuzz.yaml"), text, base, &env) {
            Ok(loaded) => loaded.warnings,
            Err(invalid) => {
                prop_assert!(!invalid.0.is_empty(), "an Invalid with no diagnostic");
                invalid.0
            }
        };
    for d in &diagnostics {
        prop_assert!(
            d.position.line >= 1 && d.position.column >= 1,
            "position below 1:1: {d}"
        );
        prop_assert!(!d.message.is_empty(), "empty message at {d}");
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte (at a position taken modulo the length) with a non-zero mask.
    FlipByte(usize, u8),
    /// Delete one line.
    DeleteLine(usize),
    /// Repeat one line.
    DuplicateLine(usize),
    /// Keep only the first N bytes.
    Truncate(usize),
    /// Insert a YAML-significant fragment.
    Insert(usize, &'static str),
}

const FRAGMENTS: [&str; 14] = [
    ":",
    "- ",
    "\n",
    "  ",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "${",
    "&a ",
    "*a",
    "!!binary ",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::FlipByte(at, mask)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::sample::select(&FRAGMENTS[..]))
            .prop_map(|(at, text)| Mutation::Insert(at, text)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len().max(1);
    match *mutation {
        Mutation::FlipByte(at, mask) => {
            if !bytes.is_empty() {
                bytes[at % len] ^= mask;
            }
        }
        Mutation::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
        Mutation::Insert(at, text) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, text.bytes());
        }
        Mutation::DeleteLine(n) | Mutation::DuplicateLine(n) => {
            let mut lines: Vec<Vec<u8>> = bytes
                .split_inclusive(|b| *b == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            if lines.is_empty() {
                return;
            }
            let n = n % lines.len();
            if matches!(mutation, Mutation::DeleteLine(_)) {
                lines.remove(n);
            } else {
                let line = lines[n].clone();
                lines.insert(n, line);
            }
            *bytes = lines.concat();
        }
    }
}

/// Text that looks like YAML: keys, indentation, flow collections, quotes, `${`.
fn yamlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(
                &[
                    "version: ",
                    "1",
                    "name: ",
                    "clusters:",
                    "source:",
                    "target:",
                    "bootstrap: ",
                    "properties:",
                    "properties_file: ",
                    "tiers:",
                    "steps:",
                    "- id: ",
                    "run: ",
                    "verifies:",
                    "kind: ",
                    "lag_zero",
                    "timeout: ",
                    "5m",
                    "sasl.password: ",
                    "${X}",
                    "${",
                    "$${",
                    "}",
                    "\n",
                    "\n  ",
                    "\n    ",
                    "\n      ",
                    "- ",
                    ": ",
                    "'",
                    "\"",
                    "[",
                    "]",
                    "{",
                    "}",
                    ",",
                    "#",
                    "&a",
                    "*a",
                    "<<: ",
                    "|",
                    ">",
                    "\t",
                    "é",
                ][..]
            )
            .prop_map(str::to_string),
            "[a-z0-9_. -]{0,8}",
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config(300))]

    /// Any string at all.
    #[test]
    fn the_runbook_parser_takes_any_string(text in any::<String>()) {
        parse_and_check_positions(&text, &repo_root().join("runbooks"))?;
    }

    /// Strings made of YAML and runbook pieces reach far deeper than random text.
    #[test]
    fn the_runbook_parser_takes_any_yamlish_text(text in yamlish()) {
        parse_and_check_positions(&text, &repo_root().join("runbooks"))?;
    }

}

proptest! {
    // About a millisecond a case: many cases, since most mutations stay valid YAML and reach
    // the semantic checks.
    #![proptest_config(config(1000))]

    /// Byte flips, deleted and repeated lines, truncations and inserted YAML syntax in the
    /// runbooks we ship.
    #[test]
    fn the_runbook_parser_takes_any_mutation_of_a_real_runbook(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let (path, text) = &corpus()[which % corpus().len()];
        let mut bytes = text.clone().into_bytes();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes);
        parse_and_check_positions(&text, path.parent().unwrap())?;
    }
}

fn checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        ".{0,40}",
        ".{0,40}",
        any::<i32>(),
        any::<i64>(),
        any::<i64>(),
        ".{0,60}",
    )
        .prop_map(
            |(group, topic, partition, upstream_offset, downstream_offset, metadata)| Checkpoint {
                group,
                topic,
                partition,
                upstream_offset,
                downstream_offset,
                metadata,
            },
        )
}

proptest! {
    #![proptest_config(config(500))]

    /// Arbitrary bytes: an error or a checkpoint, never a panic; and what decodes is exactly
    /// what encodes back (the format has one encoding per checkpoint).
    #[test]
    fn the_checkpoint_decoder_takes_any_bytes(
        key in proptest::collection::vec(any::<u8>(), 0..64),
        value in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        if let Ok(checkpoint) = mm2::decode_checkpoint(&key, &value) {
            prop_assert_eq!(checkpoint.encode(), (key.clone(), value.clone()));
        }
        let _ = mm2::decode_offset_sync(&key, &value);
        let _ = mm2::decode_heartbeat(&key, &value);
    }

    /// Every valid checkpoint survives encode then decode.
    #[test]
    fn checkpoints_round_trip(checkpoint in checkpoint()) {
        let (key, value) = checkpoint.encode();
        prop_assert_eq!(mm2::decode_checkpoint(&key, &value), Ok(checkpoint));
    }

    /// A valid encoding cut short anywhere is an error, not a shorter checkpoint.
    #[test]
    fn a_truncated_checkpoint_is_an_error(
        checkpoint in checkpoint(),
        cut in any::<usize>(),
        in_key in any::<bool>(),
    ) {
        let (key, value) = checkpoint.encode();
        let result = if in_key {
            mm2::decode_checkpoint(&key[..cut % key.len()], &value)
        } else {
            mm2::decode_checkpoint(&key, &value[..cut % value.len()])
        };
        prop_assert!(result.is_err(), "decoded a truncated record: {:?}", result);
    }

    /// Corrupted bytes in a valid encoding (flips, a trailing byte, a stray length): never a
    /// panic, and anything that still decodes re-encodes to the corrupted bytes.
    #[test]
    fn a_corrupted_checkpoint_never_panics(
        checkpoint in checkpoint(),
        flips in proptest::collection::vec((any::<usize>(), 1u8..=255, any::<bool>()), 1..4),
        trailing in proptest::option::of(any::<u8>()),
    ) {
        let (mut key, mut value) = checkpoint.encode();
        for (at, mask, in_key) in flips {
            let bytes = if in_key { &mut key } else { &mut value };
            let len = bytes.len();
            bytes[at % len] ^= mask;
        }
        if let Some(byte) = trailing {
            value.push(byte);
        }
        if let Ok(decoded) = mm2::decode_checkpoint(&key, &value) {
            prop_assert_eq!(decoded.encode(), (key, value));
        }
    }
}
